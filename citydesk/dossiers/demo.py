"""Demo dossiers: received at Phường Bến Thành's one-stop desk and moved through the real services.

Each dossier's story keeps its own times, as it would have happened: received at the desk (or
registered from the post) on one of the last working days, within office hours; each later move some
office time after the one before — a step takes a share of the time allotted to it, now and then more
— and before now; papers are asked for before the dossier is due. The services read the clock
(`timezone.now`), so each move is made with the clock set to its moment (`story_clock`, the clock the
tests use too); the history lines, dated by their column's default from the real clock, are then given
the same moment.

Idempotent: nothing happens when the demo unit already has dossiers.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.db import transaction
from django.utils import timezone

from citydesk.core.calendar import current_calendar
from citydesk.core.errors import DomainError
from citydesk.core.models import Organisation, User
from citydesk.dossiers.models import Authority, Campaign, Dossier, DossierEvent, Procedure, Status
from citydesk.dossiers.payments import payment_record_at_desk
from citydesk.dossiers.services import Applicant, common, dossier_receive, dossier_transition
from citydesk.dossiers.services.campaigns import check_same_day_possible
from citydesk.lib.names import FAMILY, GIVEN, MIDDLE
from citydesk.lib.workdays import WorkCalendar

DEMO_UNIT = "26743"  # UBND Phường Bến Thành
STREETS = ["Lê Lợi", "Nguyễn Huệ", "Lê Thánh Tôn", "Phạm Ngũ Lão", "Nguyễn Thái Học", "Trần Hưng Đạo"]
WORKING_DAYS = 15  # the dossiers were received over the last 15 working days
LAST_RECEPTION = dt.timedelta(minutes=20)  # nobody is received in the last minutes before a break


def _applicant(rng: random.Random) -> Applicant:
    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    return Applicant(
        name=name,
        id_number="0" + "".join(str(rng.randint(0, 9)) for _ in range(11)),
        phone="09" + "".join(str(rng.randint(0, 9)) for _ in range(8)),
        address=f"{rng.randint(1, 250)} {rng.choice(STREETS)}, Phường Bến Thành",
    )


def _receivable(unit: Organisation) -> list[Procedure]:
    out = []
    for procedure in Procedure.objects.filter(is_active=True).prefetch_related("steps", "documents"):
        steps = list(procedure.steps.all())
        if not steps:
            continue
        if procedure.authority in (Authority.WARD, Authority.DEPARTMENT):
            out.append(procedure)
    return out


@contextmanager
def story_clock(moment: dt.datetime) -> Iterator[None]:
    """The services' clock (`timezone.now`) set to `moment` of the story, for the demo seeder only."""
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(dt.UTC)):
        yield


