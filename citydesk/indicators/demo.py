"""Demo indicators: the catalog (20 groups, 110 indicators) and several years of plausible data for the
HCMC (79) and Hanoi (01) demo units, with a few planted anomalies (`PLANTED`) the demo and tests show.

`seed_indicators()` is idempotent: the catalog is updated in place and only missing values and plans are
inserted. `synthetic_series()` is a pure numpy generator of seasonal series for benches and tests.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from citydesk.core.models import Organisation, OrgKind
from citydesk.indicators import periods as P
from citydesk.indicators import running
from citydesk.indicators.catalog import (
    check_catalog,
    check_indicator,
    evaluate_arrays,
    formula_order,
    parse_formula,
)
from citydesk.indicators.demo_table import GROUPS, INDICATORS
from citydesk.indicators.models import (
    DataValue,
    Indicator,
    IndicatorGroup,
    Plan,
    Source,
    Submission,
    SubmissionState,
)

CITIES = ("79", "01")
CITY_SCALE = {"79": 1.0, "01": 0.78}  # Hanoi's flows relative to HCMC's
RULES = {"s": "sum", "a": "avg", "w": "weighted", "r": "ratio", "l": "last"}
DIRECTIONS = {"u": "up", "d": "down", "n": "neutral"}
BATCH = 2000

# Lunar New Year's Day (Tết Nguyên đán), for the holiday effects.
TET = {
    2018: date(2018, 2, 16), 2019: date(2019, 2, 5), 2020: date(2020, 1, 25), 2021: date(2021, 2, 12),
    2022: date(2022, 2, 1), 2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29),
    2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26), 2029: date(2029, 2, 13),
    2030: date(2030, 2, 3), 2031: date(2031, 1, 23), 2032: date(2032, 2, 11),
}  # fmt: skip

# Month-of-year profiles (January … December).
SEASONS = {
    "budget": [1.3, 0.85, 0.9, 1.15, 0.95, 0.9, 1.05, 0.9, 0.9, 1.05, 0.95, 1.1],
    "yearend": [0.45, 0.55, 0.8, 0.85, 0.9, 0.95, 1.0, 1.0, 1.05, 1.1, 1.25, 2.1],
    "hot": [0.9, 0.9, 1.02, 1.1, 1.12, 1.1, 1.02, 1.0, 0.98, 0.98, 0.95, 0.93],
    "rain": [0.3, 0.2, 0.2, 0.3, 0.7, 1.3, 1.8, 2.0, 2.1, 1.9, 1.2, 0.6],
    "rain_small": [0.9, 0.9, 0.92, 0.95, 1.05, 1.1, 1.15, 1.15, 1.15, 1.1, 1.0, 0.95],
    "tourism": [1.25, 1.2, 1.15, 1.0, 0.9, 0.85, 0.9, 0.9, 0.85, 0.9, 1.0, 1.2],
    "summer": [1.05, 1.1, 0.9, 0.95, 1.05, 1.25, 1.3, 1.2, 0.85, 0.85, 0.85, 0.95],
    "jobs": [0.8, 1.2, 1.4, 1.1, 1.0, 0.95, 0.95, 0.95, 0.95, 1.0, 0.95, 0.8],
    "hfmd": [0.5, 0.5, 0.9, 1.2, 1.3, 0.9, 0.8, 0.9, 1.4, 1.6, 1.5, 1.0],
    "dry": [1.6, 1.7, 1.8, 1.5, 1.0, 0.7, 0.6, 0.6, 0.6, 0.7, 0.9, 1.2],
    "dry_bad": [0.85, 0.88, 0.92, 0.97, 1.03, 1.06, 1.06, 1.06, 1.05, 1.0, 0.95, 0.88],
}
# Tết effects: (factor in the shopping month before the holiday, in the holiday month, the month after).
TET_EFFECTS = {
    "retail": (1.25, 0.95, 1.0),
    "tet_dip": (1.0, 0.78, 1.06),
    "tet_peak": (1.0, 1.3, 1.0),
    "pre_tet": (1.35, 0.7, 1.0),
    "after_tet": (1.0, 0.7, 1.4),
    "cpi": (1.006, 1.002, 0.997),
}

# Planted anomalies: (indicator, unit code, month, factor, what it imitates). Present in the demo data.
PLANTED: list[tuple[str, str, date, float, str]] = [
    ("RETAIL", "26743", date(2026, 3, 1), 3.8, "spike: 3.8× the usual March level of Phường Bến Thành"),
    ("WASTE", "00070", date(2026, 6, 1), 10.0, "typo: an extra zero (×10) at Phường Hoàn Kiếm"),
    ("BUD_REV", "79", date(2026, 8, 1), 0.35, "sudden drop of HCMC's budget revenue"),
    ("VACC_RATE", "26824", date(2026, 5, 1), 0.1, "typo: decimal point shifted at Phường Thủ Đức"),
    ("EXPORT", "01", date(2025, 11, 1), 2.4, "spike of Hanoi's exports"),
    ("HH_BIZ_NEW", "00004", date(2026, 9, 1), 0.12, "sudden drop at Phường Ba Đình"),
]
REVISED = ("BUD_REV", "FDI_REG", "EXPORT", "RETAIL", "ENT_NEW")
PLAN_NOTE = "Nghị quyết của HĐND về kế hoạch phát triển kinh tế – xã hội năm {year} (dữ liệu mẫu)"
REVISION_NOTE = "Điều chỉnh kế hoạch theo Nghị quyết HĐND kỳ họp giữa năm {year} (dữ liệu mẫu)"


@dataclass
class Spec:
    code: str
    group: str
    level: str
    periodicity: str
    over_units: str
    over_time: str
    direction: str
    uom: str
    base: float
    trend: float
    additive: bool
    season: str
    noise: float
    name: str
    name_en: str
    extras: dict[str, str] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return "formula" if "f" in self.extras else "platform" if "p" in self.extras else "entry"

    @property
    def rate_like(self) -> bool:
        return self.over_units in ("avg", "weighted") or self.uom == "%"


def _parse_extras(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    parts = text.split(",") if text else []
    for i, part in enumerate(parts):
        key, _sep, value = part.partition("=")
        if key == "f":
            out["f"] = ",".join([value, *parts[i + 1 :]])
            break
        out[key] = value if _sep else "1"
    return out


def catalog_specs() -> tuple[list[tuple[str, str, str]], list[Spec]]:
    groups = [tuple(line.split("|")) for line in GROUPS.strip().splitlines()]
    specs = []
    for line in INDICATORS.strip().splitlines():
        code, grp, lvl, per, ou, ot, dr, uom, base, trend, season, noise, extras, vi, en = line.split("|")
        additive = trend.endswith("pp")
        specs.append(
            Spec(code, grp, lvl, per, RULES[ou], RULES[ot], DIRECTIONS[dr], uom, float(base),
                 float(trend.removesuffix("pp")), additive, season, float(noise), vi, en,
                 _parse_extras(extras))
        )  # fmt: skip
    return groups, specs  # type: ignore[return-value]


def _definition(spec: Spec) -> dict[str, object]:
    ex = spec.extras
    return {
        "code": spec.code,
        "name": spec.name,
        "name_en": spec.name_en,
        "unit_of_measure": spec.uom,
        "integer_only": "int" in ex,
        "decimals": 0 if "int" in ex else 2 if spec.uom == "%" and spec.base > 50 else 1,
        "min_value": float(ex["min"]) if "min" in ex else None,
        "max_value": float(ex["max"]) if "max" in ex else None,
        "periodicity": spec.periodicity,
        "over_units": spec.over_units,
        "over_time": spec.over_time,
        "direction": spec.direction,
        "source": spec.source,
        "formula": ex.get("f", ""),
        "platform_key": ex.get("p", ""),
        "scale": float(ex.get("s", 1)),
        "numerator": ex.get("n"),
        "denominator": ex.get("d"),
        "weight": ex.get("w"),
    }


def _seed_catalog(specs: list[Spec], groups: list[tuple[str, str, str]]) -> dict[str, Indicator]:
    definitions = [_definition(s) for s in specs]
    codes = {d["code"] for d in definitions}
    for d in definitions:
        check_indicator(d, known_codes=codes)  # type: ignore[arg-type]
    check_catalog(definitions)
    group_objs = {}
    for position, (code, name, name_en) in enumerate(groups, start=1):
        group_objs[code], _ = IndicatorGroup.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "position": position}
        )
    objs: dict[str, Indicator] = {}
    for position, (spec, d) in enumerate(zip(specs, definitions, strict=True), start=1):
        plain = {k: v for k, v in d.items() if k not in ("code", "numerator", "denominator", "weight")}
        objs[spec.code], _ = Indicator.objects.update_or_create(
            code=spec.code, defaults={**plain, "group": group_objs[spec.group], "position": position}
        )
    for spec, d in zip(specs, definitions, strict=True):
        refs = {k: objs[str(d[k])] if d[k] else None for k in ("numerator", "denominator", "weight")}
        obj = objs[spec.code]
        if any(getattr(obj, f"{k}_id") != (v.pk if v else None) for k, v in refs.items()):
            for k, v in refs.items():
                setattr(obj, k, v)
            obj.save(update_fields=list(refs))
    return objs


def _units(spec: Spec, cities: dict[str, Organisation], wards: dict[str, list[Organisation]],
           departments: dict[str, Organisation]) -> list[Organisation]:  # fmt: skip
    out: list[Organisation] = []
    for city_code, city in cities.items():
        if spec.level == "C":
            out.append(city)
        elif spec.level == "W":
            out.extend(wards[city_code])
        elif (dept := departments.get(f"{city_code}.{spec.level[2:]}")) is not None:
            out.append(dept)
    return out


def _periods(periodicity: str, start: date, end: date) -> list[date]:
    """Periods of this kind that lie wholly in the months start…end."""
    return [
        p
        for p in P.periods_between(periodicity, start, end)
        if p >= start and P.period_end(periodicity, p) <= end
    ]


def _tet_months(year: int) -> tuple[date, date, date]:
    tet = TET.get(year, date(year, 2, 1))
    holiday = P.month_start(tet) if tet.day <= 20 else P.add_months(P.month_start(tet), 1)
    shopping = P.month_start(tet) if tet.day >= 15 else P.add_months(P.month_start(tet), -1)
    return shopping, holiday, P.add_months(holiday, 1)


def _season(kind: str, months: list[date]) -> np.ndarray:
    profile = SEASONS.get(kind)
    out = np.array([profile[m.month - 1] if profile else 1.0 for m in months])
    if kind in TET_EFFECTS:
        effects = TET_EFFECTS[kind]
        index = {m: i for i, m in enumerate(months)}
        for year in {m.year for m in months} | {months[-1].year + 1}:
            for month, factor in zip(_tet_months(year), effects, strict=True):
                if month in index:
                    out[index[month]] *= factor
        if kind == "retail":
            out *= np.array([1.06 if m.month == 12 else 1.0 for m in months])
    return out


def _stable_rng(seed: int, *parts: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32("|".join(parts).encode())])


def _generate(spec: Spec, unit: Organisation, city_code: str, times: list[date], seed: int,
              parent: np.ndarray | None) -> np.ndarray:  # fmt: skip
    rng = _stable_rng(seed, spec.code, unit.code)
    years = np.array([(t.year - times[0].year) + (t.month - times[0].month) / 12 for t in times])
    size = 1.0
    if spec.level == "W":
        size = float(_stable_rng(seed, "ward-size", unit.code).lognormal(0, 0.35))
    if spec.rate_like or parent is not None:
        level = spec.base * (1 + rng.normal(0, 0.003 if spec.base > 50 else 0.015))
    else:
        level = spec.base * CITY_SCALE.get(city_code, 1.0) * size * rng.lognormal(0, 0.12)
    trend = level + spec.trend * years if spec.additive else level * (1 + spec.trend / 100) ** years
    if spec.periodicity == "M" and spec.season == "cum":
        start = P.year_start(times[0])
        month_index = np.array(
            [(t.year * 12 + t.month - start.year * 12 - start.month) % 12 + 1 for t in times]
        )
        trend = trend * (month_index / 12) ** 1.6
    elif spec.season == "walk":  # a wandering rate (growth, shares): quarters and years too
        steps = rng.normal(0, spec.noise, len(times))
        walk = np.zeros(len(times))
        for i in range(1, len(times)):
            walk[i] = 0.8 * walk[i - 1] + steps[i]
        trend = trend * (1 + walk)
    elif spec.periodicity == "M":
        trend = trend * _season(spec.season, times)
    if parent is not None:
        values = parent * np.clip(trend * (1 + rng.normal(0, spec.noise, len(times))), 0, 0.995)
    elif "int" in spec.extras and spec.noise == 0:
        values = rng.poisson(np.maximum(trend, 0)).astype(float)
    elif spec.season == "walk":
        values = trend
    else:
        values = trend * (1 + rng.normal(0, spec.noise, len(times)))
    if "int" in spec.extras:
        values = np.round(values)
    low = float(spec.extras.get("min", "-inf"))
    high = float(spec.extras.get("max", "inf"))
    return np.clip(values, low, high)


def _to_periods(
    values: np.ndarray, times: list[date], rule: str, periodicity: str, target: list[date]
) -> np.ndarray:
    """Aggregate a finer series over time onto `target` periods (sum, average or last value)."""
    out = np.full(len(target), np.nan)
    for i, period in enumerate(target):
        picked = [values[j] for j, t in enumerate(times) if P.period_of(periodicity, t) == period]
        if picked:
            out[i] = (
                sum(picked) if rule == "sum" else picked[-1] if rule == "last" else float(np.mean(picked))
            )
    return out


def _annual(values: np.ndarray, times: list[date], rule: str) -> dict[date, float]:
    years: dict[date, list[float]] = {}
    for value, t in zip(values, times, strict=True):
        if value == value:
            years.setdefault(P.year_start(t), []).append(float(value))
    if rule == "sum":
        return {y: sum(v) for y, v in years.items()}
    if rule == "last":
        return {y: v[-1] for y, v in years.items()}
    return {y: float(np.mean(v)) for y, v in years.items()}


def _derived(spec: Spec) -> bool:
    """Computed from other indicators' values rather than generated: formulas and platform ratios."""
    return spec.source == "formula" or (spec.over_units == "ratio" and spec.base == 0)


