"""Writing a plan in bulk, in one transaction: the new observations, the changed ones, and
their rows in the history table (what the admin's « Historique » shows).

The ORM's ``bulk_create`` and ``bulk_update`` prepare every value of every object in
Python, and ``bulk_update`` builds one ``CASE`` per field: measured on SQLite, about
10,000 rows per second for ``bulk_create`` with its history, a few hundred for
``bulk_update``. Here, SQLite gets multi-row ``INSERT ... RETURNING id`` and an
in-process ``executemany`` of ``UPDATE``; PostgreSQL gets ``COPY`` (new ids reserved
from the table's sequence first; changes copied to a temporary table, then one
``UPDATE ... FROM``, which the table's half-empty pages make « HOT »: see migration
0002). On both, the database copies the history rows from the rows just written with
one ``INSERT ... SELECT`` (SQLite reads their ids from a temporary table filled
in-process), rather than receiving every value again. See bench/ for the figures.
"""

import csv
import io

from django.db import connection, transaction
from django.utils import timezone

from ..models import Observation
from .plan import execute, max_params

OBSERVATION_COLUMNS = ["indicator_id", "territory_id", "year", "date", "value", "note"]
HISTORY_COLUMNS = [
    "id",
    *OBSERVATION_COLUMNS,
    "history_type",
    "history_date",
    "history_change_reason",
    "history_user_id",
]
REASON_LENGTH = 100  # HistoricalObservation.history_change_reason
COPY_ROWS = 100_000  # rows per COPY
CHANGES = "import_changes"  # PostgreSQL: the temporary table of the changed rows
HISTORY = "import_history"  # SQLite: the temporary table of the rows to copy to the history


def write(plan, *, user=None, reason=""):
    """Store the plan: its new indicators, then the observations and their history."""
    assert plan.ok, "a plan with errors is never written"
    with transaction.atomic():
        for indicator in plan.new_indicators:
            indicator.save()
            plan.catalogue.indicators[indicator.code] = indicator
        ids = {code: indicator.pk for code, indicator in plan.catalogue.indicators.items()}
        adapt_date = connection.ops.adapt_datefield_value
        created = [
            (ids[entry.indicator], entry.territory, entry.year,
             adapt_date(entry.date) if entry.date else None, entry.value, entry.note)
            for entry in plan.creates
        ]  # fmt: skip
        plan.created_ids = insert(Observation, OBSERVATION_COLUMNS, created, returning=True)
        changed = [
            # A file without dates keeps the stored ones.
            (adapt_date(date) if (date := entry.date or stored[2]) else None, entry.value,
             entry.note, pk)
            for entry, pk, stored in plan.updates
        ]  # fmt: skip
        update(Observation, ["date", "value", "note"], changed)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        stamp = (now, reason[:REASON_LENGTH], getattr(user, "pk", None))
        write_history(plan.created_ids, [change[-1] for change in changed], stamp)
    plan.written = True
    return plan


