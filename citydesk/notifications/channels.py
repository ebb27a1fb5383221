"""Delivery strategies, one per channel, and pluggable SMS gateways. No `if channel == ...` chains."""

from __future__ import annotations

import http.client
import json
import logging
import re
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from citydesk.core.validators import is_mobile_phone
from citydesk.lib.text import unaccented
from citydesk.notifications.models import Channel, Notification

log = logging.getLogger("citydesk.notifications")


class DeliveryError(Exception):
    """A temporary failure: the outbox keeps the message and retries later."""


class Undeliverable(Exception):
    """A permanent failure: no retry can deliver this message (an SMS to a landline). The outbox marks it
    failed at once, its reason in `last_error`."""


# How `last_error` starts for an SMS never sent because its number is no mobile number: what a page reads
# to say that the citizen was not reached by SMS.
NOT_A_MOBILE_NUMBER = "not a mobile number"


def sms_unreachable(address: str) -> str:
    """Why an SMS to `address` cannot be sent ("" when it can): only a Vietnamese mobile number receives
    one; a landline ("(028) 3829 1234", stored 02838291234) or another country's number does not, and a
    gateway would take the message and lose it (reported sent)."""
    if is_mobile_phone(address):
        return ""
    return f"{NOT_A_MOBILE_NUMBER}: {address or '(none)'} cannot receive an SMS"


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
        """Every way the gateway can fail is a DeliveryError with a clear `last_error`: unreachable, an HTTP
        error answer, an unusable address (ValueError), an answer that is not HTTP."""
        try:
            request = urllib.request.Request(
                settings.CITYDESK_SMS_URL,
                data=json.dumps({"to": phone, "text": text}).encode(),
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {settings.CITYDESK_SMS_TOKEN}",
                },
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                if response.status >= 300:
                    raise DeliveryError(f"SMS gateway answered {response.status}")
        except urllib.error.HTTPError as exc:  # before OSError, of which it is one: the gateway did answer
            raise DeliveryError(f"SMS gateway answered {exc.code} {exc.reason}".strip()) from exc
        except OSError as exc:
            raise DeliveryError(f"SMS gateway unreachable: {exc}") from exc
        except ValueError as exc:  # no usable address ("unknown url type: ''"): every SMS would fail so
            raise DeliveryError(
                f"SMS gateway address unusable (CITYDESK_SMS_URL={settings.CITYDESK_SMS_URL!r}): {exc}"
            ) from exc
        except http.client.HTTPException as exc:  # an answer that is not HTTP
            raise DeliveryError(f"SMS gateway answered badly: {type(exc).__name__}: {exc}") from exc


class InAppTransport:
    def deliver(self, notification: Notification) -> None:
        if notification.recipient_id is None:
            raise ValueError("an in-app notification needs a recipient")
        # Stored already: the inbox reads the outbox row itself.


class EmailTransport:
    def deliver(self, notification: Notification) -> None:
        reply_to = getattr(settings, "CITYDESK_REPLY_TO", "")
        try:
            EmailMessage(
                notification.subject,
                notification.body,
                None,
                [notification.address],
                reply_to=[reply_to] if reply_to else None,
            ).send(fail_silently=False)
        except OSError as exc:
            raise DeliveryError(f"mail server: {exc}") from exc


# Seven concatenated segments of Unicode (UCS-2) text: what the gateways accept for one message.
SMS_MAX_CHARS = 480
_LINK = re.compile(r"https?://\S+")
_ELLIPSIS = "…"


def _cut_at_word(text: str, room: int) -> str:
    """`text` in at most `room` characters, cut between words and ended with an ellipsis."""
    if len(text) <= room:
        return text
    if room <= len(_ELLIPSIS):
        return _ELLIPSIS[:room] if room > 0 else ""
    head = text[: room - len(_ELLIPSIS) + 1]
    space = head.rfind(" ")
    head = head[:space] if space > 0 else head[: room - len(_ELLIPSIS)]
    return head.rstrip(" ,.;:-–") + _ELLIPSIS


# A word holding a digit: the code a subject names (HS-26-000086, PA-26-000302).
_CODE = re.compile(r"\S*\d\S*")


def says_the_subject(subject: str, body: str) -> bool:
    """Does the body's prose (links aside) already name every code of the subject? Then an SMS of the
    body alone says it all, and the subject in front would say it twice ("Hồ sơ HS-…: …: Hồ sơ HS-… của
    bạn …"). A subject naming no code adds what the body does not say: it stays."""
    codes = {code.strip(".,:;()") for code in _CODE.findall(subject)} - {""}
    prose = _LINK.sub(" ", body)
    return bool(codes) and all(code in prose for code in codes)


def sms_text(subject: str, body: str, *, limit: int = SMS_MAX_CHARS) -> str:
    """The SMS for a message: the subject (which names the report's code), the body and its links; the
    body alone when it names the subject's code itself (an SMS has no subject line to repeat).

    A text too long for one message is shortened between words, with an ellipsis, so that the links
    (the tracking page) and the subject always fit whole; only the prose gives way.
    """
    if subject and says_the_subject(subject, body):
        subject = ""
    full = f"{subject}: {body}" if subject else body
    if len(full) <= limit:
        return full
    links = _LINK.findall(body)
    prose = " ".join(_LINK.sub(" ", body).split())
    tail = " ".join(links)
    if len(tail) > limit:  # no room even for the links: keep the first ones that fit
        kept: list[str] = []
        for link in links:
            if len(" ".join([*kept, link])) <= limit:
                kept.append(link)
        return " ".join(kept)
    room = limit - len(tail) - (1 if tail else 0)
    lead = f"{subject}: " if subject else ""
    if len(lead) >= room:  # a very long subject: it gives way too, the links stay
        text = _cut_at_word(lead.rstrip(": ") + " " + prose, room)
    else:
        text = lead + _cut_at_word(prose, room - len(lead))
    return f"{text.rstrip()} {tail}".strip() if tail else text


class SmsTransport:
    def deliver(self, notification: Notification) -> None:
        unreachable = sms_unreachable(notification.address)
        if unreachable:  # queued before its number was checked: never handed to the gateway
            raise Undeliverable(unreachable)
        gateway: SmsGateway = import_string(settings.CITYDESK_SMS_GATEWAY)()
        text = sms_text(notification.subject, notification.body)
        if not settings.CITYDESK_SMS_DIACRITICS:  # 160 characters a part instead of 70: a third of the cost
            text = unaccented(text)
        gateway.send(notification.address, text)


TRANSPORTS: dict[str, Transport] = {
    Channel.IN_APP: InAppTransport(),
    Channel.EMAIL: EmailTransport(),
    Channel.SMS: SmsTransport(),
}


def backoff_seconds(attempts: int) -> int:
    """1 min, 2, 4, 8 … capped at 6 hours."""
    return min(60 * 2 ** max(attempts - 1, 0), 6 * 3600)