def _last_complete_month(today: date) -> date:
    return P.add_months(P.month_start(today), -1)


@transaction.atomic
def seed_indicators(*, years: int = 4, seed: int = 2026, end: date | None = None) -> dict[str, int]:
    """Create the demo catalog and `years` years of data up to the month `end` (default: last month)."""
    groups, specs = catalog_specs()
    objs = _seed_catalog(specs, groups)
    end = P.month_start(end) if end else _last_complete_month(timezone.localdate())
    start = P.add_months(end, -12 * years + 1)
    cities = {c: o for c in CITIES if (o := Organisation.objects.filter(code=c).first()) is not None}
    wards = {
        c: list(Organisation.objects.filter(parent=city, kind=OrgKind.PEOPLES_COMMITTEE).order_by("code"))
        for c, city in cities.items()
    }
    departments = {
        o.code: o
        for o in Organisation.objects.filter(parent__in=list(cities.values())).exclude(
            kind=OrgKind.PEOPLES_COMMITTEE
        )
    }
    by_code = {s.code: s for s in specs}
    series: dict[tuple[str, str], np.ndarray] = {}
    times = {k: _periods(k, start, end) for k in ("M", "Q", "Y")}
    unit_city: dict[str, str] = {}
    unit_objs: dict[str, Organisation] = {}
    for spec in specs:
        units = _units(spec, cities, wards, departments)
        obj = objs[spec.code]
        if {u.pk for u in units} != set(obj.reporting_units.values_list("pk", flat=True)):
            obj.reporting_units.set(units)
        for unit in units:
            city_code = next(
                c for c, city in cities.items() if unit.pk == city.pk or unit.parent_id == city.pk
            )
            unit_city[unit.code] = city_code
            unit_objs[unit.code] = unit
            if _derived(spec) or spec.source == "platform":
                continue  # platform values come from the demo's own reports, dossiers and ratings
            parent = series.get((spec.extras["of"], unit.code)) if "of" in spec.extras else None
            series[(spec.code, unit.code)] = _generate(
                spec, unit, city_code, times[spec.periodicity], seed, parent
            )
    for code, unit_code, month, factor, _what in PLANTED:
        if (code, unit_code) in series and month in times["M"]:
            series[(code, unit_code)][times["M"].index(month)] *= factor
    # Derived values: ratios of platform counts, then formulas in dependency order.
    for spec in specs:
        if _derived(spec) and spec.source != "formula":
            scale = float(spec.extras.get("s", 1))
            for unit in _units(spec, cities, wards, departments):
                num, den = (
                    series.get((spec.extras["n"], unit.code)),
                    series.get((spec.extras["d"], unit.code)),
                )
                if num is not None and den is not None:
                    with np.errstate(divide="ignore", invalid="ignore"):
                        series[(spec.code, unit.code)] = np.where(
                            den > 0, num / np.where(den > 0, den, 1) * scale, np.nan
                        )
    for code in formula_order([_definition(s) for s in specs]):
        spec = by_code[code]
        target = times[spec.periodicity]
        for unit in _units(spec, cities, wards, departments):
            arrays = {}
            for ref in parse_formula(spec.extras["f"]):
                ref_spec = by_code[ref]
                values = series.get((ref, unit.code))
                if values is None:
                    continue
                if ref_spec.periodicity != spec.periodicity:
                    values = _to_periods(
                        values, times[ref_spec.periodicity], ref_spec.over_time, spec.periodicity, target
                    )
                arrays[ref] = values
            if arrays:
                series[(code, unit.code)] = evaluate_arrays(spec.extras["f"], arrays)
    return {
        "indicator_groups": len(groups),
        "indicators": len(specs),
        **_store(objs, by_code, series, times, unit_objs, start, end, seed),
        "indicator_platform_values": _fill_platform(times["M"][-6:]),
    }


