"""Importing observations from the Diagnostic tab: upload a file, see what it changes,
confirm.

The uploaded file waits between the preview and the confirmation in a temporary folder,
under a random name that only the uploader's session knows (with the convention and the
format it was previewed for); confirming imports it again from scratch, in one
transaction, so that what the data became in between is checked too.
"""

import secrets
import tempfile
import time
from pathlib import Path

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render

from conventions.access import convention_view, workspace

from . import importers

MAX_SIZE = 50 * 1024 * 1024
PENDING_DIR = Path(tempfile.gettempdir()) / "ctg-imports"
PENDING_KEY = "diagnostic_imports"
PENDING_LIFETIME = 24 * 3600
EXTENSIONS = (".csv", ".txt", ".xlsx")
SOURCES = importers.SOURCES.values()


class ImportForm(forms.Form):
    source = forms.ChoiceField(
        label="Format du fichier",
        choices=[(key, source.label) for key, source in importers.SOURCES.items()],
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label="Fichier CSV ou XLSX",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(EXTENSIONS):
            raise forms.ValidationError("Déposez un fichier CSV ou XLSX.")
        if upload.size > MAX_SIZE:
            raise forms.ValidationError("Ce fichier dépasse 50 Mo : découpez-le.")
        return upload


def page(request, convention, template, status=200, **context):
    context = workspace(convention, "diagnostic", **context)
    return render(request, f"diagnostic/{template}", context, status=status)


@convention_view(edit=True)
def import_file(request, convention):
    initial = {"source": request.GET.get("format", "")}  # from a chart without data
    form = ImportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method != "POST":
        return page(request, convention, "import.html", form=form, sources=SOURCES)
    if form.is_valid():
        upload, source = form.cleaned_data["file"], form.cleaned_data["source"]
        content = upload.read()
        try:
            rows = importers.read_file(content=content, filename=upload.name)
            scope = importers.scope_of(convention=convention)
            plan = importers.plan_import(source=source, rows=rows, scope=scope)
        except importers.FileError as error:
            form.add_error("file", str(error))
        else:
            token = keep(request, convention, source, upload.name, content) if plan.ok else ""
            status = 200 if plan.ok else 422
            return page(request, convention, "import_preview.html", status, plan=plan, token=token)
    return page(request, convention, "import.html", 422, form=form, sources=SOURCES)


@convention_view(edit=True)
def import_confirm(request, convention):
    if request.method != "POST":
        return redirect("diagnostic:import", pk=convention.pk)
    pending = take(request, convention, request.POST.get("token", ""))
    if pending is None:
        messages.error(request, "Ce fichier n'est plus en attente : déposez-le à nouveau.")
        return redirect("diagnostic:import", pk=convention.pk)
    source, filename, content = pending
    plan = importers.import_observations(
        source=source,
        rows=importers.read_file(content=content, filename=filename),
        scope=importers.scope_of(convention=convention),
        user=request.user,
        reason=f"Import : {filename}",
    )
    if not plan.written:  # the data changed since the preview
        return page(request, convention, "import_preview.html", 422, plan=plan, token="")
    counts = plan.counts
    messages.success(
        request,
        f"Import de « {filename} » terminé : {counts['new']} observation(s) créée(s), "
        f"{counts['update']} modifiée(s), {counts['unchanged']} inchangée(s).",
    )
    return redirect("diagnostic:tab", pk=convention.pk)


# --- Files waiting for their confirmation ---------------------------------------------------


def keep(request, convention, source, filename, content):
    """Keep an uploaded file until it is confirmed; returns its token."""
    PENDING_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    forget_old_files()
    token = secrets.token_hex(16)
    (PENDING_DIR / token).write_bytes(content)
    pending = {
        kept: item
        for kept, item in request.session.get(PENDING_KEY, {}).items()
        if (PENDING_DIR / kept).exists()  # not confirmed, and not forgotten yet
    }
    pending[token] = {"convention": convention.pk, "source": source, "filename": filename}
    request.session[PENDING_KEY] = pending
    return token


def take(request, convention, token):
    """The file ``token`` this session previewed for ``convention``, removed from the
    waiting ones: ``(source, filename, content)``, or ``None``."""
    pending = request.session.get(PENDING_KEY, {})
    item = pending.get(token)
    if not item or item["convention"] != convention.pk:
        return None
    del pending[token]
    request.session[PENDING_KEY] = pending
    path = PENDING_DIR / token  # a token of this session: 32 hexadecimal digits
    try:
        content = path.read_bytes()
    except FileNotFoundError:  # removed after a day
        return None
    path.unlink(missing_ok=True)
    return item["source"], item["filename"], content


def forget_old_files():
    limit = time.time() - PENDING_LIFETIME
    for path in PENDING_DIR.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:  # removed by another request meanwhile
            continue
