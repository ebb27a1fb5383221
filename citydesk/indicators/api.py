"""REST API of the indicators (/api/v1/indicators…, /api/v1/indicator-findings…)."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from citydesk.api import AUTH
from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.core.models import Membership, Organisation, User
from citydesk.core.powers import ROLE_POWERS, Power
from citydesk.core.selectors import descendant_ids
from citydesk.indicators import findings, measures, periods
from citydesk.indicators.models import DataValue, Finding, Indicator

router = Router(tags=["indicators"], auth=AUTH)


def readable_units(user: User) -> set[int]:
    """The units whose figures `user` may read: their own units, and everything below the units where
    they hold the dashboard power. Refuses users with neither."""
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed(_("You must log in to do this."))
    own, roots = set(), set()
    for org_id, role in Membership.objects.filter(user=user, is_active=True).values_list(
        "organisation_id", "role"
    ):
        own.add(org_id)
        if Power.VIEW_DASHBOARD in ROLE_POWERS.get(role, frozenset()):
            roots.add(org_id)
    units = own | (descendant_ids(roots) if roots else set())
    if not units:
        raise NotAllowed(_("The indicators are for the units' officers and leaders."))
    return units


def _units(request: HttpRequest, text: str | None) -> list[int]:
    allowed = readable_units(request.user)
    if not text:
        raise DomainError(_("Name at least one unit."), field="unit")
    codes = [c.strip() for c in text.split(",") if c.strip()]
    found = dict(Organisation.objects.filter(code__in=codes).values_list("code", "pk"))
    missing = [c for c in codes if c not in found]
    if missing:
        raise NotFound(_("Unknown unit %(code)s.") % {"code": missing[0]}, field="unit")
    ids = [found[c] for c in codes]
    if any(i not in allowed for i in ids):
        raise NotAllowed(_("You may not read the figures of this unit."))
    return ids


def _indicator(code: str) -> Indicator:
    ind = Indicator.objects.filter(code=code).first()
    if ind is None:
        raise NotFound(_("Unknown indicator %(code)s.") % {"code": code}, field="indicator")
    return ind


class IndicatorOut(Schema):
    code: str
    name: str
    name_en: str
    group: str
    group_name: str
    unit_of_measure: str
    periodicity: str
    over_units: str
    over_time: str
    direction: str
    source: str
    formula: str


@router.get("/indicators", response=list[IndicatorOut])
def indicator_list(request: HttpRequest) -> list[dict]:
    readable_units(request.user)
    return [
        {
            "code": i.code,
            "name": i.name,
            "name_en": i.name_en,
            "group": i.group.code,
            "group_name": i.group.name,
            "unit_of_measure": i.unit_of_measure,
            "periodicity": i.periodicity,
            "over_units": i.over_units,
            "over_time": i.over_time,
            "direction": i.direction,
            "source": i.source,
            "formula": i.formula,
        }
        for i in Indicator.objects.filter(is_active=True).select_related("group")
    ]


class MeasureOut(Schema):
    indicator: str
    unit: str | None
    period_type: str
    period: date
    period_key: str
    value: float | None
    previous: float | None
    change_abs: float | None
    change_pct: float | None
    last_year: float | None
    yoy_abs: float | None
    yoy_pct: float | None
    ytd: float | None
    ytd_last_year: float | None = Field(
        description="The same months as `ytd` a year earlier: from `ytd_from` to `ytd_to`, a year back (a "
        "year to date of ten months is compared with the same ten months, not with eleven)."
    )
    ytd_from: date | None = Field(
        None, description="The first month `ytd` holds (its first day); `ytd_last_year` starts a year before."
    )
    ytd_to: date | None = Field(
        None, description="The last month `ytd` holds (its first day); `ytd_last_year` ends a year before."
    )
    plan: float | None
    completion: float | None
    plan_year: float | None
    completion_ytd: float | None
    rank: int | None
    peers: int | None
    direction: str
    reported: int | None = None
    expected: int | None = None
    own_values: bool | None = Field(
        None,
        description="Per unit: whether the unit has values of its own for this indicator (a reporting unit). "
        "A city or a department is usually not one: name the units to add up instead.",
    )
    note: str | None = Field(None, description="Why the figures are empty, when they are.")


class MeasureQuery(Schema):
    unit: str | None = Field(
        None,
        description="One unit code or several, comma-separated (79,26743): a row per unit, or one row "
        "over them all with aggregate=true. A unit counts its own values only, not those of the units "
        "below it.",
    )
    period: str
    aggregate: bool = False


@router.get("/indicators/{code}/measures", response=list[MeasureOut])
def indicator_measures(request: HttpRequest, code: str, q: Query[MeasureQuery]) -> list[dict]:
    ind = _indicator(code)
    unit_ids = _units(request, q.unit)
    ptype, period = periods.parse_period(q.period)
    periods.check_fits(ind, ptype, period, derived=True)
    found = measures.measures(
        indicator_codes=[ind.code], unit_ids=unit_ids, period_type=ptype, period=period, aggregate=q.aggregate
    )
    codes = dict(Organisation.objects.filter(pk__in=unit_ids).values_list("pk", "code"))
    own = _units_with_values(ind, unit_ids)
    out = []
    for me in found:
        row = dict(vars(me))
        row["indicator"] = row.pop("indicator_code")
        unit_id = row.pop("unit_id")
        row["unit"] = codes.get(unit_id)
        row["period_key"] = periods.period_key(ptype, period)
        if unit_id is not None:
            row["own_values"] = unit_id in own
            if unit_id not in own:
                row["note"] = _(
                    "%(unit)s has no values of its own for %(code)s: it is not one of its reporting units. "
                    "Name the units to read, comma-separated, with aggregate=true to add them up."
                ) % {"unit": codes.get(unit_id), "code": ind.code}
        elif not own:
            row["note"] = _(
                "None of the units named has values of its own for %(code)s: they are not among its "
                "reporting units. Name the units to add up, comma-separated."
            ) % {"code": ind.code}
        out.append(row)
    return out


def _units_with_values(ind: Indicator, unit_ids: list[int]) -> set[int]:
    """The units among `unit_ids` that have values of their own for `ind`: its reporting units, and any
    unit holding a value of it (or of the indicators its formula or ratio is made of)."""
    codes = {ind.code} | set(re.findall(r"[A-Z][A-Z0-9_]*", ind.formula or ""))
    parts = [p for p in (ind.numerator_id, ind.denominator_id) if p]
    ids = set(ind.reporting_units.filter(pk__in=unit_ids).values_list("pk", flat=True))
    held = DataValue.objects.filter(unit_id__in=set(unit_ids) - ids).filter(
        Q(indicator__code__in=codes) | Q(indicator_id__in=parts)
    )
    return ids | set(held.values_list("unit_id", flat=True).distinct())


class PointOut(Schema):
    period: date
    period_key: str
    value: float | None


class SeriesOut(Schema):
    indicator: str
    period_type: str
    points: list[PointOut]


class SeriesQuery(Schema):
    model_config = ConfigDict(populate_by_name=True)

    unit: str | None = None
    from_: str | None = Field(None, alias="from")
    to: str | None = None


@router.get("/indicators/{code}/series", response=SeriesOut)
def indicator_series(request: HttpRequest, code: str, q: Query[SeriesQuery]) -> dict:
    ind = _indicator(code)
    unit_ids = _units(request, q.unit)
    if not q.from_:
        raise DomainError(_("Give the first period."), field="from")
    if not q.to:
        raise DomainError(_("Give the last period."), field="to")
    try:
        ptype, start = periods.parse_period(q.from_)
    except DomainError as exc:
        raise DomainError(exc.message, field="from") from exc
    try:
        ptype_to, end = periods.parse_period(q.to)
    except DomainError as exc:
        raise DomainError(exc.message, field="to") from exc
    if ptype_to != ptype:
        raise DomainError(_("Both ends must be periods of the same kind."), field="to")
    try:
        periods.check_fits(ind, ptype, start, derived=True)
    except DomainError as exc:
        raise DomainError(exc.message, field="from") from exc
    points = measures.series(
        indicator_code=ind.code, unit_ids=unit_ids, period_type=ptype, start=start, end=end
    )
    return {
        "indicator": ind.code,
        "period_type": ptype,
        "points": [{"period": d, "period_key": periods.period_key(ptype, d), "value": v} for d, v in points],
    }


class FindingOut(Schema):
    id: int
    indicator: str
    unit: str
    unit_name: str
    period_type: str
    period: date
    period_key: str
    value: float
    expected: float | None
    score: float
    method: str
    explanation: str
    state: str
    found_at: datetime
    resolved_at: datetime | None
    resolution: str
    version: int


class FindingQuery(Schema):
    state: str | None = None
    unit: str | None = None
    indicator: str | None = None


def _finding_out(f: Finding) -> dict:
    return {
        "id": f.pk,
        "indicator": f.indicator.code,
        "unit": f.unit.code,
        "unit_name": f.unit.name,
        "period_type": f.period_type,
        "period": f.period,
        "period_key": periods.period_key(f.period_type, f.period),
        "value": f.value,
        "expected": f.expected,
        "score": f.score,
        "method": f.method,
        "explanation": f.explanation,
        "state": f.state,
        "found_at": f.found_at,
        "resolved_at": f.resolved_at,
        "resolution": f.resolution,
        "version": f.version,
    }


@router.get("/indicator-findings", response=list[FindingOut])
def finding_list(request: HttpRequest, q: Query[FindingQuery]) -> list[dict]:
    allowed = readable_units(request.user)
    rows = Finding.objects.filter(unit_id__in=allowed).select_related("indicator", "unit")
    if q.state:
        if q.state not in {"flagged", "explained", "corrected", "closed"}:
            raise DomainError(_("Unknown state."), field="state")
        rows = rows.filter(state=q.state)
    if q.unit:
        rows = rows.filter(unit_id__in=_units(request, q.unit))
    if q.indicator:
        rows = rows.filter(indicator=_indicator(q.indicator))
    return [_finding_out(f) for f in rows.order_by("-found_at", "-id")]


class FindingActionIn(Schema):
    action: str
    note: str = ""
    version: int = Field(description="The finding's version as read: a change meanwhile answers 409.")


@router.post("/indicator-findings/{finding_id}/actions", response=FindingOut)
def finding_action(request: HttpRequest, finding_id: int, body: FindingActionIn) -> dict:
    finding = findings.finding_transition(
        user=request.user, finding_id=finding_id, action=body.action, note=body.note, version=body.version
    )
    finding = Finding.objects.select_related("indicator", "unit").get(pk=finding.pk)
    return _finding_out(finding)
