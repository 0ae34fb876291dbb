"""Benchmark: import a generated file of 1,000,000 observations and print rows per second.

The file is in the application's long format (indicator, territory, year, value, note):
50 indicators × 4,000 communes × 5 years by default, created in the database first. It is
imported by the same service as the workspace and the admin (``diagnostic.importers``),
validation included, in the two steps a person goes through: the preview (read, check
every cell, compare with the stored observations) and the import (all of that again, then
the bulk writes and their history). Then a second file changes every value (updates), and
the first one is imported again (nothing changes).

It runs on a throw-away database that Django's test machinery creates and drops (a
temporary SQLite file, or ``test_<name>`` on the PostgreSQL server of ``DATABASE_URL``):
your data is never touched. See bench/README.md.

    .venv/bin/python bench/import_observations.py [--rows 1000000] [--indicators 50]
"""

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctg.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from conventions.models import Territory  # noqa: E402
from diagnostic import importers  # noqa: E402
from diagnostic.models import Indicator, Observation  # noqa: E402

YEARS = 5


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="observations in the file")
    parser.add_argument("--indicators", type=int, default=50)
    return parser.parse_args()


def create_reference_data(indicator_count, territory_count):
    department = Territory.objects.create(kind="departement", code="99", name="Banc d'essai")
    Territory.objects.bulk_create(
        Territory(kind="commune", code=f"B{n:07d}", name=f"Commune {n}", department=department)
        for n in range(territory_count)
    )
    Indicator.objects.bulk_create(
        Indicator(code=f"bench_{n:02d}", label=f"Indicateur {n}", unit="count", source="insee",
                  theme="population")
        for n in range(indicator_count)
    )  # fmt: skip


def write_file(path, indicator_count, territory_count, shift=0):
    """One line per (territory, indicator, year): sorted by territory, not by the key the
    import sorts on. A value in ten has decimals written the French way, one in fifty a note."""
    randomness = random.Random(42)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("indicator,territory,year,value,note\n")
        for territory in range(territory_count):
            for indicator in range(indicator_count):
                for year in range(2017, 2017 + YEARS):
                    number = randomness.randrange(100_000) + shift
                    value = f'"{number // 10},{number % 10}"' if number % 10 == 1 else number
                    note = "estimation" if number % 50 == 7 else ""
                    out.write(f"bench_{indicator:02d},B{territory:07d},{year},{value},{note}\n")
    return path.stat().st_size


def timed(step, rows, function):
    started = time.perf_counter()
    plan = function()
    seconds = time.perf_counter() - started
    assert plan.ok, plan.sorted_errors()[:5]
    counts = ", ".join(f"{n} {kind}" for kind, n in plan.counts.items() if n)
    print(
        f"  {step:<42} {seconds:7.1f} s  {rows / seconds:10,.0f} lignes/s  ({counts}; "
        f"charge {os.getloadavg()[0]:.1f})"
    )
    return plan


def run(path, rows):
    content = path.read_bytes()

    def lines():
        return importers.read_file(content=content, filename=path.name)

    timed("aperçu (lecture, validation, comparaison)", rows,
          lambda: importers.plan_import(source="long", rows=lines()))  # fmt: skip
    timed("import (le même, puis écriture)", rows,
          lambda: importers.import_observations(source="long", rows=lines()))  # fmt: skip


def main():
    options = arguments()
    indicator_count = options.indicators
    territory_count = -(-options.rows // (indicator_count * YEARS))
    rows = indicator_count * territory_count * YEARS
    settings.DEBUG = False  # no query log, as in production
    folder = Path(tempfile.mkdtemp(prefix="ctg-bench-"))
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(folder / "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with connection.cursor() as cursor:
            version = connection.Database.sqlite_version if connection.vendor == "sqlite" else ""
            if connection.vendor == "postgresql":
                cursor.execute("SHOW server_version")
                version = cursor.fetchone()[0]
        print(f"{connection.vendor} {version}, Python {platform.python_version()}, "
              f"{os.cpu_count()} processeurs, charge moyenne {os.getloadavg()[0]:.1f} (sur "
              "une minute, rappelée après chaque étape : d'autres travaux ralentissent les "
              "mesures)")  # fmt: skip
        create_reference_data(indicator_count, territory_count)
        first = folder / "observations.csv"
        size = write_file(first, indicator_count, territory_count)
        print(f"{rows:,} observations ({indicator_count} indicateurs × {territory_count} "
              f"territoires × {YEARS} ans), fichier de {size / 1e6:.0f} Mo")  # fmt: skip
        print("Base vide : tout est créé")
        run(first, rows)
        assert Observation.objects.count() == rows
        second = folder / "observations-modifiees.csv"
        write_file(second, indicator_count, territory_count, shift=1)
        print("Chaque valeur change : tout est modifié")
        run(second, rows)
        print("Le premier fichier encore : tout redevient comme avant")
        run(first, rows)
        print("Le même fichier une troisième fois : rien ne change")
        run(first, rows)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
