"""Consistency checks of the diagnostic: figures printed in the source that the data does
not give (``Discrepancy``), and warnings on the data itself (``DataWarning``): a year missing
for a territory, parts above their total, parts of one total adding up to more than
100 %, an evolution computed between negative values."""

from collections import defaultdict
from dataclasses import dataclass, field

from .. import computations as calc
from ..models import TableColumn

Kind = TableColumn.Kind


@dataclass
class Discrepancy:
    """A figure printed in the source that its data does not give."""

    section: str
    table: str
    row: str
    column: str
    printed: str
    computed: str

    def __str__(self):
        return f"{self.row} : {self.printed} imprimé, {self.computed} calculé"


@dataclass
class DataWarning:
    table: str
    message: str

    def __str__(self):
        return f"{self.table} : {self.message}"


@dataclass
class Checks:
    warnings: list = field(default_factory=list)
    discrepancies: list = field(default_factory=list)


def territory_name(territory):
    return territory.short_name or territory.name


def check_missing(view, missing, checks):
    """A year missing for a territory: the cells that need it cannot be computed (they show
    the source's figure when it printed one)."""
    territories = {c.column.territory_id: c.column.territory for c in view.columns}
    for (territory_id, year), labels in sorted(missing.items(), key=lambda item: item[0][1]):
        labels = list(dict.fromkeys(labels))
        names = ", ".join(f"« {label} »" for label in labels[:3])
        more = f" et {len(labels) - 3} autre(s)" if len(labels) > 3 else ""
        checks.warnings.append(
            DataWarning(
                view.title,
                f"aucune donnée {year} pour {territory_name(territories[territory_id])} "
                f"({len(labels)} ligne(s) : {names}{more}).",
            )
        )


def percent_over_hundred(value):
    """A total share above 100 %, with enough decimals to show it: ``100,01 %``."""
    decimals = 1
    while calc.round_half_up(value, decimals) <= 100 and decimals < 4:
        decimals += 1
    return calc.format_percent(value, decimals)


def check_parts(view, observations, checks):
    """Parts that exceed their total, and parts of one total adding up to more than 100 %."""
    periods = []
    for column in (c.column for c in view.columns):
        if column.kind in (Kind.VALUE, Kind.SHARE) and column.year:
            period = (column.territory, column.year)
            if period not in periods:
                periods.append(period)
    groups = defaultdict(list)
    for row in (r.row for r in view.rows):
        if row.share_of_id and row.share_of_id != row.indicator_id and not row.indicator.is_rate:
            groups[row.share_of].append(row)
    for total, rows in groups.items():
        over = []
        for territory, year in periods:
            whole = observations.get((total.pk, territory.pk, year), (None,))[0]
            parts = [
                (row, observations.get((row.indicator_id, territory.pk, year), (None,))[0])
                for row in rows
            ]
            parts = [(row, value) for row, value in parts if value is not None]
            if not whole or not parts:
                continue
            where = f"{territory_name(territory)} {year}"
            exceeding = [(row, value) for row, value in parts if value > whole]
            for row, value in exceeding:
                checks.warnings.append(
                    DataWarning(
                        view.title,
                        f"« {row} » ({calc.format_number(value)}) dépasse son total "
                        f"« {total} » ({calc.format_number(whole)}) en {where}.",
                    )
                )
            added = sum(value for _row, value in parts)
            if not exceeding and len(parts) > 1 and added > whole:
                over.append(f"{where} : {percent_over_hundred(calc.share(added, whole))}")
        if over:
            checks.warnings.append(
                DataWarning(
                    view.title,
                    f"les parts de « {total} » ({', '.join(str(r) for r in rows)}) totalisent "
                    f"plus de 100 % ({' ; '.join(over)}) : à vérifier si ces catégories "
                    "s'excluent.",
                )
            )


def check_negative_evolutions(view, observations, checks):
    """An evolution between negative values (a balance) has a misleading sign."""
    for row in (r.row for r in view.rows):
        if row.indicator.is_rate:
            continue
        for column in (c.column for c in view.columns):
            if column.kind not in (Kind.EVOLUTION, Kind.YEARLY_AVERAGE):
                continue
            ends = [
                observations.get((row.indicator_id, column.territory_id, year), (None,))[0]
                for year in (column.from_year, column.to_year)
            ]
            if any(value is not None and value < 0 for value in ends):
                checks.warnings.append(
                    DataWarning(
                        view.title,
                        f"« {row} » : évolution calculée sur des valeurs négatives "
                        f"({territory_name(column.territory)} {column.from_year}-"
                        f"{column.to_year}) ; son signe ne dit pas si l'écart se réduit.",
                    )
                )
