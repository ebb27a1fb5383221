"""Reads of the satisfaction ratings: who sees which units, and the statistics, from the monthly counts
only (`RatingMonth`: live counts plus imported history), never from the raw ratings.

A unit's head or deputy sees their unit, the units below it and the officers rated there; a city
leader sees every unit below the city (and, units being below, their officers). A system administrator
(a superuser: every unit; an active administrator's role: the units they administer) sees the units'
figures, never an officer's own: those are for the officer's heads. Everyone else: 403.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.db import connection
from django.db.models import Max, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.core.models import DivisionLevel, Membership, Organisation, OrgKind, User
from citydesk.core.powers import Role
from citydesk.core.selectors import descendant_ids as descendants
from citydesk.dossiers.models import Procedure
from citydesk.lib.privacy import hide_contacts
from citydesk.lib.text import sort_key as _sort_key
from citydesk.lib.workdays import FIRST_DAY, LAST_DAY
from citydesk.ratings.models import Channel, Rating, RatingMonth
from citydesk.ratings.periods import (
    first_month,
    is_year_total,
    last_month,
    period_key,
    period_label,
    year_total,
)
from citydesk.web.templatetags.date_fields import typed_month

STATS_ROLES = frozenset({Role.HEAD, Role.DEPUTY, Role.LEADER})
# System administrators see the statistics of the units they administer (they import their history and
# must check it), but not per officer.
ADMIN_STATS_ROLES = frozenset({Role.ADMIN})
GROUPS = {
    "unit": gettext_lazy("Unit"),
    "officer": gettext_lazy("Officer"),
    "procedure": gettext_lazy("Procedure"),
    "channel": gettext_lazy("Channel"),
    "month": gettext_lazy("Month"),
}
# The filters as the page labels them: refusals name the field this way, never by its URL parameter.
FILTER_LABELS = {
    "group": gettext_lazy("Group by"),
    "from": gettext_lazy("From month"),
    "to": gettext_lazy("To month"),
    "channel": gettext_lazy("Channel"),
    "unit": gettext_lazy("Unit"),
    "sort": gettext_lazy("Sort by"),
}
# The orders of the table (`sort`): by name (the default, empty), by the satisfied or the unsatisfied
# share, by the number of ratings; "-" in front for the highest first.
SORTS = {
    "satisfied": gettext_lazy("Satisfied (%)"),
    "unsatisfied": gettext_lazy("Unsatisfied (%)"),
    "total": gettext_lazy("Total"),
}
_COLUMN = {
    "unit": "unit_id",
    "officer": "officer_id",
    "procedure": "procedure_id",
    "channel": "channel",
    "month": "month",
}
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")  # 2019-12: links, the API
_MONTH_FIRST = re.compile(r"^(\d{1,2})/(\d{4})$")  # 12/2019: as the pages write a month
sort_key = lru_cache(maxsize=50_000)(_sort_key)  # unit and officer names recur on every page
HUNDREDTH = Decimal("0.01")


# --- Scope ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The units a user's statistics cover: `unit_ids` None means every unit (no filter needed).

    `officer_unit_ids`: the units whose officers' own figures the user reads (a head's, a deputy's, a
    leader's units; None: every unit). A system administrator's are none (an empty set)."""

    unit_ids: frozenset[int] | None
    roots: tuple[Organisation, ...] = ()
    officer_unit_ids: frozenset[int] | None = None

    def covers(self, unit: Organisation) -> bool:
        return self.unit_ids is None or unit.pk in self.unit_ids

    def sees_officers_of(self, unit_ids: frozenset[int] | None) -> bool:
        """Whether the officers rated in `unit_ids` (None: every unit) are the user's to see one by one."""
        if self.officer_unit_ids is None:
            return True
        return unit_ids is not None and unit_ids <= self.officer_unit_ids

    @property
    def sees_officers(self) -> bool:
        """Whether the user sees any officer's own figures (the grouping by officer is offered)."""
        return self.officer_unit_ids is None or bool(self.officer_unit_ids)

    @property
    def label(self) -> str:
        if self.unit_ids is None:
            return _("every unit")
        return ", ".join(o.name for o in self.roots)


