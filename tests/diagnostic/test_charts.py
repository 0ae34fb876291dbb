"""The diagnostic's SVG charts: geometry, SVG safety, French figures, the Jura Nord demo
data, and a query count that does not grow with the data."""

import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML

from conventions.models import Convention, Territory
from diagnostic import importers
from diagnostic.charts import comparison_chart, diagnostic_charts, missing_charts
from diagnostic.charts.figures import funding_chart
from diagnostic.charts.formats import (
    format_euros,
    format_evolution,
    format_number,
    format_percent,
    format_points,
)
from diagnostic.charts.geometry import (
    Drawing,
    Scale,
    Series,
    Text,
    horizontal_bars,
    nice_ticks,
    tick_decimals,
    vertical_bars,
    wrap,
)
from diagnostic.charts.svg import FONT, svg_markup
from diagnostic.importers.mappings import INSEE_VARIABLES
from diagnostic.models import (
    FundingAmount,
    FundingScheme,
    Indicator,
    Observation,
    Structure,
    StructureFunding,
)
from tests.factories import ConventionFactory, TerritoryFactory

NBSP = "\u00a0"
SVG = "{http://www.w3.org/2000/svg}"
ALLOWED_ELEMENTS = {
    "svg",
    "title",
    "desc",
    "defs",
    "pattern",
    "rect",
    "path",
    "circle",
    "line",
    "text",
}
COUNT = Indicator.Unit.COUNT
D = Decimal


def read(text):
    """A figure as a person reads it: non-breaking spaces as spaces."""
    return text.replace(NBSP, " ")


def parse(svg):
    return ET.fromstring(svg)


def local_names(root):
    return {element.tag.removeprefix(SVG) for element in root.iter()}


def bars(drawing):
    """The bars of a drawing, without the legend's swatches (14 × 14 at the top)."""
    return [rect for rect in drawing.rects if (rect.width, rect.height) != (14, 14)]


def series(label, *values):
    values = [D(value) if value is not None else None for value in values]
    return Series(label, values, ["n.d." if value is None else str(value) for value in values])


# Geometry


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 428, [0, 100, 200, 300, 400, 500]),
        (0, D("72.9"), [0, 20, 40, 60, 80]),
        (0, 272250, [0, 100000, 200000, 300000]),
        (D("-7.3"), D("5.2"), [D("-7.5"), -5, D("-2.5"), 0, D("2.5"), 5, D("7.5")]),
        (0, D("0.37"), [0, D("0.1"), D("0.2"), D("0.3"), D("0.4")]),
        (3, 9, [0, 2, 4, 6, 8, 10]),  # bars start at 0: the ticks always include it
        (0, 0, [0, D("0.2"), D("0.4"), D("0.6"), D("0.8"), 1]),
    ],
)
def test_ticks_are_round_values_that_cover_the_data_and_zero(low, high, expected):
    assert nice_ticks(low, high) == expected


def test_ticks_print_the_decimals_their_step_needs():
    assert tick_decimals(nice_ticks(0, 428)) == 0
    assert tick_decimals(nice_ticks(-7, 5)) == 1
    assert tick_decimals(nice_ticks(0, D("0.37"))) == 1


def test_a_scale_maps_values_linearly():
    scale = Scale(D(0), D(500), 100, 600)

    assert scale(0) == 100
    assert scale(250) == 350
    assert scale(500) == 600


def test_bar_lengths_are_proportional_to_the_values():
    drawing = horizontal_bars(["a", "b", "c"], [series("S", 10, 30, 45)], COUNT)

    short, long, longest = bars(drawing)
    assert long.width == pytest.approx(3 * short.width)
    assert longest.width == pytest.approx(4.5 * short.width)
    assert short.x == long.x == longest.x


def test_grouped_bars_of_a_category_sit_side_by_side():
    drawing = horizontal_bars(["a"], [series("EPCI", 20), series("Dépt", 10)], COUNT)

    epci, department = bars(drawing)
    assert department.y > epci.y
    assert epci.width == pytest.approx(2 * department.width)
    assert (epci.style, department.style) == (0, 1)


