"""XLSX imports are refused, whole and before anything is written, past the rows and the
uncompressed size of ``CTG_IMPORT_MAX_ROWS`` and ``CTG_IMPORT_MAX_UNCOMPRESSED_BYTES``:
through the diagnostic's import page and every import of the back-office. Files are
built small in each test, with the limits lowered."""

import io
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from actions.models import Action
from conventions import workbooks
from diagnostic import importers
from diagnostic.models import Indicator, Observation
from tests.factories import (
    ConventionFactory,
    IndicatorFactory,
    MembershipFactory,
    PartyFactory,
    TerritoryFactory,
)
from tests.imports import admin_preview, xlsx_file

pytestmark = pytest.mark.django_db

MEGABYTE = 1024 * 1024
# django-import-export's import page lists no resource once the file is refused: its own
# template then reads an undefined variable (an empty line in production).
LIBRARY_TEMPLATE = pytest.mark.ignore_template_errors
HEADER = ["indicator", "territory", "year", "value", "note"]


def observation_rows(count):
    return [HEADER] + [["pop_total", "200000001", 1900 + n, n, ""] for n in range(count)]


def with_member(content, name, data):
    """The workbook ``content`` with one more part."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            target.writestr(member, source.read(member))
        target.writestr(name, data)
    return buffer.getvalue()


def claiming(content, size):
    """The workbook ``content`` whose first part claims ``size`` bytes uncompressed in the
    archive's directory (what zipfile reads), whatever it really holds."""
    at = content.index(b"PK\x01\x02")  # the first entry of the central directory
    return content[: at + 24] + struct.pack("<I", size) + content[at + 28 :]


def sheet_without_dimension(rows):
    """A workbook whose sheet does not state its size, with ``rows`` rows of one cell."""
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + b'<row><c t="n"><v>1</v></c></row>' * rows + b"</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    content = xlsx_file([["a"]]).read()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            is_sheet = member.filename == "xl/worksheets/sheet1.xml"
            target.writestr(member, sheet if is_sheet else source.read(member))
    return buffer.getvalue()


def upload(content, name="import.xlsx"):
    return SimpleUploadedFile(name, content, content_type="application/vnd.ms-excel")


@pytest.fixture
def limits(settings):
    settings.CTG_IMPORT_MAX_ROWS = 10
    settings.CTG_IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    return settings


@pytest.fixture
def territory():
    IndicatorFactory(code="pop_total")
    return TerritoryFactory(code="200000001")


# --- The shared reader ----------------------------------------------------------------------


def test_a_sheet_within_the_limits_is_read(limits):
    rows = workbooks.read_rows(xlsx_file(observation_rows(9)).read())
    assert len(rows) == 10 and rows[1] == ["pop_total", "200000001", 1900, 0, None]


def test_a_sheet_with_more_rows_than_the_limit_is_refused_naming_it(limits):
    with pytest.raises(workbooks.WorkbookRefused, match="plus de 10 lignes, la limite"):
        workbooks.read_rows(xlsx_file(observation_rows(10)).read())


def test_a_sheet_without_its_size_is_counted_before_openpyxl_parses_it(limits, monkeypatch):
    assert len(workbooks.read_rows(sheet_without_dimension(10))) == 10
    monkeypatch.setattr("openpyxl.load_workbook", None)  # never reached
    with pytest.raises(workbooks.WorkbookRefused, match="plus de 10 lignes"):
        workbooks.read_rows(sheet_without_dimension(11))


def test_rows_are_counted_across_chunks_with_or_without_a_prefix(limits, monkeypatch):
    monkeypatch.setattr(workbooks, "CHUNK", 7)
    xml = b"<sheetData><row r='1'/><x:row>" + b"<rowBreaks/><row>" * 3 + b"<row\n/></sheetData>"
    assert workbooks.count_rows(io.BytesIO(xml)) == 6
    assert 10 < workbooks.count_rows(io.BytesIO(b"<row>" * 1000)) < 100  # stops past the limit


def test_a_part_that_inflates_past_the_size_it_claims_is_refused(monkeypatch):
    content = with_member(xlsx_file(observation_rows(1)).read(), "a.bin", b"\0" * MEGABYTE)
    at = content.rindex(b"PK\x01\x02")  # the last part's entry in the directory
    content = content[: at + 24] + struct.pack("<I", 100) + content[at + 28 :]
    with pytest.raises(workbooks.WorkbookRefused, match="pas un classeur XLSX lisible"):
        workbooks.read_rows(content)


