"""The charts of a convention's diagnostic, one function per chart: each fetches its
figures, lays them out and returns a ``Chart`` (title, description computed from the data,
SVG, data table), or ``None`` when it has no data."""

from dataclasses import dataclass
from functools import partial

from conventions.models import Territory
from diagnostic.models import FundingAmount, Indicator, Observation

from .formats import (
    format_euros,
    format_evolution,
    format_number,
    format_percent,
    format_points,
    format_value,
)
from .geometry import Series, horizontal_bars, vertical_bars
from .svg import svg_markup

UNSPECIFIED_SCHEME = "Caf (dispositif non précisé)"


@dataclass
class DataTable:
    """The figures of a chart as a table: ``rows`` are (row heading, [cell texts])."""

    caption: str
    headers: list
    rows: list


@dataclass
class Chart:
    slug: str  # unique on a page: the prefix of the SVG's ids
    title: str
    description: str
    svg: str
    table: DataTable


def make_chart(drawing, *, slug, title, description, table):
    slug = f"graphique-{slug}"
    svg = svg_markup(drawing, slug=slug, title=title, description=description)
    return Chart(slug, title, description, svg, table)


def cell(value, formatter):
    return "non disponible" if value is None else formatter(value)


def texts(values, formatter):
    """The labels printed next to bars (« n.d. » where there is no figure)."""
    return ["n.d." if value is None else formatter(value) for value in values]


def plural(count, word):
    return f"{count} {word}{'s' if count > 1 else ''}"


@dataclass
class ChartData:
    """The convention's territories (the EPCI and its département) and the observations
    of some indicators on them, loaded in two queries."""

    epci: Territory
    department: Territory | None
    indicators: dict  # code → Indicator
    values: dict  # (code, territory pk, year) → Decimal

    @classmethod
    def load(cls, convention, codes):
        epci = Territory.objects.select_related("department").get(pk=convention.territory_id)
        department = epci.department
        territories = [epci] + ([department] if department else [])
        observations = Observation.objects.filter(
            indicator__code__in=codes, territory__in=territories, value__isnull=False
        ).select_related("indicator")
        indicators, values = {}, {}
        for observation in observations:
            code = observation.indicator.code
            indicators[code] = observation.indicator
            values[(code, observation.territory_id, observation.year)] = observation.value
        return cls(epci, department, indicators, values)

    @property
    def territories(self):
        return [self.epci] + ([self.department] if self.department else [])

    def value(self, code, territory, year):
        return self.values.get((code, territory.pk, year))

    def years(self, code, *territories):
        """The years where every one of ``territories`` has a value of ``code``."""
        found = [
            {y for c, t, y in self.values if c == code and t == each.pk} for each in territories
        ]
        return sorted(set.intersection(*found)) if found else []


def territory_name(territory):
    return territory.short_name or territory.name


# 1. Population by age band


@dataclass(frozen=True)
class AgeFamily:
    slug: str
    title: str
    population: str  # what the shares are shares of, in a sentence
    bands: list  # (label, count code, share code or "")


AGE_FAMILIES = [
    AgeFamily(
        "population-age",
        "Population par tranche d'âge",
        "la population",
        [
            ("0-14 ans", "pop_0_14", ""),
            ("15-29 ans", "pop_15_29", ""),
            ("30-44 ans", "pop_30_44", ""),
            ("45-59 ans", "pop_45_59", ""),
            ("60-74 ans", "pop_60_74", ""),
            ("75 ans ou plus", "pop_75_plus", ""),
        ],
    ),
    AgeFamily(
        "enfants-allocataires-age",
        "Enfants des allocataires par tranche d'âge",
        "les enfants des allocataires (0-25 ans)",
        [
            ("0-3 ans", "alloc_enf_0_3", "part_enfants_0_3"),
            ("3-6 ans", "alloc_enf_3_6", "part_enfants_3_6"),
            ("6-12 ans", "alloc_enf_6_12", "part_enfants_6_12"),
            ("12-18 ans", "alloc_enf_12_18", "part_enfants_12_18"),
            ("18-25 ans", "alloc_enf_18_25", "part_enfants_18_25"),
        ],
    ),
]


