"""Exports of a diagnostic's indicator tables, for the Caf and EPCI staff who rework them.

- CSV, long format: one line per cell (section, table, row, column, territory, year or
  period, value as displayed, exact number, origin: stored value, computed, figure of the
  source, secret; the figure printed in the source and whether it disagrees). It is what a
  pivot table, a filter or another tool takes in without any reshaping. Semicolons, decimal
  commas and a byte order mark, so that a French Excel opens it as is.
- XLSX: one sheet per table laid out as in the document, with the exact figures stored as
  numbers (shares and evolutions in %, counts grouped), so a table can be pasted into a
  report or charted without retyping; then the same long format on one sheet, and, for
  the internal version, the consistency checks.

The public version (``public=True`` in ``diagnostic_context``) has statistical secrecy
applied to every cell and no checks sheet.
"""

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font

from conventions.spreadsheets import csv_safe

from .. import computations as calc
from ..models import Indicator, TableColumn
from .cells import Origin

Kind = TableColumn.Kind
Unit = Indicator.Unit


EXPORT_COLUMNS = [
    "Section",
    "Tableau",
    "Ligne",
    "Colonne",
    "Territoire",
    "Année ou période",
    "Valeur affichée",
    "Nombre",
    "Origine",
    "Chiffre imprimé dans la source",
    "Écart avec la source",
]


def period_of(column):
    if column.kind in (Kind.VALUE, Kind.SHARE):
        return str(column.year or "")
    return f"{column.from_year}-{column.to_year}"


def exact_number(cell):
    """The exact figure of a cell (not for a trend, a note, a masked or source figure)."""
    return cell.value if isinstance(cell.value, Decimal) else None


def csv_number(value, origin):
    """A figure as a French spreadsheet reads it: ``30,7945``, ``11582``."""
    if value is None:
        return ""
    decimals = None if origin == Origin.DATA else 4
    return calc.format_number(value, decimals).replace(calc.NBSP, "")


def export_rows(diagnostic):
    """One line per cell of every indicator table, its exact figure as a ``Decimal``."""
    for table in diagnostic["tables"]:
        for row in table.rows:
            for column, cell in zip(table.columns, row.cells, strict=True):
                yield [
                    table.section.title,
                    table.title,
                    row.label,
                    column.label,
                    column.column.territory.name,
                    period_of(column.column),
                    cell.text.replace(calc.NBSP, " "),
                    exact_number(cell),
                    cell.origin,
                    cell.printed,
                    "oui" if cell.discrepancy else "",
                ]


def as_csv(diagnostic):
    """The CSV export: semicolons, decimal commas and a byte order mark, as a French Excel
    opens it."""
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for line in export_rows(diagnostic):
        line[7] = csv_number(line[7], line[8])
        writer.writerow([csv_safe(value) for value in line])
    return "\ufeff" + output.getvalue()


def number_format(cell, decimals):
    """The Excel format of a cell, as the table prints it: ``#,##0``, ``0.0 "%"``..."""
    places = f".{'0' * decimals}" if decimals else ""
    if cell.form in ("share", Unit.PERCENT):
        return f'0{places} "%"'
    if cell.form == "change":
        return f'+0{places} "%";-0{places} "%";0{places} "%"'
    if cell.form == "points":
        return f'+0{places} "pt";-0{places} "pt";0{places} "pt"'
    if cell.form == Unit.EUROS:
        return '#,##0 "€"' if cell.value == cell.value.to_integral_value() else '#,##0.00 "€"'
    if cell.value == cell.value.to_integral_value():
        return "#,##0"
    return "#,##0.0" if cell.form != Unit.ETP else "#,##0.00"


def sheet_title(title, taken):
    """An Excel sheet name: at most 31 characters, none of ``[]:*?/\\``, unique."""
    clean = "".join(" " if char in "[]:*?/\\" else char for char in title).strip() or "Tableau"
    name, number = clean[:31], 1
    while name in taken:
        number += 1
        suffix = f" ({number})"
        name = f"{clean[: 31 - len(suffix)]}{suffix}"
    taken.add(name)
    return name


