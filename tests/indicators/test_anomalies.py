"""Seasonal anomaly detection, entry checks, batch scan and the findings' life cycle."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from citydesk.core.errors import Conflict, DomainError, NotAllowed
from citydesk.core.models import AuditEntry
from citydesk.indicators.anomalies import check_entry, detect, finding_transition, scan
from citydesk.indicators.anomaly_text import vn_number
from citydesk.indicators.models import DataValue, Finding, FindingEvent, Indicator, IndicatorGroup


def seasonal(months: int = 72, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = np.arange(months)
    season = 1 + 0.2 * np.sin(2 * np.pi * m / 12)
    season[m % 12 == 0] *= 2  # every January doubles: normal, must not be flagged
    return 300 * (1 + 0.004 * m) * season * (1 + rng.normal(0, 0.02, months))


def test_planted_spike_found_and_january_peak_not_flagged():
    v = seasonal()
    v[38] *= 3  # March of the 4th year
    found = detect(v[None, :])
    assert found.flags[0, 38]
    assert not found.flags[0, [0, 12, 24, 36, 48, 60]].any()
    assert found.flags.sum() <= 2


def test_min_history_respected():
    v = seasonal(20)
    v[15] *= 4
    assert not detect(v[None, :]).flags.any()
    assert not detect(seasonal(72)[None, :], min_history=100).flags.any()


def test_tet_moving_between_january_and_february_is_not_flagged_but_a_typo_is():
    v = seasonal(84, seed=5)
    # Year 4: Tết falls in January, pulling a third of February's activity into January.
    v[48], v[49] = v[48] + v[49] * 0.35, v[49] * 0.65
    found = detect(v[None, :])
    assert not found.flags[0, [48, 49]].any()
    typo = v.copy()
    typo[61] *= 10  # February of year 6: an extra zero
    assert detect(typo[None, :]).flags[0, 61]
    halved = v.copy()
    halved[60] *= 0.4  # January of year 6 falls well beyond what a Tết move explains
    assert detect(halved[None, :]).flags[0, 60]


def test_rare_but_small_deviation_of_a_smooth_series_is_not_a_finding():
    rng = np.random.default_rng(11)
    m = np.arange(72)
    v = 1000 * (1 + 0.002 * m) * (1 + rng.normal(0, 0.003, 72))  # ±0.3 % noise
    small, large = v.copy(), v.copy()
    small[50] *= 1.12  # z of about 40, but only 12 % off: nobody needs to act
    large[50] *= 1.6
    assert not detect(small[None, :]).flags.any()
    assert detect(large[None, :]).flags[0, 50]


def test_small_counts_judged_on_the_scale_of_chance():
    rng = np.random.default_rng(2)
    rare = rng.poisson(0.4, (1, 72)).astype(float)
    rare[0, 50] = 5  # 5 illegal constructions where 0–1 is usual: chance, for a Poisson count
    assert not detect(rare).flags[0, 50]
    common = rng.poisson(20, (1, 72)).astype(float)
    common[0, 50] = 2  # 2 where about 20 is usual: not chance
    assert detect(common).flags[0, 50]


def test_jumps_need_a_real_change():
    from citydesk.indicators.anomalies import detect_jumps

    steady = np.array([[2.30, 2.31, 2.29, 2.30, 2.31, 2.30, 2.30, 2.31, 2.30, 2.29, 2.30, 2.46]])
    _z, flags = detect_jumps(steady, lag=4)
    assert not flags.any()  # 2,3 % → 2,46 %: a rare step for this series, but a small one
    doubled = steady.copy()
    doubled[0, -1] = 4.6
    _z, flags = detect_jumps(doubled, lag=4)
    assert flags[0, -1]


def test_vietnamese_number_format():
    assert vn_number(1234.5) == "1.234"  # large numbers: no decimals
    assert vn_number(325.0) == "325"
    assert vn_number(3.8) == "3,8"


@pytest.fixture
def revenue(personas):
    group = IndicatorGroup.objects.create(code="G1", name="Thu ngân sách")
    ind = Indicator.objects.create(group=group, code="REV", name="Thu ngân sách", unit_of_measure="tỷ đồng")
    v = seasonal()
    for k, x in enumerate(v):
        DataValue.objects.create(
            indicator=ind,
            unit=personas.ward,
            period_type="M",
            period=date(2020 + k // 12, k % 12 + 1, 1),
            value=x,
        )
    return ind, v


def test_check_entry_explains_in_vietnamese(revenue, personas):
    ind, v = revenue
    normal = check_entry(
        indicator=ind, unit=personas.ward, period_type="M", period=date(2023, 3, 1), value=float(v[38])
    )
    assert normal == []
    (warning,) = check_entry(
        indicator=ind, unit=personas.ward, period_type="M", period=date(2023, 3, 1), value=float(v[38] * 3.8)
    )
    assert "3,8" in warning or "3,7" in warning or "3,9" in warning
    assert "3" in warning and "Bến Thành" in warning and "tỷ đồng" in warning


def test_scan_lifecycle_and_audit(revenue, personas):
    ind, v = revenue
    DataValue.objects.filter(indicator=ind, period=date(2023, 3, 1)).update(value=float(v[38] * 3))
    stats = scan()
    assert stats["created"] == 1, list(Finding.objects.values_list("period", "score"))
    f = Finding.objects.get()
    assert f.method == "seasonal" and f.period == date(2023, 3, 1) and f.state == "flagged"
    assert "Bến Thành" in f.explanation
    assert scan()["created"] == 0  # an open finding is kept, not duplicated
    with pytest.raises(NotAllowed):
        finding_transition(user=personas.outsider, finding_id=f.pk, action="explain", note="x")
    with pytest.raises(Conflict):
        finding_transition(user=personas.head, finding_id=f.pk, action="close", note="x")
    f = finding_transition(
        user=personas.officer, finding_id=f.pk, action="explain", note="Thu tiền đất", version=1
    )
    assert f.state == "explained" and f.version == 2
    with pytest.raises(Conflict):
        finding_transition(user=personas.head, finding_id=f.pk, action="close", version=1)
    with pytest.raises(NotAllowed):
        finding_transition(user=personas.officer, finding_id=f.pk, action="close")
    f = finding_transition(user=personas.head, finding_id=f.pk, action="close", note="Đã xác minh")
    assert f.state == "closed" and f.resolved_at is not None
    assert list(FindingEvent.objects.filter(finding=f).values_list("state_to", flat=True)) == [
        "flagged",
        "explained",
        "closed",
    ]
    assert AuditEntry.objects.filter(object_type="indicators.finding", object_id=str(f.pk)).count() == 3
    assert scan()["created"] == 0  # closed with the same value: not recreated
    DataValue.objects.filter(indicator=ind, period=date(2023, 3, 1)).update(value=float(v[38] * 4))
    assert scan()["created"] == 1  # the value changed: a new finding


def test_corrected_value_rechecked(revenue, personas):
    ind, v = revenue
    DataValue.objects.filter(indicator=ind, period=date(2023, 3, 1)).update(value=float(v[38] * 3))
    scan()
    f = Finding.objects.get()
    with pytest.raises(DomainError) as info:  # "corrected" while the value is the one found unusual
        finding_transition(user=personas.officer, finding_id=f.pk, action="correct", note="Nhập nhầm")
    assert info.value.field == "value"
    DataValue.objects.filter(indicator=ind, period=date(2023, 3, 1)).update(value=float(v[38] * 2.9))
    finding_transition(user=personas.officer, finding_id=f.pk, action="correct", note="Nhập nhầm")
    assert scan()["reflagged"] == 1  # still abnormal
    f.refresh_from_db()
    assert f.state == "flagged"
    DataValue.objects.filter(indicator=ind, period=date(2023, 3, 1)).update(value=float(v[38]))
    finding_transition(user=personas.officer, finding_id=f.pk, action="correct", note="Sửa lại")
    assert scan()["closed"] == 1
    f.refresh_from_db()
    assert f.state == "closed"
    assert f.events.last().actor_label  # recorded, not silent
