"""Reads of the 1022 system: who may see what, the officer queue, a report's page, per-unit figures."""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.core import configcache
from citydesk.core.calendar import current_calendar
from citydesk.core.errors import DomainError, NotFound
from citydesk.core.models import (
    AdminUnit,
    DivisionLevel,
    Membership,
    Organisation,
    OrgKind,
    ServiceCategory,
    User,
)
from citydesk.core.powers import ROLE_POWERS, Power, Role
from citydesk.core.selectors import descendant_ids as _descendants
from citydesk.core.services import active_delegation_for, holds_own
from citydesk.core.validators import normalize_phone
from citydesk.lib.text import search_key, sort_key, tracking_code
from citydesk.reports import system_notes
from citydesk.reports.duplicates import find_candidates, find_in_ward
from citydesk.reports.models import (
    AWAITING_TRIAGE,
    OPEN_STATUSES,
    Rating,
    Report,
    ReportEvent,
    RoutingRule,
    Status,
    overdue_q,
)

SEE_POWERS = {Power.REPORT_RECEIVE, Power.REPORT_RESOLVE, Power.REPORT_ASSIGN, Power.INSPECT}


def working_units(user: User) -> set[int]:
    """The organisations whose reports this officer may see in full (their own and those below)."""
    if not user.is_authenticated:
        return set()
    roots = {
        m.organisation_id
        for m in Membership.objects.filter(user=user, is_active=True).only("organisation_id", "role")
        if ROLE_POWERS[m.role] & SEE_POWERS
    }
    return _descendants(roots) if roots else set()


def handles(user: User | None, report: Report) -> bool:
    """Is the user in (or delegated to) the unit handling the report?"""
    if user is None or not user.is_authenticated:
        return False
    if report.unit_id in working_units(user):
        return True
    return active_delegation_for(user, Power.REPORT_RESOLVE, report.unit) is not None


def can_see_private(user: User | None, report: Report) -> bool:
    """The report's private fields: its handlers and its reporter."""
    if user is not None and user.is_authenticated and report.reporter_id == user.pk:
        return True
    return handles(user, report)


QUEUE_RELATED = ("category", "unit", "assignee", "ward", "duplicate_of")


# The queue's status filters besides the statuses themselves. "done": resolved at least once and finished
# (`done_q`), the reports the operations center's on-time share and median handling time are computed from.
DONE = "done"
QUEUE_STATUS_FILTERS = ("open", "overdue", "triage_late", DONE, "all")
# The finished statuses a report reaches once resolved: "closed" only follows "resolved" (workflow.py).
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)


def done_q() -> Q:
    """Resolved at least once and finished: the reports the operations center counts as resolved
    (ioc/rollup.py `_RESOLVED`, `resolved_at` set: the on-time share, the median handling time). Only
    resolving sets `resolved_at`, closing keeps it, reopening clears it, and nothing else moves a resolved
    or closed report (workflow.py; the admin changes no report): `resolved_at` is set exactly on the
    "resolved" and "closed" reports. Said by the status, which the queue's indexes hold: reading
    `resolved_at` read every row (0.8 s for a city's 880,000 finished reports, against 0.04 s)."""
    return Q(status__in=DONE_STATUSES)


def rated_q() -> Q:
    """Rated by the citizen: the reports the operations center's satisfaction is computed from (ioc/rollup.py
    `rated_*`: a rating of any of its three levels, `Rating.Level`, the only ones a rating has). Found in
    the ratings' index of reports alone: reading each rating's level doubled the time (0.43 s against
    0.84 s for a city's 450,000 rated reports)."""
    return Q(rating__isnull=False)


@dataclass(frozen=True)
class QueueFilters:
    status: str | None = None  # a status, or one of QUEUE_STATUS_FILTERS
    category: str | None = None
    unit: str | None = None  # a unit's code: its reports and those of the units below it
    # With `unit`: that unit's own reports only, not those of the units below it (the operations center's
    # per-unit figures count a unit's own reports).
    unit_only: bool = False
    rated: bool = False  # only the reports the citizen rated (the operations center's satisfaction)
    q: str | None = None
    assignee: str | None = None  # a username or "me" / "none"
    channel: str | None = None
    ward: str | None = None  # commune-level unit code (the operations center's map)
    cell: int | None = None  # a heat-map square of the operations center (ioc.heat.grid_bounds)
    received_from: date | None = None  # local days, inclusive (drill-down from the dashboards)
    received_to: date | None = None
    near_boundary: bool | None = None  # True: only the reports placed near a unit boundary, to check


