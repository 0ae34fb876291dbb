"""The arithmetic of the diagnostic, as plain functions on ``Decimal``.

- Shares and evolutions are returned **in percent** (``share(1496, 4858)`` is 30.79…,
  ``evolution(11299, 11582)`` is 2.50…), evolutions of a rate **in points**, so that one
  threshold per table (``trend_threshold`` in %, ``trend_threshold_points`` in points)
  compares with them directly. ``None`` stands for "cannot be computed" (a missing value,
  a zero denominator).
- French formats round half up at a stated number of decimals: ``11 582``, ``30,8 %``,
  ``+2,50 %``, ``-1,7 pt``. Numbers are grouped with a non-breaking space.
- Statistical secrecy is applied on output only: ``is_secret`` says whether a count must be
  masked, ``caf_open_data_round`` applies the Cafdata rounding; stored values never change.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

NBSP = "\u00a0"
HUNDRED = Decimal(100)
UP, DOWN, STABLE = "↗", "↘", "▬"
SECRET = "s"  # the usual mark of "secret statistique" in French statistical tables


# Computations


def share(part, total):
    """``part`` as a percentage of ``total``: 1 496 of 4 858 → 30,79…"""
    if part is None or not total:
        return None
    return Decimal(part) * HUNDRED / Decimal(total)


def evolution(first, last):
    """Relative change in percent, (last − first) / first: 11 299 → 11 582 = +2,50…"""
    if first is None or last is None or not first:
        return None
    return (Decimal(last) - Decimal(first)) * HUNDRED / Decimal(first)


def years_between(from_year, to_year):
    """The number of years from ``from_year`` to ``to_year``, both included: 2016-2018 → 3."""
    return abs(to_year - from_year) + 1


def yearly_average_evolution(first, last, years):
    """Yearly average evolution in percent over ``years`` years (both ends included):
    (last / first)^(1 / (years − 1)) − 1. 407 → 428 over 2016-2018 = +2,5 %/year.

    With a negative ratio (values of opposite signs) there is no such rate: ``None``.
    """
    if first is None or last is None or not first or years < 2:
        return None
    ratio = Decimal(last) / Decimal(first)
    if ratio < 0:
        return None
    if ratio == 0:
        return -HUNDRED
    with localcontext() as context:
        context.prec = 28
        return (ratio ** (Decimal(1) / Decimal(years - 1)) - 1) * HUNDRED


def points_evolution(first, last):
    """Evolution of a rate, in points: 42,9 % → 39,5 % = −3,4 points."""
    if first is None or last is None:
        return None
    return Decimal(last) - Decimal(first)


def yearly_average_points(first, last, years):
    """Yearly average evolution of a rate in points: (last − first) / (years − 1)."""
    change = points_evolution(first, last)
    if change is None or years < 2:
        return None
    return change / Decimal(years - 1)


def trend(change, threshold):
    """The arrow of an evolution: ↗ or ↘ when its size reaches ``threshold``, else ▬.

    ``change`` and ``threshold`` are in the same unit (% or points); give the evolution as
    displayed (rounded) so that the arrow agrees with the figure a reader sees.
    """
    if change is None:
        return None
    threshold = abs(Decimal(threshold or 0))
    if change == 0 or abs(change) < threshold:
        return STABLE
    return UP if change > 0 else DOWN


# Rounding and formats


def round_half_up(value, decimals=0):
    """``value`` rounded half up (2,45 → 2,5; −2,45 → −2,5), the rounding of printed tables."""
    return Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def format_number(value, decimals=None):
    """French format: ``11 582``, ``2,5``, ``-47``. ``decimals=None`` keeps the significant
    decimals of ``value`` (``3,08``, ``25,8``, ``11 582``)."""
    value = Decimal(value)
    if decimals is None:
        decimals = max(0, -value.normalize().as_tuple().exponent)
    value = round_half_up(value, decimals)
    if value == 0:
        value = abs(value)  # never "-0,0"
    sign = "-" if value < 0 else ""
    digits = f"{abs(value):.{decimals}f}"
    whole, _, fraction = digits.partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = NBSP.join(groups)
    return f"{sign}{text},{fraction}" if fraction else f"{sign}{text}"


def format_percent(value, decimals=1):
    """A share: ``30,8 %``."""
    return f"{format_number(value, decimals)}{NBSP}%"


def format_change(value, decimals=1, points=False):
    """An evolution, signed: ``+2,50 %``, ``-0,30 %``, ``0,0 %``; in points: ``-1,7 pt``."""
    text = format_number(value, decimals)
    if round_half_up(value, decimals) > 0:
        text = f"+{text}"
    return f"{text}{NBSP}{'pt' if points else '%'}"


def format_euros(value):
    """``119 157 €``, ``3,08 €``: cents only when there are some."""
    value = Decimal(value)
    decimals = 0 if value == value.to_integral_value() else 2
    return f"{format_number(value, decimals)}{NBSP}€"


def format_rate(percent):
    """A share of a budget as a whole percentage, as the funding tables print it: ``27 %``."""
    return format_percent(percent, 0)


# Printed figures


NUMBER = re.compile(r"([+\-−–]?)\s*(\d[\d\s\u00a0\u202f]*(?:[,.]\d+)?)")
ARROWS = {"↗": UP, "➚": UP, "↘": DOWN, "➘": DOWN, "▬": STABLE, "=": STABLE, "→": STABLE}


def parse_printed(text):
    """The number in a printed figure and its number of decimals: ``"- 0,30%"`` →
    (−0.30, 2), ``"+19%"`` → (19, 0), ``"224, soit 16 % des aides"`` → the first number
    followed by ``%`` (16, 0); ``None`` when the text holds no number."""
    text = text or ""
    percent = re.search(NUMBER.pattern + r"\s*%", text)
    match = percent or NUMBER.search(text)
    if not match:
        return None
    sign, digits = match.groups()
    digits = re.sub(r"[\s\u00a0\u202f]", "", digits).replace(",", ".")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    decimals = len(digits.partition(".")[2])
    return (-value if sign and sign != "+" else value), decimals


def parse_arrow(text):
    """The trend printed as ``↗``, ``↘``, ``▬`` or ``=`` (stable), else ``None``."""
    for char in (text or "").strip():
        if char in ARROWS:
            return ARROWS[char]
    return None


def agrees(printed, computed):
    """Whether the printed figure says the computed one at the printed precision: "+2,5 %"
    agrees with 2,4845…; "+19%" does not with 1,41…; "=" agrees with ▬.

    The printed figure is the computed one rounded to its decimals, either way on an exact
    tie: the source's spreadsheet computed in binary floating point, where (7,5 − 8,2) / 2
    is not exactly −0,35, so it may print −0,3 where half-up rounding gives −0,4.
    """
    arrow = parse_arrow(printed)
    if arrow or computed in (UP, DOWN, STABLE):
        return arrow == computed
    parsed = parse_printed(printed)
    if parsed is None or computed is None:
        return False
    value, decimals = parsed
    return abs(Decimal(computed) - value) <= Decimal(5).scaleb(-decimals - 1)


# Statistical secrecy


def is_secret(value, threshold):
    """Whether a count must be masked in public output: 1 to ``threshold`` − 1 people or
    households (a zero reveals no one; a negative balance is judged on its size)."""
    if value is None or not threshold:
        return False
    return 0 < abs(Decimal(value)) < Decimal(threshold)


def caf_open_data_round(value):
    """A count rounded as the Cnaf rounds its open data (Cafdata, data.caf.fr).

    The Cnaf's datasets state: « Dans ce jeu de données, les nombres de foyers et de
    personnes sont arrondis à 5. A titre d'exemple, 7 est arrondi à 5 et 12 est arrondi
    à 10. Ainsi, pour un département donné, la somme des communes ne donne pas le total
    exact départemental. » (description of the Cafdata datasets published on data.gouv.fr,
    e.g. « AF - Répartition des allocataires selon le type d'AF - EPCI »). So: the nearest
    multiple of 5 (a tie, possible only for a non-integer, goes away from zero). Amounts in
    euros are not rounded. The stored value stays exact; this is for public output only.
    """
    if value is None:
        return None
    return round_half_up(Decimal(value) / 5, 0) * 5
