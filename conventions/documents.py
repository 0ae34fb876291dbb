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
family name (the Debian package fonts-dejavu-core), never from a URL.

Importing this module loads WeasyPrint (most of a second): the views and the command
import it when they render.
"""

import importlib.util
import mimetypes
import posixpath
from dataclasses import dataclass, field
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
from weasyprint.urls import URLFetcher, URLFetcherResponse

from actions.views import actions_prefetch, by_field

from .models import Attendance, Deliberation, Party, Signatory

BASE_URL = "https://document.ctg.invalid/"
PDF_OPTIONS = {"pdf_variant": "pdf/a-3b", "pdf_tags": True}
DIAGNOSTIC_TEMPLATE = "diagnostic/_annex.html"
ANNEX_TEMPLATES = {1: DIAGNOSTIC_TEMPLATE, 2: "actions/_annex.html", 3: "pilotage/_annex.html"}
DELIBERATION_TEMPLATE = "conventions/_deliberation_annex.html"


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
            "deliberations",
            queryset=Deliberation.objects.select_related(
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
    return deliberation


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


def document_context(*, convention, preview=False):
    """The context of ``conventions/document/document.html``, queries included."""
    load(convention)
    with_diagnostic = diagnostic_available()
    parties = list(convention.parties.all())
    for party in parties:
        # One box per signatory; an empty box (None) for a party without any yet.
        party.signature_boxes = list(party.signatories.all()) or [None]
    bodies = list(convention.bodies.all())
    for body in bodies:
        body.copilot_names = [organisation.name for organisation in body.copilots.all()]
    context = {
        "convention": convention,
        "parties": parties,
        "annexes": annex_parts(convention, with_diagnostic),
        "fields": by_field(convention.actions.all()),
        "bodies": bodies,
        "created": timezone.now(),
        "preview": preview,
        "diagnostic": None,
        "charts": None,
    }
    if with_diagnostic:
        context.update(diagnostic_context(convention))
    return context


# Rendering


def render_html(*, convention, preview=False):
    """The document as HTML, in French whatever the user's language."""
    with translation.override(settings.LANGUAGE_CODE):
        context = document_context(convention=convention, preview=preview)
        return render_to_string("conventions/document/document.html", context)


def html_to_pdf(*, html, url_fetcher=None):
    """WeasyPrint's part: layout and PDF/A-3b output, tagged, fonts embedded."""
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher or StaticFilesFetcher())
    return document.write_pdf(**PDF_OPTIONS)


def render_pdf(*, convention, url_fetcher=None):
    return html_to_pdf(html=render_html(convention=convention), url_fetcher=url_fetcher)


def render_pdf_with_boxes(*, convention, prefix, url_fetcher=None):
    """The PDF, and where each element whose ``id`` starts with ``prefix`` was laid out:
    ``{id: (page index, (x1, y1, x2, y2))}`` in PDF points from the page's bottom left
    (conventions.signing puts each signatory's stamp in their box of the signature block)."""
    html = render_html(convention=convention)
    fetcher = url_fetcher or StaticFilesFetcher()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    boxes = {}
    for index, page in enumerate(document.pages):
        for name, (x1, y1, x2, y2) in page.anchors.items():
            if name.startswith(prefix) and name not in boxes:
                # CSS pixels (1/96 in, y down) to PDF points (1/72 in, y up).
                top, bottom = page.height - y1, page.height - y2
                boxes[name] = (index, tuple(v * 0.75 for v in (x1, bottom, x2, top)))
    return document.write_pdf(**PDF_OPTIONS), boxes


def filename(convention):
    return f"{slugify(convention.short_title) or 'convention'}.pdf"


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
    """WeasyPrint's URL fetcher, reduced to the application's static files."""

    def __init__(self):
        super().__init__(allowed_protocols=(), allow_redirects=False)

    def fetch(self, url, headers=None):
        path = static_file(url)
        if path is None:
            raise URLRefused(
                f"Adresse refusée : seuls les fichiers statiques sont lus ({url[:80]})."
            )
        media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        with open(path, "rb") as file:
            body = file.read()
        return URLFetcherResponse(url, body, headers={"Content-Type": media_type})
