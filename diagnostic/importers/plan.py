"""The plan of an import: the observations read from a file, the bad lines, and how the
observations compare with the stored ones."""

import datetime
import decimal
import heapq
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import NamedTuple

from django.db import connection
from django.utils.formats import number_format

from conventions.models import Territory

from ..models import Indicator, Observation
from .files import normalize_code, text

SHOWN = 300  # changes listed in a preview
HEADER_SEARCH = 10  # lines looked at for the header (an INSEE workbook has a title above)


def plural(count, singular, plural_form=None):
    """« 1 cellule masquée », « 3 cellules masquées »."""
    return f"{count} {singular if count < 2 else plural_form or singular + 's'}"


class Entry(NamedTuple):
    """One observation to store; entries sort by key, then by line."""

    indicator: str  # code
    territory: int  # id
    year: int
    line: int  # 0 for a value computed from several lines
    value: Decimal | None
    note: str = ""
    date: datetime.date | None = None
    soft: bool = False  # a masked value: never replaces a stored one


@dataclass(frozen=True, order=True)
class LineError:
    line: int
    message: str
    column: str = ""

    def __str__(self):
        where = f", colonne « {self.column} »" if self.column else ""
        return f"Ligne {self.line}{where} : {self.message}"


KIND_LABELS = {
    "new": "créée",
    "update": "modifiée",
    "unchanged": "inchangée",
    "kept": "conservée : valeur masquée dans le fichier",
}


class Change(NamedTuple):
    """A line of the preview."""

    kind: str  # a key of KIND_LABELS
    territory: Territory
    indicator: Indicator
    year: int
    value: Decimal | None  # the value stored after the import
    note: str
    old_value: Decimal | None
    old_note: str
    line: int
    pk: int | None  # the observation's id, once stored

    @property
    def label(self):
        return KIND_LABELS[self.kind]

    @property
    def value_text(self):
        return number_text(self.value)

    @property
    def old_value_text(self):
        return number_text(self.old_value)


def number_text(value):
    """A value in French, with the decimals it has: ``11 582``, ``45,5``."""
    if value is None:
        return ""
    value = value.normalize()
    decimals = max(0, -value.as_tuple().exponent)
    return number_format(value, decimals, use_l10n=True, force_grouping=True)


@dataclass
class TerritoryCounts:
    territory: Territory
    new: int = 0
    update: int = 0
    unchanged: int = 0
    kept: int = 0


class Catalogue:
    """The territories and indicators an import names by code, loaded once; ``scope`` is
    the territories it may write (``None``: all of them)."""

    def __init__(self, *, scope=None):
        territories = Territory.objects.only("pk", "code", "name", "short_name", "kind")
        self.territories = {territory.code: territory for territory in territories}
        self.territory_by_id = {territory.pk: territory for territory in self.territories.values()}
        self.territory_ids = {code: territory.pk for code, territory in self.territories.items()}
        self.indicators = {indicator.code: indicator for indicator in Indicator.objects.all()}
        self.new_indicators = {}
        self.scope = None if scope is None else {territory.pk for territory in scope}

    def territory(self, code):
        return self.territories.get(normalize_code(code))

    def in_scope(self, territory):
        return self.scope is None or territory.pk in self.scope

    def indicator(self, spec):
        """The indicator of ``spec``, made (unsaved) when the catalogue lacks it."""
        found = self.indicators.get(spec.code) or self.new_indicators.get(spec.code)
        if found is None:
            found = self.new_indicators[spec.code] = Indicator(**spec._asdict())
        return found

    def forget_unused(self, codes):
        """Create only the new indicators some observation uses."""
        self.new_indicators = {c: i for c, i in self.new_indicators.items() if c in codes}

    def indicator_by_code(self, code):
        return self.indicators.get(code) or self.new_indicators[code]


