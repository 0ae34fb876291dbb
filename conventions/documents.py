"""The whole convention as one document: assembled here, rendered to HTML and to PDF.

``document_context`` loads everything the document prints in a fixed number of queries
(the prefetching is done once, here) and names the annex partial each annex uses; each
app owns its partial (``actions/_annex.html``, ``pilotage/_annex.html``,
``diagnostic/_annex.html``). ``render_html`` gives the HTML (the workspace preview shows
it as is), ``render_pdf`` the PDF/A-3b that the parties print, initial and sign.

The PDF renderer fetches nothing but the application's own static files: the HTML is
rendered with ``BASE_URL``, a host under ``.invalid`` (RFC 2606: it never resolves), and
``StaticFilesFetcher`` serves the URLs under its static prefix from the static files
finders, reading the file directly; it refuses every other URL: ``file:``, ``http(s):``
elsewhere, and ``data:`` URLs too (the document uses none: the stylesheet is a static
file and the charts are inline SVG; user text is escaped, so it cannot bring one in, and
refusing them all spares any size limit or image decoder). Fonts come from fontconfig by
family name (the Debian package fonts-dejavu-core), never from a URL. The one exception is
the pages of the scanned deliberations (``conventions.scans``): the server reads each scan
from its storage, turns its pages into images, and gives them to the fetcher, which serves
them under the URLs that the document made for them, and nothing else.

``render_pdf`` keeps each PDF it renders in a bounded cache (``PdfCache``), under the
SHA-256 of everything the output depends on (the HTML, the stylesheet, WeasyPrint's version
and options, how scans become images): a second download of unchanged content is served
from there, and a change makes another key, so nothing is ever invalidated. The creation
date is the one time-dependent part of the output; it is not in the HTML (it would change
the key every time) but set on the PDF when it is rendered.

Importing this module loads WeasyPrint (most of a second): the views and the command
import it when they render.
"""

import hashlib
import importlib.util
import json
import logging
import mimetypes
import os
import posixpath
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import Prefetch, prefetch_related_objects
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.text import slugify
from weasyprint import HTML
from weasyprint import __version__ as weasyprint_version
from weasyprint.urls import URLFetcher, URLFetcherResponse

from actions.models import actions_prefetch, by_field

from . import scans
from .models import Attendance, Deliberation, Party, Signatory

logger = logging.getLogger(__name__)

BASE_URL = "https://document.ctg.invalid/"
PDF_OPTIONS = {"pdf_variant": "pdf/a-3b", "pdf_tags": True}
DIAGNOSTIC_TEMPLATE = "diagnostic/_annex.html"
ANNEX_TEMPLATES = {1: DIAGNOSTIC_TEMPLATE, 2: "actions/_annex.html", 3: "pilotage/_annex.html"}
DELIBERATION_TEMPLATE = "conventions/_deliberation_annex.html"
DOCUMENT_TEMPLATE = "conventions/document/document.html"
STYLESHEET = "ctg/document.css"
SCAN_URL = f"{BASE_URL}deliberations/"


@dataclass
class AnnexPart:
    """One annex of the document: its stored heading and the partial printing its body
    (``None`` when there is nothing to print yet, the heading and intro stay)."""

    annex: object
    template: str | None
    landscape: bool = False
    own_heading: bool = False  # the partial prints the annex heading itself
    deliberations: list = field(default_factory=list)

    @property
    def anchor(self):
        return f"annexe-{self.annex.number}"


# Loading


def diagnostic_available():
    """Whether the diagnostic app provides annexe 1 (its tables and charts modules, and its
    partial); the document prints the annex heading alone until then."""
    modules = ("diagnostic.tables", "diagnostic.charts")
    if any(importlib.util.find_spec(module) is None for module in modules):
        return False
    try:
        get_template(DIAGNOSTIC_TEMPLATE)
    except TemplateDoesNotExist:
        return False
    return True


def diagnostic_context(convention):
    from diagnostic.charts import diagnostic_charts
    from diagnostic.tables import diagnostic_context as tables_context

    return {
        "diagnostic": tables_context(convention, public=False),
        "charts": diagnostic_charts(convention),
    }


def load(convention):
    """Everything the document prints, prefetched once on ``convention``."""
    prefetch_related_objects(
        [convention],
        Prefetch(
            "parties",
            queryset=Party.objects.select_related("organisation__territory__department"),
        ),
        Prefetch("parties__signatories", queryset=Signatory.objects.select_related("person")),
        "visas",
        "articles",
        "annexes",
        Prefetch(
            "deliberations",  # the convention's own: an avenant prints its deliberations
            queryset=Deliberation.objects.filter(amendment=None).select_related(
                "party__organisation__territory__department"
            ),
        ),
        Prefetch(
            "deliberations__attendance",
            queryset=Attendance.objects.select_related("commune", "proxy_holder__commune"),
        ),
        actions_prefetch(),
        "bodies__copilots",
        "bodies__members",
        "bodies__missions",
    )


