"""Browser tests: Debian's Chromium driven by pytest-playwright against ``live_server``.

``live_server`` runs on a transactional database that is flushed after each test: the
demo data loaded once for the other tests would be gone after the first browser test, so
these tests are marked ``browser`` (``pytestmark`` in each module) and run last (see
tests/conftest.py), and each loads
the demo data itself (``jura_nord``).
"""

import os
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "demo-ctg"
# The controls that change something: none of them may show to a reader.
EDIT_CONTROL = re.compile(r"Modifier|Supprimer|Ajouter|Monter|Descendre|Changer")


@pytest.fixture(scope="session", autouse=True)
def _allow_django_inside_playwright_loop():
    """Playwright's sync API runs an event loop in the test's thread, where Django would
    otherwise refuse database queries (SynchronousOnlyOperation)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a browser downloaded by ``playwright install``."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: scripts/test.sh installs it (apt-get install chromium)."
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture
def jura_nord(live_server):
    """The demo data, loaded again for each browser test; its Jura Nord convention."""
    from conventions.models import Convention

    call_command("load_demo", stdout=StringIO())
    return Convention.objects.get(short_title="CTG Jura Nord 2019-2023")


@pytest.fixture
def page(page):
    """pytest-playwright's page, failing the test on any Content-Security-Policy violation
    (an inline script, handler or style that the browser refused)."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    assert violations == []


@pytest.fixture(scope="session")
def base_url(live_server):
    """Pages are opened by path (``page.goto("/aide/")``) on the live server. This also
    replaces pytest-playwright's own ``base_url``, which pytest 9 warns about."""
    return live_server.url


@pytest.fixture
def log_in(page, base_url):
    """Log in through the login page, as a person would."""

    def log_in(username):
        page.goto("/connexion/")
        page.get_by_label(re.compile("utilisateur")).fill(username)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        expect(page).to_have_url(f"{base_url}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Mes conventions")
        return page

    return log_in


def tab_paths(convention):
    return {
        "Convention": f"/conventions/{convention.pk}/",
        "Diagnostic": f"/conventions/{convention.pk}/diagnostic/",
        "Plan d'action": f"/conventions/{convention.pk}/plan/",
        "Pilotage": f"/conventions/{convention.pk}/pilotage/",
        "Documents": f"/conventions/{convention.pk}/documents/",
    }
