"""An avenant as a document: its title, parties, visas, articles, signature block and, in
annex, the changes it makes to the convention (conventions/versions.py). It is printed with
the convention's stylesheet and rendered like it (conventions/documents.py), so the same
fetcher guards it: nothing but the application's own static files."""

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import amendments, documents
from .models import Signatory, Signature


def signed_on(convention):
    """When the convention's text was first signed: its last signature, else its date."""
    last = (
        Signature.objects.filter(
            document__convention=convention, document__amendment=None, status="signed"
        )
        .order_by("-signed_at")
        .first()
    )
    return timezone.localdate(last.signed_at) if last else convention.signature_date


def document_context(amendment, *, preview=False):
    convention = amendment.convention
    parties = documents.with_signature_boxes(
        convention.parties.select_related("organisation").prefetch_related(
            Prefetch("signatories", queryset=Signatory.objects.select_related("person"))
        )
    )
    return {
        "amendment": amendment,
        "convention": convention,
        "parties": parties,
        "signed_on": signed_on(convention),
        "earlier": list(convention.amendments.filter(number__lt=amendment.number, status="signed")),
        "deliberations": list(amendment.deliberations.select_related("party__organisation")),
        "articles": list(amendment.articles.all()),
        "changes": amendments.changes(amendment),
        "preview": preview,
    }


def render_html(amendment, *, preview=False):
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            "conventions/amendments/document.html", document_context(amendment, preview=preview)
        )


def render_pdf(amendment):
    """The avenant's PDF, from the documents' cache when unchanged."""
    return documents.cached_pdf(render_html(amendment))


def render_pdf_with_boxes(*, amendment, prefix):
    """The avenant's PDF and its signature boxes (``documents.render_pdf_with_boxes``), from
    the cache when a preview rendered the same content."""
    pdf, boxes = documents.cached_render(render_html(amendment))
    return pdf, {name: box for name, box in boxes.items() if name.startswith(prefix)}
