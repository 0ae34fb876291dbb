"""Avenants: the only way to change a convention once it is ready for signature, and the
signed versions of its text that they leave behind.

An avenant is written (draft) while the convention's content is open to its editors (see
``Convention.is_locked``), then frozen (ready: its PDF and hash kept, the content locked
again), then signed by every signatory. Each signed version of the text, the initial one
and one per avenant, is kept as a ``ConventionVersion``: what the content was (the base of
the next avenant's differences) and, for an avenant, the consolidated text as a PDF.
conventions/amendments.py does the work.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from conventions.validators import validate_year

from .convention import Convention, ScopedQuerySet
from .signing import signatures_storage


def consolidated_path(version, filename):
    return (
        f"signatures/{version.convention_id}/"
        f"texte-consolide-{version.number}-{version.sha256[:12]}.pdf"
    )


class Amendment(models.Model):
    editable_when_locked = True

    class Status(models.TextChoices):
        DRAFT = "draft", "En préparation"
        READY = "ready", "Prêt pour signature"
        SIGNED = "signed", "Signé"

    convention = models.ForeignKey(
        Convention, verbose_name="convention", on_delete=models.PROTECT, related_name="amendments"
    )
    number = models.PositiveSmallIntegerField("numéro")
    title = models.CharField("objet", max_length=250)
    body = models.TextField(
        "exposé des motifs", blank=True, help_text="Ce qui conduit les parties à l'avenant."
    )
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.DRAFT)
    opened_at = models.DateTimeField("ouvert le", auto_now_add=True, null=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ouvert par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_on = models.DateField("signé le", null=True, blank=True, validators=[validate_year])
    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "avenant"
        ordering = ["convention", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "number"], name="unique_amendment_number"
            ),
            models.UniqueConstraint(
                fields=["convention"],
                condition=~models.Q(status="signed"),
                name="one_amendment_at_a_time",
                violation_error_message="Un avenant est déjà en cours pour cette convention.",
            ),
        ]

    def __str__(self):
        return f"Avenant n° {self.number} à {self.convention}"

    @property
    def label(self):
        return f"Avenant n° {self.number}"

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT


class AmendmentArticle(models.Model):
    """An article of the avenant itself (its object, what it changes, when it applies)."""

    editable_when_locked = True  # guarded by its avenant's status (conventions/locking.py)

    amendment = models.ForeignKey(
        Amendment, verbose_name="avenant", on_delete=models.CASCADE, related_name="articles"
    )
    number = models.PositiveSmallIntegerField("numéro")
    title = models.CharField("titre", max_length=250)
    body = models.TextField("texte", blank=True)
    history = HistoricalRecords()
    convention_path = "amendment__convention"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "article d'avenant"
        verbose_name_plural = "articles d'avenant"
        ordering = ["amendment", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["amendment", "number"], name="unique_amendment_article_number"
            )
        ]

    def __str__(self):
        return f"Article {self.number} : {self.title}"

    @classmethod
    def check_bulk_write(cls, rows):
        from conventions.locking import refuse_closed_amendments

        refuse_closed_amendments(rows)


class ConventionVersion(models.Model):
    """A signed version of the convention's text: number 0 for the text signed first, n
    after the avenant n. ``content`` is the convention's content as it then was
    (conventions/versions.py); the avenants' versions keep the consolidated text's PDF."""

    editable_when_locked = True

    convention = models.ForeignKey(
        Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField("version")
    amendment = models.OneToOneField(
        Amendment,
        verbose_name="avenant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="version",
    )
    content = models.JSONField("contenu", default=dict)
    file = models.FileField(
        "texte consolidé (PDF)", storage=signatures_storage, upload_to=consolidated_path, blank=True
    )
    sha256 = models.CharField("empreinte SHA-256", max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField("enregistrée le", auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "version signée"
        verbose_name_plural = "versions signées"
        ordering = ["convention", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "number"], name="unique_convention_version"
            )
        ]

    def __str__(self):
        if self.amendment_id:
            return f"{self.convention} modifiée par l'avenant n° {self.number}"
        return f"{self.convention}, texte signé initial"

    @classmethod
    def check_bulk_write(cls, rows):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Une version signée de la convention ne se modifie pas.")
