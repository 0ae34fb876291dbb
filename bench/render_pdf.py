"""Benchmark: render the Jura Nord convention as a PDF, several times, and print the median
time cold (rendered) and warm (from the PDF cache), and the share spent outside WeasyPrint
(the queries and the templates).

Each cold run goes through ``conventions.documents`` as a first download does: the context
(every query, the diagnostic's computations and charts), the templates (HTML), then
WeasyPrint (parsing, layout, PDF/A-3b output with tags and embedded fonts). A first run,
not counted, warms the caches (compiled templates, fontconfig). Each warm run is a
download of unchanged content: ``render_pdf`` builds the HTML, hashes it and reads the PDF
from its cache (in a temporary folder here). The CPU time is printed too: on a busy
machine the wall-clock time says more about the neighbours than about us.

It runs on a throw-away database that Django's test machinery creates and drops, with
the demo data loaded (``load_demo``): your data is never touched. See bench/README.md.

    .venv/bin/python bench/render_pdf.py [--runs 7]
"""

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctg.settings")

import django  # noqa: E402

django.setup()

import weasyprint  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from conventions import documents  # noqa: E402
from conventions.models import Convention  # noqa: E402

JURA_NORD = "CTG Jura Nord 2019-2023"
GOAL_SECONDS = 3.0
GOAL_SHARE = 0.10


class Clock:
    """Wall-clock and CPU time of a step."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def jura_nord():
    return Convention.objects.select_related("territory").get(short_title=JURA_NORD)


def render_once():
    """One rendering, step by step: (context, template, weasyprint) clocks, queries, PDF."""
    convention = jura_nord()
    with CaptureQueriesContext(connection) as queries, Clock() as context_clock:
        context = documents.document_context(convention=convention)
    with Clock() as template_clock:
        html = render_to_string(documents.DOCUMENT_TEMPLATE, context)
    with Clock() as weasyprint_clock:
        pdf = documents.html_to_pdf(html=html)
    return (context_clock, template_clock, weasyprint_clock), len(queries), pdf


def cached_once():
    """A download of unchanged content: the HTML built and hashed, the PDF from the cache."""
    with Clock() as clock:
        pdf = documents.render_pdf(convention=jura_nord())
    return clock, pdf


def verdict(value, goal):
    return "met" if value < goal else "missed"


def page_count(pdf):
    """The number of pages according to pdfinfo (poppler-utils), if it is there."""
    if not shutil.which("pdfinfo"):
        return "?"
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True).stdout.decode()
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return match[1] if match else "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="counted runs (after a warm-up)")
    runs = parser.parse_args().runs

    print(f"Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}, ", end="")
    print(f"{os.cpu_count()} CPU, load average {os.getloadavg()[0]:.2f}, {connection.vendor}")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        # The PDF cache in a folder of its own, thrown away.
        with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
            call_command("load_demo", stdout=StringIO())
            measure(runs)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def measure(runs):
    _clocks, query_count, pdf = render_once()  # warm-up, not counted
    print(
        f"Jura Nord: {page_count(pdf)} pages, {len(pdf) / 1024:.0f} Kio, "
        f"{query_count} queries; {runs} runs cold (rendered), then {runs} warm (cached):"
    )
    totals, app_shares, cpu_totals, cpu_app = [], [], [], []
    for run in range(1, runs + 1):
        (context, template, layout), _queries, _pdf = render_once()
        total = context.wall + template.wall + layout.wall
        cpu = context.cpu + template.cpu + layout.cpu
        totals.append(total)
        app_shares.append((context.wall + template.wall) / total)
        cpu_totals.append(cpu)
        cpu_app.append((context.cpu + template.cpu) / cpu)
        print(
            f"  cold {run}: {total:.2f} s (queries and context {context.wall:.2f} s, "
            f"templates {template.wall:.2f} s, WeasyPrint {layout.wall:.2f} s); "
            f"CPU {cpu:.2f} s"
        )
    _clock, stored = cached_once()  # rendered once more, and stored in the cache
    warm, warm_cpu = [], []
    for run in range(1, runs + 1):
        clock, cached = cached_once()
        assert cached == stored, "the cache did not serve the stored PDF"
        warm.append(clock.wall)
        warm_cpu.append(clock.cpu)
        print(f"  warm {run}: {clock.wall:.3f} s; CPU {clock.cpu:.3f} s")
    median = statistics.median(totals)
    share = statistics.median(app_shares)
    warm_median = statistics.median(warm)
    print(
        f"Cold median (rendered): {median:.2f} s (goal < {GOAL_SECONDS:.0f} s: "
        f"{verdict(median, GOAL_SECONDS)}); CPU {statistics.median(cpu_totals):.2f} s"
    )
    print(
        f"Warm median (cached): {warm_median:.3f} s (goal < {GOAL_SECONDS:.0f} s: "
        f"{verdict(warm_median, GOAL_SECONDS)}); CPU {statistics.median(warm_cpu):.3f} s"
    )
    print(
        f"Share outside WeasyPrint, cold (queries, context, templates): {share:.1%} "
        f"(goal < {GOAL_SHARE:.0%}: {verdict(share, GOAL_SHARE)}); "
        f"CPU {statistics.median(cpu_app):.1%}"
    )


if __name__ == "__main__":
    main()
