from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from conventions.admin import HistoryAdmin
from conventions.workbooks import BoundedImportMixin

from .models import Action, EvaluationCriterion, Field, FollowUpIndicator
from .resources import ActionResource


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0
    fields = ("convention", "order", "name", "lead", "deadline_date", "deadline_text", "progress")
    show_change_link = True


@admin.register(Field)
class FieldAdmin(HistoryAdmin):
    list_display = ("label", "code", "order", "convention")
    list_filter = (("convention", admin.EmptyFieldListFilter), "convention")
    search_fields = ("label", "code")
    list_select_related = ("convention",)
    inlines = [ActionInline]


class FollowUpIndicatorInline(admin.TabularInline):
    model = FollowUpIndicator
    extra = 0


class EvaluationCriterionInline(admin.TabularInline):
    model = EvaluationCriterion
    extra = 0


@admin.register(Action)
class ActionAdmin(BoundedImportMixin, ImportExportModelAdmin, HistoryAdmin):
    resource_classes = [ActionResource]
    list_display = ("name", "field", "order", "lead", "deadline_display", "progress", "convention")
    list_filter = ("convention", "field", "progress", "followup_frequency")
    search_fields = ("name", "content", "objectives", "lead")
    list_select_related = ("field", "convention")
    inlines = [FollowUpIndicatorInline, EvaluationCriterionInline]
    fieldsets = (
        (None, {"fields": ("convention", "field", "order", "name", "progress")}),
        ("Contenu", {"fields": ("content", "objectives", "offer", "human_means", "lead")}),
        ("Échéance", {"fields": (("deadline_date", "deadline_text"),)}),
        (
            "Suivi et évaluation",
            {"fields": ("followup_frequency", "followup_modalities", "evaluation_periodicity")},
        ),
    )

    @admin.display(description="échéance")
    def deadline_display(self, action):
        return action.deadline_display
