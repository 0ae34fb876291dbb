"""The convention as a document: HTML preview, PDF/A-3b, command, safety and speed.

The Jura Nord PDF is rendered once for the module (``jura``) and read back with poppler's
tools (pdftotext, pdfinfo, pdffonts, pdfimages).
"""

import datetime
import re
import subprocess
from dataclasses import dataclass
from functools import cached_property
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.safestring import mark_safe

from actions.models import Action, EvaluationCriterion, FollowUpIndicator
from conventions import documents
from conventions.models import Attendance, Convention, Organisation, Person, Territory
from conventions.templatetags.ctg_text import NBSP, NNBSP, french_spacing, long_date, typo
from tests.factories import ArticleFactory, ConventionFactory, PartyFactory

# Every test is a database test, so that pytest-django keeps them together and the module's
# PDF is rendered once.
pytestmark = pytest.mark.django_db

JURA_NORD = "CTG Jura Nord 2019-2023"
COTEAUX = "CTG des Coteaux 2024-2028 (fictive)"
CSS_URL = documents.static_prefix() + "ctg/document.css"


# --- poppler ------------------------------------------------------------------------------


def run(*args):
    return subprocess.run(args, capture_output=True, check=True, text=True).stdout


def flat(text):
    """Whitespace collapsed, non-breaking spaces included: « 11 582 », not « 11\u202f582 »."""
    return " ".join(text.replace(NBSP, " ").replace(NNBSP, " ").split())


def pdf_text(path, page=None):
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return run("pdftotext", "-enc", "UTF-8", *pages, str(path), "-")


def pdf_pages(path):
    """The text of each page (pdftotext ends each page with a form feed)."""
    return pdf_text(path).split("\f")[:-1]


