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
from django.utils.translation import gettext_lazy

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import Conflict, DomainError, DomainErrors
from citydesk.core.history_notes import register, render
from citydesk.core.models import Membership, Organisation, ServiceCategory, User
from citydesk.core.powers import Power
from citydesk.core.services import authorize
from citydesk.notifications.models import Channel
from citydesk.notifications.services import message_language, notification_queue
from citydesk.reports import routing, selectors
from citydesk.reports.models import (
    OPEN_STATUSES,
    RejectReason,
    Report,
    ReportEvent,
    Status,
)
from citydesk.reports.routing import Route
from citydesk.reports.services.common import (
    AUDIENCE_ALL,
    UPDATE_STATUS,
    _bounded,
    _category,
    _check_version,
    _compose,
    _due_times,
    _event,
    _locked,
    _notify_followers,
    _org,
    _recipients,
    _snapshot,
    _status_subject,
    local_time,
)
from citydesk.reports.services.deadlines import _unit_people, clear_outdated_marks
from citydesk.reports.system_notes import REJECTED, REROUTED, ROUTED, TRANSFERRED, route_reason, system_note
from citydesk.reports.workflow import MOVES, action_label

T = TypeVar("T")

# Who triages a unit's reports (its queue's assignments): told when a report comes to the unit.
TRIAGE_ROLES = ("head", "deputy")


def _category_names(args: dict[str, Any]) -> dict[str, str]:
    english = (translation.get_language() or "vi").startswith("en")
    return {side: (english and args.get(f"{side}_en")) or args[side] for side in ("from", "to")}


# A report at work put in another category: public, as the category shows on the tracking page. (Belongs
# with the other keys in `reports.system_notes`; registered here, where it is written, until it moves.)
CATEGORY_CHANGED = register(
    "report.category_changed", gettext_lazy("Category changed: %(from)s → %(to)s."), _category_names
)


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

    Classifying a report at work (assigned, in progress) gives it another category, said in the public
    history; it keeps its status and officer unless routing sends it to another unit, where it goes as by
    a transfer. The head and deputies of a unit a report comes to are told (`_tell_the_receiving_unit`);
    the reporter and the followers read an assignment and the start of work in the app (`_tell_in_app`).
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
    from_unit = report.unit
    # A new category for a report at work (assigned, in progress): its status stays unless it moves.
    at_work = action == "classify" and old_status in move.keeps
    public_note = ""  # the published words, for the followers' messages
    published: dict[str, Any] = {}  # the same as the event stores them: a system note's key, or the words
    rerouted_to: Organisation | None = None
    route: Route | None = None
    if action == "classify" and checked.category is not None:
        new_category = checked.category
        if at_work:  # the tracking page shows the category: its change is the citizen's to read
            old_category = report.category
            _event(
                report,
                actor,
                ReportEvent.Kind.NOTE,
                note=f"{old_category.name} → {new_category.name}",  # read where the key is not known
                **system_note(
                    CATEGORY_CHANGED,
                    **{"from": old_category.name, "from_en": old_category.name_en},
                    to=new_category.name,
                    to_en=new_category.name_en,
                ),
                public=True,
            )
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
            if at_work:  # moved as by a transfer: the receiving unit has the category's triage time from now
                report.triage_due_at, _due = _due_times(new_category, timezone.now())
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
    # A report at work that routing sends to another unit goes there as by a transfer: that unit triages
    # it (its triage time was set above); else it keeps its status (`Move.keeps`).
    report.status = Status.TRANSFERRED if at_work and rerouted_to else move.target_from(old_status)
    if report.paused_at is not None and report.status not in OPEN_STATUSES:
        # Resolved or rejected while waiting for the citizen: no clock is left to stop. A finished report
        # keeping the mark would stay in the queue's "paused in time" list (selectors._in_queue_order) for ever.
        report.paused_at = None
    report.version = F("version") + 1
    report.updated_at = timezone.now()
    report.save()
    report.refresh_from_db(fields=["version"])
    # The citizen follows every change of status, an assignment's too (without the officer's name, nor
    # the note, which is internal); a new officer on an assigned or in-progress report is internal.
    status_public = action not in ("assign", "classify") or old_status != report.status
    shown: dict[str, Any] = {}
    if action in ("resolve", "reject", "transfer"):
        shown = published
    elif action != "assign" and (status_public or at_work) and public and note:
        shown = {"note": note}  # the officer chose to show the note to the citizen
    if at_work and old_status == report.status:
        # No move: the category's change is in the history above; the officer's note as they chose.
        if note:
            _event(report, actor, ReportEvent.Kind.NOTE, note=note, public=bool(shown))
    else:
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
    # their message too, as the public page shows it (the officer's words, as written). A report at work
    # put in another category that stays with its unit is no message: the page shows it.
    told_note = note if action in ("classify", "start") and shown.get("note") else ""
    if at_work and rerouted_to is None:
        told_note = ""
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
        _tell_the_receiving_unit(report, user, from_unit=from_unit, note=note, route=route)
    elif told_note:
        _notify_followers(report, lambda: _status_subject(report), told_note, kind=UPDATE_STATUS)
    elif action in ("assign", "start") and status_public:
        # Assigned to an officer, work started: a public step, told in the app only (an e-mail or an SMS
        # for each would be noise; the outcomes are sent on every channel).
        _tell_in_app(report, lambda: _status_subject(report), lambda: _at_work_text(report, action))
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
    if action == "transfer":
        _tell_the_receiving_unit(report, user, from_unit=from_unit, note=note)
    return report


