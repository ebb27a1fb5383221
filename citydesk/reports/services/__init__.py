"""Writes of the 1022 system (one module per concern; import from here)."""

from citydesk.reports.services.cases import report_merge, report_pause, report_resume, report_unmerge
from citydesk.reports.services.citizen import report_follow, report_rate
from citydesk.reports.services.common import (
    MAX_DESCRIPTION,
    _category,
    _due_times,
    _next_code,
    mask_phone,
    normalize_phone,
)
from citydesk.reports.services.deadlines import sla_sweep
from citydesk.reports.services.intake import Intake, report_submit
from citydesk.reports.services.moves import report_note, report_transition
from citydesk.reports.services.replies import Reply, report_reply, report_reply_by_phone  # noqa: F401

__all__ = [
    "MAX_DESCRIPTION",
    "Intake",
    "_category",
    "_due_times",
    "_next_code",
    "mask_phone",
    "normalize_phone",
    "report_follow",
    "report_merge",
    "report_note",
    "report_pause",
    "report_rate",
    "report_resume",
    "report_submit",
    "report_transition",
    "report_unmerge",
    "sla_sweep",
]
