"""Avenants: the signed Jura Nord convention changes an action through avenant n° 1, which
is voted, frozen and signed by the three signatories; the new version is recorded and the
earlier signed text stays downloadable.

The convention's own PDF is rendered once for the module (tests/conventions/conftest.py);
the avenant's PDF and the consolidated text are rendered for real."""

import datetime
import html
import re
import subprocess

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse

from actions.models import Action
from conventions import amendments, signing, versions
from conventions.locking import AmendmentLocked, ConventionLocked
from conventions.models import (
    Amendment,
    AmendmentArticle,
    Convention,
    ConventionVersion,
    Deliberation,
    Signature,
)
from conventions.workflow import StepRefused
from tests.conventions.conftest import SIGNERS, pdfsig, signer_for
from tests.factories import ActionFactory, ConventionFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
OLD_NAME = "Micro-crèche de Salans"
NEW_NAME = "Micro-crèches de Salans et de Fraisans"


def login(client, username):
    client.login(username=username, password="demo-ctg")
    return client


def text_of(pdf, tmp_path, name="document.pdf"):
    path = tmp_path / name
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def flat(text):
    return " ".join(text.split())


@pytest.fixture
def signed(signed_for_the_module):
    """Every test here starts from the signed Jura Nord: it is signed once for the module
    (tests/conventions/conftest.py), and each test's changes are rolled back."""
    return Convention.objects.get(pk=signed_for_the_module)


@pytest.fixture
def action(signed):
    return signed.actions.get(name=OLD_NAME)


@pytest.fixture
def opened(signed, users):
    return amendments.open_amendment(
        signed, user=users["epci-jura-nord"], title="Un second LAEP", body="Le LAEP est plein."
    )


def vote(amendment):
    for party in amendment.convention.parties.all():
        Deliberation.objects.create(
            convention=amendment.convention,
            party=party,
            amendment=amendment,
            body="Conseil d'administration" if party.organisation.kind == "caf" else "Conseil",
            session_date=datetime.date(2021, 3, 15),
            members_in_office=20,
            present=15,
            votes_for=15,
            votes_against=0,
            abstentions=0,
        )


def sign_all(amendment, users):
    document = amendment.frozen_document
    for signature in document.signatures.order_by("order"):
        signing.sign(signature=signature, user=signer_for(signature, users))
    amendment.refresh_from_db()


@pytest.fixture
def changed(opened, action):
    action.name = NEW_NAME
    action.save()
    return opened


@pytest.fixture
def frozen(changed, users):
    vote(changed)
    amendments.freeze(changed, user=users["epci-jura-nord"])
    changed.refresh_from_db()
    return changed


@pytest.fixture
def amended(frozen, users):
    sign_all(frozen, users)
    return frozen


# Versions and differences


def test_signing_the_convention_records_its_first_version(signed, action):
    version = signed.versions.get()
    assert version.number == 0 and version.amendment is None
    saved = version.content["actions.action"][str(action.pk)]
    assert saved["fields"]["name"] == OLD_NAME
    assert versions.differences(version.content, versions.snapshot(signed)) == []


def test_differences_name_what_was_added_removed_and_changed(signed, action):
    before = {"actions.action": {"1": {"label": "A", "fields": {"name": "A", "lead": "X"}}}}
    after = {
        "actions.action": {
            "1": {"label": "B", "fields": {"name": "B", "lead": "X"}},
            "2": {"label": "C", "fields": {"name": "C", "lead": ""}},
        },
        "conventions.article": {},
    }
    (group,) = versions.differences(before, after)
    assert group.name == "Actions"
    changed, added = group.changes
    assert (changed.kind, changed.label, changed.fields) == (
        "changed",
        "B",
        [("nom de l'action", "A", "B")],
    )
    assert (added.kind, added.fields) == ("added", [("nom de l'action", "", "C")])
    (removed,) = versions.differences(after, before)[0].changes[-1:]
    assert removed.kind == "removed" and removed.label == "C"


# Opening


def test_opening_numbers_the_avenant_writes_its_articles_and_opens_the_content(opened, action):
    assert opened.number == 1 and opened.status == Amendment.Status.DRAFT
    assert [a.title for a in opened.articles.all()] == [
        "Objet de l'avenant",
        "Modifications apportées à la convention",
        "Autres dispositions",
        "Prise d'effet",
    ]
    assert "Un second LAEP" in opened.articles.get(number=1).body
    convention = Convention.objects.get(pk=opened.convention_id)
    assert not convention.is_locked
    action.name = NEW_NAME
    action.save()  # no ConventionLocked
    assert Action.objects.get(pk=action.pk).name == NEW_NAME


