"""Cafdata files per commune, and their sums to the EPCI.

A Cafdata file (data.caf.fr, « par commune ») has one line per commune (``numcomdo``) and
reference date (``dtreffre``: ``202212``, ``2022-12`` or ``31/12/2022``), and one column per
count (``indfoy_*``: households, ``indnbp_*``: people covered); column names are read in any
case, numbers written the French way too. Which lines are read:

- lines without a commune (``99999``: households living abroad, ``XXXXX``: commune
  unknown, or no code) are ignored and counted;
- a code that is not a commune code (``39A35``) is an error of its line;
- a commune the application does not know is ignored, its code listed in the remarks
  (``ImportPlan.unknown``): a Cafdata file covers France or a whole département;
- a commune outside the scope (from a convention's workspace: anything but the communes
  of its EPCI) is ignored and counted;
- one reference date a year: a year's observation is that of its latest date in the file
  (December in the yearly files), the lines of earlier dates are ignored and counted; the
  same commune twice at one date is an error.

Each commune line gives its counts; an EPCI gets, for each year of the file, the sum of
its member communes (``Territory.communes``), and the member communes the file lacks are
named in the remarks. Statistical secrecy is handled explicitly:

- a masked cell (see ``CAF_MASKED``: Cafdata leaves it blank) is stored for the commune
  without a value and with a note, and never replaces a value already stored;
- an EPCI whose communes are partly masked, or absent from the file, gets the sum of the
  others as a minimum, with a note saying how many communes are missing;
- a percentage is never summed: the shares of ``CAF_RATIOS`` are computed from their
  numerator and denominator, for the EPCI only when both sums are complete; an indicator
  of the catalogue whose unit is not a count or an amount is not summed either.
"""

import datetime
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP

from conventions.models import Territory

from ..models import Indicator
from .files import QUANTUM, normalize_code, parse_count, parse_reference, text
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
# Lines Cafdata publishes without a commune: households living abroad (99999), whose
# commune is unknown (XXXXX), or a cell left empty.
NO_COMMUNE = frozenset({"", "99999", "XXXXX"})
SHOWN_NAMES = 10


@dataclass
class CommuneLine:
    line: int
    territory: Territory
    year: int
    date: datetime.date | None
    values: dict  # column → Decimal, or MASKED

    @property
    def reference(self):
        """The date the line counts at: a year without month is its December."""
        return self.date or datetime.date(self.year, 12, 31)

    @property
    def when(self):
        return f"au {self.date:%d/%m/%Y}" if self.date else f"pour {self.year}"


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
    for epci, year, present, members in epci_groups(plan, communes):
        epci_entries(plan, epci, year, present, members, indicators, ratios)


def read_communes(plan, rows, commune_at, date_at, columns):
    """The commune lines within the scope, every cell checked, one date a year."""
    communes, seen, unlocated = [], {}, 0
    for line, cells in rows:
        if is_blank(cells):
            continue
        code = normalize_code(text(cell_at(cells, commune_at)).upper())
        if code in NO_COMMUNE:
            unlocated += 1
            continue
        if not COMMUNE_CODE.fullmatch(code):
            plan.error(line, f"« {code} » n'est pas un code commune (5 caractères).", "numcomdo")
            continue
        territory = plan.catalogue.territory(code)
        if territory is None:
            plan.unknown[code] += 1
            continue
        if territory.kind != Territory.Kind.COMMUNE:
            plan.error(line, f"« {code} » est le code d'un territoire qui n'est pas une commune.")
            continue
        if not plan.catalogue.in_scope(territory):
            plan.out_of_scope[territory] += 1
            continue
        try:
            year, date = parse_reference(cell_at(cells, date_at))
        except ValueError as error:
            plan.error(line, str(error), "dtreffre")
            continue
        commune = CommuneLine(line, territory, year, date, {})
        if (territory.pk, commune.reference) in seen:
            first = seen[territory.pk, commune.reference]
            plan.error(line, f"la commune {code} figure déjà à la ligne {first} {commune.when}.")
            continue
        seen[territory.pk, commune.reference] = line
        for column, index in columns.items():
            cell = cell_at(cells, index)
            try:
                commune.values[column] = (
                    MASKED if text(cell).lower() in CAF_MASKED else parse_count(cell)
                )
            except ValueError as error:
                plan.error(line, str(error), column)
        communes.append(commune)
    if unlocated:
        plan.remarks.append(
            f"{plural(unlocated, 'ligne')} sans commune (code 99999 : allocataires résidant à "
            "l'étranger, XXXXX : commune de résidence inconnue, ou code vide) : ignorée(s)."
        )
    return latest_dates_only(plan, communes)


def latest_dates_only(plan, communes):
    """The lines of the latest reference date of each year: a year's observation is that
    of its latest date in the file (December for the yearly files); the others are
    ignored, and said so."""
    latest = {}
    for commune in communes:
        latest[commune.year] = max(latest.get(commune.year, commune.reference), commune.reference)
    older = Counter(c.year for c in communes if c.reference != latest[c.year])
    for year, count in sorted(older.items()):
        plan.remarks.append(
            f"{year} : {plural(count, 'ligne')} d'une date antérieure au "
            f"{latest[year]:%d/%m/%Y} ignorée(s) ; l'observation de l'année est celle de sa "
            "date la plus récente dans le fichier."
        )
    return [commune for commune in communes if commune.reference == latest[commune.year]]


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
    communes present and the ids of all its member communes."""
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
                yield epci, year, present, members[epci_id]


def epci_entries(plan, epci, year, present, members, indicators, ratios):
    member_count = len(members)
    absent = member_count - len(present)
    if absent:
        report_absent(plan, epci, year, members - {commune.territory.pk for commune in present})
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


def report_absent(plan, epci, year, absent):
    """The member communes of ``epci`` the file lacks for ``year``, named."""
    names = sorted((plan.catalogue.territory_by_id[pk].name for pk in absent), key=alphabetical)
    missing = plural(len(names), "commune membre absente", "communes membres absentes")
    more = " …" if len(names) > SHOWN_NAMES else ""
    plan.remarks.append(
        f"{epci} ({year}) : {missing} du fichier ({', '.join(names[:SHOWN_NAMES])}{more}) ; "
        "ses sommes sont des minimums (note sur l'observation)."
    )


def alphabetical(name):
    """A sort key putting « Étrepigney » between « Dampierre » and « Fraisans »."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


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
