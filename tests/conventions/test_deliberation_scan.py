"""A deliberation's scan: uploaded from the workspace or the admin, checked by its content,
served to the convention's readers only, and printed as its pages in the convention's PDF.

Sample PDFs are made here with WeasyPrint (one coloured page each: red, then blue) and
pyHanko (an encrypted copy); the PDFs are read back with poppler's tools.
"""

import datetime
import functools
import hashlib
import html
import io
import re
import subprocess

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer
from weasyprint import HTML

from conventions import documents, scans
from conventions.forms import DeliberationForm
from conventions.models import Annex, Convention, Deliberation
from conventions.parts import REGISTRY
from tests.factories import ArticleFactory, ConventionFactory, DeliberationFactory

pytestmark = pytest.mark.django_db

JURA_NORD = "CTG Jura Nord 2019-2023"
RED, BLUE = (208, 0, 0), (0, 0, 208)
EDITOR, READER, OUTSIDER = "epci-jura-nord", "lecteur-jura-nord", "epci-coteaux"


# --- Samples ------------------------------------------------------------------------------


@functools.cache
def sample_pdf(*colours):
    """A PDF with one A4 page per colour, each filled with it."""
    pages = "".join(
        f'<div style="background: rgb{colour}; height: 297mm;'
        f'{" break-before: page;" if index else ""}">Page scannée {index + 1}</div>'
        for index, colour in enumerate(colours)
    )
    style = "<style>@page { size: A4; margin: 0 } body { margin: 0 }</style>"
    return HTML(string=f"<html><head>{style}</head><body>{pages}</body></html>").write_pdf()


def encrypted(data):
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(data)))
    writer.encrypt("proprietaire", "")  # even without a password to open it
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(data, name="deliberation.pdf"):
    return ContentFile(data, name=name)


def run(*args):
    return subprocess.run(args, capture_output=True, check=True, text=True).stdout


def page_count(path):
    return int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", str(path)), re.M)[1])


# --- The workspace form ----------------------------------------------------------------------


def form_data(deliberation, **changes):
    """What the edit form posts for ``deliberation`` as it is, with ``changes``."""
    form = DeliberationForm(
        instance=deliberation, convention=deliberation.convention, part=REGISTRY["deliberation"]
    )
    data = {}
    for name in form.fields:
        value = form[name].value()
        if name != "scan" and value not in (None, ""):
            data[name] = value.isoformat() if isinstance(value, datetime.date) else value
    return data | changes


def stored_scans(deliberation):
    storage = Deliberation._meta.get_field("scan").storage
    folder = f"deliberations/{deliberation.convention_id}"
    return set(storage.listdir(folder)[1]) if storage.exists(folder) else set()


@pytest.fixture
def deliberation(demo):
    return demo.deliberations.order_by("pk").first()


def edit_url(deliberation):
    return reverse(
        "conventions:part-edit",
        args=[deliberation.convention_id, "deliberation", deliberation.pk],
    )


def post_scan(client, deliberation, data, *, username=EDITOR, htmx=True, **changes):
    client.login(username=username, password="demo-ctg")
    payload = form_data(deliberation, **changes) | {"scan": upload(data)}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(edit_url(deliberation), payload, headers=headers)


def test_editor_uploads_a_scan_and_its_hash_and_pages_are_kept(client, deliberation):
    data = sample_pdf(RED, BLUE)

    response = post_scan(client, deliberation, data)

    assert response.status_code == 200
    deliberation.refresh_from_db()
    assert deliberation.scan_pages == 2
    assert deliberation.scan_sha256 == hashlib.sha256(data).hexdigest()
    with deliberation.scan.open("rb") as file:
        assert file.read() == data
    assert deliberation.scan.name.startswith(f"deliberations/{deliberation.convention_id}/")
    scan_url = reverse(
        "conventions:deliberation-scan", args=[deliberation.convention_id, deliberation.pk]
    )
    assert scan_url in response.content.decode()  # the row links to it


def test_the_edit_form_is_multipart_and_links_the_stored_scan(client, deliberation):
    post_scan(client, deliberation, sample_pdf(RED))

    page = client.get(edit_url(deliberation)).content.decode()

    assert 'enctype="multipart/form-data"' in page
    assert 'hx-encoding="multipart/form-data"' in page
    scan_url = reverse(
        "conventions:deliberation-scan", args=[deliberation.convention_id, deliberation.pk]
    )
    assert f'href="{scan_url}"' in page
    assert "/media/" not in page  # the private storage's own URL is never shown


