"""The dossier workflow: every allowed move is one row of this table, nothing else decides."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from citydesk.core.errors import Conflict
from citydesk.dossiers.models import Status

S = Status

# Who may act, checked by the service against the unit named in `where`:
#   "step"  — the unit performing the current step (the role of the step picks the power);
#   "desk"  — the receiving unit (its one-stop desk);
#   "applicant" — the applicant themself (logged in, or with the dossier's citizen token).
STEP, DESK, APPLICANT = "step", "desk", "applicant"


@dataclass(frozen=True)
class Move:
    action: str
    sources: frozenset[str]
    target: str
    who: tuple[str, ...]


MOVES: dict[str, Move] = {
    m.action: m
    for m in [
        # Complete the current step and hand the dossier to the next one (not the last step).
        Move("forward", frozenset({S.RECEIVED, S.IN_PROGRESS}), S.IN_PROGRESS, (STEP,)),
        # Complete the last step: the result is ready.
        Move("finish", frozenset({S.RECEIVED, S.IN_PROGRESS}), S.RESULT_READY, (STEP,)),
        # Ask the applicant for missing or corrected papers: the clock stops.
        Move("request_supplement", frozenset({S.RECEIVED, S.IN_PROGRESS}), S.SUPPLEMENT, (STEP,)),
        # The papers came (at the desk, or uploaded by the applicant): the clock runs again.
        Move("supplement_received", frozenset({S.SUPPLEMENT}), S.IN_PROGRESS, (STEP, DESK, APPLICANT)),
        # Refuse, with reasons given to the applicant.
        Move("refuse", frozenset({S.RECEIVED, S.IN_PROGRESS, S.SUPPLEMENT}), S.REFUSED, (STEP,)),
        # Hand the result over: at the desk, online, or by public postal service.
        Move("return_result", frozenset({S.RESULT_READY}), S.RETURNED, (DESK,)),
        # The applicant withdraws the dossier (in person at the desk, or online).
        Move(
            "withdraw", frozenset({S.RECEIVED, S.IN_PROGRESS, S.SUPPLEMENT}), S.WITHDRAWN, (DESK, APPLICANT)
        ),
    ]
}


# What officers see on the buttons, and in messages about a move (never the action's code).
ACTION_LABELS = {
    "forward": gettext_lazy("Complete this step and forward"),
    "finish": gettext_lazy("Finish: the result is ready"),
    "request_supplement": gettext_lazy("Ask for additional papers"),
    "supplement_received": gettext_lazy("Additional papers received"),
    "refuse": gettext_lazy("Refuse the dossier"),
    "return_result": gettext_lazy("Hand over the result"),
    "withdraw": gettext_lazy("Withdraw the dossier"),
    # Not a move of the table (the status stays): the desk records the fee paid there.
    "record_payment": gettext_lazy("Record the fee paid at the desk"),
}


class NotNow(Conflict):
    """A move the table does not allow from the dossier's current status (or step). Still a 409, but
    not a race: nobody acted first (that is `check_version`'s Conflict), the move just does not apply."""


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def move_for(action: str) -> Move | None:
    return MOVES.get(action)


def allowed_actions(status: str) -> list[str]:
    return [m.action for m in MOVES.values() if status in m.sources]
