"""Cafdata files per commune, and their sums to the EPCI.

Each commune line gives its counts; an EPCI gets, for each year of the file, the sum of
its member communes (``Territory.communes``). Statistical secrecy is handled explicitly:

- a masked cell (see ``CAF_MASKED``) is stored for the commune without a value and with a
  note, and never replaces a value already stored;
- an EPCI whose communes are partly masked, or absent from the file, gets the sum of the
  others as a minimum, with a note saying how many communes are missing;
- a percentage is never summed: the shares of ``CAF_RATIOS`` are computed from their
  numerator and denominator, for the EPCI only when both sums are complete; an indicator
  of the catalogue whose unit is not a count or an amount is not summed either.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP

from conventions.models import Territory

from ..models import Indicator
from .files import QUANTUM, parse_count, parse_reference, text
from .mappings import (
    CAF_COLUMNS,
    CAF_COMMUNE,
    CAF_DATE,
    CAF_LABELS,
    CAF_MASKED,
    CAF_RATIOS,
    COMMUNE_CODE,
)
from .plan import Entry, cell_at, column_of, find_header, is_blank, plural

Unit = Indicator.Unit
SUMMABLE = {Unit.COUNT, Unit.EUROS, Unit.HOURS, Unit.ETP}
MASKED = object()  # a cell hidden for statistical secrecy
MASKED_NOTE = "Secret statistique : valeur masquée dans le fichier Cafdata."
ALL_MASKED_NOTE = "Secret statistique : valeur masquée pour toutes les communes du fichier."


@dataclass
class CommuneLine:
    line: int
    territory: Territory
    year: int
    date: datetime.date | None
    values: dict  # column → Decimal, or MASKED


def parse_caf(plan, rows):
    header = find_header(plan, rows, CAF_COMMUNE, "code commune")
    if header is None:
        return
    header_line, names, rows = header
    commune_at, date_at = column_of(names, CAF_COMMUNE), column_of(names, CAF_DATE)
    if date_at is None:
        plan.error(header_line, "colonne « dtreffre » absente (date de référence).")
    columns = {name: index for index, name in enumerate(names) if name in CAF_COLUMNS}
    known = {*CAF_COMMUNE, *CAF_DATE, *CAF_LABELS, *columns}
    plan.ignored_columns = [name for name in names if name and name not in known]
    if not columns:
        plan.error(header_line, "aucune colonne Cafdata reconnue (indfoy_ndur, indfoy_asf…).")
    if plan.errors:
        return
    communes = read_communes(plan, rows, commune_at, date_at, columns)
    if plan.errors:
        return
    indicators = {column: plan.catalogue.indicator(CAF_COLUMNS[column]) for column in columns}
    ratios = [r for r in CAF_RATIOS if r.numerator in columns and r.denominator in columns]
    commune_entries(plan, communes, indicators, ratios)
    for epci, year, present, member_count in epci_groups(plan, communes):
        epci_entries(plan, epci, year, present, member_count, indicators, ratios)


def read_communes(plan, rows, commune_at, date_at, columns):
    """The commune lines within the scope, every cell checked."""
    communes, seen, unlocated = [], {}, 0
    for line, cells in rows:
        if is_blank(cells):
            continue
        code = text(cell_at(cells, commune_at)).upper()
        if not COMMUNE_CODE.fullmatch(code):
            unlocated += 1  # households Cafdata could not locate, or a masked code
            continue
        territory = plan.catalogue.territory(code)
        if territory is None or territory.kind != Territory.Kind.COMMUNE:
            plan.error(line, f"commune « {code} » inconnue.")
            continue
        if not plan.catalogue.in_scope(territory):
            plan.out_of_scope[territory] += 1
            continue
        try:
            year, date = parse_reference(cell_at(cells, date_at))
        except ValueError as error:
            plan.error(line, str(error), "dtreffre")
            continue
        if (territory.pk, year) in seen:
            first = seen[territory.pk, year]
            plan.error(line, f"la commune {code} figure déjà à la ligne {first} pour {year}.")
            continue
        seen[territory.pk, year] = line
        values = {}
        for column, index in columns.items():
            cell = cell_at(cells, index)
            try:
                values[column] = MASKED if text(cell).lower() in CAF_MASKED else parse_count(cell)
            except ValueError as error:
                plan.error(line, str(error), column)
        communes.append(CommuneLine(line, territory, year, date, values))
    if unlocated:
        plan.remarks.append(
            f"{plural(unlocated, 'ligne')} sans code commune valide (allocataires non localisés "
            "ou code masqué) : ignorée(s)."
        )
    return communes


def share(numerator, denominator):
    return (numerator * 100 / denominator).quantize(QUANTUM, ROUND_HALF_UP)


def commune_entries(plan, communes, indicators, ratios):
    masked = 0
    for commune in communes:
        key = (commune.territory.pk, commune.year, commune.line)
        for column, indicator in indicators.items():
            value = commune.values[column]
            if value is MASKED:
                masked += 1
                entry = Entry(indicator.code, *key, None, MASKED_NOTE, commune.date, soft=True)
            else:
                entry = Entry(indicator.code, *key, value, "", commune.date)
            plan.entries.append(entry)
        for ratio in ratios:
            numerator = commune.values[ratio.numerator]
            denominator = commune.values[ratio.denominator]
            if MASKED not in (numerator, denominator) and denominator:
                indicator = plan.catalogue.indicator(ratio.spec)
                value = share(numerator, denominator)
                plan.entries.append(Entry(indicator.code, *key, value, "", commune.date))
    if masked:
        plan.remarks.append(
            f"{plural(masked, 'cellule masquée', 'cellules masquées')} (secret statistique) : "
            "enregistrée(s) sans valeur pour la commune, sans effacer une valeur déjà connue ; "
            "les sommes des EPCI qui les comptent sont des minimums."
        )


def epci_groups(plan, communes):
    """Each EPCI of the scope with communes in the file, and for each year of the file its
    communes present and its number of member communes."""
    through = Territory.communes.through
    their_epcis = through.objects.filter(
        to_territory__in={commune.territory.pk for commune in communes}
    ).values("from_territory")
    members = defaultdict(set)
    links = through.objects.filter(from_territory__in=their_epcis)
    for epci, commune in links.values_list("from_territory", "to_territory"):
        members[epci].add(commune)
    by_year = defaultdict(dict)
    for commune in communes:
        by_year[commune.year][commune.territory.pk] = commune
    for epci_id in sorted(members):
        epci = plan.catalogue.territory_by_id[epci_id]
        if not plan.catalogue.in_scope(epci):
            continue
        for year, lines in sorted(by_year.items()):
            present = [lines[commune] for commune in members[epci_id] if commune in lines]
            if present:
                yield epci, year, present, len(members[epci_id])


def epci_entries(plan, epci, year, present, member_count, indicators, ratios):
    absent = member_count - len(present)
    if absent:
        missing = plural(absent, "commune membre absente", "communes membres absentes")
        plan.remarks.append(
            f"{epci} ({year}) : {missing} du fichier sur {member_count} ; ses sommes sont des "
            "minimums (note sur l'observation)."
        )
    dates = {commune.date for commune in present}
    date = dates.pop() if len(dates) == 1 else None
    sums = {}  # column → (sum, complete)
    for column, indicator in indicators.items():
        if indicator.unit not in SUMMABLE:
            plan.remarks.append(
                f"« {indicator.label} » est un pourcentage ou un ratio : jamais additionné, "
                f"rien d'enregistré pour {epci} ({year})."
            )
            continue
        values = [commune.values[column] for commune in present]
        known = [value for value in values if value is not MASKED]
        masked = len(values) - len(known)
        sums[column] = (sum(known), not masked and not absent)
        if known:
            note = partial_note(masked, absent, member_count)
            plan.entries.append(Entry(indicator.code, epci.pk, year, 0, sum(known), note, date))
        else:
            plan.entries.append(
                Entry(indicator.code, epci.pk, year, 0, None, ALL_MASKED_NOTE, date, soft=True)
            )
    for ratio in ratios:
        indicator = plan.catalogue.indicator(ratio.spec)
        numerator, denominator = sums.get(ratio.numerator), sums.get(ratio.denominator)
        if numerator and denominator and numerator[1] and denominator[1] and denominator[0]:
            value = share(numerator[0], denominator[0])
            plan.entries.append(Entry(indicator.code, epci.pk, year, 0, value, "", date))
        else:
            plan.remarks.append(
                f"« {indicator.label} » non calculée pour {epci} ({year}) : numérateur ou "
                "dénominateur incomplet (commune masquée ou absente du fichier)."
            )


def partial_note(masked, absent, member_count):
    """The note of a sum that misses communes: it is a minimum."""
    parts = []
    if masked:
        parts.append(plural(masked, "commune masquée", "communes masquées"))
    if absent:
        parts.append(plural(absent, "commune absente", "communes absentes") + " du fichier")
    if not parts:
        return ""
    return f"Minimum : {' et '.join(parts)} sur {member_count} (secret statistique)."
