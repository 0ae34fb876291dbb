"""Imports of the action plan, through the admin and the resource."""

import datetime

import pytest
import tablib
from django.urls import reverse

from actions.models import Action
from actions.resources import ActionResource
from conventions.resources import error_lines
from tests.factories import ActionFactory, ConventionFactory, FieldFactory, UserFactory
from tests.imports import (
    admin_import,
    admin_preview,
    confirm_form_data,
    csv_file,
    import_url,
    xlsx_file,
)

pytestmark = pytest.mark.django_db

HEADER = [
    "convention",
    "field",
    "order",
    "name",
    "followup_frequency",
    "followup_indicators",
    "evaluation_criteria",
]


@pytest.fixture
def convention():
    FieldFactory(code="petite_enfance")
    return ConventionFactory(short_title="CTG Test")


def action_row(order, *, field="petite_enfance", frequency="annuelle", indicators="", criteria=""):
    return ["CTG Test", field, order, f"Action {order}", frequency, indicators, criteria]


def test_actions_csv_through_admin_creates_rows(admin_client, convention):
    rows = [HEADER, action_row(1), action_row(2, frequency="")]

    admin_import(admin_client, Action, csv_file(rows))

    actions = convention.actions.order_by("order")
    assert [(a.order, a.name, a.followup_frequency) for a in actions] == [
        (1, "Action 1", "annuelle"),
        (2, "Action 2", ""),
    ]


def test_actions_xlsx_through_admin_creates_rows_with_their_items(admin_client, convention):
    rows = [HEADER, action_row(1, indicators="Places créées\nTaux d'occupation")]

    admin_import(admin_client, Action, xlsx_file(rows))

    action = convention.actions.get()
    assert action.name == "Action 1"
    assert [i.label for i in action.followup_indicators.all()] == [
        "Places créées",
        "Taux d'occupation",
    ]


def test_action_import_creates_followup_indicators_and_criteria_in_order(convention):
    dataset = tablib.Dataset(
        action_row(
            1,
            indicators="Nombre de places\n\n  Taux d'occupation  \nListe d'attente",
            criteria="Ouverture avant 2021\nSatisfaction des familles",
        ),
        headers=HEADER,
    )

    ActionResource().import_file(dataset)

    action = convention.actions.get()
    assert [(i.order, i.label) for i in action.followup_indicators.all()] == [
        (1, "Nombre de places"),
        (2, "Taux d'occupation"),
        (3, "Liste d'attente"),
    ]
    assert [(c.order, c.label) for c in action.evaluation_criteria.all()] == [
        (1, "Ouverture avant 2021"),
        (2, "Satisfaction des familles"),
    ]


def test_action_reimport_replaces_its_items_instead_of_adding_to_them(convention):
    ActionResource().import_file(
        tablib.Dataset(action_row(1, indicators="Ancien\nAutre"), headers=HEADER)
    )

    ActionResource().import_file(
        tablib.Dataset(action_row(1, indicators="Nouveau"), headers=HEADER)
    )

    action = convention.actions.get()
    assert [i.label for i in action.followup_indicators.all()] == ["Nouveau"]


def test_admin_preview_with_bad_rows_reports_each_line_in_french_and_writes_nothing(
    admin_client, convention
):
    rows = [
        HEADER,
        action_row(1),
        action_row(2, field="champ_inconnu"),
        action_row(3),
        action_row(4, frequency="tous les jours"),
    ]
    before = Action.objects.count()

    preview = admin_preview(admin_client, Action, csv_file(rows))

    invalid = preview.context["result"].invalid_rows
    assert [(row.number, list(row.error_dict)) for row in invalid] == [
        (3, ["field"]),
        (5, ["followup_frequency"]),
    ]
    page = preview.content.decode()
    assert "Champ « champ_inconnu » inconnu(e)." in page
    assert "n’est pas un choix valide." in page
    assert "confirm_form" not in preview.context
    assert confirm_form_data(preview, Action) == {}
    assert Action.objects.count() == before


def test_import_file_with_bad_rows_writes_nothing_and_lists_french_errors(convention):
    dataset = tablib.Dataset(
        action_row(1, indicators="Places créées"),
        action_row(2, field="champ_inconnu"),
        action_row(3),
        action_row(4, frequency="tous les jours"),
        headers=HEADER,
    )

    result = ActionResource().import_file(dataset)

    assert error_lines(result) == [
        "ligne 3 : field — Champ « champ_inconnu » inconnu(e).",
        "ligne 5 : followup_frequency — "
        "La valeur «\xa0'tous les jours'\xa0» n’est pas un choix valide.",
    ]
    assert not convention.actions.exists()


def test_field_of_another_convention_is_unknown(convention):
    FieldFactory(code="axe_propre", convention=ConventionFactory())

    result = ActionResource().import_file(
        tablib.Dataset(action_row(1, field="axe_propre"), headers=HEADER)
    )

    assert error_lines(result) == ["ligne 2 : field — Champ « axe_propre » inconnu(e)."]


def test_deadline_written_the_french_way_is_read_day_first(convention):
    dataset = tablib.Dataset(
        ["CTG Test", "petite_enfance", 1, "Action 1", "05/06/2020"],
        headers=["convention", "field", "order", "name", "deadline_date"],
    )

    ActionResource().import_file(dataset)

    assert convention.actions.get().deadline_date == datetime.date(2020, 6, 5)


def test_existing_action_is_updated_by_its_convention_field_and_order(convention):
    action = ActionFactory(convention=convention, field=FieldFactory(), order=1, name="Avant")

    ActionResource().import_file(tablib.Dataset(action_row(1), headers=HEADER))

    action.refresh_from_db()
    assert action.name == "Action 1"
    assert convention.actions.count() == 1


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(import_url(Action))

    assert response.status_code == 302
    assert response.url.startswith((reverse("login"), reverse("admin:login")))


def test_non_staff_user_is_sent_to_login(client):
    client.force_login(UserFactory())

    response = client.get(import_url(Action))

    assert response.status_code == 302
    assert response.url.startswith((reverse("login"), reverse("admin:login")))


def test_staff_user_without_permission_cannot_import(client):
    client.force_login(UserFactory(is_staff=True))

    response = client.get(import_url(Action))

    assert response.status_code == 403
