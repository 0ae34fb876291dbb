"""Who may change the parties of a convention: its owner (an editor of its Caf) adds,
removes and re-points parties; each party's editors write their own party's signatories
and deliberations, never the other party's. Run on the demo's Jura Nord draft: the Caf du
Jura (``caf-jura``) and the Communauté de communes Jura Nord (``epci-jura-nord``)."""

import re

import pytest
from django.urls import reverse

from conventions.models import Deliberation, Organisation, Party, Signatory, Territory
from tests.factories import OrganisationFactory, TerritoryFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, username):
    client.login(username=username, password="demo-ctg")
    return client


def url(name, convention, *args):
    return reverse(f"conventions:{name}", args=[convention.pk, *args])


@pytest.fixture
def caf_party(demo):
    return demo.parties.get(organisation__kind=Organisation.Kind.CAF)


@pytest.fixture
def epci_party(demo):
    return demo.parties.exclude(organisation__kind=Organisation.Kind.CAF).get()


def party_data(party, **changes):
    data = {
        "order": party.order,
        "organisation": party.organisation_id,
        "wording": party.wording,
        "designation": party.designation,
        "designation_gender": party.designation_gender,
    }
    return {**data, **changes}


def snapshot(convention):
    return (
        list(Party.objects.filter(convention=convention).order_by("pk").values()),
        Signatory.objects.filter(party__convention=convention).count(),
        Deliberation.objects.filter(convention=convention).count(),
    )


def test_an_epci_editor_cannot_delete_repoint_or_add_a_party(client, demo, caf_party):
    login(client, "epci-jura-nord")
    before = snapshot(demo)
    other = OrganisationFactory(name="Communauté de communes voisine")

    deleted = client.post(url("part-delete", demo, "partie", caf_party.pk))
    repointed = client.post(
        url("part-edit", demo, "partie", caf_party.pk),
        party_data(caf_party, organisation=other.pk),
    )
    added = client.post(
        url("part-add", demo, "partie"),
        {"order": 9, "organisation": other.pk, "wording": "x", "designation": "x"},
    )
    moved = client.post(url("part-move", demo, "partie", caf_party.pk, "down"))

    assert [r.status_code for r in (deleted, repointed, added, moved)] == [403] * 4
    assert "Seule la Caf" in deleted.content.decode()
    assert snapshot(demo) == before


def test_only_the_owner_sees_the_controls_of_the_parties(client, demo, caf_party):
    edit = url("part-edit", demo, "partie", caf_party.pk)
    add = url("part-add", demo, "partie")

    epci_page = login(client, "epci-jura-nord").get(url("convention-detail", demo))
    caf_page = login(client, "caf-jura").get(url("convention-detail", demo))

    assert edit not in epci_page.content.decode() and add not in epci_page.content.decode()
    assert url("part-add", demo, "signataire") in epci_page.content.decode()
    assert edit in caf_page.content.decode() and add in caf_page.content.decode()


def test_the_caf_editor_manages_the_parties(client, demo, epci_party):
    login(client, "caf-jura")
    response = client.post(
        url("part-edit", demo, "partie", epci_party.pk),
        party_data(epci_party, designation="la Communauté"),
        **HTMX,
    )
    assert response.status_code == 200
    assert Party.objects.get(pk=epci_party.pk).designation == "la Communauté"


def test_a_party_with_deliberations_or_signatures_is_not_deleted(client, demo, epci_party):
    assert epci_party.deliberations.exists()
    login(client, "caf-jura")
    before = snapshot(demo)

    response = client.post(url("part-delete", demo, "partie", epci_party.pk))

    assert response.status_code == 409
    assert "ne peut pas être supprimé" in response.content.decode()
    assert snapshot(demo) == before


def test_an_editor_writes_only_the_signatories_of_their_own_party(
    client, demo, caf_party, epci_party
):
    login(client, "epci-jura-nord")
    theirs = caf_party.signatories.first()
    before = snapshot(demo)

    edited = client.post(
        url("part-edit", demo, "signataire", theirs.pk),
        {"party": caf_party.pk, "person": theirs.person_id, "capacity": "Autre", "order": 1},
    )
    deleted = client.post(url("part-delete", demo, "signataire", theirs.pk))
    form = client.get(url("part-add", demo, "signataire")).content.decode()
    added = client.post(
        url("part-add", demo, "signataire"),
        {"party": caf_party.pk, "person": theirs.person_id, "capacity": "Intrus", "order": 9},
    )

    assert edited.status_code == deleted.status_code == 403
    assert f'value="{caf_party.pk}"' not in form and f'value="{epci_party.pk}"' in form
    assert theirs.person.last_name not in form
    assert added.status_code == 422
    assert snapshot(demo) == before


def test_an_editor_writes_only_the_deliberations_of_their_own_party(client, demo, caf_party):
    login(client, "epci-jura-nord")
    theirs = caf_party.deliberations.first()

    response = client.post(url("part-delete", demo, "deliberation", theirs.pk))

    assert response.status_code == 403
    assert Deliberation.objects.filter(pk=theirs.pk).exists()


def test_a_party_is_chosen_among_the_organisations_of_the_departement(client, demo):
    reunion = TerritoryFactory(kind=Territory.Kind.DEPARTEMENT, code="974", name="La Réunion")
    elsewhere = OrganisationFactory(territory=TerritoryFactory(department=reunion))
    nearby = OrganisationFactory(territory=demo.territory.department)
    login(client, "caf-jura")

    page = client.get(url("part-add", demo, "partie")).content.decode()

    choices = re.search(r'<select name="organisation".*?</select>', page, re.S).group()
    assert f'value="{nearby.pk}"' in choices
    assert f'value="{elsewhere.pk}"' not in choices