class SpyFetcher(documents.StaticFilesFetcher):
    """The document's fetcher, recording every URL the renderer asks for."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def fetch(self, url, headers=None):
        self.urls.append(url)
        return super().fetch(url, headers)


@dataclass
class Rendered:
    path: Path
    html: str
    urls: list

    @cached_property
    def pages(self):
        """The text of each page, read once."""
        return pdf_pages(self.path)

    @cached_property
    def text(self):
        return flat(" ".join(self.pages))


@pytest.fixture(scope="module")
def jura(demo_db, django_db_blocker, tmp_path_factory):
    """The Jura Nord convention as a PDF, rendered once for the module."""
    with django_db_blocker.unblock():
        convention = Convention.objects.get(short_title=JURA_NORD)
        html = documents.render_html(convention=convention)
        spy = SpyFetcher()
        pdf = documents.html_to_pdf(html=html, url_fetcher=spy)
    path = tmp_path_factory.mktemp("pdf") / "jura-nord.pdf"
    path.write_bytes(pdf)
    return Rendered(path, html, spy.urls)


# --- French typography --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Vu le code ; la loi : oui ! non ?",
            f"Vu le code{NNBSP}; la loi{NBSP}: oui{NNBSP}! non{NNBSP}?",
        ),
        ("quoi? Collège?", f"quoi{NNBSP}? Collège{NNBSP}?"),
        ("pilotage CTG:", f"pilotage CTG{NBSP}:"),
        ("2,5 % et 22 865 €", f"2,5{NBSP}% et 22{NNBSP}865{NBSP}€"),
        ("2,5%", f"2,5{NBSP}%"),
        (
            "26 407 hectares, 1 000 000 habitants",
            f"26{NNBSP}407 hectares, 1{NNBSP}000{NNBSP}000 habitants",
        ),
        ("en 2019 2020 et 2 exemplaires", "en 2019 2020 et 2 exemplaires"),
        ("« la Caf »", f"«{NBSP}la Caf{NBSP}»"),
        ("loi n° 82-213", f"loi n°{NBSP}82-213"),
        ("http://exemple.fr/a?b=1 à 20:08", "http://exemple.fr/a?b=1 à 20:08"),
    ],
)
def test_french_spacing(text, expected):
    assert french_spacing(text) == expected


def test_straight_quotes_become_guillemets_only_around_words():
    assert typo('la convention "Lieu d\'informations" signée') == (
        f"la convention «{NBSP}Lieu d&#x27;informations{NBSP}» signée"
    )
    assert "&quot;" in typo('<img src="x">')  # not a quotation: left as it is


def test_typography_leaves_entities_and_tags_intact():
    assert typo("A & B ; <b>") == f"A &amp; B{NNBSP}; &lt;b&gt;"
    assert typo("&amp; et &eacute;") == "&amp;amp; et &amp;eacute;"  # typed, shown as typed
    assert typo(typo("x ; y")) == f"x{NNBSP}; y"  # idempotent on safe HTML
    html = typo(mark_safe('<a href="?a=1 ;">x ;</a>'))
    assert html == f'<a href="?a=1 ;">x{NNBSP};</a>'


def test_typo_escapes_user_text():
    assert (
        typo('<img src="file:///etc/passwd">') == "&lt;img src=&quot;file:///etc/passwd&quot;&gt;"
    )
    assert typo(None) == ""


def test_long_date_says_1er():
    assert long_date(datetime.date(2019, 1, 1)) == "1er janvier 2019"
    assert long_date(datetime.date(2019, 12, 20)) == "20 décembre 2019"
    assert long_date(None) == ""


# --- The fetcher --------------------------------------------------------------------------


def test_fetcher_serves_the_document_stylesheet():
    response = documents.StaticFilesFetcher().fetch(CSS_URL)

    assert response.content_type == "text/css"
    assert b"@page" in response.read()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:8000/static/ctg/document.css",
        "https://127.0.0.1/",
        "https://document.ctg.invalid/etc/passwd",
        "https://document.ctg.invalid/static/../../../etc/passwd",
        "https://document.ctg.invalid/static/ctg/%2e%2e/%2e%2e/manage.py",
        "https://document.ctg.invalid/static//etc/passwd",
        "https://document.ctg.invalid/static/ctg/absent.css",
        "https://document.ctg.invalid.evil.example/static/ctg/document.css",
        "data:image/png;base64,iVBORw0KGgo=",
        "data:text/css,body{background:url(file:///etc/passwd)}",
        "data:image/svg+xml;base64," + "A" * 200_000,
        "ftp://127.0.0.1/x",
    ],
)
def test_fetcher_refuses_everything_but_static_files(url):
    with pytest.raises(documents.URLRefused):
        documents.StaticFilesFetcher().fetch(url)


def test_html_with_outside_urls_fetches_and_embeds_nothing(tmp_path):
    """Bypassing the templates' escaping, the renderer still gets nothing from outside."""
    spy = SpyFetcher()
    html = (
        '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
        '<link rel="attachment" href="file:///etc/passwd">'
        "<style>@import url(file:///etc/passwd); p { background: url(http://127.0.0.1:9/p) }"
        "</style></head><body>"
        '<p>texte</p><img src="file:///etc/passwd"><img src="http://127.0.0.1:9/i.png">'
        f'<img src="data:image/png;base64,{"A" * 100_000}">'
        '<svg><image href="file:///etc/passwd" width="10" height="10"/></svg>'
        "</body></html>"
    )
    path = tmp_path / "outside.pdf"
    path.write_bytes(documents.html_to_pdf(html=html, url_fetcher=spy))

    assert spy.urls  # they were asked for, and every one refused:
    assert run("pdfimages", "-list", str(path)).strip().count("\n") == 1  # header only
    assert b"root:" not in path.read_bytes()
    assert "texte" in pdf_text(path)


# --- The Jura Nord PDF ----------------------------------------------------------------------


def test_renderer_fetches_only_the_document_stylesheet(jura):
    assert jura.urls == [CSS_URL]


def test_pdf_holds_every_action_and_article(jura, demo):
    text = jura.text

    for action in demo.actions.all():
        assert flat(action.name) in text, action.name
    for article in demo.articles.all():
        assert flat(f"Article {article.number} : {article.title}") in text, article.title
    for needle in ["Article préliminaire : Préambule", "Fait à Dampierre, le 20 décembre 2019"]:
        assert needle in text
    assert "en 2 exemplaires" in text


def test_pdf_holds_the_key_figures(jura):
    text = jura.text

    assert "Pour 39 Contre 0 Abstentions 0" in text
    assert "DCC2019_12_162" in text
    assert "039-243900560-20191218-DCC2019_12_162-DE" in text
    assert "M. Christian GIROD (Fraisans)" in text  # a proxy holder
    assert documents.diagnostic_available()
    assert "11 582" in text  # population of the CCJN, 2016
    assert "22 865" in text  # the RAM's CEJ funding


