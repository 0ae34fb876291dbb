"""Back-office exports neutralise formulas: a spreadsheet opens a label as text, never runs it."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from diagnostic.models import Indicator
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db

FORMULAS = {
    "code": '=HYPERLINK("http://example.org";"clic")',
    "label": "+1+cmd|' /C calc'!A0",
    "theme": Indicator.Theme.POPULATION,
    "definition": "@SUM(1;2)",
}
RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export(admin_client, file_format):
    """The indicators exported from the back-office, as rows of text."""
    fields = ("code", "label", "definition")
    data = {"format": file_format, "resource": "0"} | {
        f"indicatorresource_{f}": "on" for f in fields
    }
    response = admin_client.post(reverse("admin:diagnostic_indicator_export"), data)
    assert response.status_code == 200, response.content[:500]
    if file_format == "0":
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("file_format", ["0", "1"], ids=["csv", "xlsx"])
def test_admin_export_neutralises_formulas(admin_client, file_format):
    IndicatorFactory(**FORMULAS)
    IndicatorFactory(code="simple", label="-0,30 %", definition="Une définition")
    IndicatorFactory(code="tab", label="\tcaché", definition="\r=1+1")

    rows = export(admin_client, file_format)

    cells = [cell for row in rows[1:] for cell in row if isinstance(cell, str)]
    assert '\'=HYPERLINK("http://example.org";"clic")' in cells
    assert "'+1+cmd|' /C calc'!A0" in cells and "'@SUM(1;2)" in cells
    assert "'\tcaché" in cells and "'\r=1+1" in cells
    assert "-0,30 %" in cells  # a figure stays as it is
    assert not any(cell.startswith(RISKY_STARTS) and cell != "-0,30 %" for cell in cells)
