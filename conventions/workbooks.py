"""Uploaded XLSX workbooks read within bounds, for every import: the diagnostic's import
pages (``diagnostic.importers``) and the back-office's (django-import-export).

An XLSX is a zip archive of XML parts: a file of 1 MB can hold millions of rows. Before
openpyxl opens it, the sizes its parts take once uncompressed are added up
(``CTG_IMPORT_MAX_UNCOMPRESSED_BYTES``); Python's ``zipfile``, which openpyxl reads with,
never inflates a part beyond the size the archive declares for it, so this bound holds even
for a part that lies about its size. The rows of each part are counted by streaming it, up
to ``CTG_IMPORT_MAX_ROWS`` (openpyxl would parse a whole sheet on opening it when the sheet
does not state its size); then the first sheet is read row by row in read-only mode, the
reading stopping at the limit too. A refused file is refused whole, before anything is
written, with a French message naming the limit.
"""

import io
import re
import warnings
import zipfile

import openpyxl
import tablib
from django.conf import settings
from django.utils.formats import number_format
from import_export.formats import base_formats

MEGABYTE = 1024 * 1024
UNREADABLE = "Ce fichier n'est pas un classeur XLSX lisible."


class WorkbookRefused(ValueError):
    """The workbook cannot be imported; the message is meant for the person importing it."""


def megabytes(size):
    return number_format(round(size / MEGABYTE), force_grouping=True)


def check_archive(content):
    """Refuse a workbook whose parts take more than the limit once uncompressed, or one of
    whose sheets has more rows than the limit: counted by streaming each part, since
    openpyxl parses a whole sheet when opening it if the sheet does not state its size."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
            check_size(sum(member.file_size for member in members))
            for member in members:
                with archive.open(member) as part:
                    check_rows(count_rows(part))
    except WorkbookRefused:
        raise
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, OSError):
        # not a zip, a part compressed in a way zipfile cannot read, a bad CRC (a part
        # inflating past the size it declares is cut there, and then fails its CRC)
        raise WorkbookRefused(UNREADABLE) from None


def check_size(size):
    limit = settings.CTG_IMPORT_MAX_UNCOMPRESSED_BYTES
    if size > limit:
        raise WorkbookRefused(
            f"Ce classeur occupe {megabytes(size)} Mo une fois décompressé, au-delà de la "
            f"limite de {megabytes(limit)} Mo par import : découpez-le en plusieurs fichiers "
            "ou retirez-en les feuilles et les colonnes inutiles."
        )


def check_rows(count):
    limit = settings.CTG_IMPORT_MAX_ROWS
    if count > limit:
        raise WorkbookRefused(
            f"Ce classeur a plus de {number_format(limit, force_grouping=True)} lignes, "
            "la limite par import : découpez-le en plusieurs fichiers, ou enregistrez-le "
            "au format CSV."
        )


# A row's start tag, with or without a namespace prefix (<row …>, <x:row>), not <rowBreaks>.
ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
CHUNK = 1024 * 1024


def count_rows(part):
    """The row start tags in an archive's part, read by chunks (a tag may straddle two),
    counting no further than just past the limit."""
    count, tail, limit = 0, b"", settings.CTG_IMPORT_MAX_ROWS
    while count <= limit and (chunk := part.read(CHUNK)):
        data = tail + chunk
        # A tag is at most a few dozen bytes: keep the end of this chunk for the next one,
        # counting only the tags that start before it.
        cut = max(len(data) - 64, 0)
        count += sum(1 for match in ROW_TAG.finditer(data) if match.start() < cut)
        tail = data[cut:]
    return count + len(ROW_TAG.findall(tail))


def read_rows(content):
    """The rows of the workbook's first sheet, as lists of cell values (numbers and dates
    keep their type), within the limits; ``WorkbookRefused`` otherwise."""
    check_archive(content)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # styles openpyxl does not know
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # a corrupt or foreign archive: openpyxl raises many kinds
        raise WorkbookRefused(UNREADABLE) from None
    rows = []
    try:
        for cells in workbook.active.iter_rows(values_only=True):
            check_rows(len(rows) + 1)  # should the count above miss a form of the tag
            rows.append(list(cells))
    except WorkbookRefused:
        raise
    except Exception:  # a sheet that is not well-formed XML, a part whose CRC fails…
        raise WorkbookRefused(UNREADABLE) from None
    finally:
        workbook.close()
    return rows


class XLSX(base_formats.XLSX):
    """django-import-export's XLSX format, read by ``read_rows``."""

    def create_dataset(self, in_stream):
        rows = read_rows(in_stream)
        dataset = tablib.Dataset()
        if rows:
            dataset.headers = rows[0]
        ignore_blanks = getattr(settings, "IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES", False)
        for row in rows[1:]:
            if not (ignore_blanks and all(value is None for value in row)):
                dataset.append(row)
        return dataset


class BoundedImportMixin:
    """For the back-office's import admins: XLSX files read within the limits, and the
    reason of a refusal shown in French at the file field."""

    def get_import_formats(self):
        return [XLSX if fmt is base_formats.XLSX else fmt for fmt in super().get_import_formats()]

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, WorkbookRefused):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)
