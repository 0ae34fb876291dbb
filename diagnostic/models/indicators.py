"""The indicator catalogue and the observations of each indicator on each territory."""

from django.db import models
from simple_history.models import HistoricalRecords

from conventions.validators import validate_year, validate_year_number


class Indicator(models.Model):
    class Unit(models.TextChoices):
        COUNT = "count", "Nombre"
        PERCENT = "percent", "Pourcentage"
        EUROS = "euros", "Euros"
        HOURS = "hours", "Heures"
        RATIO = "ratio", "Ratio"
        ETP = "etp", "ETP"

    class Source(models.TextChoices):
        INSEE = "insee", "INSEE"
        CAF = "caf", "Caf"
        CAF_MSA = "caf_msa", "Caf et MSA"
        MSA = "msa", "MSA"
        EPCI = "epci", "EPCI"
        OTHER = "other", "Autre"

    class Theme(models.TextChoices):
        POPULATION = "population", "Population"
        HOUSEHOLDS = "menages", "Ménages"
        HOUSING = "logement", "Logement"
        ECONOMY = "economie", "Économie"
        EMPLOYMENT = "emploi", "Emploi"
        BENEFICIARIES = "allocataires", "Allocataires"
        EARLY_CHILDHOOD = "petite_enfance", "Petite enfance"
        CHILDMINDERS = "assistants_maternels", "Assistants maternels"
        INCOMES = "revenus", "Revenus"
        BENEFITS = "prestations", "Prestations"

    code = models.SlugField("code", max_length=60, unique=True, allow_unicode=False)
    label = models.CharField("libellé", max_length=250)
    unit = models.CharField("unité", max_length=10, choices=Unit.choices)
    source = models.CharField("source", max_length=10, choices=Source.choices)
    theme = models.CharField("thème", max_length=30, choices=Theme.choices)
    definition = models.TextField("définition", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "indicateur"
        ordering = ["theme", "label"]

    def __str__(self):
        return self.label

    @property
    def is_rate(self):
        """Evolutions of a rate are differences in points, not relative changes."""
        return self.unit == self.Unit.PERCENT


class Observation(models.Model):
    indicator = models.ForeignKey(
        Indicator,
        verbose_name="indicateur",
        on_delete=models.CASCADE,
        related_name="observations",
        db_index=False,  # the unique constraint (indicator, territory, year) serves
    )
    territory = models.ForeignKey(
        "conventions.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="observations",
    )
    year = models.PositiveSmallIntegerField("année", validators=[validate_year_number])
    date = models.DateField(
        "date de référence",
        null=True,
        blank=True,
        help_text="Par exemple le 31/12 ou le 30/11.",
        validators=[validate_year],
    )
    value = models.DecimalField("valeur", max_digits=16, decimal_places=4, null=True, blank=True)
    note = models.CharField(
        "note", max_length=250, blank=True, help_text="« 224, soit 16 % des aides »"
    )
    # The history is read by observation (its id); an import writes a history row for each
    # observation it changes, so no other index to maintain.
    history = HistoricalRecords(no_db_index=["indicator", "territory"])

    class Meta:
        verbose_name = "observation"
        ordering = ["indicator", "territory", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "territory", "year"], name="unique_observation"
            ),
            models.CheckConstraint(
                condition=models.Q(value__isnull=False) | ~models.Q(note=""),
                name="observation_has_value_or_note",
                violation_error_message="Une observation a une valeur ou une note.",
            ),
        ]

    def __str__(self):
        return f"{self.indicator} — {self.territory} {self.year}"
