"""The "Plan d'action" tab of a convention and the inline editing of its actions."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.html import escape

from actions.models import Action, EvaluationCriterion, Field, FollowUpIndicator
from diagnostic.models import Problematique
from tests.factories import (
    ActionFactory,
    ConventionFactory,
    FieldFactory,
    MembershipFactory,
    PartyFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TAB_QUERIES = 10


def login(client, username):
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def reader(client, demo):
    return login(client, "lecteur-jura-nord")


@pytest.fixture
def editor(client, demo):
    return login(client, "epci-jura-nord")


def tab_url(convention):
    return reverse("actions:tab", args=[convention.pk])


def part_url(name, convention, *args):
    return reverse(f"conventions:part-{name}", args=[convention.pk, "action", *args])


def action_data(field, **overrides):
    data = {
        "field": field.pk,
        "order": "",
        "name": "Relais petite enfance itinérant",
        "content": "Permanences du relais dans les communes du sud",
        "objectives": "Rapprocher le relais des familles",
        "offer": "",
        "human_means": "Animatrice du relais",
        "lead": "Responsable du relais",
        "deadline_date": "2022-09-01",
        "deadline_text": "",
        "followup_frequency": "annuelle",
        "followup_modalities": "",
        "followup_indicators": "Nombre de permanences\n\n  Nombre de familles reçues  \n",
        "evaluation_periodicity": "fin de CTG",
        "evaluation_criteria": "Fréquentation des permanences",
        "progress": "planned",
    }
    return data | overrides


def labels(items):
    return list(items.order_by("order").values_list("label", flat=True))


def h3_titles(response):
    return re.findall(r"<h3[^>]*>([^<]+)</h3>", response.content.decode())


# The tab


def test_tab_shows_every_action_to_a_reader(reader, demo):
    response = reader.get(tab_url(demo))

    assert response.status_code == 200
    content = response.content.decode()
    for name in demo.actions.values_list("name", flat=True):
        assert escape(name) in content
    assert "monenfant.fr" in content
    assert "19 actions" in content


def test_tab_shows_the_fields_that_have_actions_in_order(reader, demo):
    response = reader.get(tab_url(demo))

    assert h3_titles(response) == [
        "Petite enfance",
        "Enfance",
        "Jeunesse",
        "Parentalité",
        "Handicap",
        "Accès aux droits",
        "Logement",
        "Pilotage",
    ]


def test_tab_shows_every_attribute_of_an_action(reader, demo):
    content = reader.get(tab_url(demo)).content.decode()

    salans = demo.actions.get(name="Micro-crèche de Salans")
    row = content[content.index(f'id="action-{salans.pk}"') :]
    row = row[: row.index("</article>")]
    for text in [
        "Ouverture de la micro-crèche de Salans",  # content
        "Offrir 10 places d&#x27;accueil en horaires décalés",  # objectives
        "10 places d&#x27;accueil collectif",  # offer
        "Services techniques",  # human means
        "Responsable du Service Enfance-Jeunesse",  # lead
        '<time datetime="2020-06-26">26 juin 2020</time>',  # deadline date, in French
        "rentrée 2020/2021",  # deadline in words
        "Annuelle",  # follow-up frequency
        "<li>Signature de la convention PSU avec la Caf</li>",  # follow-up indicators
        "<li>Taux d&#x27;occupation</li>",
        "Fin de CTG",  # evaluation periodicity
        "<li>Date de fin des travaux</li>",  # evaluation criteria
        "À venir",  # progress
    ]:
        assert text in row
    for problematique in salans.problematiques.all():
        assert f"<li>{escape(problematique.title)}</li>" in row


def test_deadline_in_words_only_is_shown(reader, demo):
    content = reader.get(tab_url(demo)).content.decode()

    guichet = demo.actions.get(name="Guichet unique")
    row = content[content.index(f'id="action-{guichet.pk}"') :]
    row = row[: row.index("</article>")]
    assert "2021" in row
    assert "<time" not in row


def test_tab_marks_late_actions_and_sums_them_up(client):
    convention = ConventionFactory()
    membership = MembershipFactory(reader=True)
    PartyFactory(convention=convention, organisation=membership.organisation)
    past = datetime.date(2020, 1, 1)
    late = ActionFactory(convention=convention, deadline_date=past)
    ActionFactory(convention=convention, deadline_date=past, progress=Action.Progress.DONE)
    ActionFactory(convention=convention, deadline_text="fin de CTG", progress="in_progress")
    client.force_login(membership.user)

    content = client.get(tab_url(convention)).content.decode()

    assert "3 actions : 1 réalisée, 1 en cours, 1 en retard." in content
    assert content.count(">en retard</span>") == 1
    row = content[content.index(f'id="action-{late.pk}"') :]
    assert row.index(">en retard</span>") < row.index("</article>")


def test_outsider_gets_404(client, demo):
    membership = MembershipFactory()  # an organisation that is no party to the convention
    client.force_login(membership.user)

    assert client.get(tab_url(demo)).status_code == 404


def test_editor_of_another_convention_gets_404_on_the_tab_and_on_an_action(client, demo):
    login(client, "epci-coteaux")
    action = demo.actions.first()

    assert client.get(tab_url(demo)).status_code == 404
    response = client.post(part_url("edit", demo, action.pk), action_data(action.field), **HTMX)
    assert response.status_code == 404
    assert Action.objects.get(pk=action.pk).name == action.name


def test_reader_sees_no_edit_button(reader, demo):
    content = reader.get(tab_url(demo)).content.decode()

    assert "Modifier" not in content
    assert "Ajouter" not in content
    assert reverse("conventions:part-add", args=[demo.pk, "action"]) not in content


def test_editor_sees_edit_buttons(editor, demo):
    content = editor.get(tab_url(demo)).content.decode()

    assert content.count(">Modifier<") == 19
    assert 'id="list-action"' in content
    assert reverse("conventions:part-add", args=[demo.pk, "action"]) in content


def test_reader_cannot_write(reader, demo):
    action = demo.actions.first()
    count = demo.actions.count()
    data = action_data(action.field, name="Renommée")

    assert reader.post(part_url("add", demo), data, **HTMX).status_code == 403
    assert reader.post(part_url("edit", demo, action.pk), data, **HTMX).status_code == 403
    assert reader.post(part_url("delete", demo, action.pk), **HTMX).status_code == 403
    assert reader.post(part_url("move", demo, action.pk, "down"), **HTMX).status_code == 403
    progress_url = reverse("conventions:part-edit", args=[demo.pk, "avancement", action.pk])
    assert reader.post(progress_url, {"progress": "done"}, **HTMX).status_code == 403
    assert demo.actions.count() == count
    action.refresh_from_db()
    assert (action.name, action.progress) != ("Renommée", "done")


# Adding, editing, deleting, moving


def test_editor_adds_an_action_with_its_items_in_order(editor, demo):
    field = Field.objects.get(code="petite_enfance", convention=None)

    response = editor.post(part_url("add", demo), action_data(field), **HTMX)

    assert response.status_code == 200
    action = demo.actions.get(name="Relais petite enfance itinérant")
    assert action.order == 5  # an empty order puts it last in its field
    assert action.deadline_date == datetime.date(2022, 9, 1)
    assert labels(action.followup_indicators) == [
        "Nombre de permanences",
        "Nombre de familles reçues",
    ]
    assert labels(action.evaluation_criteria) == ["Fréquentation des permanences"]
    content = response.content.decode()
    assert re.match(rf'\s*<article class="part-row"\s+id="action-{action.pk}"', content)
    assert "<li>Nombre de familles reçues</li>" in content
    assert "<html" not in content


def test_editor_adds_an_action_in_an_axis_of_the_convention(editor, demo):
    axis = demo.own_fields.get(code="conciliation")

    response = editor.post(part_url("add", demo), action_data(axis), **HTMX)

    assert response.status_code == 200
    assert demo.actions.get(name="Relais petite enfance itinérant").field == axis


def test_an_axis_of_another_convention_is_neither_offered_nor_accepted(editor, demo):
    other_axis = FieldFactory(
        code="axe_ailleurs", label="Axe ailleurs", convention=ConventionFactory()
    )
    count = Action.objects.count()

    form = editor.get(part_url("add", demo), **HTMX).content.decode()
    assert "Concilier vie professionnelle et vie familiale" in form
    assert "Petite enfance" in form
    assert "Axe ailleurs" not in form

    response = editor.post(part_url("add", demo), action_data(other_axis), **HTMX)

    assert response.status_code == 422
    assert 'id="id_field_error"' in response.content.decode()
    assert Action.objects.count() == count


def test_editor_edits_an_action_and_replaces_its_items(editor, demo):
    action = demo.actions.get(name="Micro-crèche de Salans")
    data = action_data(
        action.field,
        order=action.order,
        name="Micro-crèche de Salans (agrandie)",
        deadline_date="",
        deadline_text="rentrée 2021",
        followup_indicators="Taux d'occupation\nNombre d'enfants inscrits",
        evaluation_criteria="",
        progress="in_progress",
    )

    response = editor.post(part_url("edit", demo, action.pk), data, **HTMX)

    assert response.status_code == 200
    action.refresh_from_db()
    assert action.name == "Micro-crèche de Salans (agrandie)"
    assert (action.deadline_date, action.deadline_text) == (None, "rentrée 2021")
    assert action.progress == Action.Progress.IN_PROGRESS
    assert labels(action.followup_indicators) == ["Taux d'occupation", "Nombre d'enfants inscrits"]
    assert not action.evaluation_criteria.exists()
    assert "Micro-crèche de Salans (agrandie)" in response.content.decode()


def test_edit_form_shows_the_items_one_per_line(editor, demo):
    action = demo.actions.get(name="Micro-crèche de Salans")

    response = editor.get(part_url("edit", demo, action.pk), **HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Signature de la convention PSU avec la Caf\nNombre d&#x27;enfants inscrits" in content
    assert 'type="date"' in content
    assert 'value="2020-06-26"' in content


def test_action_without_any_deadline_is_refused(editor, demo):
    field = Field.objects.get(code="enfance", convention=None)
    count = Action.objects.count()
    data = action_data(field, deadline_date="", deadline_text="", name="Action sans échéance")

    response = editor.post(part_url("add", demo), data, **HTMX)

    assert response.status_code == 422
    assert Action.objects.count() == count
    assert FollowUpIndicator.objects.filter(label="Nombre de permanences").count() == 0
    content = response.content.decode()
    assert 'id="id_deadline_date_error"' in content
    assert "Indiquez une échéance" in content
    assert 'value="Action sans échéance"' in content
    assert "Nombre de permanences" in content  # the typed items are kept


def test_duplicate_order_in_a_field_is_refused(editor, demo):
    field = Field.objects.get(code="enfance", convention=None)
    count = Action.objects.count()
    data = action_data(field, order=2, name="Action en doublon")

    response = editor.post(part_url("add", demo), data, **HTMX)

    assert response.status_code == 422
    assert Action.objects.count() == count
    content = response.content.decode()
    assert 'id="id_order_error"' in content
    assert "est déjà utilisé" in content
    assert 'value="Action en doublon"' in content


def test_same_order_in_another_field_is_accepted(editor, demo):
    field = Field.objects.get(code="logement", convention=None)

    response = editor.post(part_url("add", demo), action_data(field, order=2), **HTMX)

    assert response.status_code == 200
    assert demo.actions.filter(field=field).count() == 2


def test_editor_moves_an_action_down_then_up_within_its_field(editor, demo):
    first, second = demo.actions.filter(field__code="enfance").order_by("order")[:2]

    response = editor.post(part_url("move", demo, first.pk, "down"), **HTMX)

    assert response.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.order, second.order) == (2, 1)

    editor.post(part_url("move", demo, first.pk, "up"), **HTMX)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.order, second.order) == (1, 2)


def test_moving_the_last_action_of_a_field_down_changes_nothing(editor, demo):
    last = demo.actions.filter(field__code="enfance").order_by("order").last()
    parentalite = list(demo.actions.filter(field__code="parentalite").values_list("pk", "order"))

    editor.post(part_url("move", demo, last.pk, "down"), **HTMX)

    last.refresh_from_db()
    assert last.order == 3
    assert list(demo.actions.filter(field__code="parentalite").values_list("pk", "order")) == (
        parentalite
    )


def test_editor_deletes_an_action_and_its_items(editor, demo):
    action = demo.actions.get(name="Micro-crèche de Salans")

    response = editor.post(part_url("delete", demo, action.pk), **HTMX)

    assert response.status_code == 200
    assert not Action.objects.filter(pk=action.pk).exists()
    assert not FollowUpIndicator.objects.filter(action=action.pk).exists()
    assert not EvaluationCriterion.objects.filter(action=action.pk).exists()


def test_editor_changes_the_progress_from_the_row(editor, demo):
    action = demo.actions.get(name="Micro-crèche de Salans")
    url = reverse("conventions:part-edit", args=[demo.pk, "avancement", action.pk])

    response = editor.post(url, {"progress": "done"}, **HTMX)

    assert response.status_code == 200
    action.refresh_from_db()
    assert action.progress == Action.Progress.DONE
    assert action.name == "Micro-crèche de Salans"
    assert action.followup_indicators.count() == 4
    content = response.content.decode()
    assert f'id="action-{action.pk}"' in content  # the whole row of the action comes back
    assert reverse("conventions:part-edit", args=[demo.pk, "action", action.pk]) in content
    assert ">Réalisée</span>" in content


def test_progress_part_cannot_create_an_action(editor, demo):
    count = Action.objects.count()
    url = reverse("conventions:part-add", args=[demo.pk, "avancement"])

    response = editor.post(url, {"progress": "done"}, **HTMX)

    assert response.status_code == 422
    assert Action.objects.count() == count


# Query budget


def test_tab_query_budget_holds_with_many_more_actions(reader, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(TAB_QUERIES):
        assert reader.get(tab_url(demo)).status_code == 200

    field = Field.objects.get(code="animation_vie_sociale", convention=None)
    problematique = Problematique.objects.filter(convention=demo).first()
    for order in range(1, 31):
        action = ActionFactory(convention=demo, field=field, order=order, deadline_text="2023")
        problematique.actions.add(action)
        for number in (1, 2):
            FollowUpIndicator.objects.create(
                action=action, order=number, label=f"Indicateur {number}"
            )
            EvaluationCriterion.objects.create(
                action=action, order=number, label=f"Critère {number}"
            )

    with django_assert_max_num_queries(TAB_QUERIES):
        response = reader.get(tab_url(demo))
    assert "49 actions" in response.content.decode()
    assert response.content.decode().count("<li>Indicateur 2</li>") == 30
