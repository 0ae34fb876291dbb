import datetime
import re

import pytest
from django.urls import reverse

from conventions.models import Organisation, Person
from pilotage.forms import MeetingForm, MemberForm
from pilotage.models import Body, Meeting, Member, Mission
from tests.factories import MembershipFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
QUERY_BUDGET = 13
BODY_NAMES = [
    "Comité de pilotage CTG",
    "Comité opérationnel CTG",
    "Commission d&#x27;animation locale de la démarche",
    "Groupes thématiques",
]


def login(client, username):
    assert client.login(username=username, password="demo-ctg")
    return client


@pytest.fixture
def editor(client, demo):
    return login(client, "epci-jura-nord")


@pytest.fixture
def reader(client, demo):
    return login(client, "lecteur-jura-nord")


@pytest.fixture
def copil(demo):
    return demo.bodies.get(kind=Body.Kind.COPIL)


@pytest.fixture
def ccjn(demo):
    return Organisation.objects.get(short_name="CCJN")


def tab_url(convention):
    return reverse("pilotage:tab", args=[convention.pk])


def part_url(action, convention, slug, *args):
    return reverse(f"conventions:part-{action}", args=[convention.pk, slug, *args])


def section(page, body):
    """The HTML of one body's section on the tab."""
    start = page.index(f'id="instance-{body.pk}"')
    return page[start : page.index("</section>", start)]


def test_tab_shows_the_governance_to_a_reader(reader, demo, copil):
    response = reader.get(tab_url(demo))
    page = response.content.decode()
    assert response.status_code == 200
    positions = [page.index(f">{n}/ {name}</h3>") for n, name in enumerate(BODY_NAMES, 1)]
    assert positions == sorted(positions)
    assert section(page, copil).count('class="part-row" id="membre-') == 8
    assert section(page, copil).count('class="part-row" id="mission-') == 4
    assert "a minima une fois par an" in page
    assert "voix consultative" in page
    assert "Secteur Sud, Secteur Nord Est, Secteur Nord Ouest" in page
    assert "Copilotes :" in section(page, copil) and "CCJN" in section(page, copil)
    # No meeting yet: the COPIL had to meet within a year of the start, 1 January 2019.
    assert "au plus tard le 1 janvier 2020" in section(page, copil)
    assert ": en retard" in section(page, copil)


def test_reader_sees_no_edit_control(reader, demo):
    page = reader.get(tab_url(demo)).content.decode()
    assert "Modifier" not in page and "Ajouter" not in page and "Supprimer" not in page
    assert 'id="list-membre"' not in page


def test_editor_sees_edit_controls(editor, demo):
    page = editor.get(tab_url(demo)).content.decode()
    for slug in ["body", "membre", "mission", "reunion"]:
        assert part_url("add", demo, slug) in page
    assert 'id="list-membre"' in page and 'id="list-reunion"' in page
    assert page.count(">Modifier<") == 4 + 8 + 6 + 1 + 5 + 4 + 1 + 1 + 2


def test_outsider_gets_404(client, demo, copil):
    login(client, "epci-coteaux")
    assert client.get(tab_url(demo)).status_code == 404
    member = copil.members.first()
    assert client.post(part_url("add", demo, "membre"), {"body": copil.pk}).status_code == 404
    assert client.post(part_url("delete", demo, "membre", member.pk)).status_code == 404
    assert copil.members.filter(pk=member.pk).exists()


def test_member_of_another_organisation_gets_404(client, demo):
    client.force_login(MembershipFactory(reader=True).user)
    assert client.get(tab_url(demo)).status_code == 404


def test_reader_cannot_write_any_part(reader, demo, copil):
    meeting = Meeting.objects.create(body=copil, date=datetime.date(2020, 3, 12))
    items = {
        "body": copil,
        "membre": copil.members.first(),
        "mission": copil.missions.first(),
        "reunion": meeting,
    }
    data = {"body": copil.pk, "role": "X", "text": "X", "name": "X", "kind": "copil"}
    data["date"] = "2020-06-01"
    for slug, item in items.items():
        urls = [
            part_url("add", demo, slug),
            part_url("edit", demo, slug, item.pk),
            part_url("delete", demo, slug, item.pk),
        ]
        if slug != "reunion":
            urls += [part_url("move", demo, slug, item.pk, "down")]
        for url in urls:
            assert reader.post(url, data, **HTMX).status_code == 403, url
    assert demo.bodies.count() == 4
    assert copil.members.count() == 8 and copil.missions.count() == 4
    assert copil.meetings.get() == meeting
    copil.refresh_from_db()
    assert copil.name == "Comité de pilotage CTG"
    assert copil.members.first() == items["membre"]


