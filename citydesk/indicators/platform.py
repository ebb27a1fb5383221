"""Indicator values owned by the platform: counted from reports, dossiers and ratings each period.

Each computation is registered under a key (`Indicator.platform_key`) and receives the ids of the
reporting unit and every unit below it, plus the months of the period; it returns the value or None
when there is nothing to count (a share of zero cases is no value, not 0 %).

A source speaks only from the month its records begin (or the platform was installed, if earlier): a
period that ended before has no value rather than a count of 0 the platform could not have known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import F, Min, Q, Sum
from django.utils import timezone

from citydesk.core.audit import Actor, audit_record
from citydesk.core.selectors import descendant_ids
from citydesk.indicators import periods, running
from citydesk.indicators.models import DataValue, Indicator, Source
from citydesk.indicators.services.deadlines import period_end


@dataclass(frozen=True)
class Scope:
    unit_ids: set[int]
    start: date  # first day of the first month
    end: date  # first day after the period

    @property
    def months(self) -> list[date]:
        out, day = [], self.start
        while day < self.end:
            out.append(day)
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return out

    def moments(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return datetime.combine(self.start, time.min, tz), datetime.combine(self.end, time.min, tz)


Computation = Callable[[Scope], float | None]
REGISTRY: dict[str, Computation] = {}


def register(key: str) -> Callable[[Computation], Computation]:
    def wrap(function: Computation) -> Computation:
        REGISTRY[key] = function
        return function

    return wrap


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


# --- Citizen reports (1022) -------------------------------------------------------------------------


def _reports(scope: Scope):
    """The reports of the scope's territory: those located in its commune-level units' wards, whoever handles
    them (a department too), and those without a place that its units handle. A ward's figure is what
    happened on its territory, so the wards' figures add up to the city's and each report counts once. A
    scope without a ward (a department) counts the reports it handles."""
    from citydesk.core.models import DivisionLevel, Organisation
    from citydesk.reports.models import Report

    wards = list(
        Organisation.objects.filter(pk__in=scope.unit_ids, admin_unit__level=DivisionLevel.WARD)
        .values_list("admin_unit_id", flat=True)
        .distinct()
    )
    if not wards:
        return Report.objects.filter(unit_id__in=scope.unit_ids)
    return Report.objects.filter(Q(ward_id__in=wards) | Q(ward__isnull=True, unit_id__in=scope.unit_ids))


@register("reports.received")
def reports_received(scope: Scope) -> float | None:
    start, end = scope.moments()
    return float(_reports(scope).filter(created_at__gte=start, created_at__lt=end).count())


@register("reports.resolved")
def reports_resolved(scope: Scope) -> float | None:
    start, end = scope.moments()
    return float(_reports(scope).filter(resolved_at__gte=start, resolved_at__lt=end).count())


def _reports_resolved_on_time(scope: Scope) -> tuple[int, int]:
    start, end = scope.moments()
    resolved = _reports(scope).filter(resolved_at__gte=start, resolved_at__lt=end)
    on_time = resolved.filter(Q(due_at__isnull=True) | Q(resolved_at__lte=F("due_at"))).count()
    return on_time, resolved.count()


@register("reports.on_time")
def reports_on_time(scope: Scope) -> float | None:
    return float(_reports_resolved_on_time(scope)[0])


@register("reports.on_time_pct")
def reports_on_time_pct(scope: Scope) -> float | None:
    """Share of the reports resolved in the period that were resolved by their deadline."""
    on_time, resolved = _reports_resolved_on_time(scope)
    return _pct(on_time, resolved)


# --- Administrative dossiers ------------------------------------------------------------------------


def _dossier_sums(scope: Scope, **filters: object) -> dict[str, int]:
    from citydesk.dossiers.models import DossierMonth

    sums = DossierMonth.objects.filter(
        unit_id__in=scope.unit_ids, month__gte=scope.start, month__lt=scope.end, **filters
    ).aggregate(
        received=Sum("received"),
        finished=Sum("finished"),
        early=Sum("finished_early"),
        on_time=Sum("finished_on_time"),
    )
    return {k: int(v or 0) for k, v in sums.items()}


@register("dossiers.received")
def dossiers_received(scope: Scope) -> float | None:
    return float(_dossier_sums(scope)["received"])


@register("dossiers.online")
def dossiers_online(scope: Scope) -> float | None:
    from citydesk.dossiers.models import Channel

    return float(_dossier_sums(scope, channel=Channel.ONLINE)["received"])


@register("dossiers.resolved")
def dossiers_resolved(scope: Scope) -> float | None:
    return float(_dossier_sums(scope)["finished"])


@register("dossiers.on_time")
def dossiers_on_time(scope: Scope) -> float | None:
    sums = _dossier_sums(scope)
    return float(sums["early"] + sums["on_time"])


@register("dossiers.online_pct")
def dossiers_online_pct(scope: Scope) -> float | None:
    from citydesk.dossiers.models import Channel

    online = _dossier_sums(scope, channel=Channel.ONLINE)["received"]
    return _pct(online, _dossier_sums(scope)["received"])


@register("dossiers.on_time_pct")
def dossiers_on_time_pct(scope: Scope) -> float | None:
    sums = _dossier_sums(scope)
    return _pct(sums["early"] + sums["on_time"], sums["finished"])


# --- Satisfaction ratings ---------------------------------------------------------------------------


def _rating_sums(scope: Scope) -> tuple[int, int]:
    """(satisfied, all) ratings of the units in the period, live and imported."""
    from citydesk.ratings.models import RatingMonth

    sums = RatingMonth.objects.filter(
        unit_id__in=scope.unit_ids, month__gte=scope.start, month__lt=scope.end
    ).aggregate(s=Sum("satisfied"), n=Sum("normal"), u=Sum("unsatisfied"))
    satisfied, normal, unsatisfied = (int(sums[k] or 0) for k in ("s", "n", "u"))
    return satisfied, satisfied + normal + unsatisfied


@register("ratings.count")
def ratings_count(scope: Scope) -> float | None:
    return float(_rating_sums(scope)[1])


@register("ratings.satisfied")
def ratings_satisfied(scope: Scope) -> float | None:
    return float(_rating_sums(scope)[0])


@register("ratings.satisfied_pct")
def ratings_satisfied_pct(scope: Scope) -> float | None:
    satisfied, total = _rating_sums(scope)
    return _pct(satisfied, total)


# --- Filling the values -----------------------------------------------------------------------------


def _month(moment: date | datetime | None) -> date | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment).date()
    return moment.replace(day=1)


def data_starts() -> dict[str, date | None]:
    """The first month each source ("reports", "dossiers", "ratings") can count: the month of its
    earliest record, or of the installation when that is earlier; None when neither is known."""
    from citydesk.dossiers.models import DossierMonth
    from citydesk.ratings.models import RatingMonth
    from citydesk.reports.models import Report

    installed = _month(MigrationRecorder.Migration.objects.aggregate(first=Min("applied"))["first"])
    earliest = {
        "reports": _month(Report.objects.aggregate(first=Min("created_at"))["first"]),
        "dossiers": _month(DossierMonth.objects.aggregate(first=Min("month"))["first"]),
        "ratings": _month(RatingMonth.objects.aggregate(first=Min("month"))["first"]),
    }
    return {
        source: min((d for d in (first, installed) if d is not None), default=None)
        for source, first in earliest.items()
    }


def first_data_month() -> date | None:
    """The earliest month any platform source can count (None on an empty, unrecorded platform)."""
    return min((d for d in data_starts().values() if d is not None), default=None)


def _counts_for(key: str, period_end_day: date, starts: dict[str, date | None]) -> bool:
    start = starts.get(key.split(".", 1)[0])
    return start is not None and period_end_day >= start


def scope_for(unit_id: int, period_type: str, period: date) -> Scope:
    return Scope(descendant_ids([unit_id]), period, period_end(period_type, period) + timedelta(days=1))


def compute(key: str, *, unit_id: int, period_type: str, period: date) -> float | None:
    return REGISTRY[key](scope_for(unit_id, period_type, period))


@transaction.atomic
def fill_platform(*, period_type: str, period: date) -> int:
    """Write (source platform) every platform indicator's value for each of its reporting units and
    this period. Returns the number of values written or changed (unchanged ones are left alone, so
    a rerun is free and audits nothing); a computation without data leaves no value. A period that has
    not started yet is refused (DomainError on "period"): it has nothing to count."""
    periods.check_fits(None, period_type, period, derived=True)
    periods.check_started(period_type, period)
    indicators = (
        Indicator.objects.filter(is_active=True, source=Source.PLATFORM, periodicity=period_type)
        .exclude(platform_key="")
        .prefetch_related("reporting_units")
    )
    now = timezone.now()
    written = 0
    scopes: dict[int, Scope] = {}
    starts = data_starts()
    last_day = period_end(period_type, period)
    with running.batch():  # the running totals once per indicator year, not per value
        for indicator in indicators:
            function = REGISTRY.get(indicator.platform_key)
            if function is None:
                continue
            for unit in indicator.reporting_units.all():
                scope = scopes.get(unit.pk) or scopes.setdefault(
                    unit.pk, scope_for(unit.pk, period_type, period)
                )
                value = function(scope) if _counts_for(indicator.platform_key, last_day, starts) else None
                if value is None:
                    DataValue.objects.filter(
                        indicator=indicator,
                        unit=unit,
                        period_type=period_type,
                        period=period,
                        source=Source.PLATFORM,
                    ).delete()
                    continue
                current = (
                    DataValue.objects.filter(
                        indicator=indicator, unit=unit, period_type=period_type, period=period
                    )
                    .values_list("value", "source")
                    .first()
                )
                if current == (value, Source.PLATFORM):
                    continue  # unchanged: rerunning the fill (daily, or the demo seed) rewrites nothing
                DataValue.objects.update_or_create(
                    indicator=indicator,
                    unit=unit,
                    period_type=period_type,
                    period=period,
                    defaults={
                        "value": value,
                        "source": Source.PLATFORM,
                        "entered_by": None,
                        "updated_at": now,
                    },
                )
                written += 1
    if written:
        audit_record(
            actor=Actor.system("fill-platform-indicators"),
            action="indicator.fill_platform",
            object_type="indicators.period",
            object_id=f"{period_type}{period:%Y-%m}",
            after={"values": written},
        )
    return written
