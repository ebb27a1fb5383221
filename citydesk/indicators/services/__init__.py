"""Writes of the indicator subsystem's entry side: values, submissions, plans, reminders."""

from citydesk.indicators.services.common import parse_number
from citydesk.indicators.services.deadlines import due_at_for, period_end
from citydesk.indicators.services.plans import plan_history, plan_set
from citydesk.indicators.services.reminders import indicator_reminders, submission_remind
from citydesk.indicators.services.submissions import (
    MOVES,
    EntryWarning,
    WarningsPending,
    allowed_actions,
    can_withdraw,
    entry_warnings,
    is_late,
    required_indicators,
    submission_approve,
    submission_lock,
    submission_move,
    submission_return,
    submission_submit,
    submission_withdraw,
)
from citydesk.indicators.services.values import ValuesRejected, value_set, values_set_many

__all__ = [
    "MOVES",
    "EntryWarning",
    "ValuesRejected",
    "WarningsPending",
    "allowed_actions",
    "can_withdraw",
    "due_at_for",
    "entry_warnings",
    "indicator_reminders",
    "is_late",
    "parse_number",
    "period_end",
    "plan_history",
    "plan_set",
    "required_indicators",
    "submission_approve",
    "submission_lock",
    "submission_move",
    "submission_remind",
    "submission_return",
    "submission_submit",
    "submission_withdraw",
    "value_set",
    "values_set_many",
]
