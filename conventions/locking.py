"""A convention ready for signature, signed or later changes only through an amendment.

Every write to such a convention or to one of its parts is refused here, whatever the
path: forms, htmx, the admin, imports, management commands, the shell. The guard runs on
each model whose manager is a ``ScopedQuerySet`` (the parts of a convention), on their
bulk operations, and on the convention itself, where only its workflow fields may change.
Models that must stay writable on a locked convention (its amendments, signatures,
documents) say so with ``editable_when_locked = True``.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import m2m_changed, pre_delete, pre_save
from django.dispatch import receiver

from .models import (
    Amendment,
    AmendmentArticle,
    Attendance,
    Convention,
    Deliberation,
    Signatory,
    Signature,
)
from .models.convention import ScopedQuerySet

MESSAGE = (
    "La convention « {convention} » est « {status} » : elle ne peut plus être modifiée, "
    "sauf par un avenant."
)


class ConventionLocked(PermissionDenied):
    def __init__(self, convention):
        super().__init__(
            MESSAGE.format(convention=convention, status=convention.get_status_display())
        )


def is_guarded(model):
    manager = getattr(model, "_default_manager", None)
    queryset_class = getattr(manager, "_queryset_class", None)
    return (
        queryset_class is not None
        and issubclass(queryset_class, ScopedQuerySet)
        and not getattr(model, "editable_when_locked", False)
    )


def convention_of(instance):
    """Follow ``convention_path`` from a part to its convention (None if not set yet)."""
    target = instance
    for name in getattr(type(instance), "convention_path", "convention").split("__"):
        if getattr(target, f"{name}_id", None) is None:
            return None
        target = getattr(target, name)
    return target


def refuse_if_locked(convention):
    """Refuse unless an avenant is being written, read afresh: the convention at hand may
    have been loaded before the avenant was frozen. Inside a transaction the avenant's row
    is locked, so that freezing it waits for this write, or this write for the freezing."""
    if convention is None or convention.status not in Convention.LOCKED_STATUSES:
        return
    if convention.status in Convention.AMENDABLE_STATUSES:
        drafts = Amendment.objects.filter(convention=convention.pk, status=Amendment.Status.DRAFT)
        if transaction.get_connection().in_atomic_block:
            drafts = drafts.select_for_update()
        if drafts.exists():
            return
    raise ConventionLocked(convention)


def refuse_locked_rows(queryset):
    """For bulk writes on a queryset of parts: refuse if any belongs to a locked one."""
    path = getattr(queryset.model, "convention_path", "convention")
    open_to_an_avenant = Q(
        status__in=Convention.AMENDABLE_STATUSES, amendments__status=Amendment.Status.DRAFT
    )
    conventions = Convention.objects.filter(
        pk__in=queryset.values(path), status__in=Convention.LOCKED_STATUSES
    ).exclude(open_to_an_avenant)
    refuse_if_locked(conventions.first())


def only_follow_up_changed(model, instance):
    """Whether the save of ``instance`` changes nothing but its ``follow_up_fields``."""
    follow_up = set(getattr(model, "follow_up_fields", ()))
    if not follow_up or instance.pk is None:
        return False
    names = [f.attname for f in model._meta.concrete_fields if f.name not in follow_up]
    stored = model._default_manager.filter(pk=instance.pk).values(*names).first()
    return stored is not None and all(stored[n] == getattr(instance, n) for n in names)


def amendment_of(instance):
    """The avenant a deliberation (or one of its attendance lines) belongs to, if any."""
    if isinstance(instance, Attendance):
        instance = Deliberation.objects.filter(pk=instance.deliberation_id).first()
    if isinstance(instance, Deliberation) and instance.amendment_id:
        return Amendment.objects.filter(pk=instance.amendment_id).first()
    return None


def refuse_if_amendment_closed(instance):
    """An avenant's deliberations change only while it is being written."""
    amendment = amendment_of(instance)
    if amendment is not None and not amendment.is_draft:
        raise AmendmentLocked(amendment)


@receiver(pre_save)
def guard_part_saves(sender, instance, **kwargs):
    if is_guarded(sender) and not only_follow_up_changed(sender, instance):
        refuse_if_locked(convention_of(instance))
        refuse_if_amendment_closed(instance)


