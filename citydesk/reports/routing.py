"""Which unit handles a report: admin-edited rules first, then the category's default level."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time

import numpy as np
from django.conf import settings
from django.utils import timezone

from citydesk.core import configcache
from citydesk.core.models import AdminUnit, DivisionLevel, Organisation, OrgKind, ServiceCategory
from citydesk.core.units import get_locator
from citydesk.core.validators import organisation_province
from citydesk.reports.models import RoutingRule

EARTH_RADIUS_M = 6_371_000.0


# How routing chose the unit (`Route.how`); reports/system_notes.py words each one for the history.
BY_RULE, BY_DEPARTMENT, BY_COMMITTEE, BY_PROVINCE = "rule", "department", "committee", "province"


@dataclass(frozen=True)
class Route:
    unit: Organisation
    rule: RoutingRule | None
    how: str  # BY_RULE (then `rule` is set), BY_DEPARTMENT, BY_COMMITTEE or BY_PROVINCE


def _rule_matches_time(rule: RoutingRule, when: datetime) -> bool:
    local = timezone.localtime(when)
    if rule.weekdays and str(local.isoweekday()) not in rule.weekdays:
        return False
    if rule.start_time and rule.end_time:
        t = local.time()
        if rule.start_time <= rule.end_time:
            return rule.start_time <= t < rule.end_time
        return t >= rule.start_time or t < rule.end_time  # overnight window
    return True


def rule_order(rule: RoutingRule) -> tuple[int, ...]:
    """The order routing tries the rules in: by priority, then the more specific first (`RoutingRule.
    specificity`: a commune/ward before a province before no area, a category before any category, some
    days or hours before all the time), then by id. Equal priorities were settled by the id alone, so a
    ward's rule made after a city-wide one of the same priority could never fire."""
    area, category, timed = rule.specificity
    return (rule.priority, -area, -category, -timed, rule.pk)


DAY_SECONDS = 24 * 3600


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _window(rule: RoutingRule) -> list[tuple[int, int]]:
    """The rule's hours as [start, end) spans of seconds of the day (two when it runs overnight)."""
    if not (rule.start_time and rule.end_time):
        return [(0, DAY_SECONDS)]
    start, end = _seconds(rule.start_time), _seconds(rule.end_time)
    return [(start, end)] if start < end else [(start, DAY_SECONDS), (0, end)]


def _area_covers(first: RoutingRule, rule: RoutingRule, provinces: dict[int, str | None]) -> bool:
    """Does every place `rule` applies to lie where `first` applies? A rule without an area applies in its
    target's province (`provinces`, None: anywhere)."""

    def region(r: RoutingRule) -> tuple[str, str | None]:  # ("ward", code), ("province", code) or anywhere
        if r.area_id is None:
            home = provinces.get(r.pk)
            return ("province", home) if home else ("anywhere", None)
        if r.area.level == DivisionLevel.WARD:
            return "ward", r.area_id
        return "province", r.area_id

    kind, code = region(first)
    if kind == "anywhere":
        return True
    inner_kind, inner = region(rule)
    if kind == "ward":
        return inner_kind == "ward" and inner == code
    if inner_kind == "ward":
        return rule.area.province_id == code
    return inner_kind == "province" and inner == code


def covers(first: RoutingRule, rule: RoutingRule, provinces: dict[int, str | None]) -> bool:
    """Does `first` match every report `rule` matches (category, place, days and hours)?"""
    if first.category_id is not None and first.category_id != rule.category_id:
        return False
    if first.weekdays and not (rule.weekdays and set(rule.weekdays) <= set(first.weekdays)):
        return False
    spans = _window(first)
    if not all(any(a <= s and e <= b for a, b in spans) for s, e in _window(rule)):
        return False
    return _area_covers(first, rule, provinces)


def find_shadowed(rules: list[RoutingRule], provinces: dict[int, str | None]) -> dict[int, RoutingRule]:
    """The active rules that can never fire (by id), each with the first rule that always takes their
    reports before them: one tried earlier (same or higher priority, at least as specific) that matches
    every report they match. Areas, targets and their provinces loaded (`provinces`: area-less rules)."""
    ordered = sorted(rules, key=rule_order)
    shadowed: dict[int, RoutingRule] = {}
    for index, rule in enumerate(ordered):
        for first in ordered[:index]:
            if covers(first, rule, provinces):
                shadowed[rule.pk] = first
                break
    return shadowed


@dataclass(frozen=True)
class _RoutingTable:
    """Everything routing reads, cached per process until the configuration changes."""

    rules: tuple[RoutingRule, ...]  # active, in `rule_order`, targets and areas loaded
    orgs: dict[str, Organisation]  # by code
    committees: dict[str, Organisation]  # active People's Committee by admin unit code
    root: Organisation | None  # the first top-level People's Committee
    # A rule without an area applies in its target's province only (rule id -> province code, or None
    # when the target belongs to no province): a rule for one city never takes another city's reports.
    rule_provinces: dict[int, str | None]
    shadowed: dict[int, RoutingRule]  # active rules that never fire -> the rule that takes their reports


