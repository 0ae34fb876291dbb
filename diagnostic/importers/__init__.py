"""Imports of observations from files: Cafdata files per commune, INSEE « comparateur de
territoires » files, and the application's own long format (indicator, territory, year,
value, note).

Every import has two steps. ``plan_import`` reads the lines, checks every cell and compares
the observations read with the stored ones, writing nothing: the plan says what would be
created, updated or left unchanged on each territory, and lists every bad line with its
number in the file (the header being line 1) and the reason in French.
``import_observations`` plans again and, in one transaction, writes only when no line is
bad. The workspace pages (``views_imports``), the admin (``resources``) and the benchmark
(``bench/import_observations.py``) all go through these two functions.

The package: ``files`` reads CSV and XLSX files and their cells, ``mappings`` says what
each open-data column means, ``formats`` and ``cafdata`` read the three formats,
``plan`` compares with the stored observations, ``writing`` stores a plan in bulk.
"""

from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from .cafdata import parse_caf
from .files import FileError, read_file
from .formats import parse_insee, parse_long
from .plan import Catalogue, ImportPlan, compare
from .writing import write

__all__ = ["SOURCES", "FileError", "import_observations", "plan_import", "read_file", "scope_of"]


class SourceFormat(NamedTuple):
    label: str
    help: str


SOURCES = {
    "caf": SourceFormat(
        "Fichier Cafdata par commune",
        "Export CSV ou XLSX de data.caf.fr : numcomdo, dtreffre, indfoy_…, indnbp_… ; "
        "les sommes de l'EPCI sont calculées depuis ses communes, et celles qui manquent au "
        "fichier sont nommées. Les lignes sans commune (99999, XXXXX), celles des communes "
        "hors de l'EPCI ou inconnues de l'application sont ignorées et comptées ; pour une "
        "année, seule la date la plus récente du fichier est lue.",
    ),
    "insee": SourceFormat(
        "Comparateur de territoires de l'Insee",
        "Fichier CSV ou XLSX avec CODGEO et des colonnes P21_POP, C21_MEN… (l'année est lue "
        "dans le préfixe), dont les tranches d'âge P21_POP0014 à P21_POP75P du graphique de "
        "la population.",
    ),
    "long": SourceFormat(
        "Format long de l'application",
        "Colonnes indicator, territory, year, value et, au choix, note et date : une "
        "observation par ligne.",
    ),
}


def parse(source, plan, rows):
    if source == "caf":
        parse_caf(plan, rows)
    elif source == "insee":
        parse_insee(plan, rows, this_year=timezone.localdate().year)
    else:
        parse_long(plan, rows)


def scope_of(*, convention):
    """The territories an import from a convention's workspace may write: the convention's
    territory and its communes. Not its département: those figures are shared by every
    convention of the département, signed ones included; the back-office imports them."""
    territory = convention.territory
    return [territory, *territory.communes.all()]


def plan_import(*, source, rows, scope=None):
    """Read and check ``rows`` (``(line, cells)`` pairs, see ``read_file``) in the format
    ``source`` (a key of ``SOURCES``) and compare them with the stored observations; only
    territories of ``scope`` are read (``None``: all). Writes nothing."""
    if source not in SOURCES:
        raise ValueError(f"Unknown import format: {source!r}")
    plan = ImportPlan(source, SOURCES[source].label, Catalogue(scope=scope))
    try:
        parse(source, plan, rows)
    except FileError as error:
        plan.error(error.line, str(error))
    plan.catalogue.forget_unused({entry.indicator for entry in plan.entries})
    if plan.ok:
        compare(plan)
    return plan


def import_observations(*, source, rows, scope=None, user=None, reason=""):
    """Plan, then write in the same transaction when no line is bad. Returns the plan: its
    ``written`` says whether anything was stored, its ``errors`` why not."""
    with transaction.atomic():
        plan = plan_import(source=source, rows=rows, scope=scope)
        if plan.ok:
            write(plan, user=user, reason=reason or f"Import : {plan.label}")
    return plan
