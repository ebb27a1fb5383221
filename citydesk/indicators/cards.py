"""An indicator's card (value, changes, completion of plan, sparkline) and the numbers in words of the
indicator pages, in the reader's language (`display`).

A rate (an indicator measured in %) changes by percentage points, not by a percentage of itself: 7,7 % →
7,8 % is "+0,1 điểm phần trăm", as the operations center's cards say it, never "+1,3 %".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from citydesk.indicators import display, periods
from citydesk.indicators.models import Aggregation, Direction, Indicator

# --- Numbers in words -------------------------------------------------------------------------------


def num(value: float | None, decimals: int = 1, *, signed: bool = False) -> str:
    """A figure the one way of the indicator pages: "1.234,5", the decimals given, "−" for minus."""
    return display.number(value, decimals, signed=signed)


def pct_text(value: float | None, signed: bool = True) -> str:
    return display.percent(value, signed=signed)


def as_percent(ratio: float | None) -> float | None:
    """Completion ratios from the engine are fractions (1.0 = the plan reached) — shown as %."""
    return None if ratio is None else 100.0 * ratio


def tone(change: float | None, direction: str) -> str:
    if change is None or direction == Direction.NEUTRAL or abs(change) < 0.05:
        return "neutral"
    return "good" if (change > 0) == (direction == Direction.UP) else "bad"


def arrow(change: float | None) -> str:
    """▲ / ▼, "=" for no change; nothing when there is nothing to compare with."""
    if change is None:
        return ""
    if abs(change) < 0.05:
        return "="
    return "▲" if change > 0 else "▼"


def is_rate(indicator: Any) -> bool:
    """Measured in % (a rate): its changes are differences in percentage points."""
    return (getattr(indicator, "unit_of_measure", "") or "").strip() == "%"


def points_text(value: float | None) -> str:
    """A difference of rates: "+0,1 điểm phần trăm"; no value is "—"."""
    if value is None:
        return display.DASH
    return f"{display.number(value, 1, signed=True)} {_('points')}"


def delta_text(indicator: Any, relative: float | None, absolute: float | None) -> str:
    """A change without its arrow (a table's column): a signed percentage, or points for a rate."""
    return points_text(absolute) if is_rate(indicator) else pct_text(relative)


def delta(indicator: Any, relative: float | None, absolute: float | None) -> float | None:
    """The change that counts for the tone: the points of a rate, else the percentage."""
    return absolute if is_rate(indicator) else relative


def change_text(indicator: Any, relative: float | None, absolute: float | None) -> str:
    """A change as the pages write it: arrow and percentage, or arrow and points for a rate; "—" alone
    when there is nothing to compare with."""
    change = absolute if is_rate(indicator) else relative
    if change is None:
        return display.DASH
    text = points_text(change) if is_rate(indicator) else pct_text(change)
    return f"{arrow(change)} {text}"


def reported_text(reported: int | None, expected: int | None) -> str:
    """A figure still coming in, where nothing is compared with it: "5 of 10 units have reported"."""
    return _("%(reported)s of %(expected)s units have reported") % {
        "reported": reported,
        "expected": expected,
    }


def incomplete_text(reported: int | None, expected: int | None) -> str:
    """A period still coming in, after its name in a table: "incomplete: 5 of 10 units"."""
    return _("incomplete: %(reported)s of %(expected)s units") % {"reported": reported, "expected": expected}


def compared_text(reported: int | None, expected: int | None) -> str:
    """A figure still coming in, compared over the units that have reported it (as a card is)."""
    return _("%(reported)s of %(expected)s units have reported; compared over the same units") % {
        "reported": reported,
        "expected": expected,
    }


# --- Cards ------------------------------------------------------------------------------------------


@dataclass
class Card:
    indicator: Indicator
    measure: Any  # engine.Measure | None
    period_label: str
    spark: list[tuple[date, float | None]] = field(default_factory=list)
    link: str = ""
    coverage: Any = None  # sameperiod.Coverage of a year or quarter made of months (or quarters)

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def value(self) -> float | None:
        return getattr(self.measure, "value", None)

    @property
    def value_text(self) -> str:
        return num(self.value, self.indicator.shown_decimals)

    @property
    def uom_text(self) -> str:
        """The unit of measure after this card's figure ("1 structure" in English); none after "—"."""
        if self.value is None:
            return ""
        return display.uom_of(self.indicator, self.value)

    @property
    def change_pct(self) -> float | None:
        return getattr(self.measure, "change_pct", None)

    @property
    def partial(self) -> bool:
        """Some units that report this indicator have not reported the period yet."""
        reported = getattr(self.measure, "reported", None)
        expected = getattr(self.measure, "expected", None)
        return reported is not None and expected is not None and 0 < reported < expected

    @property
    def reported(self) -> int | None:
        return getattr(self.measure, "reported", None)

    @property
    def expected(self) -> int | None:
        return getattr(self.measure, "expected", None)

    @property
    def partial_text(self) -> str:
        """The page's words for a figure still coming in ("5 of 10 units have reported…"), or ""."""
        if not self.partial:
            return ""
        return compared_text(self.reported, self.expected)

    @property
    def comparison_notes(self) -> list[str]:
        """How an incomplete year or quarter was compared (same months, or not at all)."""
        return self.coverage.notes if self.coverage is not None else []

    @property
    def notes(self) -> list[str]:
        """Every note the figure needs to be read right: reporting coverage, then the comparisons."""
        return [t for t in [self.partial_text, *self.comparison_notes] if t]

    @property
    def yoy_pct(self) -> float | None:
        return getattr(self.measure, "yoy_pct", None)

    @property
    def is_rate(self) -> bool:
        return is_rate(self.indicator)

    @property
    def change_abs(self) -> float | None:
        return getattr(self.measure, "change_abs", None)

    @property
    def yoy_abs(self) -> float | None:
        return getattr(self.measure, "yoy_abs", None)

    @property
    def change(self) -> float | None:
        """The change against the previous period as the card shows it: points for a rate, else %."""
        return self.change_abs if self.is_rate else self.change_pct

    @property
    def yoy(self) -> float | None:
        return self.yoy_abs if self.is_rate else self.yoy_pct

    @property
    def change_text(self) -> str:
        return change_text(self.indicator, self.change_pct, self.change_abs)

    @property
    def yoy_text(self) -> str:
        return change_text(self.indicator, self.yoy_pct, self.yoy_abs)

    @property
    def tone_previous(self) -> str:
        return tone(self.change, self.indicator.direction)

    @property
    def tone_yoy(self) -> str:
        return tone(self.yoy, self.indicator.direction)

    @property
    def completion(self) -> float | None:
        """% of the plan: year-to-date vs the annual plan when there is one, else period vs period plan."""
        m = self.measure
        if m is None:
            return None
        ytd = as_percent(getattr(m, "completion_ytd", None))
        return ytd if ytd is not None else as_percent(getattr(m, "completion", None))

    @property
    def completion_is_ytd(self) -> bool:
        return getattr(self.measure, "completion_ytd", None) is not None

    @property
    def completion_text(self) -> str:
        return pct_text(self.completion, signed=False)

    @property
    def completion_width(self) -> float:
        """Bar length on a 0–100 scale (capped: 130% of the plan draws a full bar)."""
        return 0.0 if self.completion is None else max(0.0, min(100.0, self.completion))

    @property
    def completion_tone(self) -> str:
        c = self.completion
        if c is None:
            return "neutral"
        target = 100.0
        summed = getattr(self.indicator, "over_time", Aggregation.SUM) == Aggregation.SUM
        # On track: a total added up over the year is judged against the share of the year gone by (a
        # quarter by March); an average, a rate or a last value against the whole plan.
        if self.completion_is_ytd and summed:
            m = self.measure
            start = periods.year_start(m.period)
            end = periods.following(m.period_type, m.period)
            gone = (end.year - start.year) * 12 + end.month - start.month
            target = 100.0 * min(12, gone) / 12
        if self.indicator.direction == Direction.DOWN:
            return "good" if c <= target else "bad"
        return "good" if c >= target else ("warn" if c >= 0.8 * target else "bad")

    @property
    def spark_points(self) -> str:
        return sparkline([v for _d, v in self.spark])

    @property
    def spark_text(self) -> str:
        return "; ".join(f"{d:%m/%Y}: {num(v, self.indicator.shown_decimals)}" for d, v in self.spark)


def sparkline(values: list[float | None], width: float = 100, height: float = 24) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = width / max(1, len(values) - 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (height - 4) * (v - low) / span:.1f}"
        for i, v in enumerate(values)
        if v is not None
    )
