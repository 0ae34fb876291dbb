from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

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
class BodyAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "optional", "min_meetings_per_year", "convention")
    list_filter = ("convention", "kind", "optional")
    search_fields = ("name",)
    filter_horizontal = ("copilots",)
    inlines = [MemberInline, MissionInline, MeetingInline]


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ("body", "date", "place")
    list_filter = ("body__convention", "body__kind")
    search_fields = ("agenda", "minutes", "place")
    date_hierarchy = "date"
    filter_horizontal = ("attendees",)


@admin.register(Member, Mission)
class BodyPartAdmin(SimpleHistoryAdmin):
    list_filter = ("body__convention",)
