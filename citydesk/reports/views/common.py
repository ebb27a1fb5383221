"""Shared helpers of the 1022 pages."""

from __future__ import annotations

import logging
import secrets
import statistics
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from citydesk.core.errors import Conflict, DomainError, NotAllowed
from citydesk.core.models import (
    AdminUnit,
    DivisionLevel,
    ServiceCategory,
)
from citydesk.lib.text import sort_key
from citydesk.reports.forms import (
    category_label,
)
from citydesk.reports.models import Report
from citydesk.reports.workflow import ACTION_LABELS  # noqa: F401  (the pages' button labels)

log = logging.getLogger("citydesk.reports")

DEFAULT_PROVINCE = "79"
SESSION_SUBMITTED = "reports_submitted"
SESSION_FOLLOWING = "reports_following"  # follower ids made from this browser without an account
SESSION_HOTLINE = "reports_hotline"
WARDS_GEOJSON_CACHE_SECONDS = 3600
# Official boundaries can be large: above this many points the layer is simplified for the browser.
SIMPLIFY_ABOVE_POINTS = 20_000
SIMPLIFY_TOLERANCE_DEG = 0.0003  # ≈ 30 m
HANDLER_ROLES = ("officer", "deputy", "head", "leader")

ACTION_FIELDS = {
    "classify": ("category", "note"),
    "assign": ("assignee", "note"),
    "start": ("note",),
    "resolve": ("resolution",),
    "reject": ("reason", "note"),
    "transfer": ("target_unit", "note"),
}


# --- Helpers --------------------------------------------------------------------------------------


def _status_of(exc: DomainError) -> int:
    if isinstance(exc, NotAllowed):
        return 403
    if isinstance(exc, Conflict):
        return 409
    return 400


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "reports/forbidden.html", {"message": message}, status=403)


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "reports/not_found.html", {"message": message}, status=404)


def _code(value: str) -> str:
    return (value or "").strip().upper()


def _remember(request: HttpRequest, key: str, code: str) -> None:
    codes = [c for c in request.session.get(key, []) if c != code]
    request.session[key] = [*codes, code][-20:]


def _report_categories() -> list[ServiceCategory]:
    categories = ServiceCategory.objects.filter(domain=ServiceCategory.Domain.REPORT)
    return sorted(categories, key=lambda c: sort_key(category_label(c)))


def _provinces() -> list[AdminUnit]:
    return sorted(AdminUnit.objects.filter(level=DivisionLevel.PROVINCE), key=lambda u: sort_key(u.name))


# The division words a commune-level unit's name starts with, longest first.
_WARD_WORDS = ("đặc khu", "thị trấn", "phường", "xã")


def ward_option_label(name: str, division_type: str = "") -> str:
    """A commune/ward as a list shows it: its proper name first ("Bến Thành (phường)" for "Phường Bến
    Thành"), so that typing its first letters in the list finds it (every name starts with "Phường" or
    "Xã" otherwise). A name that does not start with its division word is shown as it is."""
    lowered = name.lower()
    for word in (division_type.lower(), *_WARD_WORDS) if division_type else _WARD_WORDS:
        if word and lowered.startswith(word + " ") and len(name) > len(word) + 1:
            return f"{name[len(word) + 1 :].strip()} ({word})"
    return name


def _ward_options(province: str) -> list[tuple[str, str]]:
    """(code, label) of the province's communes and wards, in Vietnamese order of the labels."""
    wards = AdminUnit.objects.filter(level=DivisionLevel.WARD, province_id=province).values_list(
        "code", "name", "division_type"
    )
    options = [(code, ward_option_label(name, kind)) for code, name, kind in wards]
    return sorted(options, key=lambda option: (sort_key(option[1]), option[0]))


def _province_centre(province: str) -> tuple[float | None, float | None]:
    """Where the map opens: the median of the province's ward centres, i.e. its dense urban core."""
    rows = list(
        AdminUnit.objects.filter(
            province_id=province, level=DivisionLevel.WARD, centre_lon__isnull=False
        ).values_list("centre_lon", "centre_lat")
    )
    if not rows:
        return (None, None)
    return (statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows))


def _map_settings() -> dict[str, str]:
    return {"tiles_url": getattr(settings, "CITYDESK_MAP_TILES_URL", "") or ""}


def _overdue(report: Report, now: Any) -> bool:
    return report.is_overdue(now)


def _token_ok(report: Report, token: str) -> bool:
    return bool(token) and bool(report.citizen_token) and secrets.compare_digest(token, report.citizen_token)
