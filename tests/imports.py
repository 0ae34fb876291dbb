"""Helpers to drive django-import-export's admin in tests: build files, preview, confirm."""

import csv
import io
from html.parser import HTMLParser

import openpyxl
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse


def csv_file(rows, name="import.csv"):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


def xlsx_file(rows, name="import.xlsx"):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/vnd.ms-excel")


def import_url(model, step="import"):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{step}")


def admin_preview(client, model, upload):
    """First step of the admin import: upload the file, get the preview page."""
    titles = [fmt().get_title() for fmt in admin.site._registry[model].get_import_formats()]
    extension = upload.name.rsplit(".", 1)[-1]
    data = {"resource": "0", "format": str(titles.index(extension)), "import_file": upload}
    return client.post(import_url(model), data)


class ConfirmFormInputs(HTMLParser):
    """The hidden inputs of the form posting to ``action``, as the browser would send them."""

    def __init__(self, action):
        super().__init__()
        self.action = action
        self.inside = False
        self.data = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif tag == "input" and self.inside and attrs.get("type") == "hidden":
            self.data[attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def confirm_form_data(preview, model):
    parser = ConfirmFormInputs(import_url(model, "process_import"))
    parser.feed(preview.content.decode())
    return parser.data


def admin_import(client, model, upload):
    """Both steps of the admin import: preview, then confirm with the page's hidden fields."""
    preview = admin_preview(client, model, upload)
    assert preview.status_code == 200
    data = confirm_form_data(preview, model)
    assert {"import_file_name", "original_file_name", "format", "resource"} <= data.keys()
    response = client.post(import_url(model, "process_import"), data)
    assert response.status_code == 302
    assert response.url == reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
    )
    return response
