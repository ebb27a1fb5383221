"""Back office of the notifications outbox. A message to a citizen carries the keys of their links (`?t=…`
opens their dossier or report as its applicant): the back office shows a kept message with those keys hidden,
read-only, so it never hands an administrator the citizen's key."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.defaultfilters import linebreaksbr

from citydesk.core.access import mask_link_keys
from citydesk.core.admin_audit import AuditedAdmin
from citydesk.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(AuditedAdmin):
    list_display = ["created_at", "channel", "address", "recipient", "subject_shown", "status", "attempts"]
    list_filter = ["channel", "status"]
    search_fields = ["subject", "address"]
    list_select_related = ["recipient"]
    readonly_fields = ["attempts", "last_error", "sent_at", "created_at", "subject_shown", "body_shown"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Messages are written by the platform's services, never typed here: a form would let anyone with
        the back office send an SMS or e-mail in the city's name."""
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        """Where a kept message goes is not edited: sent elsewhere, its private tracking link (with the
        reporter's key) would reach someone else. Only its status may be set back to be sent again."""
        fixed = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fixed += [f for f in ("channel", "address", "recipient") if f not in fixed]
        return fixed

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        """A kept message's texts are shown (keys hidden), not edited: a form would hold them whole."""
        return [*(super().get_exclude(request, obj) or ()), *(("subject", "body") if obj is not None else ())]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        fields = [f for f in super().get_fields(request, obj) if f not in ("subject_shown", "body_shown")]
        if obj is None:
            return fields
        at = fields.index("address") + 1 if "address" in fields else 0
        return [*fields[:at], "subject_shown", "body_shown", *fields[at:]]

    @admin.display(description=Notification._meta.get_field("subject").verbose_name, ordering="subject")
    def subject_shown(self, notification: Notification) -> str:
        return mask_link_keys(notification.subject)

    @admin.display(description=Notification._meta.get_field("body").verbose_name)
    def body_shown(self, notification: Notification) -> str:
        return linebreaksbr(mask_link_keys(notification.body), autoescape=True)