ATTENDANCE_GROUPS = {
    Attendance.Status.PRESENT: "Présents",
    Attendance.Status.SUBSTITUTE: "Absents suppléés (suppléants votants)",
    Attendance.Status.EXCUSED: "Absents excusés",
    Attendance.Status.ABSENT: "Absents non excusés",
    Attendance.Status.SUBSTITUTE_NON_VOTING: "Suppléants présents sans voix délibérative",
}


@dataclass
class AttendanceGroup:
    label: str
    communes: list  # [(commune name, [member names])], in the order of the list


def attendance_groups(entries):
    """The attendance list as printed: by status, then by commune."""
    groups = []
    for status, label in ATTENDANCE_GROUPS.items():
        communes = {}
        for entry in entries:
            if entry.status == status:
                commune = entry.commune.name if entry.commune else ""
                communes.setdefault(commune, []).append(entry.name)
        if communes:
            groups.append(AttendanceGroup(label, list(communes.items())))
    return groups


def prepare_deliberation(deliberation):
    """What the printed act shows besides its fields: the issuer's département, the
    attendance by status and commune, and the proxies (mandant, mandataire)."""
    territory = deliberation.party.organisation.territory
    department = None
    if territory is not None:
        department = (
            territory if territory.kind == territory.Kind.DEPARTEMENT else territory.department
        )
    entries = list(deliberation.attendance.all())
    deliberation.department = department
    deliberation.attendance_groups = attendance_groups(entries)
    deliberation.proxy_pairs = [
        (entry, entry.proxy_holder) for entry in entries if entry.proxy_holder
    ]
    deliberation.scan_urls = scan_urls(deliberation)
    return deliberation


def scan_urls(deliberation):
    """The URLs of the scanned pages the document prints for ``deliberation`` (none without
    a scan): made here, served only by the fetcher that ``render_pdf`` gives the images."""
    if not deliberation.scan or not deliberation.scan_pages:
        return []
    prefix = f"{SCAN_URL}{deliberation.pk}/{deliberation.scan_sha256}/page-"
    return [f"{prefix}{number}.jpg" for number in range(1, deliberation.scan_pages + 1)]


def annex_parts(convention, with_diagnostic):
    """The annexes in order, each with the partial that prints it: the deliberations
    attached to an annex (annexes 4 and 5), else the diagnostic, the action plan and the
    governance for annexes 1, 2 and 3."""
    by_annex = {}
    for deliberation in convention.deliberations.all():
        by_annex.setdefault(deliberation.annex_id, []).append(prepare_deliberation(deliberation))
    parts = []
    for annex in convention.annexes.all():
        if annex.pk in by_annex:
            parts.append(AnnexPart(annex, DELIBERATION_TEMPLATE, deliberations=by_annex[annex.pk]))
            continue
        template = ANNEX_TEMPLATES.get(annex.number)
        diagnostic = template == DIAGNOSTIC_TEMPLATE
        if diagnostic and not with_diagnostic:
            template = None
        parts.append(
            AnnexPart(
                annex,
                template,
                landscape=annex.number == 2,
                own_heading=diagnostic and with_diagnostic,
            )
        )
    return parts


def with_signature_boxes(parties):
    """The parties (signatories prefetched), each with one box per signatory for the
    signature block; an empty box (None) for a party without any yet."""
    parties = list(parties)
    for party in parties:
        party.signature_boxes = list(party.signatories.all()) or [None]
    return parties


def document_context(*, convention, preview=False):
    """The context of ``conventions/document/document.html``, queries included."""
    load(convention)
    with_diagnostic = diagnostic_available()
    parties = with_signature_boxes(convention.parties.all())
    bodies = list(convention.bodies.all())
    for body in bodies:
        body.copilot_names = [organisation.name for organisation in body.copilots.all()]
    context = {
        "convention": convention,
        "parties": parties,
        "annexes": annex_parts(convention, with_diagnostic),
        "fields": by_field(convention.actions.all()),
        "bodies": bodies,
        "preview": preview,
        "diagnostic": None,
        "charts": None,
    }
    if with_diagnostic:
        context.update(diagnostic_context(convention))
    return context


# Rendering


