from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import render
from django.views.decorators.http import require_safe

from conventions.access import convention_view, workspace

from .models import Action


def actions_prefetch():
    """The convention's actions in the order of the plan, with everything a row shows."""
    queryset = Action.objects.select_related("field").prefetch_related(
        "followup_indicators", "evaluation_criteria", "problematiques"
    )
    return Prefetch(
        "actions", queryset=queryset.order_by("field__order", "field__label", "field_id", "order")
    )


def by_field(actions):
    """The fields that hold actions, in order, each with its actions: [(field, [action])]."""
    groups = {}
    for action in actions:
        groups.setdefault(action.field, []).append(action)
    return list(groups.items())


def summarise(actions):
    return {
        "total": len(actions),
        "done": sum(action.progress == Action.Progress.DONE for action in actions),
        "in_progress": sum(action.progress == Action.Progress.IN_PROGRESS for action in actions),
        "late": sum(action.is_late for action in actions),
    }


@convention_view
@require_safe
def tab(request, convention):
    prefetch_related_objects([convention], actions_prefetch(), "annexes")
    actions = convention.actions.all()
    annex = next((annex for annex in convention.annexes.all() if annex.number == 2), None)
    context = workspace(
        convention, "plan", fields=by_field(actions), summary=summarise(actions), annex=annex
    )
    return render(request, "actions/tab.html", context)
