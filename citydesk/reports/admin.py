"""Back office for the 1022 system: routing rules are edited here; reports are read-only (services write)."""

from django.contrib import admin

from citydesk.reports.models import Open311Client, Report, ReportEvent, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = [
        "priority",
        "category",
        "area",
        "weekdays",
        "start_time",
        "end_time",
        "target",
        "is_active",
    ]
    list_editable = ["is_active"]
    list_filter = ["is_active", "category"]
    list_select_related = ["category", "area", "target"]
    autocomplete_fields = ["area", "target"]


class EventInline(admin.TabularInline):
    model = ReportEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor_label", "right", "from_status", "to_status", "note", "public"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["code", "category", "status", "unit", "channel", "created_at", "due_at"]
    list_filter = ["status", "channel", "category", "open311_client"]
    readonly_fields = ["open311_client"]  # set by the Open311 intake only
    search_fields = ["code", "description", "address"]
    list_select_related = ["category", "unit"]
    show_full_result_count = False
    inlines = [EventInline]

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False  # moves go through the audited workflow services

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_at"]