class Story:
    """The moments of the demo: working days before today, office time, nothing after `now`."""

    def __init__(self, calendar: WorkCalendar, now: dt.datetime, rng: random.Random) -> None:
        self.calendar, self.now, self.rng = calendar, now, rng
        self.wall = now  # history lines written from here on carry the real clock's time
        day, self.days = timezone.localtime(now).date(), []
        while len(self.days) < WORKING_DAYS:
            day -= dt.timedelta(days=1)
            if calendar.is_working_day(day):
                self.days.append(day)

    def reception(self) -> dt.datetime:
        """A moment within the office hours of one of the last working days."""
        day, tz = self.rng.choice(self.days), self.calendar.tz
        spans = []
        for start, end in self.calendar.periods:
            opening = dt.datetime.combine(day, start, tzinfo=tz)
            closing = dt.datetime.combine(day, end, tzinfo=tz) - LAST_RECEPTION
            spans.append((opening, max(int((closing - opening).total_seconds() // 60), 1)))
        opening, minutes = self.rng.choices(spans, weights=[m for _o, m in spans])[0]
        return opening + dt.timedelta(minutes=self.rng.randrange(minutes))

    def after(self, moment: dt.datetime, office_seconds: float) -> dt.datetime:
        """`office_seconds` of office time after `moment` (at least five minutes)."""
        return self.calendar.add_working_hours(moment, dt.timedelta(seconds=max(office_seconds, 300)))

    def before(self, start: dt.datetime, end: dt.datetime, low: float, high: float) -> dt.datetime | None:
        """A moment between `low` and `high` of the office time from `start` to `end` (and before now)."""
        span = self.calendar.working_time_between(start, min(end, self.now))
        if span.total_seconds() < 600:
            return None
        return self.after(start, span.total_seconds() * self.rng.uniform(low, high))


# The demo's administrative-reform targets (seed 003), in percent: plausible ranges for a city's units.
TARGET_RANGES = {"online_share": (20, 40), "on_time_share": (90, 98), "one_stop_share": (95, 100)}


def seed_demo_targets(year: int | None = None) -> int:
    """This year's targets of every unit that receives dossiers, and of each city itself (the city-wide
    targets), so that the targets page compares something. Each unit's values are drawn from its code
    and the year (the same on every run, in steps of 0.5); only missing targets are written: a leader's
    own targets are never replaced. Returns how many were written."""
    from decimal import Decimal

    from citydesk.core.models import OrgKind
    from citydesk.dossiers.models import Target
    from citydesk.dossiers.stats import receiving_units

    year = year or timezone.localdate().year
    cities = Organisation.objects.filter(parent__isnull=True, kind=OrgKind.PEOPLES_COMMITTEE, is_active=True)
    units = [*cities, *receiving_units()]
    have = set(Target.objects.filter(year=year, unit__in=units).values_list("unit_id", flat=True))
    made = []
    for unit in units:
        if unit.pk in have:
            continue
        rng = random.Random(f"{unit.code}/{year}")
        values = {
            name: Decimal(rng.randint(low * 2, high * 2)) / 2 for name, (low, high) in TARGET_RANGES.items()
        }
        made.append(Target(unit=unit, year=year, **values))
    Target.objects.bulk_create(made, ignore_conflicts=True)
    return len(made)


def _same_day_possible(procedures: list[Procedure], unit: Organisation) -> list[Procedure]:
    """The procedures a same-day campaign at `unit` may list: the rule the campaign form applies
    (`check_same_day_possible`), so that the demo campaign is one the product itself would accept (a
    procedure passed to a department at some step cannot be promised the same day)."""
    city = common.city_of(unit)
    out = []
    for procedure in procedures:
        try:
            check_same_day_possible([procedure], [unit], city)
        except DomainError:
            continue
        out.append(procedure)
    return out


def seed_demo_dossiers(count: int = 120, *, seed: int = 2026) -> dict[str, int]:
    # On every run (idempotent): without targets the targets page reads "—".
    targets = {"demo_targets": seed_demo_targets()}
    unit = Organisation.objects.filter(code=DEMO_UNIT).first()
    if unit is None or Dossier.objects.filter(unit=unit).exists():
        return {"demo_dossiers": 0, **targets}
    users = {u.username: u for u in User.objects.filter(username__in=["officer", "deputy", "head", "leader"])}
    procedures = _receivable(unit)
    if not procedures or "officer" not in users:
        return {"demo_dossiers": 0, **targets}
    rng = random.Random(seed)
    now = timezone.now()
    story = Story(current_calendar(), now, rng)
    made = 0
    with transaction.atomic():
        quick = _same_day_possible([p for p in procedures if p.same_day], unit)
        if quick:
            campaign = Campaign.objects.create(
                name="Tháng cao điểm giải quyết hồ sơ trong ngày",
                start_date=(now - dt.timedelta(days=20)).date(),
                end_date=(now + dt.timedelta(days=10)).date(),
            )
            campaign.procedures.add(*quick)
            campaign.units.add(unit)
        for index in range(count):
            procedure = rng.choice(procedures)
            received = story.reception()
            channel = "post" if index % 10 == 0 else "desk"
            required = [d.pk for d in procedure.documents.all() if d.required]
            try:
                with transaction.atomic(), story_clock(received):
                    dossier = dossier_receive(
                        user=users["officer"],
                        procedure_code=procedure.code,
                        unit_code=unit.code,
                        channel=channel,
                        applicant=_applicant(rng),
                        provided=required,
                        received_at=received,
                    ).dossier
            except DomainError:
                continue
            _date_history(dossier, story, received)
            if dossier.fee:  # the fee is paid at the desk when the dossier is handed in
                _pay(dossier, users["officer"], story, received + dt.timedelta(minutes=rng.randint(2, 9)))
            made += 1
            _advance(dossier, users, story)
    return {"demo_dossiers": made, **targets}


def _advance(dossier: Dossier, users: dict[str, User], story: Story) -> None:
    """Move a demo dossier a random distance along its process, each move at its moment of the story."""
    rng = story.rng
    target = rng.random()
    if target < 0.25:
        return
    if target < 0.32:  # papers asked for part-way to the due time: the clock stops before it runs out
        moment = story.before(dossier.received_at, dossier.due_at, 0.1, 0.8)
        if moment is not None:
            note = "Bổ sung bản sao giấy tờ tùy thân có chứng thực."
            _act(dossier, users, story, moment, "request_supplement", note)
        return
    if target < 0.36:
        moment = story.before(dossier.received_at, dossier.due_at, 0.05, 0.5)
        if moment is not None:
            note = "Hồ sơ không thuộc thẩm quyền giải quyết của phường."
            _act(dossier, users, story, moment, "refuse", note)
        return
    moment = dossier.received_at
    for _ in range(6):
        dossier.refresh_from_db()
        step = dossier.current_step
        if dossier.status not in (Status.RECEIVED, Status.IN_PROGRESS) or step is None:
            break
        # Most steps take a share of their allotted office time; now and then one runs late.
        share = rng.uniform(0.2, 0.95) if rng.random() < 0.85 else rng.uniform(1.05, 1.6)
        moment = story.after(max(moment, step.started_at or moment), step.allotted_seconds * share)
        if moment >= story.now:
            return
        last = not dossier.steps.filter(position__gt=step.position).exists()
        if last:
            if not _act(dossier, users, story, moment, "finish", "Đã cấp kết quả theo đề nghị."):
                return
            handed = story.after(moment, rng.uniform(0.5, 16) * 3600)
            if rng.random() < 0.7 and handed < story.now:
                _act(dossier, users, story, handed, "return_result", "", result_method="desk")
            return
        if not _act(dossier, users, story, moment, "forward", "") or rng.random() < 0.2:
            return


def _act(
    dossier: Dossier,
    users: dict[str, User],
    story: Story,
    moment: dt.datetime,
    action: str,
    note: str,
    **extra: str,
) -> bool:
    # Whoever the current step is for acts first (a head approves; a department's step, done at the
    # department, by the city's leader of the demo); the others only if they may not.
    role, step_unit, unit = Dossier.objects.filter(pk=dossier.pk).values_list(
        "current_step__role", "current_step__unit_id", "unit_id"
    )[0]
    first = (role or "officer") if step_unit in (None, unit) else "leader"
    for name in dict.fromkeys([first, "officer", "deputy", "head", "leader"]):
        user = users.get(name)
        if user is None:
            continue
        try:
            with transaction.atomic(), story_clock(moment):
                dossier_transition(user=user, code=dossier.code, action=action, note=note, **extra)
        except DomainError:
            continue
        _date_history(dossier, story, moment)
        return True
    return False


def _pay(dossier: Dossier, officer: User, story: Story, moment: dt.datetime) -> None:
    try:
        with transaction.atomic(), story_clock(moment):
            payment_record_at_desk(
                user=officer, code=dossier.code, method="cash", receipt=f"{dossier.pk:07d}"
            )
    except DomainError:
        return
    _date_history(dossier, story, moment)


def _date_history(dossier: Dossier, story: Story, moment: dt.datetime) -> None:
    """The history lines just written (dated by the real clock) get the moment of the story."""
    DossierEvent.objects.filter(dossier_id=dossier.pk, at__gte=story.wall).update(at=moment)
