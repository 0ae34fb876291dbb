"""The "Diagnostic" tab (annexe 1), its checks, its exports, its annexe for the printed
convention, statistical secrecy, and the inline editing of its parts."""

import csv
import io
import re

import pytest
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse
from django.utils.html import escape

from actions.models import Field
from conventions.models import Territory
from diagnostic.models import (
    FundingAmount,
    GlossaryEntry,
    Indicator,
    IndicatorTable,
    Observation,
    Problematique,
    Section,
    SourceFigure,
    Structure,
    StructureFunding,
    TableColumn,
    TableRow,
)
from diagnostic.tables import diagnostic_context
from tests.factories import (
    ActionFactory,
    ConventionFactory,
    IndicatorFactory,
    MembershipFactory,
    ObservationFactory,
    PartyFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# Session, user and convention (3), the diagnostic (14: sections, tables, columns, rows,
# source figures, blocks, annexes, and all the observations in one), the charts (3), the
# memberships of the page's header (1).
TAB_QUERIES = 21
EXPORT_QUERIES = 17  # the same, without the charts and the header
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
        "224, soit 16 %",  # a count and its share of the total
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


def test_computed_columns_are_computed_from_the_data(reader, demo):
    content = text_of(reader.get(tab_url(demo)))

    population = element(content, section_id(demo, "population"), "table")
    assert "+2,50 %" in population  # 11 299 → 11 582
    assert "-0,30 %" in population  # 261 294 → 260 517
    assert "*" not in population
    jeunes = element(content, section_id(demo, "jeunes_enfants"), "table")
    assert "+2,5 %" in jeunes and "↗" in jeunes  # 407 → 428 over 2016-2018
    assert "-1,7 pt" in jeunes  # a rate: (39,5 − 42,9) / 2 points a year


def test_figures_the_data_cannot_give_are_the_source_s_marked_as_such(reader, demo):
    content = reader.get(tab_url(demo)).content.decode()

    table = element(content, section_id(demo, "jeunes_enfants"), "table")
    # The département's 2016 values are not in the seed: its evolutions are as printed.
    assert re.search(
        r'<span class="text-body-secondary">-3,7 %<span aria-hidden="true">&nbsp;\*</span>'
        r'<span class="visually-hidden"> \(chiffre de la source, non recalculable\)</span>',
        table,
    )
    assert "Chiffre de la source, non recalculable" in content


def test_a_wrong_source_figure_gives_way_to_the_computed_one_and_is_listed(reader, demo):
    content = text_of(reader.get(tab_url(demo)))

    table = element(content, section_id(demo, "assistants_maternels"), "table")
    assert "+1,4 %" in table  # 210 → 216 over 2016-2018
    assert "+19%" not in table.replace("(la source imprime +19%)", "")
    assert "(la source imprime +19%)" in table
    checks = content[content.index('id="controles"') :]
    row = checks[checks.index("Enfants &lt; 3 ans gardés par une assistante maternelle") :]
    row = row[: row.index("</tr>")]
    assert "+19%" in row and "+1,4 %" in row
    assert "Composition des ménages" in checks
    assert "aucune donnée 2016 pour Jura" in checks


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
    charts = content.count('class="diagnostic-chart ')
    assert (
        content.count("<caption")
        == IndicatorTable.objects.filter(section__convention=demo).count() + 3 + 1 + charts
    )  # the structures, the spending, the funding, the discrepancies and each chart
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

    assert reverse("diagnostic:import", args=[demo.pk]) not in content

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
    assert reverse("diagnostic:import", args=[demo.pk]) in content
    # The rows of the structures and funding tables are edited on their own page.
    assert content.count("<td hx-disable>") == (
        demo.structures.count() + demo.structure_fundings.count()
    )


def test_import_link_is_on_the_diagnostic_tab_for_editors_only(client, demo):
    link = f'href="{reverse("diagnostic:import", args=[demo.pk])}"'
    for username, shown in [
        ("epci-jura-nord", True),
        ("caf-jura", True),
        ("lecteur-jura-nord", False),
    ]:
        content = login(client, username).get(tab_url(demo)).content.decode()
        assert (link in content) is shown, username


def test_chart_without_data_says_how_to_get_it_with_an_import_link_for_editors(client, demo):
    import_link = f'href="{reverse("diagnostic:import", args=[demo.pk])}?format=insee"'

    editor_page = login(client, "epci-jura-nord").get(tab_url(demo)).content.decode()
    reader_page = login(client, "lecteur-jura-nord").get(tab_url(demo)).content.decode()

    for page in (editor_page, reader_page):
        notice = re.search(r'<li[^>]*id="graphique-population-age-manquant">(.*?)</li>', page, re.S)
        text = " ".join(notice[1].split())
        assert text.startswith(
            "<strong>Population par tranche d&#x27;âge</strong> : aucune donnée pour "
            "Communauté de communes Jura Nord, le graphique n'est pas dessiné. Importez le "
            "fichier de l&#x27;Insee (comparateur de territoires ou dossier complet)"
        )
    assert import_link in editor_page
    assert import_link not in reader_page
    assert "Un membre qui peut modifier la convention peut importer ce fichier." in reader_page


def test_import_page_reached_from_a_chart_has_its_format_chosen(editor, demo):
    response = editor.get(reverse("diagnostic:import", args=[demo.pk]) + "?format=insee")

    assert response.context["form"]["source"].value() == "insee"


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


# Computation and checks on a small diagnostic


def member_client(client, convention, **traits):
    membership = MembershipFactory(**traits)
    PartyFactory(convention=convention, organisation=membership.organisation)
    client.force_login(membership.user)
    return client


def indicator(code, unit="count", source="caf"):
    return IndicatorFactory(
        code=code, label=code.replace("_", " ").capitalize(), unit=unit, source=source
    )


def small_table(convention, rows, columns, *, figures=(), **table_fields):
    """A section with one table: ``rows`` are (indicator, row fields), ``columns``
    (territory, column fields); ``figures`` are (row number, column number, printed)."""
    section = Section.objects.create(
        convention=convention, key="tests", order=1, level=1, title="Indicateurs de test"
    )
    table = IndicatorTable.objects.create(
        section=section, key="tests", order=1, title="Tableau de test", **table_fields
    )
    made_columns = [
        TableColumn.objects.create(table=table, order=order, territory=territory, **fields)
        for order, (territory, fields) in enumerate(columns, start=1)
    ]
    made_rows = [
        TableRow.objects.create(table=table, order=order, indicator=ind, **fields)
        for order, (ind, fields) in enumerate(rows, start=1)
    ]
    for row, column, text in figures:
        SourceFigure.objects.create(
            row=made_rows[row - 1], column=made_columns[column - 1], text=text
        )
    return table


def observe(ind, territory, **values_by_year):
    for year, value in values_by_year.items():
        ObservationFactory(indicator=ind, territory=territory, year=int(year[1:]), value=value)


@pytest.fixture
def convention():
    return ConventionFactory()


def test_consistency_warnings_on_a_made_up_table(client, convention):
    epci = convention.territory
    total, big, small = indicator("total"), indicator("part_a"), indicator("part_b")
    observe(total, epci, y2016=100, y2011=90)
    observe(big, epci, y2016=120, y2011=50)
    observe(small, epci, y2016=10, y2011=45)
    small_table(
        convention,
        [(total, {}), (big, {"share_of": total}), (small, {"share_of": total})],
        [
            (epci, {"year": 2016}),
            (epci, {"kind": "share", "year": 2016}),
            (epci, {"year": 2011}),
            (epci, {"kind": "share", "year": 2011}),
            (epci, {"year": 2014}),
            (epci, {"kind": "evolution", "from_year": 2011, "to_year": 2016}),
        ],
        figures=[(1, 6, "+11,1 %"), (2, 6, "+50 %")],
    )

    diagnostic = diagnostic_context(convention)
    warnings = [str(w).replace(NBSP, " ") for w in diagnostic["warnings"]]

    assert any("« Part a » (120) dépasse son total « Total » (100)" in w for w in warnings)
    assert any("les parts de « Total »" in w and "105,6 %" in w for w in warnings)  # 95 / 90
    assert any("aucune donnée 2014 pour" in w and "(3 ligne(s)" in w for w in warnings)
    assert [str(d).replace(NBSP, " ") for d in diagnostic["discrepancies"]] == [
        "Part a : +50 % imprimé, +140,0 % calculé"
    ]
    content = text_of(member_client(client, convention, reader=True).get(tab_url(convention)))
    assert "Contrôles de cohérence" in content
    assert "dépasse son total" in content and "+140,0 %" in content
    assert "120,0 %" in content  # the share is shown even above 100 %


def test_trend_follows_the_table_threshold_in_percent_and_in_points(convention):
    epci = convention.territory
    count, rate = indicator("enfants"), indicator("taux", unit="percent")
    observe(count, epci, y2016=100, y2018=103)  # +1,5 %/year: stable under 2 %
    observe(rate, epci, y2016=10, y2018=13)  # +1,5 points/year: up over 1 point
    small_table(
        convention,
        [(count, {}), (rate, {})],
        [
            (epci, {"year": 2018}),
            (epci, {"kind": "yearly_average", "from_year": 2016, "to_year": 2018}),
            (epci, {"kind": "trend", "from_year": 2016, "to_year": 2018}),
        ],
        trend_threshold=2,
        trend_threshold_points=1,
    )

    rows = diagnostic_context(convention)["tables"][0].rows

    assert [cell.text.replace(NBSP, " ") for cell in rows[0].cells] == ["103", "+1,5 %", "▬"]
    assert [cell.text.replace(NBSP, " ") for cell in rows[1].cells] == [
        "13,0 %",
        "+1,5 pt",
        "↗",
    ]


def test_a_funding_rate_printed_wrong_is_listed(reader, demo):
    amount = FundingAmount.objects.get(funding__label="RAM Jura Nord", scheme__code="cej")
    amount.printed_rate = "30%"
    amount.save()

    content = text_of(reader.get(tab_url(demo)))

    checks = content[content.index('id="controles"') :]
    assert "RAM Jura Nord" in checks and "30%" in checks and "27 %" in checks


# Statistical secrecy


def secret_table(convention):
    epci = convention.territory
    allocataires, enfants = indicator("allocataires"), indicator("enfants_aah")
    population = indicator("population", source="insee")
    observe(allocataires, epci, y2017=1797, y2018=1799)
    observe(enfants, epci, y2017=6, y2018=3)
    observe(population, epci, y2017=3, y2018=4)
    small_table(
        convention,
        [(allocataires, {}), (enfants, {"share_of": allocataires}), (population, {})],
        [
            (epci, {"year": 2018}),
            (epci, {"kind": "share", "year": 2018}),
            (epci, {"kind": "evolution", "from_year": 2017, "to_year": 2018}),
        ],
    )
    return enfants


def texts(diagnostic):
    return [[c.text.replace(NBSP, " ") for c in r.cells] for r in diagnostic["tables"][0].rows]


def test_public_output_masks_small_counts_and_keeps_the_stored_value(convention):
    enfants = secret_table(convention)

    internal = texts(diagnostic_context(convention))
    public = diagnostic_context(convention, public=True)

    assert internal[1] == ["3", "0,2 %", "-50,0 %"]
    assert texts(public)[1] == ["s", "s", "s"]  # the count and all computed from it
    assert texts(public)[0] == ["1 799", "", "+0,1 %"]
    assert texts(public)[2] == ["4", "", "+33,3 %"]  # the INSEE publishes its own counts
    assert public["has_secret"]
    assert Observation.objects.get(indicator=enfants, year=2018).value == 3


@override_settings(STATISTICAL_SECRECY_THRESHOLD=2)
def test_the_secrecy_threshold_is_a_setting(convention):
    secret_table(convention)

    assert texts(diagnostic_context(convention, public=True))[1][0] == "3"


@override_settings(STATISTICAL_SECRECY_ROUNDING=True)
def test_public_output_can_round_caf_counts_as_its_open_data(convention):
    secret_table(convention)

    assert texts(diagnostic_context(convention, public=True))[0][0] == "1 800"
    assert texts(diagnostic_context(convention))[0][0] == "1 799"


def test_the_seed_s_public_version_masks_the_two_children_of_the_jura(demo):
    table = next(
        t for t in diagnostic_context(demo, public=True)["tables"] if t.table.key == "allocataires"
    )
    row = next(r for r in table.rows if r.row.indicator.code == "alloc_enf_ca_tp")

    assert [cell.text for cell in row.cells] == ["0", "s"]
    assert (
        Observation.objects.get(indicator__code="alloc_enf_ca_tp", territory__code="39").value == 2
    )


# Exports


def export_url(convention, fmt, public=False):
    url = reverse("diagnostic:export", kwargs={"pk": convention.pk, "fmt": fmt})
    return f"{url}?public=1" if public else url


def csv_lines(response):
    content = response.content.decode()
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:]), delimiter=";"))


