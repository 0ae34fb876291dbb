"""The signed Jura Nord convention, as pyHanko, poppler's pdfsig, the verification page and
its readers see it. Every test here only reads it: it is signed once for the module
(``signed_for_the_module``, tests/conventions/conftest.py); freezing and signing
themselves are tested in test_signing.py."""

import io
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from conventions import signing
from conventions.models import Convention
from tests.conventions.conftest import SIGNERS, pdfsig
from tests.conventions.test_signing import final_pdf, flat, login, signatures, verify_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(signed_for_the_module):
    return Convention.objects.get(pk=signed_for_the_module)


def test_each_signature_is_an_incremental_update_of_the_previous_revision(signed):
    frozen = signed.frozen_documents.get()
    with frozen.file.open("rb") as file:
        previous = file.read()
    for signature in signatures(signed):
        with signature.file.open("rb") as file:
            data = file.read()
        assert data.startswith(previous)  # earlier bytes untouched
        previous = data


def test_pyhanko_validates_every_signature_and_nothing_after_the_last(signed):
    report = signing.verify(data=final_pdf(signed))

    assert report.all_valid and not report.modified_after_last_signature
    assert [check.signer for check in report.signatures] == SIGNERS
    assert all(c.intact and c.trusted and c.covers_revision for c in report.signatures)
    assert [c.whole_file for c in report.signatures] == [False, False, True]
    assert report.match.convention == signed and report.match.whole
    assert report.match.label == "la version signée par M. Gérôme FASSENET"


def test_pdfsig_reports_every_signature_valid_and_trusted(signed, tmp_path, nss_folder):
    path = tmp_path / "signee.pdf"
    path.write_bytes(final_pdf(signed))

    found = pdfsig(path, nss_folder)

    assert [f["Signer Certificate Common Name"] for f in found] == SIGNERS
    assert {f["Signature Validation"] for f in found} == {"Signature is Valid."}
    assert {f["Certificate Validation"] for f in found} == {"Certificate is Trusted."}
    assert [f["total"] for f in found] == [False, False, True]
    assert {f["Signature Type"] for f in found} == {"ETSI.CAdES.detached"}  # PAdES


def test_pdfsig_sees_a_flipped_byte(signed, tmp_path, nss_folder):
    data = bytearray(final_pdf(signed))
    data[-3000] ^= 1
    path = tmp_path / "alteree.pdf"
    path.write_bytes(bytes(data))

    assert pdfsig(path, nss_folder)[-1]["Signature Validation"] == "Digest Mismatch."


def test_the_stamp_is_printed_in_each_box_with_an_embedded_font(signed, tmp_path):
    path = tmp_path / "signee.pdf"
    path.write_bytes(final_pdf(signed))
    page = signatures(signed)[0].page + 1
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout

    assert text.count("Signé électroniquement par") == 3
    assert all(name in text for name in SIGNERS)
    stamp_fonts = [line for line in fonts.splitlines() if "NimbusSans" in line]
    assert stamp_fonts and all(" yes yes yes " in line for line in stamp_fonts)


def test_the_verification_page_recognises_the_signed_convention(signed, client):
    response, page = verify_page(login(client, "lecteur-jura-nord"), final_pdf(signed))

    assert response.status_code == 200
    assert reverse("conventions:signature-list", args=[signed.pk]) in response.content.decode()
    assert "Document intègre : 3 signatures sur 3, valides" in page
    assert (
        "C'est la version signée par M. Gérôme FASSENET de la convention "
        "« CTG Jura Nord 2019-2023 »." in page
    )
    assert all(name in page for name in SIGNERS)
    assert "Rien n'a été ajouté après la dernière signature." in page


