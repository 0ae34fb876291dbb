"""The convention itself: parties, signatories, visas, articles, annexes, amendments."""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from conventions.validators import OrderField, validate_year


class ConventionQuerySet(models.QuerySet):
    def for_user(self, user):
        """The conventions of which one of the user's organisations is a party."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            pk__in=Party.objects.filter(organisation__memberships__user=user).values("convention")
        )

    def with_rights(self, user):
        """Annotate ``user_can_edit``: the user is an editor for one of the parties."""
        from .membership import Membership

        editor = Membership.objects.filter(
            user=user.pk,
            role=Membership.Role.EDITOR,
            organisation__parties__convention=models.OuterRef("pk"),
        )
        owner = editor.filter(organisation__kind="caf")
        return self.annotate(
            user_can_edit=models.Exists(editor), user_is_owner=models.Exists(owner)
        )

    def in_force(self):
        return self.filter(status=Convention.Status.IN_FORCE)

    def with_paper_signature(self):
        """Annotate ``signed_on_paper``: a copy signed by hand is its reference copy."""
        copies = apps.get_model("conventions", "ReferenceCopy").objects
        paper = copies.filter(convention=models.OuterRef("pk"))
        return self.annotate(signed_on_paper=models.Exists(paper))

    def of_organisation(self, organisation):
        return self.filter(parties__organisation=organisation).distinct()


class ScopedQuerySet(models.QuerySet):
    """Objects reached through a convention: ``Model.convention_path`` leads to it.

    Bulk writes are checked against locked conventions like single saves (see
    conventions/locking.py)."""

    def for_user(self, user):
        path = getattr(self.model, "convention_path", "convention")
        return self.filter(**{f"{path}__in": Convention.objects.for_user(user)})

    def _refuse_if_locked(self, objs=None):
        from conventions import locking

        # Models writable on a locked convention may still guard their bulk writes.
        check = getattr(self.model, "check_bulk_write", None)
        if check is not None:
            check(self if objs is None else objs)
        if not locking.is_guarded(self.model):
            return
        if objs is None:
            locking.refuse_locked_rows(self)
        else:
            for obj in objs:
                locking.refuse_if_locked(locking.convention_of(obj))

    def update(self, **kwargs):
        self._refuse_if_locked()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_if_locked()
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        self._refuse_if_locked(objs)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, *args, **kwargs):
        objs = list(objs)
        self._refuse_if_locked(objs)
        return super().bulk_update(objs, *args, **kwargs)


class Convention(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Brouillon"
        VALIDATED = "validated", "Validée par le COPIL"
        VOTED = "voted", "Votée"
        READY = "ready", "Prête pour signature"
        SIGNED = "signed", "Signée"
        IN_FORCE = "in_force", "En vigueur"
        EXPIRED = "expired", "Échue"
        TERMINATED = "terminated", "Résiliée"

    LOCKED_STATUSES = frozenset(
        {Status.READY, Status.SIGNED, Status.IN_FORCE, Status.EXPIRED, Status.TERMINATED}
    )
    # Where an avenant may be opened, written and signed.
    AMENDABLE_STATUSES = frozenset({Status.SIGNED, Status.IN_FORCE})
    # What may still change once the convention is locked: its life, not its content.
    WORKFLOW_FIELDS = frozenset(
        {"status", "copil_validated_on", "notice_given_on", "terminated_on", "updated_at"}
    )

    title = models.CharField(
        "titre", max_length=250, default="Convention territoriale globale de services aux familles"
    )
    short_title = models.CharField(
        "titre court", max_length=120, unique=True, help_text="Imprimé en tête de chaque page."
    )
    territory = models.ForeignKey(
        "conventions.Territory",
        verbose_name="territoire",
        on_delete=models.PROTECT,
        related_name="conventions",
    )
    start_date = models.DateField(
        "début", help_text="Peut précéder la signature.", validators=[validate_year]
    )
    end_date = models.DateField("fin", validators=[validate_year])
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.DRAFT)
    model = models.ForeignKey(
        "conventions.ConventionModel",
        verbose_name="modèle d'origine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conventions",
    )
    preamble = models.TextField("préambule (article préliminaire)", blank=True)
    preamble_source_page = models.PositiveSmallIntegerField(
        "page du préambule dans le document d'origine", null=True, blank=True
    )
    closing_text = models.CharField(
        "formule d'engagement", max_length=250, default="Il est convenu et arrêté ce qui suit :"
    )
    signature_place = models.CharField("fait à", max_length=120, blank=True)
    signature_date = models.DateField("le", null=True, blank=True, validators=[validate_year])
    copies = models.PositiveSmallIntegerField("nombre d'exemplaires", null=True, blank=True)
    initialled_pages = models.PositiveSmallIntegerField(
        "nombre de pages paraphées", null=True, blank=True
    )
    copil_validated_on = models.DateField(
        "validée par le COPIL le", null=True, blank=True, validators=[validate_year]
    )
    notice_given_on = models.DateField(
        "préavis de résiliation donné le", null=True, blank=True, validators=[validate_year]
    )
    terminated_on = models.DateField(
        "résiliée à compter du", null=True, blank=True, validators=[validate_year]
    )
    is_demo = models.BooleanField(
        "données de démonstration inventées",
        default=False,
        help_text="Cochée pour une convention fictive, créée pour la démonstration.",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    history = HistoricalRecords()

    objects = ConventionQuerySet.as_manager()

    class Meta:
        verbose_name = "convention"
        ordering = ["-start_date", "short_title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")),
                name="convention_ends_after_start",
                violation_error_message="La fin doit être postérieure au début.",
            )
        ]

    def __str__(self):
        return self.short_title

    def clean(self):
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": "La fin doit être postérieure au début."})

    @cached_property
    def open_amendment(self):
        """The avenant being written (status draft), through which a signed convention's
        content may change; None otherwise."""
        if self.pk is None or self.status not in self.AMENDABLE_STATUSES:
            return None
        return self.amendments.filter(status="draft").first()

    @property
    def signed_amendments(self):
        """The avenants signed so far: the current text includes them."""
        return self.amendments.filter(status="signed").order_by("number")

    @property
    def frozen_document(self):
        """The convention's own frozen PDF (not an avenant's), or None."""
        return self.frozen_documents.filter(amendment=None).first()

    @property
    def is_locked(self):
        """A convention ready for signature or beyond changes only through an amendment:
        while one is being written (draft), its content is open to its editors."""
        return self.status in self.LOCKED_STATUSES and self.open_amendment is None

    def next_required_meeting(self):
        """The earliest date by which a governance body must meet (bodies prefetched)."""
        if self.status in (self.Status.EXPIRED, self.Status.TERMINATED):
            return None
        dates = [body.next_required_meeting(self.start_date) for body in self.bodies.all()]
        return min(filter(None, dates), default=None)

    def is_owned_by(self, user):
        """The convention's owner is its Caf: an editor of its Caf party adds, removes and
        re-points parties, and writes every party's signatories and deliberations."""
        owned = getattr(self, "user_is_owner", None)
        if owned is None:
            owned = self.parties.filter(
                organisation__kind="caf",
                organisation__memberships__user=user.pk,
                organisation__memberships__role="editor",
            ).exists()
        return owned

    def parties_writable_by(self, user):
        """The parties whose signatories and deliberations ``user`` writes: every one for
        the owner, else those of the organisations the user edits for."""
        parties = self.parties.select_related("organisation")
        if self.is_owned_by(user):
            return parties
        return parties.filter(
            organisation__memberships__user=user.pk, organisation__memberships__role="editor"
        ).distinct()

    @property
    def status_label(self):
        """The status as shown: « Signée (papier) » once signed by hand
        (``with_paper_signature``)."""
        if self.status == self.Status.SIGNED and getattr(self, "signed_on_paper", False):
            return "Signée (papier)"
        return self.get_status_display()

    @property
    def is_editable_by_user(self):
        """Set on conventions loaded through ``with_rights(user)``."""
        return getattr(self, "user_can_edit", False) and not self.is_locked

    @property
    def parties_editable_by_user(self):
        """The parties' controls show to the owner only (``with_rights(user)``)."""
        return self.is_editable_by_user and getattr(self, "user_is_owner", False)


