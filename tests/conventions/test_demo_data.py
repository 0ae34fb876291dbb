"""The seed's facts come back out of the demo data."""

from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from actions.models import Action
from conventions.models import Convention, Deliberation
from diagnostic.models import FundingAmount, IndicatorTable, Observation, Section

pytestmark = pytest.mark.django_db


def test_actions_by_field_match_the_seed(demo):
    counts = Counter(demo.actions.values_list("field__code", flat=True))
    assert counts == {
        "petite_enfance": 4,
        "enfance": 3,
        "jeunesse": 3,
        "parentalite": 4,
        "handicap": 2,
        "acces_aux_droits": 1,
        "logement": 1,
        "pilotage": 1,
    }


def test_every_action_keeps_its_follow_up_and_evaluation(demo):
    for action in demo.actions.prefetch_related("followup_indicators", "evaluation_criteria"):
        assert action.content and action.objectives and action.lead, action.name
        assert action.deadline_date or action.deadline_text, action.name
        assert action.followup_indicators.all(), action.name
        assert action.evaluation_criteria.all(), action.name


def test_governance_has_four_bodies_and_eight_copil_members(demo):
    assert demo.bodies.count() == 4
    copil = demo.bodies.get(kind="copil")
    assert copil.members.count() == 8
    assert copil.missions.count() == 4
    assert copil.min_meetings_per_year == 1
    assert set(copil.copilots.values_list("short_name", flat=True)) == {"CCJN", "Caf du Jura"}


def test_council_deliberation_passes_its_checks_as_printed(demo):
    deliberation = demo.deliberations.get(number="DCC2019_12_162")
    deliberation.full_clean()
    assert (deliberation.votes_for, deliberation.votes_against, deliberation.abstentions) == (
        39,
        0,
        0,
    )
    assert deliberation.members_in_office == 44
    assert (deliberation.present, deliberation.substitutes_voting, deliberation.excused) == (
        31,
        4,
        9,
    )
    assert deliberation.voters == 39
    assert deliberation.quorum == 23 and deliberation.quorum_reached
    assert deliberation.attendance_discrepancies() == []
    assert deliberation.attendance.filter(proxy_holder__isnull=False).count() == 4
    assert deliberation.act_id == "039-243900560-20191218-DCC2019_12_162-DE"


def test_convention_text_is_complete(demo):
    assert demo.articles.count() == 12
    assert demo.visas.count() == 9
    assert demo.annexes.count() == 5
    assert demo.signature_place == "Dampierre" and demo.copies == 2
    assert demo.initialled_pages == 10
    signatories = [s.person.last_name for p in demo.parties.all() for s in p.signatories.all()]
    assert signatories == ["CHAMBOST", "GROSPIERRE", "FASSENET"]
    assert demo.articles.get(number=10).source_page == 9


def test_population_of_2016(demo):
    def population(code):
        return Observation.objects.get(
            indicator__code="pop_total", territory__code=code, year=2016
        ).value

    assert population("243900560") == 11582
    assert population("39") == 260517


def test_ram_funding_by_the_cej(demo):
    amount = FundingAmount.objects.get(
        funding__convention=demo, funding__structure__key="ram-jura-nord", scheme__code="cej"
    )
    assert amount.amount == 22865
    assert amount.funding.budget == 83473
    assert round(amount.rate * 100) == 27


def test_diagnostic_holds_every_table(demo):
    tables = IndicatorTable.objects.filter(section__convention=demo)
    assert tables.count() == 13
    blocks = set(demo.diagnostic_sections.values_list("block", flat=True))
    assert {"structures", "spending", "funding", "glossary", "problematiques"} <= blocks
    assert demo.glossary.count() == 30
    assert demo.structures.filter(kind="alsh_peri_extra").exists()
    assert demo.spending_lines.count() == 6
    assert demo.problematiques.filter(retained=False).get().field.code == "logement"


def test_printed_source_figures_are_kept(demo):
    table = IndicatorTable.objects.get(section__convention=demo, key="population")
    assert list(table.rows.get().source_figures.values_list("text", flat=True)) == [
        "2,50%",
        "- 0,30%",
    ]


def test_every_row_refers_to_observed_indicator(demo):
    for table in IndicatorTable.objects.filter(section__convention=demo):
        territories = {column.territory_id for column in table.columns.all()}
        for row in table.rows.all():
            assert Observation.objects.filter(
                indicator=row.indicator_id, territory__in=territories
            ).exists(), f"{table.key}: {row.indicator.code}"


def test_problematiques_link_to_actions(demo):
    salans = Action.objects.get(convention=demo, name="Micro-crèche de Salans")
    assert set(salans.problematiques.values_list("field__code", flat=True)) == {
        "conciliation",
        "petite_enfance",
    }


def test_coteaux_demo_convention_is_marked_invented(demo_db):
    coteaux = Convention.objects.get(territory__code="FICT-CCC")
    assert coteaux.is_demo
    assert "(fictive)" in coteaux.short_title
    assert coteaux.articles.count() == 12
    assert coteaux.actions.count() == 3


def test_load_demo_twice_duplicates_nothing(demo):
    models = [
        m
        for m in apps.get_models()
        if m._meta.app_label in {"conventions", "diagnostic", "actions", "pilotage"}
    ]
    before = {model: model.objects.count() for model in models}
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert {model: model.objects.count() for model in models} == before
    assert "déjà présente, inchangée" in out.getvalue()
    assert "demo-ctg" in out.getvalue()


def test_demo_users_can_log_in_with_the_demo_password(demo, client):
    for username in ["caf-jura", "epci-jura-nord", "lecteur-jura-nord", "epci-coteaux", "admin"]:
        assert client.login(username=username, password="demo-ctg"), username


def test_demo_users_reach_only_their_conventions(demo, django_user_model):
    def titles(username):
        user = django_user_model.objects.get(username=username)
        return set(Convention.objects.for_user(user).values_list("short_title", flat=True))

    assert titles("caf-jura") == {"CTG Jura Nord 2019-2023", "CTG des Coteaux 2024-2028 (fictive)"}
    assert titles("epci-jura-nord") == {"CTG Jura Nord 2019-2023"}
    assert titles("lecteur-jura-nord") == {"CTG Jura Nord 2019-2023"}
    assert titles("epci-coteaux") == {"CTG des Coteaux 2024-2028 (fictive)"}


def test_sections_keep_their_commentary(demo):
    population = Section.objects.get(convention=demo, key="population")
    assert "en hausse de 2,5%" in population.commentary
    assert Deliberation.objects.filter(convention=demo).count() == 2
    assert Decimal(demo.territory.area_ha) == 26407
