"""The notifications outbox: every message is a row first, delivered by the worker with retries."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In-app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Notification(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Gave up after repeated failures")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        db_index=False,  # notification_inbox (recipient, channel, read_at) starts with it, verbose_name=_("recipient")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # 254: the longest e-mail address a mail system accepts (RFC 5321), as reports and users store.
    address = models.CharField(
        _("address"), max_length=254, blank=True, help_text=_("E-mail or phone number")
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(default=timezone.now, verbose_name=_("next attempt at"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            # Only people with an account have an inbox; e-mails and SMS to an address stay out of it.
            models.Index(
                fields=["recipient", "channel", "read_at"],
                condition=Q(recipient__isnull=False),
                name="notification_inbox",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address or self.recipient}: {self.subject}"
