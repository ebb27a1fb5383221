"""Read side of same-day campaigns, the backlog and the targets (issue 5, points 4 and 5).

Every figure comes from the counters the dossier services keep (CampaignTally, DossierMonth) or from
counts that an index answers (the open dossiers of a unit, the active steps of a unit);
nothing here scans the dossiers table. The one exception is computed once and kept: the number of
dossiers a unit still had open when a campaign started (CampaignBaseline).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.calendar import current_calendar
from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.core.models import DivisionLevel, Organisation, OrgKind
from citydesk.core.selectors import descendant_ids
from citydesk.dossiers import selectors
from citydesk.dossiers.catalog import percent_text
from citydesk.dossiers.models import (
    OPEN_STATUSES,
    Campaign,
    CampaignBaseline,
    CampaignTally,
    Channel,
    Dossier,
    DossierMonth,
    DossierStep,  # noqa: F401  (the steps a backlog counts: selectors.waiting_steps; read by tests)
    Procedure,
    Punctuality,
    Status,
    Target,
    TimeUnit,
)
from citydesk.dossiers.services.campaigns import FIRST_YEAR, LAST_YEAR, receivable
from citydesk.dossiers.services.common import city_of
from citydesk.ioc.access import dashboard_scope
from citydesk.lib.text import sort_key

OPEN = [str(s) for s in OPEN_STATUSES]


def _percent(part: int, whole: int) -> float | None:
    """A share in percent, to one decimal (as the pages show it); None when there is nothing to share."""
    return round(100.0 * part / whole, 1) if whole else None


# --- Units and scope ------------------------------------------------------------------------------

# Who may read what, said about the figures asked for (the power is the operations center's).
CAMPAIGN_READERS = gettext_lazy("Campaign statistics are for unit heads and the city's leaders.")
BACKLOG_READERS = gettext_lazy("The backlog figures are for unit heads and the city's leaders.")
TARGET_READERS = gettext_lazy("The targets and their results are for unit heads and the city's leaders.")


def reader_scope(user: Any, refusal: str | Promise) -> frozenset[int] | None:
    """The units whose figures `user` reads (None: the whole city), as for the operations center;
    anyone else is refused with `refusal`, which names the figures they asked for."""
    if not user.is_authenticated:
        raise NotAllowed(_("You must log in to do this."))
    try:
        return dashboard_scope(user)
    except NotAllowed as exc:
        raise NotAllowed(str(refusal), field=exc.field) from exc


def receiving_units(
    *, scope: frozenset[int] | None = None, within: Iterable[int] | None = None
) -> list[Organisation]:
    """Units that receive dossiers (commune-level People's Committees, departments), sorted by name."""
    units = (
        Organisation.objects.select_related("admin_unit")
        .filter(is_active=True)
        .filter(
            Q(kind=OrgKind.PEOPLES_COMMITTEE, admin_unit__level=DivisionLevel.WARD)
            | Q(kind=OrgKind.DEPARTMENT)
        )
    )
    if scope is not None:
        units = units.filter(pk__in=scope)
    if within is not None:
        units = units.filter(pk__in=list(within))
    return sorted(units, key=lambda u: (u.kind != OrgKind.PEOPLES_COMMITTEE, sort_key(u.name)))


def visible_campaigns(scope: frozenset[int] | None) -> QuerySet[Campaign]:
    """The campaigns listing a unit of `scope`, or under which one of its units received dossiers (a
    unit taken off a campaign still reads the dossiers it received under it)."""
    campaigns = Campaign.objects.all()
    if scope is not None:
        listing = Campaign.objects.filter(units__in=scope).values("pk")
        counted = CampaignTally.objects.filter(unit_id__in=scope).values("campaign_id")
        campaigns = campaigns.filter(Q(pk__in=listing) | Q(pk__in=counted))
    return campaigns.order_by("-start_date", "-pk")


def campaign_units(campaign: Campaign, scope: frozenset[int] | None = None) -> list[Organisation]:
    """The units of a campaign's dashboard and unit filter, sorted by name: those it lists and those that
    received dossiers under it (taken off since), within `scope`."""
    counted = CampaignTally.objects.filter(campaign=campaign).values("unit_id")
    units = Organisation.objects.select_related("admin_unit").filter(
        Q(pk__in=campaign.units.values("pk")) | Q(pk__in=counted)
    )
    if scope is not None:
        units = units.filter(pk__in=scope)
    return sorted(units.distinct(), key=lambda u: sort_key(u.name))


def campaign_city(campaign: Campaign) -> Organisation | None:
    first = campaign.units.select_related("parent").first()
    return city_of(first) if first is not None else None


# Midnight of 0001-01-01 east of UTC is before the first moment a datetime holds in UTC (and the last
# day's likewise after it): the campaign services refuse dates outside the working-day calendar, but a
# campaign stored before they did, or written around them, is still read without an OverflowError.
_FIRST_START = dt.date.min + dt.timedelta(days=1)
_LAST_START = dt.date.max - dt.timedelta(days=1)


def start_moment(campaign: Campaign) -> dt.datetime:
    """A campaign starts at midnight (local time) of its first day."""
    tz = timezone.get_current_timezone()
    day = min(max(campaign.start_date, _FIRST_START), _LAST_START)
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


# --- Campaign dashboard ---------------------------------------------------------------------------


@dataclass
class Counts:
    received: int = 0
    same_day: int = 0
    later: int = 0
    refused: int = 0
    pending: int = 0  # still open
    overdue: int = 0  # of those, past their same-day due time (not waiting for the applicant's papers)

    @property
    def resolved(self) -> int:
        return self.same_day + self.later

    @property
    def missed(self) -> int:
        """Dossiers that did not make the same day: resolved later, or still open past the due time."""
        return self.later + self.overdue

    @property
    def withdrawn(self) -> int:
        """What is neither resolved, refused nor open: withdrawn by the applicant."""
        return self.received - self.same_day - self.later - self.refused - self.pending

    @property
    def share_same_day(self) -> float | None:
        """Share resolved the same day (by the same-day due time), in %, of the dossiers whose day is
        decided: resolved (the same day or later) or still open past the due time, which has already
        missed it. A dossier open within its day, refused or withdrawn is not counted either way."""
        return _percent(self.same_day, self.same_day + self.missed)

    def add(self, other: Counts) -> None:
        self.received += other.received
        self.same_day += other.same_day
        self.later += other.later
        self.refused += other.refused
        self.pending += other.pending
        self.overdue += other.overdue

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "resolved_same_day": self.same_day,
            "resolved_later": self.later,
            "refused": self.refused,
            "withdrawn": self.withdrawn,
            "pending": self.pending,
            "pending_overdue": self.overdue,
            "share_same_day": self.share_same_day,
        }


