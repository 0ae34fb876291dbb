import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from conventions.models import Attendance, Convention
from conventions.models.template import fill_placeholders, long_date
from tests.factories import (
    ConventionFactory,
    DeliberationFactory,
    MembershipFactory,
    OrganisationFactory,
    PartyFactory,
    TerritoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_seed_counts_pass_validation():
    deliberation = DeliberationFactory()
    deliberation.full_clean()
    assert deliberation.absent == 13
    assert deliberation.voters == 39
    assert deliberation.quorum_reached is True
    assert deliberation.is_unanimous


def test_present_plus_absent_must_equal_members_in_office():
    deliberation = DeliberationFactory.build(excused=8)
    with pytest.raises(ValidationError) as error:
        deliberation.clean()
    assert "membres en exercice (44)" in error.value.message_dict["members_in_office"][0]


def test_votes_cannot_exceed_voters():
    deliberation = DeliberationFactory.build(votes_for=39, abstentions=1)
    with pytest.raises(ValidationError) as error:
        deliberation.clean()
    assert "votants possibles (39)" in error.value.message_dict["votes_for"][0]


def test_proxies_come_from_absent_members_not_replaced():
    deliberation = DeliberationFactory.build(proxies=10)
    with pytest.raises(ValidationError) as error:
        deliberation.clean()
    assert "10 procurations" in error.value.message_dict["proxies"][0]


def test_quorum_is_more_than_half_of_members_in_office():
    deliberation = DeliberationFactory.build(
        members_in_office=44, present=22, substitutes_voting=0, excused=22, proxies=0, votes_for=22
    )
    assert deliberation.quorum == 23
    assert deliberation.quorum_reached is False


def test_counts_may_be_unknown():
    deliberation = DeliberationFactory.build(
        members_in_office=None,
        present=None,
        substitutes_voting=None,
        excused=None,
        absent_unexcused=None,
        proxies=None,
        votes_for=None,
        votes_against=None,
        abstentions=None,
    )
    deliberation.clean()
    assert deliberation.quorum_reached is None and deliberation.voters is None


def test_attendance_list_is_checked_against_counts():
    deliberation = DeliberationFactory(
        members_in_office=3, present=2, substitutes_voting=0, excused=1, proxies=1, votes_for=3
    )
    first = deliberation.attendance.create(order=1, name="A", status=Attendance.Status.PRESENT)
    deliberation.attendance.create(order=2, name="B", status=Attendance.Status.EXCUSED)
    assert deliberation.attendance_discrepancies() == [
        "présents : 2 annoncés, 1 dans la liste.",
        "procurations : 1 annoncées, 0 dans la liste.",
    ]
    giver = deliberation.attendance.get(name="B")
    giver.proxy_holder = first
    giver.full_clean()


def test_only_an_absent_member_gives_a_proxy_to_a_present_one():
    deliberation = DeliberationFactory()
    present = deliberation.attendance.create(order=1, name="A", status="present")
    other = deliberation.attendance.create(order=2, name="B", status="present")
    other.proxy_holder = present
    with pytest.raises(ValidationError):
        other.full_clean()


def test_convention_ends_after_it_starts():
    convention = ConventionFactory.build(
        territory=TerritoryFactory(),
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2023, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        convention.full_clean()
    assert "postérieure au début" in str(error.value)
    with pytest.raises(IntegrityError):
        convention.save()


def test_status_locks_the_convention_from_ready_for_signature_on():
    assert not ConventionFactory.build().is_locked
    assert ConventionFactory.build(signed=True).is_locked
    assert ConventionFactory.build(status=Convention.Status.READY).is_locked


def test_for_user_reaches_the_conventions_of_the_users_organisations():
    mine = PartyFactory().convention
    PartyFactory()  # someone else's
    user = UserFactory()
    MembershipFactory(user=user, organisation=mine.parties.get().organisation)
    assert list(Convention.objects.for_user(user)) == [mine]


def test_long_date_is_french():
    assert long_date(datetime.date(2019, 1, 1)) == "1er janvier 2019"
    assert long_date(datetime.date(2019, 12, 20)) == "20 décembre 2019"


def test_unknown_or_missing_placeholders_stay_visible():
    text = "Entre la {caf} et {territory}, le {caf_decision_date} {unknown}."
    assert fill_placeholders(text, {"caf": "Caf du Jura", "territory": "X"}) == (
        "Entre la Caf du Jura et X, le {caf_decision_date} {unknown}."
    )


def test_caf_model_reproduces_the_jura_nord_convention(demo):
    """Filled with Jura Nord's values, the Caf du Jura's model gives back its articles."""
    model = demo.model or demo.parties.get(order=1).organisation.convention_models.get()
    values = model.placeholder_values(
        partner=demo.parties.get(order=2).organisation,
        start_date=demo.start_date,
        end_date=demo.end_date,
        caf_decision_date=datetime.date(2019, 12, 12),
        territory_deliberation_date=datetime.date(2019, 12, 18),
    )
    articles = {a.number: a for a in demo.articles.all()}
    for article in model.articles.exclude(number=3):
        assert fill_placeholders(article.body, values) == articles[article.number].body
        assert fill_placeholders(article.title, values) == articles[article.number].title
    assert fill_placeholders(model.preamble, values) == demo.preamble


def test_caf_model_creates_a_convention_for_another_territory_in_one_step(demo):
    model = demo.parties.get(order=1).organisation.convention_models.get()
    partner = OrganisationFactory(
        name="Communauté de communes du Val (test)", generic_name="communauté de communes"
    )
    convention = model.create_convention(
        partner=partner,
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2029, 12, 31),
        territory_deliberation_date=datetime.date(2024, 12, 10),
    )
    assert convention.status == Convention.Status.DRAFT
    assert convention.model == model
    assert convention.articles.count() == 12
    assert [p.organisation for p in convention.parties.all()] == [model.organisation, partner]
    duration = convention.articles.get(number=10).body
    assert "1er janvier 2025" in duration and "31 décembre 2029" in duration
    annex5 = convention.annexes.get(number=5).title
    assert "de la communauté de communes du Val (test)" in annex5 and "10 décembre 2024" in annex5
    assert "{caf_decision_date}" in convention.annexes.get(number=4).title
    assert "Jura Nord" not in " ".join(convention.articles.values_list("body", flat=True))
