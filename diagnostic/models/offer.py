"""The offer of services on the territory and who finances it."""

from django.db import models
from simple_history.models import HistoricalRecords

from conventions.models.convention import ScopedQuerySet
from conventions.validators import OrderField, validate_year_number


class Structure(models.Model):
    class Kind(models.TextChoices):
        EAJE = "eaje", "EAJE (multi-accueil, crèche)"
        MICRO_CRECHE = "micro_creche", "Micro-crèche"
        RAM = "ram", "RAM"
        ALSH_PERI = "alsh_peri", "ALSH périscolaire"
        ALSH_EXTRA = "alsh_extra", "ALSH extrascolaire"
        ALSH_PERI_EXTRA = "alsh_peri_extra", "ALSH péri et extrascolaire"
        LAEP = "laep", "LAEP"
        MAM = "mam", "MAM"
        MSAP = "msap", "MSAP / France services"
        MEDIATHEQUE = "mediatheque", "Médiathèque"
        YOUTH = "secteur_jeunes", "Secteur jeunes"
        PARENTING = "lieu_parentalite", "Lieu de soutien à la parentalité"
        COORDINATION = "coordination", "Coordination"
        OTHER = "other", "Autre"

    class Status(models.TextChoices):
        EXISTING = "existing", "Existante"
        PLANNED = "planned", "En projet"
        CLOSED = "closed", "Fermée"

    class CapacityUnit(models.TextChoices):
        PLACES = "places", "places"
        ETP = "etp", "ETP"

    convention = models.ForeignKey(
        "conventions.Convention",
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="structures",
    )
    key = models.SlugField("identifiant", max_length=80)
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    field = models.ForeignKey(
        "actions.Field",
        verbose_name="champ",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="structures",
    )
    commune = models.ForeignKey(
        "conventions.Territory",
        verbose_name="commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="structures",
        limit_choices_to={"kind": "commune"},
    )
    manager = models.CharField("gestionnaire", max_length=200, blank=True)
    capacity = models.DecimalField(
        "capacité", max_digits=8, decimal_places=2, null=True, blank=True
    )
    capacity_unit = models.CharField(
        "unité de capacité", max_length=10, choices=CapacityUnit.choices, blank=True
    )
    opening_hours = models.CharField("horaires d'ouverture", max_length=200, blank=True)
    status = models.CharField(
        "état", max_length=10, choices=Status.choices, default=Status.EXISTING
    )
    opened_year = models.PositiveSmallIntegerField(
        "année d'ouverture", null=True, blank=True, validators=[validate_year_number]
    )
    in_territory = models.BooleanField("sur le territoire", default=True)
    description = models.TextField("description", blank=True)
    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "structure"
        ordering = ["convention", "field__order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "key"], name="unique_structure_key")
        ]

    def __str__(self):
        return self.name


class SpendingLine(models.Model):
    """What the EPCI spends on an equipment in a year."""

    convention = models.ForeignKey(
        "conventions.Convention",
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="spending_lines",
    )
    order = OrderField("ordre")
    field = models.ForeignKey(
        "actions.Field", verbose_name="champ", on_delete=models.RESTRICT, related_name="+"
    )
    structure = models.ForeignKey(
        Structure,
        verbose_name="structure",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="spending_lines",
        help_text="Vide quand la ligne couvre plusieurs structures.",
    )
    label = models.CharField("équipement", max_length=200)
    financing = models.CharField("type de financement", max_length=250)
    year = models.PositiveSmallIntegerField("année", validators=[validate_year_number])
    amount = models.DecimalField("coût estimé (€)", max_digits=12, decimal_places=2)
    detail = models.CharField("précision", max_length=250, blank=True)
    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "participation financière de l'EPCI"
        verbose_name_plural = "participations financières de l'EPCI"
        ordering = ["convention", "order"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "order"], name="unique_spending_order")
        ]

    def __str__(self):
        return f"{self.label} ({self.year})"


class FundingScheme(models.Model):
    code = models.SlugField("code", max_length=30, unique=True)
    label = models.CharField("libellé", max_length=200)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "dispositif de financement"
        verbose_name_plural = "dispositifs de financement"
        ordering = ["code"]

    def __str__(self):
        return self.code.replace("_", "-").upper()


class StructureFunding(models.Model):
    """The CAF's operating funding of one structure in one year, with its budget and activity."""

    class ActivityUnit(models.TextChoices):
        HOURS = "hours", "heures"
        ETP = "etp", "ETP"

    convention = models.ForeignKey(
        "conventions.Convention",
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="structure_fundings",
    )
    order = OrderField("ordre")
    structure = models.ForeignKey(
        Structure, verbose_name="structure", on_delete=models.RESTRICT, related_name="fundings"
    )
    label = models.CharField("équipement (tel qu'imprimé)", max_length=200)
    year = models.PositiveSmallIntegerField("année", validators=[validate_year_number])
    budget = models.DecimalField(
        "budget global (€)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    activity = models.CharField("activité", max_length=250, blank=True)
    activity_quantity = models.DecimalField(
        "activité (quantité)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    activity_unit = models.CharField(
        "activité (unité)", max_length=10, choices=ActivityUnit.choices, blank=True
    )
    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "financement Caf d'une structure"
        verbose_name_plural = "financements Caf des structures"
        ordering = ["convention", "order"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "order"], name="unique_funding_order")
        ]

    def __str__(self):
        return f"{self.label} ({self.year})"


class FundingAmount(models.Model):
    funding = models.ForeignKey(
        StructureFunding,
        verbose_name="financement",
        on_delete=models.CASCADE,
        related_name="amounts",
    )
    scheme = models.ForeignKey(
        FundingScheme,
        verbose_name="dispositif",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amounts",
        help_text="Vide quand la source ne précise pas le dispositif.",
    )
    amount = models.DecimalField("montant (€)", max_digits=12, decimal_places=2)
    printed_rate = models.CharField(
        "taux imprimé dans la source", max_length=20, blank=True, help_text="Pour contrôle."
    )
    history = HistoricalRecords()
    convention_path = "funding__convention"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "montant par dispositif"
        verbose_name_plural = "montants par dispositif"
        ordering = ["funding", "scheme__code"]
        constraints = [
            models.UniqueConstraint(fields=["funding", "scheme"], name="unique_funding_scheme")
        ]

    def __str__(self):
        return f"{self.scheme or 'Caf'} : {self.amount} €"

    @property
    def rate(self):
        """Share of the structure's budget funded by this amount (RAM: 22 865 / 83 473)."""
        budget = self.funding.budget
        return self.amount / budget if budget else None
