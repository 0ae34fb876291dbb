"""Who may reach which page: every URL pattern of the project, for every kind of user.

The patterns are read from the URL conf itself and each must be classified in
``CLASSES`` below: a page added without saying who may see it fails
``test_every_url_pattern_is_classified``. Each (pattern, part, user, method) is then one
test, run against the demo's Jura Nord convention (a draft, so editable) and its demo
users:

- outsider: ``epci-coteaux``, editor of another convention only;
- reader: ``lecteur-jura-nord``; editor: ``epci-jura-nord``; caf: ``caf-jura``.

POST requests go through the CSRF-exempt test client with an empty body: the point is the
access decision, not the form.
"""

import re
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLResolver, get_resolver, resolve, reverse

from conventions.parts import REGISTRY

# --- The URL conf, walked ---------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name", or "namespace:<route>" for an unnamed pattern
    route: str  # the whole route, every level joined


def join(prefix, route):
    """Routes joined as ``ResolverMatch.route`` joins them."""
    return prefix + route.removeprefix("^") if prefix else route


def walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, join(prefix, str(pattern.pattern)), inner)
        else:
            route = join(prefix, str(pattern.pattern))
            name = pattern.name or f"<{route}>"
            yield Pattern(f"{namespace}:{name}" if namespace else name, route)


PATTERNS = list(walk(get_resolver().url_patterns))


# --- Expected behaviours ------------------------------------------------------------------

ANONYMOUS, OUTSIDER, READER, EDITOR, CAF = "anonymous", "outsider", "reader", "editor", "caf"
LOGGED_IN_ROLES = (OUTSIDER, READER, EDITOR, CAF)
USERNAMES = {
    OUTSIDER: "epci-coteaux",
    READER: "lecteur-jura-nord",
    EDITOR: "epci-jura-nord",
    CAF: "caf-jura",
}
# The back-office is only tried by anonymous users and a logged-in user without staff status.
ADMIN_ROLES = (ANONYMOUS, EDITOR)
METHODS = ("GET", "POST")


@dataclass(frozen=True)
class Expect:
    statuses: frozenset
    redirect_to: tuple = ()  # for a 302, the location starts with one of these URL names
    unchanged: bool = False  # the part's rows (or the convention) are left as they were


def expect(*statuses, redirect_to=(), unchanged=False):
    return Expect(frozenset(statuses), tuple(redirect_to), unchanged)


TO_LOGIN = expect(302, redirect_to=["login"])


def public(role, method, case):
    """Login-free pages: the password reset pages. Template pages only answer GET."""
    if method == "GET":
        return expect(200)
    return expect(200, 405)


def login_page(role, method, case):
    """The login page; a logged-in user is sent on to the portfolio."""
    if role == ANONYMOUS:
        return expect(200)
    return expect(302, redirect_to=["conventions:portfolio"])


def logout(role, method, case):
    """Logout only by POST (a GET cannot log anybody out); then back to the login page."""
    if role == ANONYMOUS:
        return TO_LOGIN
    if method == "GET":
        return expect(405)
    return TO_LOGIN


def logged_in(role, method, case):
    """Pages of every logged-in user: the portfolio, the help."""
    if role == ANONYMOUS:
        return TO_LOGIN
    return expect(200) if method == "GET" else expect(200, 405)


def convention_read(role, method, case):
    """The tabs of a convention: read by its members, written by none through them."""
    if role == ANONYMOUS:
        return TO_LOGIN
    if role == OUTSIDER:
        return expect(404, unchanged=True)
    if method == "GET":
        return expect(200)
    if role == READER:
        return expect(403, unchanged=True)
    return expect(403, 405, unchanged=True)


def convention_edit(role, method, case):
    """The pages that change a convention: its editors only; a reader changes nothing. The
    parties are the owner's (the Caf's editors): the EPCI's editor changes none of them.
    Signatories and deliberations are tried on the editor's own party (the other party's
    are refused: tests/conventions/test_party_rights.py)."""
    if role == ANONYMOUS:
        return TO_LOGIN
    if role == OUTSIDER:
        return expect(404, unchanged=True)
    if role == READER:
        return expect(403, unchanged=True)
    if role == EDITOR and case.slug and REGISTRY[case.slug].owner_only:
        if case.key == "conventions:part-move" and method == "GET":
            return expect(405)
        return expect(403, unchanged=True)
    if case.key == "conventions:part-move":
        if method == "GET":
            return expect(405)  # moving is a POST
        if REGISTRY[case.slug].order_field is None:
            return expect(404)  # the part has no order: nothing to move
    if case.key == "conventions:part-delete":
        return expect(200, 302, 409)  # 409: still used by another element, kept
    return expect(200, 302, 422)


def convention_create(role, method, case):
    """Creating a convention: an editor for a Caf that has a convention model."""
    if role == ANONYMOUS:
        return TO_LOGIN
    if role == CAF:
        return expect(200)
    return expect(403)


def admin(role, method, case):
    """The back-office: staff only; everybody else is sent to a login page."""
    if role == ANONYMOUS:
        return expect(302, redirect_to=["login", "admin:login"])
    return expect(302, redirect_to=["admin:login"])