def stats_scope(user: User) -> Scope:
    """Raises NotAllowed unless the user heads a unit (head, deputy), leads the city or administers the
    system (a superuser: every unit; the administrator's role: the units they administer, without the
    officers' own figures)."""
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed(_("Log in to see the rating statistics."))
    memberships = [
        m
        for m in Membership.objects.filter(
            user=user, is_active=True, role__in=STATS_ROLES | ADMIN_STATS_ROLES
        ).select_related("organisation")
    ]
    heads = {m.organisation_id: m.organisation for m in memberships if m.role in STATS_ROLES}
    admins = {m.organisation_id: m.organisation for m in memberships if m.role in ADMIN_STATS_ROLES}
    if not heads and not admins and not user.is_superuser:
        raise NotAllowed(
            _(
                "The rating statistics are for unit heads and deputies, the city's leaders and the "
                "system's administrators."
            )
        )
    every = Organisation.objects.count()
    head_units = descendants(set(heads))
    officer_units = None if len(head_units) == every else frozenset(head_units)
    if user.is_superuser:
        return Scope(None, _top(heads, head_units), officer_units)
    roots = {**admins, **heads}
    # Administering only units one heads (or none): one walk down the tree, not two.
    units = head_units if set(admins) <= head_units else descendants(set(roots))
    return Scope(None if len(units) == every else frozenset(units), _top(roots, units), officer_units)


def _top(roots: dict[int, Organisation], units: set[int]) -> tuple[Organisation, ...]:
    """The roots not below another one (`units`: the roots and the units below them), by name: the
    scope's label."""
    return tuple(
        sorted((o for o in roots.values() if o.parent_id not in units), key=lambda o: sort_key(o.name))
    )


# --- Filters --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsFilters:
    group: str = "unit"
    month_from: date | None = None
    month_to: date | None = None
    channel: str = ""
    unit: Organisation | None = None
    unit_ids: frozenset[int] | None = None  # the unit and the units below it, when a unit is chosen
    sort: str = ""  # SORTS, "-" in front for the highest first; empty: by name

    def query(self) -> dict[str, str]:
        """The filters as URL parameters (the page, its export and the API share them)."""
        params = {
            "group": self.group,
            "from": f"{self.month_from:%Y-%m}" if self.month_from else "",
            "to": f"{self.month_to:%Y-%m}" if self.month_to else "",
            "channel": self.channel,
            "unit": self.unit.code if self.unit else "",
            "sort": self.sort,
        }
        return {k: v for k, v in params.items() if v}


def parse_month(value: str, name: str) -> date | None:
    """A month typed mm/yyyy (the page) or YYYY-MM (links, the API), within the calendar's years."""
    value = typed_month((value or "").strip())  # also 112019, 12.2019 (a phone's keypad)
    if not value:
        return None
    iso, first = _MONTH.match(value), _MONTH_FIRST.match(value)
    year, month = (int(iso.group(1)), int(iso.group(2))) if iso else (0, 0)
    if first:
        year, month = int(first.group(2)), int(first.group(1))
    if not 1 <= month <= 12:
        raise DomainError(_("Write the month as mm/yyyy or yyyy-mm (e.g. 12/2019)."), field=name)
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise DomainError(
            _("Give a month between %(first)s and %(last)s.")
            % {"first": f"01/{FIRST_DAY.year}", "last": f"12/{LAST_DAY.year}"},
            field=name,
        )
    return date(year, month, 1)


def stats_filters(
    *,
    scope: Scope,
    group: str = "",
    month_from: str = "",
    month_to: str = "",
    channel: str = "",
    unit: str = "",
    sort: str = "",
) -> StatsFilters:
    """Parse the filters (URL parameters); a bad one raises DomainError naming it, an unknown unit
    NotFound, a unit out of the user's scope NotAllowed, and so is the grouping by officer for a user
    who does not see the officers' own figures there (a system administrator)."""
    group = (group or "unit").strip()
    if group not in GROUPS:
        raise DomainError(
            _("Unknown grouping “%(g)s”; choose one of: %(all)s.") % {"g": group, "all": ", ".join(GROUPS)},
            field="group",
        )
    start = parse_month(month_from, "from")
    end = parse_month(month_to, "to")
    if start and end and end < start:
        raise DomainError(_("The end month cannot be before the start month."), field="to")
    channel = (channel or "").strip()
    if channel and channel not in Channel.values:
        raise DomainError(
            _("Unknown channel “%(c)s”; choose one of: %(all)s.")
            % {"c": channel, "all": ", ".join(Channel.values)},
            field="channel",
        )
    organisation = None
    unit_ids = None
    code = (unit or "").strip()
    if code:
        organisation = Organisation.objects.filter(code=code).first()
        if organisation is None:
            raise NotFound(_("Unknown organisation code “%(code)s”.") % {"code": code}, field="unit")
        if not scope.covers(organisation):
            raise NotAllowed(
                _("%(name)s is outside the units whose ratings you see.") % {"name": organisation.name},
                field="unit",
            )
        unit_ids = frozenset(descendants({organisation.pk}))
    if group == "officer" and not scope.sees_officers_of(
        unit_ids if unit_ids is not None else scope.unit_ids
    ):
        raise NotAllowed(
            _(
                "The figures of each officer are for their unit's heads and the city's leaders: as a "
                "system administrator you see those of the units, procedures, channels and months."
            ),
            field="group",
        )
    sort = (sort or "").strip()
    if sort.lstrip("-") not in SORTS and sort:
        raise DomainError(
            _("Unknown order “%(s)s”; choose one of: %(all)s.")
            % {"s": sort, "all": ", ".join([*SORTS, *(f"-{k}" for k in SORTS)])},
            field="sort",
        )
    return StatsFilters(group, start, end, channel, organisation, unit_ids, sort)


