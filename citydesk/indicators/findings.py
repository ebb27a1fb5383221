"""The findings' life cycle: flagged → explained or corrected → closed (or reopened), who may make each
move, the moves a page offers, and the findings a submission's explanation resolves.

The detection itself (what is abnormal) is in `anomalies.py`; this module only tracks what people do
about it. Every move takes the version the person saw, writes a FindingEvent and an audit row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import Conflict, DomainError, NotAllowed, NotFound
from citydesk.core.models import AuditEntry, Delegation, Membership, Organisation, User
from citydesk.core.powers import ROLE_POWERS, ROLES_RECEIVING_UNIT_DELEGATION, Power, Role
from citydesk.core.selectors import descendant_ids
from citydesk.core.services import authorize
from citydesk.indicators.models import (
    DataValue,
    Finding,
    FindingEvent,
    FindingState,
    Indicator,
    Submission,
    SubmissionState,
)

OPEN_STATES = (FindingState.FLAGGED, FindingState.EXPLAINED, FindingState.CORRECTED)

# Allowed moves: action → (states it starts from, state it leads to, needs the dashboard power).
MOVES: dict[str, tuple[frozenset[str], str, bool]] = {
    "explain": (frozenset({FindingState.FLAGGED}), FindingState.EXPLAINED, False),
    "correct": (frozenset({FindingState.FLAGGED, FindingState.EXPLAINED}), FindingState.CORRECTED, False),
    "close": (frozenset({FindingState.EXPLAINED, FindingState.CORRECTED}), FindingState.CLOSED, True),
    "reopen": (
        frozenset({FindingState.EXPLAINED, FindingState.CORRECTED, FindingState.CLOSED}),
        FindingState.FLAGGED,
        True,
    ),
}
ACTIONS = tuple(MOVES)


def event(finding: Finding, actor: Actor, before: str, note: str) -> None:
    """The finding's history row and its audit row, after a move to `finding.state`."""
    FindingEvent.objects.create(
        finding=finding, actor_label=actor.label, state_from=before, state_to=finding.state, note=note
    )
    audit_record(
        actor=actor,
        action=f"indicators.finding_{finding.state}",
        object_type="indicators.finding",
        object_id=finding.pk,
        before={"state": before} if before else None,
        after={"state": finding.state, "value": finding.value, "note": note},
    )


