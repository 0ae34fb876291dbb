"""The content of a convention as plain data, and the differences between two versions.

``snapshot`` reads every part of a convention that the lock guards (its articles, parties,
actions, diagnostic tables, governance bodies…; conventions/locking.py) and keeps, for each
object, its label and the printable value of each of its fields. A snapshot is kept with
each signed version (``ConventionVersion.content``); ``differences`` compares the last one
with the current content: what an avenant changes, shown on its page and printed in it.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.formats import localize

from . import locking
from .models import Convention

# What is not part of the convention's text: when it was saved, its life.
SKIPPED = {"id", "created_at", "updated_at"} | Convention.WORKFLOW_FIELDS
# The avenants' own deliberations are theirs, not the convention's.
OWN_PARTS = {
    "conventions.deliberation": {"amendment": None},
    "conventions.attendance": {"deliberation__amendment": None},
}


def versioned_models():
    """The convention, then its guarded parts in the order of the apps and their models."""
    return [Convention] + [model for model in apps.get_models() if locking.is_guarded(model)]


def printable(value):
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, models.Model):
        return str(value)
    return str(localize(value))


def fields_of(model):
    path = getattr(model, "convention_path", "convention")
    first = path.split("__")[0]
    skipped = SKIPPED | set(getattr(model, "follow_up_fields", ()))
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in skipped and f.name != first and not isinstance(f, models.FileField)
    ]


def value_of(obj, f):
    if f.choices:
        return printable(getattr(obj, f"get_{f.name}_display")())
    if f.is_relation:
        related = getattr(obj, f.name)
        return [related.pk, str(related)] if related is not None else ""
    return printable(getattr(obj, f.attname))


def related_values(obj, m2m):
    return sorted([o.pk, str(o)] for o in getattr(obj, m2m.name).all())


def identity(value):
    """Relations compare by the objects they point to (``[pk, label]``), not their labels:
    renaming an action is one change, not one more in each part that names it."""
    if isinstance(value, list) and value and isinstance(value[0], list):
        return [pk for pk, _label in value]
    if isinstance(value, list) and len(value) == 2:
        return value[0]
    return value


def shown(value):
    if isinstance(value, list) and value and isinstance(value[0], list):
        return ", ".join(label for _pk, label in value)
    if isinstance(value, list):
        return value[1] if value else ""
    return value


def queryset_for(model, convention):
    if model is Convention:
        return Convention.objects.filter(pk=convention.pk).select_related("territory", "model")
    path = getattr(model, "convention_path", "convention")
    # Two levels: the labels of related objects may name their own relations.
    relations = []
    for f in fields_of(model):
        if f.many_to_one or f.one_to_one:
            relations.append(f.name)
            relations += [
                f"{f.name}__{g.name}"
                for g in f.related_model._meta.concrete_fields
                if g.many_to_one or g.one_to_one
            ]
    many = [f.name for f in model._meta.many_to_many]
    return (
        model._default_manager.filter(**{path: convention.pk})
        .filter(**OWN_PARTS.get(model._meta.label_lower, {}))
        .select_related(*relations)
        .prefetch_related(*many)
        .order_by("pk")
    )


def snapshot(convention):
    """``{model label: {pk: {"label": …, "fields": {name: printable value}}}}``, written in
    French whatever the user's language, so that two snapshots compare."""
    with translation.override(settings.LANGUAGE_CODE):
        return read_content(convention)


def read_content(convention):
    content = {}
    for model in versioned_models():
        objects = {}
        for obj in queryset_for(model, convention):
            values = {f.name: value_of(obj, f) for f in fields_of(model)}
            for m2m in model._meta.many_to_many:
                values[m2m.name] = related_values(obj, m2m)
            objects[str(obj.pk)] = {"label": str(obj), "fields": values}
        if objects:
            content[model._meta.label_lower] = objects
    return content


@dataclass
class Change:
    kind: str  # "added", "removed" or "changed"
    label: str
    fields: list = field(default_factory=list)  # (field label, before, after)

    @property
    def kind_label(self):
        return {"added": "ajouté", "removed": "supprimé", "changed": "modifié"}[self.kind]


@dataclass
class ModelChanges:
    name: str
    changes: list


def field_label(model, name):
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # a field removed since the snapshot
        return name


def in_field_order(model, values):
    """``values``' names in the model's order (JSON columns may reorder keys), then any
    name the model no longer has."""
    names = [f.name for f in fields_of(model)] + [m.name for m in model._meta.many_to_many]
    return [n for n in names if n in values] + [n for n in values if n not in names]


def compare(model, before, after):
    changes = []
    for pk, old in before.items():
        new = after.get(pk)
        if new is None:
            changes.append(Change("removed", old["label"]))
            continue
        values = new["fields"]
        fields = [
            (field_label(model, name), shown(old["fields"].get(name, "")), shown(values[name]))
            for name in in_field_order(model, values)
            if identity(old["fields"].get(name, "")) != identity(values[name])
        ]
        if fields:
            changes.append(Change("changed", new["label"], fields))
    for pk, new in after.items():
        if pk not in before:
            values = new["fields"]
            fields = [
                (field_label(model, name), "", shown(values[name]))
                for name in in_field_order(model, values)
                if values[name] not in ("", [])
            ]
            changes.append(Change("added", new["label"], fields))
    return changes


def differences(before, after):
    """What changed from the content ``before`` to ``after`` (two snapshots), by kind of
    part, in the order of ``versioned_models``."""
    result = []
    for model in versioned_models():
        label = model._meta.label_lower
        changes = compare(model, before.get(label, {}), after.get(label, {}))
        if changes:
            result.append(ModelChanges(str(model._meta.verbose_name_plural).capitalize(), changes))
    return result