# --- Figures --------------------------------------------------------------------------------------


def share(count: int, total: int) -> Decimal | None:
    """A percentage with two decimals, rounded half up: 379,020 of 381,922 → 99.24."""
    if not total:
        return None
    return (Decimal(count) * 100 / Decimal(total)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


@dataclass
class StatsRow:
    key: str
    label: str
    satisfied: int = 0
    normal: int = 0
    unsatisfied: int = 0
    code: str = ""  # the unit or procedure code, the officer's username

    @property
    def total(self) -> int:
        return self.satisfied + self.normal + self.unsatisfied

    # Each share rounded on its own, as the city's published figures are (seed 004: 94.95 / 4.67 / 0.37,
    # 99.99 in all): a row may add up to 99.99 or 100.01, and the pages say so.
    @property
    def satisfied_pct(self) -> Decimal | None:
        return share(self.satisfied, self.total)

    @property
    def normal_pct(self) -> Decimal | None:
        return share(self.normal, self.total)

    @property
    def unsatisfied_pct(self) -> Decimal | None:
        return share(self.unsatisfied, self.total)

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "code": self.code,
            "label": self.label,
            "satisfied": self.satisfied,
            "normal": self.normal,
            "unsatisfied": self.unsatisfied,
            "total": self.total,
            "satisfied_pct": self.satisfied_pct,
            "normal_pct": self.normal_pct,
            "unsatisfied_pct": self.unsatisfied_pct,
        }


@dataclass
class Stats:
    filters: StatsFilters
    scope: Scope
    rows: list[StatsRow] = field(default_factory=list)
    totals: StatsRow = field(default_factory=lambda: StatsRow("total", ""))
    # Years whose imported whole-year totals are counted (periods.py; known from the month grouping's
    # rows), and those left out because the months chosen cover only part of the year.
    year_totals: list[int] = field(default_factory=list)
    years_left_out: list[int] = field(default_factory=list)

    @property
    def shares_shown(self) -> bool:
        """Whether any share is shown (the rounding note is about them)."""
        return self.totals.total > 0


def _unfiltered_months(scope: Scope, filters: StatsFilters) -> QuerySet[RatingMonth]:
    """The counts of the scope, unit and channel chosen, whatever their month."""
    qs = RatingMonth.objects.all()
    unit_ids = filters.unit_ids if filters.unit_ids is not None else scope.unit_ids
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    return qs


def _month_counts(scope: Scope, filters: StatsFilters) -> QuerySet[RatingMonth]:
    """The monthly counts the filters and the scope select. A year's total (periods.py) counts when the
    months chosen cover that whole year, never for a part of it: one range on the month, as before."""
    qs = _unfiltered_months(scope, filters)
    start, end = filters.month_from, filters.month_to
    if start:
        qs = qs.filter(month__gte=start)
        if start.month > 1:  # January is not chosen: that year's total is left out
            qs = qs.exclude(month=year_total(start.year))
    if end:  # up to December: its year's total (the 31st) too; else not (it lies after `end`)
        qs = qs.filter(month__lte=year_total(end.year) if end.month == 12 else end)
    return qs


