"""Imports of indicators, observations and structures, through the admin and the resources.

A file with a bad row is refused whole; every bad row is reported in French with its line
in the file, the header being line 1.
"""

import datetime
from decimal import Decimal

import pytest
import tablib
from django.urls import reverse
from django.utils import translation

from conventions.resources import error_lines
from diagnostic.models import Indicator, Observation, Structure
from diagnostic.resources import ObservationResource
from tests.factories import (
    ConventionFactory,
    FieldFactory,
    IndicatorFactory,
    TerritoryFactory,
    UserFactory,
)
from tests.imports import (
    admin_import,
    admin_preview,
    confirm_form_data,
    csv_file,
    import_url,
    xlsx_file,
)

pytestmark = pytest.mark.django_db

OBSERVATION_HEADER = ["indicator", "territory", "year", "value", "note"]


@pytest.fixture
def territory():
    IndicatorFactory(code="pop_total")
    return TerritoryFactory(code="200000001")


def observations_dataset(*rows):
    return tablib.Dataset(*rows, headers=OBSERVATION_HEADER)


def test_import_page_renders_for_superuser(admin_client):
    response = admin_client.get(import_url(Observation))

    assert response.status_code == 200
    assert b'name="import_file"' in response.content


def test_observations_csv_through_admin_creates_rows(admin_client, territory):
    rows = [OBSERVATION_HEADER, ["pop_total", "200000001", "2016", "100", ""]]
    rows.append(["pop_total", "200000001", "2021", "", "secret statistique"])

    admin_import(admin_client, Observation, csv_file(rows))

    imported = territory.observations.order_by("year")
    assert [(o.year, o.value, o.note) for o in imported] == [
        (2016, Decimal("100"), ""),
        (2021, None, "secret statistique"),
    ]


def test_observations_xlsx_through_admin_creates_rows(admin_client, territory):
    rows = [OBSERVATION_HEADER, ["pop_total", "200000001", 2016, 11582, None]]
    rows.append(["pop_total", "200000001", 2021, 2.5, None])

    admin_import(admin_client, Observation, xlsx_file(rows))

    imported = territory.observations.order_by("year")
    assert [(o.year, o.value) for o in imported] == [
        (2016, Decimal("11582")),
        (2021, Decimal("2.5")),
    ]


def test_indicators_csv_through_admin_creates_rows(admin_client):
    rows = [
        ["code", "label", "unit", "source", "theme", "definition"],
        ["nb_alloc", "Allocataires", "count", "caf", "allocataires", "Au 31/12."],
        ["taux_act", "Taux d'activité", "percent", "insee", "emploi", ""],
    ]

    admin_import(admin_client, Indicator, csv_file(rows))

    imported = Indicator.objects.filter(code__in=["nb_alloc", "taux_act"]).order_by("code")
    assert list(imported.values_list("code", "unit", "theme")) == [
        ("nb_alloc", "count", "allocataires"),
        ("taux_act", "percent", "emploi"),
    ]


def test_structures_csv_through_admin_creates_rows(admin_client):
    convention = ConventionFactory(short_title="CTG Test")
    FieldFactory(code="petite_enfance")
    TerritoryFactory(code="39300", kind="commune")
    rows = [
        ["convention", "key", "name", "kind", "field", "commune", "capacity", "capacity_unit"],
        ["CTG Test", "creche-a", "Crèche A", "eaje", "petite_enfance", "39300", "20", "places"],
        ["CTG Test", "ram-b", "RAM B", "ram", "", "", "1,5", "etp"],
    ]

    admin_import(admin_client, Structure, csv_file(rows))

    structures = convention.structures.order_by("key")
    assert [(s.key, s.field_id is not None, s.commune_id is not None) for s in structures] == [
        ("creche-a", True, True),
        ("ram-b", False, False),
    ]
    assert structures.get(key="ram-b").capacity == Decimal("1.50")


def test_admin_preview_with_bad_rows_reports_each_line_in_french_and_writes_nothing(
    admin_client, territory
):
    rows = [
        OBSERVATION_HEADER,
        ["pop_total", "200000001", "2016", "100", ""],
        ["inconnu", "200000001", "2017", "100", ""],
        ["pop_total", "200000001", "2018", "100", ""],
        ["pop_total", "200000001", "2019", "beaucoup", ""],
    ]
    before = Observation.objects.count()

    preview = admin_preview(admin_client, Observation, csv_file(rows))

    invalid = preview.context["result"].invalid_rows
    assert [(row.number, row.error_dict) for row in invalid] == [
        (3, {"indicator": ["Indicateur « inconnu » inconnu."]}),
        (5, {"value": ["« beaucoup » n'est pas un nombre."]}),
    ]
    page = preview.content.decode()
    assert "Indicateur « inconnu » inconnu." in page
    assert "« beaucoup » n&#x27;est pas un nombre." in page
    assert "confirm_form" not in preview.context
    assert confirm_form_data(preview, Observation) == {}
    assert Observation.objects.count() == before