def queue_filter_problems(
    user: User, filters: QueueFilters, units: set[int] | None = None
) -> list[tuple[str, str]]:
    """(filter, message) for each filter value that cannot select anything of this user's queue: an
    unknown category, a unit that is not one of theirs, an assignee who is not (and was not) an officer
    of their units. Said, never silently turned into an empty list."""
    units = working_units(user) if units is None else units
    problems = []
    if (
        filters.category
        and not ServiceCategory.objects.filter(
            domain=ServiceCategory.Domain.REPORT, code=filters.category
        ).exists()
    ):
        problems.append(("category", _("Unknown category “%(c)s”.") % {"c": filters.category}))
    if filters.unit and not Organisation.objects.filter(pk__in=units, code=filters.unit).exists():
        problems.append(("unit", _("“%(c)s” is not one of your units.") % {"c": filters.unit}))
    assignee = filters.assignee
    if (
        assignee
        and assignee not in ("me", "none")
        and not Membership.objects.filter(organisation_id__in=units, user__username=assignee).exists()
    ):
        problems.append(("assignee", _("“%(u)s” is not an officer of your units.") % {"u": assignee}))
    if filters.ward and (problem := _ward_problem(filters.ward, units)):
        problems.append(("ward", problem))
    if filters.unit_only and not filters.unit:
        problems.append(("unit_only", _("Choose a unit: “its own reports only” applies to one unit.")))
    return problems


def _ward_problem(code: str, units: set[int]) -> str:
    """Why the commune/ward `code` cannot select anything of these units' queue, or "": it is no commune or
    ward, or it lies outside their area (a ward's People's Committee has its ward, a unit of a province its
    province) and none of their reports is placed there (a report transferred in from next door is)."""
    ward = AdminUnit.objects.filter(code=code, level=DivisionLevel.WARD).first()
    if ward is None:
        return _("Unknown commune/ward code “%(c)s”.") % {"c": code}
    table = configcache.cached("report_handlers", _load_handlers)
    places = Organisation.objects.filter(pk__in=units).values_list("pk", "admin_unit_id", "admin_unit__level")
    for pk, place, level in places:
        if level == DivisionLevel.WARD:
            if place == ward.code:
                return ""
            continue
        province = table.province_of.get(pk)
        if province is None or province == ward.province_id:  # a unit of no place could serve anywhere
            return ""
    if Report.objects.filter(ward_id=ward.code, unit_id__in=units).exists():
        return ""
    return _("%(ward)s (%(c)s) is outside the area of your units.") % {"ward": ward.name, "c": ward.code}


def queue(user: User, filters: QueueFilters, units: set[int] | None = None) -> QuerySet[Report]:
    """My units' reports, most urgent first: the overdue ones (`overdue_q`: a report paused after its due
    time included), then the others, each by due time (none last). The order the queue's legend says; by
    due time alone a report paused in time, its due time passed, came before overdue ones.

    The order is an expression here: the pages read it through `queue_page`, which walks the same order
    on the due-time indexes."""
    now = timezone.now()
    qs = _queue_filtered(user, filters, units)
    overdue_first = Case(When(overdue_q(now), then=Value(0)), default=Value(1))
    return qs.order_by(overdue_first, F("due_at").asc(nulls_last=True), "pk")


