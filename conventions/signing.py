"""Signing a convention, in one place: its frozen PDF, each signatory's PAdES signature, a
refusal, the copy signed by hand, and the verification of any PDF.

- ``freeze``: when the convention becomes ready for signature, its PDF is rendered once,
  stored with its SHA-256, and one pending signature is created per signatory with the
  place of their box in the signature block.
- ``sign``: a signatory (or, in the demo, an editor of their organisation on their behalf)
  signs the latest revision with pyHanko: a PAdES signature with a visible stamp (name,
  capacity, date; the font embedded) in their box, added as an incremental update so that
  earlier signatures stay valid. When everybody has signed, the convention is signed.
- ``decline``: a signatory refuses, with a reason; the parties' editors are told (a notice
  in the application and an e-mail).
- ``upload_scan``: the copy signed by hand, scanned, becomes the reference copy.
- ``verify``: any PDF is checked: is it one of ours (by the hash of the file or of one of
  its revisions), is each signature intact, trusted and covering its revision, and was
  anything added after the last one.

Keys are PKCS#12 files, one per person or per organisation, in ``keys_dir()`` (see the
settings ``CTG_SIGNING_*``; ``python manage.py create_test_ca`` makes a test authority).
Every refusal raises ``SigningError`` with a message in French, before anything changed.
"""

import asyncio
import hashlib
import io
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils import generic, layout, misc
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from .models import (
    Convention,
    ConventionVersion,
    FrozenDocument,
    Membership,
    ReferenceCopy,
    Signatory,
    Signature,
    SignerAccount,
    SigningNotice,
)
from .scans import PDF_READ_ERRORS, megabytes

BOX_PREFIX = "signataire-"  # the id of each signatory's box in the document's signature block
TEST_KEYS_FOLDER = "cles-de-test"  # under MEDIA_ROOT, when no keys folder is configured
TEST_PASSPHRASE = "ctg-test"  # the test authority's PKCS#12 files (create_test_ca)
CA_CERTIFICATE = "ac-test-ctg.pem"
STAMP_TEXT = "Signé électroniquement par\n%(name)s\n%(capacity)s\nle %(date)s"
Status = Signature.Status

# pyHanko says so for every CFF font (NimbusSans): the identity mapping it assumes is right.
logging.getLogger("pyhanko.pdf_utils.font.opentype").setLevel(logging.ERROR)


class SigningError(Exception):
    """A refusal, in French; nothing was changed."""


def unreadable(error):
    """Why a PDF could not be read, in French."""
    if isinstance(error, RecursionError):
        return "Ce PDF est illisible ou endommagé : ses objets s'imbriquent sans fin."
    return "Ce PDF est illisible ou endommagé."


def outside_event_loop(function, /, *args, **kwargs):
    """Call one of pyHanko's synchronous functions. They run ``asyncio.run()``, which is
    refused in a thread with a running event loop (Playwright's, in the browser tests, when
    they load the demo data): there, the call is made from a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# Keys


def uses_test_keys():
    return settings.CTG_SIGNING_TEST_KEYS


def local_keys_dir():
    return Path(settings.MEDIA_ROOT) / TEST_KEYS_FOLDER


def keys_dir():
    """The folder of the PKCS#12 files, or None (none configured)."""
    if uses_test_keys():
        return local_keys_dir()
    if settings.CTG_SIGNING_KEYS_DIR:
        return Path(settings.CTG_SIGNING_KEYS_DIR)
    return None


def key_name(person=None, *, organisation="", first_name="", last_name=""):
    """The person's key file without ``.p12``, from a Person or from the names of the
    organisation and the person: « communaute-de-communes-jura-nord--gerome-fassenet »."""
    if person is not None:
        organisation = person.organisation.name
        first_name, last_name = person.first_name, person.last_name
    return f"{slugify(organisation)}--{slugify(f'{first_name} {last_name}')}"


