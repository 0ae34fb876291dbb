"""What a person outside a convention, or only allowed to read it, sees of it."""

import pytest
from playwright.sync_api import expect

from .conftest import EDIT_CONTROL, tab_paths

pytestmark = pytest.mark.browser


def test_outsider_gets_page_not_found_and_no_trace_in_portfolio(page, log_in, jura_nord):
    log_in("epci-coteaux")

    expect(page.get_by_role("table")).not_to_contain_text(jura_nord.short_title)
    expect(page.get_by_role("table")).to_contain_text("Coteaux")
    for path in tab_paths(jura_nord).values():
        response = page.goto(path)
        assert response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
        expect(page.locator("main")).not_to_contain_text(jura_nord.short_title)


def test_reader_sees_no_control_that_changes_the_convention(page, log_in, jura_nord):
    log_in("lecteur-jura-nord")

    for label, path in tab_paths(jura_nord).items():
        response = page.goto(path)
        assert response.status == 200, path
        expect(page.get_by_role("heading", level=1)).to_have_text(jura_nord.short_title)
        for role in ("link", "button"):
            controls = page.get_by_role(role, name=EDIT_CONTROL)
            expect(controls, f"{label}: {role}").to_have_count(0)


def test_editor_sees_the_controls_the_reader_does_not(page, log_in, jura_nord):
    """The check above would pass on a page that failed to render its rows."""
    log_in("epci-jura-nord")

    for path in tab_paths(jura_nord).values():
        page.goto(path)
        if path.endswith("/documents/"):
            continue  # nothing edited inline there
        expect(page.get_by_role("link", name=EDIT_CONTROL).first).to_be_visible()
