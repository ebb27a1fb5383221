"""Measures on small hand-computed series."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from citydesk.core.errors import DomainError, NotFound
from citydesk.indicators.measures import compute_all, measures, series
from citydesk.indicators.models import DataValue, Indicator, IndicatorGroup, Plan

# The figures of values whose reports are sent (approved): see test_sent_reports.py for the drafts.
pytestmark = pytest.mark.usefixtures("reports_sent")


def _ind(code: str, **kw) -> Indicator:
    group, _ = IndicatorGroup.objects.get_or_create(code="G1", defaults={"name": "Kinh tế"})
    return Indicator.objects.create(group=group, code=code, name=code, unit_of_measure="tỷ đồng", **kw)


def _put(
    ind: Indicator, unit, year: int, values: list[float | None], ptype: str = "M", step: int = 1
) -> None:
    for k, v in enumerate(values):
        if v is not None:
            m = k * step
            DataValue.objects.create(
                indicator=ind,
                unit=unit,
                period_type=ptype,
                period=date(year + m // 12, m % 12 + 1, 1),
                value=v,
            )


@pytest.fixture
def data(personas):
    p = personas
    rev = _ind("REV", over_time="sum", over_units="sum")
    cpi = _ind("CPI", over_time="avg", over_units="avg", direction="neutral")
    pop = _ind("POP", over_time="last", over_units="sum")
    unemp = _ind("UNEMP", over_time="weighted", over_units="weighted", direction="down")
    num = _ind("ONTIME", over_time="sum", over_units="sum")
    den = _ind("RECEIVED", over_time="sum", over_units="sum")
    rate = _ind("ONTIME_PCT", over_time="ratio", over_units="ratio", scale=100, source="formula")
    rate.numerator, rate.denominator, rate.source = num, den, "entry"
    rate.save()
    unemp.weight = pop
    unemp.save()
    percap = _ind("REV_PER_CAP", source="formula", formula="REV / POP * 1000")
    # 2025: 12 months; 2026: Jan–Mar.
    _put(rev, p.ward, 2025, [10] * 12 + [11, 12, 13])
    _put(rev, p.other_ward, 2025, [20] * 12 + [20, 20, 30])
    _put(cpi, p.ward, 2025, [100 + k for k in range(15)])
    _put(pop, p.ward, 2025, [1000] * 14 + [1100])
    _put(pop, p.other_ward, 2025, [3000] * 15)
    _put(unemp, p.ward, 2026, [2, 2, 4])
    _put(unemp, p.other_ward, 2026, [6, 6, 6])
    _put(num, p.ward, 2026, [8, 9, 10])
    _put(den, p.ward, 2026, [10, 10, 10])
    Plan.objects.create(
        indicator=rev, unit=p.ward, period_type="Y", period=date(2026, 1, 1), value=100, revision=1
    )
    Plan.objects.create(
        indicator=rev, unit=p.ward, period_type="Y", period=date(2026, 1, 1), value=150, revision=2
    )
    Plan.objects.create(indicator=rev, unit=p.ward, period_type="M", period=date(2026, 3, 1), value=26)
    return p, percap


def _one(code, unit, ptype, period, **kw):
    (m,) = measures(indicator_codes=[code], unit_ids=[unit.pk], period_type=ptype, period=period, **kw)
    return m


def test_sum_month_changes_ytd_completion_rank(data):
    p, _ = data
    m = _one("REV", p.ward, "M", date(2026, 3, 1))
    assert (m.value, m.previous, m.change_abs) == (13, 12, 1)
    assert m.change_pct == pytest.approx(100 / 12)
    assert (m.last_year, m.yoy_abs, m.yoy_pct) == (10, 3, 30)
    assert m.ytd == 36 and m.ytd_last_year == 30
    assert m.plan == 26 and m.completion == pytest.approx(0.5)
    assert m.plan_year == 150  # the newest revision wins
    assert m.completion_ytd == pytest.approx(36 / 150)
    assert (m.rank, m.peers) == (2, 2)  # 13 < 30 in the other ward


def test_quarter_and_year_derived_from_months(data):
    p, _ = data
    q = _one("REV", p.ward, "Q", date(2026, 1, 1))
    assert q.value == 36 and q.previous == 30 and q.last_year == 30
    y = _one("REV", p.ward, "Y", date(2025, 1, 1))
    assert y.value == 120
    assert _one("CPI", p.ward, "Q", date(2026, 1, 1)).value == pytest.approx(113)
    assert _one("CPI", p.ward, "Q", date(2026, 1, 1)).ytd == pytest.approx(113)
    assert _one("CPI", p.ward, "M", date(2026, 2, 1)).ytd == pytest.approx(112.5)  # avg so far
    assert _one("CPI", p.ward, "M", date(2026, 2, 1)).rank is None  # neutral: not ranked
    assert _one("POP", p.ward, "Q", date(2026, 1, 1)).value == 1100  # last value
    assert _one("POP", p.ward, "M", date(2026, 2, 1)).ytd == 1000


def test_ratio_weighted_and_aggregates(data):
    p, _ = data
    r = _one("ONTIME_PCT", p.ward, "Q", date(2026, 1, 1))
    assert r.value == pytest.approx(90.0)  # 27 / 30 × 100, not the mean of the monthly ratios
    assert _one("ONTIME_PCT", p.ward, "M", date(2026, 2, 1)).ytd == pytest.approx(85.0)
    (agg,) = measures(
        indicator_codes=["REV"],
        unit_ids=[p.ward.pk, p.other_ward.pk],
        period_type="M",
        period=date(2026, 3, 1),
        aggregate=True,
    )
    assert agg.unit_id is None and agg.value == 43 and agg.previous == 32
    # unemployment weighted by population: (4×1100 + 6×3000) / 4100 for March
    (u,) = measures(
        indicator_codes=["UNEMP"],
        unit_ids=[p.ward.pk, p.other_ward.pk],
        period_type="M",
        period=date(2026, 3, 1),
        aggregate=True,
    )
    assert u.value == pytest.approx((4 * 1100 + 6 * 3000) / 4100)
    assert u.direction == "down"
    ward = _one("UNEMP", p.ward, "M", date(2026, 3, 1))
    assert ward.rank == 1  # lower is better: 4 < 6
    # weighted over time within a unit: (2×1000 + 2×1000 + 4×1100) / 3100
    assert _one("UNEMP", p.ward, "Q", date(2026, 1, 1)).value == pytest.approx(8400 / 3100)
    (cpi,) = measures(
        indicator_codes=["CPI"],
        unit_ids=[p.ward.pk, p.other_ward.pk],
        period_type="M",
        period=date(2026, 3, 1),
        aggregate=True,
    )
    assert cpi.value == 114  # the other ward has no CPI: the average of what exists


def test_formula_indicator(data):
    p, _ = data
    m = _one("REV_PER_CAP", p.ward, "M", date(2026, 3, 1))
    assert m.value == pytest.approx(13 / 1100 * 1000)
    assert m.previous == pytest.approx(12)
    (agg,) = measures(
        indicator_codes=["REV_PER_CAP"],
        unit_ids=[p.ward.pk, p.other_ward.pk],
        period_type="M",
        period=date(2026, 3, 1),
        aggregate=True,
    )
    assert agg.value == pytest.approx(43 / 4100 * 1000)


def test_series_and_bad_input(data):
    p, _ = data
    got = series(
        indicator_code="REV",
        unit_ids=[p.ward.pk, p.other_ward.pk],
        period_type="Q",
        start=date(2025, 10, 1),
        end=date(2026, 3, 1),
    )
    assert got == [(date(2025, 10, 1), 90.0), (date(2026, 1, 1), 106.0)]
    with pytest.raises(NotFound) as exc:
        measures(indicator_codes=["NOPE"], unit_ids=[p.ward.pk], period_type="M", period=date(2026, 3, 1))
    assert exc.value.field == "indicator"
    with pytest.raises(DomainError) as exc:
        measures(indicator_codes=["REV"], unit_ids=[p.ward.pk], period_type="Q", period=date(2026, 2, 1))
    assert exc.value.field == "period"


def test_compute_all_matches_hand_figures():
    v = np.arange(1, 25, dtype=float).reshape(1, 1, 24)  # 1..24 over two years
    out = compute_all(
        np.concatenate([v, v, v]),
        [
            {"over_time": "sum", "direction": "up"},
            {"over_time": "avg", "direction": "up"},
            {"over_time": "last", "direction": "down"},
        ],
    )
    assert out["quarter_value"][0, 0, 0] == 6 and out["quarter_value"][1, 0, 0] == 2
    assert out["quarter_value"][2, 0, 0] == 3
    assert out["year_value"][0, 0, 1] == sum(range(13, 25))
    assert out["month_ytd"][0, 0, 13] == 13 + 14  # running sum restarts with the year
    assert out["month_ytd"][1, 0, 13] == 13.5
    assert out["month_yoy_abs"][0, 0, 20] == 12
    assert out["month_rank"][0, 0, 0] == 1


def test_ranks_from_database_totals_match_reading_every_month(personas):
    """A single unit's rank reads its peers' totals (summed by the database); the same ranks must come
    out when every peer is read month by month, for every rule over time and every period type."""
    from citydesk.core.models import Organisation, OrgKind

    rng = np.random.default_rng(3)
    city = Organisation.objects.create(code="RANKCITY", name="Thành phố", kind=OrgKind.PEOPLES_COMMITTEE)
    wards = [
        Organisation.objects.create(
            code=f"RANK{u}", name=f"Phường {u}", kind=OrgKind.PEOPLES_COMMITTEE, parent=city
        )
        for u in range(6)
    ]
    total = _ind("T_SUM", over_time="sum", over_units="sum")
    mean = _ind("T_AVG", over_time="avg", over_units="avg")
    stock = _ind("T_LAST", over_time="last", over_units="sum", direction="down")
    num = _ind("T_NUM", over_time="sum", over_units="sum")
    den = _ind("T_DEN", over_time="sum", over_units="sum")
    ratio = _ind("T_RATIO", over_time="ratio", over_units="ratio", scale=100)
    ratio.numerator, ratio.denominator = num, den
    ratio.save()
    weighted = _ind("T_WGT", over_time="weighted", over_units="weighted", direction="down")
    weighted.weight = stock
    weighted.save()
    _ind("T_FORM", source="formula", formula="T_SUM / T_LAST * 1000")
    quarterly = _ind("T_QTR", over_time="sum", over_units="sum", periodicity="Q")
    for ward in wards:
        for ind in (total, mean, stock, num, den, weighted):
            months = [None if rng.random() < 0.2 else float(rng.integers(1, 500)) for _ in range(24)]
            _put(ind, ward, 2025, months)
        _put(quarterly, ward, 2025, [float(rng.integers(1, 90)) for _ in range(8)], ptype="Q", step=3)
    codes = ["T_SUM", "T_AVG", "T_LAST", "T_RATIO", "T_WGT", "T_FORM", "T_QTR"]
    ids = [w.pk for w in wards]
    for ptype, period in (("M", date(2026, 5, 1)), ("Q", date(2026, 4, 1)), ("Y", date(2026, 1, 1))):
        wanted = [c for c in codes if not (c == "T_QTR" and ptype == "M")]
        every = measures(indicator_codes=wanted, unit_ids=ids, period_type=ptype, period=period)
        value = {(m.indicator_code, m.unit_id): m.value for m in every}
        for ward in wards:
            for m in measures(indicator_codes=wanted, unit_ids=[ward.pk], period_type=ptype, period=period):
                assert m.value == pytest.approx(value[(m.indicator_code, ward.pk)], nan_ok=True)
                present = [v for (c, _u), v in value.items() if c == m.indicator_code and v is not None]
                assert m.peers == len(present), (ptype, m.indicator_code)
                if m.value is None:
                    assert m.rank is None
                    continue
                down = m.direction == "down"
                better = [v for v in present if (v < m.value if down else v > m.value)]
                assert m.rank == len(better) + 1, (ptype, m.indicator_code, ward.code)


def test_city_totals_from_period_sums_match_the_monthly_series(personas):
    """Measures over several units read each unit's period totals (summed by the database); the same
    numbers must come out of `series()`, which reads every month, for every rule."""
    from citydesk.core.models import Organisation, OrgKind

    rng = np.random.default_rng(5)
    city = Organisation.objects.create(code="SUMCITY", name="Thành phố", kind=OrgKind.PEOPLES_COMMITTEE)
    wards = [
        Organisation.objects.create(
            code=f"SUM{u}", name=f"Phường {u}", kind=OrgKind.PEOPLES_COMMITTEE, parent=city
        )
        for u in range(5)
    ]
    total = _ind("S_SUM", over_time="sum", over_units="sum")
    mean = _ind("S_AVG", over_time="avg", over_units="avg")
    stock = _ind("S_LAST", over_time="last", over_units="sum")
    beds = _ind("S_BEDS", over_time="last", over_units="sum")  # a stock no other indicator reads
    num = _ind("S_NUM", over_time="avg", over_units="sum")  # a ratio must still add up its months
    den = _ind("S_DEN", over_time="sum", over_units="sum")
    ratio = _ind("S_RATIO", over_time="ratio", over_units="ratio", scale=100)
    ratio.numerator, ratio.denominator = num, den
    ratio.save()
    # A ratio over units only: each unit's own months by its own rule, the city's from the parts' sums.
    num2 = _ind("S_NUM2", over_time="avg", over_units="sum")
    den2 = _ind("S_DEN2", over_time="sum", over_units="sum")
    shared = _ind("S_SHARE", over_time="sum", over_units="ratio", scale=100)
    shared.numerator, shared.denominator = num2, den2
    shared.save()
    weighted = _ind("S_WGT", over_time="weighted", over_units="weighted")
    weighted.weight = stock
    weighted.save()
    _ind("S_FORM", source="formula", formula="S_SUM / S_LAST * 1000")
    for ward in wards:
        for ind in (total, mean, stock, beds, num, den, num2, den2, weighted):
            _put(ind, ward, 2025, [float(rng.integers(1, 500)) for _ in range(18)])
    codes = ["S_SUM", "S_AVG", "S_LAST", "S_BEDS", "S_RATIO", "S_SHARE", "S_WGT", "S_FORM"]
    ids = [w.pk for w in wards]
    for ptype, period, prev, ly in (
        ("M", date(2026, 5, 1), date(2026, 4, 1), date(2025, 5, 1)),
        ("Q", date(2026, 4, 1), date(2026, 1, 1), date(2025, 4, 1)),
    ):
        for m in measures(
            indicator_codes=codes, unit_ids=ids, period_type=ptype, period=period, aggregate=True
        ):
            got = dict(
                series(indicator_code=m.indicator_code, unit_ids=ids, period_type=ptype, start=ly, end=period)
            )
            assert m.value == pytest.approx(got[period]), (ptype, m.indicator_code)
            assert m.previous == pytest.approx(got[prev]), (ptype, m.indicator_code)
            assert m.last_year == pytest.approx(got[ly]), (ptype, m.indicator_code)
            assert (m.reported, m.expected) == (5, 5)
    for m in measures(
        indicator_codes=codes, unit_ids=ids, period_type="Q", period=date(2025, 10, 1), aggregate=True
    ):
        (year,) = series(
            indicator_code=m.indicator_code,
            unit_ids=ids,
            period_type="Y",
            start=date(2025, 1, 1),
            end=date(2025, 1, 1),
        )
        assert m.ytd == pytest.approx(year[1]), (
            m.indicator_code
        )  # the fourth quarter's year to date is the year