def test_one_avenant_at_a_time_and_only_on_a_signed_convention(opened, users, demo):
    with pytest.raises(StepRefused, match="un à la fois"):
        amendments.open_amendment(opened.convention, user=None, title="Autre")
    other = ConventionFactory(short_title="CTG en brouillon")
    with pytest.raises(StepRefused, match="signée ou en vigueur"):
        amendments.open_amendment(other, user=None, title="Trop tôt")
    assert Amendment.objects.count() == 1


def test_the_avenant_lists_the_changes_against_the_signed_version(changed, action):
    (group,) = amendments.changes(changed)
    (change,) = group.changes
    assert change.kind == "changed"
    assert change.fields == [("nom de l'action", OLD_NAME, NEW_NAME)]


def test_an_avenant_that_changed_the_convention_cannot_be_deleted(changed):
    with pytest.raises(PermissionDenied, match="annulez d'abord"), transaction.atomic():
        changed.delete()
    assert Amendment.objects.filter(pk=changed.pk).exists()


# Freezing


def test_freezing_needs_a_change_and_each_party_deliberation(opened, users):
    with pytest.raises(StepRefused) as refusal:
        amendments.freeze(opened, user=users["epci-jura-nord"])
    parties = [str(party.organisation) for party in opened.convention.parties.all()]
    assert refusal.value.missing == [
        "au moins une modification de la convention ou de ses annexes",
        *[f"la délibération de {name}" for name in parties],
    ]
    opened.refresh_from_db()
    assert opened.status == Amendment.Status.DRAFT
    assert not hasattr(opened, "frozen_document") or opened.frozen_document is None


def test_freezing_keeps_the_pdf_and_locks_the_content_again(frozen, action, tmp_path):
    document = frozen.frozen_document
    assert frozen.status == Amendment.Status.READY
    assert [s.status for s in document.signatures.order_by("order")] == ["pending"] * 3
    with document.file.open("rb") as file:
        text = flat(text_of(file.read(), tmp_path))
    assert "AVENANT N° 1 À LA CONVENTION TERRITORIALE GLOBALE" in text.upper()
    assert "Modifications apportées à la convention" in text
    assert OLD_NAME in text and NEW_NAME in text
    assert "Vu la délibération" in text
    action.name = "Encore autre chose"
    with pytest.raises(ConventionLocked):
        action.save()
    with pytest.raises(AmendmentLocked):
        AmendmentArticle.objects.create(amendment=frozen, number=9, title="Tard")
    frozen.title = "Autre objet"
    with pytest.raises(AmendmentLocked):
        frozen.save()


def test_reopening_is_possible_until_someone_signs(frozen, users):
    amendments.reopen(frozen, user=users["epci-jura-nord"])
    frozen.refresh_from_db()
    assert frozen.status == Amendment.Status.DRAFT
    assert not Signature.objects.filter(document__amendment=frozen).exists()
    amendments.freeze(frozen, user=users["epci-jura-nord"])
    frozen.refresh_from_db()
    first = frozen.frozen_document.signatures.order_by("order").first()
    signing.sign(signature=first, user=signer_for(first, users))
    with pytest.raises(StepRefused, match="a déjà signé"):
        amendments.reopen(frozen, user=users["epci-jura-nord"])


# Signing


def test_signed_by_everyone_the_avenant_makes_a_new_version(amended, signed, tmp_path, nss_folder):
    assert amended.status == Amendment.Status.SIGNED
    assert amended.signed_on == datetime.date.today()
    version = ConventionVersion.objects.get(convention=signed, number=1)
    assert version.amendment == amended
    assert version.content["actions.action"]
    with version.file.open("rb") as file:
        consolidated = file.read()
    consolidated_text = flat(text_of(consolidated, tmp_path, "consolide.pdf"))
    assert NEW_NAME in consolidated_text
    assert "modifié par l'avenant n° 1 du" in consolidated_text
    path = tmp_path / "avenant-signe.pdf"
    path.write_bytes(signing.latest_pdf(amended.frozen_document))
    found = pdfsig(path, nss_folder)
    assert [f["Signer Certificate Common Name"] for f in found] == SIGNERS
    assert {f["Signature Validation"] for f in found} == {"Signature is Valid."}
    convention = Convention.objects.get(pk=signed.pk)
    assert convention.status == Convention.Status.SIGNED and convention.is_locked