def append_unsigned_update(data):
    """An incremental update drawing a rectangle over the first page, not signed."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    stream = writer.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 90 90 200 40 re f"))
    writer.add_stream_to_page(0, stream)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def flip_byte(data):
    altered = bytearray(data)
    altered[-3000] ^= 1  # in the part the last signature covers
    return bytes(altered)


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (append_unsigned_update, "après elle, le contenu de la page 1 a été modifié"),
        (flip_byte, "le document a été modifié dans la partie signée"),
        (lambda data: data + b"\n% ajout\n", "des modifications non signées ont été ajoutées"),
    ],
    ids=["unsigned-update", "flipped-byte", "appended-bytes"],
)
def test_a_tampered_copy_is_detected_on_the_verification_page(signed, client, tamper, expected):
    _, page = verify_page(login(client, "caf-jura"), tamper(final_pdf(signed)))

    assert "Attention : ce document n'est pas intègre." in page
    assert expected in page
    assert "Le début de ce fichier est la version signée par" in page


@pytest.mark.parametrize(
    "name", ["signature-list", "frozen-download", "signed-download", "scan-upload"]
)
def test_outsider_gets_404(signed, client, name):
    login(client, "epci-coteaux")
    url = reverse(f"conventions:{name}", args=[signed.pk])
    response = client.post(url) if name == "scan-upload" else client.get(url)
    assert response.status_code == 404


def test_reader_downloads_the_signed_pdf_and_each_revision(signed, client):
    login(client, "lecteur-jura-nord")
    response = client.get(reverse("conventions:signed-download", args=[signed.pk]))
    assert response.status_code == 200 and response.content == final_pdf(signed)
    assert response["Content-Disposition"] == (
        'attachment; filename="ctg-jura-nord-2019-2023-signee.pdf"'
    )
    first = signatures(signed)[0]
    revision = client.get(reverse("conventions:signature-download", args=[signed.pk, first.pk]))
    with first.file.open("rb") as file:
        assert revision.content == file.read()
    frozen = client.get(reverse("conventions:frozen-download", args=[signed.pk]))
    assert frozen.content.startswith(b"%PDF-")


def test_the_documents_tab_shows_the_signatures(signed, client):
    login(client, "lecteur-jura-nord")
    page = client.get(reverse("conventions:convention-documents", args=[signed.pk]))
    text = flat(page)
    assert "Convention figée le" in text
    assert "M. Gérôme FASSENET (Le Président) : signée le" in text
    assert reverse("conventions:signature-verify") in page.content.decode()


def test_the_documents_tab_serves_the_signed_pdf_never_a_new_rendering(signed, client):
    login(client, "lecteur-jura-nord")
    signed_url = reverse("conventions:signed-download", args=[signed.pk])
    download_url = reverse("conventions:document-download", args=[signed.pk])

    page = client.get(reverse("conventions:convention-documents", args=[signed.pk]))
    response = client.get(download_url)

    assert signed_url in page.content.decode()
    assert "Télécharger la convention signée" in flat(page)
    assert download_url not in page.content.decode()
    assert reverse("conventions:document-preview", args=[signed.pk]) not in page.content.decode()
    assert response.status_code == 302 and response.url == signed_url
    assert client.get(response.url).content == final_pdf(signed)


def test_a_file_cut_back_before_its_last_signature_is_incomplete(signed, client):
    with signatures(signed)[1].file.open("rb") as file:
        data = file.read()

    _, page = verify_page(login(client, "caf-jura"), data)

    assert "Document incomplet : 2 signatures sur 3." in page
    assert "Document intègre" not in page
    assert "C'est la version signée par M. Éric GROSPIERRE" in page


def changed_then_countersigned(signed, change):
    """The file after the first signature, changed by ``change`` in an incremental update,
    then signed by the second signatory as the application signs: every signature is
    cryptographically valid."""
    first, second = signatures(signed)[:2]
    with first.file.open("rb") as file:
        writer = IncrementalPdfFileWriter(io.BytesIO(file.read()), strict=False)
    change(writer, first)
    output = io.BytesIO()
    writer.write(output)
    signer = signing.load_signer(second.signatory.person)
    return signing.pades_sign(
        data=output.getvalue(), signer=signer, signature=second, when=timezone.now()
    )


def widen_the_page(writer, signature):
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/MediaBox"] = generic.ArrayObject(map(generic.NumberObject, (0, 0, 800, 900)))
    writer.update_container(page)


def replace_the_stamp(writer, signature):
    page = writer.root["/Pages"]["/Kids"][signature.page].get_object()
    for annotation in page["/Annots"]:
        widget = annotation.get_object()
        if widget.get("/T") == signature.field_name:
            stamp = generic.StreamObject(stream_data=b"0 0 1 rg 0 0 50 20 re f")
            widget["/AP"] = generic.DictionaryObject(
                {generic.NameObject("/N"): writer.add_object(stamp)}
            )
            writer.update_container(widget)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (widen_the_page, "les dimensions ou l'orientation de la page 1 ont été modifiées"),
        (replace_the_stamp, "le cachet d'une signature a été remplacé en page"),
    ],
    ids=["page-box", "stamp"],
)
def test_a_change_between_two_valid_signatures_is_reported(signed, change, expected):
    data = changed_then_countersigned(signed, change)

    report = signing.verify(data=data)

    assert [check.intact and check.trusted for check in report.signatures] == [True, True]
    assert any(expected in problem for problem in report.signatures[0].problems)
    assert report.signatures[1].ok and not report.all_valid
