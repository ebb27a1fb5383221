"""The back office (Django admin, in Vietnamese by default). The audit trail is read-only here."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from citydesk.core.models import (
    AdminUnit,
    ApiToken,
    AuditEntry,
    CalendarOverride,
    Delegation,
    LegacyUnit,
    Membership,
    Organisation,
    ServiceCategory,
    User,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "email", "phone", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email", "phone"]
    fieldsets = (*BaseUserAdmin.fieldsets, (_("CityDesk"), {"fields": ("full_name", "phone")}))
    inlines = [MembershipInline]


@admin.register(AdminUnit)
class AdminUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "province", "area_km2", "boundary_kind"]
    list_filter = ["level", "boundary_kind"]
    search_fields = ["code", "name", "search_name"]
    list_select_related = ["province"]
    readonly_fields = ["boundary"]


@admin.register(LegacyUnit)
class LegacyUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name", "search_name"]
    list_select_related = ["parent"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "admin_unit", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent", "admin_unit"]
    autocomplete_fields = ["parent", "admin_unit"]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = [
        "delegator",
        "organisation",
        "delegate_user",
        "delegate_organisation",
        "start_date",
        "end_date",
    ]
    list_select_related = ["delegator", "organisation", "delegate_user", "delegate_organisation"]

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False  # granted and revoked through the audited service / API only

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "legal_basis"]
    list_filter = ["kind"]

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        from citydesk.core.services import calendar_override_set

        calendar_override_set(
            user=request.user, day=obj.date, kind=obj.kind, name=obj.name, legal_basis=obj.legal_basis
        )


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "domain", "handled_by", "department_code", "working_days"]
    list_filter = ["domain", "handled_by"]
    search_fields = ["code", "name", "name_en"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["id", "at", "actor_label", "right", "on_behalf_of", "action", "object_type", "object_id"]
    list_filter = ["right", "action", "object_type"]
    search_fields = ["actor_label", "object_id", "action"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
