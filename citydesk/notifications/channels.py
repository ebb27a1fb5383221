"""Delivery strategies, one per channel, and pluggable SMS gateways. No `if channel == ...` chains."""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from citydesk.notifications.models import Channel, Notification

log = logging.getLogger("citydesk.notifications")


class DeliveryError(Exception):
    """A temporary failure: the outbox keeps the message and retries later."""


class Transport(Protocol):
    def deliver(self, notification: Notification) -> None: ...


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LogSmsGateway:
    """Development gateway: writes the SMS to the log."""

    def send(self, phone: str, text: str) -> None:
        log.info("sms", extra={"phone": phone, "text": text})


class HttpJsonSmsGateway:
    """Generic HTTP gateway: POSTs {"to", "text"} as JSON to CITYDESK_SMS_URL with a bearer token."""

    def send(self, phone: str, text: str) -> None:
        request = urllib.request.Request(
            settings.CITYDESK_SMS_URL,
            data=json.dumps({"to": phone, "text": text}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.CITYDESK_SMS_TOKEN}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                if response.status >= 300:
                    raise DeliveryError(f"SMS gateway answered {response.status}")
        except OSError as exc:
            raise DeliveryError(f"SMS gateway unreachable: {exc}") from exc


class InAppTransport:
    def deliver(self, notification: Notification) -> None:
        if notification.recipient_id is None:
            raise ValueError("an in-app notification needs a recipient")
        # Stored already: the inbox reads the outbox row itself.


class EmailTransport:
    def deliver(self, notification: Notification) -> None:
        try:
            send_mail(
                notification.subject, notification.body, None, [notification.address], fail_silently=False
            )
        except OSError as exc:
            raise DeliveryError(f"mail server: {exc}") from exc


class SmsTransport:
    def deliver(self, notification: Notification) -> None:
        gateway: SmsGateway = import_string(settings.CITYDESK_SMS_GATEWAY)()
        gateway.send(notification.address, f"{notification.subject}: {notification.body}"[:480])


TRANSPORTS: dict[str, Transport] = {
    Channel.IN_APP: InAppTransport(),
    Channel.EMAIL: EmailTransport(),
    Channel.SMS: SmsTransport(),
}


def backoff_seconds(attempts: int) -> int:
    """1 min, 2, 4, 8 … capped at 6 hours."""
    return min(60 * 2 ** max(attempts - 1, 0), 6 * 3600)