def years_left_out(scope: Scope, filters: StatsFilters) -> list[int]:
    """The past years whose imported whole-year totals the months chosen leave out, covering only part of
    the year: one indexed look-up of at most two dates, and none on the page's default (this year so far:
    a year in progress has no total)."""
    partial = set()
    if filters.month_from and filters.month_from.month > 1:
        partial.add(filters.month_from.year)
    if filters.month_to and filters.month_to.month < 12:
        partial.add(filters.month_to.year)
    this_year = timezone.localdate().year
    candidates = [year_total(y) for y in sorted(partial) if y < this_year]
    if not candidates:
        return []
    found = _unfiltered_months(scope, filters).filter(month__in=candidates).values_list("month", flat=True)
    return sorted({d.year for d in found})


def months_covered(stats: Stats) -> tuple[date, date]:
    """The first and last month the statistics cover: the chosen ones, else the first month with
    ratings and the current month (the current month alone when there are none)."""
    f = stats.filters
    if f.month_from and f.month_to:
        return f.month_from, f.month_to
    counts = _month_counts(stats.scope, f)
    found = counts.aggregate(first=Min("month"), last=Max("month"))
    earliest = found["first"]
    # A year's total (31 December) sorts after that year's months, yet counts from January.
    if (
        earliest is not None
        and earliest.month > 1
        and not is_year_total(earliest)
        and (earliest.year in stats.year_totals or counts.filter(month=year_total(earliest.year)).exists())
    ):
        earliest = date(earliest.year, 1, 1)
    earliest = first_month(earliest) if earliest is not None else None
    latest = last_month(found["last"]) if found["last"] is not None else None
    this_month = timezone.localdate().replace(day=1)
    last = f.month_to or max(this_month, latest or this_month, f.month_from or this_month)
    first = f.month_from or min(earliest or last, last)
    return first, last


def rating_stats(*, scope: Scope, filters: StatsFilters) -> Stats:
    """Counts and shares per group: one query over the monthly counts, one for the groups' names."""
    qs = _month_counts(scope, filters)
    column = _COLUMN[filters.group]
    rows = [
        StatsRow(key=str(key), label="", satisfied=int(s or 0), normal=int(n or 0), unsatisfied=int(u or 0))
        for key, s, n, u in _sums(qs, column)
    ]
    rows = [r for r in rows if r.total]
    if filters.group == "unit":  # the units nobody rated too, named in the same query
        rows += _unrated_units(scope, filters, rows)
    _label(filters.group, rows)
    _sort(rows, filters.sort)
    totals = StatsRow("total", _("Total"))
    for row in rows:
        totals.satisfied += row.satisfied
        totals.normal += row.normal
        totals.unsatisfied += row.unsatisfied
    # The month grouping names the whole-year totals it counts (its rows' keys are the years).
    counted = sorted(int(r.key) for r in rows if len(r.key) == 4) if filters.group == "month" else []
    return Stats(
        filters=filters,
        scope=scope,
        rows=rows,
        totals=totals,
        year_totals=counted,
        years_left_out=years_left_out(scope, filters),
    )


def _unrated_units(scope: Scope, filters: StatsFilters, rows: list[StatsRow]) -> list[StatsRow]:
    """Name the units' rows and return the units a comparison must not drop for want of ratings, as rows
    of zeros, named: the units directly below the unit chosen (else below the scope's own units) and every
    commune-level People's Committee counted (a ward nobody rated is a finding, not a gap). Not a ward's
    one-stop desk (its ratings are filed under the ward), nor, for residents' ratings alone, a unit they
    do not rate; active units only. One query, the one that names the rated units."""
    rated = {int(r.key) for r in rows}
    unit_ids = filters.unit_ids if filters.unit_ids is not None else scope.unit_ids
    if filters.unit is not None:
        below = Q(parent_id=filters.unit.pk)
    elif scope.roots:
        below = Q(parent_id__in=[o.pk for o in scope.roots])
    else:  # a superuser holding no role: the units below the top ones
        below = Q(parent__isnull=False, parent__parent__isnull=True)
    wanted = Q(kind=OrgKind.PEOPLES_COMMITTEE, admin_unit__level=DivisionLevel.WARD)
    if filters.channel != Channel.APP:
        wanted |= below
    wanted &= Q(is_active=True) & ~Q(kind=OrgKind.ONE_STOP_DESK, parent__isnull=False)
    if unit_ids is not None:
        wanted &= Q(pk__in=unit_ids)
    found = Organisation.objects.filter(Q(pk__in=rated) | wanted).only("code", "name")
    names = {o.pk: (o.code, o.name) for o in found}
    for row in rows:
        row.code, row.label = names.pop(int(row.key), ("", f"#{row.key}"))
    return [StatsRow(key=str(pk), label=name, code=code) for pk, (code, name) in names.items()]


