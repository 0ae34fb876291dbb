"""Keyboard users reach the content first (RGAA 12.7: skip link)."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import tab_paths

pytestmark = pytest.mark.browser


def assert_first_tab_focuses_skip_link(page, path):
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip, path).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#contenu")).to_be_focused()


def test_login_page_starts_in_the_username_field(page):
    """The one page with autofocus: there the first Tab leaves the username for the
    password, which is what a person logging in wants."""
    page.goto("/connexion/")

    expect(page.get_by_label(re.compile("utilisateur"))).to_be_focused()


def test_first_tab_focuses_the_skip_link(page, log_in, jura_nord):
    log_in("epci-jura-nord")
    for path in ["/", *tab_paths(jura_nord).values()]:
        page.goto(path)
        assert_first_tab_focuses_skip_link(page, path)