def test_the_signed_avenant_and_the_consolidated_text_are_recognised(amended):
    report = signing.verify(data=signing.latest_pdf(amended.frozen_document))
    assert report.all_valid and report.match.convention == amended.convention
    assert report.match.label == "la version de l'avenant n° 1 signée par M. Gérôme FASSENET"
    with amended.version.file.open("rb") as file:
        consolidated = signing.verify(data=file.read())
    assert consolidated.match.label == "le texte consolidé après l'avenant n° 1"
    assert consolidated.match.whole and not consolidated.signatures


def test_after_the_avenant_the_changes_are_against_the_new_version(amended, users):
    second = amendments.open_amendment(amended.convention, user=None, title="Suivant")
    assert second.number == 2
    assert amendments.changes(second) == []
    (group,) = amendments.changes(amended)  # the signed one keeps its own changes
    assert group.changes[0].fields == [("nom de l'action", OLD_NAME, NEW_NAME)]


# Pages


def test_editor_opens_an_avenant_from_the_page(signed, client):
    login(client, "epci-jura-nord")
    url = reverse("conventions:amendment-open", args=[signed.pk])
    response = client.post(url, {"title": "Prolongation", "body": ""})
    amendment = signed.amendments.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "conventions:amendment-detail", args=[signed.pk, amendment.number]
    )
    page = client.get(response["Location"])
    assert "ces modifications font partie de l'avenant" in page.content.decode()
    assert "Prolongation" in page.content.decode()


def test_an_empty_title_keeps_the_page_with_an_error(signed, client):
    login(client, "epci-jura-nord")
    response = client.post(
        reverse("conventions:amendment-open", args=[signed.pk]),
        {"title": "", "body": "Mes motifs"},
    )
    assert response.status_code == 422
    assert "Mes motifs" in response.content.decode()
    assert not signed.amendments.exists()


def test_editor_changes_an_action_through_the_workspace_while_the_avenant_is_open(
    opened, action, client
):
    login(client, "epci-jura-nord")
    url = reverse("conventions:part-edit", args=[opened.convention_id, "action", action.pk])
    form = client.get(url, **HTMX)
    assert form.status_code == 200
    data = {"field": action.field_id, "order": action.order, "name": NEW_NAME}
    for name in ["content", "objectives", "offer", "human_means", "lead", "deadline_text"]:
        data[name] = getattr(action, name)
    data |= {"deadline_date": "", "followup_frequency": "", "followup_modalities": ""}
    data["progress"] = action.progress
    data |= {"followup_indicators": "", "evaluation_criteria": "", "evaluation_periodicity": ""}
    response = client.post(url, data, **HTMX)
    errors = re.findall(r"invalid-feedback.{0,300}", response.content.decode(), re.S)
    assert response.status_code == 200, errors
    assert Action.objects.get(pk=action.pk).name == NEW_NAME
    page = client.get(reverse("conventions:amendment-detail", args=[opened.convention_id, 1]))
    content = page.content.decode()
    assert NEW_NAME in content and OLD_NAME in content


def test_editor_writes_the_avenant_articles(opened, client):
    login(client, "epci-jura-nord")
    base = [opened.convention_id, opened.number]
    add = reverse("conventions:amendment-article-add", args=base)
    response = client.post(
        add,
        {"nouvel-article-number": 5, "nouvel-article-title": "Durée", "nouvel-article-body": "X"},
    )
    assert response.status_code == 302
    article = opened.articles.get(number=5)
    duplicate = client.post(
        add,
        {"nouvel-article-number": 5, "nouvel-article-title": "Bis", "nouvel-article-body": "Y"},
    )
    assert duplicate.status_code == 422
    assert "déjà un article 5" in duplicate.content.decode()
    url = reverse("conventions:amendment-article", args=[*base, article.pk])
    client.post(url, {f"article-{article.pk}-number": 5, f"article-{article.pk}-title": "Durée"})
    assert opened.articles.filter(number=5).count() == 1
    client.post(url, {"supprimer": "1"})
    assert not opened.articles.filter(number=5).exists()


