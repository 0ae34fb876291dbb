from django.db.models import prefetch_related_objects
from django.shortcuts import render
from django.views.decorators.http import require_safe

from conventions.access import convention_view, workspace

from .models import Action, actions_prefetch, by_field


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
