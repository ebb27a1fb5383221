"""A unit's report of one indicator group for one period: draft → submitted → approved → locked.

Every allowed move is one row of MOVES; the services only look it up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import Conflict, DomainError, NotAllowed
from citydesk.core.models import Organisation, User
from citydesk.core.powers import Power
from citydesk.core.services import authorize
from citydesk.indicators import running
from citydesk.indicators.models import DataValue, Indicator, Source, Submission, SubmissionState
from citydesk.indicators.services.common import (
    PeriodArg,
    approver_scope,
    group_by_code,
    is_leader_over,
    period_text,
    resolve_period,
    unit_by_code,
)
from citydesk.indicators.services.values import submission_for
from citydesk.lib.text import nfc

S = SubmissionState
ENTER, APPROVE, LEAD = "enter", "approve", "lead"


@dataclass(frozen=True)
class Move:
    action: str
    sources: frozenset[str]
    target: str
    who: str  # ENTER: an officer of the unit; APPROVE: an approver of the unit above; LEAD: a leader


MOVES: dict[str, Move] = {
    m.action: m
    for m in [
        Move("submit", frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, ENTER),
        Move("approve", frozenset({S.SUBMITTED}), S.APPROVED, APPROVE),
        Move("return", frozenset({S.SUBMITTED, S.APPROVED}), S.RETURNED, APPROVE),
        Move("lock", frozenset({S.APPROVED}), S.LOCKED, LEAD),
    ]
}


# The unit's own move, offered on its entry form: a report sent by mistake taken back to correct it, while
# nobody has approved it yet. Kept out of MOVES (the reviewers' buttons); audited under a code of its own.
WITHDRAW = Move("withdraw", frozenset({S.SUBMITTED}), S.DRAFT, ENTER)
UNIT_MOVES: dict[str, Move] = {WITHDRAW.action: WITHDRAW}
AUDIT_ACTIONS: dict[str, str] = {}  # the moves whose audit code is not "indicator.submission_<move>"


def allowed_actions(state: str) -> list[str]:
    return [m.action for m in MOVES.values() if state in m.sources]


def can_withdraw(submission: Submission | None) -> bool:
    return submission is not None and submission.state in WITHDRAW.sources


class WarningsPending(DomainError):
    """Submitting needs an explanation of the unusual values listed in `warnings`."""

    def __init__(self, warnings: list[EntryWarning]) -> None:
        super().__init__(
            _("Some values look unusual: check them, or explain them and submit anyway."),
            field="explanation",
        )
        self.warnings = warnings


@dataclass(frozen=True)
class EntryWarning:
    indicator_code: str
    indicator_name: str
    message: str  # in the page's language
    hit: Any = None  # anomalies.EntryHit: what a finding on the value records


def required_indicators(group_id: int, unit: Organisation, period_type: str) -> list[Indicator]:
    return list(
        Indicator.objects.filter(
            group_id=group_id,
            is_active=True,
            source=Source.ENTRY,
            periodicity=period_type,
            reporting_units=unit,
        ).order_by("position", "code")
    )


def entry_warnings(submission: Submission) -> list[EntryWarning]:
    """What the anomaly checks say about the submission's values."""
    from citydesk.indicators.anomalies import entry_hits
    from citydesk.indicators.anomaly_text import describe

    warnings: list[EntryWarning] = []
    rows = DataValue.objects.filter(
        indicator__group_id=submission.group_id,
        unit_id=submission.unit_id,
        period_type=submission.period_type,
        period=submission.period,
    ).select_related("indicator", "unit__admin_unit")
    for row in rows:
        for hit in entry_hits(
            indicator=row.indicator,
            unit=row.unit,
            period_type=row.period_type,
            period=row.period,
            value=row.value,
        ):
            warnings.append(EntryWarning(row.indicator.code, row.indicator.display_name, describe(hit), hit))
    return warnings


def _authorize_move(user: User, move: Move, unit: Organisation) -> Actor:
    if move.who == ENTER:
        return authorize(user, Power.INDICATOR_ENTER, unit)
    actor = authorize(user, Power.INDICATOR_APPROVE, approver_scope(unit))
    if move.who == LEAD and not is_leader_over(user, unit):
        raise NotAllowed(_("Only the city's leaders lock a period's report."))
    return actor


def _locate(group_code: str, unit_code: str, period: PeriodArg) -> tuple[int, Organisation, str, date]:
    group = group_by_code(group_code)
    unit = unit_by_code(unit_code)
    period_type, day = resolve_period(period)
    return group.pk, unit, period_type, day