def test_negative_values_extend_left_of_zero():
    drawing = horizontal_bars(["baisse", "hausse"], [series("S", -6, 12)], COUNT)

    down, up = bars(drawing)
    zero = up.x
    assert down.x + down.width == pytest.approx(zero)
    assert down.width == pytest.approx(up.width / 2)
    labels = {text.text: text for text in drawing.texts}
    assert labels["-6"].anchor == "end" and labels["-6"].x < down.x
    assert labels["-10"].x < down.x  # the axis reaches below the lowest value


def test_stacked_segments_follow_each_other_and_print_the_total():
    drawing = horizontal_bars(
        ["structure"], [series("CEJ", 10), series("PSU", 20)], COUNT, stacked=True, totals=["30"]
    )

    first, second = bars(drawing)
    assert second.x == pytest.approx(first.x + first.width)
    assert second.width == pytest.approx(2 * first.width)
    total = next(text for text in drawing.texts if text.text == "30")
    assert total.x > second.x + second.width


def test_vertical_bars_rise_from_the_axis_in_proportion():
    drawing = vertical_bars(["2016", "2017"], [series("Enfants", 200, 400)], COUNT)

    first, second = bars(drawing)
    assert second.height == pytest.approx(2 * first.height)
    assert first.y + first.height == pytest.approx(second.y + second.height)


def test_a_missing_value_draws_no_bar():
    drawing = horizontal_bars(["a", "b"], [series("S", 10, None)], COUNT)

    assert len(bars(drawing)) == 1
    assert "n.d." in [text.text for text in drawing.texts]


def test_long_labels_are_wrapped_and_cut():
    label = "Taux d'activité des parents avec enfants de moins de 3 ans"

    assert wrap(label) == ["Taux d'activité des parents", "avec enfants de moins de 3 ans"]
    lines = wrap("mot " * 40)
    assert len(lines) == 3 and lines[-1].endswith("…")


# SVG


def test_svg_is_labelled_by_its_title_and_description():
    drawing = Drawing(100, 50, texts=[Text(10, 20, "11 582")])

    root = parse(svg_markup(drawing, slug="graphique-test", title="Titre", description="Desc"))

    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 100 50"
    assert root.get("aria-labelledby") == "graphique-test-titre graphique-test-description"
    assert root.find(f"{SVG}title").get("id") == "graphique-test-titre"
    assert root.find(f"{SVG}title").text == "Titre"
    assert root.find(f"{SVG}desc").get("id") == "graphique-test-description"
    assert all(text.get("font-family") == FONT for text in root.iter(f"{SVG}text"))


@pytest.mark.parametrize(
    "hostile", ["<script>alert(1)</script>", '"><image href="http://x">', "a\x00b\x1fc & d"]
)
def test_text_in_the_svg_is_escaped_and_creates_no_element(hostile):
    drawing = Drawing(100, 50, texts=[Text(10, 20, hostile)])

    svg = svg_markup(drawing, slug="graphique-test", title=hostile, description=hostile)

    root = parse(svg)
    assert local_names(root) <= ALLOWED_ELEMENTS
    assert "<script" not in svg and "<image" not in svg
    assert not any("href" in name for element in root.iter() for name in element.attrib)
    assert root.find(f"{SVG}text").text == hostile.replace("\x00", "").replace("\x1f", "")


def test_hostile_structure_names_are_escaped_in_the_funding_chart(db):
    convention = ConventionFactory()
    scheme = FundingScheme.objects.get_or_create(code="cej", defaults={"label": "CEJ"})[0]
    for order, name in enumerate(["<script>alert(1)</script>", '"><image href="http://x">']):
        structure = Structure.objects.create(
            convention=convention, key=f"s{order}", name=name, kind=Structure.Kind.RAM
        )
        funding = StructureFunding.objects.create(
            convention=convention, order=order, structure=structure, label=name, year=2018
        )
        FundingAmount.objects.create(funding=funding, scheme=scheme, amount=1000 * (order + 1))

    chart = funding_chart(convention)

    root = parse(chart.svg)
    assert local_names(root) <= ALLOWED_ELEMENTS
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in chart.svg
    assert '"&gt;&lt;image href="http://x"&gt;' in chart.svg
    assert not any("href" in name for element in root.iter() for name in element.attrib)
    page = render_to_string("diagnostic/_charts.html", {"charts": [chart]})
    assert "<script>" not in page and "<image" not in page


