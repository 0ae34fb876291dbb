"""Add, edit, delete and reorder any registered part of a convention.

With htmx the views answer with fragments (the row, or the form with its errors);
without it they answer with full pages and redirect to the tab, so that every edit
also works without JavaScript.
"""

from django.contrib import messages
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from .access import check_can_write_item, check_can_write_part, convention_view, workspace
from .parts import REGISTRY


def get_part(slug):
    try:
        return REGISTRY[slug]
    except KeyError:
        raise Http404("Élément inconnu.") from None


def get_item(request, convention, part, item_pk):
    return get_object_or_404(part.queryset(request.user, convention), pk=item_pk)


def tab_url(convention, part):
    return reverse(part.tab, args=[convention.pk])


def render_row(request, convention, part, item):
    context = {
        "convention": convention,
        "part": part,
        "item": item,
        "can_edit": convention.is_editable_by_user,
        "can_follow": True,
    }
    return render(request, part.row_template, context)


def render_form(request, convention, part, form, item=None, status=200):
    context = workspace(convention, part.tab, part=part, form=form, item=item)
    template = "parts/_form.html" if request.htmx else "parts/form_page.html"
    return render(request, template, context, status=status)


@convention_view(edit=True, locked_ok=True)  # then check_can_write_part
def part_add(request, convention, slug):
    part = get_part(slug)
    check_can_write_part(convention, part)
    check_can_write_item(convention, part, request.user)
    form = part.form_class(
        request.POST or None,
        request.FILES or None,
        convention=convention,
        part=part,
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        item = form.save()
        if request.htmx:
            return render_row(request, convention, part, item)
        messages.success(request, f"« {item} » a été ajouté(e).")
        return redirect(tab_url(convention, part))
    return render_form(request, convention, part, form, status=422 if form.errors else 200)


@convention_view(edit=True, locked_ok=True)  # then check_can_write_part
def part_edit(request, convention, slug, item_pk):
    part = get_part(slug)
    check_can_write_part(convention, part)
    item = get_item(request, convention, part, item_pk)
    check_can_write_item(convention, part, request.user, item)
    form = part.form_class(
        request.POST or None,
        request.FILES or None,
        instance=item,
        convention=convention,
        part=part,
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        item = form.save()
        if request.htmx:
            return render_row(request, convention, part, item)
        messages.success(request, f"« {item} » a été enregistré(e).")
        return redirect(tab_url(convention, part))
    return render_form(request, convention, part, form, item, status=422 if form.errors else 200)


@convention_view
@require_safe
def part_row(request, convention, slug, item_pk):
    """The row as shown on its tab (used to cancel an inline edit)."""
    part = get_part(slug)
    item = get_item(request, convention, part, item_pk)
    context = {"convention": convention, "part": part, "item": item}
    context["can_edit"] = convention.is_editable_by_user
    context["can_follow"] = convention.user_can_edit
    return render(request, part.row_template, context)


@convention_view(edit=True, locked_ok=True)  # then check_can_write_part
def part_delete(request, convention, slug, item_pk):
    part = get_part(slug)
    check_can_write_part(convention, part)
    item = get_item(request, convention, part, item_pk)
    check_can_write_item(convention, part, request.user, item)
    if request.method == "POST":
        label = str(item)
        try:
            item.delete()
        except (ProtectedError, RestrictedError) as error:
            used_by = sorted({str(obj) for obj in error.args[1]})[:5]
            message = (
                f"« {label} » ne peut pas être supprimé(e) : encore utilisé(e) par "
                + ", ".join(f"« {name} »" for name in used_by)
                + "."
            )
            if not request.htmx:
                context = {"message": message, "back_url": tab_url(convention, part)}
                return render(request, "refused.html", context, status=409)
            response = render(request, "parts/_refused.html", {"message": message}, status=409)
            response["HX-Retarget"] = "#messages"
            response["HX-Reswap"] = "innerHTML"
            return response
        if request.htmx:
            return HttpResponse("")
        messages.success(request, f"« {label} » a été supprimé(e).")
        return redirect(tab_url(convention, part))
    context = workspace(convention, part.tab, part=part, item=item)
    return render(request, "parts/confirm_delete.html", context)


@convention_view(edit=True)
@require_POST
def part_move(request, convention, slug, item_pk, direction):
    part = get_part(slug)
    if part.order_field is None:
        raise Http404("Cet élément ne se réordonne pas.")
    item = get_item(request, convention, part, item_pk)
    check_can_write_item(convention, part, request.user, item)
    part.move(item, -1 if direction == "up" else 1)
    if request.htmx:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    return redirect(f"{tab_url(convention, part)}#{slug}-{item.pk}")


@convention_view
@require_safe
def part_history(request, convention, slug, item_pk):
    """Who changed what and when, with the differences between successive versions."""
    part = get_part(slug)
    item = get_item(request, convention, part, item_pk)
    versions = list(item.history.select_related("history_user").order_by("-history_date")[:51])
    context = workspace(
        convention, part.tab, part=part, item=item, changes=version_changes(versions[:50], versions)
    )
    return render(request, "parts/history.html", context)


def version_changes(shown, versions):
    """For each shown version: (version, [(field label, before, after)]) against the one before."""
    model = versions[0].instance_type if versions else None
    rows = []
    for index, version in enumerate(shown):
        previous = versions[index + 1] if index + 1 < len(versions) else None
        changes = []
        if previous is not None:
            delta = version.diff_against(previous)
            for change in delta.changes:
                label = model._meta.get_field(change.field).verbose_name
                changes.append((label, change.old, change.new))
        rows.append((version, changes))
    return rows