def test_sommaire_page_numbers_are_where_the_headings_are(jura, demo):
    pages = jura.pages
    sommaire = next(index for index, page in enumerate(pages, 1) if "Sommaire" in page)
    toc = flat(pages[sommaire - 1])
    headings = ["Article préliminaire : Préambule"]
    headings += [f"Article {a.number} : {a.title}" for a in demo.articles.all()]
    headings += [f"Annexe {a.number} : {a.title}" for a in demo.annexes.all()]
    checked = 0
    for heading in headings:
        match = re.search(re.escape(flat(heading)) + r" ?\.+ ?(\d+)", toc)
        assert match, f"{heading} is not in the sommaire"
        page = int(match[1])
        assert page > sommaire
        # Annex headings print « Annexe N – title »; the diagnostic's prints « Annexe N : ».
        found = flat(pages[page - 1]).replace("–", ":")
        assert flat(heading) in found, f"{heading} is not on page {page}"
        checked += 1
    assert checked == 1 + demo.articles.count() + demo.annexes.count()


def test_every_page_has_the_short_title_its_number_and_the_initials_box(jura):
    pages = jura.pages

    assert len(pages) > 20
    for number, page in enumerate(pages, 1):
        text = flat(page)
        assert JURA_NORD in text
        assert f"Page {number} / {len(pages)}" in text
        assert "Paraphes des parties" in text


def test_signature_block_has_one_box_per_signatory(jura, demo):
    pages = [flat(page) for page in jura.pages]
    number, page = next((n, page) for n, page in enumerate(pages, 1) if "Fait à Dampierre" in page)

    for party in demo.parties.all():
        assert flat(party.organisation.name) in page
        for signatory in party.signatories.all():
            assert f"{signatory.capacity} {signatory.person}" in page
    # The pages to initial: up to the signatures, that is the convention without annexes.
    assert f"Cette convention comporte {number} pages paraphées" in page


def test_pdfinfo_reports_pages_title_metadata_and_pdfa(jura):
    info = run("pdfinfo", str(jura.path))
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    fields = {key: value.strip() for key, value in fields.items()}
    metadata = run("pdfinfo", "-meta", str(jura.path))

    assert int(fields["Pages"]) > 20
    title = f"Convention territoriale globale de services aux familles — {JURA_NORD}"
    assert fields["Title"] == title
    assert "Caisse d'Allocations familiales du Jura" in fields["Author"]
    assert "Communauté de communes Jura Nord" in fields["Author"]
    assert "2019-2023" in fields["Keywords"]
    assert "du 1er janvier 2019 au 31 décembre 2023" in fields["Subject"]
    assert fields["Tagged"] == "yes"
    assert fields["CreationDate"]
    assert 'pdfaid:part="3"' in metadata
    assert 'pdfaid:conformance="B"' in metadata


def test_pdffonts_shows_every_font_embedded(jura):
    rows = run("pdffonts", str(jura.path)).splitlines()[2:]

    assert rows
    assert all("DejaVu" in row.split()[0] for row in rows)  # fonts-dejavu, by fontconfig
    for row in rows:
        # name type encoding emb sub uni object ID: « emb » is the 4th column from the end
        assert row.split()[-5] == "yes", row


def test_text_is_selectable_and_typeset_in_french(jura):
    text = jura.text

    # The PDF's text layer maps a non-breaking space to a space; the HTML shows them.
    assert "la Caf du Jura assure quatre missions essentielles :" in text
    assert f"quatre missions essentielles{NBSP}:" in jura.html
    assert f"ci-après dénommée «{NBSP}la Caf{NBSP}»{NNBSP};" in jura.html
    assert "ci-après dénommée « la Caf » ;" in text


def test_annexes_are_in_order_and_the_action_plan_is_landscape(jura):
    sizes = run("pdfinfo", "-f", "1", "-l", "999", str(jura.path))
    pages = jura.pages
    plan = next(i for i, page in enumerate(pages, 1) if "Annexe 2 – Plan" in page)
    orientation = re.search(rf"Page +{plan} size: +([\d.]+) x ([\d.]+)", sizes)

    assert float(orientation[1]) > float(orientation[2])  # wider than high
    governance = next(i for i, page in enumerate(pages, 1) if "Annexe 3 –" in page)
    assert governance - plan >= 2  # the plan's tables run over several pages...
    for page in pages[plan - 1 : governance - 1]:
        assert "Contenu de l'action" in page  # ...and each repeats its header row
    positions = [jura.text.find(f"Annexe {n} –") for n in (2, 3, 4, 5)]
    assert positions == sorted(positions) and positions[0] > 0


# --- Safety: user text is escaped, nothing is fetched ---------------------------------------