def _queue_filtered(user: User, filters: QueueFilters, units: set[int] | None = None) -> QuerySet[Report]:
    """My units' reports that pass the filters, in no order."""
    units = working_units(user) if units is None else units
    qs = Report.objects.filter(unit_id__in=units).select_related(*QUEUE_RELATED)
    status = filters.status or "open"
    period = bool(filters.received_from or filters.received_to)
    if status in ("open", DONE) and period:
        # A period's open or finished reports (the operations center's links carry their period): read
        # through the period index (`report_unit_received`, which holds the status). Said on the status as
        # written, the planner took the queue index instead, which holds no date, and read every open or
        # finished report of each unit (a city's 30 days at a million reports: 1.7 s finished, 156 ms open;
        # 50 and 60 ms so).
        wanted = OPEN_STATUSES if status == "open" else DONE_STATUSES
        qs = qs.alias(status_as_read=Lower("status")).filter(status_as_read__in=wanted)
    elif status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status == "overdue":
        qs = qs.filter(overdue_q(timezone.now()))
    elif status == "triage_late":  # not classified by the triage deadline
        qs = qs.filter(status__in=AWAITING_TRIAGE, triage_due_at__lt=timezone.now())
    elif status == DONE:
        qs = qs.filter(done_q())
    elif status != "all":
        qs = qs.filter(status=status)
    if filters.category:
        qs = qs.filter(category__code=filters.category)
    if filters.unit:
        # The unit and those below it (the operations center counts a unit so, and links here), or with
        # `unit_only` the unit itself (its per-unit figures): within my units, as every row of the queue.
        chosen = set(Organisation.objects.filter(code=filters.unit).values_list("pk", flat=True))
        qs = qs.filter(unit_id__in=chosen if filters.unit_only else _descendants(chosen))
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee:
        qs = qs.filter(assignee__username=filters.assignee)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.ward:
        qs = qs.filter(ward_id=filters.ward)
    if filters.cell is not None:
        from citydesk.ioc.heat import grid_bounds

        west, south, east, north = grid_bounds(filters.cell)
        qs = qs.filter(lon__gte=west, lon__lt=east, lat__gte=south, lat__lt=north)
    if filters.received_from:
        qs = qs.filter(created_at__gte=_local_midnight(filters.received_from))
    if filters.received_to:
        qs = qs.filter(created_at__lt=_local_midnight(filters.received_to + timedelta(days=1)))
    if filters.q:
        # Lower case and without accents on both sides: "ổ gà", "Ổ GÀ" and "o ga" find "Ổ gà trước số 5"
        # (SQLite's LIKE folds ASCII letters only).
        text = filters.q.strip()
        found = Q(code=tracking_code(text)) | Q(search_text__contains=search_key(text))
        if phone := _typed_phone(text):  # the reporter's number, however it is spaced (0… or +84…)
            found |= Q(contact_phone=phone)
        qs = qs.filter(found)
    if filters.near_boundary:
        qs = qs.filter(near_boundary=True)
    if filters.rated:
        qs = qs.filter(rated_q())
    return qs


def ward_name(code: str) -> str:
    """The name of the commune/ward `code` ("Phường Bến Thành"), or "" (the queue's label of its filter)."""
    return AdminUnit.objects.filter(code=code).values_list("name", flat=True).first() or ""


# How far from a heat-map square a commune/ward centre is looked for to name the square (degrees, ~11 km).
NEAR_WARD_DEG = 0.1


def cell_place(cell: int) -> tuple[float, float, str]:
    """The centre (latitude, longitude) of a heat-map square of the operations center and the name of the
    commune/ward whose centre is nearest to it, or "" with none within NEAR_WARD_DEG: the queue names the
    square its map linked to. One query, on the few wards around the square."""
    from citydesk.ioc.heat import grid_bounds

    west, south, east, north = grid_bounds(cell)
    lat, lon = (south + north) / 2, (west + east) / 2
    around = AdminUnit.objects.filter(
        level=DivisionLevel.WARD,
        centre_lat__range=(lat - NEAR_WARD_DEG, lat + NEAR_WARD_DEG),
        centre_lon__range=(lon - NEAR_WARD_DEG, lon + NEAR_WARD_DEG),
    ).values_list("name", "centre_lat", "centre_lon")
    scale = math.cos(math.radians(lat)) ** 2  # a degree of longitude is shorter than one of latitude
    nearest = min(around, key=lambda w: ((w[1] - lat) ** 2 + scale * (w[2] - lon) ** 2, w[0]), default=None)
    return lat, lon, nearest[0] if nearest else ""


# Search text that is a phone number rather than a code or words (8 to 20 digits and separators).
PHONE_LIKE = re.compile(r"\+?[\d\s.\-()]{8,20}")


