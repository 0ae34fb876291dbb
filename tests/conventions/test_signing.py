"""Freezing, signing, declining, the copy signed by hand, and the verification page.

The Jura Nord convention is validated and voted through the workflow, then made ready for
signature (its PDF frozen) and signed by its three signatories with the keys of the test
authority that load_demo created under the test MEDIA_ROOT (tests/conftest.py). Its PDF is
rendered once (``rendered``): freezing finds it in the PDF cache. The signed result, as
pyHanko, poppler's ``pdfsig`` and the verification page see it: test_signed.py.
"""

import datetime
import hashlib
import html
import io
import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from conventions import signing
from conventions.locking import ConventionLocked
from conventions.models import (
    Amendment,
    Convention,
    ReferenceCopy,
    Signature,
    SignerAccount,
    SigningNotice,
    StatusChange,
)
from conventions.workflow import StepRefused, take_step
from tests.factories import ConventionFactory, MembershipFactory, PartyFactory

pytestmark = pytest.mark.django_db
Status = Convention.Status
JURA_NORD = "CTG Jura Nord 2019-2023"
COTEAUX = "CTG des Coteaux 2024-2028 (fictive)"


# --- Fixtures (tests/conventions/conftest.py: rendered, users, ready, signed) -------------


def signatures(convention):
    return list(Signature.objects.filter(document__convention=convention).order_by("order"))


def final_pdf(convention):
    last = (
        Signature.objects.filter(document__convention=convention, status=Signature.Status.SIGNED)
        .order_by("-signed_at")
        .first()
    )
    with last.file.open("rb") as file:
        return file.read()


def login(client, username):
    client.login(username=username, password="demo-ctg")
    return client


