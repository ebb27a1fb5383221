"""Same-period (cùng kỳ) comparisons of years and quarters whose months are not all in.

A year is made of months (or, for a quarterly indicator, of quarters), a quarter of months. When the
period shown holds data for fewer of them than the period it is compared with — the current year up to
October, or the first year of the data, which starts in November — comparing the totals shows a fall or a
rise (+527 %) that is only the missing months. Statistics offices compare the same months instead
("10 tháng năm 2026 so với cùng kỳ năm 2025": January–October against January–October), and so do the
dashboards:

- the period is labelled with what it holds: "Năm 2026 (10 tháng)";
- against the same period a year earlier (and, for a year, against the year before, which is the same
  thing) the change is computed over the sub-periods both hold, and a note says so;
- against the previous quarter, whose months are other months, a quarter holding a different number of
  months is not compared: "—" and a note.

Months are read with the engine's month grid (`measures._Grid`): one query for the units and months a
page needs, whatever the number of indicators.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from citydesk.indicators import measures as engine
from citydesk.indicators import periods

SPAN = engine.SPAN


def parts_text(parts: int, sub: str) -> str:
    """ "10 months", "3 quarters" (in the reader's language)."""
    if sub == "Q":
        return ngettext("%(n)d quarter", "%(n)d quarters", parts) % {"n": parts}
    return ngettext("%(n)d month", "%(n)d months", parts) % {"n": parts}


def same_note(parts: int, sub: str) -> str:
    return _("Compared over the same %(parts)s of each period (same-period comparison).") % {
        "parts": parts_text(parts, sub)
    }


def not_compared_note() -> str:
    return _("Not compared with the previous quarter: the two hold data for different months.")


@dataclass
class Compared:
    """A period against its base over the sub-periods both hold (`parts` of them; 0: none in common)."""

    value: float | None
    base: float | None
    parts: int
    sub: str

    @property
    def change_abs(self) -> float | None:
        return None if self.value is None or self.base is None else self.value - self.base

    @property
    def change_pct(self) -> float | None:
        if self.value is None or self.base is None or self.base == 0:
            return None
        return 100.0 * (self.value - self.base) / abs(self.base)

    @property
    def note(self) -> str:
        return same_note(self.parts, self.sub) if self.parts else _("No month in common to compare.")


@dataclass
class Coverage:
    """What a period of a measure holds, and how its changes were compared."""

    held: int  # sub-periods with data
    full: int  # sub-periods of a whole period
    sub: str  # "M" (months) or "Q" (quarters)
    previous: Compared | None = None  # compared over the same sub-periods (None: a plain comparison)
    last_year: Compared | None = None
    previous_refused: bool = False  # a quarter not compared with the previous one
    reported: int | None = None  # units holding the last sub-period held (None: not counted)
    expected: int | None = None  # units with a value in the period

    @property
    def partial(self) -> bool:
        """Some units have not reported the last month (quarter) the period holds."""
        return self.reported is not None and self.expected is not None and 0 < self.reported < self.expected

    @property
    def incomplete(self) -> bool:
        return 0 < self.held < self.full

    @property
    def label(self) -> str:
        """ "10 months" when the period is incomplete, else ""."""
        return parts_text(self.held, self.sub) if self.incomplete else ""

    @property
    def notes(self) -> list[str]:
        out = []
        for compared in (self.last_year, self.previous):
            if compared is not None and compared.note not in out:
                out.append(compared.note)
        if self.previous_refused:
            out.append(not_compared_note())
        return out


class Parts:
    """The months (or quarters) held by each year or quarter of some indicators over some units."""

    def __init__(
        self, indicators: Iterable[Any], unit_ids: Sequence[int], kind: str, first: date, last: date
    ):
        """`kind`: the periods compared (Q or Y); `first`…`last`: the first days of the first and the last
        of them (bases included)."""
        self.kind = kind
        self.cat = engine._catalog()
        wanted = [
            i.code
            for i in indicators
            if i.code in self.cat and SPAN[self.cat[i.code].periodicity] < SPAN.get(kind, 1)
        ]
        self.codes = set(wanted)
        self.units = list(dict.fromkeys(unit_ids))
        self.row = {u: i for i, u in enumerate(self.units)}
        self.grid: engine._Grid | None = None
        if self.codes and self.units:
            m0 = engine.month_index(first)
            m1 = engine.month_index(last) + SPAN[kind]
            self.grid = engine._Grid(self.cat, engine._closure(wanted, self.cat), self.units, m0, m1)
            self.grid.load()

    def applies(self, code: str) -> bool:
        return self.grid is not None and code in self.codes

    def sub(self, code: str) -> str:
        return self.cat[code].periodicity

    def full(self, code: str) -> int:
        return SPAN[self.kind] // SPAN[self.sub(code)]

    def rows(self, unit_ids: Sequence[int] | None = None) -> list[int]:
        if unit_ids is None:
            return list(range(len(self.units)))
        return [self.row[u] for u in unit_ids if u in self.row]

    def reporting_rows(self, code: str, period: date, rows: list[int]) -> list[int]:
        """The rows with a value in the period (all of them when none has)."""
        assert self.grid is not None
        a = engine.month_index(period)
        values = self.grid.unit_values(code, a, a + SPAN[self.kind])
        found = [r for r in rows if np.isfinite(values[r])]
        return found or rows

    def unit_held(
        self, code: str, period: date, rows: list[int], step: int | None = None
    ) -> dict[int, frozenset[int]]:
        """Per row, the sub-periods of `period` that unit holds (a formula: those its finer inputs all
        hold)."""
        assert self.grid is not None
        step = step or SPAN[self.sub(code)]
        count = SPAN[self.kind] // step
        ind = self.cat[code]
        if ind.formula:
            from citydesk.indicators import catalog

            refs = [r for r in catalog.parse_formula(ind.formula) if SPAN[self.cat[r].periodicity] <= step]
            out = {r: frozenset(range(count)) for r in rows}
            for ref in refs:
                theirs = self.unit_held(ref, period, rows, step)
                out = {r: out[r] & theirs[r] for r in rows}
            return out
        a = engine.month_index(period)
        found = [
            np.isfinite(self.grid.unit_values(code, a + s * step, a + (s + 1) * step)) for s in range(count)
        ]
        return {r: frozenset(s for s in range(count) if found[s][r]) for r in rows}

    def additive(self, code: str) -> bool:
        """Summed over time and over units: a period's value is the sum of its units' months."""
        ind = self.cat[code]
        return not ind.formula and ind.over_time == "sum" and ind.over_units == "sum"

    def cells_value(self, code: str, period: date, cells: dict[int, frozenset[int]]) -> float | None:
        """An additive indicator's value over the given sub-periods of each row (row: its sub-periods)."""
        assert self.grid is not None
        step = SPAN[self.sub(code)]
        a = engine.month_index(period)
        total, found = 0.0, False
        for s in sorted(frozenset().union(*cells.values()) if cells else ()):
            rows = [r for r, subs in cells.items() if s in subs]
            v = self.grid.over_units(code, a + s * step, a + (s + 1) * step, rows)
            if np.isfinite(v):
                total, found = total + v, True
        return total if found else None

    def held(self, code: str, period: date, rows: list[int], step: int | None = None) -> frozenset[int]:
        """The sub-periods (0 = the first) of `period` with a value over `rows`. A formula holds those its
        finer inputs all hold (an input given for the whole year, as the population, does not count)."""
        assert self.grid is not None
        step = step or SPAN[self.sub(code)]
        count = SPAN[self.kind] // step
        ind = self.cat[code]
        if ind.formula:
            from citydesk.indicators import catalog

            refs = [r for r in catalog.parse_formula(ind.formula) if SPAN[self.cat[r].periodicity] <= step]
            if not refs:
                return frozenset(range(count))
            held = frozenset(range(count))
            for ref in refs:
                held &= self.held(ref, period, rows, step)
            return held
        a = engine.month_index(period)
        return frozenset(
            s
            for s in range(count)
            if np.isfinite(self.grid.over_units(code, a + s * step, a + (s + 1) * step, rows))
        )

    def value(self, code: str, period: date, held: Iterable[int], rows: list[int]) -> float | None:
        """The value over the stretch of sub-periods from the first to the last of `held`."""
        assert self.grid is not None
        held = sorted(held)
        if not held or not rows:
            return None
        step = SPAN[self.sub(code)]
        a = engine.month_index(period)
        return engine._f(self.grid.over_units(code, a + held[0] * step, a + (held[-1] + 1) * step, rows))

    def compare(self, code: str, period: date, base: date, rows: list[int]) -> Compared | None:
        """`period` against `base` over the sub-periods both hold, unit by unit (a unit's month counts
        only when that unit has it in both: a month some units have not reported yet is compared over
        the units that have); None when every unit holds the same ones in both (the plain comparison of
        the two values stands)."""
        mine_by, theirs_by = self.unit_held(code, period, rows), self.unit_held(code, base, rows)
        mine = frozenset().union(*mine_by.values()) if rows else frozenset()
        theirs = frozenset().union(*theirs_by.values()) if rows else frozenset()
        if not mine or not theirs:
            return None  # one of them has no value at all
        if all(mine_by[r] == theirs_by[r] for r in rows):
            return None  # the same units hold the same sub-periods
        cells = {r: mine_by[r] & theirs_by[r] for r in rows}
        common = frozenset().union(*cells.values())
        if not common:
            return Compared(None, None, 0, self.sub(code))
        if self.additive(code):
            return Compared(
                self.cells_value(code, period, cells),
                self.cells_value(code, base, cells),
                len(common),
                self.sub(code),
            )
        # Not additive (an average, a ratio, a formula): the units holding every sub-period in common,
        # over those sub-periods (every unit when none holds them all).
        months = frozenset.intersection(*[c for c in cells.values() if c])
        same = [r for r in rows if months and months <= cells[r]] or rows
        months = months or common
        return Compared(
            self.value(code, period, months, same),
            self.value(code, base, months, same),
            len(months),
            self.sub(code),
        )

    def common_values(self, code: str, period: date, rows: list[int]) -> tuple[dict[int, float | None], int]:
        """Each row's value over the sub-periods every row holds (to rank units over the same months),
        and how many those are (0: none in common, no value)."""
        held = self.unit_held(code, period, rows)
        common = frozenset.intersection(*held.values()) if held else frozenset()
        if not common:
            return {r: None for r in rows}, 0
        if self.additive(code):
            return {r: self.cells_value(code, period, {r: common}) for r in rows}, len(common)
        return {r: self.value(code, period, common, [r]) for r in rows}, len(common)

    def coverage(self, code: str, period: date, rows: list[int]) -> Coverage:
        """The coverage of `period` and its comparisons with the previous period and a year before."""
        held = self.held(code, period, rows)
        out = Coverage(len(held), self.full(code), self.sub(code))
        if held and len(rows) > 1:  # how many units hold the last sub-period the period holds
            by_unit = self.unit_held(code, period, rows)
            out.reported = sum(1 for r in rows if max(held) in by_unit[r])
            out.expected = len(rows)
        out.last_year = self.compare(code, period, periods.same_period_last_year(self.kind, period), rows)
        if self.kind == periods.YEAR:
            out.previous = out.last_year  # the year before is the same period last year
        else:
            before = self.held(code, periods.previous(self.kind, period), rows)
            out.previous_refused = bool(held) and bool(before) and len(before) != len(held)
        return out


def adjust(measure: Any, coverage: Coverage) -> None:
    """Put the same-period comparisons into an engine Measure (its value, the period's own, stays), and
    the units that have reported its last month when some have not."""
    if coverage.partial and not (
        0 < (getattr(measure, "reported", None) or 0) < (getattr(measure, "expected", None) or 0)
    ):
        measure.reported, measure.expected = coverage.reported, coverage.expected
    if coverage.last_year is not None:
        c = coverage.last_year
        measure.last_year, measure.yoy_abs, measure.yoy_pct = c.base, c.change_abs, c.change_pct
    if coverage.previous is not None:
        c = coverage.previous
        measure.previous, measure.change_abs, measure.change_pct = c.base, c.change_abs, c.change_pct
    elif coverage.previous_refused:
        measure.change_abs = measure.change_pct = None