def _typed_phone(text: str) -> str:
    """The Vietnamese phone number `text` is, in its stored form, or "" when it is not one."""
    if not PHONE_LIKE.fullmatch(text):
        return ""
    try:
        return normalize_phone(text)
    except DomainError:
        return ""


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class _InParts:
    """The ids of `parts` one after the other, each part in its own order, as a Paginator reads them
    (`count()` and slices): each part is read from its index and stops at the page, and a part is counted
    only when the page starts after it."""

    def __init__(self, whole: QuerySet, parts: list[QuerySet]) -> None:
        self.whole, self.parts = whole, parts

    def count(self) -> int:
        return self.whole.count()

    def __getitem__(self, window: slice) -> list[int]:
        skip, wanted = window.start or 0, window.stop - (window.start or 0)
        ids: list[int] = []
        for index, part in enumerate(self.parts):
            got = list(part[skip : skip + wanted - len(ids)])
            ids.extend(got)
            if len(ids) >= wanted or index == len(self.parts) - 1:
                break
            skip = 0 if got or not skip else skip - part.count()
        return ids


# Past their due time, yet not overdue, as ids: paused in time (a few reports, from the `report_paused`
# index). More than this, and the parts are chosen by `overdue_q` itself, reading each row.
PAUSED_IN_TIME_MAX = 500


def _in_queue_order(qs: QuerySet[Report], status: str) -> _InParts:
    """`qs`'s ids in `queue`'s order, in parts each read in (due time, id) order from the due-time indexes:
    the overdue reports, the others whose due time passed (paused in time; with "all", the finished ones
    too), those due later, those without a due time. Sorting on whether each report is overdue read every
    row of a city's queue (tens of thousands) before the first page; and telling an overdue report from
    one paused in time reads its row, so the few paused in time are found first, by their own index, and
    the overdue part is "past due, not one of them" (the ids are in the due-time indexes)."""
    now = timezone.now()
    ids = qs.values_list("pk", flat=True)
    later = [Q(due_at__gte=now), Q(due_at__isnull=True)]
    if status == "overdue":
        parts = [Q()]  # each of them is overdue
    elif status in (Status.RESOLVED, Status.CLOSED, Status.REJECTED, DONE):
        parts = [Q(due_at__lt=now), *later]  # none of them is
    else:
        # Read from the `report_paused` index alone (a status condition here made SQLite read every open
        # report instead); finished reports drop their mark (services.moves, reports.0023), and any left
        # are set aside here.
        marked = list(
            Report.objects.filter(
                paused_at__isnull=False, paused_at__lte=F("due_at"), due_at__lt=now
            ).values_list("pk", "status")[: PAUSED_IN_TIME_MAX + 1]
        )
        paused = [pk for pk, state in marked if state in OPEN_STATUSES]
        if len(marked) > PAUSED_IN_TIME_MAX:
            overdue = overdue_q(now)
            passed = Q(due_at__lt=now) & (~Q(status__in=OPEN_STATUSES) | Q(paused_at__lte=F("due_at")))
        else:
            overdue = Q(status__in=OPEN_STATUSES, due_at__lt=now) & ~Q(pk__in=paused)
            passed = Q(due_at__lt=now, pk__in=paused)
            if status == "all":
                passed |= Q(due_at__lt=now) & ~Q(status__in=OPEN_STATUSES)
        parts = [overdue, passed, *later]
    return _InParts(ids, [ids.filter(part).order_by("due_at", "pk") for part in parts])


def queue_page(  # type: ignore[no-untyped-def]
    user: User,
    filters: QueueFilters,
    page: int = 1,
    page_size: int = 50,
    *,
    units: set[int] | None = None,
    strict: bool = False,
):
    """One page of the queue in a constant number of queries whatever the page size.

    Ids first (sorted from the `report_queue` index without joins), then only that page's rows with their
    related objects: sorting whole joined rows of a city-wide queue cost 4–10× more at a million reports.
    A page past the end is the last one, or with `strict` (the API) NotFound naming `page`.
    """
    filtered = _queue_filtered(user, filters, units)
    paginator = Paginator(_in_queue_order(filtered, filters.status or "open"), page_size)
    result = page_or_not_found(paginator, page) if strict else paginator.get_page(page)
    ids = list(result.object_list)
    rows = Report.objects.select_related(*QUEUE_RELATED).in_bulk(ids)
    result.object_list = [rows[i] for i in ids if i in rows]
    return result


