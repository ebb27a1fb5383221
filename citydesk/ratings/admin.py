"""Back office for the ratings: read-only (ratings are written by the services, counts by the services
and the import); kiosks are paired on their tablets, and here renamed or unpaired."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from citydesk.core.admin_audit import AuditedAdmin, admin_actor
from citydesk.core.admin_lists import SafeDateHierarchy
from citydesk.ratings.models import DeskTransaction, Kiosk, Rating, RatingMonth


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
    list_display = ["code", "created_at", "unit", "officer", "kind_shown", "kiosk", "expires_at"]
    search_fields = ["code", "kiosk"]
    list_select_related = ["unit", "officer"]
    fields = [
        "code",
        "unit",
        "officer",
        "dossier",
        "procedure",
        "kind_shown",
        "kiosk",
        "created_at",
        "expires_at",
    ]
    readonly_fields = ["kind_shown"]

    @admin.display(description=DeskTransaction._meta.get_field("kind").verbose_name, ordering="kind")
    def kind_shown(self, transaction: DeskTransaction) -> str:
        """“Trả kết quả”, not `return`: the kinds the desk offers, by their names."""
        from citydesk.ratings.services import TRANSACTION_KINDS

        return str(TRANSACTION_KINDS.get(transaction.kind, transaction.kind))


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


@admin.register(Kiosk)
class KioskAdmin(AuditedAdmin):
    list_display = ["code", "label", "unit", "is_active", "paired_at", "paired_by", "last_seen_at"]
    list_filter = ["is_active"]
    list_select_related = ["unit", "paired_by"]
    search_fields = ["code", "label", "unit__name", "unit__code"]
    # The device key's hash is never shown; only the label is edited here. A kiosk is paired on its
    # tablet (/danh-gia/quay/<code>/ghep/) and unpaired with the action below.
    exclude = ["secret_hash"]
    readonly_fields = ["code", "unit", "paired_at", "paired_by", "last_seen_at", "is_active"]
    actions = ["unpair"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the device key goes to the tablet in front of the officer who pairs it

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # unpaired, not deleted: its transactions and the audit trail keep its code

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        help_text = _(
            "A tablet is paired as a kiosk on the tablet itself, signed in there, at /danh-gia/quay/<code>/ghep/: "
            "a new kiosk code by the unit's head or an administrator, a kiosk already registered also by the "
            "unit's one-stop desk officers (the head is told of every pairing). Here you can rename kiosks or "
            "unpair them (select, then the action “Unpair the selected kiosks”): the tablet stops working at "
            "once."
        )
        return super().changelist_view(request, {**(extra_context or {}), "subtitle": help_text})

    @admin.action(description=_("Unpair the selected kiosks"), permissions=["change"])
    def unpair(self, request: HttpRequest, queryset: Any) -> None:
        from citydesk.ratings.services import kiosk_unpair

        actor = admin_actor(request)
        with transaction.atomic():
            kiosks = list(queryset.filter(is_active=True))
            for kiosk in kiosks:
                kiosk_unpair(actor=actor, kiosk=kiosk)
        self.message_user(
            request,
            ngettext("%(n)s kiosk unpaired.", "%(n)s kiosks unpaired.", len(kiosks)) % {"n": len(kiosks)},
            messages.SUCCESS,
        )