def test_import_file_with_bad_rows_writes_nothing_and_lists_french_errors(territory):
    dataset = observations_dataset(
        ["pop_total", "200000001", "2016", "100", ""],
        ["inconnu", "200000001", "2017", "100", ""],
        ["pop_total", "200000001", "2018", "100", ""],
        ["pop_total", "200000001", "2019", "beaucoup", ""],
    )

    result = ObservationResource().import_file(dataset)

    assert error_lines(result) == [
        "ligne 3 : indicator — Indicateur « inconnu » inconnu(e).",
        "ligne 5 : value — « beaucoup » n'est pas un nombre.",
    ]
    assert not territory.observations.exists()


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        ("territory", "999", "ligne 2 : territory — Territoire « 999 » inconnu(e)."),
        ("year", "deux mille", "ligne 2 : year — « deux mille » n'est pas un nombre."),
        ("date", "31/13/2016", "ligne 2 : date — « 31/13/2016 » n'est pas une date (JJ/MM/AAAA)."),
        ("value", "", "ligne 2 : Une observation a une valeur ou une note."),
    ],
)
def test_each_kind_of_bad_cell_is_reported_in_french(territory, column, cell, message):
    row = {"indicator": "pop_total", "territory": "200000001", "year": "2016", "date": ""}
    row |= {"value": "100", "note": "", column: cell}
    dataset = tablib.Dataset(list(row.values()), headers=list(row))

    result = ObservationResource().import_file(dataset)

    assert error_lines(result) == [message]
    assert not territory.observations.exists()


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("11 582", Decimal("11582")),
        ("11\u202f582", Decimal("11582")),
        ("2,50", Decimal("2.50")),
        ("2.50", Decimal("2.50")),
    ],
)
@pytest.mark.parametrize("language", ["fr", "en"])  # the admin follows the browser's language
def test_french_number_is_stored_as_its_value(territory, written, stored, language):
    with translation.override(language):
        result = ObservationResource().import_file(
            observations_dataset(["pop_total", "200000001", "2016", written, ""])
        )

    assert not result.has_errors() and not result.has_validation_errors()
    assert territory.observations.get().value == stored


def test_french_date_is_read_day_first(territory):
    dataset = tablib.Dataset(
        ["pop_total", "200000001", "2016", "05/06/2016", "100"],
        headers=["indicator", "territory", "year", "date", "value"],
    )

    ObservationResource().import_file(dataset)

    assert territory.observations.get().date == datetime.date(2016, 6, 5)


def test_reimporting_observations_updates_instead_of_duplicating(territory):
    ObservationResource().import_file(
        observations_dataset(
            ["pop_total", "200000001", "2016", "100", ""],
            ["pop_total", "200000001", "2017", "110", ""],
        )
    )

    ObservationResource().import_file(
        observations_dataset(
            ["pop_total", "200000001", "2016", "100", ""],
            ["pop_total", "200000001", "2017", "120", ""],
        )
    )

    assert list(territory.observations.order_by("year").values_list("year", "value")) == [
        (2016, Decimal("100")),
        (2017, Decimal("120")),
    ]


def test_reimporting_observations_through_admin_updates_instead_of_duplicating(
    admin_client, territory
):
    rows = [OBSERVATION_HEADER, ["pop_total", "200000001", "2016", "100", ""]]
    admin_import(admin_client, Observation, csv_file(rows))

    rows[1][3] = "150"
    admin_import(admin_client, Observation, csv_file(rows))

    assert list(territory.observations.values_list("year", "value")) == [(2016, Decimal("150"))]


@pytest.mark.parametrize("model", [Indicator, Observation, Structure])
def test_anonymous_user_is_sent_to_login(client, model):
    response = client.get(import_url(model))

    assert response.status_code == 302
    assert response.url.startswith((reverse("login"), reverse("admin:login")))


def test_non_staff_user_is_sent_to_login(client):
    client.force_login(UserFactory())

    response = client.get(import_url(Observation))

    assert response.status_code == 302
    assert response.url.startswith((reverse("login"), reverse("admin:login")))


def test_staff_user_without_permission_cannot_import(client):
    client.force_login(UserFactory(is_staff=True))

    response = client.get(import_url(Observation))

    assert response.status_code == 403
