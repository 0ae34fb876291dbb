"""The convention as a document, from the workspace: the HTML preview and the PDF.

``conventions.documents`` assembles and renders it; it is imported when a document is
asked for, as it loads WeasyPrint (about a second), which no other page needs.
"""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from .access import convention_view


@convention_view
@require_safe
def document_preview(request, convention):
    from . import documents

    return HttpResponse(documents.render_html(convention=convention, preview=True))


@convention_view
@require_safe
def document_download(request, convention):
    from . import documents

    response = HttpResponse(documents.render_pdf(convention=convention), "application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=documents.filename(convention)
    )
    return response