def upload(data, name="document.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def small_pdf(text="Exemplaire signé à la main"):
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()


def flat(response):
    """The page's text as read: tags removed, entities decoded, whitespace collapsed."""
    text = re.sub(r"<[^>]*>", "", response.content.decode())
    return " ".join(html.unescape(text).split())


def verify_page(client, data, name="document.pdf"):
    response = client.post(reverse("conventions:signature-verify"), {"file": upload(data, name)})
    return response, flat(response)


# --- Freezing -----------------------------------------------------------------------------


def test_ready_for_signature_freezes_the_pdf_with_its_hash(ready, rendered):
    document = ready.frozen_documents.get()
    with document.file.open("rb") as file:
        stored = file.read()

    assert ready.status == Status.READY and ready.is_locked
    assert stored == rendered[0]
    assert document.sha256 == hashlib.sha256(stored).hexdigest() and document.size == len(stored)
    assert [(s.order, str(s.signatory.person)) for s in signatures(ready)] == [
        (1, "M. Jean-Charles CHAMBOST"),
        (2, "M. Éric GROSPIERRE"),
        (3, "M. Gérôme FASSENET"),
    ]
    boxes = [s.box for s in signatures(ready)]
    assert len({s.page for s in signatures(ready)}) == 1
    assert all(x1 < x2 and y1 < y2 for x1, y1, x2, y2 in boxes)
    assert boxes[0][2] < boxes[1][0] < boxes[1][2] < boxes[2][0]  # side by side


def test_no_avenant_on_a_convention_that_is_not_signed(ready):
    with pytest.raises(PermissionDenied, match="signée ou en vigueur"):
        Amendment.objects.create(convention=ready, number=1, title="Par l'admin")
    assert ready.is_locked


def test_a_second_freeze_from_a_stale_page_is_refused(demo, users, rendered):
    editor = users["epci-jura-nord"]
    take_step(demo, Status.VALIDATED, user=editor, on=datetime.date(2019, 11, 28))
    take_step(demo, Status.VOTED, user=editor)
    stale = Convention.objects.get(pk=demo.pk)  # a second request, read before the first
    take_step(demo, Status.READY, user=editor)

    with pytest.raises(StepRefused, match="« Prête pour signature » entre-temps"):
        take_step(stale, Status.READY, user=editor)

    assert demo.frozen_documents.count() == 1
    assert Signature.objects.filter(document__convention=demo).count() == 3


def test_signing_twice_from_a_stale_page_is_refused(ready, users):
    first = signatures(ready)[0]
    stale = Signature.objects.get(pk=first.pk)
    signing.sign(signature=first, user=users["caf-jura"])

    with pytest.raises(signing.SigningError, match="a déjà signé"):
        signing.sign(signature=stale, user=users["caf-jura"])


def test_the_step_is_refused_until_the_convention_is_voted(demo, users, rendered):
    with pytest.raises(StepRefused, match="ne peut pas passer à cette étape"):
        take_step(demo, Status.READY, user=users["epci-jura-nord"])
    assert not demo.frozen_documents.exists()


def test_a_frozen_convention_downloads_its_frozen_pdf(ready, client):
    login(client, "lecteur-jura-nord")
    frozen_url = reverse("conventions:frozen-download", args=[ready.pk])

    page = client.get(reverse("conventions:convention-documents", args=[ready.pk]))
    response = client.get(reverse("conventions:document-download", args=[ready.pk]))

    assert frozen_url in page.content.decode()
    assert "Télécharger la convention figée" in flat(page)
    assert response.status_code == 302 and response.url == frozen_url


def test_a_signed_convention_without_a_stored_pdf_is_not_rendered_again(client, demo):
    convention = ConventionFactory()
    organisation = PartyFactory(convention=convention).organisation
    user = MembershipFactory(organisation=organisation, reader=True).user
    Convention.objects.filter(pk=convention.pk).update(status=Status.SIGNED)  # as imported
    client.force_login(user)

    response = client.get(reverse("conventions:document-download", args=[convention.pk]))
    page = client.get(reverse("conventions:convention-documents", args=[convention.pk]))

    assert response.status_code == 404
    assert "Aucun exemplaire signé" in flat(response)
    assert "Aucun exemplaire signé" in flat(page)


def test_a_frozen_convention_refuses_content_changes(ready, client):
    article = ready.articles.get(number=1)
    article.title = "Changé"
    with pytest.raises(ConventionLocked):
        article.save()
    login(client, "epci-jura-nord")
    url = reverse("conventions:part-edit", args=[ready.pk, "article", article.pk])
    response = client.post(url, {"number": 1, "title": "Changé", "body": ""})
    assert response.status_code == 403
    assert ready.articles.get(number=1).title != "Changé"


def test_the_signed_step_says_who_has_not_signed_yet(ready, users):
    with pytest.raises(StepRefused) as refusal:
        take_step(ready, Status.SIGNED, user=users["caf-jura"])
    assert refusal.value.missing == [
        "la signature de M. Jean-Charles CHAMBOST (Le Directeur)",
        "la signature de M. Éric GROSPIERRE (Le Président)",
        "la signature de M. Gérôme FASSENET (Le Président)",
    ]


# --- Signing ------------------------------------------------------------------------------


def test_jura_nord_is_signed_by_its_three_signatories_in_the_browser_flow(ready, users, client):
    chambost, grospierre, fassenet = signatures(ready)
    # M. Fassenet signs himself, through his own user; the Caf's editor signs for the Caf.
    SignerAccount.objects.create(person=fassenet.signatory.person, user=users["lecteur-jura-nord"])
    login(client, "caf-jura")
    page = flat(client.get(reverse("conventions:signature-list", args=[ready.pk])))
    assert "Signer pour le compte de M. Jean-Charles CHAMBOST" in page
    assert "Vous signez le PDF figé de 42 pages, d'empreinte SHA-256" in page
    assert ready.frozen_document.sha256 in page
    for signature in (chambost, grospierre):
        url = reverse("conventions:signature-sign", args=[ready.pk, signature.pk])
        assert client.post(url, CONFIRMED_BY_PASSWORD).status_code == 302
    client.logout()
    login(client, "lecteur-jura-nord")
    url = reverse("conventions:signature-sign", args=[ready.pk, fassenet.pk])
    response = client.post(url, CONFIRMED_BY_PASSWORD, follow=True)

    assert "Tous les signataires ont signé : la convention est signée." in flat(response)
    ready.refresh_from_db()
    assert ready.status == Status.SIGNED
    assert StatusChange.objects.filter(convention=ready, to_status=Status.SIGNED).exists()
    done = signatures(ready)
    assert [s.status for s in done] == ["signed"] * 3
    assert [s.on_behalf for s in done] == [True, True, False]
    assert done[2].user == users["lecteur-jura-nord"]
    for signature in done:
        with signature.file.open("rb") as file:
            assert hashlib.sha256(file.read()).hexdigest() == signature.sha256


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "tapez votre mot de passe pour confirmer"),
        ({"password": "pas-le-bon"}, "mot de passe incorrect"),
    ],
    ids=["without", "wrong"],
)
def test_signing_needs_the_password_typed_again(ready, client, data, message):
    first = signatures(ready)[0]
    login(client, "caf-jura")
    url = reverse("conventions:signature-sign", args=[ready.pk, first.pk])

    response = client.post(url, data, follow=True)

    assert f"Signature refusée : {message}. Rien n'est signé." in flat(response)
    assert Signature.objects.get(pk=first.pk).status == Signature.Status.PENDING