@dataclass
class DashboardRow:
    unit: Organisation
    procedure: Procedure
    counts: Counts


@dataclass
class UnitBlock:
    unit: Organisation
    rows: list[DashboardRow]
    total: Counts


@dataclass
class Dashboard:
    campaign: Campaign
    units: list[UnitBlock]
    procedures: list[tuple[Procedure, Counts]]
    total: Counts


def campaign_dashboard(
    campaign: Campaign,
    *,
    scope: frozenset[int] | None = None,
    unit_id: int | None = None,
    now: dt.datetime | None = None,
) -> Dashboard:
    """Per unit × procedure: received, resolved the same day, resolved later, refused, withdrawn,
    pending, and the share resolved the same day; totals per unit, per procedure and overall."""
    units = {u.pk: u for u in campaign.units.select_related("admin_unit")}
    procedures = {p.pk: p for p in campaign.procedures.all()}
    tallies = CampaignTally.objects.filter(campaign=campaign)
    wanted: set[int] | None = None
    if scope is not None:
        wanted = set(scope)
    if unit_id is not None:
        wanted = {unit_id} if wanted is None or unit_id in wanted else set()
    if wanted is not None:
        tallies = tallies.filter(unit_id__in=wanted)
    counts: dict[tuple[int, int], Counts] = defaultdict(Counts)
    for unit, procedure, received, same, later, refused in tallies.values_list(
        "unit_id", "procedure_id", "received", "resolved_same_day", "resolved_later", "refused"
    ):
        counts[(unit, procedure)] = Counts(received, same, later, refused)
    # Units or procedures taken off the campaign after dossiers were counted still show.
    missing_units = {u for u, _p in counts} - set(units)
    if missing_units:
        units.update(
            {u.pk: u for u in Organisation.objects.select_related("admin_unit").filter(pk__in=missing_units)}
        )
    missing_procedures = {p for _u, p in counts} - set(procedures)
    if missing_procedures:
        procedures.update({p.pk: p for p in Procedure.objects.filter(pk__in=missing_procedures)})
    # Still open: counted on the index of open dossiers, unit by unit (a handful per unit, whatever
    # the history); the withdrawn ones are then what is neither resolved, refused nor open.
    counted_units = sorted({u for u, _p in counts})
    if counted_units:
        now = now or timezone.now()
        counted_procedures = {p for _u, p in counts}
        hourly = sorted(
            pk
            for pk, p in procedures.items()
            if pk in counted_procedures and p.time_unit == TimeUnit.WORKING_HOURS
        )
        # A procedure counted in days is due at the same-day due time itself (the campaign brings its
        # legal time forward to it); one counted in hours may be due earlier: _hourly_same_day decides.
        late = Q(due_at__lt=now) & ~Q(status=Status.SUPPLEMENT) & ~Q(procedure_id__in=hourly)
        still_open = (
            Dossier.objects.filter(unit_id__in=counted_units, status__in=OPEN, campaign=campaign)
            .values("unit_id", "procedure_id")
            .annotate(n=Count("id"), late=Count("id", filter=late))
            .order_by()
        )
        for row in still_open:
            cell = counts[(row["unit_id"], row["procedure_id"])]
            cell.pending, cell.overdue = row["n"], row["late"]
        if hourly:
            _hourly_same_day(campaign, counts, counted_units, hourly, now)

    shown_units = [u for u in units.values() if wanted is None or u.pk in wanted]
    shown_units.sort(key=lambda u: sort_key(u.name))
    ordered_procedures = sorted(procedures.values(), key=lambda p: p.code)
    blocks: list[UnitBlock] = []
    by_procedure: dict[int, Counts] = {p.pk: Counts() for p in ordered_procedures}
    total = Counts()
    for unit in shown_units:
        rows = []
        unit_total = Counts()
        for procedure in ordered_procedures:
            key = (unit.pk, procedure.pk)
            if key not in counts and not receivable(procedure, unit):
                continue
            cell = counts.get(key, Counts())
            rows.append(DashboardRow(unit=unit, procedure=procedure, counts=cell))
            unit_total.add(cell)
            by_procedure[procedure.pk].add(cell)
        total.add(unit_total)
        blocks.append(UnitBlock(unit=unit, rows=rows, total=unit_total))
    return Dashboard(
        campaign=campaign,
        units=blocks,
        procedures=[(p, by_procedure[p.pk]) for p in ordered_procedures],
        total=total,
    )