def age_codes():
    return [
        code for family in AGE_FAMILIES for _l, *codes in family.bands for code in codes if code
    ]


def age_shares(data, family, territory, year):
    """(counts, shares in %) of each band of one territory: the shares are computed from
    the counts when every band is counted (the bands make up the total), else they are
    the stored shares; ``None`` where there is no figure."""
    counts = [data.value(count, territory, year) for _label, count, _share in family.bands]
    if None not in counts and sum(counts):
        total = sum(counts)
        return counts, [count * 100 / total for count in counts]
    shares = [data.value(share, territory, year) if share else None for *_, share in family.bands]
    return counts, shares


def age_band_chart(data, family):
    """Shares of each age band, EPCI and département, in the latest year the EPCI has
    them; ``None`` when the family has no data."""
    codes = [code for _label, *codes in family.bands for code in codes if code]
    for year in sorted({y for code in codes for y in data.years(code, data.epci)}, reverse=True):
        figures = [(t, *age_shares(data, family, t, year)) for t in data.territories]
        figures = [item for item in figures if any(share is not None for share in item[2])]
        if figures and figures[0][0] == data.epci:
            break
    else:
        return None
    labels = [label for label, *_codes in family.bands]
    series = [
        Series(territory_name(t), shares, texts(shares, format_percent))
        for t, _c, shares in figures
    ]
    title = f"{family.title} ({year})"
    headers = ["Tranche d'âge"]
    for one in series:
        headers += [f"{one.label} : effectif", f"{one.label} : part"]
    rows = []
    for index, label in enumerate(labels):
        cells = []
        for _t, counts, shares in figures:
            cells += [cell(counts[index], format_number), cell(shares[index], format_percent)]
        rows.append((label, cells))
    return make_chart(
        horizontal_bars(labels, series, Indicator.Unit.PERCENT),
        slug=family.slug,
        title=title,
        description=age_description(family, year, labels, series),
        table=DataTable(f"{title} : effectifs et parts", headers, rows),
    )


def age_description(family, year, labels, series):
    epci, others = series[0], series[1:]
    share, index = max((s, i) for i, s in enumerate(epci.values) if s is not None)
    sentence = (
        f"En {year}, les {labels[index]} forment la tranche la plus nombreuse parmi "
        f"{family.population} pour {epci.label} : {format_percent(share)}"
    )
    for other in others:
        if other.values[index] is not None:
            sentence += f", contre {format_percent(other.values[index])} pour {other.label}"
    sentence += "."
    if index != 0 and epci.values[0] is not None:
        sentence += f" Les {labels[0]} en représentent {format_percent(epci.values[0])}."
    return sentence


def age_band_charts(data):
    return [chart for family in AGE_FAMILIES if (chart := age_band_chart(data, family))]


# 2. Children under 3 and childminders over time

EARLY_CHILDHOOD_CODES = ["pe_enf_moins3", "am_actives_30_11"]
MAX_YEARS = 10  # more bars would not leave room for their figures


def early_childhood_chart(data):
    """Children under 3 and active childminders on the EPCI, year by year (the last
    ``MAX_YEARS`` years)."""
    found = {code: set(data.years(code, data.epci)) for code in EARLY_CHILDHOOD_CODES}
    years = sorted(set().union(*found.values()))[-MAX_YEARS:]
    codes = [code for code in EARLY_CHILDHOOD_CODES if found[code] & set(years)]
    if not codes:
        return None
    series = []
    for code in codes:
        values = [data.value(code, data.epci, year) for year in years]
        series.append(Series(data.indicators[code].label, values, texts(values, format_number)))
    period = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    title = (
        f"Enfants de moins de 3 ans et assistantes maternelles ({territory_name(data.epci)}, "
        f"{period})"
    )
    rows = [
        (str(year), [cell(one.values[index], format_number) for one in series])
        for index, year in enumerate(years)
    ]
    return make_chart(
        vertical_bars([str(year) for year in years], series, Indicator.Unit.COUNT),
        slug="petite-enfance-evolution",
        title=title,
        description=" ".join(evolution_sentence(one, years) for one in series),
        table=DataTable(title, ["Année"] + [one.label for one in series], rows),
    )


