"""Avenants, from their opening to their signature.

- ``open_amendment``: on a signed convention (or one in force), with no other avenant in
  progress. It gets the next number and four standard articles; while it is being written
  (draft), the convention's content is open to its editors again (``Convention.is_locked``).
- ``changes``: what the avenant changes, against the last signed version's content.
- ``freeze``: the avenant is ready for signature when it changes something and each party
  voted it; its PDF is frozen (``conventions.signing.freeze``) and the convention's
  content locked again. ``reopen`` takes it back to draft as long as nobody signed.
- ``complete``: called when the last signatory signed (``conventions.signing.sign``): the
  avenant is signed and the new version of the convention is recorded, with the
  consolidated text as a PDF.

Refusals raise ``StepRefused`` (conventions/workflow.py) listing what is missing, in French,
before anything changed.
"""

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from . import versions
from .models import Amendment, AmendmentArticle, Convention, ConventionVersion, Signatory
from .workflow import StepRefused, missing_deliberations

Status = Amendment.Status
AMENDABLE = Convention.AMENDABLE_STATUSES
STANDARD_ARTICLES = [
    ("Objet de l'avenant", "Le présent avenant a pour objet : {title}."),
    (
        "Modifications apportées à la convention",
        "La convention et ses annexes sont modifiées comme l'indique l'annexe du présent "
        "avenant, « Modifications apportées à la convention », qui en fait partie intégrante.",
    ),
    (
        "Autres dispositions",
        "Les autres dispositions de la convention et de ses annexes demeurent inchangées.",
    ),
    (
        "Prise d'effet",
        "Le présent avenant prend effet à la date de sa signature par l'ensemble des parties.",
    ),
]


def record_version(convention, *, amendment=None, pdf=None):
    """Keep the convention's content as signed: the first time (number 0), or after
    ``amendment``, with the consolidated text ``pdf``."""
    version = ConventionVersion(
        convention=convention,
        number=amendment.number if amendment else 0,
        amendment=amendment,
        content=versions.snapshot(convention),
    )
    if pdf is not None:
        version.sha256 = hashlib.sha256(pdf).hexdigest()
        version.file.save("texte-consolide.pdf", ContentFile(pdf), save=False)
    version.save()
    return version


def base_version(amendment):
    """The signed version that ``amendment`` changes: the latest one before it."""
    return (
        ConventionVersion.objects.filter(
            convention=amendment.convention_id, number__lt=amendment.number
        )
        .order_by("-number")
        .first()
    )


def changes(amendment):
    """What the avenant changes in the convention and its annexes, by kind of part."""
    base = base_version(amendment)
    before = base.content if base else {}
    if amendment.status == Status.SIGNED:
        after = amendment.version.content
    else:
        after = versions.snapshot(amendment.convention)
    return versions.differences(before, after)


@transaction.atomic
def open_amendment(convention, *, user, title, body=""):
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if convention.status not in AMENDABLE:
        raise StepRefused(
            [
                "une convention signée ou en vigueur (elle est « "
                f"{convention.get_status_display()} »)"
            ]
        )
    current = convention.amendments.exclude(status=Status.SIGNED).first()
    if current is not None:
        label = current.label.lower()
        raise StepRefused([f"que l'{label} soit d'abord signé ou abandonné : un à la fois"])
    if not convention.versions.exists():
        # Signed before versions were kept: the content has not changed since (locked).
        record_version(convention)
    number = (convention.amendments.aggregate(last=Max("number"))["last"] or 0) + 1
    amendment = Amendment.objects.create(
        convention=convention, number=number, title=title, body=body, opened_by=user
    )
    AmendmentArticle.objects.bulk_create(
        AmendmentArticle(
            amendment=amendment, number=index, title=heading, body=text.format(title=title)
        )
        for index, (heading, text) in enumerate(STANDARD_ARTICLES, start=1)
    )
    return amendment


def missing_for_ready(amendment, *, changed=None):
    """What the avenant lacks to be frozen; ``changed``: its ``changes``, when known."""
    missing = []
    if amendment.status != Status.DRAFT:
        return [f"un avenant en préparation (il est « {amendment.get_status_display()} »)"]
    convention = amendment.convention
    if convention.status not in AMENDABLE:
        return [
            f"une convention signée ou en vigueur (elle est « {convention.get_status_display()} »)"
        ]
    if not (changes(amendment) if changed is None else changed):
        missing.append("au moins une modification de la convention ou de ses annexes")
    if not amendment.articles.exists():
        missing.append("au moins un article")
    convention = amendment.convention
    missing += missing_deliberations(
        convention.parties.select_related("organisation"),
        amendment.deliberations.all(),
    )
    if not Signatory.objects.filter(party__convention=convention).exists():
        missing.append("au moins un signataire")
    return missing


@transaction.atomic
def freeze(amendment, *, user):
    from .scans import ScanError
    from .signing import SigningError
    from .signing import freeze as freeze_pdf

    amendment = Amendment.objects.select_for_update().get(pk=amendment.pk)
    missing = missing_for_ready(amendment)
    if missing:
        raise StepRefused(missing)
    amendment.status = Status.READY
    amendment.save()
    try:
        return freeze_pdf(convention=amendment.convention, user=user, amendment=amendment)
    except (SigningError, ScanError) as error:
        raise StepRefused([str(error)]) from None


@transaction.atomic
def reopen(amendment, *, user):
    """Back to draft (after a refusal to sign, say), as long as nobody has signed."""
    amendment = Amendment.objects.select_for_update().get(pk=amendment.pk)
    if amendment.status != Status.READY:
        raise StepRefused(["il n'est pas prêt pour signature"])
    document = amendment.frozen_document
    if document.signatures.filter(status="signed").exists():
        raise StepRefused(["un signataire l'a déjà signé"])
    stored, storage = document.file.name, document.file.storage
    document.delete()
    transaction.on_commit(lambda: storage.delete(stored))
    amendment.status = Status.DRAFT
    amendment.save()
    return amendment


@transaction.atomic
def abandon(amendment, *, user):
    """Give up an avenant in preparation that has not changed the convention (yet)."""
    amendment = Amendment.objects.select_for_update().get(pk=amendment.pk)
    if not amendment.is_draft:
        raise StepRefused(["il n'est plus en préparation"])
    if changes(amendment):
        raise StepRefused(["il a déjà modifié la convention : annulez d'abord ces modifications"])
    amendment.delete()
    return amendment


def retitle(amendment, old_title):
    """Article 1 follows a new title while it still says what it was written with."""
    heading, text = STANDARD_ARTICLES[0]
    amendment.articles.filter(number=1, body=text.format(title=old_title)).update(
        body=text.format(title=amendment.title)
    )


def complete(amendment, *, user, when):
    """Every signatory signed ``amendment``: it is signed, and the convention's new
    version (its content and consolidated text) is recorded. Called inside the last
    signature's transaction: a refusal here undoes that signature."""
    from . import documents
    from .scans import ScanError
    from .signing import SigningError

    amendment.status = Status.SIGNED
    amendment.signed_on = timezone.localdate(when)
    amendment.save()
    convention = amendment.convention
    try:
        pdf = documents.render_pdf(convention=convention)
    except ScanError as error:
        raise SigningError(f"le texte consolidé ne peut pas être produit : {error}") from None
    record_version(convention, amendment=amendment, pdf=pdf)
    return amendment