REFUSED = [
    ("not_pdf", lambda: b"Bonjour, ceci n'est pas un PDF.", "n'est pas un PDF"),
    ("image", lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "n'est pas un PDF"),
    ("truncated", lambda: sample_pdf(RED, BLUE)[:1500], "illisible ou endommagé"),
    ("garbage", lambda: b"%PDF-1.7\n" + b"n'importe quoi " * 300, "illisible ou endommagé"),
    ("encrypted", lambda: encrypted(sample_pdf(RED)), "protégé"),
]


@pytest.mark.parametrize("kind, make, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_a_bad_file_is_refused_and_nothing_changes(client, deliberation, kind, make, message):
    before = stored_scans(deliberation)

    response = post_scan(client, deliberation, make(), place="Salle tapée à la main")

    assert response.status_code == 422
    page = html.unescape(response.content.decode())
    assert message in page
    assert "Salle tapée à la main" in page  # the form keeps what was typed
    refreshed = Deliberation.objects.get(pk=deliberation.pk)
    assert not refreshed.scan and refreshed.scan_sha256 == "" and refreshed.scan_pages is None
    assert refreshed.place == deliberation.place
    assert stored_scans(deliberation) == before


def test_an_oversized_file_is_refused(client, deliberation, settings):
    settings.CTG_UPLOAD_MAX_BYTES = 2000
    before = stored_scans(deliberation)

    response = post_scan(client, deliberation, sample_pdf(RED, BLUE))

    assert response.status_code == 422
    assert "la limite est de 0,0 Mo" in response.content.decode()
    assert not Deliberation.objects.get(pk=deliberation.pk).scan
    assert stored_scans(deliberation) == before


def test_the_scan_is_removed_with_the_clear_box(
    client, deliberation, django_capture_on_commit_callbacks
):
    post_scan(client, deliberation, sample_pdf(RED))
    deliberation.refresh_from_db()
    name = deliberation.scan.name

    payload = form_data(deliberation) | {"scan-clear": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_url(deliberation), payload, headers={"HX-Request": "true"})

    assert response.status_code == 200
    deliberation.refresh_from_db()
    assert not deliberation.scan and deliberation.scan_pages is None
    assert not deliberation.scan.storage.exists(name)


def test_reader_cannot_upload(client, deliberation):
    before = stored_scans(deliberation)

    response = post_scan(client, deliberation, sample_pdf(RED), username=READER)

    assert response.status_code == 403
    assert not Deliberation.objects.get(pk=deliberation.pk).scan
    assert stored_scans(deliberation) == before


def test_a_locked_convention_refuses_the_upload(client, demo, deliberation):
    Convention.objects.filter(pk=demo.pk).update(status=Convention.Status.SIGNED)
    before = stored_scans(deliberation)

    response = post_scan(client, deliberation, sample_pdf(RED))

    assert response.status_code == 403
    assert not Deliberation.objects.get(pk=deliberation.pk).scan
    assert stored_scans(deliberation) == before


# --- The admin --------------------------------------------------------------------------------


def admin_data(client, deliberation):
    """The admin's change form as posted unchanged (its inline's management form included)."""
    page = client.get(reverse("admin:conventions_deliberation_change", args=[deliberation.pk]))
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if name != "scan" and value not in (None, ""):
            data[name] = (
                value.isoformat() if isinstance(value, datetime.date | datetime.time) else value
            )
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for inline in formset.formset.forms:
            for name in inline.fields:
                value = inline[name].value()
                if value not in (None, ""):
                    data[inline.add_prefix(name)] = value
    return data


def test_admin_uploads_and_refuses_like_the_workspace(admin_client, deliberation):
    url = reverse("admin:conventions_deliberation_change", args=[deliberation.pk])
    data = admin_data(admin_client, deliberation)

    refused = admin_client.post(url, data | {"scan": upload(encrypted(sample_pdf(RED)))})
    assert refused.status_code == 200
    assert "protégé" in html.unescape(refused.content.decode())
    assert not Deliberation.objects.get(pk=deliberation.pk).scan

    response = admin_client.post(url, data | {"scan": upload(sample_pdf(RED, BLUE, RED))})
    assert response.status_code == 302, response.content.decode()[:2000]
    deliberation.refresh_from_db()
    assert deliberation.scan_pages == 3
    assert deliberation.scan_sha256 == hashlib.sha256(sample_pdf(RED, BLUE, RED)).hexdigest()


# --- Serving the scan ---------------------------------------------------------------------------


def attach(deliberation, data):
    deliberation.scan_sha256 = hashlib.sha256(data).hexdigest()
    deliberation.scan_pages = scans.count_pages(data)
    deliberation.scan.save("scan.pdf", ContentFile(data), save=False)
    deliberation.save()
    return deliberation


def scan_url(deliberation):
    return reverse(
        "conventions:deliberation-scan", args=[deliberation.convention_id, deliberation.pk]
    )


def test_reader_downloads_the_scan(client, deliberation):
    data = sample_pdf(BLUE)
    attach(deliberation, data)
    client.login(username=READER, password="demo-ctg")

    response = client.get(scan_url(deliberation))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == data


def test_outsider_gets_404_for_the_scan(client, deliberation):
    attach(deliberation, sample_pdf(BLUE))
    client.login(username=OUTSIDER, password="demo-ctg")

    assert client.get(scan_url(deliberation)).status_code == 404


def test_a_deliberation_of_another_convention_or_without_scan_is_404(client, demo):
    other = attach(DeliberationFactory(), sample_pdf(RED))
    client.login(username=EDITOR, password="demo-ctg")

    wrong_convention = reverse("conventions:deliberation-scan", args=[demo.pk, other.pk])
    assert client.get(wrong_convention).status_code == 404
    assert client.get(scan_url(demo.deliberations.first())).status_code == 404


def test_an_altered_scan_is_not_served(client, deliberation):
    attach(deliberation, sample_pdf(BLUE))
    Deliberation.objects.filter(pk=deliberation.pk).update(scan_sha256="0" * 64)
    client.login(username=READER, password="demo-ctg")

    assert client.get(scan_url(deliberation)).status_code == 404


# --- Printed in the convention's PDF --------------------------------------------------------------


def small_convention(title, *, scan=None):
    """A convention with two articles and one deliberation, alone in its annex 4."""
    convention = ConventionFactory(short_title=title)
    ArticleFactory(convention=convention, number=1, title="Objet")
    ArticleFactory(convention=convention, number=2, title="Durée")
    annex = Annex.objects.create(convention=convention, number=4, title="Délibération")
    deliberation = DeliberationFactory(party__convention=convention, annex=annex)
    if scan:
        attach(deliberation, scan)
    return convention


def test_the_pdf_grows_by_the_scan_pages(tmp_path):
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(
        documents.render_pdf(convention=small_convention("CTG sans scan"), cache=False)
    )
    scanned = tmp_path / "scanned.pdf"
    convention = small_convention("CTG avec scan", scan=sample_pdf(RED, BLUE))
    scanned.write_bytes(documents.render_pdf(convention=convention, cache=False))

    assert page_count(scanned) == page_count(plain) + 2


def page_texts(path):
    return run("pdftotext", "-enc", "UTF-8", str(path), "-").split("\f")[:-1]


def flat(text):
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def images_by_page(path):
    """{page number: [(width, height, encoding)]} according to pdfimages."""
    images = {}
    for line in run("pdfimages", "-list", str(path)).splitlines()[2:]:
        columns = line.split()
        images.setdefault(int(columns[0]), []).append((int(columns[3]), int(columns[4])))
    return images


def colour_of(path, page, tmp_path):
    prefix = tmp_path / f"page-{page}"
    run("pdfimages", "-j", "-f", str(page), "-l", str(page), str(path), str(prefix))
    (image,) = tmp_path.glob(f"page-{page}-*.jpg")
    return Image.open(image).convert("RGB").resize((1, 1)).getpixel((0, 0))


def near(colour, expected):
    return all(abs(a - b) < 40 for a, b in zip(colour, expected, strict=True))


@pytest.fixture(scope="module")
def jura_scanned(demo_db, django_db_blocker, tmp_path_factory):
    """Jura Nord with a two-page scan (red, blue) on its first deliberation, as a PDF; the
    changes are undone afterwards (the demo data is shared by the session)."""
    with django_db_blocker.unblock():
        convention = Convention.objects.get(short_title=JURA_NORD)
        deliberation = convention.deliberations.order_by("pk").first()
        attach(deliberation, sample_pdf(RED, BLUE))
        try:
            pdf = documents.render_pdf(convention=convention, cache=False)
        finally:
            Deliberation.objects.filter(pk=deliberation.pk).update(
                scan="", scan_sha256="", scan_pages=None
            )
    path = tmp_path_factory.mktemp("scan") / "jura-scan.pdf"
    path.write_bytes(pdf)
    return path, deliberation


def test_scan_pages_are_printed_with_header_page_number_and_initials(jura_scanned, tmp_path):
    path, deliberation = jura_scanned
    pages = page_texts(path)
    images = images_by_page(path)

    assert len(images) == 2  # two pages with an image each, nothing else
    first, second = sorted(images)
    assert second == first + 1
    for number in (first, second):
        text = flat(pages[number - 1])
        assert f"Page {number} / {len(pages)}" in text
        assert JURA_NORD in text
        assert "Paraphes des parties" in text
    assert near(colour_of(path, first, tmp_path), RED)
    assert near(colour_of(path, second, tmp_path), BLUE)
    # The recorded text of that act is not printed; its title and the scan's hash are.
    before = flat(pages[first - 2])
    assert "Copie de l'acte scannée : 2 pages" in before
    assert deliberation.scan_sha256 in before.replace(" ", "")


def test_sommaire_page_numbers_stay_right_with_a_scan(jura_scanned):
    path, _deliberation = jura_scanned
    pages = [flat(page) for page in page_texts(path)]
    sommaire = next(index for index, page in enumerate(pages, 1) if "Sommaire" in page)
    entries = re.findall(r"Annexe (\d) : [^.]*?\.+ ?(\d+)", pages[sommaire - 1])

    assert len(entries) == 5
    for number, page in entries:
        found = pages[int(page) - 1].replace("–", ":")
        assert f"Annexe {number} :" in found, f"annexe {number} is not on page {page}"


def test_pdf_with_a_scan_stays_pdfa_with_every_font_embedded(jura_scanned):
    path, _deliberation = jura_scanned

    rows = run("pdffonts", str(path)).splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows)
    metadata = run("pdfinfo", "-meta", str(path))
    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="B"' in metadata


