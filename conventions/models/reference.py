"""Reference data: territories, organisations and the people who act for them."""

from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from conventions.validators import validate_year

siren_validator = RegexValidator(r"^\d{9}$", "Le SIREN compte exactement 9 chiffres.")


class Territory(models.Model):
    class Kind(models.TextChoices):
        COMMUNE = "commune", "Commune"
        EPCI = "epci", "EPCI"
        DEPARTEMENT = "departement", "Département"
        REGION = "region", "Région"

    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    code = models.CharField(
        "code officiel",
        max_length=12,
        unique=True,
        help_text="Code INSEE de la commune ou du département, SIREN de l'EPCI.",
    )
    name = models.CharField("nom", max_length=200)
    short_name = models.CharField("nom court", max_length=50, blank=True)
    department = models.ForeignKey(
        "self",
        verbose_name="département",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Kind.DEPARTEMENT},
    )
    communes = models.ManyToManyField(
        "self",
        verbose_name="communes membres",
        symmetrical=False,
        blank=True,
        related_name="epcis",
        limit_choices_to={"kind": Kind.COMMUNE},
        help_text="Pour un EPCI : ses communes membres.",
    )
    area_ha = models.PositiveIntegerField("superficie (ha)", null=True, blank=True)
    created_on = models.DateField(
        "date de création", null=True, blank=True, validators=[validate_year]
    )
    history = HistoricalRecords(m2m_fields=[communes])

    class Meta:
        verbose_name = "territoire"
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class OrganisationQuerySet(models.QuerySet):
    def nameable_in(self, convention, also=None):
        """The organisations ``convention`` may name (a party, a body's member): its
        parties, those of its département (the département itself, its EPCI, communes,
        associations…) and national ones (no territory), plus ``also`` (a Q condition, to
        keep an item's current choice)."""
        condition = models.Q(parties__convention=convention) | models.Q(territory__isnull=True)
        department = convention.territory.department_id
        if department is not None:
            condition |= models.Q(territory=department) | models.Q(territory__department=department)
        if also is not None:
            condition |= also
        return self.filter(pk__in=self.filter(condition).values("pk"))


class Organisation(models.Model):
    class Kind(models.TextChoices):
        CAF = "caf", "Caf"
        EPCI = "epci", "EPCI"
        COMMUNE = "commune", "Commune"
        DEPARTEMENT = "departement", "Conseil départemental"
        MSA = "msa", "MSA"
        OTHER = "other", "Autre"

    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    name = models.CharField("nom", max_length=200, unique=True)
    short_name = models.CharField("nom court", max_length=80, blank=True)
    generic_name = models.CharField(
        "désignation générique",
        max_length=80,
        blank=True,
        help_text="Par exemple : communauté de communes, commune.",
    )
    siren = models.CharField("SIREN", max_length=9, blank=True, validators=[siren_validator])
    address = models.TextField("adresse", blank=True)
    territory = models.ForeignKey(
        Territory,
        verbose_name="territoire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
    )
    deciding_body = models.CharField(
        "instance délibérante",
        max_length=120,
        blank=True,
        help_text="Par exemple : Conseil communautaire, Conseil d'administration.",
    )
    history = HistoricalRecords()
    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = "organisation"
        ordering = ["name"]

    def __str__(self):
        return self.short_name or self.name


class Person(models.Model):
    class Civility(models.TextChoices):
        MR = "M.", "M."
        MRS = "Mme", "Mme"

    civility = models.CharField("civilité", max_length=5, choices=Civility.choices)
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        on_delete=models.PROTECT,
        related_name="people",
    )
    capacity = models.CharField(
        "qualité",
        max_length=150,
        blank=True,
        help_text="Par exemple : président du conseil d'administration, directeur.",
    )
    email = models.EmailField("courriel", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "personne"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "last_name", "first_name", "capacity"],
                name="unique_person_capacity",
            )
        ]

    def __str__(self):
        return f"{self.civility} {self.first_name} {self.last_name}"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"