IMG = '<img src="file:///etc/passwd">'
HTTP = '<img src="http://127.0.0.1:8000/x.png">'
CSS = '<p style="background:url(http://127.0.0.1:9/css)">x</p><style>@import url(file:///etc/passwd);</style>'
SMALL_DATA = '<img src="data:image/png;base64,iVBORw0KGgo=">'
HUGE_DATA = '<img src="data:image/svg+xml;base64,' + "PHN2Zz4" * 1_500 + '">'
PAYLOAD = IMG + HTTP + SMALL_DATA + CSS
ONE_LINERS = [IMG, HTTP, SMALL_DATA, CSS]  # in turn, for the short fields
SKIPPED = (models.SlugField, models.EmailField, models.URLField)


def poisoned(field, obj):
    if isinstance(field, models.TextField):
        text = PAYLOAD
    else:
        text = ONE_LINERS[(obj.pk + len(field.name)) % len(ONE_LINERS)]
    text = f"{obj.pk} {text}"  # unique together (a glossary's acronyms...)
    return text[: field.max_length] if field.max_length else text


def poison(queryset):
    """Put the payload into every free-text field of the queryset's objects (no save():
    neither history nor validation)."""
    for obj in queryset:
        values = {
            field.name: poisoned(field, obj)
            for field in obj._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField)
            and not isinstance(field, SKIPPED)
            and not field.choices
        }
        type(obj)._default_manager.filter(pk=obj.pk).update(**values)


def trim(queryset, keep=2):
    """Keep the first objects of the queryset, to print a short document: every kind of
    object and field stays, with fewer rows (objects still used elsewhere are kept)."""
    for obj in list(queryset.order_by("pk")[keep:]):
        try:
            with transaction.atomic():
                obj.delete()
        except (ProtectedError, RestrictedError):
            pass


def convention_querysets(convention):
    """Every object of the convention, from every app's models that lead to it."""
    for app in ("conventions", "actions", "diagnostic", "pilotage"):
        for model in apps.get_app_config(app).get_models():
            if model.__name__.startswith("Historical"):
                continue
            names = {field.name for field in model._meta.get_fields()}
            default = "convention" if "convention" in names else None
            path = getattr(model, "convention_path", default)
            if model is Convention:
                yield Convention.objects.filter(pk=convention.pk)
            elif path:
                yield model._default_manager.filter(**{path: convention})
    yield Organisation.objects.filter(parties__convention=convention)
    yield Person.objects.filter(signatures__party__convention=convention)
    yield Territory.objects.filter(pk=convention.territory_id)
    yield Territory.objects.filter(
        pk__in=Attendance.objects.filter(deliberation__convention=convention).values("commune")
    )
    yield apps.get_model("actions", "Field").objects.filter(actions__convention=convention)


def test_user_text_is_printed_literally_and_nothing_is_fetched(demo, tmp_path):
    for queryset in list(convention_querysets(demo)):
        trim(queryset)
    for queryset in list(convention_querysets(demo)):
        poison(queryset)
    # A huge data: URL in the long texts that are not in narrow table cells.
    demo.articles.filter(number=1).update(body=HUGE_DATA)
    Convention.objects.filter(pk=demo.pk).update(preamble=PAYLOAD + HUGE_DATA)
    demo.deliberations.update(statement=HUGE_DATA)
    convention = Convention.objects.get(pk=demo.pk)
    spy = SpyFetcher()

    html = documents.render_html(convention=convention)
    path = tmp_path / "poisoned.pdf"
    path.write_bytes(documents.html_to_pdf(html=html, url_fetcher=spy))

    assert spy.urls == [CSS_URL]
    assert "<img src=" not in html.split("</head>", 1)[1]
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    text = flat(pdf_text(path))
    assert '<img src="file:///etc/passwd">' in text
    assert '<img src="http://127.0.0.1:8000/x.png">' in text
    assert "background:url(http://127.0.0.1:9/css)" in text
    assert "svg+xml;base64,PHN2Zz4PHN2Zz4PHN2Zz4" in text  # broken after « data:image/ »
    assert run("pdfimages", "-list", str(path)).strip().count("\n") == 1  # no image at all
    assert b"root:" not in path.read_bytes()


# --- Views ----------------------------------------------------------------------------------


