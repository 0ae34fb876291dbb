"""The convention as a document, from the workspace: the HTML preview and the PDF, and
the scanned deliberations it prints.

``conventions.documents`` assembles and renders it; it is imported when a document is
asked for, as it loads WeasyPrint (about a second), which no other page needs.
"""

from typing import NamedTuple

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from . import scans
from .access import convention_view
from .models import Convention, Deliberation, Signature

NOT_STORED = (
    "Aucun exemplaire signé ou figé de cette convention n'est enregistré : le PDF d'une "
    "convention signée est celui que ses parties ont signé, il n'est pas produit à nouveau."
)


class StoredPdf(NamedTuple):
    url: str
    label: str


def stored_pdf(convention):
    """Past its freezing, the convention's PDF is the stored one, never a new rendering:
    the copy signed by hand, else its latest signed revision, else its frozen PDF;
    ``None`` before it is frozen."""
    copy = convention.reference_copies.order_by("-uploaded_at", "-pk").first()
    if copy is not None:
        url = reverse("conventions:scan-download", args=[convention.pk, copy.pk])
        return StoredPdf(url, "Télécharger l'exemplaire signé à la main (PDF)")
    document = convention.frozen_document
    if document is None:
        return None
    if document.signatures.filter(status=Signature.Status.SIGNED).exists():
        url = reverse("conventions:signed-download", args=[convention.pk])
        if convention.status == Convention.Status.READY:
            return StoredPdf(url, "Télécharger la version signée jusqu'ici (PDF)")
        return StoredPdf(url, "Télécharger la convention signée (PDF)")
    url = reverse("conventions:frozen-download", args=[convention.pk])
    return StoredPdf(url, "Télécharger la convention figée (PDF)")


@convention_view
@require_safe
def document_preview(request, convention):
    from . import documents

    return HttpResponse(documents.render_html(convention=convention, preview=True))


@convention_view
@require_safe
def document_download(request, convention):
    """The convention's PDF: rendered from its data until it is frozen, the stored one
    after (``stored_pdf``)."""
    from . import documents

    if (stored := stored_pdf(convention)) is not None:
        return redirect(stored.url)
    back = reverse("conventions:convention-documents", args=[convention.pk])
    if convention.status in Convention.LOCKED_STATUSES:
        context = {"message": NOT_STORED, "back_url": back}
        return render(request, "refused.html", context, status=404)
    try:
        pdf = documents.render_pdf(convention=convention)
    except scans.ScanError as error:  # a scanned deliberation cannot be printed
        context = {"message": f"Le PDF n'a pas pu être produit : {error}", "back_url": back}
        return render(request, "refused.html", context, status=503)
    response = HttpResponse(pdf, "application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=documents.filename(convention)
    )
    return response


@convention_view
@require_safe
def deliberation_scan(request, convention, deliberation_pk):
    """The scan of one of the convention's deliberations, to its readers (stored privately,
    served only here)."""
    deliberations = Deliberation.objects.for_user(request.user).filter(convention=convention)
    deliberation = get_object_or_404(deliberations.exclude(scan=""), pk=deliberation_pk)
    try:
        data = scans.read_scan(deliberation)
    except scans.ScanError as error:
        raise Http404(str(error)) from None
    response = HttpResponse(data, "application/pdf")
    name = slugify(f"deliberation {deliberation.number or deliberation.pk}")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{name}.pdf"
    )
    return response