def build(*, convention, preview=False):
    """The document as HTML, in French whatever the user's language, and the deliberations
    whose scanned pages it prints."""
    with translation.override(settings.LANGUAGE_CODE):
        context = document_context(convention=convention, preview=preview)
        html = render_to_string(DOCUMENT_TEMPLATE, context)
    scanned = [d for part in context["annexes"] for d in part.deliberations if d.scan_urls]
    return html, scanned


def render_html(*, convention, preview=False):
    return build(convention=convention, preview=preview)[0]


def scan_images(scanned):
    """``{url: JPEG}`` for every page of the scanned deliberations, read from the storage."""
    images = {}
    for deliberation in scanned:
        data = scans.read_scan(deliberation)  # its errors name the deliberation
        try:
            pages = scans.page_images(data)
        except scans.ScanError as error:
            reason = str(error)
            raise scans.ScanError(
                f"La délibération scannée « {deliberation} » ne peut pas être imprimée : "
                f"{reason[:1].lower()}{reason[1:]}"
            ) from error
        if len(pages) != len(deliberation.scan_urls):
            raise scans.ScanError(
                f"La délibération scannée « {deliberation} » n'a pas le nombre de pages prévu."
            )
        images.update(zip(deliberation.scan_urls, pages, strict=True))
    return images


def layout(*, html, url_fetcher=None, images=None):
    """WeasyPrint's layout of ``html``; ``images`` (scanned pages) go to the fetcher."""
    fetcher = url_fetcher or StaticFilesFetcher()
    if images:
        fetcher.images = {**getattr(fetcher, "images", {}), **images}
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    if not document.metadata.created:  # the HTML leaves it out: see the module's docstring
        document.metadata.created = timezone.now().isoformat(timespec="seconds")
    return document


def html_to_pdf(*, html, url_fetcher=None, images=None):
    """WeasyPrint's part: layout and PDF/A-3b output, tagged, fonts embedded."""
    return layout(html=html, url_fetcher=url_fetcher, images=images).write_pdf(**PDF_OPTIONS)


def render_pdf(*, convention, url_fetcher=None, cache=True):
    """The convention's PDF, from the cache when its content has not changed."""
    return render_pdf_with_boxes(convention=convention, url_fetcher=url_fetcher, cache=cache)[0]


def render_pdf_with_boxes(*, convention, prefix="", url_fetcher=None, cache=True):
    """The PDF, and where each element whose ``id`` starts with ``prefix`` was laid out:
    ``{id: (page index, (x1, y1, x2, y2))}`` in PDF points from the page's bottom left
    (conventions.signing puts each signatory's stamp in their box of the signature block).
    Freezing reuses the rendering of a download of the same content, and the reverse."""
    html, scanned = build(convention=convention)
    pdf, boxes = cached_render(
        html, lambda: scan_images(scanned), url_fetcher=url_fetcher, cache=cache
    )
    return pdf, {name: box for name, box in boxes.items() if name.startswith(prefix)}


def cached_pdf(html, images=dict, *, url_fetcher=None, cache=True):
    """The PDF of ``html``, from the cache when it was rendered already."""
    return cached_render(html, images, url_fetcher=url_fetcher, cache=cache)[0]


def cached_render(html, images=dict, *, url_fetcher=None, cache=True):
    """The PDF of ``html`` and the boxes of its elements (``anchor_boxes``), from the cache
    when it was rendered already; ``images`` gives the images the document made (the
    scans), only when it is rendered."""
    key = cache_key(html)
    if cache and (found := PdfCache().get_with_boxes(key)) is not None:
        return found
    document = layout(html=html, url_fetcher=url_fetcher, images=images())
    pdf, boxes = document.write_pdf(**PDF_OPTIONS), anchor_boxes(document)
    if cache:
        try:
            PdfCache().set(key, pdf, boxes=boxes)
        except OSError:  # a cache that cannot be written costs speed, not the download
            logger.warning("Cache des PDF : écriture impossible", exc_info=True)
    return pdf, boxes


def anchor_boxes(document):
    """Where each element with an ``id`` was first laid out: ``{id: (page index, (x1, y1,
    x2, y2))}`` in PDF points (1/72 in) from the page's bottom left."""
    boxes = {}
    for index, page in enumerate(document.pages):
        for name, (x1, y1, x2, y2) in page.anchors.items():
            if name not in boxes:
                # CSS pixels (1/96 in, y down) to PDF points (1/72 in, y up).
                top, bottom = page.height - y1, page.height - y2
                boxes[name] = (index, tuple(v * 0.75 for v in (x1, bottom, x2, top)))
    return boxes