def _fill_platform(months: list[date]) -> int:
    """The platform-owned values of the last months, computed from the demo's real data (a synthetic
    history of them would contradict the reports, dossiers and ratings the demo holds)."""
    from citydesk.indicators.platform import fill_platform

    return sum(fill_platform(period_type="M", period=month) for month in months)


def _store(objs: dict[str, Indicator], by_code: dict[str, Spec], series: dict[tuple[str, str], np.ndarray],
           times: dict[str, list[date]], units: dict[str, Organisation], start: date, end: date,
           seed: int) -> dict[str, int]:  # fmt: skip
    ids = [o.pk for o in objs.values()]
    existing = set(
        DataValue.objects.filter(indicator_id__in=ids).values_list(
            "indicator_id", "unit_id", "period_type", "period"
        )
    )
    rows: list[DataValue] = []
    reported: set[tuple[int, int, str, date]] = set()  # (group, unit, period type, period) entered
    for (code, unit_code), values in series.items():
        spec, obj, unit = by_code[code], objs[code], units[unit_code]
        late = spec.level == "W" and _stable_rng(seed, "late", unit_code).random() < 0.3
        rng = _stable_rng(seed, "entered", code, unit_code)
        delays = rng.integers(2, 14, len(values))
        for period, value, delay in zip(times[spec.periodicity], values, delays, strict=True):
            if value != value or not P.has_started(spec.periodicity, period):
                continue  # never a value for a period still to come
            if late and spec.source == Source.ENTRY and period == P.period_of(spec.periodicity, end):
                continue  # a few wards have not reported the last period yet
            if spec.source == Source.ENTRY:
                reported.add((obj.group_id, unit.pk, spec.periodicity, period))
            if (obj.pk, unit.pk, spec.periodicity, period) in existing:
                continue
            entered = P.following(spec.periodicity, period)
            rows.append(
                DataValue(
                    indicator=obj,
                    unit=unit,
                    period_type=spec.periodicity,
                    period=period,
                    value=round(float(value), obj.decimals),
                    source=spec.source,
                    updated_at=datetime(entered.year, entered.month, 1, 9, tzinfo=UTC)
                    + timedelta(days=int(delay)),
                )
            )
    for i in range(0, len(rows), BATCH):
        DataValue.objects.bulk_create(rows[i : i + BATCH])
    _reports(reported, end)
    running.refresh_years()  # bulk_create sends no signals: the running totals in one pass
    return {
        "indicator_values": len(rows),
        "indicator_plans": _plans(objs, by_code, series, times, units, start, end, seed),
    }


