"""A convention's diagnostic as a document: sections, indicator tables, glossary, problématiques."""

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from conventions.models.convention import ScopedQuerySet
from conventions.validators import OrderField, validate_year_number


class Section(models.Model):
    class Block(models.TextChoices):
        NONE = "", "Texte et tableaux seulement"
        STRUCTURES = "structures", "Offre de service (structures)"
        SPENDING = "spending", "Participation financière de l'EPCI"
        FUNDING = "funding", "Financements Caf des structures"
        GLOSSARY = "glossary", "Glossaire"
        PROBLEMATIQUES = "problematiques", "Problématiques"

    convention = models.ForeignKey(
        "conventions.Convention",
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="diagnostic_sections",
    )
    key = models.SlugField("identifiant", max_length=60)
    order = OrderField("ordre")
    title = models.CharField("titre", max_length=250)
    level = models.PositiveSmallIntegerField(
        "niveau de titre", choices=[(1, "Partie"), (2, "Sous-partie")], default=2
    )
    source = models.CharField("source", max_length=200, blank=True)
    body = models.TextField("texte avant les tableaux", blank=True)
    commentary = models.TextField("commentaire après les tableaux", blank=True)
    block = models.CharField(
        "bloc affiché", max_length=20, choices=Block.choices, blank=True, default=Block.NONE
    )
    lost_figures = models.TextField(
        "illustrations perdues",
        blank=True,
        help_text="Légendes des cartes et graphiques du document d'origine, une par ligne.",
    )
    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "section du diagnostic"
        verbose_name_plural = "sections du diagnostic"
        ordering = ["convention", "order"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "order"], name="unique_section_order"),
            models.UniqueConstraint(fields=["convention", "key"], name="unique_section_key"),
        ]

    def __str__(self):
        return self.title


class IndicatorTable(models.Model):
    section = models.ForeignKey(
        Section, verbose_name="section", on_delete=models.CASCADE, related_name="tables"
    )
    key = models.SlugField("identifiant", max_length=60)
    order = OrderField("ordre")
    title = models.CharField("titre", max_length=250)
    trend_threshold = models.DecimalField(
        "seuil de tendance",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Évolution en % sous laquelle la tendance est stable (▬).",
    )
    trend_threshold_points = models.DecimalField(
        "seuil de tendance des taux (points)",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Pour les indicateurs en pourcentage : évolution en points sous laquelle "
        "la tendance est stable.",
    )
    decimals = models.PositiveSmallIntegerField("décimales des pourcentages", default=1)
    commentary = models.TextField("commentaire sous le tableau", blank=True)
    history = HistoricalRecords()
    convention_path = "section__convention"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "tableau d'indicateurs"
        verbose_name_plural = "tableaux d'indicateurs"
        ordering = ["section__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["section", "order"], name="unique_table_order"),
            models.UniqueConstraint(fields=["section", "key"], name="unique_table_key"),
        ]

    def __str__(self):
        return self.title


