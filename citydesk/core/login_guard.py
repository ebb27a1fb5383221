"""Log-in attempts spread over many accounts from one network address (password spraying).

django-axes locks a (user name, address) pair after a few wrong passwords: one password tried on every
account from one address never trips it. This counts the accounts with wrong passwords from an address
within the lock-out time (axes' own attempt rows, one per pair) and refuses further log-ins from that
address, whatever the account, once they reach `CITYDESK_LOGIN_ACCOUNTS_PER_ADDRESS`: generous (an office
behind one address does not mistype twenty accounts in a quarter of an hour), and behind a reverse proxy
the address is the visitor's when the proxy is trusted (CITYDESK_TRUSTED_PROXIES).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

ACCOUNTS_PER_ADDRESS = 20


def accounts_limit() -> int:
    return int(getattr(settings, "CITYDESK_LOGIN_ACCOUNTS_PER_ADDRESS", ACCOUNTS_PER_ADDRESS))


def accounts_tried_from(address: str) -> int:
    """Accounts with a wrong password from `address` within the lock-out time."""
    from axes.models import AccessAttempt

    if not address:
        return 0
    since = timezone.now() - timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    return (
        AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since)
        .values("username")
        .distinct()
        .count()
    )


def address_blocked(request: HttpRequest | None) -> bool:
    if request is None:
        return False
    return accounts_tried_from(request.META.get("REMOTE_ADDR", "")) >= accounts_limit()


class AddressGuardBackend:
    """An authentication backend placed after axes' own: refuses every log-in from a blocked address (the
    back office's log-in page too); Django then reports the attempt as failed, as for a wrong password."""

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        if address_blocked(request):
            raise PermissionDenied
        return None

    # No get_user(): it signs nobody in, so no session names it (and Django's test client's force_login,
    # which takes the first backend that has one, keeps using the model backend).
