from django.db.models import Max, Prefetch, prefetch_related_objects
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from conventions.access import convention_view, workspace

from .models import Body


@convention_view
@require_safe
def tab(request, convention):
    """The governance bodies, each with its members, missions, meetings and the date by
    which it must meet next, in a fixed number of queries."""
    prefetch_related_objects(
        [convention],
        Prefetch("bodies", queryset=Body.objects.annotate(last_meeting=Max("meetings__date"))),
        "bodies__copilots",
        "bodies__members__organisation",
        "bodies__members__person",
        "bodies__missions",
        "bodies__meetings__attendees__organisation",
    )
    today = timezone.localdate()
    bodies = []
    for body in convention.bodies.all():
        due = body.next_required_meeting(convention.start_date)
        bodies.append((body, due, due is not None and due < today))
    return render(request, "pilotage/tab.html", workspace(convention, "pilotage", bodies=bodies))
