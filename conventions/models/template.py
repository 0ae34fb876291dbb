"""A CAF's convention model: articles with placeholders, from which conventions are created."""

import re

from django.db import models, transaction
from django.utils.formats import date_format
from simple_history.models import HistoricalRecords

from conventions.validators import OrderField

PLACEHOLDER = re.compile(r"\{(\w+)\}")

PLACEHOLDERS = {
    "caf": "nom court de la Caf (« Caf du Jura »)",
    "caf_long": "nom complet de la Caf",
    "territory": "nom du territoire partenaire",
    "territory_short": "désignation générique du partenaire (« communauté de communes »)",
    "start_date": "date de début de la convention",
    "end_date": "date de fin de la convention",
    "caf_decision_date": "date de la décision du conseil d'administration de la Caf",
    "territory_deliberation_date": "date de la délibération du territoire",
    "territory_body": "instance délibérante du territoire",
}
PLACEHOLDER_HELP = "Champs à remplacer : " + ", ".join(
    f"{{{key}}} ({label})" for key, label in PLACEHOLDERS.items()
)


def long_date(value):
    if value is None:
        return None
    text = date_format(value, "j F Y")
    return f"1er{text[1:]}" if value.day == 1 else text


def in_sentence(name):
    """« Communauté de communes Jura Nord » as written mid-sentence; acronyms untouched."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


def fill_placeholders(text, values):
    """Replace each known {placeholder}; unknown or missing ones stay visible."""

    def replace(match):
        value = values.get(match.group(1))
        return match.group(0) if value in (None, "") else str(value)

    return PLACEHOLDER.sub(replace, text)


def lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


class ConventionModel(models.Model):
    organisation = models.ForeignKey(
        "conventions.Organisation",
        verbose_name="Caf",
        on_delete=models.PROTECT,
        related_name="convention_models",
        limit_choices_to={"kind": "caf"},
    )
    name = models.CharField("nom du modèle", max_length=200, unique=True)
    title = models.CharField(
        "titre", max_length=250, default="Convention territoriale globale de services aux familles"
    )
    visas = models.TextField(
        "visas", blank=True, help_text="Un visa par ligne. " + PLACEHOLDER_HELP
    )
    preamble = models.TextField("préambule", blank=True, help_text=PLACEHOLDER_HELP)
    closing_text = models.CharField(
        "formule d'engagement", max_length=250, default="Il est convenu et arrêté ce qui suit :"
    )
    annexes = models.TextField(
        "annexes", blank=True, help_text="Un titre d'annexe par ligne. " + PLACEHOLDER_HELP
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "modèle de convention"
        verbose_name_plural = "modèles de convention"

    def __str__(self):
        return self.name

    def placeholder_values(self, *, partner, start_date, end_date, **dates):
        caf = self.organisation
        return {
            "caf": caf.short_name or caf.name,
            "caf_long": caf.name,
            "territory": in_sentence(partner.name),
            "territory_short": partner.generic_name,
            "territory_body": partner.deciding_body.lower(),
            "start_date": long_date(start_date),
            "end_date": long_date(end_date),
            "caf_decision_date": long_date(dates.get("caf_decision_date")),
            "territory_deliberation_date": long_date(dates.get("territory_deliberation_date")),
        }

    @transaction.atomic
    def create_convention(self, *, partner, start_date, end_date, short_title="", **dates):
        """Create a draft convention for ``partner`` (an organisation with a territory)."""
        from .convention import Annex, Article, Convention, Party, Visa

        values = self.placeholder_values(
            partner=partner, start_date=start_date, end_date=end_date, **dates
        )
        convention = Convention.objects.create(
            title=self.title,
            short_title=short_title or f"CTG {partner.short_name or partner.name}",
            territory=partner.territory,
            start_date=start_date,
            end_date=end_date,
            model=self,
            preamble=fill_placeholders(self.preamble, values),
            closing_text=self.closing_text,
        )
        caf = self.organisation
        Party.objects.create(
            convention=convention, organisation=caf, order=1, wording=caf.name, designation="la Caf"
        )
        Party.objects.create(
            convention=convention,
            organisation=partner,
            order=2,
            wording=partner.name,
            designation=partner.name,
        )
        Visa.objects.bulk_create(
            Visa(convention=convention, order=order, text=fill_placeholders(text, values))
            for order, text in enumerate(lines(self.visas), start=1)
        )
        Article.objects.bulk_create(
            Article(
                convention=convention,
                number=article.number,
                title=fill_placeholders(article.title, values),
                body=fill_placeholders(article.body, values),
            )
            for article in self.articles.all()
        )
        Annex.objects.bulk_create(
            Annex(convention=convention, number=number, title=fill_placeholders(title, values))
            for number, title in enumerate(lines(self.annexes), start=1)
        )
        return convention


class ModelArticle(models.Model):
    model = models.ForeignKey(
        ConventionModel, verbose_name="modèle", on_delete=models.CASCADE, related_name="articles"
    )
    number = OrderField("numéro")
    title = models.CharField("titre", max_length=250)
    body = models.TextField("texte", blank=True, help_text=PLACEHOLDER_HELP)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "article du modèle"
        verbose_name_plural = "articles du modèle"
        ordering = ["model", "number"]
        constraints = [
            models.UniqueConstraint(fields=["model", "number"], name="unique_model_article_number")
        ]

    def __str__(self):
        return f"Article {self.number} : {self.title}"