def report_for_page(code: str) -> Report | None:
    return (
        Report.objects.select_related(
            "category",
            "unit",
            "assignee",
            "ward",
            "ward__province",
            "duplicate_of",
            "open311_client",
            "reporter",  # the staff pages show the reporter's account; whether they can be asked
        )
        .prefetch_related("events", "attachments")
        .annotate(follower_count=Count("followers", distinct=True))
        .filter(code=code)
        .first()
    )


def public_reports(
    *,
    bbox: tuple[float, float, float, float] | None = None,
    category: str | None = None,
    status: str | None = None,
    limit: int = 500,
) -> QuerySet[Report]:
    qs = (
        Report.objects.filter(is_public=True, duplicate_of__isnull=True)
        .exclude(status=Status.REJECTED)
        .select_related("category", "unit")
    )
    if bbox:
        west, south, east, north = bbox
        qs = qs.filter(lon__gte=west, lon__lte=east, lat__gte=south, lat__lte=north)
    if category:
        qs = qs.filter(category__code=category)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at")[:limit]


@dataclass(frozen=True)
class UnitFigures:
    unit_code: str
    unit_name: str
    volume: int
    open: int
    overdue: int
    resolved: int
    on_time_pct: float | None
    median_hours: float | None
    satisfied_pct: float | None
    ratings: int
    reopen_pct: float | None


def unit_figures(*, since: datetime, until: datetime, unit_ids: set[int] | None = None) -> list[UnitFigures]:
    """Volume, on-time %, median handling time, satisfaction and reopen rate per unit, over the reports
    received in [since, until). The same definitions as the operations center's (ioc/rollup.py MEASURES):

    - volume: every report received, merged duplicates included (each was received, and the citizen
      who sent it was answered);
    - resolved: resolved now (`resolved_at` set); on time: resolved by its due time;
    - reopen_pct: reopened at least once, as a share of the reports resolved at least once (resolved now,
      or reopened: reopening clears `resolved_at`, and only a resolved report can be reopened);
    - median_hours: the exact median of received → resolved, over the resolved reports. The operations
      center estimates it from its hourly histogram (ioc/queries.py `Measures.median_hours`), within the
      bucket the exact median falls in.
    """
    now = timezone.now()
    base = Report.objects.filter(created_at__gte=since, created_at__lt=until)
    if unit_ids is not None:
        base = base.filter(unit_id__in=unit_ids)
    done = Q(resolved_at__isnull=False)
    reopened = Q(reopen_count__gt=0)
    rows = base.values("unit_id", "unit__code", "unit__name").annotate(
        volume=Count("id"),
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=overdue_q(now)),
        resolved=Count("id", filter=done),
        on_time=Count("id", filter=done & Q(resolved_at__lte=F("due_at"))),
        reopened=Count("id", filter=reopened),
        ever_resolved=Count("id", filter=done | reopened),
    )
    durations: dict[int, list[float]] = {}
    for unit_id, created, resolved in base.filter(done).values_list("unit_id", "created_at", "resolved_at"):
        durations.setdefault(unit_id, []).append((resolved - created).total_seconds() / 3600)
    ratings = {
        r["report__unit_id"]: r
        for r in Rating.objects.filter(report__in=base)
        .values("report__unit_id")
        .annotate(n=Count("id"), satisfied=Count("id", filter=Q(level=Rating.Level.SATISFIED)))
    }
    out = []
    for row in rows:
        unit_durations = durations.get(row["unit_id"], [])
        rating = ratings.get(row["unit_id"], {"n": 0, "satisfied": 0})
        out.append(
            UnitFigures(
                unit_code=row["unit__code"],
                unit_name=row["unit__name"],
                volume=row["volume"],
                open=row["open"],
                overdue=row["overdue"],
                resolved=row["resolved"],
                on_time_pct=_pct(row["on_time"], row["resolved"]),
                median_hours=round(statistics.median(unit_durations), 1) if unit_durations else None,
                satisfied_pct=_pct(rating["satisfied"], rating["n"]),
                ratings=rating["n"],
                reopen_pct=_pct(row["reopened"], row["ever_resolved"]),
            )
        )
    out.sort(key=lambda f: (-f.volume, f.unit_code))
    return out


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# --- Tracking codes -------------------------------------------------------------------------------


