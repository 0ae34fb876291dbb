from collections import defaultdict

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from import_export import fields, resources
from import_export.formats import base_formats
from import_export.results import InvalidRow, Result, RowResult

from actions.models import Field
from conventions.models import Convention, Territory
from conventions.resources import CtgResource, FrenchDateWidget, FrenchDecimalWidget, LookupWidget

from . import importers
from .importers.mappings import CAF_COLUMNS
from .models import Indicator, Observation, Structure


class IndicatorResource(CtgResource):
    class Meta:
        model = Indicator
        import_id_fields = ("code",)
        fields = ("code", "label", "unit", "source", "theme", "definition")
        clean_model_instances = True
        skip_unchanged = True


class ObservationResource(CtgResource):
    indicator = fields.Field(
        "indicator", "indicator", LookupWidget(Indicator, "code", "Indicateur")
    )
    territory = fields.Field(
        "territory", "territory", LookupWidget(Territory, "code", "Territoire")
    )
    date = fields.Field("date", "date", FrenchDateWidget())
    value = fields.Field("value", "value", FrenchDecimalWidget())

    class Meta:
        model = Observation
        import_id_fields = ("indicator", "territory", "year")
        fields = ("indicator", "territory", "year", "date", "value", "note")
        clean_model_instances = True
        skip_unchanged = True


class StructureResource(CtgResource):
    convention = fields.Field(
        "convention", "convention", LookupWidget(Convention, "short_title", "Convention")
    )
    field = fields.Field("field", "field", LookupWidget(Field, "code", "Champ"))
    commune = fields.Field("commune", "commune", LookupWidget(Territory, "code", "Commune"))
    capacity = fields.Field("capacity", "capacity", FrenchDecimalWidget())

    class Meta:
        model = Structure
        import_id_fields = ("convention", "key")
        fields = (
            "convention",
            "key",
            "name",
            "kind",
            "field",
            "commune",
            "manager",
            "capacity",
            "capacity_unit",
            "opening_hours",
            "status",
            "opened_year",
            "in_territory",
            "description",
        )
        clean_model_instances = True
        skip_unchanged = True


# --- Open-data files, through diagnostic.importers ------------------------------------------


class DelimitedCSV(base_formats.CSV):
    """CSV separated by ``;`` (Cafdata, INSEE) as well as by ``,``: the header decides."""

    def create_dataset(self, in_stream, **kwargs):
        text = in_stream
        if isinstance(text, bytes):
            text = text.decode(self.encoding or "utf-8-sig")
        first = text.split("\n", 1)[0]
        kwargs.setdefault("delimiter", max(";,\t", key=first.count))
        return super().create_dataset(text, **kwargs)


KIND_TO_IMPORT_TYPE = {
    "new": RowResult.IMPORT_TYPE_NEW,
    "update": RowResult.IMPORT_TYPE_UPDATE,
    "unchanged": RowResult.IMPORT_TYPE_SKIP,
    "kept": RowResult.IMPORT_TYPE_SKIP,
}


class FileImportResource(resources.Resource):
    """A whole file imported by ``diagnostic.importers`` (``source``), shown in the admin's
    preview as one row per observation it creates, updates or leaves, and refused whole,
    each bad line listed with its number in the file, when any line is bad."""

    source = None
    columns = ()  # what the import page says the file holds

    @classmethod
    def get_display_name(cls):
        return importers.SOURCES[cls.source].label

    def get_user_visible_fields(self):
        return [fields.Field(column_name=name) for name in self.columns]

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        lines = enumerate([dataset.headers or [], *dataset], start=1)
        if dry_run:
            plan = importers.plan_import(source=self.source, rows=lines)
        else:
            reason = f"Import admin : {kwargs.get('file_name') or self.get_display_name()}"
            plan = importers.import_observations(
                source=self.source, rows=lines, user=kwargs.get("user"), reason=reason
            )
        return plan_result(plan)


def plan_result(plan):
    """An import-export result telling what ``plan`` does, for the admin's pages."""
    result = Result()
    result.diff_headers = ["Ligne", "Territoire", "Indicateur", "Année", "Valeur", "Note", "Avant"]
    errors = defaultdict(list)
    for error in plan.sorted_errors():
        errors[error.line].append(error)
    for line, line_errors in errors.items():
        by_column = defaultdict(list)
        for error in line_errors:
            by_column[error.column or NON_FIELD_ERRORS].append(error.message)
        result.invalid_rows.append(InvalidRow(line, ValidationError(dict(by_column)), ()))
    for change in plan.changes(unchanged=True):
        row = RowResult()
        row.import_type = KIND_TO_IMPORT_TYPE[change.kind]
        before = "" if change.kind == "new" else number_or_note(change.old_value, change.old_note)
        row.diff = [
            change.line or "somme",
            str(change.territory),
            str(change.indicator),
            change.year,
            number_or_note(change.value, ""),
            change.note,
            before,
        ]
        row.instance = Observation(
            pk=change.pk, indicator=change.indicator, territory=change.territory, year=change.year
        )
        result.append_row_result(row)
        result.increment_row_result_total(row)
    result.total_rows = len(result.rows)
    return result


def number_or_note(value, note):
    return note if value is None else format(value.normalize(), "f")


class LongFormatResource(FileImportResource):
    source = "long"
    columns = ("indicator", "territory", "year", "value", "note", "date")


class CafdataResource(FileImportResource):
    source = "caf"
    columns = ("numcomdo", "dtreffre", "nomcom", *CAF_COLUMNS)


class InseeResource(FileImportResource):
    source = "insee"
    columns = ("CODGEO", "LIBGEO", "P21_POP, C21_MEN… (préfixe : P ou C et l'année)")
