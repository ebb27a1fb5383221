"""Shared helpers of the 1022 pages."""

from __future__ import annotations

import logging
import secrets
import statistics
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from citydesk.core.errors import Conflict, DomainError, NotAllowed
from citydesk.core.models import (
    AdminUnit,
    DivisionLevel,
    Organisation,
    OrgKind,
    ServiceCategory,
)
from citydesk.lib.text import sort_key
from citydesk.reports.forms import (
    category_label,
)
from citydesk.reports.models import Report, ReportEvent, Status
from citydesk.reports.wards import (  # noqa: F401  (ward_option_label: the ward list's label, for tests)
    WardOption,
    division_words,
    ward_option_label,
    ward_options,
)
from citydesk.reports.workflow import ACTION_LABELS  # noqa: F401  (the pages' button labels)

log = logging.getLogger("citydesk.reports")

MERGED_AS_DUPLICATE = gettext_lazy("Merged as a duplicate")  # the badge's words, and a merge's in the history

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
    "reject": ("reason", "note", "confirm"),
    "transfer": ("target_unit", "note"),
}


# --- Helpers --------------------------------------------------------------------------------------


def _status_of(exc: DomainError) -> int:
    if isinstance(exc, NotAllowed):
        return 403
    if isinstance(exc, Conflict):
        return 409
    return 400


def _forbidden(request: HttpRequest, message: str, *, elsewhere: Report | None = None) -> HttpResponse:
    """403 with the message. `elsewhere`: a public report another unit now handles, shown to an officer
    (a colleague transferred it while the page was open): links to their queue and its public page."""
    return render(request, "reports/forbidden.html", {"message": message, "elsewhere": elsewhere}, status=403)


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "reports/not_found.html", {"message": message}, status=404)


def _code(value: str) -> str:
    return (value or "").strip().upper()


def _remember(request: HttpRequest, key: str, code: str) -> None:
    codes = [c for c in request.session.get(key, []) if c != code]
    request.session[key] = [*codes, code][-20:]


def _report_categories(*, retired: bool = False) -> list[ServiceCategory]:
    """The report categories in Vietnamese order: those in use (forms), or all (`retired`: filters of
    lists, where older reports keep a retired one)."""
    categories = ServiceCategory.objects.filter(domain=ServiceCategory.Domain.REPORT)
    if not retired:
        categories = categories.filter(is_active=True)
    return sorted(categories, key=lambda c: sort_key(category_label(c)))


def _provinces() -> list[AdminUnit]:
    return sorted(AdminUnit.objects.filter(level=DivisionLevel.PROVINCE), key=lambda u: sort_key(u.name))


def _ward_options(province: str) -> list[WardOption]:
    """The province's communes and wards for the ward field's list of suggestions (`wards.py`)."""
    return ward_options(province)


def _unit_gloss(org: Organisation | None) -> str:
    """What a People's Committee is ("UBND" in its name), for readers of a language other than Vietnamese:
    "commune-level People's Committee" (as the officer page's history says) or "province-level People's
    Committee"; "" in Vietnamese and for other units."""
    if org is None or org.kind != OrgKind.PEOPLES_COMMITTEE or (get_language() or "vi").startswith("vi"):
        return ""
    unit = org.admin_unit
    if unit is not None and unit.level == DivisionLevel.PROVINCE:
        return _("province-level People's Committee")
    return _("commune-level People's Committee")


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


def event_statuses(event: ReportEvent) -> tuple[str, str]:
    """(from, to) of a history line as read: a merge's "rejected" is the merge ("Received → Merged as a
    duplicate", and "Merged as a duplicate → Received" when separated again), as the report's badge says."""

    def label(status: str) -> str:
        if status not in Status.values:
            return ""
        if event.kind == ReportEvent.Kind.MERGE and status == Status.REJECTED:
            return str(MERGED_AS_DUPLICATE)
        return str(Status(status).label)

    return label(event.from_status), label(event.to_status)


def reporter_account(report: Report) -> dict[str, str] | None:
    """The account a logged-in citizen filed the report from (name, phone, e-mail), for the staff pages
    that show personal data: the report's own contact fields may be empty. None without an account.
    (Select `reporter` with the report: no query here.)"""
    if not report.reporter_id:
        return None
    user = report.reporter
    return {"name": user.full_name or user.username, "phone": user.phone or "", "email": user.email or ""}


def _token_ok(report: Report, token: str) -> bool:
    return bool(token) and bool(report.citizen_token) and secrets.compare_digest(token, report.citizen_token)
