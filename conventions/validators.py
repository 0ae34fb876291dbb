"""Bounds on what users type, in one place: every date field and every order or number
that users set, in every app, use these."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models

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


def validate_year_number(value):
    """A year written as a number (an observation's, a table column's…): the same bounds."""
    if value is not None and not MIN_YEAR <= value <= MAX_YEAR:
        raise ValidationError(
            "L'année doit être comprise entre %(min)s et %(max)s (saisie : %(year)s).",
            code="year_out_of_range",
            params={"min": MIN_YEAR, "max": MAX_YEAR, "year": value},
        )


MIN_ORDER = 1
MAX_ORDER = 999


def validate_order(value):
    """An order or a number users set (articles, parties, actions, members…): 1 to 999."""
    if value is not None and not MIN_ORDER <= value <= MAX_ORDER:
        raise ValidationError(
            "Le numéro d'ordre doit être compris entre %(min)s et %(max)s (ici : %(value)s).",
            code="order_out_of_range",
            params={"min": MIN_ORDER, "max": MAX_ORDER, "value": value},
        )


class OrderField(models.PositiveSmallIntegerField):
    """The position of an item among its siblings, set by users: 1 to 999, in the model
    and in its forms (the browser's number input says so too)."""

    default_validators = [validate_order]

    def formfield(self, **kwargs):
        return super().formfield(**{"min_value": MIN_ORDER, "max_value": MAX_ORDER, **kwargs})