def test_signatories_sign_in_order(ready, users):
    last = signatures(ready)[2]
    with pytest.raises(signing.SigningError, match="c'est d'abord au tour de M. Jean-Charles"):
        signing.sign(signature=last, user=users["epci-jura-nord"])
    assert Signature.objects.get(pk=last.pk).status == Signature.Status.PENDING


def test_in_any_order_each_may_sign_first(ready, users):
    document = ready.frozen_documents.get()
    document.sequential = False
    document.save()
    last = signatures(ready)[2]
    signing.sign(signature=last, user=users["epci-jura-nord"])
    assert Signature.objects.get(pk=last.pk).is_signed


def test_an_editor_cannot_sign_for_another_organisation(ready, users):
    first = signatures(ready)[0]  # the Caf's director
    with pytest.raises(signing.SigningError, match="Vous ne pouvez pas signer"):
        signing.sign(signature=first, user=users["epci-jura-nord"])


def test_without_signing_on_behalf_only_the_signatory_signs(ready, users):
    first = signatures(ready)[0]
    with override_settings(CTG_SIGNING_ON_BEHALF=False):
        with pytest.raises(signing.SigningError):
            signing.sign(signature=first, user=users["caf-jura"])
        assert not signing.may_sign_in(users["caf-jura"], ready)


def test_a_signatory_without_a_certificate_gets_a_clear_error(ready, users, client, tmp_path):
    first = signatures(ready)[0]
    login(client, "caf-jura")
    url = reverse("conventions:signature-sign", args=[ready.pk, first.pk])
    with override_settings(CTG_SIGNING_TEST_KEYS=False, CTG_SIGNING_KEYS_DIR=str(tmp_path)):
        response = client.post(url, CONFIRMED_BY_PASSWORD, follow=True)
        page = client.get(reverse("conventions:signature-list", args=[ready.pk]))

    assert "M. Jean-Charles CHAMBOST n'a pas de certificat de signature" in flat(response)
    assert "Sans certificat de signature" in flat(page)
    assert Signature.objects.get(pk=first.pk).status == Signature.Status.PENDING
    assert not Signature.objects.get(pk=first.pk).file


def test_an_altered_stored_pdf_is_not_signed(ready, users):
    document = ready.frozen_documents.get()
    Path(document.file.path).write_bytes(b"%PDF-1.7 altered")
    first = signatures(ready)[0]
    try:
        with pytest.raises(signing.SigningError, match="ne correspond plus à son empreinte"):
            signing.sign(signature=first, user=users["caf-jura"])
    finally:
        document.file.delete(save=False)


# --- Declining ----------------------------------------------------------------------------


def test_a_signatory_declines_and_the_other_parties_editors_are_told(ready, users, client):
    users["caf-jura"].email = "caf@example.org"
    users["caf-jura"].save()
    fassenet = signatures(ready)[2]
    login(client, "epci-jura-nord")
    url = reverse("conventions:signature-decline", args=[ready.pk, fassenet.pk])
    prefix = f"refus-{fassenet.pk}"

    response = client.post(url, {f"{prefix}-reason": "L'article 4 doit être revu."}, follow=True)

    assert "Le refus est enregistré" in flat(response)
    fassenet.refresh_from_db()
    assert fassenet.status == Signature.Status.DECLINED
    assert fassenet.reason == "L'article 4 doit être revu."
    notice = SigningNotice.objects.get(recipient=users["caf-jura"])
    assert "refuse de signer" in notice.text and "L'article 4 doit être revu." in notice.text
    assert not SigningNotice.objects.filter(recipient=users["epci-jura-nord"]).exists()
    assert [message.to for message in mail.outbox] == [["caf@example.org"]]
    assert "Refus de signature" in mail.outbox[0].subject
    login(client, "caf-jura")
    page = flat(client.get(reverse("conventions:signature-list", args=[ready.pk])))
    assert "Avis à votre attention" in page and "L'article 4 doit être revu." in page
    ready.refresh_from_db()
    assert ready.status == Status.READY


