"""The three formats read: the application's long format, INSEE files and Cafdata files
(Cafdata, with its aggregation to the EPCI, is in ``cafdata``)."""

from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter

from conventions.validators import MAX_YEAR, MIN_YEAR

from .files import (
    QUANTUM,
    TOO_BIG,
    normalize_code,
    parse_count,
    parse_date,
    parse_number,
    parse_year,
    text,
)
from .mappings import (
    INSEE_CODE,
    INSEE_COLUMN,
    INSEE_EMPTY,
    INSEE_LABELS,
    INSEE_SUMS,
    INSEE_VARIABLES,
    LONG_COLUMNS,
    LONG_REQUIRED,
)
from .plan import Entry, LineError, cell_at, column_of, find_header, is_blank, plural

NOTE_LENGTH = 250  # Observation.note
new_tuple = tuple.__new__


# --- The long format ------------------------------------------------------------------------


def parse_long(plan, rows):
    header = find_header(plan, rows, LONG_COLUMNS["indicator"], "code de l'indicateur")
    if header is None:
        return
    header_line, names, rows = header
    positions = {key: column_of(names, choices) for key, choices in LONG_COLUMNS.items()}
    for key in LONG_REQUIRED:
        if positions[key] is None:
            plan.error(header_line, f"colonne « {key} » absente.")
    if plan.errors:
        return
    # Cells by position, an absent optional column reading as the padding after the last.
    width = max(index for index in positions.values() if index is not None) + 1
    cells_of = itemgetter(*(width if index is None else index for index in positions.values()))
    padding = [None] * (width + 1)
    # Codes as written (the fast path), and in lower case (``long_entry``).
    indicators = {code: indicator.code for code, indicator in plan.catalogue.indicators.items()}
    indicators |= {code.lower(): code for code in indicators}
    territories, scope = plan.catalogue.territory_ids, plan.catalogue.scope
    for line, cells in rows:
        if not any(cells):  # an empty line, or one of separators only
            continue
        if len(cells) <= width:
            cells = [*cells, *padding[len(cells) :]]
        raw = cells_of(cells)
        try:
            entry = plain_entry(raw, indicators, territories, line)
        except (KeyError, ValueError, TypeError, AttributeError, ArithmeticError):
            entry = careful_entry(plan, raw, indicators, line)  # None: ignored, or bad
        if entry is None:
            continue
        if scope is not None and entry.territory not in scope:
            plan.out_of_scope[plan.catalogue.territory_by_id[entry.territory]] += 1
            continue
        plan.entries.append(entry)
    plan.entries.sort()
    report_duplicates(plan)


def plain_entry(raw, indicators, territory_ids, line):
    """The entry of a line whose cells are all plain text in the expected form (most lines
    of a big file); raises at the first surprise, ``long_entry`` then reads the line."""
    indicator, territory, year, value, note, date = raw  # in LONG_COLUMNS' order
    if date or len(year) != 4:
        raise ValueError
    year = int(year)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError
    note = note.strip() if note else ""
    if value:
        value = Decimal(value.replace(",", ".") if "," in value else value)  # « 1234,5 » too
        if not value.is_finite() or abs(value) >= TOO_BIG:
            raise ValueError
        value = value.quantize(QUANTUM, ROUND_HALF_UP)
    elif note and len(note) <= NOTE_LENGTH:
        value = None
    else:
        raise ValueError
    if len(note) > NOTE_LENGTH:
        raise ValueError
    # A tuple made directly: Entry's own constructor fills its defaults at a Python cost.
    return new_tuple(
        Entry,
        (indicators[indicator], territory_ids[territory], year, line, value, note, None, False),
    )


class LineErrors(Exception):
    """The errors of a line's cells, as (column, message) pairs."""


def careful_entry(plan, raw, indicators, line):
    """The entry of a line ``plain_entry`` could not read, or ``None`` when the line is
    outside the scope (counted) or bad (its errors recorded)."""
    territory = plan.catalogue.territory(text(raw[1]))
    if territory is not None and not plan.catalogue.in_scope(territory):
        plan.out_of_scope[territory] += 1
        return None
    try:
        return long_entry(raw, indicators, territory, line)
    except LineErrors as errors:
        plan.errors.extend(LineError(line, message, key) for key, message in errors.args)
        return None


