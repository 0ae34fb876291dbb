"""Dates users type are between 1900 and 2100, and a date stored out of that range before
the bound existed breaks no page."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from conventions.forms import ConventionForm, NewConventionForm, StepForm
from conventions.validators import validate_year
from diagnostic.importers.files import parse_date, parse_reference
from pilotage.models import Body, Meeting
from tests.factories import (
    ConventionFactory,
    MembershipFactory,
    OrganisationFactory,
    PartyFactory,
)

pytestmark = pytest.mark.django_db

YEAR_9999 = datetime.date(9999, 12, 31)
MESSAGE = "année doit être comprise entre 1900 et 2100"  # after « L'», escaped in HTML
APPS = ("conventions", "actions", "diagnostic", "pilotage")


def typed_date_fields():
    """Every date field of our models that a user may type (not the automatic ones)."""
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            if model.__name__.startswith("Historical"):
                continue
            for field in model._meta.get_fields():
                if field.get_internal_type() == "DateField" and not (
                    field.auto_now or field.auto_now_add
                ):
                    yield pytest.param(field, id=f"{model.__name__}.{field.name}")


@pytest.mark.parametrize("field", list(typed_date_fields()))
def test_every_typed_date_field_refuses_years_outside_1900_2100(field):
    for day in (datetime.date(1899, 12, 31), YEAR_9999, datetime.date(2101, 1, 1)):
        with pytest.raises(ValidationError, match=MESSAGE):
            field.run_validators(day)
    for day in (datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)):
        field.run_validators(day)
    assert validate_year in field.validators  # the bound is in one place


def year_number_fields():
    """Every year written as a number in our models."""
    for model in apps.get_app_config("diagnostic").get_models():
        if model.__name__.startswith("Historical"):
            continue
        for field in model._meta.get_fields():
            if field.name.endswith("year") and field.get_internal_type().endswith("IntegerField"):
                yield pytest.param(field, id=f"{model.__name__}.{field.name}")


@pytest.mark.parametrize("field", list(year_number_fields()))
def test_every_year_number_refuses_years_outside_1900_2100(field):
    for year in (1899, 2101, 9999, 32767):
        with pytest.raises(ValidationError, match=MESSAGE):
            field.run_validators(year)
    field.run_validators(1900)
    field.run_validators(2100)


def test_the_found_fields_include_those_reported():
    names = {param.id for param in typed_date_fields()}
    assert {
        "Convention.start_date",
        "Convention.end_date",
        "Convention.signature_date",
        "Deliberation.session_date",
        "Meeting.date",
        "Action.deadline_date",
        "Observation.date",
    } <= names
    years = {param.id for param in year_number_fields()}
    assert {"Observation.year", "TableColumn.from_year", "Structure.opened_year"} <= years


@pytest.fixture
def editor_of():
    def make(convention):
        organisation = OrganisationFactory()
        PartyFactory(convention=convention, organisation=organisation)
        return MembershipFactory(organisation=organisation).user

    return make


def test_portfolio_and_pilotage_survive_dates_stored_before_the_bound(client, editor_of):
    """Stored through the model (as before the bound): a convention of the year 9999 with a
    body that must meet yearly, and a meeting dated 9999-12-31 on another convention."""
    in_9999 = ConventionFactory(start_date=datetime.date(9999, 1, 1), end_date=YEAR_9999)
    user = editor_of(in_9999)
    Body.objects.create(convention=in_9999, kind="copil", name="COPIL", order=1,
                        min_meetings_per_year=1)  # fmt: skip
    ending_9999 = ConventionFactory(end_date=YEAR_9999)
    PartyFactory(convention=ending_9999, organisation=user.memberships.get().organisation)
    body = Body.objects.create(convention=ending_9999, kind="copil", name="COPIL", order=1,
                               min_meetings_per_year=2)  # fmt: skip
    Meeting.objects.create(body=body, date=YEAR_9999)
    client.force_login(user)

    response = client.get(reverse("conventions:portfolio"))
    assert response.status_code == 200
    assert "9999" in response.content.decode()
    for convention in (in_9999, ending_9999):
        assert client.get(reverse("pilotage:tab", args=[convention.pk])).status_code == 200


def test_a_meeting_form_on_a_convention_ending_in_9999_answers_with_the_field_error(
    client, editor_of
):
    convention = ConventionFactory(end_date=YEAR_9999)
    client.force_login(editor_of(convention))
    body = Body.objects.create(convention=convention, kind="copil", name="COPIL", order=1)
    response = client.post(
        reverse("conventions:part-add", args=[convention.pk, "reunion"]),
        {"body": body.pk, "date": "9999-06-01"},
    )
    assert response.status_code == 422
    assert "31 décembre 2100" in response.content.decode()  # the period, within the bound
    assert not body.meetings.exists()


def test_convention_edit_refuses_an_end_in_9999(client, editor_of):
    convention = ConventionFactory()
    client.force_login(editor_of(convention))
    data = {
        "title": convention.title,
        "short_title": convention.short_title,
        "start_date": "2024-01-01",
        "end_date": "9999-12-31",
        "closing_text": convention.closing_text,
    }
    response = client.post(reverse("conventions:convention-edit", args=[convention.pk]), data)
    assert response.status_code == 422
    assert MESSAGE in response.content.decode()
    convention.refresh_from_db()
    assert convention.end_date == datetime.date(2028, 12, 31)


def test_convention_form_and_admin_refuse_years_out_of_range(admin_client):
    convention = ConventionFactory()
    form = ConventionForm(
        {"title": "T", "short_title": "X", "start_date": "1899-12-31", "end_date": "2101-01-01",
         "closing_text": "C", "signature_date": "0202-05-01"},
        instance=convention,
    )  # fmt: skip
    assert not form.is_valid()
    for name in ("start_date", "end_date", "signature_date"):
        assert MESSAGE in form.errors[name][0]
    data = {
        "title": "T",
        "short_title": "Titre",
        "territory": convention.territory.pk,
        "start_date": "2024-01-01",
        "end_date": "9999-12-31",
        "status": "draft",
        "closing_text": "C",
    }
    for prefix, count in (("parties", 0), ("visas", 0), ("articles", 0), ("annexes", 0),
                          ("amendments", 0)):  # fmt: skip
        data |= {f"{prefix}-TOTAL_FORMS": count, f"{prefix}-INITIAL_FORMS": 0}
    response = admin_client.post(
        reverse("admin:conventions_convention_change", args=[convention.pk]), data
    )
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()


def test_new_convention_and_step_forms_refuse_years_out_of_range(django_user_model):
    user = django_user_model.objects.create(username="caf")
    form = NewConventionForm({"start_date": "2024-01-01", "end_date": "9999-12-31"}, user=user)
    assert not form.is_valid()
    assert MESSAGE in form.errors["end_date"][0]
    step = StepForm({"on": "9999-01-01"})
    assert not step.is_valid()
    assert MESSAGE in step.errors["on"][0]
    assert StepForm({"on": "2025-01-01"}).is_valid()


def test_date_inputs_tell_the_browser_the_bounds():
    html = str(StepForm()["on"])
    assert 'min="1900-01-01"' in html and 'max="2100-12-31"' in html


def test_imported_dates_are_bounded_too():
    with pytest.raises(ValueError, match="entre 1900 et 2100"):
        parse_date("31/12/9999")
    with pytest.raises(ValueError, match="entre 1900 et 2100"):
        parse_date(YEAR_9999)
    with pytest.raises(ValueError, match="entre 1900 et 2100"):
        parse_reference("999912")
    assert parse_date("31/12/2022") == datetime.date(2022, 12, 31)
    assert parse_reference("202212") == (2022, datetime.date(2022, 12, 31))