def test_reader_and_outsider(opened, client):
    base = [opened.convention_id, opened.number]
    login(client, "lecteur-jura-nord")
    assert client.get(reverse("conventions:amendment-detail", args=base)).status_code == 200
    edit = client.post(reverse("conventions:amendment-edit", args=base), {"title": "Lu"})
    assert edit.status_code == 403
    step = client.post(reverse("conventions:amendment-step", args=[*base, "pret"]))
    assert step.status_code == 403
    client.logout()
    login(client, "epci-coteaux")
    assert client.get(reverse("conventions:amendment-detail", args=base)).status_code == 404
    assert client.get(reverse("conventions:amendment-list", args=base[:1])).status_code == 404
    opened.refresh_from_db()
    assert opened.title == "Un second LAEP" and opened.is_draft


def test_freezing_from_the_page_says_what_is_missing(opened, client):
    login(client, "epci-jura-nord")
    url = reverse("conventions:amendment-step", args=[opened.convention_id, 1, "pret"])
    response = client.post(url, follow=True)
    content = re.sub(r"\s+", " ", html.unescape(response.content.decode()))
    assert "Impossible de figer l'avenant n° 1 : il manque" in content
    assert "la délibération de" in content
    opened.refresh_from_db()
    assert opened.is_draft


def test_signing_an_avenant_from_its_page(frozen, client, users):
    login(client, "caf-jura")
    first = frozen.frozen_document.signatures.order_by("order").first()
    url = reverse("conventions:signature-sign", args=[frozen.convention_id, first.pk])
    response = client.post(url, {"password": "demo-ctg"})
    assert response["Location"] == reverse(
        "conventions:amendment-detail", args=[frozen.convention_id, 1]
    )
    first.refresh_from_db()
    assert first.is_signed


def test_the_versions_stay_downloadable(amended, signed, client, tmp_path):
    login(client, "lecteur-jura-nord")
    original = client.get(reverse("conventions:signed-download", args=[signed.pk]))
    assert OLD_NAME in flat(text_of(original.content, tmp_path, "originale.pdf"))
    avenant = client.get(reverse("conventions:amendment-pdf", args=[signed.pk, 1]))
    assert avenant["Content-Type"] == "application/pdf"
    assert "-avenant-1-signe.pdf" in avenant["Content-Disposition"]
    consolidated = client.get(reverse("conventions:version-download", args=[signed.pk, 1]))
    assert NEW_NAME in flat(text_of(consolidated.content, tmp_path, "consolide.pdf"))
    listing = client.get(reverse("conventions:amendment-list", args=[signed.pk]))
    assert "Texte consolidé après l'avenant n° 1" in listing.content.decode()
    tab = client.get(reverse("conventions:convention-documents", args=[signed.pk]))
    assert reverse("conventions:version-download", args=[signed.pk, 1]) in tab.content.decode()
    assert "Texte consolidé après l'avenant n° 1" in flat(tab.content.decode())
    download = client.get(reverse("conventions:document-download", args=[signed.pk]))
    assert download.url == reverse("conventions:signed-download", args=[signed.pk])


# Query budgets


def page_queries(client, url, django_assert_max_num_queries, budget):
    with django_assert_max_num_queries(budget) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_avenant_page_queries_do_not_grow_with_its_changes(
    changed, client, django_assert_max_num_queries
):
    login(client, "epci-jura-nord")
    url = reverse("conventions:amendment-detail", args=[changed.convention_id, 1])
    few = page_queries(client, url, django_assert_max_num_queries, 50)
    for action in changed.convention.actions.all()[:10]:
        action.name = f"{action.name} (modifiée)"
        action.save()
    field = changed.convention.actions.first().field
    for order in range(100, 105):
        ActionFactory(convention=changed.convention, field=field, order=order)
    vote(changed)
    assert page_queries(client, url, django_assert_max_num_queries, 50) <= few + 2


def test_the_avenants_list_stays_within_its_budget(amended, client, django_assert_max_num_queries):
    login(client, "lecteur-jura-nord")
    url = reverse("conventions:amendment-list", args=[amended.convention_id])
    page_queries(client, url, django_assert_max_num_queries, 15)


# What an avenant in preparation still does not open


def test_a_signatory_who_signed_stays_while_an_avenant_is_open(opened):
    signatory = opened.convention.parties.first().signatories.first()
    with pytest.raises(PermissionDenied, match="a déjà signé"), transaction.atomic():
        signatory.delete()
    with pytest.raises(ProtectedError), transaction.atomic():  # its signatures stay with it
        signatory.party.delete()
    signed = Signature.objects.filter(document__convention=opened.convention, status="signed")
    assert signed.count() == 3


