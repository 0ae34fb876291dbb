"""Absurd values in query strings (and URLs) get a 400 or are ignored: never a 500."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import ConventionFactory, MembershipFactory, PartyFactory

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
ABSURD = [HUGE, "-1", "0", "99999", "<script>alert(1)</script>", "abc", "1e9", "\x00", "%00",
          "", " ", "2024\x00", "9" * 1000]  # fmt: skip


@pytest.fixture
def convention():
    return ConventionFactory()


@pytest.fixture
def editor(client, convention):
    membership = MembershipFactory()
    PartyFactory(convention=convention, organisation=membership.organisation)
    client.force_login(membership.user)
    client.raise_request_exception = False
    return client


def assert_not_an_error(response):
    assert response.status_code in (200, 400), response.status_code


@pytest.mark.parametrize("name", ["q", "status", "year", "department", "field", "page"])
def test_portfolio_filters_ignore_or_refuse_absurd_values(editor, convention, name):
    for value in ABSURD:
        response = editor.get(reverse("conventions:portfolio"), {name: value})
        assert_not_an_error(response)
        if response.status_code == 200 and name != "q":
            titles = [c.short_title for c in response.context["conventions"]]
            assert titles == [convention.short_title], (name, value)


def test_portfolio_year_out_of_range_says_so(editor, convention):
    response = editor.get(reverse("conventions:portfolio"), {"year": HUGE})
    assert response.status_code == 200
    assert "2100" in response.content.decode()  # the field's error names the bound
    response = editor.get(reverse("conventions:portfolio"), {"year": "2025"})
    assert [c.short_title for c in response.context["conventions"]] == [convention.short_title]


def test_portfolio_ignores_an_absurd_filter_but_keeps_the_others(editor, convention):
    ConventionFactory()  # someone else's
    other = ConventionFactory(short_title="Autre CTG")
    PartyFactory(convention=other, organisation=convention.parties.get().organisation)
    response = editor.get(reverse("conventions:portfolio"), {"year": HUGE, "q": "Autre"})
    assert [c.short_title for c in response.context["conventions"]] == ["Autre CTG"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_diagnostic_export_ignores_absurd_parameters(editor, convention, fmt):
    url = reverse("diagnostic:export", kwargs={"pk": convention.pk, "fmt": fmt})
    for value in ABSURD:
        assert_not_an_error(editor.get(url, {"public": value, "page": value}))


def test_diagnostic_import_ignores_an_absurd_format(editor, convention):
    url = reverse("diagnostic:import", args=[convention.pk])
    for value in ABSURD:
        response = editor.get(url, {"format": value})
        assert_not_an_error(response)
        assert "<script>alert" not in response.content.decode()


@pytest.mark.parametrize(
    "name",
    ["conventions:convention-detail", "diagnostic:tab", "pilotage:tab", "actions:tab"],
)
def test_workspace_tabs_ignore_absurd_query_strings(editor, convention, name):
    url = reverse(name, args=[convention.pk])
    for value in ABSURD:
        assert_not_an_error(editor.get(url, {"page": value, "year": value, "q": value}))


def test_huge_ids_in_urls_are_not_found(editor, convention):
    for url in (f"/conventions/{HUGE}/", f"/conventions/{convention.pk}/article/{HUGE}/"):
        assert editor.get(url).status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"start_date__year": HUGE},
        {"start_date__year": "99999", "start_date__month": "13"},
        {"start_date__year": "2024", "start_date__month": HUGE, "start_date__day": "-1"},
        {"p": "-1"},
        {"p": HUGE},
        {"o": "<script>"},
        {"o": HUGE},
        {"q": "\x00"},
        {"status__exact": "<script>"},
        {"parties__organisation__id__exact": HUGE},
        {"is_demo__exact": "\x00"},
    ],
)
def test_admin_convention_list_refuses_absurd_filters(admin_client, params):
    ConventionFactory()
    admin_client.raise_request_exception = False
    response = admin_client.get(reverse("admin:conventions_convention_changelist"), params)
    assert response.status_code in (200, 302, 400)


@pytest.mark.parametrize("year", [HUGE, "99999", "-1", "\x00"])
def test_admin_meeting_list_refuses_an_absurd_year(admin_client, year):
    admin_client.raise_request_exception = False
    response = admin_client.get(reverse("admin:pilotage_meeting_changelist"), {"date__year": year})
    assert response.status_code in (200, 302, 400)


def our_admins():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in ("conventions", "actions", "diagnostic", "pilotage"):
            yield pytest.param(model, model_admin, id=model.__name__)


def filter_names(model_admin):
    for spec in model_admin.list_filter:
        name = spec[0] if isinstance(spec, tuple) else spec
        if isinstance(name, str):
            yield name


@pytest.mark.parametrize(("model", "model_admin"), list(our_admins()))
def test_every_admin_list_refuses_absurd_filters(admin_client, model, model_admin):
    """Huge ids failed on SQLite (integer overflow), NUL bytes on PostgreSQL."""
    admin_client.raise_request_exception = False
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    params = [{"q": "\x00", "p": HUGE, "o": HUGE}]
    params += [{name: value} for name in filter_names(model_admin) for value in (HUGE, "\x00")]
    if model_admin.date_hierarchy:
        params.append({f"{model_admin.date_hierarchy}__year": HUGE})
    failed = [p for p in params if admin_client.get(url, p).status_code >= 500]
    assert failed == []
