"""Telling officers about dossier work: in their inbox, the moment the work becomes theirs.

Citizen reports tell their officers (reports.services.moves `_tell_the_assignee`, reports.services.deadlines
`sla_sweep`); dossiers do the same here:

- a step that lands with other hands (another unit, or another role: the head's approval) is announced
  to those who perform it (`step_arrived`);
- the papers asked for arriving are announced to the officers handling the current step
  (`papers_arrived`);
- a dossier filed online or received by post is announced to the desk officers of its unit
  (`dossier_arrived`);
- the deadline sweep (`deadline_sweep`, run by the task worker) warns the handling officers before a
  step's or the dossier's due time, and tells the unit head after it.

In-app messages only, as the report side sends its officers (never an e-mail or SMS: the officer reads
them in the back office). Short, in the officers' language (Vietnamese), with the dossier's code, its
procedure, the due time and the applicant's name: never the applicant's phone, e-mail, address or ID.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.audit import Actor
from citydesk.core.calendar import current_calendar
from citydesk.core.history_notes import local_datetime, register, system_note
from citydesk.core.models import Organisation, User
from citydesk.core.powers import ROLE_POWERS, Power, Role
from citydesk.dossiers.models import OPEN_STATUSES, Channel, Dossier, DossierEvent, DossierStep
from citydesk.dossiers.services import common
from citydesk.dossiers.services.acting import step_power
from citydesk.notifications.services import message_language, notification_queue

# The roles that may perform a step, nearest first, when the unit has nobody in the step's own role.
STEP_ROLES = (Role.OFFICER, Role.DEPUTY, Role.HEAD, Role.LEADER)
# Who hears of a unit's overdue work: its head, else a deputy head (a city's leaders), else the same at
# the unit above.
LEADERS = ((Role.HEAD,), (Role.DEPUTY, Role.LEADER))
LEVELS = 3  # the unit and two above it (a ward, the city; a department, the city)

# The sweep's history lines (internal): each is also the mark that the message was sent, looked up by the
# dossier (index dossierevent_dossier), so a run never sends it twice.
STEP_WARNED = register(
    "dossier.step_warned",
    gettext_lazy("Deadline warning sent: step %(n)s is due %(d)s."),
    lambda a: {"n": a["step"], "d": local_datetime(a["due"])},
)
WARNED = register(
    "dossier.warned",
    gettext_lazy("Deadline warning sent: the result is due %(d)s."),
    lambda a: {"d": local_datetime(a["due"])},
)
STEP_ESCALATED = register(
    "dossier.step_escalated",
    gettext_lazy("Step %(n)s overdue (due %(d)s): the leaders of %(org)s were told."),
    lambda a: {"n": a["step"], "d": local_datetime(a["due"]), "org": a["org"]},
)
ESCALATED = register(
    "dossier.escalated",
    gettext_lazy("Overdue (due %(d)s): the leaders of %(org)s were told."),
    lambda a: {"d": local_datetime(a["due"]), "org": a["org"]},
)
SWEEP_NOTES = (STEP_WARNED, WARNED, STEP_ESCALATED, ESCALATED)
# A warning names a due time: the same step is warned again when its due time moves (a resume, the
# calendar). An escalation is sent once per step (or dossier) whatever its due time.
WARNINGS = frozenset({STEP_WARNED, WARNED})


# --- Who ----------------------------------------------------------------------------------------------


class People:
    """The active members of units by role, read once per unit and roles (a sweep asks for the same
    units many times)."""

    def __init__(self) -> None:
        self._members: dict[tuple[int, tuple[str, ...]], list[User]] = {}
        self._units: dict[int, Organisation | None] = {}

    def members(self, unit_id: int, roles: Iterable[str]) -> list[User]:
        key = (unit_id, tuple(sorted(str(r) for r in roles)))
        if key not in self._members:
            self._members[key] = list(
                User.objects.filter(
                    memberships__organisation_id=unit_id,
                    memberships__role__in=key[1],
                    memberships__is_active=True,
                    is_active=True,
                )
                .distinct()
                .order_by("pk")
            )
        return self._members[key]

    def parent(self, unit: Organisation) -> Organisation | None:
        if unit.parent_id is None:
            return None
        if unit.parent_id not in self._units:
            self._units[unit.parent_id] = Organisation.objects.filter(pk=unit.parent_id).first()
        return self._units[unit.parent_id]

    def leaders(self, unit: Organisation) -> tuple[Organisation, list[User]]:
        """The unit's head — else its deputy heads (a city's leaders) — else the same at the unit above:
        who answers for the unit's overdue work, and the unit they lead."""
        org: Organisation | None = unit
        for _level in range(LEVELS):
            if org is None:
                break
            for roles in LEADERS:
                people = self.members(org.pk, roles)
                if people:
                    return org, people
            org = self.parent(org)
        return unit, []

    def handlers(self, unit: Organisation, role: str, power: str, assignee: User | None = None) -> list[User]:
        """Who performs work of `role` in `unit`: the officer it is assigned to, else the unit's members in
        that role, else its members in any role holding `power` there, else the leaders above it."""
        if assignee is not None and assignee.is_active:
            return [assignee]
        people = self.members(unit.pk, [role])
        if not people:
            people = self.members(unit.pk, [r for r in STEP_ROLES if power in ROLE_POWERS.get(r, ())])
        if not people:
            parent = self.parent(unit)
            people = self.leaders(parent)[1] if parent is not None else []
        return people

    def step_handlers(self, dossier: Dossier, step: DossierStep | None) -> list[User]:
        """Who handles the dossier's `step` now (its desk officers when it has none)."""
        if step is None:
            return self.handlers(dossier.unit, Role.OFFICER, Power.DOSSIER_RECEIVE)
        return self.handlers(step.unit, step.role, step_power(step), step.assignee)


