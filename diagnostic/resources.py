from import_export import fields

from actions.models import Field
from conventions.models import Convention, Territory
from conventions.resources import CtgResource, FrenchDateWidget, FrenchDecimalWidget, LookupWidget

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