@dataclass
class ImportPlan:
    source: str  # a key of SOURCES
    label: str
    catalogue: Catalogue
    errors: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    remarks: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)
    out_of_scope: Counter = field(default_factory=Counter)  # territory → lines ignored
    # Code → lines ignored: territories the application does not know (a national or
    # départemental open-data file lists them all).
    unknown: Counter = field(default_factory=Counter)
    # Once compared: entries to create, and (entry, observation id, stored (value, note,
    # date)) to update, left unchanged, or kept because the file masks their value.
    creates: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    kept: list = field(default_factory=list)
    created_ids: list = field(default_factory=list)  # once written, in ``creates`` order
    written: bool = False

    @property
    def ok(self):
        return not self.errors

    def error(self, line, message, column=""):
        self.errors.append(LineError(line, message, column))

    def sorted_errors(self):
        return sorted(self.errors)

    @property
    def new_indicators(self):
        return list(self.catalogue.new_indicators.values())

    @property
    def counts(self):
        return {
            "new": len(self.creates),
            "update": len(self.updates),
            "unchanged": len(self.unchanged),
            "kept": len(self.kept),
        }

    def groups(self, unchanged=True):
        """Kind → (entry, observation id, stored values) of the entries of that kind."""
        ids = self.created_ids or [None] * len(self.creates)
        groups = {
            "new": [(e, pk, None) for e, pk in zip(self.creates, ids, strict=True)],
            "update": self.updates,
            "unchanged": self.unchanged,
            "kept": self.kept,
        }
        if not unchanged:
            del groups["unchanged"]
        return groups

    def by_territory(self):
        """What happens on each territory: EPCI and départements first, then communes."""
        totals = {}
        for kind, items in self.groups().items():
            for entry, _pk, _stored in items:
                territory = self.catalogue.territory_by_id[entry.territory]
                counts = totals.setdefault(territory.pk, TerritoryCounts(territory))
                setattr(counts, kind, getattr(counts, kind) + 1)
        first = {Territory.Kind.EPCI: 0, Territory.Kind.DEPARTEMENT: 1}
        return sorted(
            totals.values(), key=lambda c: (first.get(c.territory.kind, 2), c.territory.name)
        )

    def changes(self, *, limit=None, unchanged=False):
        """The lines of the preview by territory, indicator and year (``limit`` first)."""
        keyed = (
            ((entry.territory, entry.indicator, entry.year), kind, index)
            for kind, items in self.groups(unchanged).items()
            for index, (entry, _pk, _stored) in enumerate(items)
        )
        keyed = sorted(keyed) if limit is None else heapq.nsmallest(limit, keyed)
        groups = self.groups(unchanged)
        for _key, kind, index in keyed:
            entry, pk, stored = groups[kind][index]
            old_value, old_note, _date = stored or (None, "", None)
            yield Change(
                kind,
                self.catalogue.territory_by_id[entry.territory],
                self.catalogue.indicator_by_code(entry.indicator),
                entry.year,
                old_value if kind == "kept" else entry.value,
                entry.note,
                old_value,
                old_note,
                entry.line,
                pk,
            )

    def shown_changes(self):
        return list(self.changes(limit=SHOWN))

    @property
    def hidden_changes(self):
        return max(0, len(self.creates) + len(self.updates) + len(self.kept) - SHOWN)

    def all_remarks(self):
        remarks = list(self.remarks)
        if self.out_of_scope:
            names = sorted(territory.name for territory in self.out_of_scope)
            more = " …" if len(names) > 5 else ""
            lines = sum(self.out_of_scope.values())
            remarks.append(
                f"{plural(lines, 'ligne ignorée', 'lignes ignorées')} : territoires hors de la "
                f"convention ({', '.join(names[:5])}{more})."
            )
        if self.unknown:
            codes = sorted(self.unknown)
            more = " …" if len(codes) > 5 else ""
            remarks.append(
                f"{plural(sum(self.unknown.values()), 'ligne')} de territoires que l'application "
                f"ne connaît pas ({', '.join(codes[:5])}{more}) : ignorée(s). Un fichier national "
                "ou départemental en compte beaucoup ; seuls les territoires enregistrés sont lus."
            )
        return remarks


# --- Header and cells -----------------------------------------------------------------------


