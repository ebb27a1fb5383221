"""Officer moves from the workflow table, and notes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import Conflict, DomainError, DomainErrors
from citydesk.core.models import Membership, Organisation, ServiceCategory, User
from citydesk.core.powers import Power
from citydesk.core.services import authorize
from citydesk.notifications.services import message_language, notification_queue
from citydesk.reports import routing, selectors
from citydesk.reports.models import (
    RejectReason,
    Report,
    ReportEvent,
    Status,
)
from citydesk.reports.services.common import (
    UPDATE_STATUS,
    _bounded,
    _category,
    _check_version,
    _due_times,
    _event,
    _locked,
    _notify_followers,
    _org,
    _snapshot,
    _status_subject,
    local_time,
)
from citydesk.reports.services.deadlines import clear_outdated_marks
from citydesk.reports.system_notes import REJECTED, REROUTED, TRANSFERRED, route_reason, system_note
from citydesk.reports.workflow import MOVES, action_label

T = TypeVar("T")


@transaction.atomic
def report_transition(
    *,
    user: User,
    code: str,
    action: str,
    version: int | None = None,
    note: str = "",
    assignee: str | None = None,
    target_unit: str | None = None,
    reason: str | None = None,
    resolution: str = "",
    category: str | None = None,
    public: bool = False,
    confirmed: bool | None = None,
) -> Report:
    """One officer move from the workflow table. Refuses stale versions with a 409 conflict.

    Every input at fault is said at once (`DomainErrors`), nothing done. `confirmed=False`: the page's
    confirmation box of a rejection was left unticked (the API does not ask, None).

    The optional `note` of classify and start is internal unless `public` (shown to the citizen), an
    assignment's always; a reject's explanation and a resolution are published; a transfer's reason stays
    internal and the citizen is told only which unit handles the report now (also after a re-route).
    """
    move = MOVES.get(action)
    if move is None or move.power is None:
        raise DomainError(_("Unknown action “%(a)s”.") % {"a": action}, field="action")
    report = _locked(code)
    actor = authorize(user, move.power, report.unit)  # first: an outsider learns nothing of its state
    _check_version(report, version)
    if report.status not in move.sources:
        raise Conflict(
            _("A report that is “%(s)s” cannot be “%(a)s”.")
            % {"s": Status(report.status).label, "a": action_label(action).lower()},
            field="action",
        )
    checked = _checked_inputs(
        report,
        action,
        note=note,
        assignee=assignee,
        target_unit=target_unit,
        reason=reason,
        resolution=resolution,
        category=category,
        confirmed=confirmed,
    )
    note = checked.note
    before = _snapshot(report)
    old_status = report.status
    public_note = ""  # the published words, for the followers' messages
    published: dict[str, Any] = {}  # the same as the event stores them: a system note's key, or the words
    rerouted_to: Organisation | None = None
    if action == "classify" and checked.category is not None:
        new_category = checked.category
        report.category = new_category
        route = routing.route(new_category, report.ward, province_code=report.province_code or None)
        if route.unit.pk != report.unit_id:
            # How routing decided is internal; that another unit handles it now is the citizen's business.
            _event(
                report,
                Actor.system("routing"),
                ReportEvent.Kind.ROUTE,
                **system_note(
                    REROUTED, **{"from": report.unit.name, "to": route.unit.name}, **route_reason(route)
                ),
                public=False,
            )
            report.unit = route.unit
            report.assignee = None
            rerouted_to = route.unit
        # The new category's handling time counts from when this handling began (the filing, or the last
        # reopening) and never shortens the deadline already given: the citizen was told it, pauses
        # pushed it on, and an officer's reclassification is no reason to find the report overdue.
        _triage, new_due = _due_times(new_category, _handling_began(report))
        if report.due_at is None or new_due > report.due_at:
            report.due_at = new_due
            # Due later: an escalation or a warning of the old due time goes (the operations center's
            # overdue count, which reads the escalations, then agrees with the queue).
            clear_outdated_marks(report)
    elif action == "assign":
        report.assignee = checked.assignee
    elif action == "resolve":
        report.resolution = checked.resolution
        report.resolved_at = timezone.now()
        public_note = checked.resolution
        published = {"note": checked.resolution}
    elif action == "reject":
        assert reason is not None
        report.reject_reason = reason
        report.reject_note = note
        public_note = f"{RejectReason(reason).label}. {note}".strip()
        published = system_note(REJECTED, reason=reason, text=note)
    elif action == "transfer":
        target = checked.target
        assert target is not None
        _event(  # the reason is internal: the citizen reads only the unit it went to (status event)
            report,
            actor,
            ReportEvent.Kind.TRANSFER,
            note=f"{report.unit.name} → {target.name}: {note}",
            public=False,
        )
        report.unit = target
        report.assignee = None
        # The receiving unit has the category's triage time from now: a late hand-over is not its lateness
        # (the handling deadline the citizen was given stays).
        report.triage_due_at, _due = _due_times(report.category, timezone.now())
        public_note = _("Transferred to %(org)s.") % {"org": target.name}
        published = system_note(TRANSFERRED, org=target.name)
    report.status = move.target
    report.version = F("version") + 1
    report.updated_at = timezone.now()
    report.save()
    report.refresh_from_db(fields=["version"])
    # The citizen follows every change of status, an assignment's too (without the officer's name, nor
    # the note, which is internal); a new officer on an already assigned report is internal.
    status_public = action != "assign" or old_status != report.status
    shown: dict[str, Any] = {}
    if action in ("resolve", "reject", "transfer"):
        shown = published
    elif action != "assign" and status_public and public and note:
        shown = {"note": note}  # the officer chose to show the note to the citizen
    _event(
        report,
        actor,
        ReportEvent.Kind.STATUS,
        from_status=old_status,
        to_status=report.status,
        **(shown if status_public else {"note": note}),
        public=status_public,
    )
    if status_public and note and not shown:
        _event(report, actor, ReportEvent.Kind.NOTE, note=note, public=False)
    # The officer's note shown to the citizen (classify, start): the reporter and the followers read it in
    # their message too, as the public page shows it (the officer's words, as written).
    told_note = note if action in ("classify", "start") and shown.get("note") else ""
    if rerouted_to is not None:
        moved = system_note(TRANSFERRED, org=rerouted_to.name)
        _event(report, actor, ReportEvent.Kind.TRANSFER, **moved, public=True)

        def rerouted_body() -> str:  # composed per recipient, in the message language
            text = _("Transferred to %(org)s.") % {"org": rerouted_to.name}
            if report.due_at is not None:
                text += " " + _("It is due by %(due)s.") % {"due": local_time(report.due_at)}
            return f"{text}\n{told_note}" if told_note else text

        _notify_followers(  # one message with both: the new unit, and the note
            report,
            lambda: (
                _("Report %(code)s: now handled by %(org)s") % {"code": report.code, "org": rerouted_to.name}
            ),
            rerouted_body,
        )
    elif told_note:
        _notify_followers(report, lambda: _status_subject(report), told_note, kind=UPDATE_STATUS)
    audit_record(
        actor=actor,
        action=f"report.{action}",
        object_type="report",
        object_id=report.code,
        before=before,
        after=_snapshot(report),
    )
    if action in ("resolve", "reject", "transfer"):
        _notify_followers(report, _status_subject(report), public_note)
    if action == "assign":
        _tell_the_assignee(report, user, before_assignee=before["assignee"], note=note)
    return report


def _tell_the_assignee(report: Report, user: User, *, before_assignee: int | None, note: str) -> None:
    """An in-app message to the officer a report is assigned to (one by one or in bulk): their new work
    is in their inbox, not only in the queue. Not when they assigned it to themselves, nor when the
    report was theirs already; never by e-mail or SMS."""
    person = report.assignee
    if person is None or person.pk in (user.pk, before_assignee):
        return
    link = f"{settings.CITYDESK_PUBLIC_URL}{reverse('reports:officer', args=[report.code])}"
    with translation.override(message_language(person)):
        subject = _("Report %(code)s was assigned to you") % {"code": report.code}
        lines = [
            _("%(name)s assigned you report %(code)s (%(category)s).")
            % {
                "name": user.full_name or user.username,
                "code": report.code,
                "category": report.category.name,
            }
        ]
        if report.due_at is not None:
            lines.append(_("Due %(d)s.") % {"d": local_time(report.due_at)})
        if note:
            lines.append(_("Note: %(text)s") % {"text": note})
    lines.append(link)
    notification_queue(channel="in_app", recipient=person, subject=subject, body="\n".join(lines))


@transaction.atomic
def report_note(*, user: User, code: str, text: str, public: bool = False) -> ReportEvent:
    report = _locked(code)
    actor = authorize(user, Power.REPORT_RECEIVE, report.unit)
    text = _bounded(text, "text")
    if not text:
        raise DomainError(_("Write the note."), field="text")
    event = _event(report, actor, ReportEvent.Kind.NOTE, note=text[:4000], public=public)
    if public:
        _notify_followers(report, _("Report %(code)s: update") % {"code": report.code}, text)
    return event


@dataclass(frozen=True)
class _Inputs:
    note: str
    category: ServiceCategory | None = None  # classify into another category
    assignee: User | None = None
    resolution: str = ""
    target: Organisation | None = None


def _checked_inputs(
    report: Report,
    action: str,
    *,
    note: str,
    assignee: str | None,
    target_unit: str | None,
    reason: str | None,
    resolution: str,
    category: str | None,
    confirmed: bool | None,
) -> _Inputs:
    """The move's inputs, each checked: every one at fault is refused at once (a form shows them all),
    before anything is written."""
    problems: list[DomainError] = []

    def check(test: Callable[[], T]) -> T | None:
        try:
            return test()
        except DomainError as exc:
            if type(exc) is not DomainError:  # refused for who asks, or a conflict: not an input's fault
                raise
            problems.append(exc)
            return None

    kept_note = check(lambda: _bounded(note, "note"))
    found = _Inputs(note=kept_note or "")
    if action == "classify" and category and category != report.category.code:
        found = replace(found, category=check(lambda: _category(category)))
    elif action == "assign":
        found = replace(found, assignee=check(lambda: _assignee(report, assignee)))
    elif action == "resolve":
        found = replace(found, resolution=check(lambda: _resolution(resolution)) or "")
    elif action == "reject":
        if reason not in RejectReason.values:
            problems.append(
                DomainError(
                    _("Choose a reason: %(r)s.")
                    % {"r": ", ".join(str(label).lower() for label in RejectReason.labels)},
                    field="reason",
                )
            )
        if confirmed is False:  # a rejected report cannot be reopened: the page asks once more
            problems.append(
                DomainError(
                    _("Tick the box to confirm the rejection: the citizen is told the reason at once."),
                    field="confirm",
                )
            )
    elif action == "transfer":
        found = replace(found, target=check(lambda: _transfer_target(report, target_unit)))
        if kept_note == "":
            problems.append(DomainError(_("Give the reason for the transfer."), field="note"))
    if problems:
        raise problems[0] if len(problems) == 1 else DomainErrors(problems)
    return found


def _assignee(report: Report, assignee: str | None) -> User:
    if not (assignee or "").strip():
        raise DomainError(_("Choose the officer to assign."), field="assignee")
    person = User.objects.filter(username=assignee, is_active=True).first()
    if person is None:
        raise DomainError(_("Unknown officer “%(u)s”.") % {"u": assignee}, field="assignee")
    if not Membership.objects.filter(user=person, organisation=report.unit, is_active=True).exists():
        raise DomainError(
            _("%(u)s does not work in %(org)s.") % {"u": person, "org": report.unit.name},
            field="assignee",
        )
    return person


def _resolution(resolution: str) -> str:
    resolution = _bounded(resolution, "resolution")
    if not resolution:
        raise DomainError(_("Say what was done."), field="resolution")
    return resolution


def _transfer_target(report: Report, target_unit: str | None) -> Organisation:
    if not (target_unit or "").strip():
        raise DomainError(_("Choose the unit to transfer the report to."), field="target_unit")
    # A name is looked for in the report's city only: transfers stay within it, and each city has its
    # own "Sở Xây dựng".
    target = _org(target_unit, "target_unit", named_among=selectors.units_of_report_province(report))
    if target.pk == report.unit_id:
        raise DomainError(
            _("The report is already with %(org)s.") % {"org": target.name}, field="target_unit"
        )
    if not selectors.may_receive(report, target):
        raise DomainError(
            _(
                "%(org)s cannot take this report: choose a People's Committee or a department "
                "of the same province or city that handles citizen reports."
            )
            % {"org": target.name},
            field="target_unit",
        )
    return target


def _handling_began(report: Report) -> datetime:
    """When the report's current handling began: its last reopening, else its filing."""
    if report.reopen_count:
        reopened = (
            ReportEvent.objects.filter(report=report, to_status=Status.REOPENED).order_by("-at").first()
        )
        if reopened is not None:
            return reopened.at
    return report.created_at
