"""Paired tablets for the tests: a kiosk registered for a unit, and a test client (or a Playwright
context) holding that tablet's cookie."""

from __future__ import annotations

from typing import Any

from django.test import Client

from citydesk.core.audit import Actor
from citydesk.core.models import Organisation
from citydesk.ratings.kiosk_views import KIOSK_COOKIE, kiosk_cookie_path
from citydesk.ratings.models import Kiosk
from citydesk.ratings.services import kiosk_register


def pair_kiosk(code: str, unit: Organisation, *, label: str = "") -> str:
    """Pair kiosk `code` with `unit` (as a tablet would be) and return the tablet's secret."""
    return kiosk_register(actor=Actor.system("test"), code=code, unit=unit, label=label).secret


def hold_kiosk_cookie(client: Client, secret: str) -> Client:
    """The test client becomes the paired tablet (it sends its cookies whatever their path)."""
    client.cookies[KIOSK_COOKIE] = secret
    return client


def playwright_kiosk_cookie(base_url: str, code: str, secret: str) -> dict[str, Any]:
    """The same cookie for a Playwright context (`context.add_cookies([...])`)."""
    return {
        "name": KIOSK_COOKIE,
        "value": secret,
        "url": base_url.rstrip("/") + kiosk_cookie_path(code),
        "httpOnly": True,
        "sameSite": "Strict",
    }


class Tablets:
    """The paired tablets of a test: their secrets by kiosk code (a kiosk paired once, unless asked)."""

    def __init__(self, unit: Organisation) -> None:
        self.unit = unit
        self.secrets: dict[str, str] = {}

    def pair(self, code: str, unit: Organisation | None = None) -> str:
        self.secrets[code] = pair_kiosk(code, unit or self.unit)
        return self.secrets[code]

    def ensure(self, code: str, unit: Organisation | None = None) -> None:
        """Kiosk `code` is paired (with `unit`, the ward by default) unless a test made it already."""
        if code and code not in self.secrets and not Kiosk.objects.filter(code=code).exists():
            self.pair(code, unit)

    def use(self, client: Client, code: str) -> Client:
        """`client` is the tablet of kiosk `code` (paired now if it is not yet)."""
        if code not in self.secrets:
            self.pair(code)
        return hold_kiosk_cookie(client, self.secrets[code])