def evolution_sentence(series, years):
    """« Enfants Caf & Msa < 3 ans : 407 en 2016, 428 en 2018 (+5,2 %). »"""
    known = [
        (year, value) for year, value in zip(years, series.values, strict=True) if value is not None
    ]
    (first_year, first), (last_year, last) = known[0], known[-1]
    if first_year == last_year:
        return f"{series.label} : {format_number(last)} en {last_year}."
    evolution = format_evolution(first, last)
    return (
        f"{series.label} : {format_number(first)} en {first_year}, {format_number(last)} "
        f"en {last_year}{f' ({evolution})' if evolution else ''}."
    )


# 3. CAF funding by structure and scheme


def funding_schemes(amounts):
    """The schemes of ``amounts``, largest total first (so that small segments end the
    bars), then ``None`` (not specified) if some amount has no scheme."""
    totals = {}
    for amount in amounts:
        totals[amount.scheme] = totals.get(amount.scheme, 0) + amount.amount
    schemes = sorted((s for s in totals if s), key=lambda scheme: (-totals[scheme], scheme.code))
    return schemes + ([None] if None in totals else [])


def funding_chart(convention):
    """The CAF's funding of each structure in the latest year, one segment per scheme."""
    amounts = list(
        FundingAmount.objects.filter(funding__convention=convention)
        .select_related("funding__structure", "scheme")
        .order_by("funding__order", "scheme__code")
    )
    if not amounts:
        return None
    year = max(amount.funding.year for amount in amounts)
    amounts = [amount for amount in amounts if amount.funding.year == year]
    schemes = funding_schemes(amounts)
    structures = list(dict.fromkeys(amount.funding.structure for amount in amounts))
    grid = {(structure.pk, scheme): None for structure in structures for scheme in schemes}
    for amount in amounts:
        key = (amount.funding.structure_id, amount.scheme)
        grid[key] = (grid[key] or 0) + amount.amount
    series = []
    for scheme in schemes:
        values = [grid[(structure.pk, scheme)] for structure in structures]
        label = str(scheme) if scheme else UNSPECIFIED_SCHEME
        series.append(Series(label, values, texts(values, format_euros)))
    totals = [sum(v for v in s if v) for s in zip(*(one.values for one in series), strict=True)]
    names = [structure.name for structure in structures]
    title = f"Financements de la Caf par structure et par dispositif ({year})"
    rows = [
        (name, [euros_or_dash(one.values[index]) for one in series] + [format_euros(total)])
        for index, (name, total) in enumerate(zip(names, totals, strict=True))
    ]
    scheme_totals = [sum(v for v in one.values if v) for one in series]
    rows.append(("Total", [format_euros(t) for t in scheme_totals] + [format_euros(sum(totals))]))
    return make_chart(
        horizontal_bars(
            names,
            series,
            Indicator.Unit.EUROS,
            stacked=True,
            totals=[format_euros(t) for t in totals],
        ),
        slug="financements-caf",
        title=title,
        description=funding_description(year, names, totals, series, scheme_totals),
        table=DataTable(title, ["Structure"] + [one.label for one in series] + ["Total"], rows),
    )


def euros_or_dash(amount):
    return "—" if amount is None else format_euros(amount)


