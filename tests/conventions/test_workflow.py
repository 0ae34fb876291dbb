import datetime

import pytest
from django.urls import reverse

from conventions.models import Convention, StatusChange
from conventions.workflow import StepRefused, add_months, take_step

pytestmark = pytest.mark.django_db
Status = Convention.Status


@pytest.fixture
def editor(demo, django_user_model):
    return django_user_model.objects.get(username="epci-jura-nord")


def test_validation_needs_the_copil_date(demo, editor):
    with pytest.raises(StepRefused) as refusal:
        take_step(demo, Status.VALIDATED, user=editor)
    assert refusal.value.missing == ["la date de validation par le comité de pilotage"]
    assert Convention.objects.get(pk=demo.pk).status == Status.DRAFT


def test_validation_lists_everything_missing(editor):
    from tests.factories import ConventionFactory, PartyFactory

    convention = ConventionFactory()
    PartyFactory(convention=convention)
    with pytest.raises(StepRefused) as refusal:
        take_step(convention, Status.VALIDATED, user=editor, on=datetime.date(2030, 1, 1))
    missing = refusal.value.missing
    assert "une date de validation qui ne soit pas dans le futur" in missing
    assert "au moins deux parties" in missing
    assert "au moins un article" in missing and "au moins une action au plan d'action" in missing
    assert any(item.startswith("un signataire pour") for item in missing)


def test_jura_nord_is_validated_then_voted_and_the_steps_are_kept(demo, editor):
    take_step(demo, Status.VALIDATED, user=editor, on=datetime.date(2019, 11, 28))
    take_step(demo, Status.VOTED, user=editor, note="CA du 12/12, conseil du 18/12")
    demo.refresh_from_db()
    assert demo.status == Status.VOTED
    assert demo.copil_validated_on == datetime.date(2019, 11, 28)
    changes = list(StatusChange.objects.filter(convention=demo))
    assert [(c.from_status, c.to_status) for c in changes] == [
        (Status.DRAFT, Status.VALIDATED),
        (Status.VALIDATED, Status.VOTED),
    ]
    assert {c.user for c in changes} == {editor}


def test_vote_needs_each_partys_deliberation(demo, editor):
    take_step(demo, Status.VALIDATED, user=editor, on=datetime.date(2019, 11, 28))
    demo.deliberations.filter(kind="decision").delete()
    with pytest.raises(StepRefused) as refusal:
        take_step(demo, Status.VOTED, user=editor)
    assert refusal.value.missing == ["la délibération de Caf du Jura"]


def test_a_step_out_of_order_is_refused(demo, editor):
    with pytest.raises(StepRefused, match="ne peut pas passer à cette étape"):
        take_step(demo, Status.SIGNED, user=editor)


def test_back_to_draft_unlocks_nothing_that_was_locked(demo, editor):
    take_step(demo, Status.VALIDATED, user=editor, on=datetime.date(2019, 11, 28))
    take_step(demo, Status.DRAFT, user=editor, note="Plan d'action à revoir")
    assert Convention.objects.get(pk=demo.pk).status == Status.DRAFT


def test_termination_takes_three_months_of_notice(editor):
    from tests.factories import ConventionFactory

    convention = ConventionFactory(in_force=True)
    take_step(convention, Status.TERMINATED, user=editor, on=datetime.date(2025, 11, 30))
    convention.refresh_from_db()
    assert convention.notice_given_on == datetime.date(2025, 11, 30)
    assert convention.terminated_on == datetime.date(2026, 2, 28)


def test_expiry_waits_for_the_end(editor):
    from tests.factories import ConventionFactory

    convention = ConventionFactory(in_force=True, end_date=datetime.date(2099, 12, 31))
    with pytest.raises(StepRefused, match="date de fin dépassée"):
        take_step(convention, Status.EXPIRED, user=editor)


def test_add_months_keeps_the_day_or_the_months_end():
    assert add_months(datetime.date(2026, 1, 15), 3) == datetime.date(2026, 4, 15)
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2027, 11, 30), 3) == datetime.date(2028, 2, 29)


def test_editor_takes_a_step_from_the_convention_tab(client, demo):
    client.login(username="epci-jura-nord", password="demo-ctg")
    page = client.get(reverse("conventions:convention-detail", args=[demo.pk]))
    assert "Passer à « Validée par le COPIL »" in page.content.decode()
    url = reverse("conventions:convention-step", args=[demo.pk, Status.VALIDATED])
    response = client.post(url, {"on": "2019-11-28"}, follow=True)
    assert Convention.objects.get(pk=demo.pk).status == Status.VALIDATED
    assert "désormais « Validée par le COPIL »" in response.content.decode()


def test_refused_step_says_what_is_missing(client, demo):
    client.login(username="epci-jura-nord", password="demo-ctg")
    url = reverse("conventions:convention-step", args=[demo.pk, Status.VALIDATED])
    response = client.post(url, {"on": ""}, follow=True)
    assert (
        "Il manque : la date de validation par le comité de pilotage" in response.content.decode()
    )
    assert Convention.objects.get(pk=demo.pk).status == Status.DRAFT


def test_reader_cannot_take_a_step(client, demo):
    client.login(username="lecteur-jura-nord", password="demo-ctg")
    url = reverse("conventions:convention-step", args=[demo.pk, Status.VALIDATED])
    assert client.post(url, {"on": "2019-11-28"}).status_code == 403
    page = client.get(reverse("conventions:convention-detail", args=[demo.pk])).content.decode()
    assert "Passer à" not in page
    assert Convention.objects.get(pk=demo.pk).status == Status.DRAFT