def admin_login(role, method, case):
    """The back-office login form: shown to everybody, grants nothing by itself."""
    return expect(200)


def admin_logout(role, method, case):
    if role == ANONYMOUS:
        return expect(302, redirect_to=["login", "admin:login"])
    return expect(302, redirect_to=["admin:index"])  # not staff: nothing to log out of


def convention_step(role, method, case):
    """Moving a convention to its next status: a POST by its editors, even once locked."""
    if role == ANONYMOUS:
        return TO_LOGIN
    if role == OUTSIDER:
        return expect(404, unchanged=True)
    if method == "GET":
        return expect(405)
    if role == READER:
        return expect(403, unchanged=True)
    return expect(302)


def verification(role, method, case):
    """The verification page: every logged-in user; an empty upload is refused (422)."""
    if role == ANONYMOUS:
        return TO_LOGIN
    return expect(200) if method == "GET" else expect(200, 422)


def convention_file(role, method, case):
    """A stored PDF of the convention (frozen, signed, scanned): its readers, by GET. The
    demo's draft has none yet: 404 for its members too."""
    if role == ANONYMOUS:
        return TO_LOGIN
    if role == OUTSIDER:
        return expect(404)
    if method == "GET":
        return expect(200, 404)
    if role == READER:
        return expect(403)
    return expect(403, 405)


def convention_signing(role, method, case):
    """Signing or declining: a POST by the signatory's user, or in the demo an editor of the
    signatory's organisation; a reader cannot. The draft has no signature yet: 404."""
    if role == ANONYMOUS:
        return TO_LOGIN
    if role == OUTSIDER:
        return expect(404, unchanged=True)
    if role == READER:
        return expect(403, unchanged=True)
    if method == "GET":
        return expect(405)
    return expect(302, 404, 422)


def scan_upload(role, method, case):
    """The copy signed by hand: a POST by the convention's editors (an empty one: 422)."""
    if role == ANONYMOUS:
        return TO_LOGIN
    if role == OUTSIDER:
        return expect(404, unchanged=True)
    if method == "GET":
        return expect(405)
    if role == READER:
        return expect(403, unchanged=True)
    return expect(302, 422, unchanged=True)


def paper_copy(role, method, case):
    """The copy signed by hand: as above, but recorded by the convention's owner (its Caf's
    editors) only."""
    if role == EDITOR and method == "POST":
        return expect(403, unchanged=True)
    return scan_upload(role, method, case)


def amendment_write(role, method, case):
    """Writing an avenant (its text, articles, steps): as for the copy signed by hand, but
    the demo's draft has no avenant: 404 for its editors."""
    if role in (EDITOR, CAF) and method == "POST":
        return expect(302, 404, 422, unchanged=True)
    return scan_upload(role, method, case)


CLASSES = {
    "login": login_page,
    "logout": logout,
    "password_reset": public,
    "password_reset_done": public,
    "password_reset_confirm": public,
    "password_reset_complete": public,
    "conventions:portfolio": logged_in,
    "conventions:help": logged_in,
    "conventions:convention-create": convention_create,
    "conventions:convention-detail": convention_read,
    "conventions:convention-documents": convention_read,
    "conventions:document-preview": convention_read,
    "conventions:document-download": convention_read,
    "conventions:part-row": convention_read,
    "conventions:part-history": convention_read,
    "diagnostic:tab": convention_read,
    "actions:tab": convention_read,
    "pilotage:tab": convention_read,
    "conventions:convention-edit": convention_edit,
    "conventions:part-add": convention_edit,
    "conventions:part-edit": convention_edit,
    "conventions:part-delete": convention_edit,
    "conventions:part-move": convention_edit,
    "diagnostic:export": convention_read,
    "diagnostic:import": convention_edit,
    "diagnostic:import-confirm": convention_edit,
    "conventions:convention-step": convention_step,
    "conventions:signature-list": convention_read,
    "conventions:signature-sign": convention_signing,
    "conventions:signature-decline": convention_signing,
    "conventions:signature-download": convention_file,
    "conventions:frozen-download": convention_file,
    "conventions:signed-download": convention_file,
    "conventions:scan-download": convention_file,
    "conventions:deliberation-scan": convention_file,
    "conventions:scan-upload": paper_copy,
    "conventions:signature-verify": verification,
    "conventions:amendment-list": convention_read,
    "conventions:amendment-open": scan_upload,
    "conventions:amendment-detail": convention_file,
    "conventions:amendment-preview": convention_file,
    "conventions:amendment-pdf": convention_file,
    "conventions:version-download": convention_file,
    "conventions:amendment-edit": amendment_write,
    "conventions:amendment-article-add": amendment_write,
    "conventions:amendment-article": amendment_write,
    "conventions:amendment-step": amendment_write,
    "admin:login": admin_login,
    "admin:logout": admin_logout,
}


def classify(key):
    if key in CLASSES:
        return CLASSES[key]
    if key.startswith("admin:"):
        return admin  # every other back-office page, the model pages included
    return None