# --- What ---------------------------------------------------------------------------------------------


def _link(dossier: Dossier) -> str:
    return f"{settings.CITYDESK_PUBLIC_URL}{reverse('dossiers:dossier', args=[dossier.code])}"


def _values(dossier: Dossier, step: DossierStep | None) -> dict[str, Any]:
    """What the messages say, in the active language: never the applicant's data beyond their name."""
    values = {
        "code": dossier.code,
        "procedure": dossier.procedure.label,
        "name": dossier.applicant_name,
        "due": common.local_text(dossier.due_at),
        "n": "",
        "step": "",
        "unit": "",
        "step_due": "",
    }
    if step is not None:
        values.update(
            n=step.position,
            step=step.label,
            unit=step.unit.name,
            step_due=common.local_text(step.due_at),
        )
    return values


def _about(values: dict[str, Any]) -> str:
    return _("%(procedure)s — applicant: %(name)s.") % values


def _step_line(values: dict[str, Any]) -> str:
    return _("Step %(n)s “%(step)s” at %(unit)s, due %(step_due)s.") % values


def _result_line(values: dict[str, Any]) -> str:
    return _("Result due %(due)s.") % values


Compose = Callable[[dict[str, Any]], tuple[str, list[str]]]


def _send(
    people: Sequence[User],
    dossier: Dossier,
    step: DossierStep | None,
    compose: Compose,
    *,
    skip: User | None = None,
) -> int:
    """One in-app message to each of `people` (not to `skip`, who made the move), composed in their
    language; returns how many were queued."""
    sent = 0
    link = _link(dossier)
    for person in people:
        if skip is not None and person.pk == skip.pk:
            continue
        with translation.override(message_language(person)):
            subject, lines = compose(_values(dossier, step))
        notification_queue(
            channel="in_app", recipient=person, subject=subject, body="\n".join([*lines, link])
        )
        sent += 1
    return sent