class TableColumn(models.Model):
    class Kind(models.TextChoices):
        VALUE = "value", "Valeur"
        SHARE = "share", "Part du total"
        EVOLUTION = "evolution", "Évolution"
        YEARLY_AVERAGE = "yearly_average", "Évolution annuelle moyenne"
        TREND = "trend", "Tendance"

    table = models.ForeignKey(
        IndicatorTable, verbose_name="tableau", on_delete=models.CASCADE, related_name="columns"
    )
    order = OrderField("ordre")
    kind = models.CharField("calcul", max_length=20, choices=Kind.choices, default=Kind.VALUE)
    territory = models.ForeignKey(
        "conventions.Territory",
        verbose_name="territoire",
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(
        "année", null=True, blank=True, validators=[validate_year_number]
    )
    from_year = models.PositiveSmallIntegerField(
        "de l'année", null=True, blank=True, validators=[validate_year_number]
    )
    to_year = models.PositiveSmallIntegerField(
        "à l'année", null=True, blank=True, validators=[validate_year_number]
    )
    label = models.CharField("en-tête", max_length=120, blank=True)
    history = HistoricalRecords()
    convention_path = "table__section__convention"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "colonne"
        ordering = ["table", "order"]
        constraints = [
            models.UniqueConstraint(fields=["table", "order"], name="unique_column_order")
        ]

    def __str__(self):
        return self.label or f"{self.territory} {self.year or f'{self.from_year}-{self.to_year}'}"

    def clean(self):
        if self.kind in (self.Kind.VALUE, self.Kind.SHARE):
            if self.year is None:
                raise ValidationError({"year": "Indiquez l'année de cette colonne."})
        elif self.from_year is None or self.to_year is None:
            raise ValidationError({"from_year": "Indiquez les années de début et de fin."})
        elif self.from_year == self.to_year:
            raise ValidationError({"to_year": "Les deux années doivent différer."})


class TableRow(models.Model):
    class Style(models.TextChoices):
        NORMAL = "", "Normal"
        ITALIC = "italic", "Italique (« dont »)"
        BOLD = "bold", "Gras"

    class Display(models.TextChoices):
        VALUE = "value", "Valeur"
        SHARE = "share", "Part seulement"
        VALUE_AND_SHARE = "value_and_share", "Valeur et part"

    table = models.ForeignKey(
        IndicatorTable, verbose_name="tableau", on_delete=models.CASCADE, related_name="rows"
    )
    order = OrderField("ordre")
    indicator = models.ForeignKey(
        "diagnostic.Indicator",
        verbose_name="indicateur",
        on_delete=models.PROTECT,
        related_name="+",
    )
    label = models.CharField("libellé affiché", max_length=250, blank=True)
    style = models.CharField("style", max_length=10, choices=Style.choices, blank=True)
    share_of = models.ForeignKey(
        "diagnostic.Indicator",
        verbose_name="part de",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Indicateur total servant de dénominateur aux parts.",
    )
    display = models.CharField(
        "affichage", max_length=20, choices=Display.choices, default=Display.VALUE
    )
    history = HistoricalRecords()
    convention_path = "table__section__convention"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "ligne"
        ordering = ["table", "order"]
        constraints = [models.UniqueConstraint(fields=["table", "order"], name="unique_row_order")]

    def __str__(self):
        return self.label or str(self.indicator)


class SourceFigure(models.Model):
    """A computed cell as printed in the source document, kept to check the computation."""

    row = models.ForeignKey(
        TableRow, verbose_name="ligne", on_delete=models.CASCADE, related_name="source_figures"
    )
    column = models.ForeignKey(
        TableColumn,
        verbose_name="colonne",
        on_delete=models.CASCADE,
        related_name="source_figures",
    )
    text = models.CharField("valeur imprimée", max_length=60)
    history = HistoricalRecords()
    convention_path = "row__table__section__convention"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "chiffre imprimé dans la source"
        verbose_name_plural = "chiffres imprimés dans la source"
        ordering = ["row", "column__order"]
        constraints = [
            models.UniqueConstraint(fields=["row", "column"], name="unique_source_figure")
        ]

    def __str__(self):
        return self.text


class GlossaryEntry(models.Model):
    convention = models.ForeignKey(
        "conventions.Convention",
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="glossary",
    )
    order = OrderField("ordre")
    acronym = models.CharField("sigle", max_length=30)
    definition = models.CharField("signification", max_length=250)
    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du glossaire"
        verbose_name_plural = "glossaire"
        ordering = ["convention", "order"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "acronym"], name="unique_acronym"),
            models.UniqueConstraint(fields=["convention", "order"], name="unique_glossary_order"),
        ]

    def __str__(self):
        return self.acronym


class Problematique(models.Model):
    convention = models.ForeignKey(
        "conventions.Convention",
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="problematiques",
    )
    order = OrderField("ordre")
    field = models.ForeignKey(
        "actions.Field",
        verbose_name="champ",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="problematiques",
    )
    title = models.CharField("intitulé", max_length=200)
    text = models.TextField("constat")
    retained = models.BooleanField("retenue dans le plan d'action", default=True)
    actions = models.ManyToManyField(
        "actions.Action",
        verbose_name="actions qui y répondent",
        blank=True,
        related_name="problematiques",
    )
    history = HistoricalRecords(m2m_fields=[actions])
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "problématique"
        ordering = ["convention", "order"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "order"], name="unique_problem_order")
        ]

    def __str__(self):
        return self.title
