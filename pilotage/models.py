"""Governance (annexe 3): the bodies that steer the convention, their members and meetings."""

import datetime

from django.db import models
from simple_history.models import HistoricalRecords

from conventions.models.convention import ScopedQuerySet
from conventions.validators import OrderField, validate_year


class Body(models.Model):
    class Kind(models.TextChoices):
        COPIL = "copil", "Comité de pilotage"
        OPERATIONAL = "comite_operationnel", "Comité opérationnel"
        LOCAL_COMMISSION = "commission_animation_locale", "Commission d'animation locale"
        THEMATIC_GROUP = "groupe_thematique", "Groupe thématique"

    convention = models.ForeignKey(
        "conventions.Convention",
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="bodies",
    )
    kind = models.CharField("type", max_length=40, choices=Kind.choices)
    name = models.CharField("nom", max_length=200)
    order = OrderField("ordre")
    optional = models.BooleanField("optionnelle", default=False)
    sectors = models.TextField(
        "secteurs", blank=True, help_text="Pour un groupe thématique : un secteur par ligne."
    )
    composition_intro = models.TextField("présentation de la composition", blank=True)
    missions_intro = models.CharField("introduction des missions", max_length=250, blank=True)
    copilots = models.ManyToManyField(
        "conventions.Organisation",
        verbose_name="copilotes",
        blank=True,
        related_name="copiloted_bodies",
    )
    copilots_text = models.TextField("pilotage", blank=True)
    secretariat = models.CharField("secrétariat", max_length=200, blank=True)
    secretariat_text = models.TextField("secrétariat (texte)", blank=True)
    min_meetings_per_year = models.PositiveSmallIntegerField(
        "réunions minimales par an",
        null=True,
        blank=True,
        help_text="Vide quand l'instance se réunit selon les besoins.",
    )
    meetings_text = models.TextField("rythme des réunions (texte)", blank=True)
    history = HistoricalRecords(m2m_fields=[copilots])
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "instance de pilotage"
        verbose_name_plural = "instances de pilotage"
        ordering = ["convention", "order"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "order"], name="unique_body_order")
        ]

    def __str__(self):
        return self.name

    def next_required_meeting(self, since):
        """When the body must meet next: a period of 12 / minimum meetings after its last
        meeting (``last_meeting`` annotation when present), or after ``since``."""
        if not self.min_meetings_per_year:
            return None
        last = getattr(self, "last_meeting", None)
        if last is None and "last_meeting" not in self.__dict__:
            last = self.meetings.aggregate(last=models.Max("date"))["last"]
        period = datetime.timedelta(days=365 // self.min_meetings_per_year)
        try:
            return (last or since) + period
        except OverflowError:  # a date stored before years were bounded (9999-12-31)
            return None

    def sector_list(self):
        return [line.strip() for line in self.sectors.splitlines() if line.strip()]


class Member(models.Model):
    body = models.ForeignKey(
        Body, verbose_name="instance", on_delete=models.CASCADE, related_name="members"
    )
    order = OrderField("ordre")
    role = models.CharField("fonction", max_length=250)
    organisation = models.ForeignKey(
        "conventions.Organisation",
        verbose_name="organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="body_seats",
    )
    person = models.ForeignKey(
        "conventions.Person",
        verbose_name="personne",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="body_seats",
    )
    consultative = models.BooleanField("voix consultative", default=False)
    history = HistoricalRecords()
    convention_path = "body__convention"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "membre"
        ordering = ["body", "order"]
        constraints = [
            models.UniqueConstraint(fields=["body", "order"], name="unique_member_order")
        ]

    def __str__(self):
        return self.role


class Mission(models.Model):
    body = models.ForeignKey(
        Body, verbose_name="instance", on_delete=models.CASCADE, related_name="missions"
    )
    order = OrderField("ordre")
    text = models.TextField("mission")
    history = HistoricalRecords()
    convention_path = "body__convention"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "mission"
        ordering = ["body", "order"]
        constraints = [
            models.UniqueConstraint(fields=["body", "order"], name="unique_mission_order")
        ]

    def __str__(self):
        return self.text[:80]


class Meeting(models.Model):
    """A meeting of a body: the convention's life, recorded after its signature too."""

    editable_when_locked = True

    body = models.ForeignKey(
        Body, verbose_name="instance", on_delete=models.CASCADE, related_name="meetings"
    )
    date = models.DateField("date", validators=[validate_year])
    place = models.CharField("lieu", max_length=200, blank=True)
    agenda = models.TextField("ordre du jour", blank=True)
    attendees = models.ManyToManyField(
        "conventions.Person", verbose_name="participants", blank=True, related_name="meetings"
    )
    other_attendees = models.TextField("autres participants", blank=True)
    minutes = models.TextField("compte rendu", blank=True)
    history = HistoricalRecords(m2m_fields=[attendees])
    convention_path = "body__convention"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "réunion"
        ordering = ["body", "-date"]

    def __str__(self):
        return f"{self.body} du {self.date:%d/%m/%Y}"
