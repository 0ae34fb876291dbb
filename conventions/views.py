import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Prefetch, Q, prefetch_related_objects
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from actions.models import Action, Field
from pilotage.models import Body

from .access import convention_view, workspace
from .forms import ConventionForm, NewConventionForm
from .models import Convention, Membership, Territory
from .validators import MAX_YEAR, MIN_YEAR
from .views_documents import NOT_STORED, stored_pdf
from .workflow import next_steps

CLOSED = (Convention.Status.EXPIRED, Convention.Status.TERMINATED)


class PortfolioFilterForm(forms.Form):
    q = forms.CharField(label="Rechercher", required=False)
    status = forms.ChoiceField(
        label="Statut", required=False, choices=[("", "Tous")] + Convention.Status.choices
    )
    year = forms.IntegerField(
        label="En vigueur en", required=False, min_value=MIN_YEAR, max_value=MAX_YEAR
    )
    department = forms.ModelChoiceField(
        Territory.objects.filter(kind=Territory.Kind.DEPARTEMENT),
        label="Département",
        required=False,
        empty_label="Tous",
    )
    field = forms.ModelChoiceField(
        Field.objects.filter(convention__isnull=True),
        label="Champ d'intervention",
        required=False,
        empty_label="Tous",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def filter(self, conventions):
        """Apply the valid filters; an absurd value is ignored, its error shown."""
        self.is_valid()
        data = dict.fromkeys(self.fields) | getattr(self, "cleaned_data", {})
        if data["q"]:
            conventions = conventions.filter(
                Q(short_title__icontains=data["q"]) | Q(territory__name__icontains=data["q"])
            )
        if data["status"]:
            conventions = conventions.filter(status=data["status"])
        if data["year"]:
            conventions = conventions.filter(
                start_date__year__lte=data["year"], end_date__year__gte=data["year"]
            )
        if data["department"]:
            conventions = conventions.filter(territory__department=data["department"])
        if data["field"]:
            with_field = Action.objects.filter(field=data["field"]).values("convention")
            conventions = conventions.filter(pk__in=with_field)
        return conventions


def portfolio_queryset(user):
    return (
        Convention.objects.for_user(user)
        .with_paper_signature()
        .select_related("territory__department")
        .annotate(
            actions_total=Count("actions"),
            actions_done=Count("actions", filter=Q(actions__progress=Action.Progress.DONE)),
            actions_in_progress=Count(
                "actions", filter=Q(actions__progress=Action.Progress.IN_PROGRESS)
            ),
            actions_late=Count("actions", filter=Action.late_condition(prefix="actions__")),
        )
        .prefetch_related(
            Prefetch("bodies", queryset=Body.objects.annotate(last_meeting=Max("meetings__date"))),
            "parties__organisation",
        )
    )


def needs_attention(convention):
    """Sort key: open conventions first, the most late actions, then the nearest meeting."""
    meeting = convention.next_required_meeting() or datetime.date.max
    return (convention.status in CLOSED, -convention.actions_late, meeting, convention.short_title)


@require_safe
def portfolio(request):
    form = PortfolioFilterForm(request.GET or None)
    conventions = sorted(form.filter(portfolio_queryset(request.user)), key=needs_attention)
    can_create = Membership.objects.filter(
        user=request.user,
        role=Membership.Role.EDITOR,
        organisation__convention_models__isnull=False,
    ).exists()
    context = {
        "conventions": conventions,
        "form": form,
        "can_create": can_create,
        "today": datetime.date.today(),
    }
    return render(request, "conventions/portfolio.html", context)


def convention_create(request):
    form = NewConventionForm(request.POST or None, user=request.user)
    if not form.fields["model"].queryset.exists():
        raise PermissionDenied("Seule une Caf disposant d'un modèle de convention peut en créer.")
    if request.method == "POST" and form.is_valid():
        convention = form.save()
        messages.success(request, f"La convention « {convention} » a été créée depuis le modèle.")
        return redirect("conventions:convention-detail", convention.pk)
    return render(request, "conventions/convention_create.html", {"form": form})


@convention_view
@require_safe
def convention_detail(request, convention):
    prefetch_related_objects(
        [convention],
        "parties__organisation",
        "parties__signatories__person",
        "visas",
        "articles",
        "annexes",
        "deliberations__party__organisation",
        "deliberations__annex",
        "status_changes__user",
    )
    context = workspace(convention, "convention", steps=pending_steps(convention))
    return render(request, "conventions/tab_convention.html", context)


def pending_steps(convention):
    """The next steps an editor may take, each with what it still misses."""
    if not convention.user_can_edit:
        return []
    return [
        (step, step.missing(convention, on=datetime.date.today()))
        for step in next_steps(convention)
    ]


@convention_view(edit=True)
def convention_edit(request, convention):
    form = ConventionForm(request.POST or None, instance=convention)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "La convention a été enregistrée.")
        return redirect("conventions:convention-detail", convention.pk)
    context = workspace(convention, "convention") | {"form": form}
    return render(
        request, "conventions/convention_edit.html", context, status=422 if form.errors else 200
    )


@convention_view
@require_safe
def convention_documents(request, convention):
    prefetch_related_objects(
        [convention], "annexes", "amendments", "deliberations__party__organisation"
    )
    frozen = convention.frozen_documents.filter(amendment=None).prefetch_related(
        "signatures__signatory__person"
    )
    context = workspace(
        convention,
        "documents",
        frozen=list(frozen),
        stored=stored_pdf(convention),
        versions=list(convention.versions.exclude(file="").order_by("number")),
        not_stored=NOT_STORED,
    )
    return render(request, "conventions/tab_documents.html", context)


@require_safe
def help_page(request):
    return render(request, "help.html")
