"""The back-office is usable: every registered model's admin pages render on the demo data."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from actions.models import Action, Field
from conventions.models import (
    Amendment,
    Attendance,
    Convention,
    ConventionVersion,
    Deliberation,
    Person,
    SignerAccount,
    Territory,
)
from diagnostic.models import Indicator, Observation
from tests.factories import (
    ActionFactory,
    ConventionFactory,
    DeliberationFactory,
    IndicatorFactory,
    ObservationFactory,
    TerritoryFactory,
)

# Iterate the registry itself, so that a newly registered model is tested too.
REGISTERED_MODELS = [
    pytest.param(model, id=model._meta.label_lower)
    for model in sorted(admin.site._registry, key=lambda model: model._meta.label_lower)
]

# Queries allowed for one changelist page, whatever the number of rows on it.
CHANGELIST_BUDGET = 12
# Extra rows used to reveal an N+1: more than the budget itself.
EXTRA_ROWS = 25


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


# Objects for the models that the demo data does not hold.
MISSING_FROM_DEMO = {
    SignerAccount: lambda: SignerAccount.objects.create(
        person=Person.objects.first(), user=get_user_model().objects.create(username="signe")
    ),
    Group: lambda: Group.objects.create(name="Saisie"),
    Amendment: lambda: Amendment.objects.create(
        convention=Convention.objects.get(status="signed"), number=1, title="Avenant de test"
    ),
}


def first_object(model):
    obj = model._default_manager.order_by("pk").first()
    return obj or MISSING_FROM_DEMO[model]()


@pytest.mark.parametrize("model", REGISTERED_MODELS)
def test_changelist_renders_with_french_title_within_query_budget(
    admin_client, demo, model, django_assert_max_num_queries
):
    with django_assert_max_num_queries(CHANGELIST_BUDGET):
        response = admin_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    plural = escape(str(model._meta.verbose_name_plural))
    assert plural.lower() in response.content.decode().lower()


# Recorded by the application only: nobody adds one by hand.
READ_ONLY = {ConventionVersion, Amendment}


@pytest.mark.parametrize("model", REGISTERED_MODELS)
def test_add_page_renders(admin_client, demo, model):
    response = admin_client.get(admin_url(model, "add"))

    assert response.status_code == (403 if model in READ_ONLY else 200)


@pytest.mark.parametrize("model", REGISTERED_MODELS)
def test_change_page_renders(admin_client, demo, model):
    obj = first_object(model)

    response = admin_client.get(admin_url(model, "change", obj.pk))

    assert response.status_code == 200


@pytest.mark.parametrize("model", REGISTERED_MODELS)
def test_history_page_renders(admin_client, demo, model):
    obj = first_object(model)

    response = admin_client.get(admin_url(model, "history", obj.pk))

    assert response.status_code == 200


# A word found in no demo row: the changelists below are searched for it, so that exactly
# the rows created by the test are on the page.
MARKER = "Zébulon"


def count_changelist_queries(client, model):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(admin_url(model, "changelist"), {"q": MARKER})
    assert response.status_code == 200
    return len(queries), response.context["cl"].result_count


def add_observations(count):
    """Observations of one territory, each for its own indicator."""
    territory = Territory.objects.filter(name=MARKER).first() or TerritoryFactory(name=MARKER)
    for _ in range(count):
        indicator = IndicatorFactory(code=f"ZEB_{Indicator.objects.count()}")
        ObservationFactory(indicator=indicator, territory=territory)


def add_actions(count):
    """Actions each in its own convention and field."""
    for _ in range(count):
        convention = ConventionFactory()
        field = Field.objects.create(code="zebulon", label=MARKER, convention=convention)
        ActionFactory(convention=convention, field=field, name=f"Action {MARKER}")


def add_attendance(count):
    """Attendance of one deliberation: one present member holding everybody's proxy."""
    deliberation = Deliberation.objects.filter(number=MARKER).first() or DeliberationFactory(
        number=MARKER
    )
    holder = deliberation.attendance.filter(status=Attendance.Status.PRESENT).first()
    for _ in range(count):
        order = deliberation.attendance.count() + 1
        commune = TerritoryFactory(kind=Territory.Kind.COMMUNE, name=f"Commune {order}")
        entry = Attendance.objects.create(
            deliberation=deliberation,
            order=order,
            name=f"M. {MARKER} {order}",
            commune=commune,
            status=Attendance.Status.EXCUSED if holder else Attendance.Status.PRESENT,
            proxy_holder=holder,
        )
        holder = holder or entry


@pytest.mark.parametrize(
    ("model", "add_rows"),
    [
        pytest.param(Observation, add_observations, id="diagnostic.observation"),
        pytest.param(Action, add_actions, id="actions.action"),
        pytest.param(Attendance, add_attendance, id="conventions.attendance"),
    ],
)
def test_changelist_queries_do_not_grow_with_rows(admin_client, demo, model, add_rows):
    add_rows(1)
    few, shown = count_changelist_queries(admin_client, model)
    assert shown == 1

    add_rows(EXTRA_ROWS)
    many, shown = count_changelist_queries(admin_client, model)

    assert shown == 1 + EXTRA_ROWS
    assert many <= few + 1


def test_action_search_finds_micro_creche(admin_client, demo):
    response = admin_client.get(admin_url(Action, "changelist"), {"q": "Salans"})

    assert response.status_code == 200
    names = [action.name for action in response.context["cl"].result_list]
    assert "Micro-crèche de Salans" in names


def test_anonymous_user_is_redirected_to_login(client, db):
    url = "/admin/conventions/convention/"

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"