def test_declining_needs_a_reason(ready, client):
    fassenet = signatures(ready)[2]
    login(client, "epci-jura-nord")
    url = reverse("conventions:signature-decline", args=[ready.pk, fassenet.pk])

    response = client.post(url, {f"refus-{fassenet.pk}-reason": ""})

    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.content.decode()
    assert Signature.objects.get(pk=fassenet.pk).status == Signature.Status.PENDING


def test_a_declined_signature_blocks_the_signed_step(ready, users):
    signing.decline(signature=signatures(ready)[0], user=users["caf-jura"], reason="Non.")
    with pytest.raises(StepRefused, match="CHAMBOST \\(Le Directeur\\) : refusée"):
        take_step(ready, Status.SIGNED, user=users["caf-jura"])


# --- The copy signed by hand --------------------------------------------------------------


def scan_of(convention):
    """A PDF with as many pages as the convention's frozen PDF, as a scan would have."""
    from weasyprint import HTML

    with convention.frozen_document.file.open("rb") as file:
        pages = signing.page_count(file.read())
    return HTML(string='<p style="break-after: page">Page signée</p>' * pages).write_pdf()


CONFIRMED = {"every_party_signed": "on"}
CONFIRMED_BY_PASSWORD = {"password": "demo-ctg"}


def test_the_scanned_copy_becomes_the_reference_copy(ready, client):
    data = scan_of(ready)
    login(client, "caf-jura")
    url = reverse("conventions:scan-upload", args=[ready.pk])

    response = client.post(
        url, {"file": upload(data, "scan.pdf"), "note": "Reçu par courrier", **CONFIRMED}
    )

    assert response.status_code == 302
    copy = ReferenceCopy.objects.get(convention=ready)
    assert copy.sha256 == hashlib.sha256(data).hexdigest() and copy.original_name == "scan.pdf"
    ready.refresh_from_db()
    assert ready.status == Status.SIGNED
    download = client.get(reverse("conventions:scan-download", args=[ready.pk, copy.pk]))
    assert download.content == data
    tab = client.get(reverse("conventions:convention-documents", args=[ready.pk]))
    assert "Télécharger l'exemplaire signé à la main" in flat(tab)
    assert "Signée (papier)" in flat(tab)
    portfolio = client.get(reverse("conventions:portfolio"))
    assert "Signée (papier)" in flat(portfolio)
    stored = client.get(reverse("conventions:document-download", args=[ready.pk]), follow=True)
    assert stored.content == data
    _, page = verify_page(login(client, "caf-jura"), data)
    assert "l'exemplaire signé à la main déposé le" in page


def test_only_the_owner_records_the_copy_signed_by_hand(ready, client):
    login(client, "epci-jura-nord")
    page = client.get(reverse("conventions:signature-list", args=[ready.pk]))
    url = reverse("conventions:scan-upload", args=[ready.pk])

    response = client.post(url, {"file": upload(scan_of(ready)), **CONFIRMED})

    assert url not in page.content.decode()
    assert response.status_code == 403
    assert not ReferenceCopy.objects.exists()


@pytest.mark.parametrize(
    ("confirmed", "pages", "message"),
    [
        (False, None, "Confirmez que chaque partie a signé"),
        (True, 1, "Le PDF déposé a 1 page ; la convention figée en a"),
    ],
    ids=["not-confirmed", "pages-missing"],
)
def test_the_copy_needs_every_party_and_every_page(ready, client, confirmed, pages, message):
    data = small_pdf() if pages == 1 else scan_of(ready)
    login(client, "caf-jura")
    url = reverse("conventions:scan-upload", args=[ready.pk])

    response = client.post(url, {"file": upload(data), **(CONFIRMED if confirmed else {})})

    assert response.status_code == 422
    assert message in flat(response)
    assert not ReferenceCopy.objects.exists()


