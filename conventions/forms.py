from django import forms

from .models import (
    Annex,
    Article,
    Convention,
    ConventionModel,
    Deliberation,
    Organisation,
    Party,
    Person,
    Signatory,
    Visa,
)
from .parts import AccessibleErrorsMixin, Part, PartForm, register

DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class ConventionForm(AccessibleErrorsMixin, forms.ModelForm):
    class Meta:
        model = Convention
        fields = [
            "title",
            "short_title",
            "start_date",
            "end_date",
            "preamble",
            "closing_text",
            "signature_place",
            "signature_date",
            "copies",
            "initialled_pages",
        ]
        widgets = {"start_date": DATE_INPUT, "end_date": DATE_INPUT, "signature_date": DATE_INPUT}


class NewConventionForm(AccessibleErrorsMixin, forms.Form):
    """A convention for a territory and a period, created in one step from a Caf's model."""

    model = forms.ModelChoiceField(ConventionModel.objects.none(), label="Modèle de la Caf")
    partner = forms.ModelChoiceField(
        Organisation.objects.exclude(kind=Organisation.Kind.CAF).filter(territory__isnull=False),
        label="Territoire partenaire",
        help_text="L'organisation qui signe avec la Caf (EPCI, commune…).",
    )
    short_title = forms.CharField(label="Titre court", max_length=120)
    start_date = forms.DateField(label="Début", widget=DATE_INPUT)
    end_date = forms.DateField(label="Fin", widget=DATE_INPUT)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].queryset = ConventionModel.objects.filter(
            organisation__memberships__user=user,
            organisation__memberships__role="editor",
        ).select_related("organisation")

    def clean_short_title(self):
        title = self.cleaned_data["short_title"]
        if Convention.objects.filter(short_title=title).exists():
            raise forms.ValidationError("Une convention porte déjà ce titre court.")
        return title

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", "La fin doit être postérieure au début.")
        return cleaned

    def save(self):
        data = self.cleaned_data
        return data["model"].create_convention(
            partner=data["partner"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            short_title=data["short_title"],
        )


class StepForm(AccessibleErrorsMixin, forms.Form):
    """Taking a step of the convention's life: its date when it has one, and a note."""

    on = forms.DateField(label="Date", required=False, widget=DATE_INPUT)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PartyForm(PartForm):
    class Meta:
        model = Party
        fields = ["order", "organisation", "wording", "designation", "designation_gender"]
        widgets = {"wording": forms.Textarea(attrs={"rows": 3})}


class SignatoryForm(PartForm):
    class Meta:
        model = Signatory
        fields = ["party", "person", "capacity", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parties = self.convention.parties.select_related("organisation")
        self.fields["party"].queryset = parties
        self.fields["person"].queryset = Person.objects.filter(
            organisation__parties__convention=self.convention
        ).select_related("organisation")


class VisaForm(PartForm):
    class Meta:
        model = Visa
        fields = ["order", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


class ArticleForm(PartForm):
    class Meta:
        model = Article
        fields = ["number", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}


class AnnexForm(PartForm):
    class Meta:
        model = Annex
        fields = ["number", "title", "intro"]
        widgets = {"intro": forms.Textarea(attrs={"rows": 3})}


class DeliberationForm(PartForm):
    class Meta:
        model = Deliberation
        fields = [
            "party",
            "annex",
            "kind",
            "number",
            "body",
            "session_date",
            "convocation_date",
            "place",
            "chair",
            "secretary",
            "members_in_office",
            "present",
            "substitutes_voting",
            "excused",
            "absent_unexcused",
            "substitutes_non_voting",
            "proxies",
            "votes_for",
            "votes_against",
            "abstentions",
            "object",
            "decisions",
            "sent_to_prefecture",
            "received_by_prefecture",
            "posted_on",
            "act_id",
        ]
        widgets = dict.fromkeys(
            [
                "session_date",
                "convocation_date",
                "sent_to_prefecture",
                "received_by_prefecture",
                "posted_on",
            ],
            DATE_INPUT,
        ) | {
            "object": forms.Textarea(attrs={"rows": 2}),
            "decisions": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = self.convention.parties.select_related("organisation")
        self.fields["annex"].queryset = self.convention.annexes.all()


TAB = "conventions:convention-detail"
register(
    Part("partie", Party, PartyForm, "conventions/_party_row.html", TAB, order_field="order"),
    Part(
        "signataire",
        Signatory,
        SignatoryForm,
        "conventions/_signatory_row.html",
        TAB,
        order_field="order",
        order_scope=("party",),
    ),
    Part("visa", Visa, VisaForm, "conventions/_visa_row.html", TAB, order_field="order"),
    Part(
        "article", Article, ArticleForm, "conventions/_article_row.html", TAB, order_field="number"
    ),
    Part("annexe", Annex, AnnexForm, "conventions/_annex_row.html", TAB, order_field="number"),
    Part("deliberation", Deliberation, DeliberationForm, "conventions/_deliberation_row.html", TAB),
)
