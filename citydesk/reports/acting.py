"""Who may move a report now: the moves of the workflow table its status allows whose power the user
holds over its unit — the one rule behind the officer page's buttons and the API's `allowed_actions`."""

from __future__ import annotations

from citydesk.core.power_check import PowerCheck
from citydesk.reports import workflow
from citydesk.reports.models import Report


def actions_open_to(report: Report, powers: PowerCheck) -> list[str]:
    """The officer moves (workflow table) the checked user may make on the report now: those its status
    allows and whose power the user holds over its unit (own right or delegation)."""
    found = []
    for action in workflow.allowed_actions(report.status):
        move = workflow.move_for(action)
        if move is not None and move.power is not None and powers.holds(move.power, report.unit):
            found.append(action)
    return found