@transaction.atomic
def submission_move(
    *,
    user: User,
    action: str,
    group_code: str,
    unit_code: str,
    period: PeriodArg,
    version: int | None = None,
    note: str = "",
    explanation: str = "",
) -> Submission:
    move = MOVES.get(action) or UNIT_MOVES.get(action)
    if move is None:
        raise DomainError(_("Unknown action “%(a)s”.") % {"a": action}, field="action")
    group_id, unit, period_type, day = _locate(group_code, unit_code, period)
    actor = _authorize_move(user, move, unit)
    submission = submission_for(group_id, unit, period_type, day, lock=True)
    if version is not None and int(version) != submission.version:
        raise Conflict(
            _("Someone changed this report meanwhile: reload the page and try again."), field="version"
        )
    if submission.state not in move.sources:
        raise Conflict(
            _("A report that is %(state)s cannot be %(action)s.")
            % {"state": S(submission.state).label.lower(), "action": ACTION_PAST[action]},
            field="action",
        )
    note = nfc(note or "").strip()
    explanation = nfc(explanation or "").strip()
    now = timezone.now()
    before = {"state": submission.state, "version": submission.version}
    warnings: list[EntryWarning] = []
    if action == "submit":
        required = required_indicators(group_id, unit, period_type)
        present = set(
            DataValue.objects.filter(
                indicator__in=required, unit=unit, period_type=period_type, period=day
            ).values_list("indicator__code", flat=True)
        )
        missing = [i.code for i in required if i.code not in present]
        if not required:
            raise DomainError(
                _("This unit reports no indicator of this group for this period."), field="group"
            )
        if missing:
            raise DomainError(
                _("Enter every indicator before submitting; missing: %(codes)s.")
                % {"codes": ", ".join(missing)},
                field="values",
            )
        warnings = entry_warnings(submission)
        if warnings and not explanation:
            raise WarningsPending(warnings)
        submission.submitted_at, submission.submitted_by = now, user
        if explanation:
            submission.note = explanation
    elif action == "approve":
        submission.approved_at, submission.approved_by = now, user
    elif action == "return":
        if not note:
            raise DomainError(_("Say what must be corrected."), field="note")
        submission.note = note
        submission.approved_at, submission.approved_by = None, None
    elif action == "withdraw":
        # Back to a draft, as if never sent: not late for having been sent once, sent again later.
        submission.submitted_at, submission.submitted_by = None, None
    submission.state = move.target
    submission.version += 1
    submission.save()
    if action in ("submit", "return", "withdraw"):  # sent or taken back: the totals take its values or not
        running.report_changed(group_id, unit.pk, period_type, day)
    if action == "submit" and warnings:
        # The explanation goes onto each value it explains: a finding explained by the unit, which the
        # reviewers see on the value and the batch scan finds already explained.
        from citydesk.indicators.findings import record_explained

        record_explained(
            actor=actor, hits=[w.hit for w in warnings if w.hit is not None], explanation=explanation
        )
    from citydesk.indicators.services import notices

    if action == "submit":
        notices.submitted(submission, by=user)
    elif action == "return":
        notices.returned(submission, by=user, note=note)
    elif action == "withdraw":
        notices.withdrawn(submission, by=user)
    audit_record(
        actor=actor,
        action=AUDIT_ACTIONS.get(action) or f"indicator.submission_{action}",
        object_type="indicators.submission",
        object_id=submission.pk,
        before=before,
        after={
            "state": submission.state,
            "version": submission.version,
            "period": period_text(period_type, day),
            "note": note or explanation,
        },
    )
    return submission


ACTION_PAST = {
    "submit": gettext_lazy("submitted"),
    "approve": gettext_lazy("approved"),
    "return": gettext_lazy("returned"),
    "lock": gettext_lazy("locked"),
    "withdraw": gettext_lazy("withdrawn"),
}


def submission_submit(
    *,
    user: User,
    group_code: str,
    unit_code: str,
    period: PeriodArg,
    version: int | None = None,
    explanation: str = "",
) -> Submission:
    return submission_move(
        user=user,
        action="submit",
        group_code=group_code,
        unit_code=unit_code,
        period=period,
        version=version,
        explanation=explanation,
    )


def submission_approve(
    *, user: User, group_code: str, unit_code: str, period: PeriodArg, version: int | None = None
) -> Submission:
    return submission_move(
        user=user,
        action="approve",
        group_code=group_code,
        unit_code=unit_code,
        period=period,
        version=version,
    )


def submission_return(
    *, user: User, group_code: str, unit_code: str, period: PeriodArg, note: str, version: int | None = None
) -> Submission:
    return submission_move(
        user=user,
        action="return",
        group_code=group_code,
        unit_code=unit_code,
        period=period,
        version=version,
        note=note,
    )


def submission_lock(
    *, user: User, group_code: str, unit_code: str, period: PeriodArg, version: int | None = None
) -> Submission:
    return submission_move(
        user=user, action="lock", group_code=group_code, unit_code=unit_code, period=period, version=version
    )


def submission_withdraw(
    *, user: User, group_code: str, unit_code: str, period: PeriodArg, version: int | None = None
) -> Submission:
    """The unit takes back a report it sent, to correct it, while it is not approved yet."""
    return submission_move(
        user=user,
        action="withdraw",
        group_code=group_code,
        unit_code=unit_code,
        period=period,
        version=version,
    )


def is_late(submission: Submission, now: datetime | None = None) -> bool:
    """Late: submitted after the deadline, or not submitted and the deadline has passed."""
    if submission.due_at is None:
        return False
    if submission.submitted_at is not None and submission.state != S.RETURNED:
        return submission.submitted_at > submission.due_at
    return (now or timezone.now()) > submission.due_at
