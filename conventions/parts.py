"""Editable parts of a convention: one registry, one set of views (see views_parts.py).

Each app registers its parts (articles, actions, members...) in its ``parts.py``, read
when the app is ready; a part says which model and form edit it, which row template shows
it, and, for ordered parts, which field holds the order and which fields share it.
"""

from dataclasses import dataclass

from django import forms
from django.db import models, transaction

REGISTRY = {}


@dataclass(frozen=True)
class Part:
    slug: str
    model: type
    form_class: type
    row_template: str
    tab: str
    order_field: str | None = None
    order_scope: tuple = ("convention",)
    add_label: str = "Ajouter"
    # A part that records the convention's life (an action's progress, the bodies'
    # meetings), not its text: its editors still write it once the convention is signed.
    follow_up: bool = False
    # Who writes it: the convention's owner only (its parties), or the editors of the
    # party that ``party_field`` names (signatories, deliberations); else every editor.
    owner_only: bool = False
    party_field: str | None = None

    @property
    def label(self):
        return self.model._meta.verbose_name

    @property
    def convention_path(self):
        return getattr(self.model, "convention_path", "convention")

    def queryset(self, user, convention):
        return self.model.objects.for_user(user).filter(**{self.convention_path: convention})

    def siblings(self, item):
        scope = {name: getattr(item, name) for name in self.order_scope}
        return self.model.objects.filter(**scope)

    def next_order_in(self, siblings):
        highest = siblings.aggregate(highest=models.Max(self.order_field))["highest"]
        return (highest or 0) + 1

    @transaction.atomic
    def move(self, item, step):
        """Swap ``item`` with its neighbour before (step -1) or after (step 1)."""
        field = self.order_field
        value = getattr(item, field)
        lookup, ordering = ("lt", f"-{field}") if step < 0 else ("gt", field)
        neighbour = self.siblings(item).filter(**{f"{field}__{lookup}": value})
        neighbour = neighbour.order_by(ordering).first()
        if neighbour is None:
            return False
        other = getattr(neighbour, field)
        # Through 0, free since orders start at 1, for the unique constraint: the highest
        # order plus one could pass the bound. An update, so that no version of the item
        # records this passing value.
        self.model.objects.filter(pk=item.pk).update(**{field: 0})
        setattr(neighbour, field, value)
        neighbour.save(update_fields=[field])
        setattr(item, field, other)
        item.save(update_fields=[field])
        return True


def register(*parts):
    for part in parts:
        REGISTRY[part.slug] = part


class AccessibleErrorsMixin:
    """Ties each field's errors to it: aria-invalid and aria-describedby pointing at the
    error block that crispy-forms renders as ``<id>_error``."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            error_id = f"{self[name].auto_id}_error"
            described = [attrs.get("aria-describedby", ""), error_id]
            if self.fields[name].help_text:
                described.append(f"{self[name].auto_id}_helptext")
            attrs["aria-describedby"] = " ".join(filter(None, described))
            attrs["aria-invalid"] = "true"


class PartForm(AccessibleErrorsMixin, forms.ModelForm):
    """A form for one part of ``convention``; unique constraints on the convention are
    checked by the form, so a duplicate order is an error at the field, not a crash.
    An order left empty puts the item last."""

    def __init__(self, *args, convention, part, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.convention = convention
        self.part = part
        self.user = user
        if "convention" in {f.name for f in self.instance._meta.fields}:
            self.instance.convention = convention
        if part.order_field in self.fields:
            self.fields[part.order_field].required = False
            self.fields[part.order_field].help_text = "Laissez vide pour placer à la fin."

    def clean(self):
        cleaned = super().clean()
        field = self.part.order_field
        if field not in self.fields or self.errors:
            return cleaned
        scope = {
            name: cleaned[name] if name in cleaned else getattr(self.instance, name)
            for name in self.part.order_scope
        }
        siblings = self.part.model.objects.filter(**scope).exclude(pk=self.instance.pk)
        if cleaned.get(field) is None:
            cleaned[field] = self.part.next_order_in(siblings)
        elif siblings.filter(**{field: cleaned[field]}).exists():
            label = self.fields[field].label.lower()
            self.add_error(
                field,
                f"Le {label} {cleaned[field]} est déjà utilisé : choisissez-en un autre, "
                "ou laissez vide pour placer à la fin.",
            )
        return cleaned

    def writable_parties(self):
        """The parties the form offers: those the user writes for (all without a user)."""
        if self.user is None:
            return self.convention.parties.select_related("organisation")
        return self.convention.parties_writable_by(self.user)

    def _get_validation_exclusions(self):
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("convention")
        return exclusions