def test_a_signed_avenant_keeps_its_deliberations_and_articles(amended, users):
    amendments.open_amendment(amended.convention, user=None, title="Suivant")
    deliberation = amended.deliberations.first()
    deliberation.votes_for = 1
    with pytest.raises(AmendmentLocked):
        deliberation.save()
    with pytest.raises(AmendmentLocked), transaction.atomic():
        deliberation.delete()
    with pytest.raises(AmendmentLocked):
        AmendmentArticle.objects.filter(amendment=amended).update(body="Réécrit")
    with pytest.raises(PermissionDenied):
        ConventionVersion.objects.filter(convention=amended.convention).update(content={})
    assert amended.articles.filter(body="Réécrit").count() == 0
    assert amended.deliberations.filter(votes_for=15).count() == 2


def test_an_avenant_is_not_signed_once_its_convention_ended(frozen, users):
    Convention.objects.filter(pk=frozen.convention_id).update(status="terminated")
    first = frozen.frozen_document.signatures.order_by("order").first()
    with pytest.raises(signing.SigningError, match="ne se signent plus"):
        signing.sign(signature=first, user=signer_for(first, users))
    first.refresh_from_db()
    assert not first.is_signed


def test_the_avenant_deliberations_are_not_printed_in_the_convention(frozen):
    from conventions import documents

    html = documents.render_html(convention=frozen.convention)
    assert "Conseil d'administration" not in html  # the avenant's, see vote()


def test_an_avenant_deliberation_has_no_annex(opened, client):
    from conventions.forms import DeliberationForm
    from conventions.parts import REGISTRY

    convention = opened.convention
    form = DeliberationForm(
        {
            "party": convention.parties.first().pk,
            "annex": convention.annexes.get(number=4).pk,
            "amendment": opened.pk,
            "kind": "deliberation",
            "body": "Conseil",
            "session_date": "2021-03-15",
        },
        convention=convention,
        part=REGISTRY["deliberation"],
    )
    assert not form.is_valid()
    assert "laissez l'annexe vide" in form.errors["annex"][0]


def test_abandoning_an_avenant_that_changed_nothing(opened, client):
    login(client, "epci-jura-nord")
    url = reverse("conventions:amendment-step", args=[opened.convention_id, 1, "abandon"])
    assert client.post(url).status_code == 302
    assert not Amendment.objects.filter(pk=opened.pk).exists()
    assert Convention.objects.get(pk=opened.convention_id).is_locked


def test_an_avenant_that_changed_something_is_not_abandoned(changed, client):
    login(client, "epci-jura-nord")
    url = reverse("conventions:amendment-step", args=[changed.convention_id, 1, "abandon"])
    response = client.post(url, follow=True)
    assert "Impossible d'abandonner l'avenant n° 1" in html.unescape(response.content.decode())
    assert Amendment.objects.filter(pk=changed.pk).exists()


def test_article_1_follows_a_new_title(opened, client):
    login(client, "epci-jura-nord")
    url = reverse("conventions:amendment-edit", args=[opened.convention_id, 1])
    client.post(url, {"title": "Deux micro-crèches", "body": ""})
    assert "Deux micro-crèches" in opened.articles.get(number=1).body


def test_a_refusal_to_sign_an_avenant_says_so(frozen, users):
    from django.core import mail

    first = frozen.frozen_document.signatures.order_by("order").first()
    signing.decline(signature=first, user=signer_for(first, users), reason="Pas d'accord")
    notice = first.signatory.party.convention.notices.first()
    assert "refuse de signer l'avenant n° 1 à la convention" in notice.text
    if mail.outbox:
        assert "L'avenant n° 1 reste prêt pour signature" in mail.outbox[-1].body


def test_a_last_signature_that_cannot_complete_leaves_no_file(frozen, users, monkeypatch):
    from conventions import documents, scans

    def unprintable(**kwargs):
        raise scans.ScanError("scan illisible")

    signatures = list(frozen.frozen_document.signatures.order_by("order"))
    for signature in signatures[:-1]:
        signing.sign(signature=signature, user=signer_for(signature, users))
    storage = signatures[-1].file.storage
    folder = f"signatures/{frozen.convention_id}"
    before = set(storage.listdir(folder)[1])
    monkeypatch.setattr(documents, "render_pdf", unprintable)

    with pytest.raises(signing.SigningError, match="texte consolidé"):
        signing.sign(signature=signatures[-1], user=signer_for(signatures[-1], users))

    assert set(storage.listdir(folder)[1]) == before
