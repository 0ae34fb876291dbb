"""The editable parts of the diagnostic (annexe 1): sections, structures, problématiques,
glossary entries and the Caf funding of the structures."""

from django import forms
from django.utils.text import slugify

from actions.models import Field
from conventions.models import Territory
from conventions.parts import Part, PartForm, register
from conventions.validators import MAX_ORDER, MAX_YEAR, MIN_YEAR

from .models import GlossaryEntry, Problematique, Section, Structure, StructureFunding

TAB = "diagnostic:tab"
POSITIVE = "{label} doit être un nombre positif ou nul."
YEAR = f"Indiquez une année sur quatre chiffres, entre {MIN_YEAR} et {MAX_YEAR}."


def unique_key(text, taken, max_length):
    """A slug of ``text`` that is not in ``taken``: ``creche``, then ``creche-2``..."""
    base = slugify(text)[:max_length].strip("-") or "element"
    key, number = base, 1
    while key in taken:
        number += 1
        suffix = f"-{number}"
        key = f"{base[: max_length - len(suffix)]}{suffix}"
    return key


def check_positive(value, label):
    if value is not None and value < 0:
        raise forms.ValidationError(POSITIVE.format(label=label))
    return value


def check_year(value):
    if value is not None and not MIN_YEAR <= value <= MAX_YEAR:
        raise forms.ValidationError(YEAR)
    return value


class LastWhenNewMixin:
    """For parts whose order is not in the form: a new item goes last (``↑``/``↓`` move it)."""

    def clean(self):
        cleaned = super().clean()
        field = self.part.order_field
        if self.instance.pk is None and getattr(self.instance, field) is None:
            siblings = self.part.model.objects.filter(convention=self.convention)
            last = self.part.next_order_in(siblings)
            if last > MAX_ORDER:
                raise forms.ValidationError(
                    f"Cette liste compte déjà {MAX_ORDER} éléments, le plus grand nombre "
                    "possible : supprimez-en avant d'en ajouter."
                )
            setattr(self.instance, field, last)
        return cleaned


class SectionForm(LastWhenNewMixin, PartForm):
    """A section's text; its key and block stay as they are (a new one gets a key from its
    title and no block)."""

    class Meta:
        model = Section
        fields = ["title", "level", "source", "body", "commentary", "lost_figures"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 8}),
            "commentary": forms.Textarea(attrs={"rows": 4}),
            "lost_figures": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and not self.convention.diagnostic_sections.exists():
            self.initial.setdefault("level", 1)  # the first section opens a part

    def save(self, commit=True):
        section = self.instance
        if not section.key:
            taken = set(self.convention.diagnostic_sections.values_list("key", flat=True))
            max_length = Section._meta.get_field("key").max_length
            section.key = unique_key(section.title, taken, max_length)
        return super().save(commit=commit)


class StructureForm(PartForm):
    class Meta:
        model = Structure
        fields = [
            "name",
            "kind",
            "field",
            "commune",
            "manager",
            "capacity",
            "capacity_unit",
            "opening_hours",
            "status",
            "opened_year",
            "in_territory",
            "description",
        ]
        widgets = {
            "capacity": forms.NumberInput(attrs={"min": 0, "step": "any"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = Field.objects.available_to(self.convention)
        self.fields["commune"].queryset = Territory.objects.filter(
            kind=Territory.Kind.COMMUNE
        ).order_by("name")

    def clean_capacity(self):
        return check_positive(self.cleaned_data["capacity"], "La capacité")

    def clean_opened_year(self):
        return check_year(self.cleaned_data["opened_year"])

    def clean(self):
        cleaned = super().clean()
        missing_unit = not cleaned.get("capacity_unit") and "capacity_unit" not in self.errors
        if cleaned.get("capacity") is not None and missing_unit:
            self.add_error("capacity_unit", "Précisez l'unité de la capacité.")
        return cleaned

    def save(self, commit=True):
        structure = self.instance
        if not structure.key:
            taken = set(self.convention.structures.values_list("key", flat=True))
            max_length = Structure._meta.get_field("key").max_length
            structure.key = unique_key(structure.name, taken, max_length)
        return super().save(commit=commit)


class ProblematiqueForm(PartForm):
    class Meta:
        model = Problematique
        fields = ["order", "field", "title", "text", "retained", "actions"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 5}),
            "actions": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = Field.objects.available_to(self.convention)
        self.fields["actions"].queryset = self.convention.actions.all()


class GlossaryEntryForm(PartForm):
    class Meta:
        model = GlossaryEntry
        fields = ["order", "acronym", "definition"]

    def clean_acronym(self):
        acronym = self.cleaned_data["acronym"].strip()
        others = self.convention.glossary.exclude(pk=self.instance.pk)
        if others.filter(acronym__iexact=acronym).exists():
            raise forms.ValidationError(f"Le sigle « {acronym} » figure déjà dans le glossaire.")
        return acronym


class StructureFundingForm(LastWhenNewMixin, PartForm):
    """A structure's budget and activity; its amounts per scheme are edited in the admin."""

    class Meta:
        model = StructureFunding
        fields = ["structure", "label", "year", "budget", "activity"]
        widgets = {"budget": forms.NumberInput(attrs={"min": 0, "step": "any"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = self.convention.structures.order_by("name")

    def clean_year(self):
        return check_year(self.cleaned_data["year"])

    def clean_budget(self):
        return check_positive(self.cleaned_data["budget"], "Le budget")


register(
    Part(
        "section",
        Section,
        SectionForm,
        "diagnostic/_section_row.html",
        TAB,
        order_field="order",
        order_scope=("convention",),
    ),
    Part("structure", Structure, StructureForm, "diagnostic/_structure_row.html", TAB),
    Part(
        "probleme",
        Problematique,
        ProblematiqueForm,
        "diagnostic/_probleme_row.html",
        TAB,
        order_field="order",
    ),
    Part(
        "glossaire",
        GlossaryEntry,
        GlossaryEntryForm,
        "diagnostic/_glossaire_row.html",
        TAB,
        order_field="order",
    ),
    Part(
        "financement",
        StructureFunding,
        StructureFundingForm,
        "diagnostic/_financement_row.html",
        TAB,
        order_field="order",
    ),
)
