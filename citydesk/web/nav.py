"""Which staff pages the menu links to: only those the current user can open.

Each flag applies the rule of the page it links to, with the constants those pages use, from a single
read of the user's active roles (the organisations below a root do not matter here: a role holding the
power somewhere is what makes a page open rather than answer 403).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import admin
from django.http import HttpRequest

from citydesk.core.models import Membership
from citydesk.core.powers import ROLE_POWERS, Power
from citydesk.dossiers.selectors import DOSSIER_POWERS
from citydesk.indicators.views_entry import enter_units as indicator_entry_units
from citydesk.ratings.selectors import ADMIN_STATS_ROLES, STATS_ROLES
from citydesk.reports.selectors import SEE_POWERS as REPORT_SEE_POWERS

_CACHE_ATTR = "_citydesk_nav_access"


@dataclass(frozen=True)
class NavAccess:
    citizen: bool = False  # /cua-toi/…: a logged-in person with no role (their own reports and dossiers)
    hotline: bool = False  # /tong-dai/: reports.views.hotline (the power to receive reports)
    report_queue: bool = False  # /xu-ly/: reports.selectors.working_units
    dossier_queue: bool = False  # /mot-cua/ho-so/: dossiers.selectors.working_units
    operations: bool = False  # /dieu-hanh/, /chi-tieu-ktxh/: ioc.access.dashboard_scope
    ratings_stats: bool = False  # /danh-gia/thong-ke/: ratings.selectors.stats_scope
    indicator_entry: bool = False  # /chi-tieu-ktxh/nhap/: indicators.views_entry.enter_units
    back_office: bool = False  # /quan-tri/: the admin site's own permission check
    audit: bool = False  # /nhat-ky/: core.audit_read.readable_audit (the power to read the trail)


def nav_access(request: HttpRequest) -> NavAccess:
    """The menu's flags for this request (computed once per request)."""
    cached = getattr(request, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    access = NavAccess()
    if user is not None and user.is_authenticated and user.is_active:
        roles = set(Membership.objects.filter(user=user, is_active=True).values_list("role", flat=True))
        powers: set[str] = set()
        for role in roles:
            powers |= ROLE_POWERS.get(role, frozenset())
        operations = Power.VIEW_DASHBOARD in powers
        access = NavAccess(
            citizen=not roles,
            hotline=Power.REPORT_RECEIVE in powers,
            report_queue=bool(powers & REPORT_SEE_POWERS),
            dossier_queue=bool(powers & DOSSIER_POWERS),
            operations=operations,
            ratings_stats=bool(roles & (STATS_ROLES | ADMIN_STATS_ROLES)) or user.is_superuser,
            # The entry page also needs indicators reported by the user's units: only then ask (officers).
            indicator_entry=not operations
            and Power.INDICATOR_ENTER in powers
            and bool(indicator_entry_units(user)),
            back_office=admin.site.has_permission(request),
            audit=Power.VIEW_AUDIT in powers or user.is_superuser,
        )
    setattr(request, _CACHE_ATTR, access)
    return access