def find_header(plan, rows, wanted, description, shown=None):
    """The header (one of the first lines holding a ``wanted`` column): its line, its cells
    in lower case and the lines after it; ``None``, and an error naming the ``shown``
    columns, when there is none."""
    rows = iter(rows)
    for line, cells in rows:
        names = [text(cell).lower() for cell in cells]
        if any(name in wanted for name in names):
            return line, names, rows
        if line >= HEADER_SEARCH:
            break
    columns = " ou ".join(f"« {name} »" for name in shown or wanted)
    plan.error(1, f"colonne {columns} absente ({description}).")
    return None


def column_of(names, choices):
    return next((names.index(choice) for choice in choices if choice in names), None)


def cell_at(cells, index):
    return cells[index] if index is not None and index < len(cells) else None


def is_blank(cells):
    return all(text(cell) == "" for cell in cells)


# --- Comparing with the stored observations -------------------------------------------------


def compare(plan):
    """Sort the entries into creates, updates, unchanged and kept ones, reading the stored
    observations by chunks of neighbouring keys."""
    plan.entries.sort()
    ids = {code: indicator.pk for code, indicator in plan.catalogue.indicators.items()}
    known = [entry for entry in plan.entries if entry.indicator in ids]
    plan.creates = [entry for entry in plan.entries if entry.indicator not in ids]
    size = max(100, min(2000, max_params() // 3))
    creates, kept, unchanged, updates = plan.creates, plan.kept, plan.unchanged, plan.updates
    for start in range(0, len(known), size):
        chunk = known[start : start + size]
        found = stored_observations(
            {ids[entry.indicator] for entry in chunk},
            {entry.territory for entry in chunk},
            {entry.year for entry in chunk},
        )
        for entry in chunk:
            stored = found.get((ids[entry.indicator], entry.territory, entry.year))
            if stored is None:
                creates.append(entry)
                continue
            pk, value, note, date = stored
            item = (entry, pk, (value, note, date))
            if entry.soft and value is not None:
                kept.append(item)
            elif value == entry.value and note == entry.note and entry.date in (None, date):
                unchanged.append(item)
            else:
                updates.append(item)


DECIMALS = decimal.Context(prec=15)  # as Django reads a decimal from SQLite


def stored_observations(indicator_ids, territory_ids, years):
    """(indicator id, territory id, year) → (id, value, note, date) of the stored
    observations matching, read with SQL: the ORM's converters, run for every value of
    every row, cost as much as the query on a big import."""
    table = connection.ops.quote_name(Observation._meta.db_table)
    keys = {"indicator_id": indicator_ids, "territory_id": territory_ids, "year": years}
    conditions = " AND ".join(
        f"{column} IN ({', '.join(['%s'] * len(values))})" for column, values in keys.items()
    )
    columns = "indicator_id, territory_id, year, id, value, note, date"
    with connection.cursor() as cursor:
        execute(cursor, f"SELECT {columns} FROM {table} WHERE {conditions}", [
            value for values in keys.values() for value in values
        ])  # fmt: skip
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":  # numbers and text, where drivers give objects
        return {
            (i, t, y): (pk, from_sqlite(value), note,
                        datetime.date.fromisoformat(date) if date else date)
            for i, t, y, pk, value, note, date in rows
        }  # fmt: skip
    return dict(zip(map(KEY, rows), map(STORED, rows), strict=True))  # no Python loop


KEY, STORED = itemgetter(0, 1, 2), itemgetter(3, 4, 5, 6)


def from_sqlite(value):
    """A stored value as a Decimal, read as Django reads it (``get_decimalfield_converter``)
    but not rounded: it is compared with values rounded the same way."""
    if value is None or type(value) is int:
        return value if value is None else decimal.Decimal(value)
    return DECIMALS.create_decimal_from_float(value)


def execute(cursor, sql, params):
    """Run ``sql`` written with ``%s`` placeholders. On SQLite, Django's cursor turns each
    ``%s`` into ``?`` with a regular expression, as slow as the query itself when it holds
    thousands of them: the query is written with ``?`` and given to sqlite3 directly."""
    if connection.vendor == "sqlite":
        return sqlite3.Cursor.execute(cursor.cursor, sql.replace("%s", "?"), params)
    return cursor.execute(sql, params)


def max_params():
    """How many parameters one SQL query may take."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return 30000
