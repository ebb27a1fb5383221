"""The dossier workflow: every allowed move is one row of this table, nothing else decides."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.errors import Conflict, DomainError
from citydesk.dossiers.models import ResultMethod, Status

if TYPE_CHECKING:
    from citydesk.dossiers.models import Dossier

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


# After the competent authority signed the result (the last step of a deputy, a head or a leader is done),
# the steps left issue it and hand it over: refusing the dossier or sending it back for papers is no longer
# theirs to decide (services.acting.signed_refusal).
AFTER_SIGNING_BARRED = frozenset({"refuse", "request_supplement"})


def handover_problems(
    dossier: Dossier, method: str, *, tracking_number: str = "", address: str = ""
) -> list[DomainError]:
    """Everything missing to hand the result over by `method`, all at once (the page shows each beside
    its field, the API lists them): a known method; online, somewhere to deliver it (an account or an
    e-mail) and the signed result's file the applicant downloads (field `file`: else the citizen is told
    the result was handed over and finds nothing to download); by post, the tracking number and the
    delivery address. A final move is not taken back: nothing is half done."""
    if method not in ResultMethod.values:
        return [DomainError(_("Choose how the result is handed over."), field="result_method")]
    problems: list[DomainError] = []
    if method == ResultMethod.ONLINE:
        if not (dossier.applicant_id or dossier.applicant_email):
            # Nowhere to deliver it: an SMS carries no result.
            problems.append(
                DomainError(
                    _(
                        "The applicant has no account and no e-mail to receive the result online: hand it "
                        "over at the desk or by post."
                    ),
                    field="result_method",
                )
            )
        if dossier.signed_result is None:
            problems.append(
                DomainError(
                    _(
                        "Attach the file of the signed result before handing it over online: it is what the "
                        "applicant downloads."
                    ),
                    field="file",
                )
            )
    elif method == ResultMethod.POST:
        if not (tracking_number or "").strip():
            problems.append(DomainError(_("Enter the postal tracking number."), field="tracking_number"))
        if not (address or "").strip():
            problems.append(DomainError(_("Enter the delivery address."), field="delivery_address"))
    return problems
