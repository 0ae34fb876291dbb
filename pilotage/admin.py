from django.contrib import admin

from conventions.admin import HistoryAdmin

from .models import Body, Meeting, Member, Mission


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0
    autocomplete_fields = ("organisation", "person")


class MissionInline(admin.TabularInline):
    model = Mission
    extra = 0


class MeetingInline(admin.StackedInline):
    model = Meeting
    extra = 0
    fields = ("date", "place", "agenda", "minutes")
    show_change_link = True


@admin.register(Body)
class BodyAdmin(HistoryAdmin):
    list_display = ("name", "kind", "optional", "min_meetings_per_year", "convention")
    list_filter = ("convention", "kind", "optional")
    search_fields = ("name",)
    list_select_related = ("convention",)
    filter_horizontal = ("copilots",)
    inlines = [MemberInline, MissionInline, MeetingInline]


@admin.register(Meeting)
class MeetingAdmin(HistoryAdmin):
    list_display = ("body", "date", "place")
    list_filter = ("body__convention", "body__kind")
    search_fields = ("agenda", "minutes", "place")
    list_select_related = ("body",)
    date_hierarchy = "date"
    filter_horizontal = ("attendees",)


@admin.register(Member)
class MemberAdmin(HistoryAdmin):
    list_display = ("role", "organisation", "person", "consultative", "body", "body__convention")
    list_filter = ("body__convention", "body__kind", "consultative")
    search_fields = ("role", "organisation__name", "person__last_name")
    autocomplete_fields = ("body", "organisation", "person")
    list_select_related = ("body__convention", "organisation", "person")


@admin.register(Mission)
class MissionAdmin(HistoryAdmin):
    list_display = ("order", "text", "body", "body__convention")
    list_display_links = ("text",)
    list_filter = ("body__convention", "body__kind")
    search_fields = ("text",)
    autocomplete_fields = ("body",)
    list_select_related = ("body__convention",)
