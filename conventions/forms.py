from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from . import scans
from .models import (
    Amendment,
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
from .validators import FIRST_DAY, LAST_DAY, validate_year

DATE_INPUT = forms.DateInput(
    format="%Y-%m-%d",
    attrs={"type": "date", "min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()},
)


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
    start_date = forms.DateField(label="Début", widget=DATE_INPUT, validators=[validate_year])
    end_date = forms.DateField(label="Fin", widget=DATE_INPUT, validators=[validate_year])

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

    on = forms.DateField(
        label="Date", required=False, widget=DATE_INPUT, validators=[validate_year]
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PartyForm(PartForm):
    class Meta:
        model = Party
        fields = ["order", "organisation", "wording", "designation", "designation_gender"]
        widgets = {"wording": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = Q(pk=self.instance.organisation_id) if self.instance.pk else None
        organisations = Organisation.objects.nameable_in(self.convention, current)
        self.fields["organisation"].queryset = organisations


class SignatoryForm(PartForm):
    class Meta:
        model = Signatory
        fields = ["party", "person", "capacity", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parties = self.writable_parties()
        self.fields["party"].queryset = parties
        self.fields["person"].queryset = Person.objects.filter(
            organisation__parties__in=parties
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


class LinkedScan:
    """A stored scan as the file input shows it: a link to the page serving it to the
    convention's readers (the storage is private: its own URL serves nothing)."""

    def __init__(self, name, url):
        self.name, self.url = name, url

    def __str__(self):
        return self.name


class ScanFormMixin:
    """The deliberation's scan (workspace and admin): a PDF checked by its content
    (``conventions.scans``), its SHA-256 and page count kept with it. On any error nothing
    is stored. A scan replaced or removed is deleted from the storage once saved."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["scan"]
        field.widget.attrs["accept"] = "application/pdf"
        limit = settings.CTG_UPLOAD_MAX_BYTES / 1024 / 1024
        field.help_text = (
            f"{field.help_text} Un PDF non protégé de {limit:.0f} Mo et "
            f"{scans.MAX_PAGES} pages au plus."
        )
        self.stored_scan = self.instance.scan.name if self.instance.pk else ""
        if self.stored_scan:
            pages = self.instance.scan_pages or 0
            url = reverse(
                "conventions:deliberation-scan",
                args=[self.instance.convention_id, self.instance.pk],
            )
            self.initial["scan"] = LinkedScan(f"PDF de {pages} page{'s' * (pages > 1)}", url)
        else:
            self.initial["scan"] = None  # not an empty file

    def clean_scan(self):
        scan = self.cleaned_data.get("scan")
        if scan is False:  # « Effacer » ticked
            self.instance.scan_sha256, self.instance.scan_pages = "", None
            return False
        if scan is None or isinstance(scan, LinkedScan):  # unchanged
            return self.instance.scan
        checked = scans.check_upload(scan)
        self.instance.scan_sha256, self.instance.scan_pages = checked.sha256, checked.pages
        return scan

    def save(self, commit=True):
        deliberation = super().save(commit)
        if commit:
            self.discard_replaced_scan()
        return deliberation

    def discard_replaced_scan(self):
        """Once saved, delete the previous scan if it was replaced or removed."""
        old, storage = self.stored_scan, self.instance.scan.storage
        if old and old != self.instance.scan.name:
            transaction.on_commit(lambda: storage.delete(old))


class DeliberationForm(ScanFormMixin, PartForm):
    class Meta:
        model = Deliberation
        fields = [
            "party",
            "annex",
            "amendment",
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
            "scan",
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
        self.fields["party"].queryset = self.writable_parties()
        self.fields["annex"].queryset = self.convention.annexes.all()
        # The deliberation of an avenant being written, or of the convention itself.
        self.fields["amendment"].queryset = self.convention.amendments.filter(
            Q(status=Amendment.Status.DRAFT) | Q(pk=self.instance.amendment_id)
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("amendment") and cleaned.get("annex"):
            self.add_error(
                "annex",
                "La délibération d'un avenant est visée par l'avenant, pas imprimée en annexe "
                "de la convention : laissez l'annexe vide.",
            )
        return cleaned


TAB = "conventions:convention-detail"
register(
    Part(
        "partie",
        Party,
        PartyForm,
        "conventions/_party_row.html",
        TAB,
        order_field="order",
        owner_only=True,
    ),
    Part(
        "signataire",
        Signatory,
        SignatoryForm,
        "conventions/_signatory_row.html",
        TAB,
        order_field="order",
        order_scope=("party",),
        party_field="party",
    ),
    Part("visa", Visa, VisaForm, "conventions/_visa_row.html", TAB, order_field="order"),
    Part(
        "article", Article, ArticleForm, "conventions/_article_row.html", TAB, order_field="number"
    ),
    Part("annexe", Annex, AnnexForm, "conventions/_annex_row.html", TAB, order_field="number"),
    Part(
        "deliberation",
        Deliberation,
        DeliberationForm,
        "conventions/_deliberation_row.html",
        TAB,
        party_field="party",
    ),
)