def filename(convention):
    return f"{slugify(convention.short_title) or 'convention'}.pdf"


# Caching

# Bump when something outside the key changes the output (the fonts, a WeasyPrint patch).
RENDERER_VERSION = "1"


def cache_key(html):
    """The SHA-256 of everything the PDF of ``html`` depends on."""
    digest = hashlib.sha256()
    stylesheet = Path(finders.find(STYLESHEET)).read_bytes()
    parts = (RENDERER_VERSION, weasyprint_version, repr(sorted(PDF_OPTIONS.items())))
    parts += (scans.RASTER_VERSION, hashlib.sha256(stylesheet).hexdigest(), html)
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


class PdfCache:
    """Rendered PDFs in a folder (``MEDIA_ROOT/cache/documents``, never served), one file
    per key, shared by the server's workers and the command. Bounded: past ``max_files``
    files or ``max_bytes`` bytes, the least recently used go (a hit touches its file)."""

    def __init__(self, folder=None, *, max_files=200, max_bytes=500 * 1024 * 1024):
        self.folder = Path(folder or Path(settings.MEDIA_ROOT) / "cache" / "documents")
        self.max_files, self.max_bytes = max_files, max_bytes

    def path(self, key):
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError("Clé de cache invalide.")
        return self.folder / f"{key}.pdf"

    def get(self, key):
        path = self.path(key)
        try:
            data = path.read_bytes()
            os.utime(path)
        except OSError:
            return None
        return data

    def get_with_boxes(self, key):
        """The PDF and its boxes (``anchor_boxes``), or ``None`` when either is missing."""
        try:
            boxes = json.loads(self.path(key).with_suffix(".json").read_text())
        except (OSError, ValueError):
            return None
        data = self.get(key)
        if data is None:
            return None
        return data, {name: (page, tuple(box)) for name, (page, box) in boxes.items()}

    def set(self, key, data, *, boxes=None):
        self.folder.mkdir(parents=True, exist_ok=True)
        if boxes is not None:  # written first: a PDF is never found with stale boxes
            self.write(self.path(key).with_suffix(".json"), json.dumps(boxes).encode())
        self.write(self.path(key), data)
        self.prune()

    def write(self, path, data):
        with tempfile.NamedTemporaryFile(dir=self.folder, suffix=".tmp", delete=False) as file:
            file.write(data)
        os.replace(file.name, path)

    def prune(self):
        entries = []
        for path in self.folder.glob("*.pdf"):
            try:
                stat = path.stat()
            except OSError:
                continue  # removed meanwhile by another worker
            entries.append((stat.st_mtime, stat.st_size, path))
        entries.sort(reverse=True)  # the most recently used first
        kept_bytes = 0
        for index, (_mtime, size, path) in enumerate(entries):
            kept_bytes += size
            if index >= self.max_files or kept_bytes > self.max_bytes:
                path.unlink(missing_ok=True)
                path.with_suffix(".json").unlink(missing_ok=True)


# Fetching


class URLRefused(ValueError):
    """The renderer asked for a URL outside the application's static files."""


def static_prefix():
    """The absolute URL under which the document's static files are asked for."""
    return urljoin(BASE_URL, static(""))


def static_file(url):
    """The path of the static file ``url`` stands for, or ``None``: only URLs under
    ``static_prefix()``, without ``..``, that a static files finder knows."""
    prefix = static_prefix()
    if not url.startswith(prefix):
        return None
    relative = unquote(urlsplit(url[len(prefix) :]).path)
    normal = posixpath.normpath(relative)
    if not relative or normal != relative or normal.startswith(("/", "..")) or "\\" in normal:
        return None
    if "\x00" in normal:
        return None
    return finders.find(normal)


class StaticFilesFetcher(URLFetcher):
    """WeasyPrint's URL fetcher, reduced to the application's static files, and to the
    scanned pages in ``images`` (``{url: JPEG}``, read by the server from its storage)."""

    def __init__(self, images=None):
        super().__init__(allowed_protocols=(), allow_redirects=False)
        self.images = dict(images or {})

    def fetch(self, url, headers=None):
        if url in self.images:
            return URLFetcherResponse(url, self.images[url], headers={"Content-Type": "image/jpeg"})
        path = static_file(url)
        if path is None:
            raise URLRefused(
                f"Adresse refusée : seuls les fichiers statiques sont lus ({url[:80]})."
            )
        media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        with open(path, "rb") as file:
            body = file.read()
        return URLFetcherResponse(url, body, headers={"Content-Type": media_type})
