"""The convention as a document, from the workspace: the HTML preview and the PDF, and
the scanned deliberations it prints.

``conventions.documents`` assembles and renders it; it is imported when a document is
asked for, as it loads WeasyPrint (about a second), which no other page needs.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from . import scans
from .access import convention_view
from .models import Deliberation


@convention_view
@require_safe
def document_preview(request, convention):
    from . import documents

    return HttpResponse(documents.render_html(convention=convention, preview=True))


@convention_view
@require_safe
def document_download(request, convention):
    from . import documents

    try:
        pdf = documents.render_pdf(convention=convention)
    except scans.ScanError as error:  # a scanned deliberation cannot be printed
        back = reverse("conventions:convention-documents", args=[convention.pk])
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