def write_history(created_ids, updated_ids, stamp):
    """The history rows of the new and changed observations (``stamp``: date, reason,
    user), copied by the database from the rows just written."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if created_ids:  # consecutive: see reserve_ids
                where = ("id BETWEEN %s AND %s", [created_ids[0], created_ids[-1]])
                copy_history(cursor, where, "%s", ["+"], stamp)
            if updated_ids:  # their ids are in the temporary table of ``update``
                copy_history(cursor, (f"id IN (SELECT id FROM {CHANGES})", []), "%s", ["~"], stamp)
                cursor.execute(f"DROP TABLE {CHANGES}")
            return
        # SQLite: the ids and the type of change in a temporary table, filled in-process.
        cursor.execute(f"CREATE TEMPORARY TABLE {HISTORY} (id INTEGER PRIMARY KEY, kind TEXT)")
        cursor.executemany(
            f"INSERT INTO {HISTORY} (id, kind) VALUES (%s, %s)",
            [*((pk, "+") for pk in created_ids), *((pk, "~") for pk in updated_ids)],
        )
        where = (f"id IN (SELECT id FROM {HISTORY})", [])
        copy_history(
            cursor, where, f"(SELECT kind FROM {HISTORY} AS h WHERE h.id = o.id)", [], stamp
        )
        cursor.execute(f"DROP TABLE {HISTORY}")


def copy_history(cursor, condition, history_type, type_params, stamp):
    """The history rows of the observations matching ``condition`` (SQL and parameters),
    as they are now; ``history_type`` is the SQL of their type of change."""
    where, params = condition
    history = Observation.history.model
    columns = quoted(history, HISTORY_COLUMNS)
    values = ", ".join(
        f"o.{column}" for column in quoted(Observation, ["id", *OBSERVATION_COLUMNS])
    )
    cursor.execute(
        f"INSERT INTO {connection.ops.quote_name(history._meta.db_table)} "
        f"({', '.join(columns)}) SELECT {values}, {history_type}, %s, %s, %s "
        f"FROM {connection.ops.quote_name(Observation._meta.db_table)} AS o WHERE o.{where}",
        [*type_params, *stamp, *params],
    )


def quoted(model, attnames):
    fields = {field.attname: field for field in model._meta.concrete_fields}
    return [connection.ops.quote_name(fields[name].column) for name in attnames]


def insert(model, attnames, rows, *, returning=False):
    """Insert ``rows`` (tuples of database-ready ``attnames`` values); with ``returning``,
    the new ids in the order of ``rows``."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return copy_insert(model, attnames, rows, returning)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(quoted(model, attnames))
    placeholders = f"({', '.join(['%s'] * len(attnames))})"
    pk = connection.ops.quote_name(model._meta.pk.column)
    size, ids = max(1, min(5000, max_params() // len(attnames))), []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(chunk))}"
            params = [value for values in chunk for value in values]
            if returning:
                execute(cursor, f"{sql} RETURNING {pk}", params)
                ids.extend(new_id for (new_id,) in cursor.fetchall())
            else:
                execute(cursor, sql, params)
    return ids


def update(model, attnames, rows):
    """Update by primary key; each row holds the database-ready new values of ``attnames``,
    then the id."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = quoted(model, attnames)
    pk = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":  # SQLite runs executemany in-process
            assignments = ", ".join(f"{column} = %s" for column in columns)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", rows)
            return
        # The changes go to a temporary table, left for the caller to drop.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {CHANGES} ON COMMIT DROP AS "
            f"SELECT {', '.join(columns)}, {pk} FROM {table} WITH NO DATA"
        )
        copy(cursor, CHANGES, [*columns, pk], rows, required_texts(model, attnames))
        cursor.execute(f"ANALYZE {CHANGES}")  # so that the joins below are planned as such
        assignments = ", ".join(f"{column} = c.{column}" for column in columns)
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} FROM {CHANGES} AS c WHERE t.{pk} = c.{pk}"
        )


# --- PostgreSQL's COPY ----------------------------------------------------------------------


def copy_insert(model, attnames, rows, returning):
    table = connection.ops.quote_name(model._meta.db_table)
    columns = quoted(model, attnames)
    texts = required_texts(model, attnames)
    with connection.cursor() as cursor:
        if not returning:
            copy(cursor, table, columns, rows, texts)
            return []
        first = reserve_ids(cursor, model, len(rows))
        with_ids = [(first + index, *values) for index, values in enumerate(rows)]
        pk = connection.ops.quote_name(model._meta.pk.column)
        copy(cursor, table, [pk, *columns], with_ids, texts)
    return list(range(first, first + len(rows)))


def required_texts(model, attnames):
    """The text columns that cannot be NULL: an empty field in them is an empty text."""
    return [
        connection.ops.quote_name(field.column)
        for field in model._meta.concrete_fields
        if field.attname in attnames and not field.null and field.get_internal_type() == "CharField"
    ]


def reserve_ids(cursor, model, count):
    """The first of ``count`` consecutive ids taken from the table's sequence. The table is
    locked against other writers until the end of the transaction, so that nobody takes
    ids in between (readers are not blocked)."""
    table = connection.ops.quote_name(model._meta.db_table)
    cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, model._meta.pk.column])
    (first,) = cursor.fetchone()
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
        [table, model._meta.pk.column, first + count - 1],
    )
    return first


def copy(cursor, table, columns, rows, not_null=()):
    """``COPY`` in CSV format, where an unquoted empty field is NULL (the ``csv`` module
    writes ``None`` so, without a Python loop over the values), except in the
    ``not_null`` text columns, where it is an empty text."""
    fields = ", ".join(columns)
    options = "FORMAT csv"
    if not_null:
        options += f", FORCE_NOT_NULL ({', '.join(not_null)})"
    sql = f"COPY {table} ({fields}) FROM STDIN WITH ({options})"
    for start in range(0, len(rows), COPY_ROWS):
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows[start : start + COPY_ROWS])
        out.seek(0)
        cursor.cursor.copy_expert(sql, out)