def passphrase_for(name):
    if uses_test_keys():
        return TEST_PASSPHRASE
    variable = name.upper().replace("-", "_")
    return settings.CTG_SIGNING_PASSPHRASES.get(variable, settings.CTG_SIGNING_PASSPHRASE)


def key_file(person):
    """The person's PKCS#12 file, else their organisation's, else None."""
    folder = keys_dir()
    if folder is None:
        return None
    for name in (key_name(person), slugify(person.organisation.name)):
        path = folder / f"{name}.p12"
        if path.is_file():
            return path
    return None


def has_key(person):
    return key_file(person) is not None


def load_signer(person):
    path = key_file(person)
    if path is None:
        raise SigningError(
            f"{person} n'a pas de certificat de signature : déposez son fichier PKCS#12 "
            f"« {key_name(person)}.p12 » (ou celui de son organisation) dans le dossier des "
            "clés, ou signez à la main et déposez l'exemplaire scanné."
        )
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(
            path.read_bytes(), other_certs=[], passphrase=passphrase_for(path.stem).encode() or None
        )
    except (OSError, ValueError):
        raise SigningError(
            f"Le certificat de signature de {person} ne s'ouvre pas : fichier endommagé ou "
            "phrase secrète incorrecte."
        ) from None
    if signer.signing_cert.not_valid_after < timezone.now():
        raise SigningError(f"Le certificat de signature de {person} a expiré.")
    return signer


def trust_roots():
    """The CA certificates that verification trusts."""
    paths = [Path(p) for p in settings.CTG_SIGNING_TRUST_ROOTS]
    if not paths and keys_dir() is not None:
        paths = [keys_dir() / CA_CERTIFICATE]
    return [load_cert_from_pemder(str(path)) for path in paths if path.is_file()]


# Who signs, and when


def signatures_of(document):
    return list(
        document.signatures.select_related(
            "signatory__person__organisation", "signatory__party__organisation"
        ).order_by("order")
    )


def next_to_sign(document, signatures):
    """The signatures that may be made now: the first unsigned one in sequence, or all."""
    unsigned = [s for s in signatures if not s.is_signed]
    return unsigned[:1] if document.sequential else unsigned


def acts_for(user, signatory):
    """ "self" when ``user`` is the signatory's, "behalf" for an editor of their organisation
    when signing on behalf is allowed (the demo), else None."""
    if not user.is_authenticated:
        return None
    if SignerAccount.objects.filter(user=user, person_id=signatory.person_id).exists():
        return "self"
    if (
        settings.CTG_SIGNING_ON_BEHALF
        and Membership.objects.filter(
            user=user, role=Membership.Role.EDITOR, organisation_id=signatory.party.organisation_id
        ).exists()
    ):
        return "behalf"
    return None


def may_sign_in(user, convention):
    """Whether ``user`` may sign (or decline) for at least one signatory of ``convention``."""
    signatories = Signatory.objects.filter(party__convention=convention)
    if SignerAccount.objects.filter(user=user, person__signatures__in=signatories).exists():
        return True
    return (
        settings.CTG_SIGNING_ON_BEHALF
        and Membership.objects.filter(
            user=user, role=Membership.Role.EDITOR, organisation__parties__convention=convention
        ).exists()
    )


def check_ready(subject):
    """``subject``: the convention, or an avenant; it is signed only when ready (and an
    avenant only while its convention is signed or in force)."""
    if not isinstance(subject, Convention):
        convention = subject.convention
        if convention.status not in Convention.AMENDABLE_STATUSES:
            raise SigningError(
                f"La convention est « {convention.get_status_display()} » : ses avenants ne "
                "se signent plus."
            )
    if subject.status != Convention.Status.READY:
        what = (
            "elle ne se signe qu'une fois prête"
            if isinstance(subject, Convention)
            else ("il ne se signe qu'une fois prêt")
        )
        raise SigningError(
            f"{subject_name(subject)} est « {subject.get_status_display()} » : {what} pour "
            "signature."
        )


def subject_name(subject):
    return "La convention" if isinstance(subject, Convention) else f"L'{subject.label.lower()}"