# French figures


def test_figures_are_formatted_the_french_way():
    assert format_number(D("11582.0000")) == f"11{NBSP}582"
    assert format_number(D("-0.04"), 1) == "0,0"
    assert format_percent(D("2.5")) == f"2,5{NBSP}%"
    assert format_euros(D("22865.00")) == f"22{NBSP}865{NBSP}€"
    assert format_euros(D("3.08")) == f"3,08{NBSP}€"
    assert format_evolution(407, 428) == f"+5,2{NBSP}%"
    assert format_evolution(109, 101) == f"-7,3{NBSP}%"
    assert format_points(D("6.7")) == f"+6,7{NBSP}points"


# The Jura Nord demo data


@pytest.fixture
def charts(demo):
    return {chart.slug: chart for chart in diagnostic_charts(demo)}


def test_jura_nord_has_its_charts(charts):
    assert list(charts) == [
        "graphique-enfants-allocataires-age",
        "graphique-petite-enfance-evolution",
        "graphique-financements-caf",
        "graphique-comparaison-indicateurs",
    ]


def test_children_under_3_and_childminders_by_year(charts):
    chart = charts["graphique-petite-enfance-evolution"]

    assert chart.title == "Enfants de moins de 3 ans et assistantes maternelles (CCJN, 2016-2018)"
    assert chart.table.rows == [
        ("2016", ["407", "109"]),
        ("2017", ["425", "109"]),
        ("2018", ["428", "101"]),
    ]
    assert read(chart.description) == (
        "Enfants Caf & Msa < 3 ans : 407 en 2016, 428 en 2018 (+5,2 %). Assistantes maternelles "
        "agréées en activité au 30/11 : 109 en 2016, 101 en 2018 (-7,3 %)."
    )
    texts = [text.text for text in parse(chart.svg).iter(f"{SVG}text")]
    assert {"407", "425", "428", "109", "101", "2016", "2017", "2018"} <= set(texts)


def test_children_of_beneficiaries_by_age_band_with_shares_computed_from_counts(charts):
    chart = charts["graphique-enfants-allocataires-age"]

    assert chart.title == "Enfants des allocataires par tranche d'âge (2018)"
    rows = {heading: [read(cell) for cell in cells] for heading, cells in chart.table.rows}
    assert rows["0-3 ans"] == ["420", "16,1 %", "6 392", "13,5 %"]
    assert rows["6-12 ans"] == ["880", "33,6 %", "15 594", "33,0 %"]
    assert read(chart.description).startswith(
        "En 2018, les 6-12 ans forment la tranche la plus nombreuse parmi les enfants des "
        "allocataires (0-25 ans) pour CCJN : 33,6 %, contre 33,0 % pour Jura."
    )


def test_caf_funding_by_structure_and_scheme(charts):
    chart = charts["graphique-financements-caf"]

    assert chart.table.headers == [
        "Structure",
        "PSU-PSO",
        "CEJ",
        "FILAJ",
        "Caf (dispositif non précisé)",
        "Total",
    ]
    rows = {heading: [read(cell) for cell in cells] for heading, cells in chart.table.rows}
    assert rows["RAM Jura Nord"] == ["38 493 €", "22 865 €", "—", "—", "61 358 €"]
    assert rows["Coordination enfance jeunesse"] == ["—", "—", "—", "32 303 €", "32 303 €"]
    assert rows["Total"][-1] == "729 588 €"
    assert read(chart.description) == (
        "En 2018, la Caf a versé 729 588 € à 12 structures, dont 51 % au titre du dispositif "
        "PSU-PSO. Le financement le plus élevé va à Multi-accueil Fraisans (272 250 €)."
    )