def test_reader_exports_every_cell_as_csv(reader, demo):
    response = reader.get(export_url(demo, "csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="diagnostic-ctg-jura-nord-2019-2023.csv"' in response["Content-Disposition"]
    lines = csv_lines(response)
    assert lines[0][:4] == ["Section", "Tableau", "Ligne", "Colonne"]
    cells = sum(
        table.rows.count() * table.columns.count()
        for table in IndicatorTable.objects.filter(section__convention=demo)
    )
    assert len(lines) == 1 + cells
    by_cell = {(line[2], line[3]): line for line in lines[1:]}
    population = by_cell[("Population/Evolution", "CCJN Evolution (2011-2016)")]
    assert population[4:] == [
        "Communauté de communes Jura Nord",
        "2011-2016",
        "+2,50 %",
        "2,5046",
        "calculé",
        "2,50%",
        "",
    ]
    gardes = by_cell[
        (
            "Enfants < 3 ans gardés par une assistante maternelle",
            "CCJN Evolution annuelle moyenne sur 3 ans (2016-2018)",
        )
    ]
    assert gardes[6:] == ["+1,4 %", "1,4185", "calculé", "+19%", "oui"]
    jura = by_cell[
        ("Enfants Caf & Msa < 3 ans", "Jura Evolution annuelle moyenne sur 3 ans (2016-2018)")
    ]
    assert jura[6:9] == ["-3,7 %", "", "chiffre de la source, non recalculable"]


def test_public_csv_masks_small_counts(reader, demo):
    response = reader.get(export_url(demo, "csv", public=True))

    assert "-public.csv" in response["Content-Disposition"]
    lines = csv_lines(response)
    secret = [
        line
        for line in lines
        if line[2] == "Nombre d'enfants de moins de 3 ans couverts par le CA taux plein"
    ]
    assert [line[6:9] for line in secret] == [["0", "0", "donnée"], ["s", "", "secret statistique"]]


def test_xlsx_has_one_sheet_per_table_with_numbers(editor, demo):
    from openpyxl import load_workbook

    response = editor.get(export_url(demo, "xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    tables = IndicatorTable.objects.filter(section__convention=demo).count()
    assert len(workbook.sheetnames) == tables + 3  # funding, every cell, checks
    assert workbook.sheetnames[-3:] == [
        "Financements Caf",
        "Toutes les cellules",
        "Contrôles de cohérence",
    ]
    population = workbook[workbook.sheetnames[0]]
    assert population["A1"].value == "Population (source : données INSEE)"
    assert population["B3"].value == 11582
    assert round(population["D3"].value, 4) == 2.5046
    assert population["D3"].number_format == '+0.00 "%";-0.00 "%";0.00 "%"'
    checks = workbook["Contrôles de cohérence"]
    assert any(row[3] == "+19%" for row in checks.iter_rows(values_only=True))


def test_public_xlsx_has_no_checks(reader, demo):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(reader.get(export_url(demo, "xlsx", public=True)).content))

    assert "Contrôles de cohérence" not in workbook.sheetnames


def test_exported_labels_never_run_as_formulas(client, convention):
    from openpyxl import load_workbook

    epci = convention.territory
    total = indicator("total")
    observe(total, epci, y2016=100)
    small_table(
        convention, [(total, {"label": '=HYPERLINK("http://x")'})], [(epci, {"year": 2016})]
    )
    member_client(client, convention, reader=True)

    lines = csv_lines(client.get(export_url(convention, "csv")))
    workbook = load_workbook(io.BytesIO(client.get(export_url(convention, "xlsx")).content))

    assert lines[1][2] == '\'=HYPERLINK("http://x")'
    cell = workbook["Tableau de test"]["A3"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_outsider_gets_404_on_the_export(client, demo, fmt):
    client.force_login(MembershipFactory().user)

    assert client.get(export_url(demo, fmt)).status_code == 404


def test_export_is_read_only(editor, demo):
    assert editor.post(export_url(demo, "csv")).status_code == 405


def test_export_queries_do_not_grow_with_the_diagnostic(
    editor, demo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(EXPORT_QUERIES):
        assert editor.get(export_url(demo, "xlsx")).status_code == 200

    add_tables(demo)

    with django_assert_max_num_queries(EXPORT_QUERIES):
        response = editor.get(export_url(demo, "csv"))
    assert "Indicateur 19" in response.content.decode()


# The annexe of the printed convention


def test_annex_is_the_diagnostic_read_only_from_h2(demo):
    diagnostic = diagnostic_context(demo)

    content = render_to_string("diagnostic/_annex.html", {"diagnostic": diagnostic, "charts": []})

    assert re.search(r"<h2[^>]*>Annexe 1 : Diagnostic partagé</h2>", content)
    headings = re.findall(r"<h([1-6])", content)
    assert headings[0] == "2" and "1" not in headings
    for text in ["hx-", "Modifier", "Ajouter", "<form", "Contrôles de cohérence"]:
        assert text not in content
    text = content.replace(NBSP, " ").replace("&nbsp;", " ")
    assert "+2,50 %" in text and "22 865 € (27 %)" in text
    assert "Enfants &lt; 3 ans gardés par une assistante maternelle" in text
    assert "+19% imprimé pour +1,4 % calculé" in text
    assert "<strong>" in content or "<p>" in content  # texts rendered with « rich »
    assert content.count("<dt") == 30


def test_public_annex_says_what_it_masks(demo):
    content = render_to_string(
        "diagnostic/_annex.html",
        {"diagnostic": diagnostic_context(demo, public=True), "charts": []},
    )

    assert "Version publique" in content
    assert '<abbr title="secret statistique">s</abbr>' in content