def funding_description(year, names, totals, series, scheme_totals):
    total = sum(totals)
    sentence = (
        f"En {year}, la Caf a versé {format_euros(total)} à {plural(len(names), 'structure')}"
    )
    if total:
        share, label = max(zip(scheme_totals, (one.label for one in series), strict=True))
        sentence += (
            f", dont {format_percent(share * 100 / total, 0)} au titre du dispositif {label}"
        )
    top, name = max(zip(totals, names, strict=True), key=lambda pair: pair[0])
    return f"{sentence}. Le financement le plus élevé va à {name} ({format_euros(top)})."


# 4. EPCI and département compared

DEFAULT_COMPARISON = [
    "alloc_taux_couv",
    "alloc_part_avec_enf",
    "alloc_part_monoparents",
    "alloc_tx_act_parents_0_3",
    "pe_part_enf_moins3_bas_revenus",
    "alloc_part_rsa",
]


def comparison_chart(convention, indicator_code, year=None, *, data=None):
    """One indicator on the EPCI and its département, paired bars for ``year`` (or for
    every year both have); ``None`` without figures for both."""
    codes = [indicator_code, indicator_code.lower()]
    data = data or ChartData.load(convention, codes)
    code = next((code for code in codes if code in data.indicators), None)
    if code is None or data.department is None:
        return None
    years = data.years(code, data.epci, data.department)
    if year is not None:
        years = [y for y in years if y == year]
    if not years:
        return None
    indicator = data.indicators[code]
    formatter = partial(format_value, unit=indicator.unit)
    series = []
    for territory in data.territories:
        values = [data.value(code, territory, y) for y in years]
        series.append(Series(territory_name(territory), values, texts(values, formatter)))
    categories = [str(y) for y in years]
    period = categories[0] if len(years) == 1 else f"{categories[0]}-{categories[-1]}"
    title = f"{indicator.label} : {series[0].label} et {series[1].label} ({period})"
    rows = [
        (category, [cell(one.values[index], formatter) for one in series])
        for index, category in enumerate(categories)
    ]
    return make_chart(
        horizontal_bars(categories, series, indicator.unit),
        slug=f"comparaison-{code.replace('_', '-')}",
        title=title,
        description=comparison_description(indicator, years, series),
        table=DataTable(title, ["Année"] + [one.label for one in series], rows),
    )


def comparison_description(indicator, years, series):
    epci, department = series
    text = partial(format_value, unit=indicator.unit)
    sentence = (
        f"{indicator.label} en {years[-1]} : {text(epci.values[-1])} pour {epci.label}, "
        f"{text(department.values[-1])} pour {department.label}"
    )
    if indicator.is_rate:
        sentence += f" ({format_points(epci.values[-1] - department.values[-1])} pour {epci.label})"
    sentence += "."
    if len(years) > 1:
        sentence += (
            f" En {years[0]} : {text(epci.values[0])} pour {epci.label}, "
            f"{text(department.values[0])} pour {department.label}."
        )
    return sentence


def indicators_comparison_chart(data, codes=DEFAULT_COMPARISON):
    """Several rates on the EPCI and its département, each in the latest year both have
    it: paired bars, one pair per indicator."""
    if data.department is None:
        return None
    chosen = []
    for code in codes:
        years = data.years(code, data.epci, data.department)
        indicator = data.indicators.get(code)
        if years and indicator.unit == Indicator.Unit.PERCENT:
            chosen.append((indicator, years[-1]))
    if not chosen:
        return None
    years = sorted({year for _indicator, year in chosen})
    labels = [
        indicator.label + (f" ({year})" if len(years) > 1 else "") for indicator, year in chosen
    ]
    series = []
    for territory in data.territories:
        values = [data.value(i.code, territory, year) for i, year in chosen]
        series.append(Series(territory_name(territory), values, texts(values, format_percent)))
    epci, department = series
    period = str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
    title = f"{epci.label} et {department.label} : indicateurs clés ({period})"
    rows = [
        (label, [format_percent(one.values[index]) for one in series])
        for index, label in enumerate(labels)
    ]
    return make_chart(
        horizontal_bars(labels, series, Indicator.Unit.PERCENT),
        slug="comparaison-indicateurs",
        title=title,
        description=indicators_comparison_description(labels, epci, department),
        table=DataTable(title, ["Indicateur"] + [one.label for one in series], rows),
    )