def test_epci_and_departement_compared_on_key_rates(charts):
    chart = charts["graphique-comparaison-indicateurs"]

    assert chart.title == "CCJN et Jura : indicateurs clés (2018)"
    rows = {heading: [read(cell) for cell in cells] for heading, cells in chart.table.rows}
    assert rows["Taux de couverture"] == ["48,0 %", "41,3 %"]
    assert rows["Part des allocataires avec enfant(s)"] == ["72,9 %", "57,2 %"]
    assert "Écart le plus marqué : part des allocataires avec enfant(s)" in chart.description
    assert read(chart.description).endswith("72,9 % contre 57,2 % (+15,7 points).")


def test_comparison_chart_for_a_chosen_indicator_and_year(demo):
    chart = comparison_chart(demo, "ALLOC_TAUX_COUV", 2018)

    assert chart.title == "Taux de couverture : CCJN et Jura (2018)"
    assert [(h, [read(c) for c in cells]) for h, cells in chart.table.rows] == [
        ("2018", ["48,0 %", "41,3 %"])
    ]
    assert read(chart.description) == (
        "Taux de couverture en 2018 : 48,0 % pour CCJN, 41,3 % pour Jura (+6,7 points pour CCJN)."
    )


def test_comparison_chart_without_a_year_shows_every_common_year(demo):
    chart = comparison_chart(demo, "pop_total")

    assert [heading for heading, _cells in chart.table.rows] == ["2011", "2016"]
    assert read(chart.table.rows[1][1][0]) == "11 582"


def test_no_comparison_chart_without_figures(demo):
    assert comparison_chart(demo, "alloc_taux_couv", 1990) is None
    assert comparison_chart(demo, "no_such_indicator") is None


def test_every_chart_is_safe_well_formed_svg(charts):
    for chart in charts.values():
        root = parse(chart.svg)
        assert root.tag == f"{SVG}svg"
        assert root.get("role") == "img" and root.get("viewBox")
        title_id, description_id = root.get("aria-labelledby").split()
        assert root.find(f"{SVG}title").get("id") == title_id
        assert root.find(f"{SVG}desc").get("id") == description_id
        assert root.find(f"{SVG}desc").text == chart.description
        assert local_names(root) <= ALLOWED_ELEMENTS
        assert "<script" not in chart.svg and "href" not in chart.svg
        assert all(text.get("font-family") == FONT for text in root.iter(f"{SVG}text"))


def test_the_partial_shows_each_chart_with_its_description_and_data_table(charts):
    page = render_to_string("diagnostic/_charts.html", {"charts": list(charts.values())})

    assert page.count("<figure") == 4
    assert page.count("<svg") == 4
    assert page.count("<caption") == 4
    assert '<th scope="row" class="fw-normal">RAM Jura Nord</th>' in page
    assert "<h4" in page and "Financements de la Caf par structure et par dispositif (2018)" in page


def test_the_partial_shows_nothing_without_charts():
    assert render_to_string("diagnostic/_charts.html", {"charts": []}).strip() == ""


# No data, no chart


def test_a_convention_without_data_has_no_chart(db):
    assert diagnostic_charts(ConventionFactory()) == []


def indicator(code, unit=COUNT):
    return Indicator.objects.get_or_create(
        code=code,
        defaults={
            "label": code,
            "unit": unit,
            "source": Indicator.Source.INSEE,
            "theme": Indicator.Theme.POPULATION,
        },
    )[0]


@pytest.fixture
def territories(db):
    department = TerritoryFactory(kind=Territory.Kind.DEPARTEMENT, code="99", name="Dépt")
    epci = TerritoryFactory(short_name="CCX", department=department)
    return epci, department


INSEE_BANDS = ["pop_0_14", "pop_15_29", "pop_30_44", "pop_45_59", "pop_60_74", "pop_75_plus"]


def test_insee_age_bands_give_shares_of_the_population(territories):
    epci, department = territories
    for code, value in zip(INSEE_BANDS, [200, 100, 300, 200, 100, 100], strict=True):
        Observation.objects.create(
            indicator=indicator(code), territory=epci, year=2021, value=value
        )

    (chart,) = diagnostic_charts(ConventionFactory(territory=epci))

    assert chart.title == "Population par tranche d'âge (2021)"
    assert chart.table.headers == ["Tranche d'âge", "CCX : effectif", "CCX : part"]
    assert [read(cells[1]) for _heading, cells in chart.table.rows] == [
        "20,0 %",
        "10,0 %",
        "30,0 %",
        "20,0 %",
        "10,0 %",
        "10,0 %",
    ]