class Party(models.Model):
    class Gender(models.TextChoices):
        FEMININE = "f", "ci-après dénommée"
        MASCULINE = "m", "ci-après dénommé"

    convention = models.ForeignKey(
        Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="parties"
    )
    organisation = models.ForeignKey(
        "conventions.Organisation",
        verbose_name="organisation",
        on_delete=models.PROTECT,
        related_name="parties",
    )
    order = OrderField("ordre")
    wording = models.TextField(
        "désignation complète",
        help_text="« la Caisse d'Allocations familiales du Jura représentée par … »",
    )
    designation = models.CharField("ci-après dénommé(e)", max_length=150)
    designation_gender = models.CharField(
        "accord", max_length=1, choices=Gender.choices, default=Gender.FEMININE
    )
    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "partie"
        ordering = ["convention", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "organisation"], name="unique_party_organisation"
            ),
            models.UniqueConstraint(fields=["convention", "order"], name="unique_party_order"),
        ]

    def __str__(self):
        return f"{self.organisation} ({self.convention})"

    @property
    def designation_clause(self):
        return f"{self.get_designation_gender_display()} « {self.designation} »"

    def delete(self, *args, **kwargs):
        """A party whose deliberations or signatures are recorded stays: they would go with
        it (``ProtectedError``, which the views turn into a message)."""
        used = [
            *self.deliberations.all()[:5],
            *self.signatories.filter(signing__isnull=False).distinct()[:5],
        ]
        if used:
            raise models.ProtectedError("Partie encore utilisée.", used)
        return super().delete(*args, **kwargs)


