"""REST API of the indicators (/api/v1/indicators…, /api/v1/indicator-findings…)."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from citydesk.api import AUTH
from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.core.models import Membership, Organisation, User
from citydesk.core.powers import ROLE_POWERS, Power
from citydesk.core.selectors import descendant_ids
from citydesk.indicators import anomalies, measures, periods
from citydesk.indicators.models import Finding, Indicator

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
        raise DomainError(_("Unknown unit %(code)s.") % {"code": missing[0]}, field="unit")
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
    ytd_last_year: float | None
    plan: float | None
    completion: float | None
    plan_year: float | None
    completion_ytd: float | None
    rank: int | None
    peers: int | None
    direction: str
    reported: int | None = None
    expected: int | None = None


class MeasureQuery(Schema):
    unit: str | None = None
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
    out = []
    for me in found:
        row = dict(vars(me))
        row["indicator"] = row.pop("indicator_code")
        row["unit"] = codes.get(row.pop("unit_id"))
        row["period_key"] = periods.period_key(ptype, period)
        out.append(row)
    return out


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
    version: int | None = None


@router.post("/indicator-findings/{finding_id}/actions", response=FindingOut)
def finding_action(request: HttpRequest, finding_id: int, body: FindingActionIn) -> dict:
    finding = anomalies.finding_transition(
        user=request.user, finding_id=finding_id, action=body.action, note=body.note, version=body.version
    )
    finding = Finding.objects.select_related("indicator", "unit").get(pk=finding.pk)
    return _finding_out(finding)
