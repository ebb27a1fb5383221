"""Vietnamese public-administration working-day calendar (pure Python, no Django).

Days off are Saturday, Sunday, the public holidays of ``holidays.VN`` (New Year, Tết, Hùng Kings,
30/4, 1/5, 2/9 and its adjacent day, Vietnam Cultural Day, compensatory days and government swaps)
and admin-entered official days off. Admin-entered working days (swapped Saturdays) override all
of these. Dates are calendar dates in the calendar time zone (Asia/Ho_Chi_Minh by default).

The holiday data is kept for FIRST_DAY..LAST_DAY (1990-2100): every method refuses a date or moment
outside that range, and a result that would fall after it, with ``OutOfRange`` (a ``ValueError``).
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal
from zoneinfo import ZoneInfo

import holidays as _holidays
import numpy as np
import numpy.typing as npt

__all__ = [
    "BULK_FIRST_YEAR",
    "BULK_LAST_YEAR",
    "DEFAULT_CUTOFF",
    "DEFAULT_PERIODS",
    "DEFAULT_TZ",
    "FIRST_DAY",
    "LAST_DAY",
    "Holiday",
    "HolidayKind",
    "OutOfRange",
    "WorkCalendar",
    "check_supported",
]

type HolidayKind = Literal["public", "compensatory", "official_day_off", "working_day"]
type Period = tuple[dt.time, dt.time]
type DayNames = tuple[tuple[dt.date, str | tuple[str, str]], ...]  # a name, or (Vietnamese, English)

DEFAULT_TZ: Final = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_PERIODS: Final[tuple[Period, ...]] = (
    (dt.time(7, 30), dt.time(11, 30)),
    (dt.time(13, 0), dt.time(17, 0)),
)
DEFAULT_CUTOFF: Final = dt.time(15, 0)
BULK_FIRST_YEAR: Final = 1990
BULK_LAST_YEAR: Final = 2100
FIRST_DAY: Final = dt.date(BULK_FIRST_YEAR, 1, 1)  # the range the holiday data covers
LAST_DAY: Final = dt.date(BULK_LAST_YEAR, 12, 31)
_FIRST_ORDINAL: Final = FIRST_DAY.toordinal()
_LAST_ORDINAL: Final = LAST_DAY.toordinal()

_SATURDAY: Final = 5
_OBSERVED_SINCE: Final = 1995  # Labour Code 1994 introduced compensatory days; same as holidays.VN.
_SUBSTITUTED_PREFIX: Final = "Ngày nghỉ (thay cho"
_LUNAR_NEW_YEAR: Final = "Tết Nguyên đán"  # as the names are spelt once loaded
_DATE_IN_NAME: Final = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_UNIX_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()


class OutOfRange(ValueError):
    """A date or moment outside FIRST_DAY..LAST_DAY (``result`` False), or a result after LAST_DAY (True)."""

    def __init__(self, message: str, *, result: bool = False) -> None:
        super().__init__(message)
        self.result = result


def check_supported(value: dt.date | dt.datetime, tz: dt.tzinfo = DEFAULT_TZ) -> dt.date:
    """The calendar date of ``value`` (a datetime is taken in ``tz``, naive = already local).

    Raises OutOfRange if it is outside FIRST_DAY..LAST_DAY, TypeError if it is not a date.
    """
    if isinstance(value, dt.datetime):
        try:
            day = (value if value.utcoffset() is None else value.astimezone(tz)).date()
        except OverflowError:  # e.g. 0001-01-01T00:00+07:00 has no UTC equivalent
            day = None
    elif isinstance(value, dt.date):
        day = value
    else:
        raise TypeError(f"expected a datetime.date or datetime.datetime, got {type(value).__name__}")
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise _out_of_range(value)
    return day


def _out_of_range(value: dt.date) -> OutOfRange:
    return OutOfRange(f"{value.isoformat()} is outside the calendar's range {FIRST_DAY}..{LAST_DAY}")


def _after_range() -> OutOfRange:
    return OutOfRange(f"the result falls after {LAST_DAY} (end of the calendar's range)", result=True)


@dataclass(frozen=True, slots=True, order=True)
class Holiday:
    """A calendar entry: a day off (public/compensatory/official) or a swapped working day."""

    date: dt.date
    name_vi: str
    name_en: str
    kind: HolidayKind


# --------------------------------------------------------------------------------------------------
# holidays.VN data, cached per year for the whole process (identical for every calendar).
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PackageYear:
    days_off: tuple[Holiday, ...]
    working_days: tuple[Holiday, ...]


_PACKAGE_CACHE: dict[int, _PackageYear] = {}
_PACKAGE_LOCK = threading.Lock()


def _package_years(years: Iterable[int]) -> dict[int, _PackageYear]:
    """Return the ``holidays.VN`` data of ``years``, loading missing years in one batch."""
    wanted = set(years)
    with _PACKAGE_LOCK:
        missing = sorted(wanted - _PACKAGE_CACHE.keys())
        if missing:
            _PACKAGE_CACHE.update(_load_package_years(missing))
        return {year: _PACKAGE_CACHE[year] for year in wanted}


_US_DATE = re.compile(r"\b(\d{2})/(\d{2})/(\d{4})\b")


def _day_first(name_en: str) -> str:
    """The package's English names write dates the American way ("substituted from 08/22/2026"); every
    page writes them day first, in English too."""
    return _US_DATE.sub(lambda m: f"{m[2]}/{m[1]}/{m[3]}", name_en)


def _load_package_years(years: list[int]) -> dict[int, _PackageYear]:
    # Neighbouring years are loaded too: a swap may cross a year boundary (2 Jan 2015 off, 27 Dec 2014 on).
    span = sorted({y + k for y in years for k in (-1, 0, 1) if dt.MINYEAR <= y + k <= dt.MAXYEAR})
    vi = _holidays.VN(years=span)
    raw = _holidays.VN(years=span, observed=False)
    en = _holidays.VN(years=span, language="en_US")

    swapped_with: dict[dt.date, dt.date] = {}  # working weekend day -> the weekday given off for it
    for day in vi:
        for name in vi.get_list(day):
            if name.startswith(_SUBSTITUTED_PREFIX) and (match := _DATE_IN_NAME.search(name)):
                dd, mm, yyyy = (int(part) for part in match.groups())
                swapped_with[dt.date(yyyy, mm, dd)] = day
    weekend_work = set(vi.weekend_workdays) | swapped_with.keys()

    wanted = set(years)
    off_by_year: dict[int, dict[dt.date, Holiday]] = {year: {} for year in years}
    for day in sorted(vi):
        if day.year not in wanted:
            continue
        names_vi = vi.get_list(day)
        if any(name.startswith(_SUBSTITUTED_PREFIX) for name in names_vi):
            kind: HolidayKind = "official_day_off"
        elif day in raw:
            kind = "public"
        else:
            kind = "compensatory"
        name_vi = "; ".join(names_vi).replace("Nguyên Đán", "Nguyên đán")  # as Vietnamese spelling has it
        name_en = _day_first(en.get(day, "")).replace(
            "Labor Day", "Labour Day"
        )  # the British spelling used here
        off_by_year[day.year][day] = Holiday(day, name_vi, name_en, kind)

    result: dict[int, _PackageYear] = {}
    for year in years:
        days_off = off_by_year[year]
        if year >= _OBSERVED_SINCE:
            for extra in _missing_compensations(days_off):
                days_off[extra.date] = extra
        working = []
        for day in sorted(d for d in weekend_work if d.year == year):
            if (off_day := swapped_with.get(day)) is not None:
                name_vi = f"Ngày làm việc bù (cho ngày nghỉ {off_day:%d/%m/%Y})"
                name_en = f"Working day (swapped with day off {off_day:%d/%m/%Y})"
            else:
                name_vi, name_en = "Ngày làm việc bù", "Swapped working day"
            working.append(Holiday(day, name_vi, name_en, "working_day"))
        result[year] = _PackageYear(tuple(sorted(days_off.values())), tuple(working))
    return result


def _missing_compensations(days_off: Mapping[dt.date, Holiday]) -> list[Holiday]:
    """Compensatory days (Labour Code 2019 art. 111(3)) that ``holidays.VN`` did not add for one year.

    A statutory holiday on a weekly day off gives a day off on the next working day. Tết days are
    excluded: the Prime Minister fixes them each year (art. 112(3)) and the package already shifts them.
    """
    tet = [d for d, h in days_off.items() if h.kind == "public" and h.name_vi.startswith(_LUNAR_NEW_YEAR)]

    def is_tet(day: dt.date) -> bool:
        return bool(tet) and -3 <= (day - tet[0]).days <= 6

    on_weekend = sorted(
        h for d, h in days_off.items() if h.kind == "public" and d.weekday() >= _SATURDAY and not is_tet(d)
    )
    provided = {d for d, h in days_off.items() if h.kind == "compensatory" and not is_tet(d)}
    missing = len(on_weekend) - len(provided)
    if missing <= 0:
        return []
    # Re-derive the compensatory days from scratch and add those the package lacks.
    taken = set(days_off) - provided
    added: list[Holiday] = []
    for holiday in on_weekend:
        day = holiday.date + dt.timedelta(days=1)
        while day.weekday() >= _SATURDAY or day in taken:
            day += dt.timedelta(days=1)
        taken.add(day)
        if day not in days_off and len(added) < missing:
            name_vi, name_en = holiday.name_vi.split("; ")[0], holiday.name_en.split("; ")[0]
            added.append(Holiday(day, f"{name_vi} (nghỉ bù)", f"{name_en} (observed)", "compensatory"))
    return added


# --------------------------------------------------------------------------------------------------
# The calendar.
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _YearInfo:
    off: frozenset[dt.date]  # effective days off (weekday or weekend) except weekly ones
    work: frozenset[dt.date]  # effective working days that fall on a Saturday/Sunday (or override)
    entries: tuple[Holiday, ...]


@dataclass(frozen=True, slots=True)
class _BulkTable:
    first: int  # day number (days since 1970-01-01) of the first covered day
    last: int
    workdays: npt.NDArray[np.int64]  # sorted day numbers of every working day in range
    first_at_or_after: npt.NDArray[np.int64]  # per covered day: index of the first working day >= it


class _State:
    """Per-instance mutable caches; excluded from equality/hash."""

    __slots__ = ("bulk", "lock", "years")

    def __init__(self) -> None:
        self.years: dict[int, _YearInfo] = {}
        self.bulk: _BulkTable | None = None
        self.lock = threading.Lock()

    def __reduce__(self) -> tuple[type[_State], tuple[()]]:
        return (_State, ())  # caches are rebuilt lazily after pickling/copying


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Working-day calendar. Mappings passed to the constructor are normalised to sorted tuples."""

    extra_days_off: DayNames = ()
    extra_working_days: DayNames = ()
    periods: tuple[Period, ...] = DEFAULT_PERIODS
    cutoff: dt.time = DEFAULT_CUTOFF
    tz: dt.tzinfo = DEFAULT_TZ
    _state: _State = field(default_factory=_State, init=False, repr=False, compare=False, hash=False)

    @classmethod
    def build(
        cls,
        *,
        extra_days_off: Mapping[dt.date, str] | None = None,
        extra_working_days: Mapping[dt.date, str] | None = None,
        periods: Iterable[tuple[dt.time, dt.time]] = DEFAULT_PERIODS,
        cutoff: dt.time = DEFAULT_CUTOFF,
        tz: str | dt.tzinfo = DEFAULT_TZ,
    ) -> WorkCalendar:
        """Build a calendar from admin data (date -> name mappings) and office-hour settings."""
        return cls(
            extra_days_off=extra_days_off or {},  # type: ignore[arg-type]  # normalised in __post_init__
            extra_working_days=extra_working_days or {},  # type: ignore[arg-type]
            periods=periods,  # type: ignore[arg-type]
            cutoff=cutoff,
            tz=tz,  # type: ignore[arg-type]
        )

    def __post_init__(self) -> None:
        days_off = _normalise_days(self.extra_days_off, "extra_days_off")
        working = _normalise_days(self.extra_working_days, "extra_working_days")
        both = {d for d, _ in days_off} & {d for d, _ in working}
        if both:
            listed = ", ".join(str(d) for d in sorted(both))
            raise ValueError(f"dates are both an extra day off and an extra working day: {listed}")
        periods = _normalise_periods(self.periods)
        if not isinstance(self.cutoff, dt.time) or self.cutoff.tzinfo is not None:
            raise TypeError("cutoff must be a naive datetime.time")
        if self.cutoff > periods[-1][1]:
            raise ValueError(f"cutoff {self.cutoff} is after the close of office {periods[-1][1]}")
        tz = ZoneInfo(self.tz) if isinstance(self.tz, str) else self.tz
        if not isinstance(tz, dt.tzinfo):
            raise TypeError("tz must be a time zone name or a tzinfo")
        object.__setattr__(self, "extra_days_off", days_off)
        object.__setattr__(self, "extra_working_days", working)
        object.__setattr__(self, "periods", periods)
        object.__setattr__(self, "tz", tz)

    # ---- days ------------------------------------------------------------------------------------

    def is_working_day(self, d: dt.date) -> bool:
        """True if ``d`` is a working day of the administration."""
        _check_date(d)
        return self._is_wd(d)

    def holidays(self, year: int) -> list[Holiday]:
        """Days off (public, compensatory, official) and swapped working days of ``year``, by date."""
        if isinstance(year, bool) or not isinstance(year, numbers.Integral):
            raise TypeError(f"year must be an integer, got {type(year).__name__}")
        if not FIRST_DAY.year <= year <= LAST_DAY.year:
            raise OutOfRange(f"{year} is outside the calendar's range {FIRST_DAY.year}..{LAST_DAY.year}")
        return list(self._year(int(year)).entries)

    def next_working_day(self, d: dt.date) -> dt.date:
        """The first working day strictly after ``d``."""
        _check_date(d)
        return self._next_wd(d)

    def close_of(self, d: dt.date) -> dt.datetime:
        """End of the last office period of ``d`` (aware, calendar time zone)."""
        _check_date(d)
        return dt.datetime.combine(d, self.periods[-1][1], tzinfo=self.tz)

    def is_office_time(self, moment: dt.datetime) -> bool:
        """True if ``moment`` is on a working day inside an office period (start inclusive, end exclusive)."""
        local = self._local(moment)
        if not self._is_wd(local.date()):
            return False
        clock = local.time().replace(tzinfo=None)
        return any(start <= clock < end for start, end in self.periods)

    # ---- deadlines -------------------------------------------------------------------------------

    def add_working_days(self, received: dt.datetime, n: int) -> dt.datetime:
        """Close of office on the ``n``-th working day after the effective receipt day (n == 0: same day)."""
        _check_days(n)
        if n == 0:
            return self.same_day_due(received)
        local = self._local(received)
        day = local.date()
        if not (self._is_wd(day) and local < self.close_of(day)):
            day = self._next_wd(day)
        for _ in range(n):
            day = self._next_wd(day)
        return self.close_of(day)

    def same_day_due(self, received: dt.datetime) -> dt.datetime:
        """Close of office today if received on a working day before the cutoff, else next working day's."""
        local = self._local(received)
        day = local.date()
        if self._is_wd(day) and local < dt.datetime.combine(day, self.cutoff, tzinfo=self.tz):
            return self.close_of(day)
        return self.close_of(self._next_wd(day))

    def due(self, received: dt.datetime, working_days: int) -> dt.datetime:
        """Deadline for a service with a time limit of ``working_days`` (0 = same-day service)."""
        _check_days(working_days)
        if working_days == 0:
            return self.same_day_due(received)
        return self.add_working_days(received, working_days)

    def add_working_hours(self, received: dt.datetime, hours: float | Decimal | dt.timedelta) -> dt.datetime:
        """Add office time (inside office periods of working days only), from the next period if outside."""
        remaining = _to_timedelta(hours)
        cursor = self._local(received)
        day = cursor.date()
        tz, periods = self.tz, self.periods
        capacity = _day_capacity(periods)
        while True:
            if self._is_wd(day):
                day_start = dt.datetime.combine(day, periods[0][0], tzinfo=tz)
                if cursor <= day_start and remaining > capacity:
                    remaining -= capacity  # skip a whole working day
                else:
                    for start_t, end_t in periods:
                        end = dt.datetime.combine(day, end_t, tzinfo=tz)
                        if cursor >= end:
                            continue
                        start = dt.datetime.combine(day, start_t, tzinfo=tz)
                        cursor = max(cursor, start)
                        available = end - cursor
                        if remaining <= available:
                            return cursor + remaining
                        remaining -= available
                        cursor = end
            day = self._next_wd(day)
            cursor = dt.datetime.combine(day, periods[0][0], tzinfo=tz)

    def due_after_pause(self, due: dt.datetime, paused: dt.datetime, resumed: dt.datetime) -> dt.datetime:
        """The due time once a clock stopped from ``paused`` to ``resumed`` starts again.

        The time the applicant takes to answer is not counted (Decrees 61/2018 and 107/2021): the office
        keeps the working time that was left when the clock stopped, counted from the resume. Counted in the
        office periods that is the due time moved on by the office time of the wait, whatever kind of limit
        it ends (a 17:00 deadline with ten minutes left when the papers were asked for is due ten office
        minutes after they arrive, not at 17:00 the day before). The wait is taken to the minute (under
        half a minute the due time stays), so the result is never earlier than ``due``. A clock stopped
        after the due time gains nothing: it resumes as late as it was when it stopped.
        """
        waited = self.working_time_between(paused, resumed)
        minutes = int((waited + dt.timedelta(seconds=30)) // dt.timedelta(minutes=1))
        if minutes <= 0:
            return due
        return self.add_working_hours(due, dt.timedelta(minutes=minutes))

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Office time (inside office periods of working days) from ``start`` to ``end``; zero if end <= start."""
        begin, finish = self._local(start), self._local(end)
        total = dt.timedelta()
        if finish <= begin:
            return total
        tz, periods = self.tz, self.periods
        day = begin.date()
        while day <= finish.date():
            if self._is_wd(day):
                for start_t, end_t in periods:
                    low = max(begin, dt.datetime.combine(day, start_t, tzinfo=tz))
                    high = min(finish, dt.datetime.combine(day, end_t, tzinfo=tz))
                    if high > low:
                        total += high - low
            day += dt.timedelta(days=1)
        return total

    # ---- bulk ------------------------------------------------------------------------------------

    def bulk_add_working_days(
        self,
        received_days: npt.ArrayLike,
        n: int | npt.ArrayLike,
    ) -> npt.NDArray[np.datetime64]:
        """Vectorised due DATES: the ``n``-th working day after the effective receipt day.

        The effective receipt day is the day itself if it is a working day (receipt assumed before the
        close of office), else the next working day; ``n == 0`` gives the effective receipt day.
        ``received_days`` are local calendar dates (datetime64, converted to ``[D]``); ``n`` broadcasts.
        NaT in gives NaT out. Dates outside BULK_FIRST_YEAR..BULK_LAST_YEAR raise ValueError.
        """
        days = np.asarray(received_days)
        if days.dtype.kind != "M":
            raise TypeError(f"received_days must be datetime64 values, got dtype {days.dtype}")
        days = days.astype("datetime64[D]", copy=False)
        steps = np.asarray(n)
        if steps.dtype.kind not in "iu":
            raise TypeError(f"n must be integer(s), got dtype {steps.dtype}")
        steps = steps.astype(np.int64, copy=False)
        if steps.size and steps.min() < 0:
            raise ValueError(f"n must be >= 0 working days, got {int(steps.min())}")
        table = self._bulk_table()

        numbers_ = days.view(np.int64)
        nat = np.isnat(days)
        has_nat = bool(nat.any())
        if has_nat:
            numbers_ = np.where(nat, table.first, numbers_)
        if numbers_.size and (numbers_.min() < table.first or numbers_.max() > table.last):
            raise OutOfRange(f"received_days must be within {FIRST_DAY}..{LAST_DAY}")
        positions = table.first_at_or_after[numbers_ - table.first] + steps
        if positions.size and positions.max() >= table.workdays.size:
            raise OutOfRange(f"a due date falls after {LAST_DAY} (end of the bulk range)", result=True)
        result = table.workdays[positions].view("datetime64[D]")
        if has_nat:
            result = np.where(nat, np.datetime64("NaT", "D"), result)
        return result

    # ---- internals -------------------------------------------------------------------------------

    def _local(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` in the calendar time zone (naive = already local); OutOfRange outside the range."""
        if not isinstance(moment, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(moment).__name__}")
        try:
            if moment.tzinfo is None or moment.utcoffset() is None:
                local = moment.replace(tzinfo=self.tz)
            else:
                local = moment.astimezone(self.tz)
        except OverflowError:
            local = None
        if local is None or not _FIRST_ORDINAL <= local.toordinal() <= _LAST_ORDINAL:
            raise _out_of_range(moment)
        return local

    def _is_wd(self, d: dt.date) -> bool:
        info = self._state.years.get(d.year)
        if info is None:
            info = self._year(d.year)
        return d not in info.off and (d.weekday() < _SATURDAY or d in info.work)

    def _next_wd(self, d: dt.date) -> dt.date:
        one = dt.timedelta(days=1)
        while True:
            if d >= LAST_DAY:
                raise _after_range()
            d += one
            if self._is_wd(d):
                return d

    def _year(self, year: int) -> _YearInfo:
        info = self._state.years.get(year)
        if info is None:
            self._load_years([year])
            info = self._state.years[year]
        return info

    def _load_years(self, years: Iterable[int]) -> None:
        missing = [y for y in years if y not in self._state.years]
        if not missing:
            return
        package = _package_years(missing)
        for year in missing:
            entries: dict[dt.date, Holiday] = {}
            for holiday in (*package[year].days_off, *package[year].working_days):
                entries[holiday.date] = holiday
            for extras, kind in (
                (self.extra_days_off, "official_day_off"),
                (self.extra_working_days, "working_day"),
            ):
                for day, name in extras:
                    if day.year == year:
                        name_vi, name_en = (name, "") if isinstance(name, str) else name
                        known = entries.get(day)
                        if (
                            not name_en
                            and known is not None
                            and (known.kind == "working_day") == (kind == "working_day")
                        ):
                            name_en = known.name_en  # the package's English name for the same change
                        entries[day] = Holiday(day, name_vi, name_en or name_vi, kind)
            ordered = tuple(sorted(entries.values()))
            self._state.years[year] = _YearInfo(
                off=frozenset(h.date for h in ordered if h.kind != "working_day"),
                work=frozenset(h.date for h in ordered if h.kind == "working_day"),
                entries=ordered,
            )

    def _bulk_table(self) -> _BulkTable:
        table = self._state.bulk
        if table is not None:
            return table
        with self._state.lock:
            if self._state.bulk is None:
                self._state.bulk = self._build_bulk_table()
            return self._state.bulk

    def _build_bulk_table(self) -> _BulkTable:
        first_day, last_day = dt.date(BULK_FIRST_YEAR, 1, 1), dt.date(BULK_LAST_YEAR, 12, 31)
        first, last = _day_number(first_day), _day_number(last_day)
        self._load_years(range(BULK_FIRST_YEAR, BULK_LAST_YEAR + 1))
        numbers_ = np.arange(first, last + 1, dtype=np.int64)
        working = (numbers_ + 3) % 7 < _SATURDAY  # 1970-01-01 was a Thursday (weekday 3)
        for year in range(BULK_FIRST_YEAR, BULK_LAST_YEAR + 1):
            info = self._state.years[year]
            if info.off:
                working[np.fromiter((_day_number(d) for d in info.off), np.int64) - first] = False
            if info.work:
                working[np.fromiter((_day_number(d) for d in info.work), np.int64) - first] = True
        workdays = numbers_[working]
        index = np.searchsorted(workdays, numbers_, side="left").astype(np.int64)
        workdays.flags.writeable = False
        index.flags.writeable = False
        return _BulkTable(first, last, workdays, index)


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


def _day_number(d: dt.date) -> int:
    return d.toordinal() - _UNIX_EPOCH_ORDINAL


def _check_date(d: object) -> None:
    if isinstance(d, dt.datetime) or not isinstance(d, dt.date):
        raise TypeError(f"expected a datetime.date (not a datetime), got {type(d).__name__}")
    check_supported(d)


def _check_days(n: object) -> None:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"working days must be an integer, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"working days must be >= 0, got {n}")


def _to_timedelta(hours: object) -> dt.timedelta:
    if isinstance(hours, dt.timedelta):
        delta = hours
    elif isinstance(hours, Decimal | numbers.Real) and not isinstance(hours, bool):
        finite = hours.is_finite() if isinstance(hours, Decimal) else math.isfinite(hours)
        if not finite:
            raise ValueError(f"working hours must be finite, got {hours}")
        if hours < 0:
            raise ValueError(f"working hours must be >= 0, got {hours}")
        try:
            if isinstance(hours, Decimal):
                delta = dt.timedelta(microseconds=int((hours * 3_600_000_000).to_integral_value()))
            else:
                delta = dt.timedelta(hours=float(hours))
        except OverflowError:  # more than timedelta.max: the result would be far after LAST_DAY
            raise _after_range() from None
    else:
        raise TypeError(f"working hours must be a number, Decimal or timedelta, got {type(hours).__name__}")
    if delta < dt.timedelta(0):
        raise ValueError(f"working hours must be >= 0, got {hours}")
    return delta


def _day_capacity(periods: tuple[Period, ...]) -> dt.timedelta:
    day = dt.date(2000, 1, 1)
    return sum(
        (dt.datetime.combine(day, end) - dt.datetime.combine(day, start) for start, end in periods),
        dt.timedelta(0),
    )


def _normalise_days(value: object, label: str) -> DayNames:
    items = value.items() if isinstance(value, Mapping) else value
    if not isinstance(items, Iterable) or isinstance(items, str | bytes):
        raise TypeError(f"{label} must be a mapping of date -> name")
    seen: dict[dt.date, str | tuple[str, str]] = {}
    for pair in items:
        day, name = pair
        if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
            raise TypeError(f"{label}: keys must be datetime.date (not datetime), got {day!r}")
        if not (
            isinstance(name, str)
            or (isinstance(name, tuple) and len(name) == 2 and all(isinstance(n, str) for n in name))
        ):
            raise TypeError(f"{label}: names must be str or (Vietnamese, English), got {name!r} for {day}")
        if day in seen:
            raise ValueError(f"{label}: duplicate date {day}")
        seen[day] = name
    return tuple(sorted(seen.items()))


def _normalise_periods(value: object) -> tuple[Period, ...]:
    if not isinstance(value, Iterable):
        raise TypeError("periods must be a sequence of (start, end) times")
    periods = tuple((start, end) for start, end in value)
    if not periods:
        raise ValueError("at least one office period is required")
    previous_end: dt.time | None = None
    for start, end in periods:
        for moment in (start, end):
            if not isinstance(moment, dt.time) or moment.tzinfo is not None:
                raise TypeError(f"office period bounds must be naive datetime.time, got {moment!r}")
        if not start < end:
            raise ValueError(f"office period {start}-{end} must start before it ends")
        if previous_end is not None and start < previous_end:
            raise ValueError("office periods must be sorted and must not overlap")
        previous_end = end
    return periods
