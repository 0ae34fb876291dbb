"""A body's member is chosen among the people and organisations the convention may name:
the parties' people (and the member's own), the parties and the organisations of the
convention's département or of none (national ones); never the people of another EPCI."""

import re

import pytest
from django.urls import reverse

from conventions.models import Organisation, Person, Territory
from pilotage.models import Member
from tests.factories import OrganisationFactory, PersonFactory, TerritoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def elsewhere():
    department = TerritoryFactory(kind=Territory.Kind.DEPARTEMENT, code="974", name="La Réunion")
    epci = TerritoryFactory(name="CC de l'île", department=department)
    return OrganisationFactory(name="Communauté de communes de l'île", territory=epci)


def test_editing_a_member_lists_only_the_people_and_organisations_one_may_choose(
    client, demo, elsewhere
):
    body = demo.bodies.order_by("pk").first()
    chosen = PersonFactory(organisation=elsewhere, first_name="Léa", last_name="CHOISIE")
    PersonFactory(organisation=elsewhere, first_name="Paul", last_name="AUTRE-EPCI")
    member = Member.objects.create(
        body=body, order=99, role="Invitée", organisation=elsewhere, person=chosen
    )
    client.login(username="epci-jura-nord", password="demo-ctg")

    page = client.get(
        reverse("conventions:part-edit", args=[demo.pk, "membre", member.pk])
    ).content.decode()
    new = client.get(reverse("conventions:part-add", args=[demo.pk, "membre"])).content.decode()

    assert "CHOISIE" in page and "AUTRE-EPCI" not in page
    choices = re.search(r'<select name="organisation".*?</select>', new, re.S).group()
    assert "CHOISIE" not in new and f'value="{elsewhere.pk}"' not in choices
    named = Organisation.objects.filter(
        name__in=["Conseil départemental du Jura", "La Poste", "Communauté de communes Jura Nord"]
    )
    assert named.count() == 3
    assert all(f'value="{organisation.pk}"' in choices for organisation in named)
    assert Person.objects.filter(last_name="AUTRE-EPCI").exists()
    assert Organisation.objects.filter(pk=elsewhere.pk).exists()