def _hourly_same_day(
    campaign: Campaign,
    counts: dict[tuple[int, int], Counts],
    unit_ids: list[int],
    procedure_ids: list[int],
    now: dt.datetime,
) -> None:
    """Measure the dossiers of procedures counted in working hours against the same-day due time, not
    their legal time. Their legal time may end before the day does (2 working hours from 07:30: 09:30),
    and past it the dossier is late (its timeliness, and the counters, say so) though it is still
    resolved the same working day — the campaign's question. Their same-day due time is the later of
    the due time (moved on by any wait for the applicant's papers) and the close of the day of receipt
    (of the next working day after the cutoff or on a day off). Read: the campaign's dossiers of those
    procedures resolved late, or open past their due time; one query on the campaign's dossiers."""
    candidates = Dossier.objects.filter(
        campaign=campaign, unit_id__in=unit_ids, procedure_id__in=procedure_ids
    ).filter(
        Q(punctuality=Punctuality.LATE) | (Q(status__in=OPEN, due_at__lt=now) & ~Q(status=Status.SUPPLEMENT))
    )
    rows = list(
        candidates.values_list("unit_id", "procedure_id", "received_at", "resolved_at", "due_at", "status")
    )
    if not rows:
        return
    calendar = current_calendar()
    for unit, procedure, received, resolved, due, status in rows:
        deadline = max(due, calendar.same_day_due(received))
        cell = counts[(unit, procedure)]
        if status in OPEN:
            if deadline < now:
                cell.overdue += 1
        elif resolved is not None and resolved <= deadline:
            cell.later -= 1
            cell.same_day += 1


