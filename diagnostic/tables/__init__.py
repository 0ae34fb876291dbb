"""The diagnostic (annexe 1) as displayed: its sections in order, each indicator table
computed cell by cell from the stored observations, the blocks (structures, spending of
the EPCI, Caf funding, glossary, problématiques), and the consistency checks.

``diagnostic_context(convention)`` builds it in a fixed number of queries whatever the
number of tables, rows and columns: the sections and blocks are prefetched on the
convention and the observations of every table come from one query. The tab, the annexe
of the printed convention and the exports all read it.

A cell is never typed in: values come from observations, shares, evolutions and trends
are computed (see ``computations``). A figure printed in the source document
(``SourceFigure``) is shown only where the data needed is missing, marked as such; where
it disagrees with the computed figure, the computed one is shown and the discrepancy is
listed.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, prefetch_related_objects

from actions.models import Action

from ..models import (
    FundingAmount,
    IndicatorTable,
    Problematique,
    Section,
    SpendingLine,
    Structure,
    StructureFunding,
    TableColumn,
    TableRow,
)
from .blocks import Blocks, attach_funding_cells, funding_columns
from .cells import Cell, Origin, Secrecy, TableView, build_table, format_value, observations_for
from .checks import Checks, DataWarning, Discrepancy

__all__ = [
    "Blocks",
    "Cell",
    "DataWarning",
    "Discrepancy",
    "Origin",
    "TableView",
    "diagnostic_context",
    "diagnostic_prefetches",
    "format_value",
]


@dataclass
class SectionDisplay:
    tables: list  # TableView
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
            queryset=TableRow.objects.select_related("indicator", "share_of").order_by("order"),
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
        "annexes",
    ]


def diagnostic_context(convention, *, public=False):
    """Everything annexe 1 shows, computed from the data, as a dict:

    - ``title``: « Annexe 1 : Diagnostic partagé », from the convention's annexes;
    - ``sections``: the sections in order, each with a ``display`` (its ``TableView``s and
      the blocks);
    - ``tables``: every ``TableView`` in order (for the exports);
    - ``blocks``: structures, spending lines, fundings (each with a ``display``: its
      amounts and rates), glossary, problématiques;
    - ``discrepancies``: figures printed in the source that the data does not give
      (``Discrepancy``: table, row, column, printed, computed);
    - ``warnings``: missing years, parts above their total, parts over 100 %...
      (``DataWarning``); working material, not for public output;
    - ``public``: whether statistical secrecy was applied (counts below ``threshold``
      masked, with what is computed from them; the Caf's counts rounded to 5 if
      ``STATISTICAL_SECRECY_ROUNDING``); ``has_secret``: whether some cell is masked.

    The ``display`` attributes are set on the convention's prefetched objects: render the
    result before building another one for the same convention object.
    """
    prefetch_related_objects([convention], *diagnostic_prefetches())
    secrecy = Secrecy(
        public=public,
        threshold=settings.STATISTICAL_SECRECY_THRESHOLD,
        rounding=settings.STATISTICAL_SECRECY_ROUNDING,
    )
    checks = Checks()
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
    observations = observations_for(
        [table for section in sections for table in section.tables.all()]
    )
    tables = []
    for section in sections:
        views = [
            build_table(section, table, observations, secrecy, checks)
            for table in section.tables.all()
        ]
        section.display = SectionDisplay(views, blocks)
        tables.extend(views)
    funding_section = next((s.title for s in sections if s.block == Section.Block.FUNDING), "")
    attach_funding_cells(fundings, blocks.schemes, checks, funding_section)
    annex = next((a for a in convention.annexes.all() if a.number == 1), None)
    return {
        "convention": convention,
        "title": str(annex) if annex else "Annexe 1 : Diagnostic partagé",
        "sections": sections,
        "tables": tables,
        "blocks": blocks,
        "discrepancies": checks.discrepancies,
        "warnings": checks.warnings,
        "public": public,
        "threshold": secrecy.threshold,
        "has_secret": any(table.has_secret for table in tables),
    }