def long_entry(raw, indicators, territory, line):
    """The entry of a line of the long format, read with care: French numbers, XLSX types,
    dates; raises ``LineErrors`` with every bad cell of the line."""
    row = dict(zip(LONG_COLUMNS, map(text, raw), strict=True))
    errors = []
    indicator = indicators.get(row["indicator"].lower())  # a code
    if indicator is None:
        errors.append(("indicator", f"Indicateur « {row['indicator']} » inconnu."))
    if territory is None:
        errors.append(("territory", f"Territoire « {row['territory']} » inconnu."))
    cells = dict(zip(LONG_COLUMNS, raw, strict=True))
    values = {}
    for key, parse in (("year", parse_year), ("value", parse_number), ("date", parse_date)):
        try:
            values[key] = parse(cells[key]) if row[key] else None
        except ValueError as error:
            errors.append((key, str(error)))
    if not row["year"]:
        errors.append(("year", "l'année manque."))
    note = row["note"]
    if len(note) > NOTE_LENGTH:
        errors.append(("note", f"la note dépasse {NOTE_LENGTH} caractères."))
    if not (row["value"] or note):
        errors.append(("value", "Une observation a une valeur ou une note."))
    if errors:
        raise LineErrors(*errors)
    return Entry(
        indicator, territory.pk, values["year"], line, values["value"], note, values["date"]
    )


def report_duplicates(plan):
    """The entries are sorted: a key met twice is on two neighbouring entries."""
    kept, previous = [], None
    for entry in plan.entries:
        if previous is not None and entry[:3] == previous[:3]:
            plan.error(entry.line, f"observation en double : déjà à la ligne {previous.line}.")
            continue
        kept.append(entry)
        previous = entry
    plan.entries = kept


# --- INSEE ----------------------------------------------------------------------------------


def parse_insee(plan, rows, *, this_year):
    header = find_header(plan, rows, (INSEE_CODE,), "code géographique", shown=("CODGEO",))
    if header is None:
        return
    header_line, names, rows = header
    code_at = names.index(INSEE_CODE)
    columns = insee_columns(plan, names, this_year)
    if not columns:
        plan.error(header_line, "aucune colonne du recensement reconnue (P21_POP, C21_MEN…).")
        return
    sums = insee_sums(plan, columns)
    seen, empty = {}, 0
    for line, cells in rows:
        if is_blank(cells):
            continue
        code = normalize_code(text(cell_at(cells, code_at)).upper())
        if not code:
            plan.error(line, "code géographique absent.", "CODGEO")
            continue
        territory = plan.catalogue.territory(code)
        if territory is None:  # a file of every commune of France or of a département
            plan.unknown[code] += 1
            continue
        if code in seen:
            plan.error(line, f"le territoire {code} figure déjà à la ligne {seen[code]}.")
            continue
        seen[code] = line
        if not plan.catalogue.in_scope(territory):
            plan.out_of_scope[territory] += 1
            continue
        read = {}  # (variable, year) → value
        for index, (name, variable, year, indicator) in columns.items():
            cell = cell_at(cells, index)
            if text(cell).lower() in INSEE_EMPTY:
                empty += 1
                continue
            try:
                value = parse_count(cell)
            except ValueError as error:
                plan.error(line, str(error), name)
                continue
            read[variable, year] = value
            plan.entries.append(Entry(indicator.code, territory.pk, year, line, value))
        for year, indicator, parts in sums:
            values = [read.get((part, year)) for part in parts]
            if None not in values:
                plan.entries.append(Entry(indicator.code, territory.pk, year, line, sum(values)))
    if empty:
        plan.remarks.append(
            f"{plural(empty, 'cellule vide', 'cellules vides')} ou secrète(s) : rien "
            "d'enregistré pour elle(s)."
        )


def insee_columns(plan, names, this_year):
    """The columns read, as index → (name, variable, year, indicator). When one variable
    comes with both prefixes for one year, the preferred prefix is read and the other
    column ignored."""
    found, ignored = {}, []
    for index, name in enumerate(names):
        match = INSEE_COLUMN.fullmatch(name.upper())
        if not match or match[3] not in INSEE_VARIABLES:
            if name and name not in (INSEE_CODE, *INSEE_LABELS):
                ignored.append(name.upper())
            continue
        prefix, digits, variable = match.groups()
        year = 2000 + int(digits)
        year = year if year <= this_year else year - 100  # « P99_POP » is 1999
        preferred, spec = INSEE_VARIABLES[variable]
        key = (variable, year)
        if key in found:
            if prefix != preferred:
                ignored.append(name.upper())
                continue
            ignored.append(found[key][1])
        found[key] = (index, name.upper(), variable, year, spec)
    plan.ignored_columns = ignored
    return {
        index: (name, variable, year, plan.catalogue.indicator(spec))
        for index, name, variable, year, spec in found.values()
    }


def insee_sums(plan, columns):
    """The variables of ``INSEE_SUMS`` a file gives in parts only, as (year, indicator,
    parts), each said in a remark."""
    names = {(variable, year): name for name, variable, year, _i in columns.values()}
    sums = []
    for variable, parts in INSEE_SUMS.items():
        for year in sorted({year for _variable, year in names}):
            if (variable, year) in names or any((part, year) not in names for part in parts):
                continue
            indicator = plan.catalogue.indicator(INSEE_VARIABLES[variable][1])
            sums.append((year, indicator, parts))
            plan.remarks.append(
                f"{indicator.label} ({year}) : somme des colonnes "
                f"{' et '.join(names[part, year] for part in parts)}."
            )
    return sums