# --- Backlog --------------------------------------------------------------------------------------


@dataclass
class BacklogRow:
    unit: Organisation
    # Received here and still open, wherever they wait; of those, past the result's due time.
    open_now: int = 0
    overdue: int = 0
    # Waiting here: open dossiers whose current step is this unit's (or its one-stop desk's), as in the
    # officers' queues; of those, past the step's due time (the queues' "overdue only").
    waiting: int = 0
    waiting_overdue: int = 0
    # Of the open dossiers, those received before the campaign started; and how many were open then.
    open_before_start: int | None = None
    open_at_start: int | None = None

    @property
    def cleared(self) -> int | None:
        if self.open_at_start is None or self.open_before_start is None:
            return None
        return self.open_at_start - self.open_before_start

    @property
    def progress(self) -> float | None:
        """Clearance progress in %: 1 − (still open of the starting backlog) / (the starting backlog)."""
        if not self.open_at_start or self.open_before_start is None:
            return None
        return _percent(self.open_at_start - self.open_before_start, self.open_at_start)

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit.code,
            "unit_name": self.unit.name,
            "open": self.open_now,
            "overdue": self.overdue,
            "waiting": self.waiting,
            "waiting_overdue": self.waiting_overdue,
            "open_before_start": self.open_before_start,
            "open_at_start": self.open_at_start,
            "progress": self.progress,
        }


@dataclass
class Backlog:
    campaign: Campaign | None
    rows: list[BacklogRow]
    total: BacklogRow
    now: dt.datetime
    started: bool = False


def campaign_baselines(campaign: Campaign, unit_ids: list[int], start: dt.datetime) -> dict[int, int]:
    """Open dossiers of each unit at the campaign's start: kept, else computed once from the history
    (received before the start, and neither resolved nor withdrawn before it) and stored."""
    kept = dict(
        CampaignBaseline.objects.filter(campaign=campaign, unit_id__in=unit_ids).values_list(
            "unit_id", "open_at_start"
        )
    )
    missing = [u for u in unit_ids if u not in kept]
    if missing:
        counted = dict(
            Dossier.objects.filter(unit_id__in=missing, received_at__lt=start)
            .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=start))
            .exclude(status=Status.WITHDRAWN, updated_at__lt=start)
            .values("unit_id")
            .annotate(n=Count("id"))
            .values_list("unit_id", "n")
        )
        fresh = {u: counted.get(u, 0) for u in missing}
        CampaignBaseline.objects.bulk_create(
            [CampaignBaseline(campaign=campaign, unit_id=u, open_at_start=n) for u, n in fresh.items()],
            ignore_conflicts=True,
        )
        kept.update(fresh)
    return kept


def backlog_units(campaign: Campaign | None, scope: frozenset[int] | None) -> list[Organisation]:
    """The units outside the campaign (of its city), or every unit in scope without a campaign."""
    if campaign is None:
        return receiving_units(scope=scope)
    city = campaign_city(campaign)
    within = descendant_ids([city.pk]) if city is not None else set()
    listed = set(campaign.units.values_list("pk", flat=True))
    return [u for u in receiving_units(scope=scope, within=within) if u.pk not in listed]