def indicators_comparison_description(labels, epci, department):
    gaps = [a - b for a, b in zip(epci.values, department.values, strict=True)]
    above = sum(1 for gap in gaps if gap > 0)
    widest = max(range(len(gaps)), key=lambda index: abs(gaps[index]))
    return (
        f"{epci.label} est au-dessus de {department.label} pour {above} indicateur"
        f"{'s' if above > 1 else ''} sur {len(gaps)}. Écart le plus marqué : "
        f"{labels[widest][:1].lower()}{labels[widest][1:]}, {format_percent(epci.values[widest])} "
        f"contre {format_percent(department.values[widest])} ({format_points(gaps[widest])})."
    )


# Charts without data, and how to get it


@dataclass(frozen=True)
class MissingChart:
    """A chart the diagnostic lacks the data of, and how to bring that data in."""

    slug: str
    title: str
    how: str
    source: str = ""  # the import format that brings the data (diagnostic.importers.SOURCES)


EXPECTED_CHARTS = [
    MissingChart(
        "graphique-population-age",
        "Population par tranche d'âge",
        "Importez le fichier de l'Insee (comparateur de territoires ou dossier complet) de "
        "l'EPCI et de son département, avec les colonnes des tranches d'âge P21_POP0014, "
        "P21_POP1529, P21_POP3044, P21_POP4559, P21_POP6074 et P21_POP75P (ou P21_POP7589 et "
        "P21_POP90P) ; l'année du recensement est lue dans le préfixe (P21 : 2021).",
        "insee",
    ),
    MissingChart(
        "graphique-enfants-allocataires-age",
        "Enfants des allocataires par tranche d'âge",
        "Importez au format long les effectifs alloc_enf_0_3, alloc_enf_3_6, alloc_enf_6_12, "
        "alloc_enf_12_18 et alloc_enf_18_25 de l'EPCI (données Caf).",
        "long",
    ),
    MissingChart(
        "graphique-petite-enfance-evolution",
        "Enfants de moins de 3 ans et assistantes maternelles",
        "Importez au format long, année par année, les indicateurs pe_enf_moins3 et "
        "am_actives_30_11 de l'EPCI.",
        "long",
    ),
    MissingChart(
        "graphique-financements-caf",
        "Financements de la Caf par structure et par dispositif",
        "Saisissez les financements de la Caf par structure dans la section des aides au "
        "fonctionnement du diagnostic.",
    ),
    MissingChart(
        "graphique-comparaison-indicateurs",
        "Indicateurs clés de l'EPCI et du département",
        "Importez pour l'EPCI et pour son département, la même année, au moins un des taux "
        f"{', '.join(DEFAULT_COMPARISON)} (format long ; alloc_part_rsa vient aussi d'un "
        "fichier Cafdata).",
        "long",
    ),
]


def missing_charts(charts):
    """The charts of ``EXPECTED_CHARTS`` missing from ``charts`` (no data)."""
    drawn = {chart.slug for chart in charts}
    return [chart for chart in EXPECTED_CHARTS if chart.slug not in drawn]


# All of them


def diagnostic_charts(convention):
    """Every chart of the convention's diagnostic that has data, in three queries."""
    data = ChartData.load(
        convention, age_codes() + EARLY_CHILDHOOD_CODES + list(DEFAULT_COMPARISON)
    )
    charts = [
        *age_band_charts(data),
        early_childhood_chart(data),
        funding_chart(convention),
        indicators_comparison_chart(data),
    ]
    return [chart for chart in charts if chart is not None]
