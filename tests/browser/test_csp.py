"""htmx and the pages' own scripts work under the Content-Security-Policy: no inline
script, handler or style (the ``page`` fixture fails on any violation)."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import tab_paths

pytestmark = pytest.mark.browser


def test_cancelling_a_new_article_removes_its_form_without_reloading(page, log_in, jura_nord):
    log_in("epci-jura-nord")

    response = page.goto(tab_paths(jura_nord)["Convention"])
    page.evaluate("window.sansRechargement = true")
    page.get_by_role("link", name="+ Ajouter : article").click()
    form = page.locator("#article-nouveau")
    expect(form).to_be_visible()
    form.get_by_role("link", name="Annuler").click()

    expect(form).to_have_count(0)
    assert page.evaluate("window.sansRechargement") is True
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_deleting_a_governance_body_removes_its_whole_section(page, log_in, jura_nord):
    log_in("epci-jura-nord")
    page.goto(tab_paths(jura_nord)["Pilotage"])
    section_id = page.locator("section[id^='instance-']").first.get_attribute("id")
    page.evaluate("window.sansRechargement = true")

    page.once("dialog", lambda dialog: dialog.accept())
    section = page.locator(f"#{section_id}")
    section.get_by_role("link", name=re.compile("^Supprimer")).first.click()

    expect(section).to_have_count(0)
    assert page.evaluate("window.sansRechargement") is True