def _load_table() -> _RoutingTable:
    rules = tuple(
        sorted(
            RoutingRule.objects.filter(is_active=True).select_related(
                "target", "target__admin_unit", "area", "category"
            ),
            key=rule_order,
        )
    )
    rule_provinces = {rule.pk: organisation_province(rule.target) for rule in rules if rule.area_id is None}
    orgs: dict[str, Organisation] = {}
    committees: dict[str, Organisation] = {}
    root: Organisation | None = None
    for org in Organisation.objects.order_by("code"):
        orgs[org.code] = org
        if org.kind == OrgKind.PEOPLES_COMMITTEE and org.is_active and org.admin_unit_id:
            committees.setdefault(org.admin_unit_id, org)
        top_level = org.kind == OrgKind.PEOPLES_COMMITTEE and org.parent_id is None
        if top_level and (root is None or org.pk < root.pk):
            root = org
    return _RoutingTable(
        rules=rules,
        orgs=orgs,
        committees=committees,
        root=root,
        rule_provinces=rule_provinces,
        shadowed=find_shadowed(list(rules), rule_provinces),
    )


def shadowed_rules(*, gen: int | None = None) -> dict[int, RoutingRule]:
    """The active rules that never fire, by id, with the rule that always takes their reports first (for
    the back office's warnings). Shared by the process's cache: read only."""
    return configcache.cached("routing", _load_table, gen=gen).shadowed


def route(
    category: ServiceCategory,
    ward: AdminUnit | None,
    *,
    when: datetime | None = None,
    gen: int | None = None,
    province_code: str | None = None,
) -> Route:
    """The unit for a report of `category` at `ward`; without a ward, in the province `province_code`
    (an address in a province, its commune/ward not given): the province's rules, departments and People's
    Committee, never another province's."""
    when = when or timezone.now()
    table = configcache.cached("routing", _load_table, gen=gen)
    if ward is not None:
        province_code = ward.province_id
    areas = {ward.code, ward.province_id} if ward is not None else {province_code} - {None, ""}
    for rule in table.rules:
        if rule.category_id is not None and rule.category_id != category.pk:
            continue
        if rule.area_id is not None and rule.area_id not in areas:
            continue
        if rule.area_id is None and province_code:
            home = table.rule_provinces.get(rule.pk)
            if home and home != province_code:
                continue
        if _rule_matches_time(rule, when):
            return Route(unit=rule.target, rule=rule, how=BY_RULE)
    if category.handled_by == "department" and category.department_code and province_code:
        department = table.orgs.get(f"{province_code}.{category.department_code}")
        if department is not None:
            return Route(unit=department, rule=None, how=BY_DEPARTMENT)
    if ward is not None:
        committee = table.committees.get(ward.code)
        if committee is not None:
            return Route(unit=committee, rule=None, how=BY_COMMITTEE)
    # Nobody closer: the province's People's Committee triages it.
    fallback = None
    if province_code:
        fallback = table.committees.get(province_code) or table.orgs.get(province_code)
    if fallback is None:
        fallback = table.root
    if fallback is None:
        raise LookupError(
            "no organisation can receive reports: load the demo data or create the city's People's Committee"
        )
    return Route(unit=fallback, rule=None, how=BY_PROVINCE)


def boundary_distance_m(lon: float, lat: float) -> float | None:
    """Approximate distance from the point to the border between its unit and the next one.

    With ward centres only, the border is the perpendicular bisector between the nearest and second
    nearest centres; the point's distance to it is (d2² − d1²) / (2·|c1c2|).
    """
    state = get_locator()
    if len(state.codes) < 2:
        return None
    scale = math.cos(math.radians(lat))
    dx = (state.lons - lon) * scale
    dy = state.lats - lat
    dist2 = dx * dx + dy * dy
    first, second = np.argpartition(dist2, 1)[:2]
    if dist2[second] < dist2[first]:
        first, second = second, first
    cx = (state.lons[second] - state.lons[first]) * scale
    cy = state.lats[second] - state.lats[first]
    separation = math.hypot(cx, cy)
    if separation == 0:
        return 0.0
    degrees = (dist2[second] - dist2[first]) / (2 * separation)
    return float(math.radians(degrees) * EARTH_RADIUS_M)


def near_boundary(lon: float, lat: float) -> bool:
    distance = boundary_distance_m(lon, lat)
    return distance is not None and distance <= settings.CITYDESK_BOUNDARY_CHECK_M