def test_editor_adds_a_member_with_htmx(editor, demo, copil, ccjn):
    person = Person.objects.get(last_name="FASSENET")
    data = {
        "body": copil.pk,
        "order": "",
        "role": "Le vice-président chargé de l'enfance",
        "organisation": ccjn.pk,
        "person": person.pk,
        "consultative": "on",
    }
    response = editor.post(part_url("add", demo, "membre"), data, **HTMX)
    assert response.status_code == 200
    member = copil.members.get(role=data["role"])
    assert (member.order, member.organisation, member.person) == (9, ccjn, person)
    assert member.consultative
    fragment = response.content.decode()
    assert fragment.startswith(f'<div class="part-row" id="membre-{member.pk}">')
    assert "voix consultative" in fragment and str(person) in fragment
    assert "<html" not in fragment


def test_editor_adds_a_mission_and_a_body(editor, demo, copil):
    response = editor.post(
        part_url("add", demo, "mission"), {"body": copil.pk, "text": "Valide le bilan."}, **HTMX
    )
    assert response.status_code == 200
    assert copil.missions.get(text="Valide le bilan.").order == 5
    data = {"kind": Body.Kind.THEMATIC_GROUP, "name": "Groupe parentalité"}
    data["min_meetings_per_year"] = "2"
    response = editor.post(part_url("add", demo, "body"), data, **HTMX)
    assert response.status_code == 200
    body = demo.bodies.get(name="Groupe parentalité")
    assert (body.order, body.min_meetings_per_year) == (5, 2)
    assert f'id="body-{body.pk}"' in response.content.decode()