# --- The cases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    key: str
    route: str
    slug: str | None
    role: str
    method: str

    @property
    def id(self):
        slug = f"[{self.slug}]" if self.slug else ""
        return f"{self.key}{slug}-{self.role}-{self.method}"


def build_cases():
    cases = []
    for pattern in PATTERNS:
        handler = classify(pattern.key)
        if handler is None:
            continue  # reported by test_every_url_pattern_is_classified
        slugs = sorted(REGISTRY) if "<slug:slug>" in pattern.route else [None]
        roles = ADMIN_ROLES if handler in (admin, admin_login, admin_logout) else None
        roles = roles or (ANONYMOUS, *LOGGED_IN_ROLES)
        for slug in slugs:
            for role in roles:
                for method in METHODS:
                    cases.append(Case(pattern.key, pattern.route, slug, role, method))
    return cases


def as_param(case):
    return pytest.param(case, id=case.id)


CASES = [as_param(case) for case in build_cases()]


def test_every_url_pattern_is_classified():
    unclassified = [p.key for p in PATTERNS if classify(p.key) is None]

    assert not unclassified, (
        "Say who may reach these pages: add them to CLASSES in tests/test_access_matrix.py: "
        + ", ".join(unclassified)
    )


def test_the_matrix_covers_every_part_and_the_back_office():
    keys = {case.values[0].key for case in CASES}
    slugs = {case.values[0].slug for case in CASES}

    assert set(REGISTRY) <= slugs
    assert {"admin:index", "conventions:part-edit", "actions:tab"} <= keys


# --- Running one case ---------------------------------------------------------------------


def fill(route, values):
    """The URL of ``route`` with ``values`` for its parameters (path and regex routes)."""
    url = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)", lambda m: str(values[m[1]]), route)
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m[1]]), url)
    url = re.sub(r"\([^()]*\)", "1", url)  # unnamed regex groups (object ids)
    return "/" + url.replace("^", "").replace("$", "")


def create_meeting(convention):
    from pilotage.models import Meeting

    return Meeting.objects.create(body=convention.bodies.order_by("pk").first(), date="2021-06-01")


# Objects of the parts that the demo's Jura Nord convention does not hold.
MISSING_FROM_DEMO = {"reunion": create_meeting}


def first_item(part, user, convention):
    items = part.queryset(user, convention)
    if part.party_field:  # one of the editor's own party
        parties = convention.parties_writable_by(user)
        items = items.filter(**{f"{part.party_field}__in": parties})
    item = items.order_by("pk").first()
    if item is None and part.slug in MISSING_FROM_DEMO:
        item = MISSING_FROM_DEMO[part.slug](convention)
    if item is None:
        pytest.fail(
            f"The demo's Jura Nord convention has no « {part.slug} »: add one to it, or a "
            "function creating one to MISSING_FROM_DEMO in tests/test_access_matrix.py."
        )
    return item


def snapshot(case, convention):
    """What a write would change: the part's rows of the convention, or the convention."""
    from conventions.models import Convention

    if case.slug:
        part = REGISTRY[case.slug]
        rows = part.model._default_manager.filter(**{part.convention_path: convention})
        return part.model._default_manager.count(), list(rows.order_by("pk").values())
    return list(Convention.objects.filter(pk=convention.pk).values())


@pytest.fixture
def users(demo):
    found = {user.username: user for user in get_user_model().objects.all()}
    return {role: found[username] for role, username in USERNAMES.items()}


@pytest.mark.parametrize("case", CASES)
def test_access(client, demo, users, case):
    handler = classify(case.key)
    expected = handler(case.role, case.method, case)
    values = {
        "pk": demo.pk,
        "slug": case.slug,
        "direction": "up",
        "target": "validated",
        "object_id": 1,
        "content_type_id": 1,
        "id": 1,
        "app_label": "conventions",
        "url": "inconnu/",
        "uidb64": "MQ",
        "token": "jeton-invalide",
        "signature_pk": 1,
        "copy_pk": 1,
        "deliberation_pk": 1,
        "number": 1,
        "article_pk": 1,
    }
    if case.slug and "<int:item_pk>" in case.route:
        values["item_pk"] = first_item(REGISTRY[case.slug], users[EDITOR], demo).pk
    url = fill(case.route, values)
    assert resolve(url).route == case.route, f"{url} is not a URL of {case.key}"
    if case.role != ANONYMOUS:
        user = users[case.role]
        assert not user.is_staff
        client.force_login(user)
    before = snapshot(case, demo) if expected.unchanged else None

    response = client.get(url) if case.method == "GET" else client.post(url, {})

    assert response.status_code in expected.statuses, (
        f"{case.method} {url} as {case.role}: {response.status_code}, "
        f"expected {sorted(expected.statuses)}"
    )
    if response.status_code == 302 and expected.redirect_to:
        targets = [reverse(name) for name in expected.redirect_to]
        assert any(response.url.startswith(target) for target in targets), response.url
    if expected.unchanged:
        assert snapshot(case, demo) == before, f"{case.method} {url} changed data"
