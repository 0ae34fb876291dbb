from import_export import fields

from conventions.models import Convention
from conventions.resources import CtgResource, FrenchDateWidget, LookupWidget

from .models import Action, EvaluationCriterion, Field, FollowUpIndicator


class FieldOfConventionWidget(LookupWidget):
    """A field code, looked up among the national fields and the row's convention's own."""

    def get_queryset(self, value, row, *args, **kwargs):
        convention = Convention.objects.filter(short_title=row.get("convention")).first()
        return Field.objects.available_to(convention)


class ItemsField(fields.Field):
    """One cell holding a list, one item per line (follow-up indicators, criteria)."""

    def __init__(self, attribute, column_name, item_model):
        super().__init__(attribute=None, column_name=column_name, readonly=True)
        self.related_name = attribute
        self.item_model = item_model

    def export(self, instance, **kwargs):
        if instance.pk is None:  # a new action, read by the import's diff before it is saved
            return ""
        return "\n".join(item.label for item in getattr(instance, self.related_name).all())

    def save_items(self, instance, row):
        labels = [line.strip() for line in str(row.get(self.column_name) or "").splitlines()]
        getattr(instance, self.related_name).all().delete()
        self.item_model.objects.bulk_create(
            self.item_model(action=instance, order=order, label=label)
            for order, label in enumerate(filter(None, labels), start=1)
        )


class ActionResource(CtgResource):
    convention = fields.Field(
        "convention", "convention", LookupWidget(Convention, "short_title", "Convention")
    )
    field = fields.Field("field", "field", FieldOfConventionWidget(Field, "code", "Champ"))
    deadline_date = fields.Field("deadline_date", "deadline_date", FrenchDateWidget())
    followup_indicators = ItemsField(
        "followup_indicators", "followup_indicators", FollowUpIndicator
    )
    evaluation_criteria = ItemsField(
        "evaluation_criteria", "evaluation_criteria", EvaluationCriterion
    )

    class Meta:
        model = Action
        import_id_fields = ("convention", "field", "order")
        fields = (
            "convention",
            "field",
            "order",
            "name",
            "content",
            "objectives",
            "offer",
            "human_means",
            "lead",
            "deadline_date",
            "deadline_text",
            "followup_frequency",
            "followup_modalities",
            "followup_indicators",
            "evaluation_periodicity",
            "evaluation_criteria",
            "progress",
        )
        clean_model_instances = True

    def after_save_instance(self, instance, row, **kwargs):
        if not kwargs.get("dry_run"):
            self.fields["followup_indicators"].save_items(instance, row)
            self.fields["evaluation_criteria"].save_items(instance, row)