def normalise_code(value: str | None) -> str:
    """A tracking code as officers type it ("pa-26-301", "PA 26 301") in its stored form PA-26-000301."""
    return tracking_code(value)


# --- Who may receive a report (transfers) ---------------------------------------------------------

# The kinds routing sends reports to (routing.py): commune-level and province People's Committees and
# sector departments. A one-stop desk receives dossiers, never citizen reports.
HANDLER_KINDS = frozenset({OrgKind.PEOPLES_COMMITTEE, OrgKind.DEPARTMENT})


@dataclass(frozen=True)
class _HandlerTable:
    province_of: dict[int, str | None]  # organisation id -> its province code
    by_province: dict[str | None, tuple[Organisation, ...]]  # active report handlers, Vietnamese order
    served: frozenset[str]  # provinces with a unit of theirs, or a routing rule for their area


def _load_handlers() -> _HandlerTable:
    orgs = {
        o.pk: o
        for o in Organisation.objects.select_related("admin_unit").only(
            "pk",
            "code",
            "name",
            "kind",
            "parent_id",
            "is_active",
            "admin_unit__level",
            "admin_unit__province_id",
        )
    }
    # An admin's routing rule may send reports to another kind of unit (a public service company), and
    # may send a place's reports somewhere: that place is served.
    rules = list(
        RoutingRule.objects.filter(is_active=True).values_list(
            "target_id", "area_id", "area__level", "area__province_id"
        )
    )
    rule_targets = {target for target, _a, _l, _p in rules}
    rule_areas = {
        area if level == DivisionLevel.PROVINCE else province
        for _t, area, level, province in rules
        if area is not None
    }

    def own_province(org: Organisation) -> str | None:
        unit = org.admin_unit
        if unit is None:
            return None
        return unit.code if unit.level == DivisionLevel.PROVINCE else unit.province_id

    province_of: dict[int, str | None] = {}
    for org in orgs.values():
        node: Organisation | None = org
        seen: set[int] = set()
        province = None
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            province = own_province(node)
            if province is not None:
                break
            node = orgs.get(node.parent_id) if node.parent_id else None
        province_of[org.pk] = province
    grouped: dict[str | None, list[Organisation]] = {}
    for org in orgs.values():
        if not org.is_active or org.kind == OrgKind.ONE_STOP_DESK:
            continue
        if org.kind in HANDLER_KINDS or org.pk in rule_targets:
            grouped.setdefault(province_of[org.pk], []).append(org)
    by_province = {
        p: tuple(sorted(items, key=lambda o: (sort_key(o.name), o.code))) for p, items in grouped.items()
    }
    served = frozenset(p for p in (*by_province, *rule_areas) if p)
    return _HandlerTable(province_of=province_of, by_province=by_province, served=served)


def serves(province_code: str, *, gen: int | None = None) -> bool:
    """Does a unit on this platform receive reports from this province (or centrally-run city)? One of
    its own units handles reports, or a routing rule sends the reports of a place in it somewhere. A
    handling unit whose place is not set (no administrative unit on it or above it, as a People's
    Committee made in the back office may be) could serve anywhere: then every place is served."""
    table = configcache.cached("report_handlers", _load_handlers, gen=gen)
    return province_code in table.served or bool(table.by_province.get(None))


def report_province(report: Report) -> str | None:
    """The province (or centrally-run city) of the report: its place, else its unit's."""
    if report.province_code:
        return report.province_code
    return configcache.cached("report_handlers", _load_handlers).province_of.get(report.unit_id)


def transfer_targets(report: Report) -> list[Organisation]:
    """Units the report can be transferred to: report handlers of its province, not its own unit.

    The objects are shared by the process's cache: read them only."""
    table = configcache.cached("report_handlers", _load_handlers)
    if _placeless(report):
        # Nothing says where it is (an address naming no province): any province's handlers may take it,
        # else the committee it fell to could only reject it.
        return [
            o
            for p in sorted(table.by_province, key=lambda p: p or "")
            for o in table.by_province[p]
            if o.pk != report.unit_id
        ]
    province = report.province_code or table.province_of.get(report.unit_id)
    return [o for o in table.by_province.get(province, ()) if o.pk != report.unit_id]