def waiting_counts(units: list[Organisation], now: dt.datetime) -> dict[int, tuple[int, int]]:
    """Per unit: the open dossiers waiting at it, and of those the overdue ones — the one definition the
    officers' queue (its rows at a step of the unit, its "overdue only") and the API's queue count with
    (`selectors.waiting_steps`, `selectors.overdue_q`). A ward's one-stop desk (Bộ phận Một cửa) is
    counted with its ward (`selectors.with_desks`). Two counts on the partial index of active steps
    (dossierstep_active: unit, due_at), the second reading the dossier of each late step only (its clock
    may be stopped)."""
    row_of = selectors.with_desks(u.pk for u in units)
    active = selectors.waiting_steps(row_of)
    counts: dict[int, list[int]] = {u.pk: [0, 0] for u in units}
    late = selectors.past_due_q(now, step="", dossier="dossier__")
    for row in active.values("unit_id").annotate(n=Count("id"), late=Count("id", filter=late)).order_by():
        cell = counts[row_of[row["unit_id"]]]
        cell[0] += row["n"]
        cell[1] += row["late"]
    # Past due but not overdue: the clock is stopped (waiting for the applicant's papers).
    stopped = active.filter(late).exclude(selectors.clock_running_q("dossier__"))
    for row in stopped.values("unit_id").annotate(n=Count("id")).order_by():
        counts[row_of[row["unit_id"]]][1] -= row["n"]
    return {pk: (n, late) for pk, (n, late) in counts.items()}


def _committees_waiting(
    campaign: Campaign | None, scope: frozenset[int] | None, units: list[Organisation]
) -> list[Organisation]:
    """The city People's Committees in the reader's scope (a step of a procedure may be the city's own):
    their rows show what waits at them, though they receive no dossier themselves."""
    cities = Organisation.objects.filter(parent__isnull=True, kind=OrgKind.PEOPLES_COMMITTEE, is_active=True)
    if scope is not None:
        cities = cities.filter(pk__in=scope)
    if campaign is not None:
        city = campaign_city(campaign)
        cities = cities.filter(pk=city.pk if city is not None else 0)
    shown = {u.pk for u in units}
    return [c for c in cities.select_related("admin_unit").order_by("name") if c.pk not in shown]


def backlog(
    campaign: Campaign | None,
    *,
    scope: frozenset[int] | None = None,
    units: list[Organisation] | None = None,
    now: dt.datetime | None = None,
) -> Backlog:
    """Per unit: the open dossiers waiting at it and those past their step's due time (as its officers'
    queue counts them); those it received that are still open and past the result's due time; and the
    clearance progress since the campaign's start. Indexed counts only."""
    now = now or timezone.now()
    if units is None:
        units = backlog_units(campaign, scope)
        cities = _committees_waiting(campaign, scope, units)
    else:
        cities = []
    waiting = waiting_counts([*units, *cities], now)
    # A city's committee shows when something waits at it (it receives nothing itself).
    units = [*units, *(c for c in cities if waiting[c.pk][0])]
    ids = [u.pk for u in units]
    start = start_moment(campaign) if campaign is not None else None
    started = start is not None and now >= start
    annotations: dict[str, Any] = {
        "open": Count("id"),
        # Past the result's due time; a dossier waiting for the applicant's papers has its clock stopped.
        "overdue": Count("id", filter=open_overdue_q(now)),
    }
    if started:
        annotations["before"] = Count("id", filter=Q(received_at__lt=start))
    counts = {
        row["unit_id"]: row
        for row in Dossier.objects.filter(unit_id__in=ids, status__in=OPEN)
        .values("unit_id")
        .annotate(**annotations)
        .order_by()
    }
    received_ids = [pk for pk in ids if pk not in {c.pk for c in cities}]  # a city's committee receives none
    baselines = (
        campaign_baselines(campaign, received_ids, start)
        if started and campaign is not None and received_ids
        else {}
    )
    rows = []
    total = BacklogRow(unit=Organisation(name=_("All units shown")))
    if started:
        total.open_before_start, total.open_at_start = 0, 0
    for unit in units:
        found = counts.get(unit.pk, {})
        row = BacklogRow(unit=unit, open_now=found.get("open", 0), overdue=found.get("overdue", 0))
        row.waiting, row.waiting_overdue = waiting.get(unit.pk, (0, 0))
        total.waiting += row.waiting
        total.waiting_overdue += row.waiting_overdue
        if started:
            row.open_before_start = found.get("before", 0)
            row.open_at_start = baselines.get(unit.pk, 0)
            total.open_before_start += row.open_before_start  # type: ignore[operator]
            total.open_at_start += row.open_at_start  # type: ignore[operator]
        total.open_now += row.open_now
        total.overdue += row.overdue
        rows.append(row)
    return Backlog(campaign=campaign, rows=rows, total=total, now=now, started=started)


