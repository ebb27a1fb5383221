"""Who may act on a dossier: the move's actor (or the refusal naming why), and every action a caller
could make now — the one rule behind the services, the pages' buttons and the API's allowed_actions."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.audit import Actor
from citydesk.core.errors import NotAllowed, NotAuthenticated
from citydesk.core.models import Delegation, Organisation, User
from citydesk.core.power_check import PowerCheck
from citydesk.core.powers import Power, Role
from citydesk.core.services import authorize
from citydesk.dossiers import workflow
from citydesk.dossiers.models import Dossier, DossierStep, Status
from citydesk.dossiers.services import common

# The power an officer needs to complete a step, by the role the process gives the step.
STEP_POWER = {
    Role.OFFICER: Power.DOSSIER_RECEIVE,
    Role.DEPUTY: Power.DOSSIER_APPROVE,
    Role.HEAD: Power.DOSSIER_APPROVE,
}
# What a refusal names: an officer's step is handled with the dossier power every officer holds (whose
# table label speaks of the one-stop desk, true of the reception step only), the others are approvals.
STEP_POWER_LABELS = {
    Power.DOSSIER_RECEIVE: gettext_lazy("Handle the steps of a dossier's process"),
    Power.DOSSIER_APPROVE: Power.DOSSIER_APPROVE.label,
}
# Not a move of the workflow table (the status does not change): the desk records a fee paid there.
RECORD_PAYMENT = "record_payment"


# The roles whose step is a review and signature of the result (the pages' “approve and sign”).
SIGNING_ROLES = frozenset({Role.DEPUTY, Role.HEAD, Role.LEADER})


def signed_at(dossier: Dossier) -> DossierStep | None:
    """The step at which the competent authority signed the dossier's result, when the dossier has gone
    past it: the last step of a deputy, a head or a leader in its process is done and the current step
    comes after it (issuing the result, handing it over at the desk). None while a signing step is
    current or still to come, or for a process without one."""
    step = dossier.current_step
    if step is None or step.position <= 1 or step.role in SIGNING_ROLES:
        return None
    if dossier.status not in (Status.RECEIVED, Status.IN_PROGRESS):
        return None
    last = (
        DossierStep.objects.filter(dossier_id=dossier.pk, role__in=SIGNING_ROLES)
        .select_related("unit")
        .order_by("-position")
        .first()
    )
    if last is None or last.position > step.position or last.completed_at is None:
        return None
    return last


def signed_refusal(action: str, dossier: Dossier) -> workflow.NotNow | None:
    """Why `action` is not possible now (409) on a dossier whose result is signed (`signed_at`): after
    the competent authority signed it, refusing the dossier or asking for more papers is not the call of
    the steps that issue and hand it over (workflow.AFTER_SIGNING_BARRED). None otherwise."""
    if action not in workflow.AFTER_SIGNING_BARRED:
        return None
    signed = signed_at(dossier)
    if signed is None:
        return None
    return workflow.NotNow(
        _(
            "The result of dossier %(code)s was signed at step %(n)s “%(step)s” (%(unit)s): the steps after "
            "it issue and hand over the result, and “%(action)s” is no longer possible. If the result must "
            "be reconsidered, %(unit)s decides."
        )
        % {
            "code": dossier.code,
            "n": signed.position,
            "step": signed.label,
            "unit": signed.unit.name,
            "action": workflow.action_label(action),
        },
        field="action",
    )


def step_power(step: DossierStep) -> str:
    return STEP_POWER.get(step.role, Power.DOSSIER_APPROVE)


def is_applicant(dossier: Dossier, user: User | None, token: str) -> bool:
    if user is not None and user.is_authenticated and dossier.applicant_id == user.pk:
        return True
    return bool(token) and bool(dossier.citizen_token) and token == dossier.citizen_token


# The one move the key of a request's message opens (`common.supplement_token`): sending the papers.
SUPPLEMENT_KEY_MOVES = frozenset({"supplement_received"})


def applicant_may(dossier: Dossier, action: str, user: User | None, token: str) -> bool:
    """May the applicant (their log-in, the receipt's key, or for sending the papers asked for the key
    of the request's message) make the applicant's move `action`?"""
    if is_applicant(dossier, user, token):
        return True
    return action in SUPPLEMENT_KEY_MOVES and common.supplement_token_valid(dossier, token)


def step_refusal(dossier: Dossier, step: DossierStep) -> NotAllowed:
    """Why someone may not handle `step`: the step, its unit and the power it takes there (field `step`,
    as a refusal of the input names it)."""
    return NotAllowed(
        _(
            "Step %(n)s “%(step)s” of dossier %(code)s is handled by %(org)s: "
            "you do not have the power “%(power)s” there."
        )
        % {
            "n": step.position,
            "step": step.label,  # in the reader's language: the English name on an English page
            "code": dossier.code,
            "org": step.unit.name,
            "power": STEP_POWER_LABELS.get(step_power(step), step_power(step)),
        },
        field="step",
    )


def applicant_refusal(dossier: Dossier) -> NotAllowed:
    """The applicant (known by their log-in or citizen token) asked for a move that is the officers'."""
    return NotAllowed(
        _(
            "As the applicant of dossier %(code)s you may only withdraw it or send the additional papers "
            "asked for; the other moves are made by the officers handling it."
        )
        % {"code": dossier.code},
        field="action",
    )


def _covering(dossier: Dossier) -> Callable[[Delegation], bool]:
    """Which delegations reach `dossier`: one lent to a unit covers the dossiers received at that unit or
    below it (selectors.delegation_covers); one to a person, every dossier of the giver's unit."""
    from citydesk.dossiers.selectors import delegation_covers

    return lambda delegation: delegation_covers(delegation, dossier)


def _authorized(user: User, power: str, unit: Organisation, covers: Callable[[Delegation], bool]) -> bool:
    try:
        authorize(user, power, unit, covers=covers)
    except NotAllowed:
        return False
    return True


def who_acts(move: workflow.Move, dossier: Dossier, user: User | None, token: str) -> Actor:
    """The actor allowed to make `move` on `dossier`; NotAuthenticated for a caller who proved nothing
    (no log-in, no valid citizen token), else NotAllowed naming why."""
    return acting_as(move, dossier, user, token)[0]


def acting_as(move: workflow.Move, dossier: Dossier, user: User | None, token: str) -> tuple[Actor, str]:
    """`who_acts`, and in which of the move's rights the caller acts (`workflow.STEP`, `DESK` or
    `APPLICANT`, tried in the move's order: an officer who is also the applicant acts as the officer)."""
    step = dossier.current_step
    if (barred := signed_refusal(move.action, dossier)) is not None:
        raise barred
    refusal: NotAllowed | None = None
    for who in move.who:
        if who == workflow.APPLICANT:
            if applicant_may(dossier, move.action, user, token):
                return common.actor_for(user, dossier.applicant_name), who
            continue
        if user is None or not user.is_authenticated:
            continue
        try:
            if who == workflow.STEP and step is not None:
                try:
                    return authorize(user, step_power(step), step.unit, covers=_covering(dossier)), who
                except NotAllowed:
                    raise step_refusal(dossier, step) from None
            if who == workflow.DESK:
                try:
                    return authorize(
                        user, Power.DOSSIER_RECEIVE, dossier.unit, covers=_covering(dossier)
                    ), who
                except NotAllowed as exc:  # the receiving unit's desk: the refusal names the unit
                    raise NotAllowed(exc.message, field="unit") from None
        except NotAllowed as exc:
            refusal = exc
    if workflow.APPLICANT not in move.who and is_applicant(dossier, user, token):
        raise applicant_refusal(dossier)
    if user is None or not user.is_authenticated:
        if workflow.APPLICANT in move.who and token:
            raise NotAuthenticated(
                _("This citizen token does not open dossier %(code)s.") % {"code": dossier.code}
            )
        raise NotAuthenticated(_("You must log in to do this."))
    if refusal is not None:
        raise refusal
    raise NotAllowed(_("You cannot act on dossier %(code)s.") % {"code": dossier.code})


def moves_open_to(
    user: User | None,
    dossier: Dossier,
    *,
    last_position: int,
    token: str = "",
    powers: PowerCheck | None = None,
) -> list[str]:
    """The actions `user` (or the holder of `token`) could make on `dossier` now: the moves of the
    workflow table its status, its current step and the fee allow, that this caller may make, and
    `record_payment` for the desk while a fee is due. `last_position`: the position of its last step."""
    powers = powers or PowerCheck(user)
    step = dossier.current_step
    last = step is not None and step.position >= last_position

    def reaches(power: str, unit: Organisation) -> bool:
        """Holds `power` over `unit` in their own right, or by a delegation that reaches this dossier
        (`_covering`): asked once per power, unit and receiving unit for a whole page (PowerCheck)."""
        if not powers.holds(power, unit):
            return False
        if user is None or powers.holds_in_own_right(power, unit):
            return True
        return powers.remembered(
            ("covers", power, unit.pk, dossier.unit_id),
            lambda: _authorized(user, power, unit, _covering(dossier)),
        )

    applicant = is_applicant(dossier, user, token)
    signed: list[DossierStep | None] = []  # `signed_at`, read once if a move it bars is in question
    out = []
    for action in workflow.allowed_actions(dossier.status):
        if action in workflow.AFTER_SIGNING_BARRED:
            if not signed:
                signed.append(signed_at(dossier))
            if signed[0] is not None:
                continue
        if action == "forward" and (step is None or last):
            continue
        if action == "finish" and not last:
            continue
        if action == "return_result" and common.fee_unpaid(dossier):
            continue
        move = workflow.move_for(action)
        if move is None:
            continue
        for who in move.who:
            if who == workflow.STEP:
                ok = step is not None and reaches(step_power(step), step.unit)
            elif who == workflow.DESK:
                ok = reaches(Power.DOSSIER_RECEIVE, dossier.unit)
            else:
                ok = applicant or (
                    action in SUPPLEMENT_KEY_MOVES and common.supplement_token_valid(dossier, token)
                )
            if ok:
                out.append(action)
                break
    if (
        common.fee_unpaid(dossier)
        and dossier.status not in (Status.REFUSED, Status.WITHDRAWN)
        and reaches(Power.DOSSIER_RECEIVE, dossier.unit)
    ):
        out.append(RECORD_PAYMENT)
    return out
