"""The signed life of a convention: its frozen PDF, each signatory's signature (or refusal),
the scanned copy signed by hand, and the people's user accounts.

All of them change while the convention is locked (signing is what a locked convention is
for): ``editable_when_locked`` keeps the lock guard (conventions/locking.py) away. Files go
to the "signatures" storage (``STORAGES`` in the settings), never served from MEDIA_URL:
conventions/views_signing.py serves them to the users who may read the convention.
"""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from simple_history.models import HistoricalRecords

from .convention import Convention, ScopedQuerySet, Signatory
from .reference import Person


def signatures_storage():
    return storages["signatures"]


def frozen_path(document, filename):
    name = f"avenant-{document.amendment.number}" if document.amendment_id else "convention"
    return f"signatures/{document.convention_id}/{name}-figee-{document.sha256[:12]}.pdf"


def signed_path(signature, filename):
    return (
        f"signatures/{signature.document.convention_id}/"
        f"signature-{signature.order}-{signature.sha256[:12]}.pdf"
    )


def scan_path(copy, filename):
    return f"signatures/{copy.convention_id}/exemplaire-scanne-{copy.sha256[:12]}.pdf"


class SignerAccount(models.Model):
    """The user through whom a person (a signatory) signs: the link from Person to the user."""

    editable_when_locked = True

    person = models.OneToOneField(
        Person, verbose_name="personne", on_delete=models.CASCADE, related_name="account"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.CASCADE,
        related_name="signer_account",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "compte de signataire"
        verbose_name_plural = "comptes de signataire"

    def __str__(self):
        return f"{self.person} ({self.user})"


class FrozenDocument(models.Model):
    """The convention's PDF as it was when it became ready for signature, and its hash."""

    editable_when_locked = True

    convention = models.ForeignKey(
        Convention,
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="frozen_documents",
    )
    amendment = models.OneToOneField(
        "conventions.Amendment",
        verbose_name="avenant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="frozen_document",
        help_text="Vide pour la convention elle-même.",
    )
    file = models.FileField("PDF figé", storage=signatures_storage, upload_to=frozen_path)
    sha256 = models.CharField("empreinte SHA-256", max_length=64, db_index=True)
    size = models.PositiveIntegerField("taille (octets)")
    sequential = models.BooleanField(
        "signature dans l'ordre",
        default=True,
        help_text="Les signataires signent l'un après l'autre, par partie puis par ordre.",
    )
    frozen_at = models.DateTimeField("figé le", auto_now_add=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="figé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "convention figée"
        verbose_name_plural = "conventions figées"
        constraints = [
            models.UniqueConstraint(
                fields=["convention"],
                condition=models.Q(amendment=None),
                name="one_frozen_document",
            )
        ]

    def __str__(self):
        return f"{self.convention} (figée le {self.frozen_at:%d/%m/%Y})"


class Signature(models.Model):
    """One signatory's signature of the frozen PDF: pending, signed (with the PDF as it was
    right after it, an incremental update of the previous one) or declined."""

    editable_when_locked = True

    class Status(models.TextChoices):
        PENDING = "pending", "À signer"
        SIGNED = "signed", "Signée"
        DECLINED = "declined", "Refusée"

    document = models.ForeignKey(
        FrozenDocument,
        verbose_name="convention figée",
        on_delete=models.CASCADE,
        related_name="signatures",
    )
    signatory = models.ForeignKey(
        Signatory,
        verbose_name="signataire",
        on_delete=models.CASCADE,
        related_name="signing",
    )
    order = models.PositiveSmallIntegerField("rang de signature")
    field_name = models.CharField("champ de signature", max_length=60)
    page = models.PositiveSmallIntegerField("page de la case (à partir de 0)")
    box = models.JSONField("case (x1, y1, x2, y2 en points)")
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.PENDING)
    signed_at = models.DateTimeField("signée le", null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    on_behalf = models.BooleanField("pour le compte du signataire", default=False)
    file = models.FileField(
        "PDF après cette signature", storage=signatures_storage, upload_to=signed_path, blank=True
    )
    sha256 = models.CharField("empreinte SHA-256", max_length=64, blank=True, db_index=True)
    certificate_subject = models.CharField("certificat", max_length=250, blank=True)
    certificate_serial = models.CharField("numéro de série", max_length=64, blank=True)
    reason = models.TextField("motif du refus", blank=True)
    declined_at = models.DateTimeField("refusée le", null=True, blank=True)
    history = HistoricalRecords()
    convention_path = "document__convention"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "signature"
        ordering = ["document", "order"]
        constraints = [
            models.UniqueConstraint(fields=["document", "order"], name="unique_signature_order"),
            models.UniqueConstraint(
                fields=["document", "signatory"], name="unique_signature_signatory"
            ),
        ]

    def __str__(self):
        return f"{self.signatory} : {self.get_status_display()}"

    @property
    def is_signed(self):
        return self.status == self.Status.SIGNED


class ReferenceCopy(models.Model):
    """The convention signed by hand, scanned and uploaded: the reference copy."""

    editable_when_locked = True

    convention = models.ForeignKey(
        Convention,
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="reference_copies",
    )
    file = models.FileField("exemplaire scanné", storage=signatures_storage, upload_to=scan_path)
    sha256 = models.CharField("empreinte SHA-256", max_length=64, db_index=True)
    size = models.PositiveIntegerField("taille (octets)")
    original_name = models.CharField("nom du fichier déposé", max_length=250, blank=True)
    note = models.TextField("note", blank=True)
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="déposé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "exemplaire signé à la main"
        verbose_name_plural = "exemplaires signés à la main"
        ordering = ["convention", "-uploaded_at", "-pk"]

    def __str__(self):
        return f"Exemplaire scanné de {self.convention} ({self.uploaded_at:%d/%m/%Y})"


class SigningNotice(models.Model):
    """A message in the application for one user (a refusal to sign, for instance)."""

    editable_when_locked = True

    convention = models.ForeignKey(
        Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="notices"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="destinataire",
        on_delete=models.CASCADE,
        related_name="signing_notices",
    )
    text = models.TextField("message")
    created_at = models.DateTimeField("le", auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "avis de signature"
        verbose_name_plural = "avis de signature"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.text[:80]