def broken_signature_pdf():
    """A small PDF signed with a test key, then altered in the signed part."""
    from pyhanko.sign import signers

    from conventions.models import Person

    person = Person.objects.get(last_name="CHAMBOST")
    writer = IncrementalPdfFileWriter(io.BytesIO(small_pdf()), strict=False)
    output = io.BytesIO()
    signers.sign_pdf(
        writer,
        signers.PdfSignatureMetadata(field_name="Signature1"),
        signer=signing.load_signer(person),
        output=output,
    )
    data = bytearray(output.getvalue())
    data[data.index(b"\n%") + 2] ^= 1  # the header's binary comment: still a PDF
    return bytes(data)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Ceci n'est pas un PDF.", "Ce fichier n'est pas un PDF."),
        (b"%PDF-1.7\n" + b"0" * 600, "Le fichier pèse"),
        (b"%PDF-1.7\nrien de lisible", "Ce PDF est illisible ou endommagé."),
        ("broken", "contient une signature électronique invalide"),
    ],
    ids=["not-a-pdf", "too-large", "unreadable", "broken-signature"],
)
def test_a_bad_upload_is_refused_and_changes_nothing(ready, client, content, message):
    if content == "broken":
        content = broken_signature_pdf()
    login(client, "caf-jura")
    url = reverse("conventions:scan-upload", args=[ready.pk])

    with override_settings(CTG_UPLOAD_MAX_BYTES=500 if message == "Le fichier pèse" else 10**7):
        response = client.post(url, {"file": upload(content), **CONFIRMED})

    assert response.status_code == 422
    assert message in flat(response)
    assert not ReferenceCopy.objects.exists()
    ready.refresh_from_db()
    assert ready.status == Status.READY


# --- The verification page ----------------------------------------------------------------


def test_the_verification_page_recognises_the_frozen_pdf(ready, client):
    with ready.frozen_documents.get().file.open("rb") as file:
        data = file.read()
    response, page = verify_page(login(client, "epci-coteaux"), data)
    assert "C'est la version figée (avant signature) de la convention" in page
    assert "aucune signature électronique" in page
    # Not one of the user's conventions: named, not linked.
    assert "« CTG Jura Nord 2019-2023 »." in page
    assert reverse("conventions:signature-list", args=[ready.pk]) not in response.content.decode()


def test_the_verification_page_refuses_what_is_not_a_pdf(client, demo):
    response, page = verify_page(login(client, "caf-jura"), b"GIF89a", "image.gif")
    assert response.status_code == 422
    assert "Ce fichier n'est pas un PDF." in page
    with override_settings(CTG_UPLOAD_MAX_BYTES=10):
        response, page = verify_page(client, small_pdf())
    assert response.status_code == 422 and "la limite est de" in page


