"""Demo data of the action plan: national fields, the convention's own axes, its actions."""

from conventions.demo import read_yaml, upsert

from .models import Action, EvaluationCriterion, Field, FollowUpIndicator

ACTION_FIELDS = [
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
    "evaluation_periodicity",
    "progress",
]


def load(folder, context):
    data = read_yaml(folder, "actions.yaml")
    if not data:
        return
    fields = context.setdefault("fields", {})
    for order, item in enumerate(data.get("national_fields", []), start=1):
        fields[item["code"]] = upsert(
            Field,
            code=item["code"],
            convention=None,
            defaults={"label": item["label"], "order": order},
        )
    if not context.get("is_new"):
        return
    convention = context["convention"]
    for order, item in enumerate(data.get("convention_fields", []), start=100):
        fields[item["code"]] = Field.objects.create(
            code=item["code"], label=item["label"], order=order, convention=convention
        )
    if data.get("intro"):
        convention.annexes.filter(number=2).update(intro=data["intro"])
    actions = context["actions"] = []
    for item in data.get("actions", []):
        action = Action(
            convention=convention,
            field=fields[item["field"]],
            order=item["order"],
            **{name: item[name] or "" for name in ACTION_FIELDS if name in item},
        )
        action.deadline_date = item.get("deadline_date")
        action.full_clean()
        action.save()
        FollowUpIndicator.objects.bulk_create(
            FollowUpIndicator(action=action, order=order, label=label)
            for order, label in enumerate(item.get("followup_indicators", []), start=1)
        )
        EvaluationCriterion.objects.bulk_create(
            EvaluationCriterion(action=action, order=order, label=label)
            for order, label in enumerate(item.get("evaluation_criteria", []), start=1)
        )
        actions.append((action, item.get("problematiques", [])))
