"""Review s25: a year still coming in is compared unit by unit over the same months, its coverage is
said, units are ranked over the months they all hold, and averages are judged against the whole plan."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from citydesk.indicators import panels
from citydesk.indicators.cards import Card
from citydesk.indicators.models import Indicator
from tests.indicators.test_dashboard_review_fixes import INDICATOR, half  # noqa: F401

pytestmark = pytest.mark.usefixtures("reports_sent")


def _retail(k: int, month_index: int) -> float:
    return 1000.0 + 10 * k + month_index  # the fixture's value of ward k in month `month_index` (0: 1/2024)


def test_a_year_still_coming_in_compares_the_same_units_same_months(client, personas, half):  # noqa: F811
    """2026 holds January–March for ten wards and April for five: against 2025 over those cells."""
    client.force_login(personas.leader)
    page = client.get(INDICATOR, {"period": "2026"})
    card = page.context["card"]
    now = sum(_retail(k, 24 + m) for k in range(10) for m in range(3)) + sum(
        _retail(k, 30) for k in range(5)
    )  # April: 1000 + 10k + 30
    before = sum(_retail(k, 12 + m) for k in range(10) for m in range(3)) + sum(
        _retail(k, 15) for k in range(5)
    )
    assert card.yoy_pct == pytest.approx(100 * (now - before) / before)
    assert card.change_pct == pytest.approx(card.yoy_pct)
    assert (card.reported, card.expected) == (5, 10)
    assert card.partial and card.partial_text
    row = page.context["comparison"][0]
    assert row["yoy_pct"] == pytest.approx(card.yoy_pct)
    assert (row["reported"], row["expected"]) == (5, 10)
    assert panels.incomplete_text(5, 10) in row["label"]


def test_year_ranking_uses_the_months_every_unit_holds(client, personas, half):  # noqa: F811
    """Five wards hold four months of 2026, five hold three: ranked over January–March, the ward with the
    largest months (the last one) comes first, not a four-month ward."""
    client.force_login(personas.leader)
    page = client.get(INDICATOR, {"period": "2026"})
    ranked = page.context["ranked"]
    assert ranked[0]["unit"] == half["wards"][9]
    assert ranked[0]["m"].rank == 1
    assert [r["m"].rank for r in ranked] == list(range(1, 11))
    assert any("3" in n for n in page.context["ranked_notes"])


def _card(over_time: str, direction: str, completion: float) -> Card:
    ind = Indicator(code="X", name="X", unit_of_measure="%", over_time=over_time, direction=direction)
    measure = SimpleNamespace(
        completion_ytd=completion, completion=None, period=date(2026, 10, 1), period_type="M"
    )
    return Card(indicator=ind, measure=measure, period_label="")


def test_an_average_below_its_ceiling_is_good():
    """CPI (lower is better, an average) 103,41 against a ceiling of 105,59 is within the plan."""
    assert _card("avg", "down", 103.41 / 105.59).completion_tone == "good"
    assert _card("avg", "down", 1.02).completion_tone == "bad"


def test_an_average_below_its_target_is_not_good():
    """Hotel occupancy (an average) at 90 % of its target is not on track whatever the month."""
    assert _card("avg", "up", 0.9).completion_tone == "warn"
    assert _card("last", "up", 0.7).completion_tone == "bad"


def test_a_sum_is_still_judged_pro_rata():
    assert _card("sum", "up", 0.85).completion_tone == "good"  # 10 months of 12 gone: 83 %