def _placeless(report: Report) -> bool:
    return not report.province_code and report.ward_id is None


def units_of_report_province(report: Report) -> set[int]:
    """The ids of every organisation of the report's province (or centrally-run city): where a unit's
    name typed for a transfer is looked for."""
    table = configcache.cached("report_handlers", _load_handlers)
    if _placeless(report):
        return set(table.province_of)
    province = report.province_code or table.province_of.get(report.unit_id)
    return {pk for pk, where in table.province_of.items() if where == province}


def may_receive(report: Report, org: Organisation) -> bool:
    return any(o.pk == org.pk for o in transfer_targets(report))


# --- The hotline on an existing report ------------------------------------------------------------


def hotline_provinces(user: User) -> set[str]:
    """The provinces (or centrally-run cities) whose callers this user answers: those of their hotline
    operator posts (a call centre is often a unit of its own beside the People's Committee)."""
    if not user.is_authenticated:
        return set()
    table = configcache.cached("report_handlers", _load_handlers)
    posts = Membership.objects.filter(user=user, is_active=True, role=Role.OPERATOR).values_list(
        "organisation_id", flat=True
    )
    return {province for org in posts if (province := table.province_of.get(org))}


def takes_calls_about(user: User | None, report: Report) -> bool:
    """May the user open the report from the hotline screen, and record a caller's answer? Whoever receives
    reports for its unit (its officers, those of the units above, by delegation), and the hotline operators
    of its province. An officer of another unit may not."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if holds_own(user, Power.REPORT_RECEIVE, report.unit):
        return True
    if active_delegation_for(user, Power.REPORT_RECEIVE, report.unit) is not None:
        return True
    province = report_province(report)
    return bool(province) and province in hotline_provinces(user)


CALLER_REPORTS = 10  # the newest reports from one number the hotline lists
_CALLER_CANDIDATES = 50  # read before the per-report check, newest first


def caller_candidates(phone: str) -> QuerySet[Report]:
    """Reports given with `phone`, newest first, through the contact phone's partial index (the index's
    own condition repeated: SQLite uses a partial index only for a query that says it)."""
    return (
        Report.objects.filter(contact_phone=phone)
        .exclude(contact_phone="")
        .select_related("unit", "category", "ward", "duplicate_of")
        .order_by("-created_at", "-id")
    )


def reports_from_caller(user: User, phone: str) -> list[Report]:
    """The newest reports given with `phone` (national form, as stored) that `user` takes calls about: a
    caller who lost the tracking code is found by the number they call from. Another unit's or
    province's reports are left out, as with a code."""
    # The answer depends on the report's unit and province only: asked once per pair, not per report.
    allowed: dict[tuple[int, str | None], bool] = {}
    found = []
    for report in caller_candidates(phone)[:_CALLER_CANDIDATES]:
        key = (report.unit_id, report_province(report))
        if key not in allowed:
            allowed[key] = takes_calls_about(user, report)
        if allowed[key]:
            found.append(report)
    return found[:CALLER_REPORTS]


# --- History as officers read it ------------------------------------------------------------------

# Labels of the background jobs that write report events (`Actor.system(...)`); a citizen without an
# account acts in the "system" right too, under their own label, and stays "the citizen".
SYSTEM_LABELS = frozenset({"system", "routing", "sla-sweep"})


def event_actor(event: ReportEvent) -> str:
    """Who did it, for officers: routing and the deadline sweep are the system, not the citizen."""
    if event.kind == ReportEvent.Kind.ROUTE:
        return _("System")
    if event.right == "system" and event.actor_id is None:
        label = event.actor_label
        if label in SYSTEM_LABELS or label.startswith("cli:"):
            return _("System")
    return event.display_actor  # a role (the citizen) in the reader's language, a person's name as stored


# --- The officer's report page --------------------------------------------------------------------


def clock_left(report: Report) -> timedelta | None:
    """While the deadline clock is stopped: the office time that was left when it stopped."""
    if report.paused_at is None or report.due_at is None:
        return None
    return current_calendar().working_time_between(report.paused_at, report.due_at)


