"""The "Diagnostic" tab (annexe 1) and the inline editing of its parts."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.html import escape

from actions.models import Field
from conventions.models import Territory
from diagnostic.models import (
    GlossaryEntry,
    Indicator,
    IndicatorTable,
    Observation,
    Problematique,
    Section,
    Structure,
    StructureFunding,
    TableColumn,
    TableRow,
)
from diagnostic.views import format_number, format_rate, format_value
from tests.factories import ActionFactory, ConventionFactory, MembershipFactory, PartyFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TAB_QUERIES = 17
NBSP = "\u00a0"


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
    return reverse("diagnostic:tab", args=[convention.pk])


def part_url(name, convention, slug, *args):
    return reverse(f"conventions:part-{name}", args=[convention.pk, slug, *args])


def text_of(response):
    """The page as a person reads its numbers: non-breaking spaces as spaces."""
    return response.content.decode().replace(NBSP, " ").replace("&nbsp;", " ")


def element(content, element_id, tag):
    """The markup of the element with ``element_id``, up to its closing ``tag``."""
    start = content.index(f'id="{element_id}"')
    return content[start : content.index(f"</{tag}>", start)]


def section_id(convention, key):
    return f"section-{convention.diagnostic_sections.get(key=key).pk}"


def section_data(section, **overrides):
    data = {
        "title": section.title,
        "level": section.level,
        "source": section.source,
        "body": section.body,
        "commentary": section.commentary,
        "lost_figures": section.lost_figures,
    }
    return data | overrides


def structure_data(**overrides):
    data = {
        "name": "Micro-crèche de Thervay",
        "kind": "micro_creche",
        "field": Field.objects.get(code="petite_enfance", convention=None).pk,
        "commune": Territory.objects.get(name="Thervay").pk,
        "manager": "Communauté de communes Jura Nord",
        "capacity": "10",
        "capacity_unit": "places",
        "opening_hours": "7h – 19h",
        "status": "planned",
        "opened_year": "2021",
        "in_territory": "on",
        "description": "Projet porté par la CCJN.",
    }
    return data | overrides


# Formats


def test_numbers_are_formatted_the_french_way():
    assert format_number(Decimal("11582.0000")) == f"11{NBSP}582"
    assert format_value(Decimal("48.0000"), Indicator.Unit.PERCENT, 2) == f"48,00{NBSP}%"
    assert format_value(Decimal("2.5"), Indicator.Unit.PERCENT, 1) == f"2,5{NBSP}%"
    assert format_value(Decimal("119157.0000"), Indicator.Unit.EUROS) == f"119{NBSP}157{NBSP}€"
    assert format_value(Decimal("3.0800"), Indicator.Unit.EUROS) == f"3,08{NBSP}€"
    assert format_value(Decimal("3.0000"), Indicator.Unit.RATIO) == "3,0"
    assert format_value(Decimal("25.8000"), Indicator.Unit.RATIO) == "25,8"
    assert format_value(Decimal("-47"), Indicator.Unit.COUNT) == "-47"


def test_funding_rate_is_rounded_to_the_unit():
    assert format_rate(Decimal("22865") / Decimal("83473")) == f"27{NBSP}%"
    assert format_rate(Decimal("0.465")) == f"47{NBSP}%"


# The tab


def test_tab_shows_the_seed_to_a_reader(reader, demo):
    response = reader.get(tab_url(demo))

    assert response.status_code == 200
    content = text_of(response)
    for fact in [
        "11 582",  # population of the CCJN in 2016
        "260 517",  # population of the Jura
        "22 865 € (27 %)",  # CEJ of the RAM, with its rate of the budget
        "83 473 €",  # budget of the RAM
        "Concilier vie professionnelle et vie familiale",
        "224, soit 16 % des aides",  # a note printed instead of the value
        "48,00 %",  # a percentage with the decimals of its table
        "119 157 €",  # euros
        "1 123 743 €",  # spending of the EPCI on the ALSH
        "Accueil de Loisirs Sans Hébergement",
    ]:
        assert fact in content, fact


def test_tab_shows_the_thirty_acronyms_of_the_glossary(reader, demo):
    content = reader.get(tab_url(demo)).content.decode()

    glossary = content[content.index('id="list-glossaire"') : content.index("</dl>")]
    acronyms = re.findall(r"<dt[^>]*>([^<]+)</dt>", glossary)
    assert len(acronyms) == 30
    assert acronyms[:3] == ["ALSH", "CA", "CAF"]


def test_computed_columns_show_the_printed_figure_marked_as_such(reader, demo):
    content = reader.get(tab_url(demo)).content.decode()

    table = element(content, section_id(demo, "population"), "table")
    assert re.search(
        r'<span class="text-body-secondary">2,50%<span aria-hidden="true">&nbsp;\*</span>'
        r'<span class="visually-hidden"> \(chiffre de la source\)</span></span>',
        table,
    )
    assert "- 0,30%" in table
    assert "Chiffre de la source" in content


def test_sections_are_headings_in_order_h3_then_h4(reader, demo):
    content = reader.get(tab_url(demo)).content.decode()

    headings = re.findall(r"<(h[34])[^>]*>\s*([^<]+?)\s*</h[34]>", content)
    sections = demo.diagnostic_sections.order_by("order")
    expected = [("h3" if s.level == 1 else "h4", escape(s.title)) for s in sections]
    section_headings = [heading for heading in headings if heading in expected]
    assert section_headings == expected
    assert len(expected) == 23


def test_indicator_tables_are_accessible(reader, demo):
    content = reader.get(tab_url(demo)).content.decode()

    logement = IndicatorTable.objects.get(section__convention=demo, key="logement_caf")
    assert f'<caption class="caption-top">{escape(logement.title)}</caption>' in content
    assert (
        content.count("<caption")
        == IndicatorTable.objects.filter(section__convention=demo).count() + 3
    )  # the structures, the spending and the funding
    assert '<th scope="col">Indicateur</th>' in content
    assert re.search(r'<th scope="row"\s+class="fw-normal ps-3">dont Propriétaires</th>', content)
    assert '<tr class="fst-italic">' in content


def test_section_shows_its_source_text_lost_figures_and_commentary(reader, demo):
    content = reader.get(tab_url(demo)).content.decode()

    portrait = element(content, section_id(demo, "portrait"), "section")
    assert "Source : Données INSEE" in portrait
    assert "Illustrations du document d'origine non reprises" in portrait
    assert "<li>Carte de présentation (source : site www.jura-nord.com)</li>" in portrait
    assert "26 407 hectares" in portrait
    population = element(content, section_id(demo, "population"), "section")
    assert "Elle représente 4% de la population du département." in population


def test_tab_shows_the_structures_the_funding_and_the_problematiques(reader, demo):
    content = text_of(reader.get(tab_url(demo)))

    fraisans = demo.structures.get(name="Multi-accueil Fraisans")
    row = element(content, f"structure-{fraisans.pk}", "tr")
    for text in ["EAJE (multi-accueil, crèche)", "Fraisans", "30 places", "7h – 18h30"]:
        assert text in row
    assert "Existante" in row and "(ouverture 2012)" in row
    funding = content[content.index("Financements Caf perçus par structure") :]
    funding = funding[: funding.index("</thead>")]
    schemes = re.findall(r"<abbr[^>]*>([^<]+)</abbr>", funding)
    assert schemes == ["CEJ", "FILAJ", "PSU-PSO"]
    assert "Caf (dispositif non précisé)" in funding
    logement = demo.problematiques.get(field__code="logement")
    row = element(content, f"probleme-{logement.pk}", "article")
    assert "Non retenue dans le plan d'action" in row
    conciliation = demo.problematiques.get(order=1)
    row = element(content, f"probleme-{conciliation.pk}", "article")
    for action in conciliation.actions.all():
        assert escape(action.name) in row


def test_convention_without_diagnostic_offers_its_blocks_to_an_editor(client):
    convention = ConventionFactory()
    membership = MembershipFactory()
    PartyFactory(convention=convention, organisation=membership.organisation)
    client.force_login(membership.user)

    content = client.get(tab_url(convention)).content.decode()

    assert "Le diagnostic n'a pas encore de section." in content
    for slug in ["section", "structure", "financement", "glossaire", "probleme"]:
        assert part_url("add", convention, slug) in content


# Access


def test_outsider_gets_404(client, demo):
    client.force_login(MembershipFactory().user)

    assert client.get(tab_url(demo)).status_code == 404


def test_editor_of_another_convention_gets_404_on_a_part(client, demo):
    login(client, "epci-coteaux")
    entry = demo.glossary.first()

    assert client.get(tab_url(demo)).status_code == 404
    data = {"order": entry.order, "acronym": "XYZ", "definition": "Changé"}
    assert client.post(part_url("edit", demo, "glossaire", entry.pk), data).status_code == 404
    assert GlossaryEntry.objects.get(pk=entry.pk).acronym == entry.acronym


def test_reader_sees_no_edit_button(reader, demo):
    content = reader.get(tab_url(demo)).content.decode()

    assert "Modifier" not in content
    assert "Ajouter" not in content
    assert "Supprimer" not in content


def test_editor_sees_edit_buttons(editor, demo):
    content = editor.get(tab_url(demo)).content.decode()

    assert content.count(">Modifier<") == (
        demo.diagnostic_sections.count()
        + demo.structures.count()
        + demo.structure_fundings.count()
        + demo.glossary.count()
        + demo.problematiques.count()
    )
    for slug in ["section", "structure", "financement", "glossaire", "probleme"]:
        assert part_url("add", demo, slug) in content
    # The rows of the structures and funding tables are edited on their own page.
    assert content.count("<td hx-disable>") == (
        demo.structures.count() + demo.structure_fundings.count()
    )


@pytest.mark.parametrize("slug", ["section", "structure", "probleme", "glossaire", "financement"])
def test_reader_cannot_write(reader, demo, slug):
    model = {
        "section": Section,
        "structure": Structure,
        "probleme": Problematique,
        "glossaire": GlossaryEntry,
        "financement": StructureFunding,
    }[slug]
    item = model.objects.filter(convention=demo).first()
    count = model.objects.count()
    data = {"title": "Changé", "name": "Changé", "acronym": "ZZ", "definition": "Changé"}

    assert reader.post(part_url("add", demo, slug), data, **HTMX).status_code == 403
    assert reader.post(part_url("edit", demo, slug, item.pk), data, **HTMX).status_code == 403
    assert reader.post(part_url("delete", demo, slug, item.pk), **HTMX).status_code == 403
    assert model.objects.count() == count
    assert str(model.objects.get(pk=item.pk)) == str(item)


# Sections


def test_editor_edits_a_section_commentary_via_htmx(editor, demo):
    section = demo.diagnostic_sections.get(key="logement")
    data = section_data(section, commentary="Le parc de logements progresse plus vite.")

    response = editor.post(part_url("edit", demo, "section", section.pk), data, **HTMX)

    assert response.status_code == 200
    section.refresh_from_db()
    assert section.commentary == "Le parc de logements progresse plus vite."
    assert (section.key, section.block, section.order) == ("logement", "", 5)
    content = response.content.decode()
    assert "<html" not in content
    assert "Le parc de logements progresse plus vite." in content
    # The row comes back without its tables, and reloads itself from the tab.
    assert f'hx-select="#section-{section.pk}"' in content
    assert 'hx-trigger="load"' in content
    assert f'hx-select="#section-{section.pk}"' not in editor.get(tab_url(demo)).content.decode()


def test_editing_a_section_keeps_its_key_and_block(editor, demo):
    section = demo.diagnostic_sections.get(key="glossaire")
    data = section_data(section, title="Glossaire des sigles", level=2)

    response = editor.post(part_url("edit", demo, "section", section.pk), data, **HTMX)

    assert response.status_code == 200
    section.refresh_from_db()
    assert (section.title, section.level) == ("Glossaire des sigles", 2)
    assert (section.key, section.block) == ("glossaire", Section.Block.GLOSSARY)


def test_new_section_goes_last_with_a_unique_key_from_its_title(editor, demo):
    data = {"title": "Population", "level": 2, "source": "", "body": "Texte."}

    response = editor.post(part_url("add", demo, "section"), data, **HTMX)

    assert response.status_code == 200
    section = demo.diagnostic_sections.get(title="Population", block="", key="population-2")
    assert section.order == 24
    assert section.block == ""


def test_section_without_title_is_refused_in_french(editor, demo):
    count = Section.objects.count()
    data = {"title": "", "level": 1, "body": "Un texte tapé"}

    response = editor.post(part_url("add", demo, "section"), data, **HTMX)

    assert response.status_code == 422
    assert Section.objects.count() == count
    content = response.content.decode()
    assert 'id="id_title_error"' in content
    assert "Ce champ est obligatoire." in content
    assert "Un texte tapé" in content


# Structures


def test_editor_adds_a_structure_with_a_key_from_its_name(editor, demo):
    response = editor.post(part_url("add", demo, "structure"), structure_data(), **HTMX)

    assert response.status_code == 200
    structure = demo.structures.get(name="Micro-crèche de Thervay")
    assert structure.key == "micro-creche-de-thervay"
    assert structure.capacity == 10
    assert f'id="structure-{structure.pk}"' in response.content.decode()

    editor.post(part_url("add", demo, "structure"), structure_data(), **HTMX)

    assert demo.structures.filter(key="micro-creche-de-thervay-2").exists()


def test_negative_capacity_is_refused_and_typed_values_kept(editor, demo):
    count = Structure.objects.count()
    data = structure_data(capacity="-3")

    response = editor.post(part_url("add", demo, "structure"), data, **HTMX)

    assert response.status_code == 422
    assert Structure.objects.count() == count
    content = response.content.decode()
    assert 'id="id_capacity_error"' in content
    assert "doit être un nombre positif ou nul" in content
    assert 'value="Micro-crèche de Thervay"' in content
    assert 'value="-3"' in content


def test_structure_form_offers_the_convention_fields_and_the_communes(editor, demo):
    other = ConventionFactory()
    Field.objects.create(code="axe_ailleurs", label="Axe d'ailleurs", convention=other)

    content = editor.get(part_url("add", demo, "structure"), **HTMX).content.decode()

    assert "Concilier vie professionnelle et vie familiale" in content  # an axis of the seed
    assert "Axe d&#x27;ailleurs" not in content
    assert ">Jallerange</option>" in content
    assert ">Jura</option>" not in content


# Problématiques


def test_editor_adds_a_problematique_answered_by_actions(editor, demo):
    action = demo.actions.get(name="Micro-crèche de Salans")
    ActionFactory(name="Action d'une autre convention")
    data = {
        "order": "",
        "field": Field.objects.get(code="handicap", convention=None).pk,
        "title": "Inclusion des enfants en situation de handicap",
        "text": "Peu de places adaptées.",
        "actions": [action.pk],
    }

    form = editor.get(part_url("add", demo, "probleme"), **HTMX).content.decode()
    response = editor.post(part_url("add", demo, "probleme"), data, **HTMX)

    assert "Action d&#x27;une autre convention" not in form
    assert response.status_code == 200
    problematique = demo.problematiques.get(title=data["title"])
    assert problematique.order == demo.problematiques.count()
    assert not problematique.retained
    assert list(problematique.actions.all()) == [action]
    assert "Micro-crèche de Salans" in response.content.decode()


# Glossary


def test_editor_adds_a_glossary_entry(editor, demo):
    data = {"order": "", "acronym": "LAEP2", "definition": "Lieu d'accueil bis"}

    response = editor.post(part_url("add", demo, "glossaire"), data, **HTMX)

    assert response.status_code == 200
    entry = demo.glossary.get(acronym="LAEP2")
    assert entry.order == 31
    content = response.content.decode()
    assert re.match(rf'\s*<div class="part-row row" id="glossaire-{entry.pk}"', content)
    assert "<dt" in content and "Lieu d&#x27;accueil bis" in content


def test_duplicate_acronym_is_refused_at_the_field(editor, demo):
    count = GlossaryEntry.objects.count()
    data = {"order": "", "acronym": "alsh", "definition": "Une définition tapée"}

    response = editor.post(part_url("add", demo, "glossaire"), data, **HTMX)

    assert response.status_code == 422
    assert GlossaryEntry.objects.count() == count
    content = response.content.decode()
    assert 'id="id_acronym_error"' in content
    assert "Le sigle « alsh » figure déjà dans le glossaire." in content
    assert 'value="Une définition tapée"' in content
    assert 'aria-invalid="true"' in content


def test_same_acronym_in_another_convention_is_accepted(client):
    convention = ConventionFactory()
    membership = MembershipFactory()
    PartyFactory(convention=convention, organisation=membership.organisation)
    client.force_login(membership.user)
    data = {"order": "", "acronym": "ALSH", "definition": "Accueil de loisirs"}

    response = client.post(part_url("add", convention, "glossaire"), data, **HTMX)

    assert response.status_code == 200
    assert convention.glossary.get().order == 1


def test_editor_deletes_and_moves_glossary_entries(editor, demo):
    first, second = demo.glossary.order_by("order")[:2]

    editor.post(part_url("move", demo, "glossaire", first.pk, "down"), **HTMX)
    response = editor.post(part_url("delete", demo, "glossaire", second.pk), **HTMX)

    assert response.status_code == 200
    first.refresh_from_db()
    assert first.order == 2
    assert not GlossaryEntry.objects.filter(pk=second.pk).exists()


# Funding


def test_editor_adds_a_funding_last(editor, demo):
    structure = demo.structures.get(name="Micro-crèche de Salans")
    data = {"structure": structure.pk, "label": "Micro-crèche", "year": "2020", "budget": "1000"}

    response = editor.post(part_url("add", demo, "financement"), data)

    assert response.status_code == 302
    funding = demo.structure_fundings.get(label="Micro-crèche")
    assert funding.order == demo.structure_fundings.count()


def test_negative_budget_is_refused_and_typed_values_kept(editor, demo):
    structure = demo.structures.get(name="Micro-crèche de Salans")
    count = StructureFunding.objects.count()
    data = {"structure": structure.pk, "label": "Budget tapé", "year": "2020", "budget": "-5"}

    response = editor.post(part_url("add", demo, "financement"), data, **HTMX)

    assert response.status_code == 422
    assert StructureFunding.objects.count() == count
    content = response.content.decode()
    assert 'id="id_budget_error"' in content
    assert "Le budget doit être un nombre positif ou nul." in content
    assert 'value="Budget tapé"' in content


def test_funding_row_says_where_amounts_are_edited(editor, demo):
    funding = demo.structure_fundings.get(label="RAM Jura Nord")

    row = element(text_of(editor.get(tab_url(demo))), f"financement-{funding.pk}", "tr")

    assert "22 865 € (27 %)" in row and "38 493 € (46 %)" in row
    assert "à saisir dans l'administration" in row


def test_funding_edited_inline_comes_back_as_a_row_that_reloads_itself(editor, demo):
    funding = demo.structure_fundings.get(label="RAM Jura Nord")
    data = {
        "structure": funding.structure_id,
        "label": "Relais petite enfance",
        "year": "2018",
        "budget": "83473",
        "activity": funding.activity,
    }

    response = editor.post(part_url("edit", demo, "financement", funding.pk), data, **HTMX)

    assert response.status_code == 200
    funding.refresh_from_db()
    assert (funding.label, funding.order) == ("Relais petite enfance", 1)
    content = response.content.decode()
    assert content.lstrip().startswith('<tr class="part-row"')
    assert f'hx-select="#financement-{funding.pk}"' in content


# Queries


def add_tables(convention, count=10, rows=20):
    """``count`` more tables of ``rows`` rows × 6 columns, with their observations."""
    epci = convention.territory
    jura = Territory.objects.get(code="39")
    section = convention.diagnostic_sections.get(key="population")
    indicators = Indicator.objects.bulk_create(
        Indicator(code=f"extra_{n}", label=f"Indicateur {n}", unit="count", source="insee")
        for n in range(rows)
    )
    Observation.objects.bulk_create(
        Observation(indicator=indicator, territory=territory, year=year, value=n + year)
        for n, indicator in enumerate(indicators)
        for territory in (epci, jura)
        for year in (2011, 2016)
    )
    for number in range(count):
        table = IndicatorTable.objects.create(
            section=section, key=f"extra-{number}", order=10 + number, title=f"Table {number}"
        )
        TableColumn.objects.bulk_create(
            TableColumn(table=table, order=order, territory=territory, **years)
            for order, (territory, years) in enumerate(
                [
                    (epci, {"year": 2016}),
                    (epci, {"year": 2011}),
                    (epci, {"kind": "evolution", "from_year": 2011, "to_year": 2016}),
                    (jura, {"year": 2016}),
                    (jura, {"year": 2011}),
                    (jura, {"kind": "evolution", "from_year": 2011, "to_year": 2016}),
                ],
                start=1,
            )
        )
        TableRow.objects.bulk_create(
            TableRow(table=table, order=order, indicator=indicator)
            for order, indicator in enumerate(indicators, start=1)
        )


def add_structures_and_glossary(convention, count=30):
    field = Field.objects.get(code="enfance", convention=None)
    communes = list(Territory.objects.filter(kind="commune")[:count])
    Structure.objects.bulk_create(
        Structure(
            convention=convention,
            key=f"extra-{n}",
            name=f"Structure {n}",
            kind="other",
            field=field,
            commune=communes[n % len(communes)],
        )
        for n in range(count)
    )
    GlossaryEntry.objects.bulk_create(
        GlossaryEntry(convention=convention, order=100 + n, acronym=f"X{n}", definition="Sigle")
        for n in range(count)
    )


def test_tab_queries_do_not_grow_with_the_diagnostic(editor, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(TAB_QUERIES):
        assert editor.get(tab_url(demo)).status_code == 200

    add_tables(demo)
    add_structures_and_glossary(demo)

    with django_assert_max_num_queries(TAB_QUERIES):
        response = editor.get(tab_url(demo))
    content = text_of(response)
    assert content.count('<caption class="caption-top">Table ') == 10
    assert "Indicateur 19" in content
    assert "Structure 29" in content and ">X29</dt>" in content
    assert "2 035" in content  # the observation of indicator 19 in 2016