def _acting(user: User | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


def step_arrived(
    dossier: Dossier, step: DossierStep, *, previous: DossierStep | None, by: User | None = None
) -> int:
    """A forward started `step`: when it changes hands (another unit — an inter-agency step — or another
    role, such as the head's approval), those who perform it are told. A step that stays with the same
    unit and role is already in their queue, and says nothing."""
    if previous is not None and previous.unit_id == step.unit_id and previous.role == step.role:
        return 0
    people = People().step_handlers(dossier, step)

    def compose(values: dict[str, Any]) -> tuple[str, list[str]]:
        subject = _("Dossier %(code)s to handle: step %(n)s") % values
        return subject, [_about(values), _step_line(values)]

    return _send(people, dossier, step, compose, skip=_acting(by))


def papers_arrived(dossier: Dossier, *, by: User | None = None) -> int:
    """The additional papers arrived (sent by the applicant, or recorded at the desk): the officers
    handling the current step are told, with the appointment the pause gave the dossier."""
    step = dossier.current_step
    people = People().step_handlers(dossier, step)

    def compose(values: dict[str, Any]) -> tuple[str, list[str]]:
        subject = _("Dossier %(code)s: additional papers received") % values
        lines = [_about(values), _result_line(values)]
        if step is not None:
            lines.append(_step_line(values))
        return subject, lines

    return _send(people, dossier, step, compose, skip=_acting(by))


def dossier_arrived(dossier: Dossier, *, by: User | None = None) -> int:
    """A dossier filed online or received by post: the desk officers of its unit are told (at the desk
    the officer receiving it has it in hand)."""
    subjects = {
        Channel.ONLINE: gettext_lazy("New dossier %(code)s filed online"),
        Channel.POST: gettext_lazy("New dossier %(code)s received by post"),
    }
    if dossier.channel not in subjects:
        return 0
    people = People().handlers(dossier.unit, Role.OFFICER, Power.DOSSIER_RECEIVE)

    def compose(values: dict[str, Any]) -> tuple[str, list[str]]:
        return str(subjects[dossier.channel]) % values, [_about(values), _result_line(values)]

    return _send(people, dossier, None, compose, skip=_acting(by))


# --- The deadline sweep -------------------------------------------------------------------------------


@dataclass
class _Alert:
    """One message the sweep may send: its kind (a history note key), the dossier, the step (None for
    the dossier's own due time) and the due time it is about."""

    key: str
    dossier: Dossier
    step: DossierStep | None
    due: dt.datetime

    def mark(self) -> tuple[Any, ...]:
        position = self.step.position if self.step is not None else None
        if self.key in WARNINGS:
            return (self.dossier.pk, self.key, position, self.due)
        return (self.dossier.pk, self.key, position)


def _mark_of(event: DossierEvent) -> tuple[Any, ...]:
    args = event.note_args or {}
    if event.note_key in WARNINGS:
        due = dt.datetime.fromisoformat(args["due"]) if args.get("due") else None
        return (event.dossier_id, event.note_key, args.get("step"), due)
    return (event.dossier_id, event.note_key, args.get("step"))


def _marks(dossier_ids: Iterable[int]) -> set[tuple[Any, ...]]:
    """What the sweep already sent about these dossiers (its history lines)."""
    return {
        _mark_of(e)
        for e in DossierEvent.objects.filter(dossier_id__in=list(dossier_ids), note_key__in=SWEEP_NOTES).only(
            "dossier_id", "note_key", "note_args"
        )
    }


def warn_limit(now: dt.datetime, lead: dt.timedelta) -> dt.datetime:
    """The latest due time a warning `lead` of office time ahead is owed for at `now` (office periods of
    working days, as due times are counted); a zero lead warns of nothing."""
    if lead <= dt.timedelta(0):
        return now
    return current_calendar().add_working_hours(now, lead)


def _lead(due: dt.datetime, start: dt.datetime | None, warn: dt.timedelta) -> dt.timedelta:
    """How long before `due` the warning goes: CITYDESK_SLA_WARN_HOURS (as for reports), but no more
    than half the time from `start`, so that a short step is not warned the moment it starts."""
    if start is None or start >= due:
        return warn
    return min(warn, (due - start) / 2)


@dataclass
class _Sweep:
    now: dt.datetime
    people: People = field(default_factory=People)
    counts: dict[str, int] = field(
        default_factory=lambda: {"warned": 0, "escalated": 0, "steps_warned": 0, "steps_escalated": 0}
    )
    actor: Actor = field(default_factory=lambda: Actor.system("dossier-sweep"))

    def batch(self, batch: list[_Alert]) -> None:
        """Send the alerts of `batch` not sent yet (one look-up of the marks for the batch)."""
        done = _marks({a.dossier.pk for a in batch})
        for alert in batch:
            if alert.mark() in done:
                continue
            with transaction.atomic():
                # Another run (the command by hand, a second worker) may be at the same dossier: its row
                # lock makes the second wait, then find the mark.
                Dossier.objects.select_for_update().filter(pk=alert.dossier.pk).values_list("pk").first()
                if alert.mark() in _marks([alert.dossier.pk]):
                    continue
                self._send(alert)
            done.add(alert.mark())

    def _send(self, alert: _Alert) -> None:
        dossier, step = alert.dossier, alert.step
        org_name = ""
        if alert.key in WARNINGS:
            people = self.people.step_handlers(dossier, dossier.current_step if step is None else step)
        else:
            org, people = self.people.leaders(step.unit if step is not None else dossier.unit)
            org_name = org.name
        compose = {
            STEP_WARNED: _compose_step_warned,
            WARNED: _compose_warned,
            STEP_ESCALATED: _compose_step_escalated,
            ESCALATED: _compose_escalated,
        }[alert.key]
        _send(people, dossier, step or dossier.current_step, compose)
        args: dict[str, Any] = {"due": alert.due}
        if step is not None:
            args["step"] = step.position
        if org_name:
            args["org"] = org_name
        common.event(
            dossier, self.actor, DossierEvent.Kind.NOTE, public=False, **system_note(alert.key, **args)
        )
        counted = {STEP_WARNED: "steps_warned", WARNED: "warned"}.get(alert.key)
        counted = counted or {STEP_ESCALATED: "steps_escalated", ESCALATED: "escalated"}[alert.key]
        self.counts[counted] += 1


def _compose_step_warned(values: dict[str, Any]) -> tuple[str, list[str]]:
    subject = _("Dossier %(code)s: step %(n)s due %(step_due)s") % values
    return subject, [_about(values), _step_line(values)]


def _compose_warned(values: dict[str, Any]) -> tuple[str, list[str]]:
    subject = _("Dossier %(code)s: result due %(due)s") % values
    lines = [_about(values), _result_line(values)]
    if values["step"]:
        lines.append(_step_line(values))
    return subject, lines


def _compose_step_escalated(values: dict[str, Any]) -> tuple[str, list[str]]:
    subject = _("Dossier %(code)s: step %(n)s overdue") % values
    return subject, [_about(values), _step_line(values)]


def _compose_escalated(values: dict[str, Any]) -> tuple[str, list[str]]:
    subject = _("Dossier %(code)s overdue") % values
    lines = [_about(values), _result_line(values)]
    if values["step"]:
        lines.append(_step_line(values))
    return subject, lines


def deadline_sweep(*, now: dt.datetime | None = None, since: dt.datetime | None = None) -> dict[str, int]:
    """Warn before a step's or a dossier's due time, tell the unit head after it: once per step (or
    dossier) and kind, recorded as an internal history line (`SWEEP_NOTES`) that the next run looks up.

    Warnings go to the officers handling the current step (its assignee, else its unit's officers in the
    step's role, else those holding its power there, else the leaders above): before the step's due time
    and before the dossier's, CITYDESK_SLA_WARN_HOURS ahead but no more than half the time the step (or
    dossier) had. A step due with its dossier is warned of once, as the dossier. After the due time the
    unit's head is told (`People.leaders`): the step's unit for a step, the receiving unit for the
    dossier (the one that answers to the applicant); a step of the receiving unit once the dossier is
    overdue too, as the dossier only.
    Dossiers waiting for the applicant's papers are not counted (their clock stopped).

    Run by the task worker every few minutes (`tasks.dossier_sweep_task`); `since` is when the run before
    looked: overdue times passed before it were dealt with then, so only those since are read (without
    it, every overdue dossier is: the first run, a run by hand). Every query reads open dossiers (and
    active steps) through an index that starts with the unit and ends with the due time (dossier_queue,
    dossier_open_due, dossierstep_active): `unit_id IN (...)` over the units lets it read them as
    ranges of due times, a few thousand index look-ups, never a scan of the dossiers table.
    """
    now = now or timezone.now()
    warn = dt.timedelta(hours=settings.CITYDESK_SLA_WARN_HOURS)
    units = list(Organisation.objects.order_by().values_list("pk", flat=True))
    sweep = _Sweep(now=now)
    running = Dossier.objects.filter(unit_id__in=units, status__in=OPEN_STATUSES, paused_at__isnull=True)
    active = DossierStep.objects.filter(
        unit_id__in=units,
        started_at__isnull=False,
        completed_at__isnull=True,
        dossier__status__in=OPEN_STATUSES,
        dossier__paused_at__isnull=True,
    )
    # The warning window counts office hours of the calendar, as the reports' does: in clock hours a
    # dossier due Monday 08:00 was warned at midnight, and one due Tuesday 08:00 not before Friday's close.
    soon = {"due_at__gt": now, "due_at__lte": warn_limit(now, warn)}
    late = {"due_at__lte": now, **({"due_at__gt": since} if since is not None else {})}

    # The candidates are read as ids first (the writes then hold no cursor open), then loaded by chunks.
    warned = [
        pk
        for pk, due, received in running.filter(**soon).values_list("pk", "due_at", "received_at")
        if due <= warn_limit(now, _lead(due, received, warn))
    ]
    escalated = list(running.filter(**late).order_by("due_at", "pk").values_list("pk", flat=True))
    steps_warned = [
        pk
        for pk, due, started, dossier_due in active.filter(**soon).values_list(
            "pk", "due_at", "started_at", "dossier__due_at"
        )
        # A step due with its dossier is warned of as the dossier, to the same officers.
        if due != dossier_due and due <= warn_limit(now, _lead(due, started, warn))
    ]
    steps_escalated = [
        pk
        for pk, unit, dossier_due, dossier_unit in active.filter(**late)
        .order_by("due_at", "pk")
        .values_list("pk", "unit_id", "dossier__due_at", "dossier__unit_id")
        # A step of the receiving unit in a dossier overdue itself: its head hears of the dossier (whose
        # message names the step), not twice of the same dossier.
        if not (unit == dossier_unit and dossier_due <= now)
    ]
    related = ("procedure", "unit", "current_step", "current_step__unit", "current_step__assignee")
    for key, ids in ((WARNED, warned), (ESCALATED, escalated)):
        for chunk in _chunks(ids):
            rows = Dossier.objects.filter(pk__in=chunk).select_related(*related).order_by("due_at", "pk")
            sweep.batch([_Alert(key, d, None, d.due_at) for d in rows])
    for key, ids in ((STEP_WARNED, steps_warned), (STEP_ESCALATED, steps_escalated)):
        for chunk in _chunks(ids):
            rows = (
                DossierStep.objects.filter(pk__in=chunk)
                .select_related("unit", "assignee", *(f"dossier__{name}" for name in related))
                .order_by("due_at", "pk")
            )
            sweep.batch([_Alert(key, s.dossier, s, s.due_at) for s in rows])
    return sweep.counts


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
