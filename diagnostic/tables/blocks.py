"""The blocks of the diagnostic that are not indicator tables: structures, spending of the
EPCI, Caf funding (with its rates), glossary, problématiques."""

from dataclasses import dataclass

from .. import computations as calc
from ..models import Section
from .checks import Discrepancy


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


def funding_rate(amount):
    """The share of the structure's budget the amount funds, in percent (RAM: 22 865 /
    83 473 = 27 %)."""
    return calc.share(amount.amount, amount.funding.budget)


def amount_text(amount):
    rate = funding_rate(amount)
    text = calc.format_euros(amount.amount)
    return f"{text} ({calc.format_rate(rate)})" if rate is not None else text


def funding_columns(fundings):
    """The columns of the funding table: the schemes present in the fundings, by code,
    then ``None`` ("not specified") if some amount has no scheme."""
    amounts = [amount for funding in fundings for amount in funding.amounts.all()]
    schemes = sorted({a.scheme for a in amounts if a.scheme}, key=lambda scheme: scheme.code)
    if any(amount.scheme is None for amount in amounts):
        schemes.append(None)
    return schemes


def attach_funding_cells(fundings, schemes, checks, section_title):
    """Give each funding a ``display``: one text per column, « 22 865 € (27 %) »; check the
    rates the source printed."""
    for funding in fundings:
        texts = {scheme: [] for scheme in schemes}
        for amount in funding.amounts.all():
            texts[amount.scheme].append(amount_text(amount))
            rate = funding_rate(amount)
            if (
                amount.printed_rate
                and rate is not None
                and not calc.agrees(amount.printed_rate, rate)
            ):
                checks.discrepancies.append(
                    Discrepancy(
                        section_title,
                        "Financements Caf perçus par structure",
                        funding.label,
                        f"Taux {amount.scheme or 'Caf'}",
                        amount.printed_rate,
                        calc.format_percent(rate, 0),
                    )
                )
        funding.display = FundingRow(["; ".join(texts[scheme]) for scheme in schemes])
