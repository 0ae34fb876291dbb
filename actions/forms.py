"""The editable parts of the action plan (annexe 2)."""

from django import forms
from django.db import transaction

from conventions.forms import DATE_INPUT
from conventions.parts import REGISTRY, Part, PartForm, register

from .models import Action, EvaluationCriterion, Field, FollowUpIndicator

ONE_PER_LINE = "Un élément par ligne."


def lines(text):
    """The non-empty lines of ``text``, stripped, in order."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ActionForm(PartForm):
    """An action with its follow-up indicators and evaluation criteria, edited as lists
    of one item per line."""

    followup_indicators = forms.CharField(
        label="Indicateurs de suivi",
        required=False,
        help_text=ONE_PER_LINE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evaluation_criteria = forms.CharField(
        label="Critères d'évaluation",
        required=False,
        help_text=ONE_PER_LINE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    ITEMS = {
        "followup_indicators": FollowUpIndicator,
        "evaluation_criteria": EvaluationCriterion,
    }

    class Meta:
        model = Action
        fields = [
            "field",
            "order",
            "name",
            "content",
            "objectives",
            "offer",
            "human_means",
            "lead",
            "deadline_date",
            "deadline_text",
            "followup_frequency",
            "followup_modalities",
            "followup_indicators",
            "evaluation_periodicity",
            "evaluation_criteria",
            "progress",
        ]
        widgets = {
            "deadline_date": DATE_INPUT,
            "content": forms.Textarea(attrs={"rows": 3}),
            "objectives": forms.Textarea(attrs={"rows": 3}),
            "offer": forms.Textarea(attrs={"rows": 3}),
            "human_means": forms.Textarea(attrs={"rows": 2}),
            "followup_modalities": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = Field.objects.available_to(self.convention)
        self.fields["field"].label = "Champ d'intervention"
        if self.instance.pk:
            for name in self.ITEMS:
                items = getattr(self.instance, name).all()
                self.initial[name] = "\n".join(item.label for item in items)

    def clean_followup_indicators(self):
        return self.clean_items("followup_indicators")

    def clean_evaluation_criteria(self):
        return self.clean_items("evaluation_criteria")

    def clean_items(self, name):
        text = self.cleaned_data[name]
        limit = self.ITEMS[name]._meta.get_field("label").max_length
        too_long = [number for number, line in enumerate(lines(text), start=1) if len(line) > limit]
        if too_long:
            numbers = ", ".join(str(number) for number in too_long)
            raise forms.ValidationError(
                f"Chaque ligne doit faire au plus {limit} caractères (ligne(s) {numbers})."
            )
        return text

    def clean(self):
        cleaned = super().clean()
        has_deadline = cleaned.get("deadline_date") or cleaned.get("deadline_text")
        if not has_deadline and "deadline_date" not in self.errors:
            self.add_error(
                "deadline_date",
                "Indiquez une échéance : une date, ou une échéance en toutes lettres.",
            )
        return cleaned

    @transaction.atomic
    def save(self, commit=True):
        action = super().save(commit=commit)
        if commit:
            for name, model in self.ITEMS.items():
                getattr(action, name).all().delete()
                model.objects.bulk_create(
                    model(action=action, order=order, label=label)
                    for order, label in enumerate(lines(self.cleaned_data[name]), start=1)
                )
        return action


class ProgressForm(PartForm):
    """The quick edit of an action's progress, from its row on the tab."""

    class Meta:
        model = Action
        fields = ["progress"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            raise forms.ValidationError("L'avancement se modifie sur une action existante.")
        return cleaned


class ProgressPart(Part):
    """Edits only the progress of an action, but answers with the whole action row."""

    @property
    def action_part(self):
        return REGISTRY["action"]


register(
    Part(
        "action",
        Action,
        ActionForm,
        "actions/_action_row.html",
        "actions:tab",
        order_field="order",
        order_scope=("convention", "field"),
    ),
    ProgressPart(
        "avancement",
        Action,
        ProgressForm,
        "actions/_progress_row.html",
        "actions:tab",
        follow_up=True,
    ),
)