def check_may_act(user, signature):
    if acts_for(user, signature.signatory) is None:
        raise SigningError(
            f"Vous ne pouvez pas signer pour {signature.signatory.person} : seul le signataire "
            "(ou, en démonstration, un rédacteur de son organisation) le peut."
        )


# Freezing


def stamp_box(box):
    """The stamp in the lower part of the signatory's box, under their capacity and name."""
    x1, y1, x2, y2 = box
    height = max(28.0, (y2 - y1) * 0.5)
    return [round(x1 + 6, 2), round(y1 + 5, 2), round(x2 - 6, 2), round(y1 + 5 + height, 2)]


def freeze(*, convention, user, amendment=None):
    """Render the PDF once and keep it with its hash; one pending signature per signatory.
    Called by the workflow when the convention becomes ready for signature, and when an
    avenant (``amendment``) does (conventions/amendments.py)."""
    from . import amendment_document, documents

    signatories = list(
        Signatory.objects.filter(party__convention=convention)
        .select_related("person", "party")
        .order_by("party__order", "order")
    )
    if amendment is None:
        pdf, boxes = documents.render_pdf_with_boxes(convention=convention, prefix=BOX_PREFIX)
    else:
        pdf, boxes = amendment_document.render_pdf_with_boxes(
            amendment=amendment, prefix=BOX_PREFIX
        )
    missing = [s for s in signatories if f"{BOX_PREFIX}{s.pk}" not in boxes]
    if missing:
        raise SigningError(
            "Le PDF n'a pas de case de signature pour "
            + ", ".join(str(s.person) for s in missing)
            + "."
        )
    digest = sha256(pdf)
    document = FrozenDocument(
        convention=convention,
        amendment=amendment,
        sha256=digest,
        size=len(pdf),
        sequential=settings.CTG_SIGNING_ORDER == "sequential",
        frozen_by=user,
    )
    document.file.save("convention.pdf", ContentFile(pdf), save=False)
    document.save()
    signatures = []
    for order, signatory in enumerate(signatories, start=1):
        page, box = boxes[f"{BOX_PREFIX}{signatory.pk}"]
        signatures.append(
            Signature(
                document=document,
                signatory=signatory,
                order=order,
                field_name=f"Signature{order}",
                page=page,
                box=stamp_box(box),
            )
        )
    Signature.objects.bulk_create(signatures)
    return document


def latest_pdf(document):
    """The bytes of the latest revision (the frozen PDF, or after the last signature),
    checked against the hash kept for it."""
    last = document.signatures.filter(status=Status.SIGNED).order_by("-signed_at", "-pk").first()
    stored = last or document
    with stored.file.open("rb") as file:
        data = file.read()
    if sha256(data) != stored.sha256:
        raise SigningError(
            "Le PDF enregistré ne correspond plus à son empreinte : il a été altéré. "
            "Rien n'est signé ; prévenez l'administrateur."
        )
    return data


# Signing


@cache
def font_bytes(path):
    return Path(path).read_bytes()


@dataclass(frozen=True)
class StampFont(GlyphAccumulatorFactory):
    """pyHanko's font factory, reading the font from memory: its own leaves the file open."""

    def create_font_engine(self, writer, obj_stream=None):
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(font_bytes(self.font_file)),
            font_size=self.font_size,
            obj_stream=obj_stream,
        )


def stamp_style():
    font = Path(settings.CTG_SIGNING_STAMP_FONT)
    if not font.is_file():
        raise SigningError(
            f"La police du cachet de signature est introuvable ({font}) : installez le paquet "
            "fonts-urw-base35 ou réglez CTG_SIGNING_STAMP_FONT."
        )
    return TextStampStyle(
        stamp_text=STAMP_TEXT,
        text_box_style=TextBoxStyle(font=StampFont(str(font)), font_size=8, leading=10),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(3),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
        border_width=1,
        background=None,
    )


