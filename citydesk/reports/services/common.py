"""Shared pieces of the report services: validation, codes, events, notifications, locking."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.core import configcache
from citydesk.core.audit import Actor
from citydesk.core.calendar import current_calendar
from citydesk.core.errors import Conflict, DomainError, NotFound
from citydesk.core.models import Organisation, ServiceCategory, User
from citydesk.core.rows import RowWriter
from citydesk.lib.text import nfc
from citydesk.notifications.services import notification_queue
from citydesk.reports.models import (
    CodeCounter,
    Report,
    ReportEvent,
)

MAX_DESCRIPTION = 4000
# Mainland, coastal waters and the Hoàng Sa / Trường Sa archipelagos.
VIETNAM_LON = (102.0, 117.9)
VIETNAM_LAT = (6.0, 23.5)
_PHONE = re.compile(r"^0\d{9,10}$")


# --- Small helpers --------------------------------------------------------------------------------


def normalize_phone(value: str, *, field: str = "contact_phone") -> str:
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    if digits and not _PHONE.match(digits):
        raise DomainError(_("“%(p)s” is not a Vietnamese phone number.") % {"p": value}, field=field)
    return digits


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-3:]}" if len(phone) >= 7 else ("*" * len(phone))


def _bounded(value: str | None, field: str, limit: int = MAX_DESCRIPTION) -> str:
    """Stored text (NFC) that fits its column: longer is refused, never cut without a word."""
    value = nfc(value or "")
    if len(value) > limit:
        raise DomainError(_("Too long (at most %(n)s characters).") % {"n": limit}, field=field)
    return value


def _next_code(now: datetime) -> str:
    year = timezone.localtime(now).year
    sql = "UPDATE reports_codecounter SET last = last + 1 WHERE year = %s RETURNING last"
    with connection.cursor() as cursor:
        cursor.execute(sql, [year])
        row = cursor.fetchone()
        if row is None:  # first report of the year
            CodeCounter.objects.get_or_create(year=year)
            cursor.execute(sql, [year])
            row = cursor.fetchone()
    number = row[0]
    return f"{settings.CITYDESK_REPORT_CODE_PREFIX}-{year % 100:02d}-{number:06d}"


def _load_categories() -> dict[str, ServiceCategory]:
    return {c.code: c for c in ServiceCategory.objects.filter(domain=ServiceCategory.Domain.REPORT)}


def _category(code: str | None, *, gen: int | None = None) -> ServiceCategory:
    if not code:
        raise DomainError(_("Choose a category."), field="category")
    category = configcache.cached("report_categories", _load_categories, gen=gen).get(code)
    if category is None:
        raise DomainError(_("Unknown category “%(c)s”.") % {"c": code}, field="category")
    return category


def _check_answers(category: ServiceCategory, answers: dict[str, Any] | None) -> dict[str, Any]:
    answers = dict(answers or {})
    clean: dict[str, Any] = {}
    for question in category.questions or []:
        code = question["code"]
        value = answers.pop(code, None)
        if value in (None, ""):
            if question.get("required"):
                raise DomainError(
                    _("Answer “%(q)s”.") % {"q": question.get("label", code)}, field=f"answers.{code}"
                )
            continue
        kind = question.get("type", "text")
        if kind == "number":
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise DomainError(
                    _("“%(q)s” must be a number.") % {"q": question.get("label", code)},
                    field=f"answers.{code}",
                ) from None
        elif kind == "choice":
            if value not in question.get("choices", []):
                raise DomainError(
                    _("“%(v)s” is not a choice of “%(q)s”.") % {"v": value, "q": question.get("label", code)},
                    field=f"answers.{code}",
                )
        else:
            value = nfc(str(value))[:500]
        clean[code] = value
    if answers:
        raise DomainError(_("Unknown question: %(q)s.") % {"q": ", ".join(sorted(answers))}, field="answers")
    return clean


def _actor_for(user: User | None, fallback: str) -> Actor:
    if user is not None and user.is_authenticated:
        return Actor(user_id=user.pk, label=user.full_name or user.username)
    return Actor(user_id=None, label=fallback, right="system")


_EVENTS = RowWriter(ReportEvent)


def _event(
    report: Report,
    actor: Actor,
    kind: str,
    *,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    public: bool = True,
    save: bool = True,
) -> ReportEvent:
    event = ReportEvent(
        report=report,
        kind=kind,
        actor_id=actor.user_id,
        actor_label=actor.label,
        right=actor.right,
        on_behalf_of=actor.on_behalf_of,
        from_status=from_status,
        to_status=to_status,
        note=note,
        public=public,
    )
    if save:
        _EVENTS.insert([event])
    return event


def _snapshot(report: Report) -> dict[str, Any]:
    return {
        "status": report.status,
        "unit": report.unit.code if report.unit_id else None,
        "assignee": report.assignee_id,
        "category": report.category.code if report.category_id else None,
        "due_at": report.due_at.isoformat() if report.due_at else None,
        "version": report.version,
    }


def _notify_followers(report: Report, subject: str, body: str) -> None:
    """Queue a public update for everyone following the report (deferred to commit by the outbox)."""
    link = f"{settings.CITYDESK_PUBLIC_URL}/tra-cuu/{report.code}/"
    text = f"{body}\n{link}"
    for follower in report.followers.select_related("user"):
        if follower.user_id:
            notification_queue(channel="in_app", recipient=follower.user, subject=subject, body=text)
            if follower.user.email:
                notification_queue(channel="email", recipient=follower.user, subject=subject, body=text)
        elif follower.email:
            notification_queue(channel="email", address=follower.email, subject=subject, body=text)
        elif follower.phone:
            notification_queue(channel="sms", address=follower.phone, subject=subject, body=text)


def _due_times(
    category: ServiceCategory, received: datetime, *, gen: int | None = None
) -> tuple[datetime, datetime]:
    calendar = current_calendar(gen=gen)
    return (
        calendar.add_working_hours(received, category.triage_hours),
        calendar.due(received, category.working_days),
    )


def _locked(code: str) -> Report:
    report = (
        Report.objects.select_for_update(of=("self",))
        .select_related("category", "unit", "assignee", "reporter")
        .filter(code=code)
        .first()
    )
    if report is None:
        raise NotFound(_("No report %(code)s.") % {"code": code}, field="code")
    return report


def _check_version(report: Report, version: int | None) -> None:
    if version is not None and version != report.version:
        raise Conflict(
            _(
                "Report %(code)s was changed by someone else (version %(now)s, you had %(had)s). Reload it and try again."
            )
            % {"code": report.code, "now": report.version, "had": version},
            field="version",
        )


def _org(code: str | None, field: str) -> Organisation:
    org = Organisation.objects.filter(code=(code or "").strip(), is_active=True).first()
    if org is None:
        raise DomainError(_("Unknown organisation code “%(c)s”.") % {"c": code}, field=field)
    return org
