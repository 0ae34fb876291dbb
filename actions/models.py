"""The action plan (annexe 2): fields of intervention and actions with their follow-up."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from conventions.models.convention import ScopedQuerySet
from conventions.validators import OrderField, validate_year


class FieldQuerySet(ScopedQuerySet):
    """A convention's own fields are part of its text: locked with it (conventions/locking.py);
    the national fields (no convention) are not."""

    def available_to(self, convention):
        """The CAF's national fields plus the convention's own axes."""
        return self.filter(models.Q(convention__isnull=True) | models.Q(convention=convention))


class Field(models.Model):
    code = models.SlugField("code", max_length=50)
    label = models.CharField("libellé", max_length=150)
    order = OrderField("ordre", default=1)
    convention = models.ForeignKey(
        "conventions.Convention",
        verbose_name="convention",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="own_fields",
        help_text="Vide pour un champ de la liste nationale de la Cnaf.",
    )
    history = HistoricalRecords()

    objects = FieldQuerySet.as_manager()

    class Meta:
        verbose_name = "champ d'intervention"
        verbose_name_plural = "champs d'intervention"
        ordering = ["order", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(convention__isnull=True),
                name="unique_national_field_code",
            ),
            models.UniqueConstraint(fields=["convention", "code"], name="unique_own_field_code"),
        ]

    def __str__(self):
        return self.label

    @property
    def is_national(self):
        return self.convention_id is None


class ActionQuerySet(ScopedQuerySet):
    def late(self, today=None):
        return self.filter(Action.late_condition(today=today))


class Action(models.Model):
    # Its progress is followed year after year, the convention signed or not
    # (conventions/locking.py lets these fields change on a locked convention).
    follow_up_fields = ("progress",)

    class Frequency(models.TextChoices):
        YEARLY = "annuelle", "Annuelle"
        TWICE_YEARLY = "bi-annuelle", "Bi-annuelle"
        QUARTERLY = "trimestrielle", "Trimestrielle"
        ONE_OFF = "ponctuelle", "Ponctuelle"

    class EvaluationPeriodicity(models.TextChoices):
        YEARLY = "annuelle", "Annuelle"
        MID_TERM = "mi-parcours", "À mi-parcours"
        END = "fin de CTG", "Fin de CTG"

    class Progress(models.TextChoices):
        PLANNED = "planned", "À venir"
        IN_PROGRESS = "in_progress", "En cours"
        DONE = "done", "Réalisée"
        ABANDONED = "abandoned", "Abandonnée"

    FINISHED = (Progress.DONE, Progress.ABANDONED)

    convention = models.ForeignKey(
        "conventions.Convention",
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="actions",
    )
    field = models.ForeignKey(
        Field, verbose_name="champ", on_delete=models.RESTRICT, related_name="actions"
    )
    order = OrderField("ordre dans le champ")
    name = models.CharField("nom de l'action", max_length=200)
    content = models.TextField("contenu de l'action", blank=True)
    objectives = models.TextField("objectifs poursuivis", blank=True)
    offer = models.TextField("nature et niveau de l'offre de service", blank=True)
    human_means = models.TextField("moyens humains mobilisés", blank=True)
    lead = models.CharField("responsable de la conduite de l'action", max_length=250, blank=True)
    deadline_date = models.DateField(
        "échéance (date)", null=True, blank=True, validators=[validate_year]
    )
    deadline_text = models.CharField(
        "échéance (en toutes lettres)",
        max_length=250,
        blank=True,
        help_text="« rentrée 2020/2021 », « fin 2020 », « annuelle »…",
    )
    followup_frequency = models.CharField(
        "fréquence de suivi", max_length=20, choices=Frequency.choices, blank=True
    )
    followup_modalities = models.TextField("modalités de suivi", blank=True)
    evaluation_periodicity = models.CharField(
        "périodicité de l'évaluation",
        max_length=20,
        choices=EvaluationPeriodicity.choices,
        blank=True,
    )
    progress = models.CharField(
        "avancement", max_length=20, choices=Progress.choices, default=Progress.PLANNED
    )
    history = HistoricalRecords()
    objects = ActionQuerySet.as_manager()

    class Meta:
        verbose_name = "action"
        ordering = ["convention", "field__order", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "field", "order"], name="unique_action_order_in_field"
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        field = getattr(self, "field", None)
        if field and field.convention_id not in (None, self.convention_id):
            raise ValidationError({"field": "Ce champ appartient à une autre convention."})

    @classmethod
    def late_condition(cls, *, prefix="", today=None):
        """Past its dated deadline and neither done nor abandoned."""
        today = today or datetime.date.today()
        return models.Q(**{f"{prefix}deadline_date__lt": today}) & ~models.Q(
            **{f"{prefix}progress__in": cls.FINISHED}
        )

    @property
    def is_late(self):
        return (
            self.deadline_date is not None
            and self.deadline_date < datetime.date.today()
            and self.progress not in self.FINISHED
        )

    @property
    def deadline_display(self):
        if self.deadline_text:
            return self.deadline_text
        return f"{self.deadline_date:%d/%m/%Y}" if self.deadline_date else ""


class FollowUpIndicator(models.Model):
    action = models.ForeignKey(
        Action,
        verbose_name="action",
        on_delete=models.CASCADE,
        related_name="followup_indicators",
    )
    order = OrderField("ordre")
    label = models.CharField("indicateur de suivi", max_length=300)
    history = HistoricalRecords()
    convention_path = "action__convention"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "indicateur de suivi"
        verbose_name_plural = "indicateurs de suivi"
        ordering = ["action", "order"]
        constraints = [
            models.UniqueConstraint(fields=["action", "order"], name="unique_followup_order")
        ]

    def __str__(self):
        return self.label


class EvaluationCriterion(models.Model):
    action = models.ForeignKey(
        Action,
        verbose_name="action",
        on_delete=models.CASCADE,
        related_name="evaluation_criteria",
    )
    order = OrderField("ordre")
    label = models.CharField("critère d'évaluation", max_length=300)
    history = HistoricalRecords()
    convention_path = "action__convention"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "critère d'évaluation"
        verbose_name_plural = "critères d'évaluation"
        ordering = ["action", "order"]
        constraints = [
            models.UniqueConstraint(fields=["action", "order"], name="unique_criterion_order")
        ]

    def __str__(self):
        return self.label


def actions_prefetch():
    """The convention's actions in the order of the plan, with everything a row shows."""
    queryset = Action.objects.select_related("field").prefetch_related(
        "followup_indicators", "evaluation_criteria", "problematiques"
    )
    return models.Prefetch(
        "actions", queryset=queryset.order_by("field__order", "field__label", "field_id", "order")
    )


def by_field(actions):
    """The fields that hold actions, in order, each with its actions: [(field, [action])]."""
    groups = {}
    for action in actions:
        groups.setdefault(action.field, []).append(action)
    return list(groups.items())