def _reports(keys: set[tuple[int, int, str, date]], end: date) -> int:
    """The units' reports of the demo values, where a unit has none yet (one it is working on stays as
    it is): the last period's submitted and awaiting approval, this year's earlier ones approved, the
    older years' locked. Only the values of reports sent reach the leaders' figures."""
    from citydesk.indicators.services.deadlines import due_at_for

    existing = set(
        Submission.objects.filter(group_id__in={k[0] for k in keys}).values_list(
            "group_id", "unit_id", "period_type", "period"
        )
    )
    this_year, now = P.year_start(end), timezone.now()
    due: dict[tuple[str, date], datetime] = {}
    rows = []
    for group_id, unit_id, period_type, period in sorted(keys - existing):
        if (period_type, period) not in due:
            due[(period_type, period)] = due_at_for(period_type, period)
        # Most units send a few days before the deadline, about one report in ten a couple of days late (all
        # sent two weeks into the next month read as every unit late, everywhere).
        spread = (unit_id * 7 + group_id * 3 + period.month) % 10
        sent = due[(period_type, period)] + (
            timedelta(days=2) if spread == 0 else -timedelta(days=1 + spread % 4)
        )
        sent = min(sent, now)
        if period == P.period_of(period_type, end):
            state, approved = SubmissionState.SUBMITTED, None
        else:
            state = SubmissionState.APPROVED if period >= this_year else SubmissionState.LOCKED
            approved = min(sent + timedelta(days=3), now)
        rows.append(
            Submission(
                group_id=group_id,
                unit_id=unit_id,
                period_type=period_type,
                period=period,
                state=state,
                due_at=due[(period_type, period)],
                submitted_at=sent,
                approved_at=approved,
            )
        )
    Submission.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _plans(objs: dict[str, Indicator], by_code: dict[str, Spec], series: dict[tuple[str, str], np.ndarray],
           times: dict[str, list[date]], units: dict[str, Organisation], start: date, end: date,
           seed: int) -> int:  # fmt: skip
    """Annual plans (revision 1) for every indicator with a direction and every unit that reports it, and a
    mid-year revision 2 of the current year's plan for a few indicators."""
    existing = set(
        Plan.objects.filter(indicator_id__in=[o.pk for o in objs.values()], period_type="Y").values_list(
            "indicator_id", "unit_id", "period", "revision"
        )
    )
    current = P.year_start(end)
    rows: list[Plan] = []
    for (code, unit_code), values in series.items():
        spec, obj, unit = by_code[code], objs[code], units[unit_code]
        if spec.direction == "neutral":
            continue
        rng = _stable_rng(seed, "plan", code, unit_code)
        annual = _annual(
            values, times[spec.periodicity], "avg" if spec.over_time == "ratio" else spec.over_time
        )
        high = obj.max_value if obj.max_value is not None else float("inf")
        for year in P.periods_between("Y", start, end):
            if year >= start and P.period_end("Y", year) <= end and year in annual:
                spread = (
                    (0.99, 1.015)
                    if spec.rate_like
                    else (0.96, 1.06)
                    if spec.direction == "up"
                    else (0.94, 1.04)
                )
                target = annual[year] * rng.uniform(*spread)
            elif (last := P.previous("Y", year)) in annual:
                grow = annual[last] + spec.trend if spec.additive else annual[last] * (1 + spec.trend / 100)
                target = grow * (rng.uniform(1.0, 1.01) if spec.rate_like else rng.uniform(1.0, 1.05))
            else:
                continue
            target = round(min(target, high), obj.decimals)
            revisions = [(1, target, PLAN_NOTE, date(year.year - 1, 12, 10))]
            if year == current and code in REVISED:
                revisions.append(
                    (2, round(target * 1.05, obj.decimals), REVISION_NOTE, date(year.year, 7, 15))
                )
            for revision, value, note, day in revisions:
                if (obj.pk, unit.pk, year, revision) in existing:
                    continue
                rows.append(
                    Plan(
                        indicator=obj, unit=unit, period_type="Y", period=year, revision=revision, value=value,
                        note=note.format(year=year.year), created_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
                    )
                )  # fmt: skip
    Plan.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def synthetic_series(
    n_indicators: int, n_units: int, n_months: int, *, seed: int = 0, anomaly_rate: float = 0.01
) -> tuple[np.ndarray, np.ndarray]:
    """Seasonal monthly series with planted anomalies, for benches and tests (pure numpy).

    Returns `(values, planted)`, both of shape (indicators, units, months): `values` float64 (> 0),
    `planted` bool marking the planted anomalies. Month 0 is January 2016. Each indicator has its own
    level, trend, yearly seasonal wave and Tết effect (on the lunar calendar, so it moves between January
    and February); each unit its own size; noise is 2–8 %. Anomalies (factors 0.1, 0.3, 0.4, 2.5, 3.5,
    10) are planted only after a history of min(24, months // 2) months.
    """
    rng = np.random.default_rng(seed)
    months = [P.add_months(date(2016, 1, 1), i) for i in range(n_months)]
    month_of_year = np.array([m.month for m in months], dtype=float)
    holiday = np.zeros(n_months)
    shopping = np.zeros(n_months)
    index = {m: i for i, m in enumerate(months)}
    for year in {m.year for m in months}:
        before, during, _after = _tet_months(year)
        if during in index:
            holiday[index[during]] = 1
        if before in index:
            shopping[index[before]] = 1
    shape = (n_indicators, 1, 1)
    level = rng.lognormal(5, 2, shape)
    size = rng.lognormal(0, 0.4, (n_indicators, n_units, 1))
    amplitude = rng.uniform(0, 0.4, shape)
    phase = rng.uniform(0, 2 * np.pi, shape)
    tet = rng.uniform(-0.3, 0.3, shape)
    growth = rng.normal(0.05, 0.04, shape)
    sigma = rng.uniform(0.02, 0.08, shape)
    t = np.arange(n_months, dtype=float)
    seasonal = 1 + amplitude * np.sin(2 * np.pi * month_of_year / 12 + phase)
    seasonal = seasonal * (1 + tet * holiday) * (1 - 0.5 * tet * shopping)
    values = level * size * seasonal * (1 + growth) ** (t / 12)
    values = values * np.clip(1 + rng.normal(0, 1, (n_indicators, n_units, n_months)) * sigma, 0.5, 1.5)
    eligible = t >= min(24, n_months // 2)
    planted = (rng.random(values.shape) < anomaly_rate) & eligible
    factors = rng.choice(np.array([0.1, 0.3, 0.4, 2.5, 3.5, 10.0]), size=values.shape)
    values = np.where(planted, values * factors, values)
    return values, planted