def test_reader_sees_the_preview(client, demo):
    client.login(username="lecteur-jura-nord", password="demo-ctg")

    response = client.get(reverse("conventions:document-preview", args=[demo.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Article 12&nbsp;: Confidentialité" in page
    assert reverse("conventions:document-download", args=[demo.pk]) in page
    assert 'href="/static/ctg/document.css"' in page


def test_editor_downloads_the_pdf(client, demo):
    client.login(username="epci-jura-nord", password="demo-ctg")

    response = client.get(reverse("conventions:document-download", args=[demo.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == ('attachment; filename="ctg-jura-nord-2019-2023.pdf"')
    assert response.content.startswith(b"%PDF-1.7")


def test_a_signed_convention_downloads_as_signed(client, demo_db):
    coteaux = Convention.objects.get(short_title=COTEAUX)
    client.login(username="epci-coteaux", password="demo-ctg")

    response = client.get(reverse("conventions:document-download", args=[coteaux.pk]), follow=True)

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="ctg-des-coteaux-2024-2028-fictive-signee.pdf"'
    )
    assert response.content.startswith(b"%PDF-1.7")


@pytest.mark.parametrize("name", ["document-preview", "document-download"])
def test_outsider_gets_404(client, demo, name):
    client.login(username="epci-coteaux", password="demo-ctg")

    assert client.get(reverse(f"conventions:{name}", args=[demo.pk])).status_code == 404


@pytest.mark.parametrize("name", ["document-preview", "document-download"])
def test_anonymous_is_sent_to_login(client, demo, name):
    response = client.get(reverse(f"conventions:{name}", args=[demo.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_documents_tab_links_to_the_preview_and_the_pdf(client, demo):
    client.login(username="lecteur-jura-nord", password="demo-ctg")

    page = client.get(reverse("conventions:convention-documents", args=[demo.pk])).content
    page = page.decode()

    assert reverse("conventions:document-download", args=[demo.pk]) in page
    assert reverse("conventions:document-preview", args=[demo.pk]) in page


# --- Assembly ---------------------------------------------------------------------------------


def test_document_is_assembled_in_a_fixed_number_of_queries(demo):
    def count():
        convention = Convention.objects.select_related("territory").get(pk=demo.pk)
        with CaptureQueriesContext(connection) as queries:
            documents.render_html(convention=convention)
        return len(queries)

    before = count()
    field = demo.actions.first().field
    for order in range(50, 60):
        action = Action.objects.create(convention=demo, field=field, order=order, name=f"A{order}")
        FollowUpIndicator.objects.create(action=action, order=1, label="Indicateur")
        EvaluationCriterion.objects.create(action=action, order=1, label="Critère")
    for order in range(10):
        ArticleFactory(convention=demo, number=100 + order)
    deliberation = demo.deliberations.first()
    for order in range(200, 210):
        Attendance.objects.create(
            deliberation=deliberation, order=order, name=f"Élu {order}", status="present"
        )

    assert count() == before


def test_a_bare_convention_renders(tmp_path):
    convention = ConventionFactory()
    PartyFactory(convention=convention)

    html = documents.render_html(convention=convention)

    assert "……………………" in html  # place and date to be written by hand
    assert "Aucune action n'est encore inscrite au plan." not in html  # no annex, no section
    assert documents.render_pdf(convention=convention).startswith(b"%PDF")


# --- The command --------------------------------------------------------------------------------


def test_command_writes_one_convention(demo_db, tmp_path):
    coteaux = Convention.objects.get(short_title=COTEAUX)
    target = tmp_path / "coteaux.pdf"
    out = StringIO()

    call_command("convention_pdf", str(coteaux.pk), "-o", str(target), stdout=out)

    assert target.read_bytes().startswith(b"%PDF")
    assert f"[1/1] {COTEAUX}" in out.getvalue()
    assert "1 convention exportée" in out.getvalue()


def test_command_exports_every_convention_with_progress(demo_db, tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "render_pdf", lambda *, convention: b"%PDF-stub")
    out = StringIO()

    call_command("convention_pdf", "--all", "-o", str(tmp_path / "export"), stdout=out)

    conventions = list(Convention.objects.order_by("pk"))
    files = sorted(path.name for path in (tmp_path / "export").iterdir())
    assert files == sorted(f"{c.pk}-{documents.filename(c)}" for c in conventions)
    total = len(conventions)
    assert f"[{total}/{total}]" in out.getvalue()
    assert f"{total} conventions exportées" in out.getvalue()


def test_command_refuses_an_unknown_convention(tmp_path):
    with pytest.raises(CommandError, match="Aucune convention"):
        call_command("convention_pdf", "999999", "-o", str(tmp_path / "x.pdf"))