def test_the_renderer_gets_the_scan_only_from_the_server(deliberation):
    attach(deliberation, sample_pdf(RED))
    deliberation = documents.prepare_deliberation(deliberation)
    (url,) = deliberation.scan_urls
    images = documents.scan_images([deliberation])

    fetcher = documents.StaticFilesFetcher(images)
    assert fetcher.fetch(url).read()[:3] == b"\xff\xd8\xff"  # a JPEG
    with pytest.raises(documents.URLRefused):
        documents.StaticFilesFetcher().fetch(url)  # not given by the server: refused
    with pytest.raises(documents.URLRefused):
        fetcher.fetch(url.replace("page-1", "page-2"))


def test_preview_links_the_scan_instead_of_printing_it(client, deliberation):
    attach(deliberation, sample_pdf(RED))
    client.login(username=READER, password="demo-ctg")

    page = client.get(
        reverse("conventions:document-preview", args=[deliberation.convention_id])
    ).content.decode()

    assert scan_url(deliberation) in page
    assert documents.SCAN_URL not in page


def test_without_pdftoppm_the_download_says_why(client, deliberation, monkeypatch, settings):
    settings.MEDIA_ROOT = settings.MEDIA_ROOT / "sans-pdftoppm"  # an empty PDF cache
    attach(deliberation, sample_pdf(RED))
    monkeypatch.setenv("PATH", "/nonexistent")
    client.login(username=READER, password="demo-ctg")

    response = client.get(
        reverse("conventions:document-download", args=[deliberation.convention_id])
    )

    assert response.status_code == 503
    assert "pdftoppm (paquet poppler-utils) manque sur le serveur" in html.unescape(
        response.content.decode()
    )


# --- A scan that can no longer be printed -------------------------------------------------------


def test_an_altered_scan_stops_the_export_and_the_freeze_with_a_message(tmp_path):
    from django.core.management import CommandError, call_command

    from conventions.workflow import StepRefused, freeze

    convention = small_convention("CTG au scan altéré", scan=sample_pdf(RED))
    Deliberation.objects.filter(convention=convention).update(scan_sha256="0" * 64)

    with pytest.raises(CommandError, match="ne correspond plus à son empreinte"):
        call_command("convention_pdf", convention.pk, "-o", str(tmp_path / "c.pdf"))
    with pytest.raises(StepRefused, match="ne correspond plus à son empreinte"):
        freeze(convention, user=None)
    assert not convention.frozen_documents.exists()
