"""The report workflow: every allowed move is one row of this table, nothing else decides."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from citydesk.core.powers import Power
from citydesk.reports.models import Status

S = Status


@dataclass(frozen=True)
class Move:
    action: str
    sources: frozenset[str]
    target: str
    power: str | None  # None: the citizen (reporter) acts, checked separately
    # Sources the move leaves the status of: a new officer on a report in progress keeps it in progress
    # (the public history never goes back), a new category for a report at work keeps it at work.
    keeps: frozenset[str] = frozenset()

    def target_from(self, status: str) -> str:
        """The status after the move from `status`."""
        return status if status in self.keeps else self.target


MOVES: dict[str, Move] = {
    m.action: m
    for m in [
        # Classifying triages a report (received, transferred, reopened: `models.AWAITING_TRIAGE`); the
        # handling unit may also change the category of a report at work (assigned, in progress), which
        # keeps its status unless routing then sends it to another unit (`services.moves`: moved there as
        # by a transfer).
        Move(
            "classify",
            frozenset({S.RECEIVED, S.TRANSFERRED, S.REOPENED, S.ASSIGNED, S.IN_PROGRESS}),
            S.CLASSIFIED,
            Power.REPORT_ASSIGN,
            keeps=frozenset({S.ASSIGNED, S.IN_PROGRESS}),
        ),
        Move(
            "assign",
            frozenset({S.RECEIVED, S.CLASSIFIED, S.TRANSFERRED, S.REOPENED, S.ASSIGNED, S.IN_PROGRESS}),
            S.ASSIGNED,
            Power.REPORT_ASSIGN,
            keeps=frozenset({S.IN_PROGRESS}),
        ),
        Move("start", frozenset({S.ASSIGNED, S.REOPENED}), S.IN_PROGRESS, Power.REPORT_RESOLVE),
        Move("resolve", frozenset({S.ASSIGNED, S.IN_PROGRESS, S.REOPENED}), S.RESOLVED, Power.REPORT_RESOLVE),
        Move(
            "reject",
            frozenset({S.RECEIVED, S.CLASSIFIED, S.ASSIGNED, S.TRANSFERRED, S.REOPENED}),
            S.REJECTED,
            Power.REPORT_ASSIGN,
        ),
        Move(
            "transfer",
            frozenset({S.RECEIVED, S.CLASSIFIED, S.ASSIGNED, S.IN_PROGRESS, S.TRANSFERRED, S.REOPENED}),
            S.TRANSFERRED,
            Power.REPORT_ASSIGN,
        ),
        # Closing: the citizen confirms, or the time-out sweep closes (system actor).
        Move("close", frozenset({S.RESOLVED}), S.CLOSED, None),
        # Reopening, within the window after the resolution (`services.cases.reopen`): the reporter is not
        # satisfied (their rating on the tracking page, or the hotline operator on their behalf when they
        # call back), or a report of the problem that came in after the resolution is merged into it.
        Move("reopen", frozenset({S.RESOLVED, S.CLOSED}), S.REOPENED, None),
    ]
}


# What officers see on the buttons, and in messages about a move (never the action's code).
ACTION_LABELS = {
    "classify": gettext_lazy("Classify"),
    "assign": gettext_lazy("Assign"),
    "start": gettext_lazy("Start handling"),
    "resolve": gettext_lazy("Resolve"),
    "reject": gettext_lazy("Reject"),
    "transfer": gettext_lazy("Transfer"),
    "close": gettext_lazy("Close"),
    "reopen": gettext_lazy("Reopen"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def move_for(action: str) -> Move | None:
    return MOVES.get(action)


def allowed_actions(status: str) -> list[str]:
    return [m.action for m in MOVES.values() if status in m.sources]
