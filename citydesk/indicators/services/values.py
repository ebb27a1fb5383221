"""Entering values: one at a time or a whole form, all or nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import Conflict, DomainError
from citydesk.core.models import Organisation, User
from citydesk.core.powers import Power
from citydesk.core.services import authorize
from citydesk.indicators import periods, running
from citydesk.indicators.models import DataValue, Indicator, Source, Submission, SubmissionState
from citydesk.indicators.services.common import (
    PeriodArg,
    check_enterable,
    check_reports,
    check_value,
    indicator_by_code,
    period_text,
    resolve_period,
    unit_by_code,
)
from citydesk.indicators.services.deadlines import due_at_for
from citydesk.lib.text import nfc

EDITABLE = frozenset({SubmissionState.DRAFT, SubmissionState.RETURNED})


class ValuesRejected(DomainError):
    """Some fields of a form are wrong: nothing was saved. `errors` maps indicator code → message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(_("Some values are not valid: nothing was saved."), field="values")
        self.errors = errors


@dataclass(frozen=True)
class ValueChange:
    indicator: Indicator
    value: float | None  # None: remove the value
    comment: str = ""


def check_period(indicator: Indicator, period_type: str, period: date) -> None:
    """The period fits the indicator and has started (no value for a period still to come)."""
    periods.check_fits(indicator, period_type, period)
    periods.check_started(period_type, period)


def submission_for(
    group_id: int, unit: Organisation, period_type: str, period: date, *, lock: bool = False
) -> Submission:
    """The unit's submission of the group for the period, created as a draft when missing."""
    queryset = Submission.objects.filter(group_id=group_id, unit=unit, period_type=period_type, period=period)
    submission = (queryset.select_for_update() if lock else queryset).first()
    if submission is None:
        submission, _created = Submission.objects.get_or_create(
            group_id=group_id,
            unit=unit,
            period_type=period_type,
            period=period,
            defaults={"due_at": due_at_for(period_type, period)},
        )
    return submission


def check_editable(submission: Submission) -> None:
    if submission.state not in EDITABLE:
        raise Conflict(
            _("This period's report is %(state)s: it can no longer be changed.")
            % {"state": SubmissionState(submission.state).label.lower()},
            field="period",
        )


def _store(
    *,
    actor: Actor,
    user: User | None,
    unit: Organisation,
    period_type: str,
    period: date,
    changes: list[ValueChange],
) -> dict[str, Any]:
    """Write checked changes; returns {code: [before, after]} of what changed."""
    with running.batch():  # one refresh of the running totals for the whole form
        existing = {
            v.indicator_id: v
            for v in DataValue.objects.filter(
                indicator__in=[c.indicator for c in changes],
                unit=unit,
                period_type=period_type,
                period=period,
            )
        }
        now = timezone.now()
        diff: dict[str, Any] = {}
        for change in changes:
            row = existing.get(change.indicator.pk)
            before = row.value if row else None
            if change.value is None:
                if row is not None:
                    row.delete()
                    diff[change.indicator.code] = [before, None]
                continue
            if row is None:
                DataValue.objects.create(
                    indicator=change.indicator,
                    unit=unit,
                    period_type=period_type,
                    period=period,
                    value=change.value,
                    source=Source.ENTRY,
                    entered_by=user,
                    comment=change.comment,
                    updated_at=now,
                )
            elif row.value != change.value or row.comment != change.comment:
                row.value, row.comment, row.entered_by, row.updated_at = (
                    change.value,
                    change.comment,
                    user,
                    now,
                )
                row.save(update_fields=["value", "comment", "entered_by", "updated_at"])
            else:
                continue
            diff[change.indicator.code] = [before, change.value]
    if diff:
        audit_record(
            actor=actor,
            action="indicator.values_set",
            object_type="indicators.unit_period",
            object_id=f"{unit.code}/{period_text(period_type, period)}",
            after={"values": diff},
        )
        _recheck_findings(actor, unit, period_type, period, changes, diff)
    return diff


