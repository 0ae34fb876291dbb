from .document import (
    GlossaryEntry,
    IndicatorTable,
    Problematique,
    Section,
    SourceFigure,
    TableColumn,
    TableRow,
)
from .indicators import Indicator, Observation
from .offer import FundingAmount, FundingScheme, SpendingLine, Structure, StructureFunding

__all__ = [
    "FundingAmount",
    "FundingScheme",
    "GlossaryEntry",
    "Indicator",
    "IndicatorTable",
    "Observation",
    "Problematique",
    "Section",
    "SourceFigure",
    "SpendingLine",
    "Structure",
    "StructureFunding",
    "TableColumn",
    "TableRow",
]
