"""Editable parts of the governance (annexe 3): bodies, their members, missions and meetings."""

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.formats import date_format

from conventions.forms import DATE_INPUT
from conventions.models import Organisation, Party, Person
from conventions.parts import Part, PartForm, register
from conventions.validators import MAX_YEAR, MIN_YEAR

from .models import Body, Meeting, Member, Mission

MIN_MEETINGS = (
    "Indiquez au moins une réunion par an, ou laissez vide si l'instance se réunit selon les "
    "besoins."
)
MEETING_OUT_OF_PERIOD = (
    "La date doit tomber pendant la convention, à un an près : entre le {start} et le {end}."
)


def shift_years(day, years):
    """The same day ``years`` later (28 February for a 29 February in a common year),
    within the years a date may take."""
    year = min(max(day.year + years, MIN_YEAR), MAX_YEAR)
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def party_organisations(convention):
    return Organisation.objects.filter(parties__convention=convention)


def people_of(convention, also=None):
    """People of the convention's parties, plus ``also`` (a Q condition), so that an item
    keeps its current choices when edited."""
    condition = Q(organisation__parties__convention=convention)
    if also is not None:
        condition |= also
    return Person.objects.filter(condition).select_related("organisation").distinct()


def person_label(person):
    return f"{person} ({person.organisation})"


class BodyForm(PartForm):
    class Meta:
        model = Body
        fields = [
            "kind",
            "name",
            "order",
            "optional",
            "sectors",
            "composition_intro",
            "missions_intro",
            "copilots",
            "copilots_text",
            "secretariat",
            "secretariat_text",
            "min_meetings_per_year",
            "meetings_text",
        ]
        widgets = {
            "sectors": forms.Textarea(attrs={"rows": 3}),
            "composition_intro": forms.Textarea(attrs={"rows": 3}),
            "copilots": forms.CheckboxSelectMultiple,
            "copilots_text": forms.Textarea(attrs={"rows": 2}),
            "secretariat_text": forms.Textarea(attrs={"rows": 2}),
            "meetings_text": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        copilots = Q(parties__convention=self.convention)
        if self.instance.pk:
            copilots |= Q(copiloted_bodies=self.instance)
        self.fields["copilots"].queryset = Organisation.objects.filter(copilots).distinct()
        meetings = self.fields["min_meetings_per_year"]
        meetings.validators = []  # the message below replaces the generic "≥ 0"
        meetings.widget.attrs["min"] = 1

    def clean_min_meetings_per_year(self):
        value = self.cleaned_data["min_meetings_per_year"]
        if value is not None and value < 1:
            raise forms.ValidationError(MIN_MEETINGS)
        return value


class MemberForm(PartForm):
    class Meta:
        model = Member
        fields = ["body", "order", "role", "organisation", "person", "consultative"]
        widgets = {"role": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = self.convention.bodies.all()
        is_party = Exists(
            Party.objects.filter(convention=self.convention, organisation=OuterRef("pk"))
        )
        current = Q(pk=self.instance.organisation_id) if self.instance.pk else None
        self.fields["organisation"].queryset = (
            Organisation.objects.nameable_in(self.convention, current)
            .annotate(is_party=is_party)
            .order_by("-is_party", "name")
        )
        self.fields[
            "organisation"
        ].help_text = "Les organisations parties à la convention sont en tête de liste."
        person = self.fields["person"]
        current = Q(pk=self.instance.person_id) if self.instance.person_id else None
        person.queryset = people_of(self.convention, current)
        person.label_from_instance = person_label


class MissionForm(PartForm):
    class Meta:
        model = Mission
        fields = ["body", "order", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = self.convention.bodies.all()


class MeetingForm(PartForm):
    class Meta:
        model = Meeting
        fields = ["body", "date", "place", "agenda", "attendees", "other_attendees", "minutes"]
        widgets = {
            "date": DATE_INPUT,
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "attendees": forms.CheckboxSelectMultiple,
            "other_attendees": forms.Textarea(attrs={"rows": 2}),
            "minutes": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = self.convention.bodies.all()
        attendees = self.fields["attendees"]
        current = Q(meetings=self.instance) if self.instance.pk else None
        attendees.queryset = people_of(self.convention, current)
        attendees.label_from_instance = person_label

    def clean_date(self):
        date = self.cleaned_data["date"]
        start = shift_years(self.convention.start_date, -1)
        end = shift_years(self.convention.end_date, 1)
        if not start <= date <= end:
            raise forms.ValidationError(
                MEETING_OUT_OF_PERIOD.format(
                    start=date_format(start, "j F Y"), end=date_format(end, "j F Y")
                )
            )
        return date


TAB = "pilotage:tab"
register(
    Part("body", Body, BodyForm, "pilotage/_body_row.html", TAB, order_field="order"),
    Part(
        "membre",
        Member,
        MemberForm,
        "pilotage/_membre_row.html",
        TAB,
        order_field="order",
        order_scope=("body",),
    ),
    Part(
        "mission",
        Mission,
        MissionForm,
        "pilotage/_mission_row.html",
        TAB,
        order_field="order",
        order_scope=("body",),
    ),
    Part("reunion", Meeting, MeetingForm, "pilotage/_reunion_row.html", TAB, follow_up=True),
)
