"""An editor changes the convention in place: htmx swaps rows, nothing reloads the page."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import tab_paths

pytestmark = pytest.mark.browser

NEW_NAME = "Relais petite enfance itinérant (modifiée)"
NEW_TITLE = "Communication auprès des familles"
NEW_BODY = "Les parties informent les familles des services ouverts sur le territoire."


def test_editor_edits_an_action_inline_and_adds_an_article(page, log_in, jura_nord):
    log_in("epci-jura-nord")
    paths = tab_paths(jura_nord)

    page.goto(paths["Plan d'action"])
    page.evaluate("window.sansRechargement = true")
    row_id = page.locator("article.part-row[id^='action-']").first.get_attribute("id")
    page.locator(f"#{row_id}").get_by_role("link", name=re.compile("^Modifier")).click()
    form = page.locator(f"#{row_id}.part-form")
    form.get_by_label("Nom de l'action").fill(NEW_NAME)
    form.get_by_role("button", name="Enregistrer").click()

    row = page.locator(f"#{row_id}.part-row")
    expect(row.get_by_role("heading")).to_contain_text(NEW_NAME)
    assert page.evaluate("window.sansRechargement") is True

    page.goto(paths["Convention"])
    page.evaluate("window.sansRechargement = true")
    page.get_by_role("link", name="+ Ajouter : article").click()
    form = page.locator("#article-nouveau")
    form.get_by_label("Titre").fill(NEW_TITLE)
    form.get_by_label("Texte").fill(NEW_BODY)
    form.get_by_role("button", name="Enregistrer").click()

    articles = page.locator("#list-article")
    expect(articles.get_by_role("heading", name=re.compile(NEW_TITLE))).to_be_visible()
    expect(form).to_have_count(0)
    assert page.evaluate("window.sansRechargement") is True

    page.reload()
    expect(page.locator("#list-article")).to_contain_text(NEW_BODY)
    page.goto(paths["Plan d'action"])
    expect(page.locator(f"#{row_id}").get_by_role("heading")).to_contain_text(NEW_NAME)
