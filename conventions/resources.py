"""Shared pieces of the django-import-export resources: French errors with file line numbers.

An import is refused whole when any row is bad (the admin only offers to confirm a clean
dry run, and ``import_file`` rolls back on any error), and each bad row is reported with
its line number in the file, the header being line 1.
"""

from django.core.exceptions import MultipleObjectsReturned, ValidationError
from import_export import resources, widgets
from import_export.results import Result

from .spreadsheets import csv_safe


class FileLineResult(Result):
    """Number rows as lines of the file: the first data row is line 2."""

    def append_error_row(self, number, row, errors):
        super().append_error_row(number + 1, row, errors)

    def append_invalid_row(self, number, row, validation_error):
        super().append_invalid_row(number + 1, row, validation_error)

    def row_errors(self):
        # The base class numbers these rows by their index, ignoring the number given above.
        return [(row.number, row.errors) for row in self.error_rows]


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
        except (ValueError, ArithmeticError):  # Decimal("abc") raises InvalidOperation
            raise ValueError(not_a_number(value)) from None


class FrenchDateWidget(widgets.DateWidget):
    """Accepts 31/12/2020 as well as 2020-12-31, never the American 12/31/2020."""

    def __init__(self):
        super().__init__()
        self.formats = ("%Y-%m-%d", "%d/%m/%Y")

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ValueError:
            raise ValueError(f"« {value} » n'est pas une date (JJ/MM/AAAA).") from None


def not_a_number(value):
    return f"« {value} » n'est pas un nombre."


class CtgResource(resources.ModelResource):
    """Exports neutralise formulas (``csv_safe``), in CSV and XLSX alike: the library's
    IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips a leading ``=`` and turns every
    cell into text."""

    def export_field(self, field, instance, **kwargs):
        return csv_safe(super().export_field(field, instance, **kwargs))

    @classmethod
    def get_result_class(cls):
        return FileLineResult

    def get_instance(self, instance_loader, row):
        """Bad identifying cells make the row invalid, reported with the other bad rows."""
        errors = {}
        for field in (self.fields[name] for name in self.get_import_id_fields()):
            if field.column_name not in row:
                continue
            try:
                field.clean(row)
            except ValueError as error:
                errors[field.attribute] = ValidationError(str(error))
            except ArithmeticError:
                errors[field.attribute] = ValidationError(not_a_number(row[field.column_name]))
        if errors:
            raise ValidationError(errors)
        return super().get_instance(instance_loader, row)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        try:
            super().import_field(field, instance, row, is_m2m, **kwargs)
        except ArithmeticError:  # an integer cell that is not a number
            raise ValueError(not_a_number(row.get(field.column_name))) from None

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
