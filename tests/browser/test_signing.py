"""The Jura Nord convention goes from draft to signed in the browser, by its three
signatories (signed on their behalf by the demo editors of their organisations), and the
signed PDF downloaded is then checked on the verification page."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, tab_paths

pytestmark = pytest.mark.browser

SLOW = 120_000  # freezing renders the whole PDF (WeasyPrint): several seconds


def take_step(page, label, status):
    page.get_by_role("button", name=f"Passer à « {label} »").click()
    expect(page.locator("#messages")).to_contain_text(f"désormais « {status} »", timeout=SLOW)


def sign_for(page, name):
    page.get_by_label(f"Votre mot de passe, pour confirmer la signature pour {name}").fill(PASSWORD)
    page.get_by_role("button", name=f"Signer pour le compte de {name}").click()
    expect(page.locator("#messages")).to_contain_text(f"signée pour {name}", timeout=SLOW)


def log_out(page):
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile("/connexion/"))


def test_jura_nord_goes_from_draft_to_signed(page, log_in, jura_nord):
    paths = tab_paths(jura_nord)
    signatures = f"/conventions/{jura_nord.pk}/signatures/"
    log_in("epci-jura-nord")
    page.goto(paths["Convention"])
    page.get_by_label("Date du COPIL").fill("2019-11-28")
    take_step(page, "Validée par le COPIL", "Validée par le COPIL")
    take_step(page, "Votée par les instances", "Votée")
    take_step(page, "Prête pour signature", "Prête pour signature")
    page.goto(paths["Documents"])
    page.get_by_role("link", name="Signatures de la convention").click()
    expect(page.get_by_role("heading", name="La convention figée")).to_be_visible()
    # The CCJN's president signs last: not his turn yet.
    expect(page.get_by_role("button", name=re.compile("^Signer"))).to_have_count(0)
    log_out(page)

    log_in("caf-jura")
    page.goto(signatures)
    sign_for(page, "M. Jean-Charles CHAMBOST")
    sign_for(page, "M. Éric GROSPIERRE")
    log_out(page)

    log_in("epci-jura-nord")
    page.goto(signatures)
    sign_for(page, "M. Gérôme FASSENET")
    expect(page.locator("#messages")).to_contain_text("la convention est signée")
    expect(page.locator(".status-badge").first).to_have_text("Signée")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger la convention signée").click()
    signed_pdf = download.value.path()

    page.goto("/verification/")
    page.get_by_label("PDF à vérifier").set_input_files(signed_pdf)
    page.get_by_role("button", name="Vérifier", exact=True).click()
    verdict = "Document intègre : 3 signatures sur 3, valides"
    expect(page.locator("#verdict")).to_contain_text(verdict)
    expect(page.locator("#origine")).to_contain_text("CTG Jura Nord 2019-2023")