@dataclass(frozen=True)
class DuplicateRow:
    code: str
    status: str
    distance_m: int | None  # None: found in the same commune/ward (the report has no point)
    created_at: datetime
    description: str
    handled: bool  # the officer's unit handles it (its officer page), else its public tracking page
    # Handled by another unit than the report's (its name): it cannot be merged into from here, only after
    # transferring the report to that unit (`unit_code`, for the transfer form).
    other_unit: str = ""
    unit_code: str = ""


def duplicate_candidates(user: User, report: Report) -> list[DuplicateRow]:
    """Reports this open one may duplicate: same category, within the category's radius and window; for a
    report without a point (hotline, e-mail), in the same commune/ward with much the same words."""
    if not report.is_open or report.duplicate_of_id:
        return []
    if report.lon is not None and report.lat is not None:
        found = find_candidates(
            category=report.category,
            lon=report.lon,
            lat=report.lat,
            description=report.description,
            exclude_id=report.pk,
            around=report.created_at,
        )
    elif report.ward_id:
        found = find_in_ward(
            category=report.category,
            ward_id=report.ward_id,
            text=f"{report.description} {report.address}",
            exclude_id=report.pk,
            around=report.created_at,
        )
    else:
        return []
    units = working_units(user)
    # The handling units' names and codes in one query (the candidates are read without them).
    unit_of = Organisation.objects.only("id", "name", "code").in_bulk({c.report.unit_id for c in found})
    rows = []
    for candidate in found:
        other = candidate.report
        mine = other.unit_id in units or handles(user, other)
        if not (other.is_public or mine):
            continue  # another unit's private report: not ours to show
        rows.append(
            DuplicateRow(
                code=other.code,
                status=other.get_status_display(),
                distance_m=None if candidate.distance_m is None else round(candidate.distance_m),
                created_at=other.created_at,
                description=other.description if mine else other.public_description,
                handled=mine,
                other_unit="" if other.unit_id == report.unit_id else unit_of[other.unit_id].name,
                unit_code=unit_of[other.unit_id].code,
            )
        )
    return rows


def rating_level_labels() -> set[str]:
    """The rating levels' names in every language of the site: a rating event whose note is only that
    carries no comment."""
    from django.conf import settings
    from django.utils import translation

    from citydesk.reports.models import Rating

    labels = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            labels.update(str(label) for label in Rating.Level.labels)
    return labels


def event_note_for(event: ReportEvent, *, sees_comment: bool, levels: set[str]) -> str:
    """An event's note as shown, in the reader's language (`display_note`). `sees_comment`: the reader is
    the handling unit or the reporter. A rating's comment is for them only (others read a rating's level
    alone), and so is the unit's request for information, addressed to the reporter ("Bà vui lòng…"):
    others read that the report waits for the reporter's information. Others read every note without the
    phone numbers and e-mail addresses written in it (`ReportEvent.public_note`)."""
    if sees_comment:
        return event.display_note
    if event.note_key == system_notes.WAITING:
        return _("Waiting for the reporter to provide more information.")
    if event.kind != ReportEvent.Kind.RATING:
        return event.public_note
    if event.note_key:
        return event.display_note if event.note_key == system_notes.RATED else ""
    return event.note if event.note in levels else ""


def own_reports(user: User) -> QuerySet[Report]:
    """The reports the account sent, newest first (reports it only follows are not among them): the web's
    "Your reports" and the app's `GET /me/reports`, each page in one query."""
    return (
        Report.objects.filter(reporter=user)
        .select_related("category", "unit", "rating", "duplicate_of")
        .only(
            "code",
            "status",
            "created_at",
            "updated_at",
            "due_at",
            "paused_at",
            "resolved_at",
            "duplicate_of__code",
            "category__code",
            "category__name",
            "category__name_en",
            "unit__name",
            "rating__created_at",
            "rating__level",
        )
        .order_by("-created_at", "-pk")
    )


def page_or_not_found(paginator: Paginator, page: int) -> Page:
    """Page `page`, or NotFound naming `page` past the last one (the API's lists: a client asked for it)."""
    try:
        return paginator.page(page)
    except EmptyPage:
        raise NotFound(
            _("There is no page %(n)s: the last page is %(pages)s.")
            % {"n": page, "pages": paginator.num_pages},
            field="page",
        ) from None
