from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count
from simple_history.admin import SimpleHistoryAdmin

from .forms import ScanFormMixin
from .models import (
    Amendment,
    AmendmentArticle,
    Annex,
    Article,
    Attendance,
    Convention,
    ConventionModel,
    ConventionVersion,
    Deliberation,
    Membership,
    ModelArticle,
    Organisation,
    Party,
    Person,
    Signatory,
    SignerAccount,
    Territory,
    Visa,
)


class BoundedChangeList(ChangeList):
    """Absurd values in an admin list's query string are wrong lookup parameters, as a month
    13 is, and the admin says so instead of failing: a date hierarchy's year or month beyond
    what a date holds (?start_date__year=99999999999999999999), an id beyond what SQLite
    holds, a NUL byte that PostgreSQL refuses in a filter on a text column."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request):
        try:
            super().get_results(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class BoundedLookups:
    """For every model admin of the project (``HistoryAdmin``, ``BoundedModelAdmin``)."""

    def get_changelist(self, request, **kwargs):
        return BoundedChangeList


class HistoryAdmin(BoundedLookups, SimpleHistoryAdmin):
    pass


class BoundedModelAdmin(BoundedLookups, admin.ModelAdmin):
    pass


@admin.register(Territory)
class TerritoryAdmin(HistoryAdmin):
    list_display = ("name", "kind", "code", "department", "commune_count")
    list_filter = ("kind", "department")
    search_fields = ("name", "code")
    filter_horizontal = ("communes",)
    autocomplete_fields = ("department",)
    list_select_related = ("department",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(commune_total=Count("communes"))

    @admin.display(description="communes", ordering="commune_total")
    def commune_count(self, territory):
        return territory.commune_total or ""


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(HistoryAdmin):
    list_display = ("name", "short_name", "kind", "siren", "territory")
    list_filter = ("kind",)
    search_fields = ("name", "short_name", "siren")
    autocomplete_fields = ("territory",)
    list_select_related = ("territory",)
    inlines = [PersonInline]


@admin.register(Person)
class PersonAdmin(HistoryAdmin):
    list_display = ("last_name", "first_name", "capacity", "organisation")
    list_filter = ("organisation",)
    search_fields = ("last_name", "first_name", "capacity")
    autocomplete_fields = ("organisation",)
    list_select_related = ("organisation",)


class PartyInline(admin.StackedInline):
    """Signatories are edited on the party's own page (link "Modifier"), listed here."""

    model = Party
    extra = 0
    autocomplete_fields = ("organisation",)
    show_change_link = True
    readonly_fields = ("signatory_list",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("signatories__person")

    @admin.display(description="signataires")
    def signatory_list(self, party):
        signatories = party.signatories.all()
        return (
            ", ".join(str(s) for s in signatories)
            or "Aucun : ajoutez-les sur la page de la partie."
        )


class VisaInline(admin.TabularInline):
    model = Visa
    extra = 0


class ArticleInline(admin.StackedInline):
    model = Article
    extra = 0


class AnnexInline(admin.TabularInline):
    model = Annex
    extra = 0


class AmendmentInline(admin.TabularInline):
    model = Amendment
    extra = 0
    fields = ("number", "title", "status", "signed_on")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # opened from the convention's Documents tab (numbered, articles)


@admin.register(Convention)
class ConventionAdmin(HistoryAdmin):
    list_display = ("short_title", "territory", "start_date", "end_date", "status", "is_demo")
    list_filter = ("status", "is_demo", "parties__organisation")
    search_fields = ("short_title", "title", "territory__name")
    date_hierarchy = "start_date"
    autocomplete_fields = ("territory", "model")
    list_select_related = ("territory",)
    fieldsets = (
        (None, {"fields": ("title", "short_title", "territory", "start_date", "end_date")}),
        ("Statut", {"fields": ("status", "model", "is_demo")}),
        ("Texte", {"fields": ("preamble", "preamble_source_page", "closing_text")}),
        (
            "Signature",
            {"fields": ("signature_place", "signature_date", "copies", "initialled_pages")},
        ),
    )
    inlines = [PartyInline, VisaInline, ArticleInline, AnnexInline, AmendmentInline]


class SignatoryInline(admin.TabularInline):
    model = Signatory
    extra = 0
    autocomplete_fields = ("person",)


@admin.register(Party)
class PartyAdmin(HistoryAdmin):
    list_display = ("organisation", "convention", "order", "designation")
    list_filter = ("convention",)
    search_fields = ("organisation__name", "convention__short_title")
    autocomplete_fields = ("convention", "organisation")
    list_select_related = ("organisation", "convention")
    inlines = [SignatoryInline]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    fk_name = "deliberation"
    extra = 0
    autocomplete_fields = ("commune",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "proxy_holder":
            deliberation_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Attendance.objects.filter(
                deliberation_id=deliberation_id, status=Attendance.Status.PRESENT
            )
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "proxy_holder":
            # Read once for the whole attendance list, not once per row.
            formfield.choices = list(formfield.choices)
        return formfield


class DeliberationAdminForm(ScanFormMixin, forms.ModelForm):
    class Meta:
        model = Deliberation
        fields = ["scan"]  # the admin adds the fields of its fieldsets


@admin.register(Deliberation)
class DeliberationAdmin(HistoryAdmin):
    form = DeliberationAdminForm
    list_display = ("__str__", "convention", "party", "votes_for", "quorum_display")
    list_filter = ("kind", "convention")
    search_fields = ("number", "body", "object", "act_id")
    autocomplete_fields = ("convention", "party", "annex")
    list_select_related = ("convention", "party__organisation", "party__convention")
    readonly_fields = ("checks", "scan_pages", "scan_sha256")
    fieldsets = (
        (None, {"fields": ("convention", "party", "annex", "kind", "number", "body")}),
        (
            "Séance",
            {
                "fields": (
                    ("session_date", "opened_at"),
                    ("convocation_date", "convocation_posted_date"),
                    "place",
                    ("chair", "secretary"),
                    "legal_basis",
                )
            },
        ),
        (
            "Présences et votes",
            {
                "fields": (
                    "members_in_office",
                    ("present", "substitutes_voting", "excused", "absent_unexcused"),
                    ("substitutes_non_voting", "proxies"),
                    ("votes_for", "votes_against", "abstentions"),
                    "checks",
                )
            },
        ),
        ("Texte", {"fields": ("object", "statement", "decision_intro", "decisions")}),
        (
            "Contrôle de légalité",
            {
                "fields": (
                    ("sent_to_prefecture", "received_by_prefecture", "posted_on"),
                    "act_id",
                )
            },
        ),
        ("Délibération scannée", {"fields": ("scan", ("scan_pages", "scan_sha256"))}),
    )
    inlines = [AttendanceInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        form.discard_replaced_scan()

    @admin.display(description="quorum")
    def quorum_display(self, deliberation):
        if deliberation.quorum_reached is None:
            return "—"
        return "atteint" if deliberation.quorum_reached else "non atteint"

    @admin.display(description="contrôles")
    def checks(self, deliberation):
        if not deliberation.pk:
            return "—"
        lines = [
            f"Absents : {deliberation.absent}",
            f"Votants possibles : {deliberation.voters}",
            f"Quorum : {deliberation.quorum} présents ({self.quorum_display(deliberation)})",
        ]
        lines += deliberation.attendance_discrepancies() or ["Feuille de présence cohérente."]
        return " · ".join(str(line) for line in lines)


class ModelArticleInline(admin.StackedInline):
    model = ModelArticle
    extra = 0


@admin.register(ConventionModel)
class ConventionModelAdmin(HistoryAdmin):
    list_display = ("name", "organisation")
    search_fields = ("name",)
    list_select_related = ("organisation",)
    inlines = [ModelArticleInline]


class AmendmentArticleInline(admin.StackedInline):
    model = AmendmentArticle
    extra = 0


@admin.register(Amendment)
class AmendmentAdmin(HistoryAdmin):
    list_display = ("__str__", "status", "signed_on")
    list_filter = ("status",)
    search_fields = ("title", "convention__short_title")
    list_select_related = ("convention",)
    # Its life (frozen, signed) goes through the avenant's page and the signatures.
    readonly_fields = ("convention", "number", "status", "signed_on", "opened_at", "opened_by")
    inlines = [AmendmentArticleInline]

    def has_add_permission(self, request):
        return False  # opened from the convention's Documents tab (numbered, articles)


@admin.register(ConventionVersion)
class ConventionVersionAdmin(BoundedModelAdmin):
    """The signed versions: recorded by the signatures, never written by hand."""

    list_display = ("__str__", "number", "created_at", "sha256")
    list_select_related = ("convention", "amendment")
    exclude = ("content",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(HistoryAdmin):
    list_display = ("number", "title", "convention")
    list_display_links = ("title",)
    list_filter = ("convention",)
    search_fields = ("title", "body")
    list_select_related = ("convention",)


@admin.register(Annex)
class AnnexAdmin(HistoryAdmin):
    list_display = ("number", "title", "convention")
    list_display_links = ("title",)
    list_filter = ("convention",)
    search_fields = ("title", "intro")
    list_select_related = ("convention",)


@admin.register(Visa)
class VisaAdmin(HistoryAdmin):
    list_display = ("order", "text", "convention")
    list_display_links = ("text",)
    list_filter = ("convention",)
    search_fields = ("text",)
    autocomplete_fields = ("convention",)
    list_select_related = ("convention",)


@admin.register(Signatory)
class SignatoryAdmin(HistoryAdmin):
    list_display = ("person", "capacity", "order", "party")
    list_filter = ("party__convention",)
    search_fields = ("person__last_name", "person__first_name", "capacity")
    autocomplete_fields = ("party", "person")
    list_select_related = ("person", "party__organisation", "party__convention")


@admin.register(Attendance)
class AttendanceAdmin(HistoryAdmin):
    list_display = ("order", "name", "commune", "status", "proxy_holder", "deliberation")
    list_display_links = ("name",)
    list_filter = ("status", "deliberation")
    search_fields = ("name", "commune__name")
    autocomplete_fields = ("deliberation", "commune", "proxy_holder")
    list_select_related = ("commune", "proxy_holder", "deliberation")


@admin.register(ModelArticle)
class ModelArticleAdmin(HistoryAdmin):
    list_display = ("number", "title", "model")
    list_display_links = ("title",)
    list_filter = ("model",)
    search_fields = ("title", "body")
    autocomplete_fields = ("model",)
    list_select_related = ("model",)


@admin.register(Membership)
class MembershipAdmin(BoundedModelAdmin):
    list_display = ("user", "organisation", "role")
    list_filter = ("role", "organisation")
    search_fields = ("user__username", "organisation__name")
    autocomplete_fields = ("user", "organisation")
    list_select_related = ("user", "organisation")


@admin.register(SignerAccount)
class SignerAccountAdmin(BoundedModelAdmin):
    """Links a signatory (a person) to the user who signs in the application."""

    list_display = ("person", "user")
    search_fields = ("person__last_name", "person__first_name", "user__username")
    autocomplete_fields = ("person", "user")
    list_select_related = ("person", "user")