def test_editor_reorders_members(editor, demo, copil):
    first, second, third = copil.members.all()[:3]
    response = editor.post(part_url("move", demo, "membre", second.pk, "up"), **HTMX)
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    assert [m.pk for m in copil.members.all()[:3]] == [second.pk, first.pk, third.pk]
    editor.post(part_url("move", demo, "membre", first.pk, "down"), **HTMX)
    assert [m.pk for m in copil.members.all()[:3]] == [second.pk, third.pk, first.pk]
    # Other bodies' members keep their order: the scope of the order is the body.
    operational = demo.bodies.get(kind=Body.Kind.OPERATIONAL)
    assert list(operational.members.values_list("order", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_editor_adds_a_meeting_and_the_next_one_is_due_a_year_later(editor, demo, copil):
    people = Person.objects.filter(last_name__in=["FASSENET", "CHAMBOST"])
    data = {
        "body": copil.pk,
        "date": "2020-03-12",
        "place": "Dampierre",
        "agenda": "Bilan de la première année",
        "attendees": [person.pk for person in people],
        "minutes": "Le bilan est validé.",
    }
    response = editor.post(part_url("add", demo, "reunion"), data, **HTMX)
    assert response.status_code == 200
    meeting = copil.meetings.get()
    assert meeting.date == datetime.date(2020, 3, 12)
    assert set(meeting.attendees.all()) == set(people)
    fragment = response.content.decode()
    assert "Réunion du 12 mars 2020" in fragment and "Le bilan est validé." in fragment
    page = editor.get(tab_url(demo)).content.decode()
    assert "au plus tard le 12 mars 2021" in section(page, copil)


def test_duplicate_member_order_is_refused_at_the_field(editor, demo, copil, ccjn):
    data = {"body": copil.pk, "order": "1", "role": "Un invité", "organisation": ccjn.pk}
    response = editor.post(part_url("add", demo, "membre"), data, **HTMX)
    assert response.status_code == 422
    form = response.context["form"]
    assert list(form.errors) == ["order"]
    assert "déjà utilisé" in form.errors["order"][0]
    page = response.content.decode()
    assert "Un invité" in page and 'aria-invalid="true"' in page
    assert copil.members.count() == 8


@pytest.mark.parametrize("value", ["0", "-2"])
def test_body_without_a_yearly_meeting_is_refused(editor, demo, copil, value):
    data = {"kind": Body.Kind.COPIL, "name": "Comité bis", "min_meetings_per_year": value}
    response = editor.post(part_url("add", demo, "body"), data, **HTMX)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert list(errors) == ["min_meetings_per_year"]
    assert "au moins une réunion par an" in errors["min_meetings_per_year"][0]
    assert "Comité bis" in response.content.decode()
    assert not demo.bodies.filter(name="Comité bis").exists()
    response = editor.post(
        part_url("edit", demo, "body", copil.pk), data | {"name": copil.name}, **HTMX
    )
    assert response.status_code == 422
    copil.refresh_from_db()
    assert copil.min_meetings_per_year == 1


def test_meeting_out_of_the_convention_period_is_refused(editor, demo, copil):
    data = {"body": copil.pk, "date": "2017-12-31", "place": "Orchamps"}
    response = editor.post(part_url("add", demo, "reunion"), data, **HTMX)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert list(errors) == ["date"]
    assert "entre le 1 janvier 2018 et le 31 décembre 2024" in errors["date"][0]
    page = response.content.decode()
    assert 'value="Orchamps"' in page and 'value="2017-12-31"' in page
    assert not Meeting.objects.filter(body__convention=demo).exists()


@pytest.mark.parametrize(
    ("day", "valid"),
    [("2017-12-31", False), ("2018-01-01", True), ("2024-12-31", True), ("2025-01-01", False)],
)
def test_meeting_dates_allow_one_year_around_the_convention(demo, copil, day, valid):
    from conventions.parts import REGISTRY

    data = {"body": copil.pk, "date": day}
    form = MeetingForm(data, convention=demo, part=REGISTRY["reunion"])
    assert form.is_valid() is valid


def test_member_form_lists_the_parties_first_and_their_people(demo):
    from conventions.parts import REGISTRY

    other = OrganisationFactory(name="Association Aaa", territory=demo.territory.department)
    PersonFactory(organisation=other)
    form = MemberForm(convention=demo, part=REGISTRY["membre"])
    organisations = list(form.fields["organisation"].queryset)
    assert {str(o) for o in organisations[:2]} == {"CCJN", "Caf du Jura"}
    assert other in organisations
    people = form.fields["person"].queryset
    # The Caf's and the CCJN's people: 4 from the seed, 1 invented for the Coteaux demo.
    assert people.count() == 5 and not people.filter(organisation=other).exists()
    assert set(form.fields["body"].queryset) == set(demo.bodies.all())


def add_governance(convention, count):
    """``count`` more members, missions and meetings (with attendees), spread over the
    convention's bodies and over new organisations and people."""
    bodies = list(convention.bodies.all())
    for n in range(count):
        body = bodies[n % len(bodies)]
        person = PersonFactory()
        Member.objects.create(
            body=body,
            order=100 + n,
            role=f"Membre {n}",
            organisation=person.organisation,
            person=person,
        )
        Mission.objects.create(body=body, order=100 + n, text=f"Mission {n}")
        meeting = Meeting.objects.create(body=body, date=datetime.date(2021, 1, 1 + n % 28))
        meeting.attendees.add(person, PersonFactory())
        body.copilots.add(person.organisation)


def test_tab_query_count_does_not_grow(editor, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert editor.get(tab_url(demo)).status_code == 200
    add_governance(demo, 30)
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = editor.get(tab_url(demo))
    page = response.content.decode()
    assert len(re.findall(r'class="part-row" id="reunion-', page)) == 30
    assert len(re.findall(r'class="part-row" id="membre-', page)) == 20 + 30


def test_editor_gets_the_forms_of_every_part(editor, demo, copil):
    meeting = Meeting.objects.create(body=copil, date=datetime.date(2020, 3, 12))
    items = {
        "body": copil,
        "membre": copil.members.first(),
        "mission": copil.missions.first(),
        "reunion": meeting,
    }
    for slug, item in items.items():
        page = editor.get(part_url("add", demo, slug)).content.decode()
        assert "<html" in page and f'action="{part_url("add", demo, slug)}"' in page
        response = editor.get(part_url("edit", demo, slug, item.pk), **HTMX)
        assert response.status_code == 200
        assert f'action="{part_url("edit", demo, slug, item.pk)}"' in response.content.decode()
        response = editor.get(part_url("row", demo, slug, item.pk), **HTMX)
        assert response.content.decode().startswith(f'<div class="part-row" id="{slug}-{item.pk}">')


def test_editor_deletes_a_body_with_its_members(editor, demo, copil):
    response = editor.post(part_url("delete", demo, "body", copil.pk), **HTMX)
    assert response.status_code == 200 and response.content == b""
    assert not Body.objects.filter(pk=copil.pk).exists()
    assert not Member.objects.filter(body=copil.pk).exists()
    assert demo.bodies.count() == 3