def _recheck_findings(
    actor: Actor,
    unit: Organisation,
    period_type: str,
    period: date,
    changes: list[ValueChange],
    diff: dict[str, Any],
) -> None:
    """The open findings on the values just changed are judged on the new values (closed when normal now,
    flagged again when still unusual), so that no page shows a warning about a value no longer there."""
    from citydesk.indicators.findings import OPEN_STATES, value_changed
    from citydesk.indicators.models import Finding

    changed = [c for c in changes if c.value is not None and c.indicator.code in diff]
    if not changed:
        return
    with_findings = set(
        Finding.objects.filter(
            indicator__in=[c.indicator for c in changed],
            unit=unit,
            period_type=period_type,
            period=period,
            state__in=OPEN_STATES,
        ).values_list("indicator_id", flat=True)
    )
    for change in changed:
        if change.indicator.pk in with_findings:
            value_changed(
                actor=actor,
                indicator=change.indicator,
                unit=unit,
                period_type=period_type,
                period=period,
                value=change.value,
            )


@transaction.atomic
def value_set(
    *, user: User, indicator_code: str, unit_code: str, period: PeriodArg, value: Any, comment: str = ""
) -> DataValue:
    """Enter (or change) one value of an indicator for a unit and a period."""
    indicator = indicator_by_code(indicator_code)
    check_enterable(indicator)
    unit = unit_by_code(unit_code)
    actor = authorize(user, Power.INDICATOR_ENTER, unit)
    check_reports(indicator, unit)
    period_type, day = resolve_period(period)
    check_period(indicator, period_type, day)
    number = check_value(indicator, value)
    check_editable(submission_for(indicator.group_id, unit, period_type, day, lock=True))
    change = ValueChange(indicator, number, nfc(comment or "").strip()[:500])
    _store(actor=actor, user=user, unit=unit, period_type=period_type, period=day, changes=[change])
    return DataValue.objects.get(indicator=indicator, unit=unit, period_type=period_type, period=day)


@transaction.atomic
def values_set_many(
    *,
    user: User,
    unit_code: str,
    period: PeriodArg,
    values: Mapping[str, Any],
    comments: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Save a whole form: every value checked first, nothing saved when any is wrong.

    `values` maps indicator code → typed text (blank or None removes the value). Returns the changes.
    """
    unit = unit_by_code(unit_code)
    actor = authorize(user, Power.INDICATOR_ENTER, unit)
    period_type, day = resolve_period(period)
    periods.check_started(period_type, day)  # the whole form is for that period: one error, not one a row
    comments = comments or {}
    indicators = {
        i.code: i
        for i in Indicator.objects.filter(code__in=list(values), is_active=True).prefetch_related(
            "reporting_units"
        )
    }
    errors: dict[str, str] = {}
    changes: list[ValueChange] = []
    for code, raw in values.items():
        indicator = indicators.get(code)
        try:
            if indicator is None:
                indicator = indicator_by_code(code)  # raises NotFound
            check_enterable(indicator)
            if unit.pk not in {u.pk for u in indicator.reporting_units.all()}:
                check_reports(indicator, unit)  # raises NotAllowed
            check_period(indicator, period_type, day)
            blank = raw is None or (isinstance(raw, str) and not raw.strip())
            number = None if blank else check_value(indicator, raw)
        except DomainError as exc:
            errors[code] = exc.message
            continue
        changes.append(ValueChange(indicator, number, nfc(comments.get(code, "") or "").strip()[:500]))
    if errors:
        raise ValuesRejected(errors)
    for group_id in sorted({c.indicator.group_id for c in changes}):
        check_editable(submission_for(group_id, unit, period_type, day, lock=True))
    return _store(actor=actor, user=user, unit=unit, period_type=period_type, period=day, changes=changes)
