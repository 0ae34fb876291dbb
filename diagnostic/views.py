"""The "Diagnostic" tab: annexe 1 as stored, sections in order with their indicator tables
and blocks (offer of services, spending, funding, glossary, problématiques).

Everything is loaded in a fixed number of queries: the sections and blocks are prefetched
on the convention, and the observations of every table come from one query. Computed
columns (shares, evolutions, trends) show the figure printed in the source for now.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import render
from django.utils.formats import number_format
from django.views.decorators.http import require_safe

from actions.models import Action
from conventions.access import convention_view, workspace

from .models import (
    FundingAmount,
    Indicator,
    IndicatorTable,
    Observation,
    Problematique,
    Section,
    SpendingLine,
    Structure,
    StructureFunding,
    TableColumn,
    TableRow,
)

NBSP = "\u00a0"
Kind = TableColumn.Kind
KIND_HEADINGS = {
    Kind.SHARE: "Part",
    Kind.EVOLUTION: "Évolution",
    Kind.YEARLY_AVERAGE: "Évolution annuelle moyenne",
    Kind.TREND: "Tendance",
}


# Formats


def format_number(value, decimals=None):
    """French format: ``11 582``, ``2,5``; ``decimals=None`` keeps the significant ones."""
    value = Decimal(value)
    if decimals is None:
        decimals = max(0, -value.normalize().as_tuple().exponent)
    return number_format(value, decimals, use_l10n=True, force_grouping=True)


def format_euros(value):
    decimals = 0 if value == value.to_integral_value() else 2
    return f"{format_number(value, decimals)}{NBSP}€"


def format_value(value, unit, decimals=1):
    """An observation as a person reads it; ``decimals`` applies to percentages."""
    if unit == Indicator.Unit.PERCENT:
        return f"{format_number(value, decimals)}{NBSP}%"
    if unit == Indicator.Unit.EUROS:
        return format_euros(value)
    if unit == Indicator.Unit.RATIO:
        return format_number(value, max(1, -value.normalize().as_tuple().exponent))
    return format_number(value)


def format_rate(rate):
    """A share of a budget as a whole percentage: 22 865 / 83 473 → ``27 %``."""
    return f"{(rate * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}{NBSP}%"


# Indicator tables


@dataclass
class Cell:
    text: str = ""
    printed: bool = False  # the figure printed in the source, not computed yet


@dataclass
class TableDisplay:
    table: IndicatorTable
    headings: list  # one (territory or label, detail) per column
    rows: list  # one (TableRow, [Cell]) per row
    has_printed: bool


def column_heading(column):
    """The two lines of a column header: ``("CCJN", "2016")``, ``("Jura", "Évolution
    (2011-2016)")``."""
    territory = column.territory.short_name or column.territory.name
    if column.kind == Kind.VALUE:
        return column.label or territory, str(column.year or "")
    if column.kind == Kind.SHARE:
        return territory, f"{column.label or KIND_HEADINGS[Kind.SHARE]} {column.year or ''}"
    period = f" ({column.from_year}-{column.to_year})" if column.from_year else ""
    return territory, f"{column.label or KIND_HEADINGS[column.kind]}{period}"


def value_cell(row, observation, printed, decimals):
    if row.display == TableRow.Display.SHARE or observation is None:
        return Cell(printed.text, printed=True) if printed else Cell()
    if observation.value is None:
        return Cell(observation.note)
    if row.display == TableRow.Display.VALUE_AND_SHARE and observation.note:
        return Cell(observation.note)  # as printed: « 224, soit 16 % des aides »
    return Cell(format_value(observation.value, row.indicator.unit, decimals))


def table_display(table, observations):
    columns = list(table.columns.all())
    rows = []
    for row in table.rows.all():
        printed = {figure.column_id: figure for figure in row.source_figures.all()}
        cells = []
        for column in columns:
            if column.kind == Kind.VALUE:
                observation = observations.get((row.indicator_id, column.territory_id, column.year))
                figure = printed.get(column.pk)
                cells.append(value_cell(row, observation, figure, table.decimals))
            elif column.pk in printed:
                cells.append(Cell(printed[column.pk].text, printed=True))
            else:
                cells.append(Cell())
        rows.append((row, cells))
    has_printed = any(cell.printed for _row, cells in rows for cell in cells)
    return TableDisplay(table, [column_heading(c) for c in columns], rows, has_printed)


def observations_for(tables):
    """The observations the value columns of ``tables`` show, in one query, indexed by
    (indicator, territory, year)."""
    indicators, territories, years = set(), set(), set()
    for table in tables:
        indicators.update(row.indicator_id for row in table.rows.all())
        for column in table.columns.all():
            if column.kind == Kind.VALUE:
                territories.add(column.territory_id)
                years.add(column.year)
    if not (indicators and territories and years):
        return {}
    observations = Observation.objects.filter(
        indicator__in=indicators, territory__in=territories, year__in=years
    ).only("indicator_id", "territory_id", "year", "value", "note")
    return {(o.indicator_id, o.territory_id, o.year): o for o in observations}


# Blocks


@dataclass
class FundingRow:
    cells: list  # one text per scheme column


@dataclass
class Blocks:
    """What the sections with a block show, shared by all of them."""

    structures: list
    spending_lines: list
    fundings: list
    schemes: list  # the funding columns: FundingScheme, or None for "not specified"
    glossary: list
    problematiques: list
    present: set  # the blocks some section shows

    def missing(self, can_edit):
        """The blocks no section shows, that have content or can be filled in."""
        contents = {
            Section.Block.STRUCTURES: self.structures,
            Section.Block.SPENDING: self.spending_lines,
            Section.Block.FUNDING: self.fundings,
            Section.Block.GLOSSARY: self.glossary,
            Section.Block.PROBLEMATIQUES: self.problematiques,
        }
        editable = {block for block in contents if block != Section.Block.SPENDING}
        return [
            (block, Section.Block(block).label)
            for block, items in contents.items()
            if block not in self.present and (items or (can_edit and block in editable))
        ]


def amount_text(amount):
    rate = amount.rate
    text = format_euros(amount.amount)
    return f"{text} ({format_rate(rate)})" if rate is not None else text


def funding_columns(fundings):
    """The columns of the funding table: the schemes present in the fundings, by code,
    then ``None`` ("not specified") if some amount has no scheme."""
    amounts = [amount for funding in fundings for amount in funding.amounts.all()]
    schemes = sorted({a.scheme for a in amounts if a.scheme}, key=lambda scheme: scheme.code)
    if any(amount.scheme is None for amount in amounts):
        schemes.append(None)
    return schemes


def attach_funding_cells(fundings, schemes):
    """Give each funding a ``display``: one text per column, « 22 865 € (27 %) »."""
    for funding in fundings:
        texts = {scheme: [] for scheme in schemes}
        for amount in funding.amounts.all():
            texts[amount.scheme].append(amount_text(amount))
        funding.display = FundingRow(["; ".join(texts[scheme]) for scheme in schemes])


# The tab


@dataclass
class SectionDisplay:
    tables: list  # TableDisplay
    blocks: Blocks


def diagnostic_prefetches():
    return [
        Prefetch("diagnostic_sections", queryset=Section.objects.order_by("order")),
        Prefetch("diagnostic_sections__tables", queryset=IndicatorTable.objects.order_by("order")),
        Prefetch(
            "diagnostic_sections__tables__columns",
            queryset=TableColumn.objects.select_related("territory").order_by("order"),
        ),
        Prefetch(
            "diagnostic_sections__tables__rows",
            queryset=TableRow.objects.select_related("indicator").order_by("order"),
        ),
        "diagnostic_sections__tables__rows__source_figures",
        Prefetch("structures", queryset=Structure.objects.select_related("field", "commune")),
        Prefetch("spending_lines", queryset=SpendingLine.objects.select_related("field")),
        Prefetch(
            "structure_fundings",
            queryset=StructureFunding.objects.select_related("structure").order_by("order"),
        ),
        Prefetch(
            "structure_fundings__amounts", queryset=FundingAmount.objects.select_related("scheme")
        ),
        "glossary",
        Prefetch(
            "problematiques",
            queryset=Problematique.objects.select_related("field").order_by("order"),
        ),
        Prefetch("problematiques__actions", queryset=Action.objects.only("pk", "name")),
    ]


def load_diagnostic(convention):
    """The sections of ``convention``, each with a ``display`` (its tables as cells and the
    blocks), and the blocks; each funding gets a ``display`` too.

    A section or funding row rendered alone (the answer to an inline edit) has no
    ``display``: its template then reloads it from this tab (``hx-trigger="load"``).
    """
    prefetch_related_objects([convention], *diagnostic_prefetches())
    sections = list(convention.diagnostic_sections.all())
    fundings = list(convention.structure_fundings.all())
    blocks = Blocks(
        structures=list(convention.structures.all()),
        spending_lines=list(convention.spending_lines.all()),
        fundings=fundings,
        schemes=funding_columns(fundings),
        glossary=list(convention.glossary.all()),
        problematiques=list(convention.problematiques.all()),
        present={section.block for section in sections if section.block},
    )
    attach_funding_cells(fundings, blocks.schemes)
    tables = [table for section in sections for table in section.tables.all()]
    observations = observations_for(tables)
    for section in sections:
        section.display = SectionDisplay(
            [table_display(table, observations) for table in section.tables.all()], blocks
        )
    return sections, blocks


@convention_view
@require_safe
def tab(request, convention):
    sections, blocks = load_diagnostic(convention)
    context = workspace(convention, "diagnostic", sections=sections, blocks=blocks)
    context["missing_blocks"] = blocks.missing(context["can_edit"])
    return render(request, "diagnostic/tab.html", context)
