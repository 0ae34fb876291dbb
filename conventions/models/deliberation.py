"""Deliberations of the parties' deciding bodies, with attendance and proxies."""

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from conventions.validators import OrderField, validate_year

from .convention import ScopedQuerySet
from .signing import signatures_storage


def deliberation_scan_path(deliberation, filename):
    return (
        f"deliberations/{deliberation.convention_id}/"
        f"deliberation-{deliberation.pk or 'nouvelle'}-{deliberation.scan_sha256[:12]}.pdf"
    )


COUNT_FIELDS = (
    "members_in_office",
    "present",
    "substitutes_voting",
    "excused",
    "absent_unexcused",
    "substitutes_non_voting",
    "proxies",
)


def count_field(label, help_text=""):
    return models.PositiveSmallIntegerField(label, null=True, blank=True, help_text=help_text)


class Deliberation(models.Model):
    class Kind(models.TextChoices):
        DELIBERATION = "deliberation", "Délibération"
        DECISION = "decision", "Décision"

    convention = models.ForeignKey(
        "conventions.Convention",
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="deliberations",
    )
    party = models.ForeignKey(
        "conventions.Party",
        verbose_name="partie",
        on_delete=models.CASCADE,
        related_name="deliberations",
    )
    annex = models.ForeignKey(
        "conventions.Annex",
        verbose_name="annexe",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliberations",
    )
    amendment = models.ForeignKey(
        "conventions.Amendment",
        verbose_name="avenant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliberations",
        help_text="Vide pour une délibération sur la convention elle-même.",
    )
    kind = models.CharField(
        "nature", max_length=20, choices=Kind.choices, default=Kind.DELIBERATION
    )
    number = models.CharField("numéro", max_length=60, blank=True)
    body = models.CharField("instance", max_length=150, help_text="« Conseil communautaire »")
    session_date = models.DateField("date de séance", validators=[validate_year])
    opened_at = models.TimeField("ouverture de la séance", null=True, blank=True)
    convocation_date = models.DateField(
        "convocation faite le", null=True, blank=True, validators=[validate_year]
    )
    convocation_posted_date = models.DateField(
        "convocation affichée le", null=True, blank=True, validators=[validate_year]
    )
    place = models.CharField("lieu", max_length=200, blank=True)
    chair = models.CharField("présidence", max_length=150, blank=True)
    secretary = models.CharField("secrétaire de séance", max_length=150, blank=True)
    legal_basis = models.CharField("base légale", max_length=250, blank=True)
    object = models.TextField("objet", blank=True)
    statement = models.TextField("exposé", blank=True)
    decision_intro = models.CharField("formule de décision", max_length=250, blank=True)
    decisions = models.TextField("décisions", blank=True, help_text="Une décision par ligne.")

    members_in_office = count_field("membres en exercice")
    present = count_field("présents")
    substitutes_voting = count_field(
        "absents suppléés", "Absents remplacés par un suppléant qui vote."
    )
    excused = count_field("absents excusés")
    absent_unexcused = count_field("absents non excusés")
    substitutes_non_voting = count_field(
        "suppléants présents sans voix", "Suppléants présents alors que leur titulaire siège."
    )
    proxies = count_field("procurations")
    votes_for = count_field("pour")
    votes_against = count_field("contre")
    abstentions = count_field("abstentions")

    sent_to_prefecture = models.DateField(
        "envoyé en préfecture le", null=True, blank=True, validators=[validate_year]
    )
    received_by_prefecture = models.DateField(
        "reçu en préfecture le", null=True, blank=True, validators=[validate_year]
    )
    posted_on = models.DateField("affiché le", null=True, blank=True, validators=[validate_year])
    act_id = models.CharField("identifiant de l'acte", max_length=120, blank=True)
    scan = models.FileField(
        "délibération scannée (PDF)",
        storage=signatures_storage,
        upload_to=deliberation_scan_path,
        blank=True,
        help_text="Si elle est jointe, ses pages sont imprimées en annexe à la place du texte.",
    )
    scan_sha256 = models.CharField("empreinte SHA-256 du scan", max_length=64, blank=True)
    scan_pages = models.PositiveSmallIntegerField("pages du scan", null=True, blank=True)
    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "délibération"
        ordering = ["convention", "session_date"]

    def __str__(self):
        label = f"{self.get_kind_display()} {self.number}".strip()
        return f"{label} — {self.body} du {self.session_date:%d/%m/%Y}"

    @property
    def absent(self):
        parts = (self.substitutes_voting, self.excused, self.absent_unexcused)
        if all(part is None for part in parts):
            return None
        return sum(part or 0 for part in parts)

    @property
    def voters(self):
        if self.present is None:
            return None
        return self.present + (self.substitutes_voting or 0) + (self.proxies or 0)

    @property
    def votes_cast(self):
        votes = (self.votes_for, self.votes_against, self.abstentions)
        if all(vote is None for vote in votes):
            return None
        return sum(vote or 0 for vote in votes)

    @property
    def quorum(self):
        """Members present needed: more than half of the members in office."""
        if self.members_in_office is None:
            return None
        return self.members_in_office // 2 + 1

    @property
    def quorum_reached(self):
        if self.quorum is None or self.present is None:
            return None
        return self.present >= self.quorum

    @property
    def is_unanimous(self):
        return bool(self.votes_for) and not self.votes_against and not self.abstentions

    def decision_list(self):
        return [line.strip() for line in self.decisions.splitlines() if line.strip()]

    def clean(self):
        errors = {}
        absent = self.absent
        in_office, present = self.members_in_office, self.present
        if None not in (in_office, present) and present + (absent or 0) != in_office:
            errors["members_in_office"] = (
                f"Présents ({present}) + absents ({absent or 0}) doivent égaler "
                f"les membres en exercice ({in_office})."
            )
        if self.proxies:
            givers = (self.excused or 0) + (self.absent_unexcused or 0)
            if self.proxies > givers:
                errors["proxies"] = (
                    f"{self.proxies} procurations pour seulement {givers} absents non suppléés."
                )
            elif self.present is not None and self.proxies > self.present:
                errors["proxies"] = "Chaque présent ne peut détenir qu'une procuration."
        cast, voters = self.votes_cast, self.voters
        if cast is not None and voters is not None and cast > voters:
            errors["votes_for"] = (
                f"Pour + contre + abstentions ({cast}) dépassent les votants possibles ({voters})."
            )
        if errors:
            raise ValidationError(errors)

    def attendance_discrepancies(self):
        """Differences between the recorded counts and the attendance list, in French."""
        entries = list(self.attendance.all())
        if not entries:
            return []
        counted = {
            "present": Attendance.Status.PRESENT,
            "substitutes_voting": Attendance.Status.SUBSTITUTE,
            "excused": Attendance.Status.EXCUSED,
            "absent_unexcused": Attendance.Status.ABSENT,
            "substitutes_non_voting": Attendance.Status.SUBSTITUTE_NON_VOTING,
        }
        problems = []
        for field, status in counted.items():
            expected = getattr(self, field) or 0
            listed = sum(1 for entry in entries if entry.status == status)
            if listed != expected:
                label = self._meta.get_field(field).verbose_name
                problems.append(f"{label} : {expected} annoncés, {listed} dans la liste.")
        listed_proxies = sum(1 for entry in entries if entry.proxy_holder_id)
        if listed_proxies != (self.proxies or 0):
            problems.append(
                f"procurations : {self.proxies or 0} annoncées, {listed_proxies} dans la liste."
            )
        return problems


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", "Présent"
        SUBSTITUTE = "substitute", "Suppléant votant"
        EXCUSED = "excused", "Absent excusé"
        ABSENT = "absent", "Absent non excusé"
        SUBSTITUTE_NON_VOTING = "substitute_non_voting", "Suppléant sans voix"

    deliberation = models.ForeignKey(
        Deliberation,
        verbose_name="délibération",
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    order = OrderField("ordre")
    name = models.CharField("nom", max_length=150)
    commune = models.ForeignKey(
        "conventions.Territory",
        verbose_name="commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "commune"},
    )
    status = models.CharField("présence", max_length=30, choices=Status.choices)
    proxy_holder = models.ForeignKey(
        "self",
        verbose_name="procuration donnée à",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proxies_held",
    )
    history = HistoricalRecords()
    convention_path = "deliberation__convention"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "présence"
        verbose_name_plural = "feuille de présence"
        ordering = ["deliberation", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["deliberation", "order"], name="unique_attendance_order"
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        holder = self.proxy_holder
        if holder is None:
            return
        if self.status not in (self.Status.EXCUSED, self.Status.ABSENT):
            raise ValidationError(
                {"proxy_holder": "Seul un membre absent non suppléé peut donner procuration."}
            )
        if holder.deliberation_id != self.deliberation_id or holder.status != self.Status.PRESENT:
            raise ValidationError(
                {"proxy_holder": "Le mandataire doit être un membre présent à la même séance."}
            )
