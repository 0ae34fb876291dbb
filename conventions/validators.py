"""Bounds on what users type, in one place: every date field of every app uses these."""

import datetime

from django.core.exceptions import ValidationError

MIN_YEAR = 1900
MAX_YEAR = 2100
FIRST_DAY = datetime.date(MIN_YEAR, 1, 1)
LAST_DAY = datetime.date(MAX_YEAR, 12, 31)


def validate_year(value):
    """A date between 1900 and 2100: a year typed 9999 or 0202 is a slip of the keyboard,
    and computing on it (a next meeting a year later…) would overflow."""
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(
            "L'année doit être comprise entre %(min)s et %(max)s (saisie : %(year)s).",
            code="year_out_of_range",
            params={"min": MIN_YEAR, "max": MAX_YEAR, "year": value.year},
        )
