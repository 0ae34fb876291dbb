"""Who works for which organisation, and with which role."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Membership(models.Model):
    class Role(models.TextChoices):
        EDITOR = "editor", "Rédacteur"
        READER = "reader", "Lecteur"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        "conventions.Organisation",
        verbose_name="organisation",
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField("rôle", max_length=10, choices=Role.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "rattachement"
        ordering = ["organisation", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership")
        ]

    def __str__(self):
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"
