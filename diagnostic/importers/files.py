"""Reading CSV and XLSX files into numbered lines, and reading their cells."""

import calendar
import csv
import datetime
import io
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from conventions import workbooks
from conventions.resources import not_a_number
from conventions.validators import MAX_YEAR, MIN_YEAR

QUANTUM = Decimal("0.0001")  # an observation keeps four decimals
TOO_BIG = Decimal(10) ** 12  # and sixteen digits in all


class FileError(ValueError):
    """The file cannot be read; the message is meant for the person importing it."""

    def __init__(self, message, line=1):
        super().__init__(message)
        self.line = line


def read_file(*, content, filename):
    """The lines of a CSV (``;``, ``,`` or tab separated) or XLSX file as ``(line, cells)``,
    the first line of the file being 1; XLSX cells keep their type (numbers, dates)."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        return read_xlsx(content)
    if content[:4] == b"PK\x03\x04":
        raise FileError("Ce fichier est un classeur : donnez-lui l'extension .xlsx.")
    return read_csv(content)


def read_csv(content):
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            decoded = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileError("Ce fichier n'est pas un texte CSV lisible (UTF-8 ou Windows-1252).")
    first = decoded.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    return csv_lines(csv.reader(io.StringIO(decoded, newline=""), delimiter=delimiter))


def csv_lines(reader):
    """Each record with the line it starts on (a quoted cell may hold line breaks)."""
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    except csv.Error as error:
        raise FileError(f"le fichier CSV est mal formé ({error}).", line) from None


def read_xlsx(content):
    """Within the limits of every import (``conventions.workbooks``)."""
    try:
        return list(enumerate(workbooks.read_rows(content), start=1))
    except workbooks.WorkbookRefused as refusal:
        raise FileError(str(refusal)) from None


# --- Cells ----------------------------------------------------------------------------------


def text(cell):
    """A cell as text; an XLSX number loses its ``.0`` (a code typed as a number)."""
    if type(cell) is str:
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def parse_number(cell):
    """A value rounded to four decimals, from ``11 582``, ``2,50`` or ``2.5``."""
    written = text(cell) if type(cell) is str else str(cell)
    try:
        value = Decimal(written)
    except InvalidOperation:
        cleaned = written.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        try:
            value = Decimal(cleaned.replace(",", "."))
        except InvalidOperation:
            raise ValueError(not_a_number(written)) from None
    if not value.is_finite():
        raise ValueError(not_a_number(written))
    if abs(value) >= TOO_BIG:
        raise ValueError(f"« {written} » est trop grand (douze chiffres avant la virgule au plus).")
    return value.quantize(QUANTUM, ROUND_HALF_UP)


def parse_count(cell):
    value = parse_number(cell)
    if value < 0:
        raise ValueError(f"« {text(cell)} » : un effectif ne peut pas être négatif.")
    return value


def parse_year(cell):
    written = text(cell)
    if not (len(written) == 4 and written.isdigit() and MIN_YEAR <= int(written) <= MAX_YEAR):
        raise ValueError(
            f"« {written} » n'est pas une année (AAAA, entre {MIN_YEAR} et {MAX_YEAR})."
        )
    return int(written)


def check_year(year, cell):
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(
            f"« {text(cell)} » : l'année doit être comprise entre {MIN_YEAR} et {MAX_YEAR}."
        )


def parse_date(cell):
    date = read_date(cell)
    check_year(date.year, cell)
    return date


def read_date(cell):
    if isinstance(cell, datetime.datetime):
        return cell.date()
    if isinstance(cell, datetime.date):
        return cell
    written = text(cell)
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(written, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"« {written} » n'est pas une date (JJ/MM/AAAA).")


REFERENCE = re.compile(
    r"(?P<y1>\d{4})(?:-(?P<m1>\d{1,2})(?:-(?P<d1>\d{1,2}))?)?"
    r"|(?:(?P<d2>\d{1,2})/)?(?P<m2>\d{1,2})/(?P<y2>\d{4})"
    r"|(?P<y3>\d{4})(?P<m3>\d{2})"
)


def parse_reference(cell):
    """A Cafdata reference date (« 202212 » as data.caf.fr exports it, « 2022-12 »,
    « 2022-12-31 », « 31/12/2022 », « 2022 »):
    its year, and its date (the month's last day when only the month is given: Cafdata
    counts the benefits « au titre de décembre »)."""
    if isinstance(cell, datetime.date):
        date = parse_date(cell)
        return date.year, date
    written = text(cell)
    match = REFERENCE.fullmatch(re.split(r"[T ]", written, maxsplit=1)[0])
    if match:
        year = int(match["y1"] or match["y2"] or match["y3"])
        check_year(year, cell)
        month, day = match["m1"] or match["m2"] or match["m3"], match["d1"] or match["d2"]
        if month is None:
            return year, None
        try:
            day = int(day) if day else calendar.monthrange(year, int(month))[1]
            return year, datetime.date(year, int(month), day)
        except ValueError:  # month 13, 31 February...
            pass
    raise ValueError(
        f"« {written} » n'est pas une date de référence (AAAAMM, AAAA-MM ou JJ/MM/AAAA)."
    )


def normalize_code(code):
    """An INSEE code that lost its leading zero in a spreadsheet: ``1004`` → ``01004``."""
    if code.isdigit() and len(code) in (1, 4):
        return code.zfill(len(code) + 1)
    return code
