"""Shared pieces of the django-import-export resources: French errors with file line numbers.

An import is refused whole when any row is bad (the admin only offers to confirm a clean
dry run, and ``import_file`` rolls back on any error), and each bad row is reported with
its line number in the file, the header being line 1.
"""

from django.core.exceptions import MultipleObjectsReturned
from import_export import resources, widgets
from import_export.results import Result


class FileLineResult(Result):
    """Number rows as lines of the file: the first data row is line 2."""

    def append_error_row(self, number, row, errors):
        super().append_error_row(number + 1, row, errors)

    def append_invalid_row(self, number, row, validation_error):
        super().append_invalid_row(number + 1, row, validation_error)


class LookupWidget(widgets.ForeignKeyWidget):
    """A foreign key given by a readable code, with a French message when it is unknown."""

    def __init__(self, model, field, label):
        super().__init__(model, field)
        self.label = label

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(f"{self.label} « {value} » inconnu(e).") from None
        except MultipleObjectsReturned:
            raise ValueError(f"{self.label} « {value} » est ambigu(ë).") from None


class FrenchDecimalWidget(widgets.DecimalWidget):
    """Accepts 11 582 and 2,50 as well as 11582 and 2.50."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = value.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
            value = value.replace(",", ".")
        try:
            return super().clean(value, row, **kwargs)
        except ValueError:
            raise ValueError(f"« {value} » n'est pas un nombre.") from None


class CtgResource(resources.ModelResource):
    @classmethod
    def get_result_class(cls):
        return FileLineResult

    def import_file(self, dataset):
        """Import a whole dataset, or nothing if any row is bad; returns the result."""
        return self.import_data(
            dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
        )


def error_lines(result):
    """Every bad row of an import result as « ligne N : raison », in file order."""
    messages = []
    for line, errors in result.row_errors():
        messages.extend(f"ligne {line} : {error.error}" for error in errors)
    for invalid in result.invalid_rows:
        for field, field_errors in invalid.field_specific_errors.items():
            messages.extend(f"ligne {invalid.number} : {field} — {e}" for e in field_errors)
        messages.extend(f"ligne {invalid.number} : {e}" for e in invalid.non_field_specific_errors)
    return sorted(messages, key=lambda message: int(message.split()[1]))
