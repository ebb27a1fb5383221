"""CityDesk's own deployment checks (`citydesk check --deploy`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}


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
                f"CITYDESK_PUBLIC_URL is {url!r}: links sent to citizens and officers (SMS, e-mail, "
                "receipts, tracking pages) would point to a local address.",
                hint="Set CITYDESK_PUBLIC_URL to the address the public reaches the site at, e.g. "
                "https://citydesk.example.gov.vn.",
                id="citydesk.W001",
            )
        ]
    if parts.scheme != "https":
        return [
            CheckWarning(
                f"CITYDESK_PUBLIC_URL is {url!r}, not https: links in SMS and e-mails would go through a "
                "redirect over plain HTTP.",
                hint="Use the https:// address of the site.",
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
            f"The static files have not been collected ({manifest} is missing): every page would fail.",
            hint="Run `citydesk collectstatic --noinput` after each installation or upgrade.",
            id="citydesk.W003",
        )
    ]