def same_value(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


MAX_NOTE = 1000  # characters of an explanation or a note (the pages' note field allows as many)


def _actor_for(user: User, unit: Organisation, reviewer: bool) -> Actor:
    """Who may move a finding: its unit's own people (its officers and head, or someone acting for the
    unit by delegation of its entry power) explain or correct; the leaders responsible (the dashboard
    power over the unit) close or reopen. A leader above the unit does not explain for it."""
    if reviewer:
        try:
            return authorize(user, Power.VIEW_DASHBOARD, unit)
        except NotAllowed:
            raise NotAllowed(_("Only the leaders responsible close or reopen a finding.")) from None
    if user.is_authenticated and user.is_active:
        if (
            Membership.objects.filter(user=user, organisation=unit, is_active=True)
            .exclude(role=Role.INSPECTOR)
            .exists()
        ):
            return Actor(user_id=user.pk, label=user.full_name or user.username)
        try:
            actor = authorize(user, Power.INDICATOR_ENTER, unit)
        except NotAllowed:
            actor = None
        if actor is not None and actor.right == AuditEntry.Right.DELEGATED:
            return actor
    raise NotAllowed(_("Only the unit's own officers and head explain or correct its findings."))


def _explainers(finding_ids: Iterable[int]) -> dict[int, int | None]:
    """{finding id: the user who explained or corrected it last (None: the system)}, in one query."""
    ids = [str(i) for i in finding_ids]
    if not ids:
        return {}
    rows = (
        AuditEntry.objects.filter(
            object_type="indicators.finding",
            object_id__in=ids,
            action__in=(
                f"indicators.finding_{FindingState.EXPLAINED}",
                f"indicators.finding_{FindingState.CORRECTED}",
            ),
        )
        .order_by("id")
        .values_list("object_id", "actor_id")
    )
    return {int(obj): actor for obj, actor in rows}


def _may(user: User, unit: Organisation, reviewer: bool) -> bool:
    try:
        _actor_for(user, unit, reviewer)
    except NotAllowed:
        return False
    return True


@transaction.atomic
def finding_transition(
    *, user: User, finding_id: int, action: str, note: str = "", version: int | None = None
) -> Finding:
    """Move a finding: explain / correct (the unit's officers), close / reopen (supervisors)."""
    if action not in MOVES:
        raise DomainError(_("Unknown action."), field="action")
    finding = Finding.objects.select_for_update().select_related("unit").filter(pk=finding_id).first()
    if finding is None:
        raise NotFound(_("No such finding."), field="finding")
    sources, target, reviewer = MOVES[action]
    actor = _actor_for(user, finding.unit, reviewer)
    if version is not None and version != finding.version:
        raise Conflict(_("The finding was changed meanwhile; reload it."), field="version")
    if finding.state not in sources:
        raise Conflict(_("This action is not possible in the finding's current state."), field="action")
    note = (note or "").strip()
    if action in ("explain", "correct") and not note:
        raise DomainError(_("Say what explains or corrects the value."), field="note")
    if len(note) > MAX_NOTE:
        raise DomainError(
            _("The note is %(length)s characters long; write at most %(max)s.")
            % {"length": len(note), "max": MAX_NOTE},
            field="note",
        )
    if (
        action == "close"
        and actor.user_id is not None
        and _explainers([finding.pk]).get(finding.pk) == actor.user_id
    ):
        raise Conflict(
            _(
                "You explained or corrected this finding yourself: another leader responsible for the unit "
                "closes it."
            ),
            field="action",
        )
    if action == "correct":
        _check_corrected(finding)
    if (
        target == FindingState.FLAGGED
        and Finding.objects.filter(
            indicator_id=finding.indicator_id,
            unit_id=finding.unit_id,
            period_type=finding.period_type,
            period=finding.period,
            method=finding.method,
        )
        .exclude(pk=finding.pk)
        .exclude(state=FindingState.CLOSED)
        .exists()
    ):
        raise Conflict(_("A newer finding on the same value is open."), field="action")
    before = finding.state
    finding.state = target
    finding.version += 1
    if target == FindingState.CLOSED:
        finding.resolved_at = timezone.now()
    elif target == FindingState.FLAGGED:
        finding.resolved_at = None
    if note and action != "reopen":
        finding.resolution = note
    finding.save()
    event(finding, actor, before, note)
    return finding


def current_values(findings: Iterable[Finding]) -> dict[int, float | None]:
    """{finding id: the value stored now for what it is about (None: no value)}, in one query."""
    findings = list(findings)
    if not findings:
        return {}
    rows = DataValue.objects.filter(
        indicator_id__in={f.indicator_id for f in findings},
        unit_id__in={f.unit_id for f in findings},
        period__in={f.period for f in findings},
    ).values_list("indicator_id", "unit_id", "period_type", "period", "value")
    stored = {(i, u, t, p): v for i, u, t, p, v in rows}
    return {f.pk: stored.get((f.indicator_id, f.unit_id, f.period_type, f.period)) for f in findings}


def value_corrected(finding: Finding, current: float | None) -> bool:
    """Has the value the finding is about been changed since it was found?"""
    return current is not None and not same_value(current, finding.value)


def _check_corrected(finding: Finding) -> None:
    """ "Corrected" says the value was changed: refused while it is the very value found unusual."""
    from citydesk.indicators import display
    from citydesk.indicators.models import Submission, SubmissionState

    current = current_values([finding]).get(finding.pk)
    if value_corrected(finding, current):
        return
    submission = Submission.objects.filter(
        group_id=finding.indicator.group_id,
        unit_id=finding.unit_id,
        period_type=finding.period_type,
        period=finding.period,
    ).first()
    names = {"value": display.exact(finding.value, vietnamese=None), "uom": finding.indicator.display_uom}
    if submission is not None and submission.state not in (SubmissionState.DRAFT, SubmissionState.RETURNED):
        raise DomainError(
            _(
                "The value is still %(value)s %(uom)s, the one found unusual, and the report is %(state)s: it "
                "cannot be corrected until the report is returned to the unit (or withdrawn while not yet "
                "approved). Explain the value instead, if it is right."
            )
            % {**names, "state": SubmissionState(submission.state).label.lower()},
            field="value",
        )
    raise DomainError(
        _(
            "The value is still %(value)s %(uom)s, the one found unusual: correct it in the entry form first "
            "(it is checked again when saved), or explain it if it is right."
        )
        % names,
        field="value",
    )


@transaction.atomic
def value_changed(
    *, actor: Actor, indicator: Indicator, unit: Organisation, period_type: str, period: date, value: float
) -> list[Finding]:
    """A value with open findings was changed: each is judged again on the new value, as the batch scan
    re-checks a corrected one. Still unusual (by the same check): flagged again with the new value and its
    explanation (what the unit said was about the old one). Normal now: closed, with the event saying so.
    A corrected finding whose value was put back to the one found unusual is flagged again."""
    from citydesk.indicators.anomalies import entry_hits

    rows = list(
        Finding.objects.select_for_update()
        .filter(indicator=indicator, unit=unit, period_type=period_type, period=period, state__in=OPEN_STATES)
        .order_by("found_at", "id")
    )
    if not rows:
        return []
    hits = None
    out: list[Finding] = []
    for finding in rows:
        before = finding.state
        if same_value(finding.value, value):
            if finding.state != FindingState.CORRECTED:
                continue
            finding.state, finding.resolved_at = FindingState.FLAGGED, None
            note = stored_text(lambda: _("The value was put back to the one found unusual."))
        else:
            if hits is None:
                found = entry_hits(
                    indicator=indicator, unit=unit, period_type=period_type, period=period, value=value
                )
                hits = {h.method: h for h in found}
            hit = hits.get(finding.method)
            if hit is not None:
                finding.value, finding.expected, finding.score = hit.value, hit.expected, hit.score
                finding.explanation = hit.explanation
                finding.state, finding.resolution, finding.resolved_at = FindingState.FLAGGED, "", None
                note = stored_text(lambda: _("The corrected value is still abnormal."))
            else:
                finding.state, finding.resolved_at = FindingState.CLOSED, timezone.now()
                note = stored_text(lambda: _("The corrected value was re-checked and is normal."))
        finding.version += 1
        finding.save()
        event(finding, actor, before, note)
        out.append(finding)
    return out


# --- What a page offers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """The moves `user` may make on a finding now, and what must happen first when that is none of the
    supervisor's (a flagged value is closed only once the unit has explained or corrected it)."""

    actions: tuple[str, ...]
    hint: str = ""
    link: str = ""  # where the hint's step is taken (the approver's review page, to return the report)
    link_text: str = ""


def _rights(user: User, units: dict[int, Organisation]) -> dict[int, tuple[bool, bool, bool]]:
    """{unit id: (may explain or correct, may close or reopen, may return the unit's reports)}, as
    `_actor_for` and the review page decide, read in a few queries for a whole page of findings (not
    several per unit): the user's memberships once, the units under their dashboards and approvals once,
    and delegations only for someone who holds one."""
    if not user.is_authenticated or not user.is_active:
        return {u: (False, False, False) for u in units}
    memberships = list(
        Membership.objects.filter(user=user, is_active=True).values_list("organisation_id", "role")
    )
    roots = {org for org, role in memberships if Power.VIEW_DASHBOARD in ROLE_POWERS.get(role, frozenset())}
    supervised = descendant_ids(roots) if roots else set()
    approving = {
        org for org, role in memberships if Power.INDICATOR_APPROVE in ROLE_POWERS.get(role, frozenset())
    }
    approves = descendant_ids(approving) if approving else set()
    members = {org for org, role in memberships if role != Role.INSPECTOR}
    head_of = [org for org, role in memberships if role in ROLES_RECEIVING_UNIT_DELEGATION]
    today = timezone.localdate()
    delegated = (
        Delegation.objects.filter(start_date__lte=today, end_date__gte=today, revoked_at__isnull=True)
        .filter(Q(delegate_user=user) | Q(delegate_organisation_id__in=head_of))
        .exists()
    )
    out = {}
    for unit_id, unit in units.items():
        reviews = unit_id in supervised or (delegated and _may(user, unit, True))
        acts = unit_id in members or (delegated and _may(user, unit, False))
        # The review page (where a report is returned) is the approver's: the unit above approves.
        out[unit_id] = (acts, reviews, (unit.parent_id or unit_id) in approves)
    return out


def offers(user: User, findings: Iterable[Finding]) -> dict[int, Offer]:
    """{finding id: Offer} — only the moves the finding's state allows and the user's role permits."""
    findings = list(findings)
    rights = _rights(user, {f.unit_id: f.unit for f in findings})
    current = current_values(findings)
    sent = _report_states(findings)
    explainers = _explainers(
        f.pk for f in findings if f.state in (FindingState.EXPLAINED, FindingState.CORRECTED)
    )
    out: dict[int, Offer] = {}
    for f in findings:
        acts, reviews, returns = rights[f.unit_id]
        # "Corrected" only once the value was changed (changing it in the form re-checks it at once).
        changed = value_corrected(f, current.get(f.pk))
        actions = tuple(
            action
            for action, (sources, _target, reviewer) in MOVES.items()
            if f.state in sources
            and (reviews if reviewer else acts)
            and (action != "correct" or changed)
            # the one who explained or corrected it does not close it too
            and (action != "close" or explainers.get(f.pk) != user.pk)
        )
        hint = link = link_text = ""
        report = sent.get((f.indicator.group_id, f.unit_id, f.period_type, f.period), SubmissionState.DRAFT)
        if f.state == FindingState.FLAGGED and reviews:
            hint = _("To close it, the unit first explains or corrects the value.")
            if report in RETURNABLE:  # the unit's form is read-only until the report comes back to it
                if returns:
                    hint += " " + _(
                        "The report is %(state)s: to let the unit correct the value, return it to the unit first."
                    ) % {"state": SubmissionState(report).label.lower()}
                    link, link_text = _review_url(f), _("Open the report to return it")
                else:
                    hint += " " + _(
                        "The report is %(state)s: to let the unit correct the value, its approver returns it to "
                        "the unit first."
                    ) % {"state": SubmissionState(report).label.lower()}
        elif f.state == FindingState.FLAGGED and acts and not changed:
            hint = _correct_hint(report)
        elif f.state in (FindingState.EXPLAINED, FindingState.CORRECTED) and acts and "close" not in actions:
            hint = _("A supervisor of the unit closes it, or reopens it.")
        out[f.pk] = Offer(actions, hint, link, link_text)
    return out


# The states of a report whose form is read-only, that its approver may return to the unit.
RETURNABLE = frozenset({SubmissionState.SUBMITTED, SubmissionState.APPROVED})


def _correct_hint(report: str) -> str:
    """How the unit corrects a flagged value: in the entry form while its report is with the unit; once
    sent, the form is read-only and the value is corrected only after the report comes back."""
    if report == SubmissionState.SUBMITTED:
        return _(
            "The report has been sent, so its form is read-only: to correct the value, withdraw the report "
            "in the entry form (while it is not approved) or ask the approver to return it; or explain the "
            "value here."
        )
    if report == SubmissionState.APPROVED:
        return _(
            "The report is approved, so its form is read-only: to correct the value, ask the approver to "
            "return the report first; or explain the value here."
        )
    if report == SubmissionState.LOCKED:
        return _("The report is locked: the value can no longer be corrected. Explain it here.")
    return _(
        "To correct the value, change it in the entry form: it is checked again when saved, and "
        "this finding is closed if the new value is normal."
    )


def _report_states(findings: list[Finding]) -> dict[tuple[int, int, str, date], str]:
    """The state of the report each finding's value belongs to, in one query for a page of findings."""
    if not findings:
        return {}
    wanted = {(f.indicator.group_id, f.unit_id, f.period_type, f.period) for f in findings}
    rows = Submission.objects.filter(
        unit_id__in={k[1] for k in wanted}, period__in={k[3] for k in wanted}
    ).values_list("group_id", "unit_id", "period_type", "period", "state")
    return {row[:4]: row[4] for row in rows if row[:4] in wanted}


def _review_url(f: Finding) -> str:
    from django.urls import reverse

    from citydesk.indicators import periods

    return reverse(
        "indicators_entry:review",
        args=[f.indicator.group.code, f.unit.code, periods.period_key(f.period_type, f.period)],
    )


# --- A submission's explanation ---------------------------------------------------------------------


@dataclass(frozen=True)
class EntryHit:
    """An abnormal value found by the check at entry, as the batch scan would record it."""

    indicator: Indicator
    unit: Organisation
    period_type: str
    period: date
    value: float
    expected: float
    score: float
    method: str
    explanation: str  # in the platform's language (it is stored)


def record_explained(*, actor: Actor, hits: list[Any], explanation: str) -> list[Finding]:
    """The values a unit was warned about and submitted anyway with `explanation`: each becomes a finding
    explained by the unit (or the open finding on it is explained), so the explanation stays with the
    value it explains and the batch scan finds it already explained. A value closed before with this very
    figure is left closed, as the scan leaves it."""
    explanation = (explanation or "").strip()
    system = Actor.system("entry-check")
    out: list[Finding] = []
    for hit in hits:
        key = {
            "indicator": hit.indicator,
            "unit": hit.unit,
            "period_type": hit.period_type,
            "period": hit.period,
            "method": hit.method,
        }
        rows = list(Finding.objects.select_for_update().filter(**key).order_by("found_at", "id"))
        finding = next((f for f in rows if f.state != FindingState.CLOSED), None)
        if finding is None:
            if any(same_value(f.value, hit.value) for f in rows):
                continue
            finding = Finding.objects.create(
                **key,
                value=hit.value,
                expected=hit.expected,
                score=hit.score,
                explanation=hit.explanation,
            )
            event(finding, system, "", "")
        before = finding.state
        unchanged = same_value(finding.value, hit.value) and finding.resolution == explanation
        if before == FindingState.EXPLAINED and unchanged:
            out.append(finding)
            continue
        finding.value, finding.expected, finding.score = hit.value, hit.expected, hit.score
        finding.explanation = hit.explanation
        finding.state, finding.resolution, finding.resolved_at = FindingState.EXPLAINED, explanation, None
        finding.version += 1
        finding.save()
        event(finding, actor, before, explanation)
        out.append(finding)
    return out


def stored_text(render: Any) -> str:
    """An explanation to store: written in the platform's language whatever the page's."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(render())