def pdf_of(*objects, trailer="/Root 1 0 R", xref=True):
    """A hand-written PDF: ``objects`` numbered from 1, a classic cross-reference table."""
    out, offsets = b"%PDF-1.7\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    start = len(out)
    if xref:
        out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
        out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} {trailer} >>\n".encode()
    return out + f"startxref\n{start}\n%%EOF\n".encode()


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
MALFORMED = {
    "broken-xref": pdf_of(CATALOG, PAGES, PAGE).replace(b"00000 n", b"zzzzz n"),
    "no-xref": pdf_of(CATALOG, PAGES, PAGE, xref=False),
    "xref-loop": pdf_of(CATALOG, PAGES, PAGE, trailer="/Root 1 0 R /Prev 9"),
    "page-loop": pdf_of(CATALOG, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"),
    "deep-nesting": pdf_of(
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm " + b"[" * 50_000 + b"]" * 50_000 + b" >>",
        PAGES,
        PAGE,
    ),
    "bad-stream": pdf_of(
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm 4 0 R >>",
        PAGES,
        PAGE,
        b"<< /Length 12 /Filter /FlateDecode >>\nstream\nnot deflated\nendstream",
    ),
    "self-reference": pdf_of(b"1 0 R", trailer="/Root 1 0 R"),
}


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_pdf_gets_a_french_message_never_an_error(client, demo, data):
    response, page = verify_page(login(client, "caf-jura"), data)

    assert response.status_code in (200, 422)
    assert "illisible ou endommagé" in page or "aucune signature électronique" in page


def test_an_unknown_pdf_is_not_one_of_ours(client, demo):
    _, page = verify_page(login(client, "caf-jura"), small_pdf("Autre chose"))
    assert "Ce fichier n'est pas l'une de nos conventions" in page


def test_the_verification_page_needs_a_login(client):
    response = client.get(reverse("conventions:signature-verify"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- Access -------------------------------------------------------------------------------


def test_outsider_gets_404_on_signing(ready, client):
    login(client, "epci-coteaux")
    url = reverse("conventions:signature-sign", args=[ready.pk, signatures(ready)[0].pk])
    assert client.post(url).status_code == 404


@pytest.mark.parametrize("name", ["signature-sign", "signature-decline"])
def test_reader_cannot_sign_or_decline(ready, client, name):
    login(client, "lecteur-jura-nord")
    url = reverse(f"conventions:{name}", args=[ready.pk, signatures(ready)[2].pk])
    assert client.post(url, {"refus-1-reason": "Non"}).status_code == 403
    assert Signature.objects.get(pk=signatures(ready)[2].pk).status == Signature.Status.PENDING


def test_reader_cannot_upload_a_scanned_copy(ready, client):
    login(client, "lecteur-jura-nord")
    url = reverse("conventions:scan-upload", args=[ready.pk])
    assert client.post(url, {"file": upload(small_pdf())}).status_code == 403
    assert not ReferenceCopy.objects.exists()


# --- Keys and demo data -------------------------------------------------------------------


def test_create_test_ca_makes_one_key_per_signatory(demo, tmp_path):
    out = io.StringIO()
    call_command("create_test_ca", "-o", str(tmp_path), stdout=out)
    names = sorted(path.name for path in tmp_path.glob("*.p12"))

    assert (tmp_path / signing.CA_CERTIFICATE).exists()
    assert "communaute-de-communes-jura-nord--gerome-fassenet.p12" in names
    assert "caisse-dallocations-familiales-du-jura--jean-charles-chambost.p12" in names
    assert "communaute-de-communes-des-coteaux-fictive--martine-exemple.p12" in names
    again = io.StringIO()
    call_command("create_test_ca", "-o", str(tmp_path), stdout=again)
    assert "0 certificat(s) créé(s)" in again.getvalue()


def test_keys_and_passphrases_come_from_the_settings(demo, tmp_path):
    from conventions.models import Person

    person = Person.objects.get(last_name="FASSENET")
    call_command(
        "create_test_ca", "-o", str(tmp_path), "--passphrase", "s3cret", stdout=io.StringIO()
    )
    # One key for the whole organisation, its passphrase from the environment (settings).
    organisation_key = tmp_path / "communaute-de-communes-jura-nord.p12"
    (tmp_path / f"{signing.key_name(person)}.p12").rename(organisation_key)
    passphrases = {"COMMUNAUTE_DE_COMMUNES_JURA_NORD": "s3cret"}
    with override_settings(
        CTG_SIGNING_TEST_KEYS=False,
        CTG_SIGNING_KEYS_DIR=str(tmp_path),
        CTG_SIGNING_PASSPHRASES=passphrases,
    ):
        assert signing.key_file(person) == organisation_key
        assert signing.load_signer(person).signing_cert.subject.native["common_name"] == (
            "Gérôme FASSENET"
        )
        with (
            override_settings(CTG_SIGNING_PASSPHRASES={}),
            pytest.raises(signing.SigningError, match="phrase secrète incorrecte"),
        ):
            signing.load_signer(person)


def test_the_demo_coteaux_convention_is_fully_signed(demo):
    coteaux = Convention.objects.get(short_title=COTEAUX)

    assert coteaux.status == Status.SIGNED
    assert [s.status for s in signatures(coteaux)] == ["signed", "signed"]
    assert list(coteaux.status_changes.values_list("to_status", flat=True)) == [
        "validated",
        "voted",
        "ready",
        "signed",
    ]
    report = signing.verify(data=final_pdf(coteaux))
    assert report.all_valid and report.match.convention == coteaux
    assert [check.signer for check in report.signatures] == ["Anne DÉMO", "Martine EXEMPLE"]