# --- Targets --------------------------------------------------------------------------------------

PERIODS = ["year", "q1", "q2", "q3", "q4", *[str(m) for m in range(1, 13)]]


def period_months(year: int, period: str) -> tuple[dt.date, dt.date]:
    """First month and the month after the last one of `period` ("year", "q1"…"q4", "1"…"12")."""
    key = (period or "year").strip().lower()
    if key.startswith("m") and key[1:].isdigit():
        key = key[1:]
    if key == "year":
        first, months = 1, 12
    elif key in ("q1", "q2", "q3", "q4"):
        first, months = 3 * (int(key[1]) - 1) + 1, 3
    elif key.isdigit() and 1 <= int(key) <= 12:
        first, months = int(key), 1
    else:
        raise DomainError(
            _("Choose a period: the year, a quarter (q1–q4) or a month (1–12)."), field="period"
        )
    start = dt.date(year, first, 1)
    end_month = first + months
    end = dt.date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return start, end


@dataclass
class Share:
    part: int
    whole: int
    target: Decimal | None

    @property
    def actual(self) -> float | None:
        return _percent(self.part, self.whole)

    @property
    def met(self) -> bool | None:
        """The share as the page and the API show it (one decimal) against the target as shown (its own
        decimals, up to two): the verdict is the one the reader checks from the two figures. 26 of 29
        (89.655…%) shows 89,7% and meets a target of 89,7%; compared exactly it read “89,7% | 89,7% |
        ✗ not met”."""
        actual = self.actual
        if self.target is None or actual is None:
            return None
        return Decimal(str(actual)) >= self.target

    @property
    def target_text(self) -> str:
        """The target with its own decimals (“89,74%”, “90%”), not rounded to the share's one decimal: a
        target of 89,74% shown as 89,7% beside an actual 89,7% would read “not met” again."""
        return "" if self.target is None else f"{percent_text(self.target)}%"

    def as_dict(self) -> dict[str, Any]:
        return {
            "actual": self.actual,
            "target": float(self.target) if self.target is not None else None,
            "met": self.met,
            "count": self.part,
            "of": self.whole,
        }


@dataclass
class TargetRow:
    unit: Organisation
    received: int = 0
    finished: int = 0
    # Still open past their due time (falling in the period), not waiting for the applicant's papers:
    # not on time, as the national public service portal counts them.
    open_overdue: int = 0
    online: Share = field(default_factory=lambda: Share(0, 0, None))
    on_time: Share = field(default_factory=lambda: Share(0, 0, None))
    one_stop: Share = field(default_factory=lambda: Share(0, 0, None))

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit.code,
            "unit_name": self.unit.name,
            "received": self.received,
            "finished": self.finished,
            "open_overdue": self.open_overdue,
            "online_share": self.online.as_dict(),
            "on_time_share": self.on_time.as_dict(),
            "one_stop_share": self.one_stop.as_dict(),
        }


@dataclass
class TargetTable:
    year: int
    period: str
    rows: list[TargetRow]
    total: TargetRow | None


_MONTH_SUMS = {
    "n_received": Sum("received"),
    "n_online": Sum("received", filter=Q(channel=Channel.ONLINE)),
    "n_one_stop": Sum("received_via_one_stop"),
    "n_finished": Sum("finished"),
    "n_in_time": Sum("finished_early") + Sum("finished_on_time"),
}


def _target_row(
    unit: Organisation, sums: dict[str, Any], target: Target | None, open_overdue: int = 0
) -> TargetRow:
    """A unit's shares. Resolved on time = finished early or on time ÷ (finished + still open past their
    due time): the way the national public service portal (Cổng Dịch vụ công quốc gia) scores “đúng
    hạn”, and the campaign dashboard its same-day share — a dossier left open past its due time has
    missed it, and leaving it open must not raise the share."""

    def value(key: str) -> int:
        return int(sums.get(f"n_{key}") or 0)

    received = value("received")
    finished = value("finished")
    return TargetRow(
        unit=unit,
        received=received,
        finished=finished,
        open_overdue=open_overdue,
        online=Share(value("online"), received, target.online_share if target else None),
        on_time=Share(value("in_time"), finished + open_overdue, target.on_time_share if target else None),
        one_stop=Share(value("one_stop"), received, target.one_stop_share if target else None),
    )


