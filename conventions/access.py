"""Who may see and change a convention, checked in one place.

Every page of a convention is reached through ``convention_view``: the convention comes
from the user's scoped queryset (outside it: 404); a write by a reader, or on a
convention ready for signature or signed, is refused (403) with a message in French.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Convention

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
READ_ONLY = "Votre accès à cette convention est en lecture seule."
LOCKED = "Cette convention est « {status} » : elle ne peut plus être modifiée, sauf par un avenant."
OWNER_ONLY = "Seule la Caf qui porte la convention ajoute, retire, modifie ou déplace ses parties."
OTHER_PARTY = (
    "Vous ne pouvez modifier que les signataires et les délibérations des organisations pour "
    "lesquelles vous êtes rédacteur."
)


def check_can_write_part(convention, part):
    """Follow-up parts are written on a locked convention too; the others are not."""
    check_can_edit(convention, locked_ok=part.follow_up)


def check_can_write_item(convention, part, user, item=None):
    """The owner writes the parties; a party's editors its signatories and deliberations."""
    if part.owner_only and not convention.is_owned_by(user):
        raise PermissionDenied(OWNER_ONLY)
    if part.party_field and item is not None:
        party_id = getattr(item, f"{part.party_field}_id")
        if not convention.parties_writable_by(user).filter(pk=party_id).exists():
            raise PermissionDenied(OTHER_PARTY)


def check_can_edit(convention, *, locked_ok=False):
    if not convention.user_can_edit:
        raise PermissionDenied(READ_ONLY)
    if convention.is_locked and not locked_ok:
        raise PermissionDenied(LOCKED.format(status=convention.get_status_display()))


def get_convention(request, pk):
    queryset = (
        Convention.objects.for_user(request.user).with_rights(request.user).with_paper_signature()
    )
    return get_object_or_404(queryset.select_related("territory"), pk=pk)


def convention_view(view=None, *, edit=False, locked_ok=False):
    """Load the convention ``pk`` for the user and pass it on; ``edit`` pages need the right
    to write even to be shown, other pages only for unsafe methods. ``locked_ok`` views
    write to a locked convention's life, not its content (workflow, signatures)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, pk, *args, **kwargs):
            convention = get_convention(request, pk)
            if edit or request.method not in SAFE_METHODS:
                check_can_edit(convention, locked_ok=locked_ok)
            return view(request, convention, *args, **kwargs)

        return wrapper

    return decorator(view) if view else decorator


TABS = {
    "convention": ("Convention", "conventions:convention-detail"),
    "diagnostic": ("Diagnostic", "diagnostic:tab"),
    "plan": ("Plan d'action", "actions:tab"),
    "pilotage": ("Pilotage", "pilotage:tab"),
    "documents": ("Documents", "conventions:convention-documents"),
}
TAB_OF_URL = {url_name: key for key, (_label, url_name) in TABS.items()}


def workspace(convention, tab, **extra):
    """Context shared by the pages of a convention's workspace."""
    from .parts import REGISTRY

    tab = TAB_OF_URL.get(tab, tab)
    return {
        "convention": convention,
        "tab": tab,
        "tab_label": TABS[tab][0],
        "can_edit": convention.is_editable_by_user,
        "can_follow": bool(getattr(convention, "user_can_edit", False)),
        "parts": REGISTRY,
    } | extra