def pades_sign(*, data, signer, signature, when, on_behalf_of=None):
    """``data`` with ``signature``'s PAdES signature appended as an incremental update."""
    signatory = signature.signatory
    convention = signature.document.convention
    what = of_amendment(signature.document).removeprefix(" de ")
    what = f"{what} à la convention" if what else "la convention"
    reason = f"Signature de {what} « {convention.short_title} »"
    if on_behalf_of:
        reason += f", apposée pour le compte du signataire par {on_behalf_of}"
    metadata = signers.PdfSignatureMetadata(
        field_name=signature.field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=signatory.person.full_name,
        reason=reason,
        location=convention.signature_place or None,
    )
    pdf_signer = signers.PdfSigner(
        metadata,
        signer=signer,
        stamp_style=stamp_style(),
        new_field_spec=fields.SigFieldSpec(
            signature.field_name, on_page=signature.page, box=tuple(signature.box)
        ),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    output = io.BytesIO()
    outside_event_loop(
        pdf_signer.sign_pdf,
        writer,
        output=output,
        appearance_text_params={
            "name": signatory.person.full_name,
            "capacity": signatory.capacity,
            "date": date_format(timezone.localtime(when), "j F Y à H:i"),
        },
    )
    return output.getvalue()


@transaction.atomic
def sign(*, signature, user, now=None, by_system=False):
    """``user`` signs ``signature`` (theirs, or on behalf); the convention is signed when it
    was the last one. ``by_system`` (the demo data, ``user`` None) skips the user's right.
    Refusals raise ``SigningError`` and change nothing."""
    document = FrozenDocument.objects.select_for_update().get(pk=signature.document_id)
    signature = Signature.objects.select_related(
        "signatory__person__organisation", "signatory__party", "document__convention"
    ).get(pk=signature.pk)
    convention = signature.document.convention
    check_ready(document.amendment or convention)
    if signature.is_signed:
        raise SigningError(f"{signature.signatory.person} a déjà signé.")
    if not by_system:
        check_may_act(user, signature)
    signatures = signatures_of(document)
    if signature.pk not in {s.pk for s in next_to_sign(document, signatures)}:
        first = next_to_sign(document, signatures)[0]
        raise SigningError(
            f"Les signataires signent dans l'ordre : c'est d'abord au tour de "
            f"{first.signatory.person} ({first.signatory.capacity})."
        )
    signer = load_signer(signature.signatory.person)
    source = latest_pdf(document)
    now = now or timezone.now()
    on_behalf = not by_system and acts_for(user, signature.signatory) == "behalf"
    signed = pades_sign(
        data=source,
        signer=signer,
        signature=signature,
        when=now,
        on_behalf_of=(user.get_full_name() or user.username) if on_behalf else None,
    )
    certificate = signer.signing_cert
    signature.status = Status.SIGNED
    signature.signed_at = now
    signature.user = None if by_system else user
    signature.on_behalf = on_behalf
    signature.sha256 = sha256(signed)
    signature.certificate_subject = certificate.subject.human_friendly[:250]
    signature.certificate_serial = format(certificate.serial_number, "x")
    signature.reason = ""
    signature.file.save("signature.pdf", ContentFile(signed), save=False)
    try:
        signature.save()
        if all(s.is_signed or s.pk == signature.pk for s in signatures):
            complete_document(document, convention, signature=signature, when=now)
    except BaseException:
        signature.file.delete(save=False)  # the transaction is undone: no stray file
        raise
    return signature


def complete_document(document, convention, *, signature, when):
    """The last signature made: the avenant, or the convention, is signed."""
    from .workflow import take_step

    if document.amendment_id:
        from .amendments import complete

        complete(document.amendment, user=signature.user, when=when)
        return
    take_step(
        convention,
        Convention.Status.SIGNED,
        user=signature.user,
        note="Signée électroniquement par chacun des signataires.",
    )


# Declining


@transaction.atomic
def decline(*, signature, user, reason):
    """The signatory refuses to sign, with a reason; the parties' editors are told."""
    reason = (reason or "").strip()
    if not reason:
        raise SigningError("Indiquez le motif du refus.")
    signature = Signature.objects.select_related(
        "signatory__person", "signatory__party__organisation", "document__convention"
    ).get(pk=signature.pk)
    check_ready(signature.document.amendment or signature.document.convention)
    if signature.is_signed:
        raise SigningError(f"{signature.signatory.person} a déjà signé : trop tard pour refuser.")
    check_may_act(user, signature)
    signature.status = Status.DECLINED
    signature.reason = reason
    signature.declined_at = timezone.now()
    signature.user = user
    signature.save()
    notify_refusal(signature=signature, user=user)
    return signature


def still_ready(amendment):
    if amendment is None:
        return "La convention reste prête pour signature"
    return f"L'{amendment.label.lower()} reste prêt pour signature"


def notify_refusal(*, signature, user):
    from django.contrib.auth import get_user_model

    convention = signature.document.convention
    signatory = signature.signatory
    amendment = signature.document.amendment
    what = f"l'{amendment.label.lower()} à " if amendment else ""
    text = (
        f"{signatory.person} ({signatory.capacity}, {signatory.party.organisation}) refuse de "
        f"signer {what}la convention « {convention.short_title} ». Motif : {signature.reason}"
    )
    recipients = (
        get_user_model()
        .objects.filter(
            Q(
                memberships__role=Membership.Role.EDITOR,
                memberships__organisation__parties__convention=convention,
            )
            | Q(signer_account__person__signatures__party__convention=convention)
        )
        .exclude(pk=user.pk)
        .distinct()
        .order_by("pk")
    )
    recipients = list(recipients)
    SigningNotice.objects.bulk_create(
        SigningNotice(convention=convention, recipient=recipient, text=text)
        for recipient in recipients
    )
    addresses = [recipient.email for recipient in recipients if recipient.email]
    if addresses:
        send_mail(
            f"Refus de signature : {convention.short_title}",
            text + f"\n\n{still_ready(amendment)} ; le signataire peut encore signer, ou les "
            "parties en reparlent.",
            None,
            addresses,
        )
    return recipients


# Uploads: the copy signed by hand, the PDF to verify


def read_pdf_upload(upload):
    """The bytes of an uploaded PDF, or ``SigningError``: too large, not a PDF, unreadable."""
    limit = settings.CTG_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise SigningError(
            f"Le fichier pèse {megabytes(upload.size)} : la limite est de {megabytes(limit)}."
        )
    data = upload.read()
    if b"%PDF-" not in data[:1024]:
        raise SigningError("Ce fichier n'est pas un PDF.")
    try:
        reader = pdf_reader(data)
        reader.root["/Pages"]  # noqa: B018  (reads the catalogue: fails on a broken file)
    except PDF_READ_ERRORS as error:
        raise SigningError(unreadable(error)) from None
    return data


@transaction.atomic
def upload_scan(*, convention, user, upload, note=""):
    """The convention signed by hand by the parties, scanned: the reference copy. The
    convention, ready for signature, is then signed."""
    from .workflow import take_step

    check_ready(convention)
    data = read_pdf_upload(upload)
    report = verify(data=data)
    broken = [check for check in report.signatures if not check.intact]
    if broken:
        raise SigningError(
            "Ce PDF contient une signature électronique invalide (« "
            + ", ".join(check.field_name for check in broken)
            + " ») : il n'est pas enregistré."
        )
    with convention.frozen_document.file.open("rb") as file:
        expected = page_count(file.read())
    if (pages := page_count(data)) != expected:
        raise SigningError(
            f"Le PDF déposé a {pages} page{'s' if pages > 1 else ''} ; la convention figée en a "
            f"{expected} : déposez l'exemplaire entier, chaque page scannée."
        )
    copy = ReferenceCopy(
        convention=convention,
        sha256=sha256(data),
        size=len(data),
        original_name=Path(upload.name or "").name[:250],
        note=note,
        uploaded_by=user,
    )
    copy.file.save("scan.pdf", ContentFile(data), save=False)
    copy.save()
    take_step(
        convention,
        Convention.Status.SIGNED,
        user=user,
        note="Signée à la main : exemplaire scanné déposé comme exemplaire de référence.",
    )
    return copy


# Verification


class FastPdfReader(PdfFileReader):
    """pyHanko's reader, reading each object stream's index once. pyHanko 0.38 parses the
    index again for every object it takes from a stream: on WeasyPrint's tagged PDF (a few
    thousand objects in streams) checking one signature took minutes instead of a second."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stream_indexes = {}

    def _get_object_from_stream(self, idnum, stmnum, idx):
        if stmnum not in self._stream_indexes:
            self._stream_indexes[stmnum] = self._index_object_stream(stmnum)
        index = self._stream_indexes[stmnum]
        if self.strict or index is None or idnum not in index[2]:
            return super()._get_object_from_stream(idnum, stmnum, idx)
        data, first, offsets = index
        buffer = io.BytesIO(data)
        buffer.seek(first + offsets[idnum])
        return generic.read_object(buffer, generic.Reference(idnum, 0, self))

    def _index_object_stream(self, stmnum):
        try:
            stream = generic.Reference(stmnum, 0, self).get_object()
            if not isinstance(stream, generic.StreamObject) or stream["/Type"] != "/ObjStm":
                return None
            data = stream.read_data(DecodePurpose.OBJECT_STREAM)
            buffer = io.BytesIO(data)
            offsets = {}
            for _ in range(int(stream["/N"])):
                misc.read_non_whitespace(buffer, seek_back=True)
                number = generic.NumberObject.read_from_stream(buffer)
                misc.read_non_whitespace(buffer, seek_back=True)
                offset = generic.NumberObject.read_from_stream(buffer)
                offsets.setdefault(int(number), int(offset))
            return data, int(stream["/First"]), offsets
        except PDF_READ_ERRORS:
            return None  # left to pyHanko's own reading, and its own errors


def pdf_reader(data):
    return FastPdfReader(io.BytesIO(data), strict=False)


def page_count(data):
    """The number of pages of the PDF ``data``, already read by ``read_pdf_upload``."""
    try:
        return len(pages_of(pdf_reader(data).root["/Pages"]))
    except PDF_READ_ERRORS as error:
        raise SigningError(unreadable(error)) from None


@dataclass
class Match:
    """A stored PDF whose hash is the uploaded file's, or one of its revisions'."""

    convention: object
    label: str
    whole: bool  # the whole file, not only its beginning
    expected: int | None = None  # the signatures its document expects (none on paper)


@dataclass
class SignatureCheck:
    field_name: str
    signer: str = ""
    organisation: str = ""
    signed_at: object = None
    intact: bool = False
    trusted: bool = False
    covers_revision: bool = False
    whole_file: bool = False
    later_changes_allowed: bool = True
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


@dataclass
class Report:
    sha256: str
    size: int
    match: Match | None = None
    signatures: list = field(default_factory=list)
    modified_after_last_signature: bool = False
    error: str = ""

    @property
    def all_valid(self):
        return bool(self.signatures) and all(check.ok for check in self.signatures)

    @property
    def expected(self):
        """How many signatures the convention (or avenant) expects, when the file is ours."""
        return self.match.expected if self.match else None

    @property
    def incomplete(self):
        return bool(self.expected) and len(self.signatures) < self.expected


def revision_ends(data):
    """Where each revision of a PDF may end: after each ``%%EOF`` and its end of line."""
    ends, start = set(), 0
    while (position := data.find(b"%%EOF", start)) != -1:
        end = position + 5
        ends.add(end)
        for eol in (b"\r\n", b"\n", b"\r"):
            if data.startswith(eol, end):
                ends.add(end + len(eol))
        start = end
    ends.add(len(data))
    return sorted(ends)


def of_amendment(document):
    return f" de l'{document.amendment.label.lower()}" if document.amendment_id else ""


def find_match(data):
    """The longest prefix of ``data`` that is a PDF we stored (frozen, signed, scanned)."""
    digests = {sha256(data[:end]): end for end in revision_ends(data)}
    found = []
    for document in (
        FrozenDocument.objects.filter(sha256__in=digests)
        .select_related("convention", "amendment")
        .annotate(expected=Count("signatures"))
    ):
        label = f"la version figée{of_amendment(document)} (avant signature)"
        found.append((digests[document.sha256], document.convention, label, document.expected))
    for signature in (
        Signature.objects.filter(sha256__in=digests)
        .select_related("document__convention", "document__amendment", "signatory__person")
        .annotate(expected=Count("document__signatures"))
    ):
        label = (
            f"la version{of_amendment(signature.document)} signée par {signature.signatory.person}"
        )
        convention = signature.document.convention
        found.append((digests[signature.sha256], convention, label, signature.expected))
    for copy in ReferenceCopy.objects.filter(sha256__in=digests).select_related("convention"):
        label = f"l'exemplaire signé à la main déposé le {date_format(copy.uploaded_at, 'j F Y')}"
        found.append((digests[copy.sha256], copy.convention, label, None))
    for version in ConventionVersion.objects.filter(sha256__in=digests).select_related(
        "convention"
    ):
        label = f"le texte consolidé après l'avenant n° {version.number}"
        found.append((digests[version.sha256], version.convention, label, None))
    if not found:
        return None
    end, convention, label, expected = max(found, key=lambda item: item[0])
    return Match(convention=convention, label=label, whole=end == len(data), expected=expected)


def ref_key(obj):
    """An indirect object's number and generation, whatever revision it was read in."""
    reference = getattr(obj, "reference", None)
    return (reference.idnum, reference.generation) if reference is not None else None


def pages_of(node):
    node = node.get_object()
    if node.get("/Type") == "/Pages":
        return [page for kid in node["/Kids"] for page in pages_of(kid)]
    return [node]


def page_inputs(page):
    """What a page is drawn from: its content streams, resources and their XObjects."""
    keys = set()
    contents = page.raw_get("/Contents") if "/Contents" in page else None
    items = contents.get_object() if contents is not None else []
    if isinstance(items, generic.ArrayObject):
        keys |= {ref_key(item) for item in items}
    keys.add(ref_key(contents))
    if "/Resources" in page:
        keys.add(ref_key(page.raw_get("/Resources")))
        xobjects = page["/Resources"].get("/XObject")
        if xobjects is not None:
            xobjects = xobjects.get_object()
            keys |= {ref_key(xobjects.raw_get(name)) for name in xobjects}
    return keys - {None}


def is_signature_widget(annotation):
    annotation = annotation.get_object()
    field_type = annotation.get("/FT") or annotation.get("/Parent", {}).get("/FT")
    return annotation.get("/Subtype") == "/Widget" and field_type == "/Sig"


def annotations_of(page):
    annotations = page.get("/Annots")
    return list(annotations.get_object()) if annotations is not None else []


GEOMETRY = ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox", "/Rotate", "/UserUnit")


def geometry(page):
    """A page's boxes, rotation and unit, the inherited ones included."""
    found, node, seen = {}, page, set()
    while node is not None and id(node) not in seen and len(seen) < 64:
        seen.add(id(node))
        for key in GEOMETRY:
            if key not in found and key in node:
                found[key] = node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return found


def appearance_inputs(annotation):
    """The annotation and the streams it is drawn from (its appearances)."""
    keys = {ref_key(annotation)}
    appearances = annotation.get_object().get("/AP")
    if appearances is not None:
        appearances = appearances.get_object()
        for name in appearances:
            keys.add(ref_key(appearances.raw_get(name)))
            states = appearances[name]
            if isinstance(states, generic.DictionaryObject):
                keys |= {ref_key(states.raw_get(state)) for state in states}
    return keys - {None}


def page_changes(number, old, new, changed):
    """What changed on one page, in French (``changed``: the objects redefined since)."""
    problems = []
    inputs = page_inputs(new)
    if inputs != page_inputs(old) or inputs & changed:
        problems.append(f"le contenu de la page {number} a été modifié")
    if geometry(new) != geometry(old):
        problems.append(f"les dimensions ou l'orientation de la page {number} ont été modifiées")
    known = {ref_key(annotation): annotation for annotation in annotations_of(old)}
    for annotation in annotations_of(new):
        key = ref_key(annotation)
        if key is None or key not in known:
            if not is_signature_widget(annotation):
                problems.append(f"une annotation a été ajoutée en page {number}")
            continue
        drawn = appearance_inputs(annotation)
        if drawn & changed or drawn != appearance_inputs(known[key]):
            if is_signature_widget(annotation):
                problems.append(f"le cachet d'une signature a été remplacé en page {number}")
            else:
                problems.append(f"une annotation de la page {number} a été modifiée")
    return problems


def changes_since(reader, revision):
    """What changed in the pages after ``revision`` besides new signatures, in French:
    content streams or resources redefined, pages added or removed, page boxes or rotation
    changed, annotations added (other than signature fields) or changed, a signature's
    stamp replaced. A light counterpart to pyHanko's difference analysis, which takes about
    5 s per signature on the Jura Nord convention's tagged PDF (its reverse cross-reference
    index over the structure tree), over a minute for fifteen signatories."""
    last = reader.xrefs.total_revisions - 1
    if revision >= last:
        return []
    changed = set()
    for later in range(revision + 1, last + 1):
        changed |= {(r.idnum, r.generation) for r in reader.xrefs.explicit_refs_in_revision(later)}
    before = pages_of(reader.get_historical_root(revision)["/Pages"])
    after = pages_of(reader.root["/Pages"])
    problems = []
    if len(before) != len(after):
        problems.append("des pages ont été ajoutées ou retirées")
    for number, (old, new) in enumerate(zip(before, after, strict=False), start=1):
        problems += page_changes(number, old, new, changed)
    return problems


def check_signature(embedded, context, reader):
    check = SignatureCheck(field_name=embedded.field_name or "?")
    try:
        status = outside_event_loop(validate_pdf_signature, embedded, context, skip_diff=True)
    except (SignatureValidationError, *PDF_READ_ERRORS) as error:
        check.problems.append(f"signature illisible ({error})")
        return check
    subject = status.signing_cert.subject.native
    check.signer = subject.get("common_name", "")
    check.organisation = subject.get("organization_name", "")
    check.signed_at = status.signer_reported_dt
    check.intact = status.intact and status.valid
    check.trusted = status.trusted
    check.covers_revision = status.coverage in (
        SignatureCoverageLevel.ENTIRE_REVISION,
        SignatureCoverageLevel.ENTIRE_FILE,
    )
    check.whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not check.intact:
        check.problems.append("le document a été modifié dans la partie signée")
    elif not check.trusted:
        check.problems.append("le certificat n'émane pas d'une autorité reconnue")
    if not check.covers_revision:
        check.problems.append("la signature ne couvre pas tout le document jusqu'à elle")
    if check.covers_revision and not check.whole_file:
        try:
            later = changes_since(reader, embedded.signed_revision)
        except PDF_READ_ERRORS:
            later = ["les versions suivantes du document sont illisibles"]
        check.later_changes_allowed = not later
        check.problems += [f"après elle, {change}" for change in later]
    return check


def verify(*, data):
    """Everything known about the PDF ``data``: see ``Report``."""
    report = Report(sha256=sha256(data), size=len(data))
    report.match = find_match(data)
    try:
        reader = pdf_reader(data)
        embedded = list(reader.embedded_signatures)
    except PDF_READ_ERRORS as error:
        report.error = unreadable(error)
        return report
    roots = trust_roots()
    for signature in embedded:
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        report.signatures.append(check_signature(signature, context, reader))
    if report.signatures:
        last = report.signatures[-1]
        report.modified_after_last_signature = not last.whole_file
        if not last.whole_file and last.intact:
            last.problems.append("des modifications non signées ont été ajoutées après elle")
    return report
