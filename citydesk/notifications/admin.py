from django.contrib import admin

from citydesk.core.admin_audit import AuditedAdmin
from citydesk.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(AuditedAdmin):
    list_display = ["created_at", "channel", "address", "recipient", "subject", "status", "attempts"]
    list_filter = ["channel", "status"]
    search_fields = ["subject", "address"]
    list_select_related = ["recipient"]
    readonly_fields = ["attempts", "last_error", "sent_at", "created_at"]
