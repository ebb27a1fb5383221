"""Back office for the ratings: read-only (ratings are written by the services, counts by the services
and the import)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from citydesk.core.admin_lists import SafeDateHierarchy
from citydesk.ratings.models import DeskTransaction, Rating, RatingMonth


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Rating)
class RatingAdmin(SafeDateHierarchy, ReadOnlyAdmin):
    list_display = ["created_at", "channel", "level", "unit", "officer", "procedure"]
    list_filter = ["channel", "level"]
    list_select_related = ["unit", "officer", "procedure"]
    date_hierarchy = "created_at"
    exclude = ["resident_key"]


@admin.register(DeskTransaction)
class DeskTransactionAdmin(ReadOnlyAdmin):
    list_display = ["code", "created_at", "unit", "officer", "kind", "kiosk", "expires_at"]
    search_fields = ["code", "kiosk"]
    list_select_related = ["unit", "officer"]


@admin.register(RatingMonth)
class RatingMonthAdmin(ReadOnlyAdmin):
    list_display = [
        "month",
        "unit",
        "channel",
        "officer_id",
        "procedure_id",
        "satisfied",
        "normal",
        "unsatisfied",
        "imported",
    ]
    list_filter = ["channel", "imported"]
    list_select_related = ["unit"]
