"""The indicator tables computed cell by cell from the stored observations.

A value comes from an observation; a share, an evolution or a trend is computed
(``diagnostic.computations``). A figure printed in the source (``SourceFigure``) is shown
only where the data cannot give it, marked as such; where it disagrees with the computed
figure, the computed one is shown and flagged. In public output, small counts and every
figure computed from them are masked.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from .. import computations as calc
from ..models import Indicator, IndicatorTable, Observation, Section, TableColumn, TableRow
from .checks import (
    Discrepancy,
    check_missing,
    check_negative_evolutions,
    check_parts,
)

Kind = TableColumn.Kind
Unit = Indicator.Unit
KIND_HEADINGS = {
    Kind.SHARE: "Part",
    Kind.EVOLUTION: "Évolution",
    Kind.YEARLY_AVERAGE: "Évolution annuelle moyenne",
    Kind.TREND: "Tendance",
}
CAF_SOURCES = {Indicator.Source.CAF, Indicator.Source.CAF_MSA, Indicator.Source.MSA}
MASKED = object()  # a value hidden by statistical secrecy


class Origin:
    """Where the figure of a cell comes from (the flag of the exports)."""

    DATA = "donnée"
    COMPUTED = "calculé"
    SOURCE = "chiffre de la source, non recalculable"
    NOTE = "note"
    SECRET = "secret statistique"


# Cells, rows, columns, tables


@dataclass
class Cell:
    text: str = ""
    value: object = None  # the exact Decimal (or arrow); None when empty or masked
    origin: str = ""
    form: str = ""  # count, euros, ratio, percent, share, change, points, trend: for exports
    printed: str = ""  # the figure the source document prints in this cell, if any
    discrepancy: bool = False
    checked: object = None  # what a printed figure is compared with, when not ``value``

    @property
    def from_source(self):
        return self.origin == Origin.SOURCE

    @property
    def secret(self):
        return self.origin == Origin.SECRET


@dataclass
class ColumnView:
    column: TableColumn
    heading: str  # the territory, or the printed label
    detail: str  # the year, or the computation and its period

    @property
    def label(self):
        return f"{self.heading} {self.detail}".strip()


@dataclass
class RowView:
    row: TableRow
    label: str
    style: str
    cells: list


@dataclass
class TableView:
    table: IndicatorTable
    section: Section
    columns: list
    rows: list
    threshold: int = 5  # of statistical secrecy, for the footnote of masked cells
    discrepancies: list = field(default_factory=list)

    @property
    def title(self):
        return self.table.title

    @property
    def commentary(self):
        return self.table.commentary

    def any(self, attribute):
        return any(getattr(cell, attribute) for row in self.rows for cell in row.cells)

    @property
    def has_source_figures(self):
        return self.any("from_source")

    @property
    def has_secret(self):
        return self.any("secret")

    @property
    def has_discrepancies(self):
        return self.any("discrepancy")


def column_heading(column):
    """The two lines of a column header: ``("CCJN", "2016")``, ``("Jura", "Evolution
    (2011-2016)")``."""
    territory = column.territory.short_name or column.territory.name
    if column.kind == Kind.VALUE:
        return column.label or territory, str(column.year or "")
    if column.kind == Kind.SHARE:
        return territory, f"{column.label or KIND_HEADINGS[Kind.SHARE]} {column.year or ''}".strip()
    period = f" ({column.from_year}-{column.to_year})" if column.from_year else ""
    return territory, f"{column.label or KIND_HEADINGS[column.kind]}{period}"


# Values as published


@dataclass
class Secrecy:
    """Public output masks small counts (not those of the INSEE, published already) and
    may round the Caf's counts as its open data does."""

    public: bool = False
    threshold: int = 5
    rounding: bool = False

    def publish(self, indicator, value):
        if not self.public or value is None or indicator.unit != Unit.COUNT:
            return value
        if indicator.source == Indicator.Source.INSEE:
            return value
        if calc.is_secret(value, self.threshold):
            return MASKED
        if self.rounding and indicator.source in CAF_SOURCES:
            return calc.caf_open_data_round(value)
        return value


class Values:
    """The observations of the tables, read as a cell needs them; records what is missing."""

    def __init__(self, observations, secrecy):
        self.observations = observations
        self.secrecy = secrecy
        self.missing = set()  # (territory, year) asked for and not found, for one cell

    def exact(self, indicator, territory_id, year):
        found = self.observations.get((indicator.pk, territory_id, year))
        return found[0] if found else None

    def __call__(self, indicator, column, year):
        value = self.exact(indicator, column.territory_id, year)
        if value is None:
            self.missing.add((column.territory_id, year))
            return None
        return self.secrecy.publish(indicator, value)

    def raw(self, indicator, column, year):
        """The stored (value, note), exact, or (None, "")."""
        return self.observations.get((indicator.pk, column.territory_id, year), (None, ""))


def observations_for(tables):
    """Every observation the ``tables`` use, in one query, by (indicator, territory, year):
    (value, note)."""
    indicators, territories, years = set(), set(), set()
    for table in tables:
        for row in table.rows.all():
            indicators.add(row.indicator_id)
            if row.share_of_id:
                indicators.add(row.share_of_id)
        for column in table.columns.all():
            territories.add(column.territory_id)
            years.update(y for y in (column.year, column.from_year, column.to_year) if y)
    if not (indicators and territories and years):
        return {}
    rows = Observation.objects.filter(
        indicator__in=indicators, territory__in=territories, year__in=years
    ).values_list("indicator_id", "territory_id", "year", "value", "note")
    return {(i, t, y): (value, note) for i, t, y, value, note in rows}


# One cell


def format_value(value, unit, decimals=1):
    """An observation as a person reads it; ``decimals`` applies to percentages."""
    if unit == Unit.PERCENT:
        return calc.format_percent(value, decimals)
    if unit == Unit.EUROS:
        return calc.format_euros(value)
    if unit == Unit.RATIO:
        return calc.format_number(value, max(1, -Decimal(value).normalize().as_tuple().exponent))
    return calc.format_number(value)


def change_between(row, column, values, kind):
    """The evolution of ``row`` over the column's period: relative (%) or, for a rate, in
    points; over the whole period or per year."""
    first = values(row.indicator, column, column.from_year)
    last = values(row.indicator, column, column.to_year)
    if MASKED in (first, last):
        return MASKED
    years = calc.years_between(column.from_year, column.to_year)
    if row.indicator.is_rate:
        if kind == Kind.EVOLUTION:
            return calc.points_evolution(first, last)
        return calc.yearly_average_points(first, last, years)
    if kind == Kind.EVOLUTION:
        return calc.evolution(first, last)
    return calc.yearly_average_evolution(first, last, years)


def value_cell(row, column, values, decimals):
    """The observation of the column's year, its share of the row's total, or both
    (« 224, soit 16 % », the share at the precision the source's note prints it)."""
    indicator, total, year = row.indicator, row.share_of, column.year
    value = values(indicator, column, year)
    if value is None:
        note = values.raw(indicator, column, year)[1]
        if note and row.display != TableRow.Display.SHARE:
            values.missing.discard((column.territory_id, year))
            return Cell(note, origin=Origin.NOTE, form="text")
        return Cell()
    if value is MASKED:
        return secret_cell()
    if row.display == TableRow.Display.VALUE or total is None or indicator.is_rate:
        return Cell(
            format_value(value, indicator.unit, decimals), value, Origin.DATA, indicator.unit
        )
    whole = values(total, column, year)
    if whole is MASKED:
        return secret_cell()
    part = calc.share(value, whole)
    if row.display == TableRow.Display.SHARE:
        return share_cell(part, decimals)
    cell = Cell(format_value(value, indicator.unit), value, Origin.DATA, "value_and_share")
    if part is not None:
        printed = calc.parse_printed(printed_share(row, column, values))
        cell.text += f", soit {calc.format_percent(part, printed[1] if printed else decimals)}"
        cell.checked = part
    return cell


def share_cell(part, decimals):
    if part is None:
        return Cell()
    return Cell(calc.format_percent(part, decimals), part, Origin.COMPUTED, "share")


def secret_cell():
    return Cell(calc.SECRET, None, Origin.SECRET, "text")


def computed_cell(row, column, values, table, trend_kind):
    """A share, an evolution or a trend of ``row``, or an empty cell when the column does
    not apply to the row (the share of a total, of a rate)."""
    decimals = table.decimals
    if column.kind == Kind.SHARE:
        if row.share_of is None or row.indicator.is_rate:
            return None
        value = values(row.indicator, column, column.year)
        whole = values(row.share_of, column, column.year)
        if MASKED in (value, whole):
            return secret_cell()
        return share_cell(calc.share(value, whole), decimals)
    points = row.indicator.is_rate
    kind = trend_kind if column.kind == Kind.TREND else column.kind
    change = change_between(row, column, values, kind)
    if change is MASKED:
        return secret_cell()
    if change is None:
        return Cell()
    if column.kind == Kind.TREND:
        threshold = table.trend_threshold_points if points else table.trend_threshold
        if points and threshold is None:
            threshold = table.trend_threshold
        arrow = calc.trend(calc.round_half_up(change, decimals), threshold)
        return Cell(arrow, arrow, Origin.COMPUTED, "trend")
    text = calc.format_change(change, decimals, points=points)
    return Cell(text, change, Origin.COMPUTED, "points" if points else "change")


def printed_share(row, column, values):
    """The share a value-and-share note prints (« 224, soit 16 % des aides »), if any."""
    if row.display != TableRow.Display.VALUE_AND_SHARE:
        return ""
    note = values.raw(row.indicator, column, column.year)[1]
    return note if "%" in note else ""


# A table


def trend_kinds(columns):
    """For each trend column, the evolution its arrow follows: the yearly average, unless
    the table shows only the whole evolution over that period."""
    shown = {(c.territory_id, c.from_year, c.to_year, c.kind) for c in columns}
    kinds = {}
    for column in columns:
        if column.kind == Kind.TREND:
            key = (column.territory_id, column.from_year, column.to_year)
            only_whole = (*key, Kind.EVOLUTION) in shown and (
                *key,
                Kind.YEARLY_AVERAGE,
            ) not in shown
            kinds[column.pk] = Kind.EVOLUTION if only_whole else Kind.YEARLY_AVERAGE
    return kinds


def build_table(section, table, observations, secrecy, checks):
    columns = list(table.columns.all())
    views = [ColumnView(column, *column_heading(column)) for column in columns]
    kinds = trend_kinds(columns)
    values = Values(observations, secrecy)
    missing = defaultdict(list)  # (territory, year) → labels of the rows lacking it
    discrepancies = []
    rows = []
    for row in table.rows.all():
        label = str(row)
        figures = {figure.column_id: figure.text for figure in row.source_figures.all()}
        cells = []
        for view in views:
            column = view.column
            values.missing = set()
            if column.kind == Kind.VALUE:
                cell = value_cell(row, column, values, table.decimals)
                printed = figures.get(column.pk) or printed_share(row, column, values)
            else:
                cell = computed_cell(row, column, values, table, kinds.get(column.pk))
                printed = figures.get(column.pk, "")
            if cell is None:  # the column does not apply to this row
                cell = Cell(printed, origin=Origin.SOURCE, printed=printed) if printed else Cell()
                cells.append(cell)
                continue
            for key in values.missing:
                missing[key].append(label)
            if printed:
                cell = compare(cell, printed)
                if cell.discrepancy:
                    discrepancies.append(
                        Discrepancy(
                            section.title, table.title, label, view.label, printed, cell.text
                        )
                    )
            cells.append(cell)
        rows.append(RowView(row, label, row.style, cells))
    view = TableView(table, section, views, rows, secrecy.threshold, discrepancies)
    checks.discrepancies.extend(discrepancies)
    check_missing(view, missing, checks)
    check_parts(view, observations, checks)
    check_negative_evolutions(view, observations, checks)
    return view


def compare(cell, printed):
    """The cell against the figure the source prints there: the source's figure, marked,
    when the data cannot give it; the computed one, flagged, when they disagree."""
    cell.printed = printed
    if cell.secret:
        return cell
    if cell.value is None:
        return Cell(printed, origin=Origin.SOURCE, form="text", printed=printed)
    checked = cell.value if cell.checked is None else cell.checked
    cell.discrepancy = not calc.agrees(printed, checked)
    return cell