def test_a_part_that_inflates_past_the_limit_is_refused_before_reading(limits, monkeypatch):
    content = with_member(
        xlsx_file(observation_rows(1)).read(), "xl/media/b.bin", b"\0" * 5 * MEGABYTE
    )
    assert len(content) < 20_000  # 5 MB of zeros deflate to a few kilobytes
    monkeypatch.setattr("openpyxl.load_workbook", None)  # never reached
    with pytest.raises(workbooks.WorkbookRefused) as refusal:
        workbooks.read_rows(content)
    assert str(refusal.value).startswith("Ce classeur occupe 5 Mo une fois décompressé")
    assert "au-delà de la limite de 1 Mo par import" in str(refusal.value)


def test_a_part_that_claims_a_huge_size_is_refused_with_the_default_limit(monkeypatch):
    content = claiming(xlsx_file(observation_rows(1)).read(), 0xFFFF0000)
    monkeypatch.setattr("openpyxl.load_workbook", None)  # never reached
    with pytest.raises(workbooks.WorkbookRefused, match="limite de 100 Mo par import"):
        workbooks.read_rows(content)


def test_a_file_that_is_not_a_workbook_is_refused_in_french():
    for content in (b"", b"PK\x03\x04 broken", b"not a zip"):
        with pytest.raises(workbooks.WorkbookRefused, match="pas un classeur XLSX lisible"):
            workbooks.read_rows(content)


# --- Every import that reads an XLSX ----------------------------------------------------------


def test_diagnostic_import_page_refuses_too_many_rows_and_writes_nothing(client, limits):
    convention = ConventionFactory()
    membership = MembershipFactory()
    PartyFactory(convention=convention, organisation=membership.organisation)
    client.force_login(membership.user)
    content = xlsx_file([["indicator", "territory", "year", "value"]] * 11).read()
    before = Observation.objects.count()
    response = client.post(
        reverse("diagnostic:import", args=[convention.pk]),
        {"source": "long", "file": upload(content)},
    )
    assert response.status_code == 422
    assert escape("plus de 10 lignes, la limite par import") in response.content.decode()
    assert Observation.objects.count() == before


def test_diagnostic_importer_reads_within_the_limits(limits):
    with pytest.raises(importers.FileError, match="plus de 10 lignes"):
        importers.read_file(content=xlsx_file(observation_rows(10)).read(), filename="a.xlsx")
    lines = importers.read_file(content=xlsx_file(observation_rows(9)).read(), filename="a.xlsx")
    assert [line for line, cells in lines] == list(range(1, 11))


@LIBRARY_TEMPLATE
@pytest.mark.parametrize("resource", ["0", "1", "2"])  # long format, Cafdata, INSEE
def test_admin_observation_imports_refuse_too_many_rows_and_write_nothing(
    admin_client, limits, territory, resource
):
    data = {"resource": resource, "format": "1", "import_file": xlsx_file(observation_rows(10))}
    before = Observation.objects.count()
    response = admin_client.post(reverse("admin:diagnostic_observation_import"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors["import_file"]
    assert errors == [
        "Ce classeur a plus de 10 lignes, la limite par import : découpez-le en plusieurs "
        "fichiers, ou enregistrez-le au format CSV."
    ]
    assert Observation.objects.count() == before


@LIBRARY_TEMPLATE
def test_admin_imports_refuse_a_workbook_too_large_once_uncompressed(admin_client, limits):
    content = with_member(
        xlsx_file([["code", "label"]]).read(), "xl/media/b.bin", b"\0" * 3 * MEGABYTE
    )
    before = Indicator.objects.count(), Action.objects.count()
    for model in (Indicator, Action):
        preview = admin_preview(admin_client, model, upload(content))
        errors = preview.context["form"].errors["import_file"]
        assert errors[0].startswith("Ce classeur occupe 3 Mo une fois décompressé"), model
        assert "limite de 1 Mo par import" in errors[0]
    assert (Indicator.objects.count(), Action.objects.count()) == before


def test_admin_import_within_the_limits_still_previews(admin_client, limits, territory):
    preview = admin_preview(admin_client, Observation, xlsx_file(observation_rows(3)))
    assert "import_file" not in preview.context["form"].errors
    assert len(preview.context["result"].rows) == 3
