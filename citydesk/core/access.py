"""Who read whose personal data (SPEC S0: personal data is "visible only to those who handle the case,
access logged").

`record_access` is called where a member of staff opens a case with its applicant's or reporter's ID number,
phone or address: the officer's page, the API's full view, the receipt, a paper's file, the back office. It
writes one row of core.PersonalDataAccess with a plain INSERT, outside the audit trail's chain (a reading
changes nothing, and chaining it would make every officer's page wait on the chain head's lock). It records
staff only: not the applicant or reporter reading their own case, not a citizen, not an anonymous visitor
(whose public views show no personal data).

The rows are read on the trail's page (/nhat-ky/?view=access) and through `GET /api/v1/audit/access`, by the
trail's readers in the trail's scope (core.audit_read), and kept `kept_years()` years (5 unless
CITYDESK_PERSONAL_DATA_ACCESS_YEARS says otherwise); `purge_expired_access` removes older rows.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Schema

from citydesk.core.models import Membership, PersonalDataAccess, User

DEFAULT_KEPT_YEARS = 5
What = PersonalDataAccess.What

# A key in a link's query (`?t=…` opens a dossier or report as its applicant: full view, withdrawal; a
# rating's or papers' key opens its page): what the back office and the trail's pages show instead.
_LINK_KEY = re.compile(r"([?&](?:t|token)=)[^&#\s\"'<>]+")
MASK = "••••"


def mask_link_keys(text: str) -> str:
    """`text` with the keys of its links hidden: “…/tra-cuu/HS-26-000103/?t=••••”."""
    return _LINK_KEY.sub(lambda m: m.group(1) + MASK, text) if text else text


def _is_staff(user: Any) -> bool:
    """A member of staff: a back-office account or someone with an active role somewhere. Asked once per
    request (the answer is kept on the user object)."""
    known = getattr(user, "_reads_as_staff", None)
    if known is None:
        known = bool(
            user.is_superuser
            or user.is_staff
            or Membership.objects.filter(user_id=user.pk, is_active=True).exists()
        )
        user._reads_as_staff = known
    return known


def _address(request: Any) -> str | None:
    """The caller's network address (REMOTE_ADDR, which web.middleware sets from a trusted proxy's header)."""
    text = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def record_access(
    request_or_user: Any,
    object_type: str,
    object_id: str | int,
    what: str,
    *,
    owner_id: int | None = None,
    user: User | None = None,
) -> PersonalDataAccess | None:
    """Record that the request's user (or `user`: the API's caller by bearer token) opened the personal data
    of `object_type` `object_id` in the way `what` ("page", "api", "receipt", "file", "admin"). Nothing is
    recorded for an anonymous visitor, a citizen, or the person the data is about (`owner_id`: the dossier's
    applicant, the report's reporter). Returns the row written, or None."""
    request = request_or_user if hasattr(request_or_user, "META") else None
    reader = user if user is not None else (getattr(request, "user", None) if request else request_or_user)
    if reader is None or not getattr(reader, "is_authenticated", False):
        return None
    if owner_id is not None and reader.pk == owner_id:
        return None
    if not _is_staff(reader):
        return None
    return PersonalDataAccess.objects.create(
        user_id=reader.pk,
        user_label=(getattr(reader, "full_name", "") or reader.get_username())[:200],
        object_type=object_type,
        object_id=str(object_id)[:80],
        what=What(what),
        address=_address(request),
    )


def record_case_access(
    request_or_user: Any, case: Any, what: str, *, user: User | None = None
) -> PersonalDataAccess | None:
    """`record_access` for a dossier (its applicant's data) or a report (its reporter's), by its code."""
    from citydesk.dossiers.models import Dossier

    if isinstance(case, Dossier):
        return record_access(
            request_or_user, "dossier", case.code, what, owner_id=case.applicant_id, user=user
        )
    return record_access(request_or_user, "report", case.code, what, owner_id=case.reporter_id, user=user)


def kept_years() -> int:
    return max(1, int(getattr(settings, "CITYDESK_PERSONAL_DATA_ACCESS_YEARS", DEFAULT_KEPT_YEARS)))


def purge_expired_access(*, now: dt.datetime | None = None) -> int:
    """Delete the readings older than `kept_years()` years; returns how many were deleted."""
    now = now or timezone.now()
    try:
        limit = now.replace(year=now.year - kept_years())
    except ValueError:  # 29 February
        limit = now.replace(year=now.year - kept_years(), day=28)
    deleted, _by_model = PersonalDataAccess.objects.filter(at__lt=limit).delete()
    return deleted


# --- API: GET /api/v1/audit/access -----------------------------------------------------------------
# Registered by core.api beside GET /audit: `router.get("/audit/access", response=list[PersonalDataAccessOut],
# tags=["audit"])(audit_access_list)`.


class PersonalDataAccessOut(Schema):
    id: int
    at: datetime
    user_id: int | None  # the reader
    user_label: str
    what: str  # page, api, receipt, file, admin
    what_label: str  # in the language asked ("Trang hồ sơ")
    object_type: str  # dossier, report
    object_type_label: str
    object_id: str  # the dossier's or report's code
    address: str | None  # the reader's network address

    @staticmethod
    def resolve_what_label(row: PersonalDataAccess) -> str:
        return str(row.get_what_display())

    @staticmethod
    def resolve_object_type_label(row: PersonalDataAccess) -> str:
        from citydesk.core.audit_labels import object_type_label

        return object_type_label(row.object_type)


def audit_access_list(
    request: HttpRequest,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[PersonalDataAccess]:
    """Who among the staff opened a case's personal data, newest first: the audit trail's readers, in the
    trail's scope (a city's leaders and inspectors their city's cases, a unit's head their unit's)."""
    from citydesk.core.audit_read import readable_access

    qs = readable_access(request.user)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id__in={object_id, object_id.upper()})
    return list(qs.order_by("-id")[:limit])