def _share_or_none(value: Decimal | None, descending: bool) -> tuple[bool, Decimal]:
    """A sort key putting the rows without a share (no ratings) last, whichever the direction."""
    if value is None:
        return (True, Decimal(0))
    return (False, -value if descending else value)


def _sort(rows: list[StatsRow], sort: str) -> None:
    """Order the rows as asked (`SORTS`); rows that tie keep their order (by name)."""
    column = sort.lstrip("-")
    if column not in SORTS:
        return
    descending = sort.startswith("-")
    if column == "total":
        rows.sort(key=lambda r: r.total, reverse=descending)
    else:
        rows.sort(key=lambda r: _share_or_none(getattr(r, f"{column}_pct"), descending))


def _sums(qs: QuerySet[RatingMonth], column: str) -> list[tuple]:
    """(group, satisfied, normal, unsatisfied) of the filtered monthly counts.

    The inner GROUP BY (month, group) is what the database streams in the order of the group's covering
    index (see RatingMonth's indexes) without sorting; the outer one adds up the few months."""
    if column == "month":
        inner = qs.values("month").annotate(s=Sum("satisfied"), n=Sum("normal"), u=Sum("unsatisfied"))
        return list(inner.order_by().values_list("month", "s", "n", "u"))
    inner = qs.values("month", column).annotate(s=Sum("satisfied"), n=Sum("normal"), u=Sum("unsatisfied"))
    sql, params = inner.order_by().query.sql_with_params()
    outer = (
        f"SELECT per_month.{column}, SUM(per_month.s), SUM(per_month.n), SUM(per_month.u) "
        f"FROM ({sql}) per_month GROUP BY per_month.{column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        return cursor.fetchall()


def _label(group: str, rows: list[StatsRow]) -> None:
    """Name each row and put the rows in the order a reader expects."""
    if group == "month":
        for row in rows:
            month = date.fromisoformat(row.key[:10])
            row.key = period_key(month)  # “2019-12”; a whole year's total “2019”, before its months
            row.label = period_label(month)
        rows.sort(key=lambda r: r.key)
        return
    if group == "channel":
        order = list(Channel.values)
        for row in rows:
            row.code = row.key
            row.label = str(Channel(row.key).label) if row.key in Channel.values else row.key
        rows.sort(key=lambda r: order.index(r.key) if r.key in order else len(order))
        return
    ids = {int(r.key) for r in rows}
    if group == "unit":  # named with the units nobody rated (_unrated_units)
        rows.sort(key=lambda r: sort_key(r.label))
        return
    if group == "officer":
        names = {
            u.pk: (u.username, u.full_name or u.username)
            for u in User.objects.filter(pk__in=ids - {0}).only("username", "full_name")
        }
        none_label = _("Not linked to an officer")
    else:
        names = {  # the English name on English pages (and in their exports) when there is one
            p.pk: (p.code, p.label)
            for p in Procedure.objects.filter(pk__in=ids - {0}).only("code", "name", "name_en")
        }
        none_label = _("Not linked to a procedure")
    for row in rows:
        code, name = names.get(int(row.key), ("", none_label if row.key == "0" else f"#{row.key}"))
        row.code, row.label = code, name
    rows.sort(key=lambda r: (r.key == "0", sort_key(r.label)))


def stats_for(user: User, **params: str) -> Stats:
    """The statistics a user asks for with URL-style parameters (group, from, to, channel, unit)."""
    scope = stats_scope(user)
    filters = stats_filters(
        scope=scope,
        group=params.get("group", ""),
        month_from=params.get("from", ""),
        month_to=params.get("to", ""),
        channel=params.get("channel", ""),
        unit=params.get("unit", ""),
        sort=params.get("sort", ""),
    )
    return rating_stats(scope=scope, filters=filters)


# --- Citizens' comments --------------------------------------------------------------------------

COMMENTS_PER_PAGE = 20


@dataclass(frozen=True)
class CommentRow:
    """A citizen's comment as heads read it: contacts hidden, the officer named only to whom sees them."""

    created_at: datetime
    level: str
    level_label: str
    channel_label: str
    text: str
    unit: str
    unit_code: str
    officer: str
    procedure: str
    procedure_code: str


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def comments(scope: Scope, filters: StatsFilters) -> QuerySet[Rating]:
    """The ratings with a comment within the scope and the filters (the months chosen, the channel, the
    unit and the units below it), newest first. From the ratings themselves: the monthly counts keep no
    comment, and imported history has none."""
    qs = Rating.objects.exclude(comment="")
    unit_ids = filters.unit_ids if filters.unit_ids is not None else scope.unit_ids
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.month_from:
        qs = qs.filter(created_at__gte=_local_midnight(filters.month_from))
    if filters.month_to:
        end = filters.month_to
        qs = qs.filter(
            created_at__lt=_local_midnight(date(end.year + end.month // 12, end.month % 12 + 1, 1))
        )
    return qs.order_by("-created_at", "-pk")


def comment_rows(scope: Scope, ratings: Iterable[Rating]) -> list[CommentRow]:
    """The comments as shown: phone, identity card numbers and e-mail addresses hidden (a comment is
    typed freely and read by many); the officer only where the reader sees the officers' own figures."""
    rows = []
    for rating in ratings:
        officer = rating.officer if rating.officer_id is not None else None
        shown = officer is not None and scope.sees_officers_of(frozenset({rating.unit_id}))
        procedure = rating.procedure if rating.procedure_id is not None else None
        rows.append(
            CommentRow(
                created_at=rating.created_at,
                level=rating.level,
                level_label=str(rating.get_level_display()),
                channel_label=str(rating.get_channel_display()),
                text=hide_contacts(rating.comment),
                unit=rating.unit.name,
                unit_code=rating.unit.code,
                officer=(officer.full_name or officer.username) if shown and officer is not None else "",
                procedure=procedure.label if procedure is not None else "",
                procedure_code=procedure.code if procedure is not None else "",
            )
        )
    return rows


def comments_with_subjects(qs: QuerySet[Rating]) -> QuerySet[Rating]:
    """The comments' query with what each concerns, in the same query."""
    return qs.select_related("unit", "officer", "procedure").only(
        "created_at",
        "level",
        "channel",
        "comment",
        "unit_id",
        "officer_id",
        "procedure_id",
        "unit__code",
        "unit__name",
        "officer__username",
        "officer__full_name",
        "procedure__code",
        "procedure__name",
        "procedure__name_en",
    )


@dataclass(frozen=True)
class CommentPage:
    """One page of the comments, newest first, with how many there are in all."""

    rows: list[CommentRow]
    number: int
    total: int
    per_page: int = COMMENTS_PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


MAX_COMMENT_PAGE = 1_000_000


def comment_page(scope: Scope, filters: StatsFilters, number: str | int | None = 1) -> CommentPage:
    """Page `number` of the comments (a bad number: the first; past the last: the last). Two queries: the
    count, read from the commented ratings' partial index (`rating_comment_time`) alone, then the page's
    rows with their unit, officer and procedure. Counting on each joined row instead (COUNT(*) OVER ())
    joined every comment of the period before keeping 20: 200 ms for a city's year of 80,000 comments."""
    try:
        # Capped: past the last page reads the last one anyway, and a huge page number would overflow the
        # database's OFFSET (an integrity error, a 500).
        wanted = min(max(1, int(number or 1)), MAX_COMMENT_PAGE)
    except (TypeError, ValueError):
        wanted = 1
    total = comments(scope, filters).count()
    if not total:
        return CommentPage([], 1, 0)
    wanted = min(wanted, -(-total // COMMENTS_PER_PAGE))
    start = (wanted - 1) * COMMENTS_PER_PAGE
    found = list(comments_with_subjects(comments(scope, filters))[start : start + COMMENTS_PER_PAGE])
    return CommentPage(comment_rows(scope, found), wanted, total)


def units_in_scope(scope: Scope) -> list[Organisation]:
    """The units a filter may name, by name. A ward's one-stop desk (Bộ phận Một cửa) is not offered:
    its desk's ratings are filed under the ward, which the ward's own entry (with the units below it)
    already covers; the desk alone would always read “no ratings”."""
    qs = Organisation.objects.only("code", "name", "parent_id", "kind").exclude(
        kind=OrgKind.ONE_STOP_DESK, parent__isnull=False
    )
    if scope.unit_ids is not None:
        qs = qs.filter(pk__in=scope.unit_ids)
    return sorted(qs, key=lambda o: sort_key(o.name))
