"""Once signed, a convention's text is locked, but its life goes on: its editors still
record each action's progress and the bodies' meetings; nothing else changes, and a reader
still writes nothing."""

import pytest
from django.urls import reverse

from actions.models import Action
from conventions.locking import ConventionLocked
from conventions.models import Convention
from pilotage.models import Meeting

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, username):
    client.login(username=username, password="demo-ctg")
    return client


@pytest.fixture
def signed(signed_for_the_module):
    """Signed once for the module (tests/conventions/conftest.py)."""
    return Convention.objects.get(pk=signed_for_the_module)


@pytest.fixture
def action(signed):
    return signed.actions.order_by("pk").first()


def test_progress_changes_but_not_the_text(signed, action):
    action.progress = Action.Progress.DONE
    action.save()
    assert Action.objects.get(pk=action.pk).progress == Action.Progress.DONE
    action.progress = Action.Progress.IN_PROGRESS
    action.name = "Renommée en douce"
    with pytest.raises(ConventionLocked):
        action.save()
    stored = Action.objects.get(pk=action.pk)
    assert (stored.name, stored.progress) != ("Renommée en douce", Action.Progress.IN_PROGRESS)


def test_the_progress_is_not_a_change_of_the_signed_text(signed, action):
    from conventions import versions

    action.progress = Action.Progress.DONE
    action.save()
    assert versions.differences(signed.versions.get().content, versions.snapshot(signed)) == []


def test_editor_records_progress_on_the_signed_convention(signed, action, client):
    login(client, "epci-jura-nord")
    tab = client.get(reverse("actions:tab", args=[signed.pk])).content.decode()
    assert f'id="avancement-{action.pk}"' in tab
    assert reverse("conventions:part-edit", args=[signed.pk, "action", action.pk]) not in tab

    url = reverse("conventions:part-edit", args=[signed.pk, "avancement", action.pk])
    response = client.post(url, {"progress": "done"}, **HTMX)

    assert response.status_code == 200
    assert Action.objects.get(pk=action.pk).progress == Action.Progress.DONE
    edit = reverse("conventions:part-edit", args=[signed.pk, "action", action.pk])
    assert client.post(edit, {"name": "Autre"}, **HTMX).status_code == 403


def test_editor_records_a_meeting_of_a_body(signed, client):
    login(client, "epci-jura-nord")
    body = signed.bodies.order_by("pk").first()
    tab = client.get(reverse("pilotage:tab", args=[signed.pk])).content.decode()
    assert "Suivi des instances" in tab
    url = reverse("conventions:part-add", args=[signed.pk, "reunion"])
    response = client.post(url, {"body": body.pk, "date": "2021-06-03", "place": "Gendrey"})
    assert response.status_code == 302
    assert Meeting.objects.filter(body=body, place="Gendrey").exists()
    body_url = reverse("conventions:part-add", args=[signed.pk, "body"])
    assert client.post(body_url, {"name": "Nouvelle instance"}).status_code == 403


def test_reader_records_nothing(signed, action, client):
    login(client, "lecteur-jura-nord")
    tab = client.get(reverse("actions:tab", args=[signed.pk])).content.decode()
    assert f'id="avancement-{action.pk}"' not in tab
    url = reverse("conventions:part-edit", args=[signed.pk, "avancement", action.pk])
    assert client.post(url, {"progress": "done"}, **HTMX).status_code == 403
    assert Action.objects.get(pk=action.pk).progress == action.progress
