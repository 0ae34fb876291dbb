"""The convention's legal life: each change of status, who made it and when."""

from django.conf import settings
from django.db import models

from conventions.validators import validate_year

from .convention import Convention


class StatusChange(models.Model):
    editable_when_locked = True

    convention = models.ForeignKey(
        Convention,
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    from_status = models.CharField("de", max_length=20, choices=Convention.Status.choices)
    to_status = models.CharField("à", max_length=20, choices=Convention.Status.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField("le", auto_now_add=True)
    effective_on = models.DateField(
        "date de l'étape", null=True, blank=True, validators=[validate_year]
    )
    note = models.TextField("note", blank=True)

    class Meta:
        verbose_name = "changement de statut"
        verbose_name_plural = "changements de statut"
        ordering = ["convention", "at", "pk"]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"