class Signatory(models.Model):
    party = models.ForeignKey(
        Party, verbose_name="partie", on_delete=models.CASCADE, related_name="signatories"
    )
    person = models.ForeignKey(
        "conventions.Person",
        verbose_name="personne",
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    capacity = models.CharField("qualité imprimée", max_length=150, help_text="« Le Directeur »")
    order = OrderField("ordre de signature")
    history = HistoricalRecords()
    convention_path = "party__convention"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "signataire"
        ordering = ["party__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["party", "order"], name="unique_signatory_order"),
            models.UniqueConstraint(fields=["party", "person"], name="unique_signatory_person"),
        ]

    def __str__(self):
        return f"{self.capacity} {self.person}"


class Visa(models.Model):
    convention = models.ForeignKey(
        Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="visas"
    )
    order = OrderField("ordre")
    text = models.TextField(
        "texte", help_text="« Vu le Code de l'action sociale et des familles ; »"
    )
    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "visa"
        ordering = ["convention", "order"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "order"], name="unique_visa_order")
        ]

    def __str__(self):
        return self.text[:80]


class Article(models.Model):
    convention = models.ForeignKey(
        Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="articles"
    )
    number = OrderField("numéro")
    title = models.CharField("titre", max_length=250)
    body = models.TextField(
        "texte",
        blank=True,
        help_text="Paragraphes séparés par une ligne vide ; les listes commencent par « - ».",
    )
    source_page = models.PositiveSmallIntegerField(
        "page dans le document d'origine", null=True, blank=True
    )
    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "article"
        ordering = ["convention", "number"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "number"], name="unique_article_number")
        ]

    def __str__(self):
        return f"Article {self.number} : {self.title}"


class Annex(models.Model):
    convention = models.ForeignKey(
        Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="annexes"
    )
    number = OrderField("numéro")
    title = models.CharField("titre", max_length=250)
    intro = models.TextField("texte d'introduction", blank=True)
    source_page = models.PositiveSmallIntegerField(
        "page dans le document d'origine", null=True, blank=True
    )
    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "annexe"
        ordering = ["convention", "number"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "number"], name="unique_annex_number")
        ]

    def __str__(self):
        return f"Annexe {self.number} : {self.title}"
