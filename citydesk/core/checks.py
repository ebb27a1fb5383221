"""CityDesk's own deployment checks (`citydesk check --deploy`), said in the site's language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning
from django.utils.translation import gettext as _

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}

# E-mail backends that deliver nothing: the console writes every message, tracking links included, to the
# log; the others keep it in memory, in files on the server, or drop it.
UNDELIVERED_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
LOG_SMS_GATEWAY = "citydesk.notifications.channels.LogSmsGateway"
HTTP_SMS_GATEWAY = "citydesk.notifications.channels.HttpJsonSmsGateway"


def _local(host: str) -> bool:
    return host in _LOCAL_HOSTS or host.startswith("127.") or host.endswith(".localhost")


@register(Tags.security, deploy=True)
def check_public_url(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Links in SMS, e-mails and receipts start with CITYDESK_PUBLIC_URL: a local address sends citizens to
    their own computer, a plain-http one past the HTTPS the site requires."""
    url = str(getattr(settings, "CITYDESK_PUBLIC_URL", "") or "")
    parts = urlsplit(url)
    if not parts.scheme or _local((parts.hostname or "").lower()):
        return [
            CheckWarning(
                _(
                    "CITYDESK_PUBLIC_URL is “%(url)s”: links sent to citizens and officers (SMS, e-mail, "
                    "receipts, tracking pages) would point to a local address."
                )
                % {"url": url},
                hint=_(
                    "Set CITYDESK_PUBLIC_URL to the address the public reaches the site at, e.g. "
                    "https://citydesk.example.gov.vn."
                ),
                id="citydesk.W001",
            )
        ]
    if parts.scheme != "https":
        return [
            CheckWarning(
                _(
                    "CITYDESK_PUBLIC_URL is “%(url)s”, not https: links in SMS and e-mails would go through "
                    "a redirect over plain HTTP."
                )
                % {"url": url},
                hint=_("Use the https:// address of the site."),
                id="citydesk.W002",
            )
        ]
    return []


@register(Tags.staticfiles, deploy=True)
def check_collected_static(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """In production the static files are served from their collected, hashed copies: without
    `collectstatic` every page fails (the storage cannot name the files it should link to)."""
    from pathlib import Path

    if settings.DEBUG:
        return []
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        return []
    return [
        CheckWarning(
            _("The static files have not been collected (%(file)s is missing): every page would fail.")
            % {"file": manifest},
            hint=_("Run “citydesk collectstatic --noinput” after each installation or upgrade."),
            id="citydesk.W003",
        )
    ]


@register(Tags.security, deploy=True)
def check_notification_delivery(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The development defaults deliver nothing: the console e-mail backend writes every citizen's e-mail,
    with its tracking link and token, to the log, and the logging SMS gateway every SMS."""
    messages: list[CheckMessage] = []
    backend = str(getattr(settings, "EMAIL_BACKEND", ""))
    if backend in UNDELIVERED_EMAIL_BACKENDS:
        messages.append(
            CheckWarning(
                _(
                    "CITYDESK_EMAIL_BACKEND is %(backend)s: e-mails to citizens and officers are not sent, "
                    "and the console backend writes each one, tracking links included, to the log."
                )
                % {"backend": backend},
                hint=_(
                    "Set CITYDESK_EMAIL_BACKEND=%(smtp)s and CITYDESK_EMAIL_HOST, CITYDESK_EMAIL_PORT, "
                    "CITYDESK_EMAIL_USER, CITYDESK_EMAIL_PASSWORD (or _FILE), CITYDESK_EMAIL_TLS and "
                    "CITYDESK_FROM_EMAIL."
                )
                % {"smtp": SMTP_BACKEND},
                id="citydesk.W004",
            )
        )
    if str(getattr(settings, "CITYDESK_SMS_GATEWAY", "")) == LOG_SMS_GATEWAY:
        messages.append(
            CheckWarning(
                _(
                    "CITYDESK_SMS_GATEWAY is %(gateway)s: SMS are not sent, each one (phone number, tracking "
                    "link) is written to the log."
                )
                % {"gateway": LOG_SMS_GATEWAY},
                hint=_(
                    "Set CITYDESK_SMS_GATEWAY=%(http)s with CITYDESK_SMS_URL and CITYDESK_SMS_TOKEN (or "
                    "_FILE), or the class of the city's own gateway."
                )
                % {"http": HTTP_SMS_GATEWAY},
                id="citydesk.W005",
            )
        )
    return messages