def as_text(target):
    """A string cell stays a string: openpyxl would store ``=…`` as a formula."""
    if isinstance(target.value, str) and target.data_type == "f":
        target.data_type = "s"
    return target


def append(sheet, values):
    sheet.append(values)
    for target in sheet[sheet.max_row]:
        as_text(target)


def write_cell(target, cell, decimals):
    number = exact_number(cell)
    if number is not None and cell.form != "value_and_share":
        target.value = number
        target.number_format = number_format(cell, decimals)
    else:
        target.value = cell.text.replace(calc.NBSP, " ")
    if cell.from_source:
        target.value = f"{target.value} *"
    if cell.discrepancy:
        target.comment = Comment(f"La source imprime {cell.printed}.", "CTG")
    as_text(target)


def table_sheet(workbook, table, taken, threshold):
    sheet = workbook.create_sheet(sheet_title(table.title, taken))
    append(sheet, [table.title])
    append(sheet, ["Indicateur", *(column.label for column in table.columns)])
    for cell in (*sheet[1], *sheet[2]):
        cell.font = Font(bold=True)
    for number, row in enumerate(table.rows, start=3):
        as_text(sheet.cell(row=number, column=1, value=row.label))
        for column, cell in enumerate(row.cells, start=2):
            write_cell(sheet.cell(row=number, column=column), cell, table.table.decimals)
    notes = []
    if table.has_source_figures:
        notes.append("* Chiffre de la source, non recalculable avec les données enregistrées.")
    if table.has_discrepancies:
        notes.append("Les cellules commentées diffèrent du chiffre imprimé dans la source.")
    if table.has_secret:
        notes.append(f"s : secret statistique (effectif inférieur à {threshold}).")
    if notes:
        sheet.append([])
    for note in notes:
        append(sheet, [note])
    sheet.column_dimensions["A"].width = 60
    sheet.freeze_panes = "B3"


def funding_sheet(workbook, blocks, taken):
    sheet = workbook.create_sheet(sheet_title("Financements Caf", taken))
    sheet.append(
        ["Équipement", "Année", "Dispositif", "Montant (€)", "Budget global (€)", "Taux (%)"]
    )
    for funding in blocks.fundings:
        for amount in funding.amounts.all():
            rate = calc.share(amount.amount, funding.budget)
            scheme = str(amount.scheme) if amount.scheme else "Caf (dispositif non précisé)"
            line = [funding.label, funding.year, scheme, amount.amount, funding.budget, rate]
            append(sheet, line)
            sheet.cell(row=sheet.max_row, column=6).number_format = "0"
    sheet.column_dimensions["A"].width = 40


def as_xlsx(diagnostic):
    """The XLSX export: one sheet per indicator table laid out as printed, with the exact
    figures as numbers; the Caf funding; every cell in long format; the checks (internal
    version only)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken = set()
    for table in diagnostic["tables"]:
        table_sheet(workbook, table, taken, diagnostic["threshold"])
    if diagnostic["blocks"].fundings:
        funding_sheet(workbook, diagnostic["blocks"], taken)
    cells = workbook.create_sheet(sheet_title("Toutes les cellules", taken))
    cells.append(EXPORT_COLUMNS)
    for line in export_rows(diagnostic):
        append(cells, line)
    if not diagnostic["public"]:
        checks = workbook.create_sheet(sheet_title("Contrôles de cohérence", taken))
        checks.append(["Tableau", "Ligne", "Colonne", "Chiffre imprimé", "Chiffre calculé"])
        for item in diagnostic["discrepancies"]:
            append(checks, [item.table, item.row, item.column, item.printed, item.computed])
        checks.append([])
        checks.append(["Tableau", "Avertissement"])
        for warning in diagnostic["warnings"]:
            append(checks, [warning.table, warning.message])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