def _at_work_text(report: Report, action: str) -> str:
    """What the reporter and the followers read when the report is assigned or work starts (no officer's
    name: the public history names none either)."""
    if action == "start":
        text = _("%(org)s has started handling the report.") % {"org": report.unit.name}
    else:
        text = _("%(org)s has assigned an officer to handle the report.") % {"org": report.unit.name}
    if report.due_at is not None:
        text += " " + _("It is due by %(due)s.") % {"due": local_time(report.due_at)}
    return text


def _tell_in_app(report: Report, subject: Callable[[], str], body: Callable[[], str]) -> None:
    """A status update for the reporter and the followers who have an account, in the app only (composed
    per recipient, in their language, with their link, as `_notify_followers` does)."""
    for recipient in _recipients(report, AUDIENCE_ALL):
        if recipient.channel != Channel.IN_APP:
            continue
        text_subject, text_body = _compose(report, UPDATE_STATUS, subject, body, recipient)
        notification_queue(
            channel=Channel.IN_APP, recipient=recipient.user, subject=text_subject, body=text_body
        )


def _category_name(report: Report) -> str:
    category = report.category
    english = (translation.get_language() or "vi").startswith("en")
    return category.name_en if english and category.name_en else category.name


def _tell_the_receiving_unit(
    report: Report, user: User, *, from_unit: Organisation, note: str, route: Route | None = None
) -> None:
    """An in-app message to the officers who triage the unit a report came to (its head and deputies: they
    assign its queue's reports), by a transfer or by routing after its category changed (`route`): the
    code, the category and why, as `_tell_the_assignee` tells an assignment. Not to the one who moved it."""
    people = [p for p in _unit_people([report.unit_id], TRIAGE_ROLES) if p.pk != user.pk]
    if not people:
        return
    link = f"{settings.CITYDESK_PUBLIC_URL}{reverse('reports:officer', args=[report.code])}"
    name = user.full_name or user.username
    for person in people:
        with translation.override(message_language(person)):
            subject = _("Report %(code)s was sent to %(org)s") % {
                "code": report.code,
                "org": report.unit.name,
            }
            said = {
                "name": name,
                "from": from_unit.name,
                "code": report.code,
                "category": _category_name(report),
                "org": report.unit.name,
            }
            if route is None:
                lines = [
                    _("%(name)s (%(from)s) transferred report %(code)s (%(category)s) to %(org)s.") % said,
                    _("Reason: %(text)s") % {"text": note},
                ]
            else:
                routed = render(ROUTED, {"unit": report.unit.name, **route_reason(route)}, report.unit.name)
                lines = [
                    _(
                        "%(name)s (%(from)s) put report %(code)s in the category %(category)s; routing "
                        "sends it to %(routed)s."
                    )
                    % {**said, "routed": routed}
                ]
                if note:
                    lines.append(_("Note: %(text)s") % {"text": note})
            if report.due_at is not None:
                lines.append(_("Due %(d)s.") % {"d": local_time(report.due_at)})
        lines.append(link)
        notification_queue(channel="in_app", recipient=person, subject=subject, body="\n".join(lines))


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
    elif action == "classify" and report.status in MOVES["classify"].keeps:
        # A report at work is classified already: the move is for another category.
        problems.append(
            DomainError(
                _("Choose the new category: the report is already in “%(name)s”.")
                % {"name": _category_name(report)},
                field="category",
            )
        )
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