@receiver(pre_delete)
def guard_part_deletions(sender, instance, **kwargs):
    if is_guarded(sender):
        refuse_if_locked(convention_of(instance))
        refuse_if_amendment_closed(instance)


@receiver(pre_delete, sender=Signatory)
def guard_signatories_who_signed(sender, instance, **kwargs):
    """Deleting a signatory (or their party) would delete their signatures: once one is
    made, they stay, even while an avenant opens the content again."""
    if Signature.objects.filter(signatory=instance, status=Signature.Status.SIGNED).exists():
        raise PermissionDenied(
            f"{instance.person} a déjà signé la convention ou un avenant : ce signataire ne "
            "peut pas être supprimé (un avenant peut en désigner un autre)."
        )


@receiver(m2m_changed)
def guard_relations(sender, instance, **kwargs):
    if kwargs["action"].startswith("pre_") and is_guarded(type(instance)):
        refuse_if_locked(convention_of(instance))


def changed_fields(stored, instance):
    """The fields (attnames) in which ``instance`` differs from ``stored``, its saved self."""
    return {
        field.attname
        for field in type(instance)._meta.concrete_fields
        if getattr(stored, field.attname) != getattr(instance, field.attname)
    }


@receiver(pre_save, sender=Convention)
def guard_convention(sender, instance, **kwargs):
    if instance.pk is None:
        return
    stored = Convention.objects.filter(pk=instance.pk).first()
    if stored is None or not stored.is_locked:
        return
    if changed_fields(stored, instance) - Convention.WORKFLOW_FIELDS:
        raise ConventionLocked(stored)


@receiver(pre_delete, sender=Convention)
def guard_convention_deletion(sender, instance, **kwargs):
    refuse_if_locked(instance)


# An avenant changes only while it is being written (draft).

AMENDMENT_LOCKED = "L'{label} est « {status} » : il ne change plus."
AMENDMENT_LIFE_FIELDS = frozenset({"status", "signed_on"})


class AmendmentLocked(PermissionDenied):
    def __init__(self, amendment):
        super().__init__(
            AMENDMENT_LOCKED.format(
                label=amendment.label.lower(), status=amendment.get_status_display()
            )
        )


@receiver(pre_save, sender=Amendment)
def guard_amendment(sender, instance, **kwargs):
    stored = Amendment.objects.filter(pk=instance.pk).first() if instance.pk else None
    if stored is None:
        convention = Convention.objects.get(pk=instance.convention_id)
        if convention.status not in Convention.AMENDABLE_STATUSES:
            raise PermissionDenied(
                f"La convention est « {convention.get_status_display()} » : un avenant ne "
                "s'ouvre que sur une convention signée ou en vigueur."
            )
        return
    if stored.is_draft:
        return
    if changed_fields(stored, instance) - AMENDMENT_LIFE_FIELDS:
        raise AmendmentLocked(stored)


def refuse_closed_amendments(rows):
    """Bulk writes of avenant articles (a queryset or objects): only of avenants in
    preparation."""
    if isinstance(rows, QuerySet):
        ids = rows.values("amendment")
    else:
        ids = [row.amendment_id for row in rows]
    closed = Amendment.objects.filter(pk__in=ids).exclude(status=Amendment.Status.DRAFT)
    if (amendment := closed.first()) is not None:
        raise AmendmentLocked(amendment)


@receiver(pre_save, sender=AmendmentArticle)
@receiver(pre_delete, sender=AmendmentArticle)
def guard_amendment_articles(sender, instance, **kwargs):
    amendment = Amendment.objects.filter(pk=instance.amendment_id).first()
    if amendment is not None and not amendment.is_draft:
        raise AmendmentLocked(amendment)


@receiver(pre_delete, sender=Amendment)
def guard_amendment_deletion(sender, instance, **kwargs):
    """A signed or frozen avenant stays; one in preparation goes only when it changes
    nothing, or the convention would keep changes that nobody signed."""
    from .amendments import changes

    if not instance.is_draft:
        raise AmendmentLocked(instance)
    if changes(instance):
        raise PermissionDenied(
            f"L'{instance.label.lower()} a déjà modifié la convention : annulez d'abord ces "
            "modifications, puis supprimez-le."
        )