def test_an_incomplete_family_of_counts_without_shares_has_no_chart(territories):
    epci, _department = territories
    for code in INSEE_BANDS[:4]:
        Observation.objects.create(indicator=indicator(code), territory=epci, year=2021, value=10)

    assert diagnostic_charts(ConventionFactory(territory=epci)) == []


def test_childminders_alone_still_give_the_early_childhood_chart(territories):
    epci, _department = territories
    Observation.objects.create(
        indicator=indicator("am_actives_30_11"), territory=epci, year=2020, value=12
    )

    (chart,) = diagnostic_charts(ConventionFactory(territory=epci))

    assert chart.slug == "graphique-petite-enfance-evolution"
    assert chart.table.rows == [("2020", ["12"])]


def test_the_early_childhood_chart_shows_the_last_ten_years(territories):
    epci, _department = territories
    Observation.objects.create(
        indicator=indicator("pe_enf_moins3"), territory=epci, year=1990, value=50
    )
    for year in range(2011, 2021):
        Observation.objects.create(
            indicator=indicator("am_actives_30_11"), territory=epci, year=year, value=year - 2000
        )

    (chart,) = diagnostic_charts(ConventionFactory(territory=epci))

    assert chart.table.headers == ["Année", indicator("am_actives_30_11").label]
    assert chart.title.endswith("(CCX, 2011-2020)")


# Queries


CHART_QUERIES = 3


