"""Text written to a spreadsheet (CSV or XLSX exports) that no spreadsheet runs as a formula."""

import re

FIGURE = re.compile(r"^[+-]?\s?\d[\d\s,]*\s?(%|pt|€)?$")
RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A text a spreadsheet will not run as a formula (a label typed as ``=HYPERLINK(…)``):
    a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return gets an apostrophe, except
    in a figure (``-0,30 %``)."""
    risky = isinstance(value, str) and value.startswith(RISKY_STARTS)
    return f"'{value}" if risky and not FIGURE.match(value) else value
