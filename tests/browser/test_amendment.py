"""An avenant changes an action of the signed Jura Nord convention, in the browser: the
editor opens it, renames the action in the action plan, records each party's deliberation,
freezes the avenant, and the three signatories sign it (on their behalf, by the demo
editors of their organisations); the consolidated text then names the action anew.

The convention itself is taken to signature in Python here: tests/browser/test_signing.py
does it in the browser."""

import re
import subprocess

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, tab_paths
from .test_signing import SLOW, log_out

pytestmark = pytest.mark.browser

OLD_NAME = "Micro-crèche de Salans"
NEW_NAME = "Micro-crèches de Salans et de Fraisans"


def sign_convention(convention):
    import datetime

    from conventions import signing
    from conventions.models import Convention
    from conventions.workflow import take_step

    Status = Convention.Status
    take_step(convention, Status.VALIDATED, user=None, on=datetime.date(2019, 11, 28))
    take_step(convention, Status.VOTED, user=None)
    take_step(convention, Status.READY, user=None)
    for signature in signing.signatures_of(convention.frozen_document):
        signing.sign(signature=signature, user=None, by_system=True)


def record_deliberation(page, party):
    page.get_by_role("link", name="+ Ajouter : délibération").click()
    form = page.locator("#deliberation-nouveau")
    form.get_by_label("Partie").select_option(label=party)
    form.get_by_label("Avenant").select_option(index=1)
    form.get_by_label("Instance").fill("Assemblée délibérante")
    form.get_by_label("Date de séance").fill("2021-03-15")
    form.get_by_role("button", name="Enregistrer").click()
    expect(form).to_have_count(0)


def sign_for(page, name):
    page.get_by_label(f"Votre mot de passe, pour confirmer la signature pour {name}").fill(PASSWORD)
    page.get_by_role("button", name=f"Signer pour le compte de {name}").click()
    expect(page.locator("#messages")).to_contain_text(f"signé pour {name}", timeout=SLOW)


def test_an_avenant_changes_an_action_and_is_signed(page, log_in, jura_nord, tmp_path):
    sign_convention(jura_nord)
    paths = tab_paths(jura_nord)
    log_in("epci-jura-nord")
    page.goto(paths["Documents"])
    page.get_by_role("link", name="Avenants et versions signées").click()
    page.get_by_label("Objet").fill("Une seconde micro-crèche")
    page.get_by_role("button", name="Ouvrir l'avenant").click()
    expect(page.locator("#messages")).to_contain_text("L'avenant n° 1 est ouvert")
    avenant = page.url

    page.goto(paths["Plan d'action"])
    row = page.locator("article.part-row", has=page.get_by_role("heading", name=OLD_NAME))
    row.get_by_role("link", name=re.compile("^Modifier")).click()
    form = page.locator("form", has=page.get_by_label("Nom de l'action"))
    form.get_by_label("Nom de l'action").fill(NEW_NAME)
    form.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name=NEW_NAME)).to_be_visible()

    # Each party records its own deliberation: the EPCI's editor, then the Caf's.
    caf, epci = sorted(
        jura_nord.parties.select_related("organisation"),
        key=lambda party: party.organisation.kind != "caf",
    )
    page.goto(paths["Convention"])
    record_deliberation(page, str(epci))
    log_out(page)

    log_in("caf-jura")
    page.goto(paths["Convention"])
    record_deliberation(page, str(caf))
    page.goto(avenant)
    changes = page.locator("section", has=page.get_by_role("heading", name="Modifications"))
    expect(changes).to_contain_text(OLD_NAME)
    expect(changes).to_contain_text(NEW_NAME)
    page.get_by_role("button", name="Figer l'avenant pour signature").click()
    expect(page.locator("#messages")).to_contain_text("prêt pour signature", timeout=SLOW)
    sign_for(page, "M. Jean-Charles CHAMBOST")
    sign_for(page, "M. Éric GROSPIERRE")
    log_out(page)

    log_in("epci-jura-nord")
    page.goto(avenant)
    sign_for(page, "M. Gérôme FASSENET")
    expect(page.locator("#messages")).to_contain_text("l'avenant n° 1 est signé", timeout=SLOW)
    with page.expect_download() as download:
        page.get_by_role("link", name="Texte consolidé de la convention").click()
    text = subprocess.run(
        ["pdftotext", str(download.value.path()), "-"], capture_output=True, text=True
    ).stdout
    assert NEW_NAME in " ".join(text.split())
