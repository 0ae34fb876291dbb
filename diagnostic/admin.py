from django.contrib import admin, messages
from django.shortcuts import redirect
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats

from conventions.admin import HistoryAdmin
from conventions.workbooks import BoundedImportMixin

from .models import (
    FundingAmount,
    FundingScheme,
    GlossaryEntry,
    Indicator,
    IndicatorTable,
    Observation,
    Problematique,
    Section,
    SourceFigure,
    SpendingLine,
    Structure,
    StructureFunding,
    TableColumn,
    TableRow,
)
from .resources import (
    CafdataResource,
    DelimitedCSV,
    IndicatorResource,
    InseeResource,
    LongFormatResource,
    ObservationResource,
    StructureResource,
)


class ImportExportHistoryAdmin(BoundedImportMixin, ImportExportModelAdmin, HistoryAdmin):
    """Imports in CSV and XLSX, refused whole when a row is bad or the file too large;
    history kept."""


@admin.register(Indicator)
class IndicatorAdmin(ImportExportHistoryAdmin):
    resource_classes = [IndicatorResource]
    list_display = ("code", "label", "unit", "source", "theme")
    list_filter = ("theme", "source", "unit")
    search_fields = ("code", "label", "definition")


@admin.register(Observation)
class ObservationAdmin(ImportExportHistoryAdmin):
    """Observations imported in the long format, or from Cafdata and INSEE files (chosen in
    the import form's « Resource »): the same services as the workspace's import pages
    (``diagnostic.importers``); exported in the long format."""

    resource_classes = [LongFormatResource, CafdataResource, InseeResource]
    import_formats = [
        DelimitedCSV if fmt is base_formats.CSV else fmt for fmt in base_formats.DEFAULT_FORMATS
    ]
    list_display = ("indicator", "territory", "year", "value", "note")
    list_filter = ("year", "territory__kind", "indicator__theme", "indicator__source")
    search_fields = ("indicator__code", "indicator__label", "territory__name", "territory__code")
    autocomplete_fields = ("indicator", "territory")
    list_select_related = ("indicator", "territory")

    def get_export_resource_classes(self, request):
        return [ObservationResource]

    def get_import_data_kwargs(self, **kwargs):
        # All or nothing, on confirming too (the data may have changed since the preview).
        return super().get_import_data_kwargs(**kwargs) | {"rollback_on_validation_errors": True}

    def process_result(self, result, request):
        if result.has_validation_errors():
            messages.error(
                request,
                "Import refusé, rien n'a été enregistré : des lignes sont devenues fausses "
                "depuis l'aperçu. Importez le fichier à nouveau pour les voir.",
            )
            return redirect("admin:diagnostic_observation_import")
        return super().process_result(result, request)


class TableInline(admin.TabularInline):
    model = IndicatorTable
    extra = 0
    fields = ("order", "key", "title", "trend_threshold", "trend_threshold_points", "decimals")
    show_change_link = True


@admin.register(Section)
class SectionAdmin(HistoryAdmin):
    list_display = ("order", "title", "convention", "source", "block")
    list_display_links = ("title",)
    list_filter = ("convention", "block")
    search_fields = ("title", "body", "commentary")
    list_select_related = ("convention",)
    inlines = [TableInline]


class ColumnInline(admin.TabularInline):
    model = TableColumn
    extra = 0
    autocomplete_fields = ("territory",)


class RowInline(admin.TabularInline):
    model = TableRow
    extra = 0
    autocomplete_fields = ("indicator", "share_of")


@admin.register(IndicatorTable)
class IndicatorTableAdmin(HistoryAdmin):
    list_display = ("title", "section", "order")
    list_filter = ("section__convention",)
    search_fields = ("title", "key")
    list_select_related = ("section",)
    inlines = [ColumnInline, RowInline]


@admin.register(SourceFigure)
class SourceFigureAdmin(HistoryAdmin):
    list_display = ("text", "row", "column")
    list_filter = ("row__table",)
    search_fields = ("text", "row__label", "row__indicator__label")
    list_select_related = ("row__indicator", "column__territory")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A row or column without a label is named after its indicator or territory.
        if db_field.name == "row":
            kwargs["queryset"] = TableRow.objects.select_related("indicator")
        elif db_field.name == "column":
            kwargs["queryset"] = TableColumn.objects.select_related("territory")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Structure)
class StructureAdmin(ImportExportHistoryAdmin):
    resource_classes = [StructureResource]
    list_display = ("name", "kind", "commune", "manager", "capacity", "status", "convention")
    list_filter = ("convention", "kind", "status", "field", "in_territory")
    search_fields = ("name", "manager", "commune__name")
    autocomplete_fields = ("commune",)
    list_select_related = ("commune", "convention")


@admin.register(SpendingLine)
class SpendingLineAdmin(HistoryAdmin):
    list_display = ("label", "financing", "year", "amount", "detail", "convention")
    list_filter = ("convention", "year", "field")
    search_fields = ("label", "financing")
    list_select_related = ("convention",)


@admin.register(FundingScheme)
class FundingSchemeAdmin(HistoryAdmin):
    list_display = ("code", "label")
    search_fields = ("code", "label")


class FundingAmountInline(admin.TabularInline):
    model = FundingAmount
    extra = 0


@admin.register(StructureFunding)
class StructureFundingAdmin(HistoryAdmin):
    list_display = ("label", "year", "budget", "activity", "convention")
    list_filter = ("convention", "year")
    search_fields = ("label", "structure__name")
    list_select_related = ("convention",)
    inlines = [FundingAmountInline]


@admin.register(GlossaryEntry)
class GlossaryEntryAdmin(HistoryAdmin):
    list_display = ("acronym", "definition", "convention")
    list_filter = ("convention",)
    search_fields = ("acronym", "definition")
    list_select_related = ("convention",)


@admin.register(Problematique)
class ProblematiqueAdmin(HistoryAdmin):
    list_display = ("order", "title", "field", "retained", "convention")
    list_display_links = ("title",)
    list_filter = ("convention", "retained", "field")
    search_fields = ("title", "text")
    list_select_related = ("field", "convention")
    filter_horizontal = ("actions",)
