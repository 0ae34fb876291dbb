"""The "Diagnostic" tab (annexe 1) and the export of its tables.

Both read ``tables.diagnostic_context``: the tables computed from the data, the blocks and
the consistency checks, in a fixed number of queries.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from conventions.access import convention_view, workspace

from .charts import diagnostic_charts, missing_charts
from .tables import diagnostic_context
from .tables.exports import as_csv, as_xlsx

EXPORTS = {
    "csv": (as_csv, "text/csv; charset=utf-8"),
    "xlsx": (as_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@convention_view
@require_safe
def tab(request, convention):
    diagnostic = diagnostic_context(convention)
    charts = diagnostic_charts(convention)
    context = workspace(
        convention,
        "diagnostic",
        diagnostic=diagnostic,
        sections=diagnostic["sections"],
        blocks=diagnostic["blocks"],
        charts=charts,
        missing_charts=missing_charts(charts),
    )
    context["missing_blocks"] = diagnostic["blocks"].missing(context["can_edit"])
    return render(request, "diagnostic/tab.html", context)


@convention_view
@require_safe
def export(request, convention, fmt):
    """The tables as CSV (one line per cell) or XLSX (one sheet per table); ``?public=1``
    applies statistical secrecy, for people outside the parties."""
    public = request.GET.get("public") == "1"
    build, content_type = EXPORTS[fmt]
    content = build(diagnostic_context(convention, public=public))
    name = f"diagnostic-{slugify(convention.short_title)}{'-public' if public else ''}.{fmt}"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
