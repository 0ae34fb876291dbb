from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from .access import convention_view
from .forms import StepForm
from .workflow import StepRefused, take_step


@convention_view(locked_ok=True)
@require_POST
def convention_step(request, convention, target):
    """Move the convention to its next status, or say what is missing."""
    form = StepForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            take_step(convention, target, user=request.user, on=data["on"], note=data["note"])
        except StepRefused as refusal:
            messages.error(
                request, "Étape refusée. Il manque : " + " ; ".join(refusal.missing) + "."
            )
        else:
            messages.success(
                request, f"La convention est désormais « {convention.get_status_display()} »."
            )
    else:
        errors = " ".join(form.errors.get("on", []))
        messages.error(request, f"La date saisie n'est pas valide. {errors}".strip())
    return redirect(
        reverse("conventions:convention-detail", args=[convention.pk]) + "#cycle-de-vie"
    )
