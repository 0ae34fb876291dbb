"""French number formats of the charts' labels, descriptions and data tables:
``11 582``, ``2,5 %``, ``22 865 €``, ``+6,7 points``."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format

from diagnostic.models import Indicator

NBSP = "\u00a0"


def format_number(value, decimals=0):
    """French format, rounded half up: ``11 582``, ``2,5`` (never ``-0,0``)."""
    value = Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    value = abs(value) if value == 0 else value
    return number_format(value, decimals, use_l10n=True, force_grouping=True)


def format_percent(value, decimals=1):
    return f"{format_number(value, decimals)}{NBSP}%"


def format_euros(value):
    """``22 865 €``; cents only when there are some: ``3,08 €``."""
    value = Decimal(value)
    return f"{format_number(value, 0 if value == value.to_integral_value() else 2)}{NBSP}€"


def format_value(value, unit):
    """An observation as a person reads it, by its indicator's unit."""
    if unit == Indicator.Unit.PERCENT:
        return format_percent(value)
    if unit == Indicator.Unit.EUROS:
        return format_euros(value)
    if unit in (Indicator.Unit.RATIO, Indicator.Unit.ETP, Indicator.Unit.HOURS):
        return format_number(value, 1)
    return format_number(value)


def format_tick(value, unit, decimals):
    """An axis graduation: ``20 %``, ``100 000 €``, ``250``."""
    text = format_number(value, decimals)
    if unit == Indicator.Unit.PERCENT:
        return f"{text}{NBSP}%"
    if unit == Indicator.Unit.EUROS:
        return f"{text}{NBSP}€"
    return text


def signed(text, value):
    return f"+{text}" if value > 0 else text


def format_evolution(first, last):
    """Relative evolution between two counts: 407 → 428 gives ``+5,2 %``."""
    if not first:
        return ""
    rate = (Decimal(last) - Decimal(first)) * 100 / Decimal(first)
    return signed(format_percent(rate), rate)


def format_points(difference):
    """A difference between two rates: ``+6,7 points``."""
    return signed(f"{format_number(difference, 1)}{NBSP}points", difference)