def test_charts_use_a_fixed_number_of_queries_whatever_the_data(
    demo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(CHART_QUERIES):
        diagnostic_charts(demo)
    schemes = list(FundingScheme.objects.all())
    for order in range(100, 140):
        structure = Structure.objects.create(
            convention=demo,
            key=f"extra-{order}",
            name=f"Structure {order}",
            kind=Structure.Kind.MAM,
        )
        funding = StructureFunding.objects.create(
            convention=demo, order=order, structure=structure, label=structure.name, year=2018
        )
        FundingAmount.objects.bulk_create(
            FundingAmount(funding=funding, scheme=scheme, amount=order) for scheme in schemes
        )
    epci = demo.territory
    for code in ["pe_enf_moins3", "am_actives_30_11", "alloc_taux_couv"]:
        Observation.objects.bulk_create(
            Observation(indicator=indicator(code), territory=epci, year=year, value=year - 1900)
            for year in range(1980, 2016)
        )

    with django_assert_max_num_queries(CHART_QUERIES):
        charts = {chart.slug: chart for chart in diagnostic_charts(demo)}

    assert len(charts["graphique-financements-caf"].table.rows) == 12 + 40 + 1
    years = charts["graphique-petite-enfance-evolution"].table.rows
    assert [year for year, _cells in years] == [str(year) for year in range(2009, 2019)]


def test_the_pdf_engine_draws_the_charts_without_a_warning(charts, caplog):
    page = render_to_string("diagnostic/_charts.html", {"charts": list(charts.values())})

    with caplog.at_level("WARNING", logger="weasyprint"):
        pdf = HTML(
            string=f'<html lang="fr"><meta charset="utf-8"><body>{page}</body></html>'
        ).write_pdf()

    assert pdf.startswith(b"%PDF")
    assert [record.getMessage() for record in caplog.records] == []


# Age bands: from an INSEE file for Jura Nord, invented for the Coteaux demo


AGE_CHART = "graphique-population-age"


def test_jura_nord_lacks_the_population_chart_and_says_how_to_get_its_data(charts):
    assert AGE_CHART not in charts  # the seed prints no age band

    (missing,) = [m for m in missing_charts(charts.values()) if m.slug == AGE_CHART]

    assert missing.title == "Population par tranche d'âge"
    assert "P21_POP0014" in missing.how and "P21_POP75P" in missing.how
    assert missing.source == "insee"


def age_rows(convention):
    charts = {chart.slug: chart for chart in diagnostic_charts(convention)}
    return charts[AGE_CHART].table.rows


def test_importing_an_insee_file_draws_the_population_chart_for_jura_nord(demo):
    sample = Path(__file__).parent / "samples" / "insee_comparateur_2021.csv"
    rows = importers.read_file(content=sample.read_bytes(), filename=sample.name)

    plan = importers.import_observations(
        source="insee", rows=rows, scope=importers.scope_of(convention=demo)
    )
    own = {heading: [read(cell) for cell in cells] for heading, cells in age_rows(demo)}
    # The département's figures come through the back-office (no scope).
    rows = importers.read_file(content=sample.read_bytes(), filename=sample.name)
    importers.import_observations(source="insee", rows=rows)

    assert plan.written
    assert own["0-14 ans"][:2] == ["2 300", "19,2 %"]
    charts = {chart.slug: chart for chart in diagnostic_charts(demo)}
    chart = charts[AGE_CHART]
    assert chart.title == "Population par tranche d'âge (2021)"
    rows = {heading: [read(cell) for cell in cells] for heading, cells in chart.table.rows}
    assert rows["0-14 ans"] == ["2 300", "19,2 %", "43 000", "16,6 %"]
    assert rows["75 ans ou plus"] == ["1 100", "9,2 %", "29 000", "11,2 %"]
    assert AGE_CHART not in {m.slug for m in missing_charts(charts.values())}


def test_the_dossier_complet_bands_75_89_and_90_plus_make_the_last_band(demo):
    lines = list(
        enumerate(
            [
                ["CODGEO", "LIBGEO", "P20_POP0014", "P20_POP1529", "P20_POP3044",
                 "P20_POP4559", "P20_POP6074", "P20_POP7589", "P20_POP90P"],
                ["243900560", "CC Jura Nord", "2250.5", "1690", "2380", "2510", "1990",
                 "1010", "95,5"],
            ],
            start=1,
        )
    )  # fmt: skip

    plan = importers.import_observations(source="insee", rows=lines)

    assert plan.written
    chart = {chart.slug: chart for chart in diagnostic_charts(demo)}[AGE_CHART]
    assert chart.title == "Population par tranche d'âge (2020)"
    assert read(chart.table.rows[-1][1][0]) == "1 106"  # 1 010 + 95,5
    assert (
        "Population de 75 ans ou plus (2020) : somme des colonnes P20_POP7589 et P20_POP90P."
        in plan.all_remarks()
    )


def test_coteaux_demo_shows_the_population_chart_from_its_invented_age_bands(demo_db, db):
    coteaux = Convention.objects.get(territory__code="FICT-CCC")
    assert coteaux.is_demo

    charts = {chart.slug: chart for chart in diagnostic_charts(coteaux)}

    chart = charts[AGE_CHART]
    assert chart.title == "Population par tranche d'âge (2021)"
    assert chart.table.headers == [
        "Tranche d'âge",
        "CC des Coteaux : effectif",
        "CC des Coteaux : part",
    ]
    assert [read(cells[1]) for _heading, cells in chart.table.rows] == [
        "16,3 %", "12,7 %", "17,1 %", "21,0 %", "20,6 %", "12,3 %"
    ]  # fmt: skip


def test_no_age_band_is_invented_for_a_real_territory(demo_db, db):
    bands = Observation.objects.filter(indicator__code__in=INSEE_BANDS)

    assert bands.exists()
    assert set(bands.values_list("territory__code", flat=True)) == {"FICT-CCC"}


def test_the_demo_age_bands_are_the_indicators_an_insee_file_creates():
    path = Path(settings.BASE_DIR) / "fixtures" / "coteaux" / "tables.yaml"
    indicators = yaml.safe_load(path.read_text(encoding="utf-8"))["indicators"]
    specs = {spec.code: spec for _prefix, spec in INSEE_VARIABLES.values()}

    assert [item["code"].lower() for item in indicators] == INSEE_BANDS
    for item in indicators:
        assert {**item, "code": item["code"].lower()} == specs[item["code"].lower()]._asdict()
