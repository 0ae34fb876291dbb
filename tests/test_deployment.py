"""Production settings: ``check --deploy`` is clean, development keys refuse to run, every
page has a Content-Security-Policy and private pages are never cached."""

import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.browser.conftest import tab_paths
from tests.factories import MembershipFactory, PartyFactory

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(50)),
    "ALLOWED_HOSTS": "ctg.example.org",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "CTG_SIGNING_KEYS_DIR": "/srv/ctg/cles",
}


def manage(*args, **env):
    """``manage.py`` in a fresh process with the production environment, changed by ``env``."""
    names = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CTG_SIGNING_TEST_KEYS", "DATABASE_URL"}
    clean = {name: value for name, value in os.environ.items() if name not in names}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | PRODUCTION | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_prints_no_warning_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_development_secret_key_refuses_to_run_without_debug():
    key = "dev-only-insecure-key-do-not-use-in-production"
    result = manage("check", SECRET_KEY=key)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY de développement" in result.stderr


def test_development_signing_keys_refuse_to_run_without_debug():
    result = manage("check", CTG_SIGNING_TEST_KEYS="true")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "CTG_SIGNING_TEST_KEYS" in result.stderr and "développement" in result.stderr


def test_https_behind_a_proxy_is_read_from_the_proxy_header():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)",
    )

    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')", result.stderr


@pytest.mark.django_db
def test_every_page_has_a_content_security_policy_without_inline_code(client):
    response = client.get(reverse("login"))

    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in policy


# What a CSP without 'unsafe-inline' or 'unsafe-eval' blocks: inline scripts, inline event
# handlers (hx-on is evaluated), style attributes.
INLINE_CODE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|\shx-on[:-]|\sstyle=|<style")


def test_templates_hold_no_inline_script_handler_or_style():
    templates = [
        path
        for folder in [ROOT / "templates", *ROOT.glob("*/templates")]
        for path in folder.rglob("*.html")
    ]

    offenders = [
        f"{path.relative_to(ROOT)}: {match.group().strip()}"
        for path in templates
        for match in INLINE_CODE.finditer(path.read_text())
    ]

    assert templates and offenders == []


@pytest.mark.django_db
def test_the_workspace_tabs_hold_no_style_attribute(client, demo):
    """Charts included: the browser would refuse their style attributes."""
    assert client.login(username="lecteur-jura-nord", password="demo-ctg")

    pages = {name: client.get(path).content.decode() for name, path in tab_paths(demo).items()}

    assert "<svg" in pages["Diagnostic"]
    assert [name for name, page in pages.items() if INLINE_CODE.search(page)] == []


def test_htmx_adds_no_inline_indicator_style():
    base = (ROOT / "templates" / "base.html").read_text()

    assert '"includeIndicatorStyles": false' in base


@pytest.fixture
def editor(client, db):
    party = PartyFactory()
    client.force_login(MembershipFactory(organisation=party.organisation).user)
    return client, party.convention


@pytest.mark.django_db
def test_private_pages_are_never_stored_by_a_cache(editor):
    client, convention = editor

    response = client.get(reverse("conventions:convention-detail", args=[convention.pk]))

    assert response.status_code == 200
    assert set(response.headers["Cache-Control"].replace(" ", "").split(",")) >= {
        "private",
        "no-store",
    }


@pytest.mark.django_db
def test_pdf_downloads_are_never_stored_by_a_cache(editor):
    client, convention = editor

    response = client.get(reverse("conventions:document-download", args=[convention.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