def open_overdue_q(now: dt.datetime) -> Q:
    """An open dossier past the due time of its result, not waiting for the applicant's papers (its clock
    is stopped): the backlog's “past the result's due time”, the campaign dashboard's “pending overdue”."""
    return Q(status__in=OPEN, due_at__lt=now) & ~Q(status=Status.SUPPLEMENT)


def _open_overdue(
    unit_ids: list[int] | set[int], first: dt.date, end: dt.date, now: dt.datetime
) -> QuerySet[Dossier]:
    """The open overdue dossiers of `unit_ids` whose due time falls in the period [first, end): each is
    counted in the period it was due in (on the partial index of open dossiers, dossier_open_due: unit,
    due_at)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    stop = min(dt.datetime.combine(end, dt.time.min, tzinfo=tz), now)
    return Dossier.objects.filter(
        open_overdue_q(now), unit_id__in=sorted(unit_ids), due_at__gte=start
    ).filter(due_at__lt=stop)


def targets(
    *,
    units: list[Organisation],
    year: int,
    period: str = "year",
    city: Organisation | None = None,
    now: dt.datetime | None = None,
) -> TargetTable:
    """Actual shares of each unit over the period (DossierMonth, and the open dossiers due in the period
    and overdue), next to the unit's yearly targets; with `city`, a total row over every unit of the city
    against the city's own targets."""
    now = now or timezone.now()
    first, end = period_months(year, period)
    months = DossierMonth.objects.filter(month__gte=first, month__lt=end)
    ids = [u.pk for u in units]
    sums = {
        row["unit_id"]: row
        for row in months.filter(unit_id__in=ids).values("unit_id").annotate(**_MONTH_SUMS).order_by()
    }
    late = dict(
        _open_overdue(ids, first, end, now)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("unit_id", "n")
    )
    wanted = [*ids, city.pk] if city is not None else ids
    plans = {t.unit_id: t for t in Target.objects.filter(unit_id__in=wanted, year=year)}
    rows = [_target_row(u, sums.get(u.pk, {}), plans.get(u.pk), late.get(u.pk, 0)) for u in units]
    total = None
    if city is not None:
        every = descendant_ids([city.pk])
        everything = months.filter(unit_id__in=every).aggregate(**_MONTH_SUMS)
        total = _target_row(
            city, everything, plans.get(city.pk), _open_overdue(every, first, end, now).count()
        )
    return TargetTable(year=year, period=period or "year", rows=rows, total=total)


# --- Whose figures --------------------------------------------------------------------------------


def scope_city(scope: frozenset[int] | None) -> Organisation | None:
    """The one city whose every unit the scope covers (a city leader's), else None."""
    cities = Organisation.objects.filter(parent__isnull=True, is_active=True)
    if scope is not None:
        cities = cities.filter(pk__in=scope)
    found = list(cities[:2])
    return found[0] if len(found) == 1 else None


def target_table(
    *, scope: frozenset[int] | None, year: int, period: str = "year", unit_code: str = ""
) -> TargetTable:
    """The targets page and API: every unit in scope (with the city total for a city's leader), or
    the one unit asked for."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(
            _("Enter a year from %(a)s to %(b)s.") % {"a": FIRST_YEAR, "b": LAST_YEAR}, field="year"
        )
    units = receiving_units(scope=scope)
    city = scope_city(scope)
    code = (unit_code or "").strip()
    if code and not (city is not None and code == city.code):
        units = [u for u in units if u.code == code]
        if not units:
            raise NotFound(_("No unit %(code)s among the units you can see.") % {"code": code}, field="unit")
        city = None
    return targets(units=units, year=year, period=period, city=city)
