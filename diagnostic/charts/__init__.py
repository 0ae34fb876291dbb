"""Server-rendered SVG charts of the diagnostic: the same markup on the page and in the
PDF (annexe 1).

- ``geometry``: round ticks, scales and bar layouts, from plain numbers;
- ``svg``: a layout written as a self-contained, escaped, labelled SVG;
- ``figures``: one function per chart, fetching its data; ``diagnostic_charts`` returns
  every chart that has data in a fixed number of queries, ``missing_charts`` the others
  and how to get their data (shown on the Diagnostic tab, not in the PDF).

Templates render them with ``{% include "diagnostic/_charts.html" %}`` (context: ``charts``).
"""

from .figures import Chart, DataTable, comparison_chart, diagnostic_charts, missing_charts

__all__ = ["Chart", "DataTable", "comparison_chart", "diagnostic_charts", "missing_charts"]
