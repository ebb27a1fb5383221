"""Unit and property tests for citydesk.lib.workdays (pure, no database)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citydesk.lib.workdays import (
    DEFAULT_TZ,
    FIRST_DAY,
    LAST_DAY,
    Holiday,
    OutOfRange,
    WorkCalendar,
    _missing_compensations,
    _package_years,
    check_supported,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar()
SWAPPED_SATURDAY = dt.date(2026, 3, 14)
EXTRA_DAY_OFF = dt.date(2026, 3, 9)  # a Monday
ADMIN = WorkCalendar.build(
    extra_days_off={EXTRA_DAY_OFF: "Nghỉ theo quyết định của UBND"},
    extra_working_days={SWAPPED_SATURDAY: "Làm việc bù"},
)
PROPS = settings(max_examples=200, deadline=None)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=VN)


def aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=VN) if moment.tzinfo is None else moment


def assert_close_of_working_day(cal: WorkCalendar, due: dt.datetime) -> None:
    assert due.utcoffset() == dt.timedelta(hours=7)
    assert cal.is_working_day(due.date())
    assert due == cal.close_of(due.date())


def assert_in_office(cal: WorkCalendar, moment: dt.datetime) -> None:
    assert moment.utcoffset() == dt.timedelta(hours=7)
    assert cal.is_working_day(moment.date())
    clock = moment.timetz().replace(tzinfo=None)
    assert any(start <= clock <= end for start, end in cal.periods), moment


# ---- holidays ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [dt.date(2026, 2, d) for d in range(16, 21)]
    + [dt.date(2026, 4, 27), dt.date(2026, 4, 30), dt.date(2026, 5, 1)]
    + [dt.date(2026, 9, 1), dt.date(2026, 9, 2), dt.date(2025, 9, 1), dt.date(2025, 9, 2)]
    + [dt.date(2024, 9, 2), dt.date(2024, 9, 3), dt.date(2026, 1, 1), dt.date(2025, 5, 2)],
)
def test_public_holidays_are_days_off(day: dt.date) -> None:
    assert not CAL.is_working_day(day)


def test_weekends_and_ordinary_days() -> None:
    assert CAL.is_working_day(dt.date(2026, 2, 13))  # Friday
    assert not CAL.is_working_day(dt.date(2026, 2, 14))  # Saturday
    assert not CAL.is_working_day(dt.date(2026, 2, 15))  # Sunday
    assert CAL.is_working_day(dt.date(2026, 2, 23))  # Monday after Tết
    assert CAL.is_working_day(dt.date(2026, 4, 28))


def test_holiday_list_kinds_and_names() -> None:
    by_date = {h.date: h for h in CAL.holidays(2026)}
    assert by_date[dt.date(2026, 4, 26)].kind == "public"
    assert "Hùng Vương" in by_date[dt.date(2026, 4, 26)].name_vi
    assert "Hung Kings" in by_date[dt.date(2026, 4, 26)].name_en
    assert by_date[dt.date(2026, 4, 27)].kind == "compensatory"
    assert by_date[dt.date(2026, 8, 31)].kind == "official_day_off"
    assert by_date[dt.date(2026, 8, 22)].kind == "working_day"  # government-swapped Saturday
    assert by_date[dt.date(2026, 2, 17)].name_en == "Lunar New Year"
    assert list(by_date) == sorted(by_date)
    assert all(isinstance(h, Holiday) and h.date.year == 2026 for h in CAL.holidays(2026))


def test_admin_entries_in_holiday_list() -> None:
    by_date = {h.date: h for h in ADMIN.holidays(2026)}
    assert by_date[SWAPPED_SATURDAY] == Holiday(SWAPPED_SATURDAY, "Làm việc bù", "Làm việc bù", "working_day")
    assert by_date[EXTRA_DAY_OFF].kind == "official_day_off"


def test_government_swapped_saturday_is_a_working_day() -> None:
    # 2025: Friday 2 May off in exchange for Saturday 26 April.
    assert CAL.is_working_day(dt.date(2025, 4, 26))
    assert CAL.add_working_days(at(2025, 4, 25, 10), 1) == at(2025, 4, 26, 17)
    assert CAL.add_working_days(at(2025, 4, 29, 10), 1) == at(2025, 5, 5, 17)


def test_swap_across_year_boundary() -> None:
    assert CAL.is_working_day(dt.date(2014, 12, 27))  # Saturday worked for Friday 2 Jan 2015
    assert not CAL.is_working_day(dt.date(2015, 1, 2))


@pytest.mark.parametrize("year", range(1995, 2101))
def test_every_weekend_statutory_holiday_is_compensated(year: int) -> None:
    entries = CAL.holidays(year)
    lunar_new_year = next(h.date for h in entries if h.name_vi == "Tết Nguyên đán")

    def is_tet(day: dt.date) -> bool:
        return -3 <= (day - lunar_new_year).days <= 6

    on_weekend = [h for h in entries if h.kind == "public" and h.date.weekday() >= 5 and not is_tet(h.date)]
    compensations = [h for h in entries if h.kind == "compensatory" and not is_tet(h.date)]
    assert len(compensations) == len(on_weekend)
    assert all(CAL.is_working_day(h.date) is False for h in compensations)


def test_missing_compensation_is_added_once() -> None:
    package = _package_years([2026, 2022])
    days_off = {h.date: h for h in package[2026].days_off}
    assert _missing_compensations(days_off) == []  # the package already has 27 Apr 2026
    del days_off[dt.date(2026, 4, 27)]
    added = _missing_compensations(days_off)
    assert [(h.date, h.kind) for h in added] == [(dt.date(2026, 4, 27), "compensatory")]
    assert added[0].name_vi.endswith("(nghỉ bù)")
    # 2022: 30/4 Saturday and 1/5 Sunday -> Monday 2 and Tuesday 3 May; only the dropped one comes back.
    days_off = {h.date: h for h in package[2022].days_off}
    assert {dt.date(2022, 5, 2), dt.date(2022, 5, 3)} <= days_off.keys()
    del days_off[dt.date(2022, 5, 3)]
    assert [h.date for h in _missing_compensations(days_off)] == [dt.date(2022, 5, 3)]


def test_admin_overrides() -> None:
    assert not CAL.is_working_day(SWAPPED_SATURDAY)
    assert ADMIN.is_working_day(SWAPPED_SATURDAY)
    assert CAL.is_working_day(EXTRA_DAY_OFF)
    assert not ADMIN.is_working_day(EXTRA_DAY_OFF)
    # Friday 13 Mar + 1 -> swapped Saturday 14; Friday 6 Mar + 1 skips the extra Monday off.
    assert ADMIN.add_working_days(at(2026, 3, 13, 9), 1) == at(2026, 3, 14, 17)
    assert CAL.add_working_days(at(2026, 3, 13, 9), 1) == at(2026, 3, 16, 17)
    assert ADMIN.add_working_days(at(2026, 3, 6, 9), 1) == at(2026, 3, 10, 17)
    assert ADMIN.same_day_due(at(2026, 3, 14, 9)) == at(2026, 3, 14, 17)
    assert ADMIN.next_working_day(dt.date(2026, 3, 6)) == dt.date(2026, 3, 10)


def test_admin_data_validation() -> None:
    with pytest.raises(ValueError, match="both"):
        WorkCalendar.build(extra_days_off={EXTRA_DAY_OFF: "a"}, extra_working_days={EXTRA_DAY_OFF: "b"})
    with pytest.raises(TypeError):
        WorkCalendar.build(extra_days_off={dt.datetime(2026, 3, 9): "a"})
    with pytest.raises(ValueError):
        WorkCalendar.build(periods=[(dt.time(13), dt.time(17)), (dt.time(8), dt.time(12))])
    with pytest.raises(ValueError):
        WorkCalendar.build(cutoff=dt.time(18))


def test_calendar_is_hashable_and_comparable() -> None:
    again = WorkCalendar.build(
        extra_days_off={EXTRA_DAY_OFF: "Nghỉ theo quyết định của UBND"},
        extra_working_days={SWAPPED_SATURDAY: "Làm việc bù"},
    )
    assert again == ADMIN and hash(again) == hash(ADMIN)
    assert ADMIN != CAL
    assert len({CAL, WorkCalendar(), ADMIN}) == 2


# ---- working days --------------------------------------------------------------------------------


def test_tet_2026() -> None:
    assert CAL.add_working_days(at(2026, 2, 13, 10), 1) == at(2026, 2, 23, 17)
    assert CAL.next_working_day(dt.date(2026, 2, 13)) == dt.date(2026, 2, 23)


def test_reunification_and_labour_day_2026() -> None:
    # Thursday 30/4 and Friday 1/5 off: Wednesday + 1 -> Monday 4 May.
    assert CAL.add_working_days(at(2026, 4, 29, 10), 1) == at(2026, 5, 4, 17)


def test_national_day_with_adjacent_day() -> None:
    # 2025: Monday 1/9 and Tuesday 2/9 off.
    assert CAL.add_working_days(at(2025, 8, 29, 10), 1) == at(2025, 9, 3, 17)
    # 2024: Monday 2/9 and Tuesday 3/9 off.
    assert CAL.add_working_days(at(2024, 8, 30, 10), 2) == at(2024, 9, 5, 17)


def test_hung_kings_2026_compensatory_monday() -> None:
    assert CAL.add_working_days(at(2026, 4, 24, 10), 1) == at(2026, 4, 28, 17)


def test_receipt_after_close_counts_from_next_working_day() -> None:
    assert CAL.add_working_days(at(2026, 3, 4, 16, 59), 1) == at(2026, 3, 5, 17)
    assert CAL.add_working_days(at(2026, 3, 4, 17), 1) == at(2026, 3, 6, 17)
    assert CAL.add_working_days(at(2026, 3, 7, 10), 1) == at(2026, 3, 10, 17)  # Saturday -> Monday is day 0


def test_same_day_service() -> None:
    assert CAL.same_day_due(at(2026, 3, 4, 14, 59)) == at(2026, 3, 4, 17)
    assert CAL.same_day_due(at(2026, 3, 4, 15)) == at(2026, 3, 5, 17)
    assert CAL.same_day_due(at(2026, 3, 7, 9)) == at(2026, 3, 9, 17)  # Saturday -> Monday
    assert CAL.same_day_due(at(2026, 3, 6, 16)) == at(2026, 3, 9, 17)  # Friday 16:00 -> Monday
    assert CAL.due(at(2026, 3, 4, 10), 0) == at(2026, 3, 4, 17)
    assert CAL.due(at(2026, 3, 4, 10), 3) == at(2026, 3, 9, 17)
    assert CAL.add_working_days(at(2026, 3, 4, 10), 0) == CAL.same_day_due(at(2026, 3, 4, 10))


def test_custom_cutoff_and_periods() -> None:
    cal = WorkCalendar.build(
        periods=((dt.time(8), dt.time(12)), (dt.time(13, 30), dt.time(17, 30))), cutoff=dt.time(16)
    )
    assert cal.same_day_due(at(2026, 3, 4, 15, 30)) == at(2026, 3, 4, 17, 30)
    assert cal.close_of(dt.date(2026, 3, 4)) == at(2026, 3, 4, 17, 30)
    assert cal.add_working_hours(at(2026, 3, 4, 11), 2) == at(2026, 3, 4, 14, 30)


def test_time_zones() -> None:
    utc = dt.datetime(2026, 3, 4, 8, 0, tzinfo=dt.UTC)  # 15:00 in Hà Nội
    due = CAL.same_day_due(utc)
    assert due == at(2026, 3, 5, 17) and due.tzinfo is DEFAULT_TZ
    naive = dt.datetime(2026, 3, 4, 14, 59)  # read as local time
    assert CAL.same_day_due(naive) == at(2026, 3, 4, 17)
    assert CAL.add_working_hours(naive, 1).tzinfo is DEFAULT_TZ
    late_utc = dt.datetime(2026, 2, 12, 17, 30, tzinfo=dt.UTC)  # 00:30 Friday 13 Feb local
    assert CAL.add_working_days(late_utc, 1) == at(2026, 2, 23, 17)


def test_negative_and_wrong_inputs() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        CAL.add_working_days(at(2026, 3, 4, 10), -1)
    with pytest.raises(ValueError, match=">= 0"):
        CAL.due(at(2026, 3, 4, 10), -2)
    with pytest.raises(ValueError, match=">= 0"):
        CAL.add_working_hours(at(2026, 3, 4, 10), -0.5)
    with pytest.raises(ValueError):
        CAL.add_working_hours(at(2026, 3, 4, 10), Decimal("-1"))
    with pytest.raises(ValueError):
        CAL.add_working_hours(at(2026, 3, 4, 10), dt.timedelta(minutes=-1))
    with pytest.raises(ValueError):
        CAL.add_working_hours(at(2026, 3, 4, 10), float("nan"))
    with pytest.raises(ValueError, match=">= 0"):
        CAL.bulk_add_working_days(np.array(["2026-03-04"], dtype="datetime64[D]"), np.array([1, -1]))
    with pytest.raises(TypeError):
        CAL.add_working_days(at(2026, 3, 4, 10), 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        CAL.add_working_days(dt.date(2026, 3, 4), 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        CAL.is_working_day(dt.datetime(2026, 3, 4))


# ---- supported range -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "received",
    [
        dt.datetime(9999, 12, 31, 10),  # used to overflow (OverflowError)
        dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-12))),
        dt.datetime(1900, 1, 1, 10),  # used to answer with the local mean time offset +07:06:30
        dt.datetime(1, 1, 1, 10),
        dt.datetime(1, 1, 1, tzinfo=VN),  # has no UTC equivalent
        dt.datetime(1989, 12, 31, 23, 59),
        dt.datetime(2101, 1, 1),
        dt.datetime(1989, 12, 31, 16, 59, tzinfo=dt.UTC),  # 23:59 local
    ],
)
def test_moments_outside_the_supported_range_are_refused(received: dt.datetime) -> None:
    for call in (
        lambda: CAL.due(received, 5),
        lambda: CAL.due(received, 0),
        lambda: CAL.add_working_days(received, 1),
        lambda: CAL.same_day_due(received),
        lambda: CAL.add_working_hours(received, 2),
        lambda: CAL.is_office_time(received),
        lambda: CAL.working_time_between(received, at(2026, 3, 4, 10)),
        lambda: CAL.working_time_between(at(2026, 3, 4, 10), received),
    ):
        with pytest.raises(OutOfRange, match="outside") as err:
            call()
        assert err.value.result is False and isinstance(err.value, ValueError)


def test_dates_and_years_outside_the_supported_range_are_refused() -> None:
    for day in (dt.date(1, 1, 1), dt.date(1989, 12, 31), dt.date(2101, 1, 1), dt.date(9999, 12, 31)):
        for call in (CAL.is_working_day, CAL.next_working_day, CAL.close_of):
            with pytest.raises(OutOfRange):
                call(day)
        with pytest.raises(OutOfRange):
            check_supported(day)
    for year in (1, 1989, 2101, 9999):
        with pytest.raises(OutOfRange):
            CAL.holidays(year)
    with pytest.raises(TypeError):
        check_supported("2026-03-04")  # type: ignore[arg-type]


def test_results_after_the_range_are_refused() -> None:
    with pytest.raises(OutOfRange, match="after") as err:
        CAL.due(at(2100, 12, 30, 10), 5)
    assert err.value.result is True
    for call in (
        lambda: CAL.next_working_day(LAST_DAY),
        lambda: CAL.add_working_hours(at(2100, 12, 31, 16), 8),
        lambda: CAL.add_working_hours(at(2026, 3, 4, 10), 10**30),  # more than timedelta.max
        lambda: CAL.add_working_hours(at(2026, 3, 4, 10), Decimal("1e30")),
        lambda: CAL.add_working_hours(at(2026, 3, 4, 10), dt.timedelta(days=999_999)),
        lambda: CAL.bulk_add_working_days(np.array(["2100-12-30"], dtype="datetime64[D]"), 10),
    ):
        with pytest.raises(OutOfRange, match="after") as err:
            call()
        assert err.value.result is True


def test_the_whole_range_works_with_the_plus_seven_offset() -> None:
    assert check_supported(FIRST_DAY) == FIRST_DAY and check_supported(LAST_DAY) == LAST_DAY
    assert check_supported(dt.datetime(1989, 12, 31, 17, tzinfo=dt.UTC)) == FIRST_DAY  # 00:00 local
    first = CAL.due(dt.datetime(1990, 1, 2, 10), 1)
    assert first == at(1990, 1, 3, 17) and first.utcoffset() == dt.timedelta(hours=7)
    last = CAL.due(dt.datetime(2100, 12, 27, 10), 2)
    assert last == at(2100, 12, 29, 17) and last.utcoffset() == dt.timedelta(hours=7)
    assert CAL.add_working_hours(at(1990, 1, 1), 1).utcoffset() == dt.timedelta(hours=7)
    assert CAL.holidays(1990) and CAL.holidays(2100)


# ---- working hours -------------------------------------------------------------------------------


def test_working_hours() -> None:
    assert CAL.add_working_hours(at(2026, 3, 4, 9), 2) == at(2026, 3, 4, 11)
    assert CAL.add_working_hours(at(2026, 3, 4, 11), 1) == at(2026, 3, 4, 13, 30)  # across lunch
    assert CAL.add_working_hours(at(2026, 3, 4, 12), 1) == at(2026, 3, 4, 14)  # starts at 13:00
    assert CAL.add_working_hours(at(2026, 3, 6, 16), 2) == at(2026, 3, 9, 8, 30)  # across a weekend
    assert CAL.add_working_hours(at(2026, 3, 4, 6), Decimal("0.5")) == at(2026, 3, 4, 8)
    assert CAL.add_working_hours(at(2026, 3, 4, 9, 30), 2) == at(2026, 3, 4, 11, 30)  # end of period
    assert CAL.add_working_hours(at(2026, 3, 4, 18), dt.timedelta(minutes=90)) == at(2026, 3, 5, 9)
    assert CAL.add_working_hours(at(2026, 3, 4, 10), 0) == at(2026, 3, 4, 10)
    assert CAL.add_working_hours(at(2026, 3, 7, 10), 0) == at(2026, 3, 9, 7, 30)
    assert CAL.add_working_hours(at(2026, 2, 13, 16), 4) == at(2026, 2, 23, 10, 30)  # across Tết
    assert CAL.add_working_hours(at(2026, 3, 4, 7, 30), 40) == at(2026, 3, 10, 17)  # five full days


# ---- bulk ----------------------------------------------------------------------------------------


def test_bulk_matches_scalar_on_random_dates() -> None:
    rng = random.Random(20260216)
    start = dt.date(2000, 1, 1).toordinal()
    days = [dt.date.fromordinal(start + rng.randrange(365 * 90)) for _ in range(3000)]
    days += [SWAPPED_SATURDAY, EXTRA_DAY_OFF, dt.date(2026, 3, 13), dt.date(2026, 3, 6), dt.date(2025, 4, 26)]
    days += [dt.date(2026, 2, 13) + dt.timedelta(days=k) for k in range(30)]
    steps = np.array([rng.randrange(0, 40) for _ in days], dtype=np.int64)
    received = np.array(days, dtype="datetime64[D]")
    for cal in (CAL, ADMIN):
        bulk = cal.bulk_add_working_days(received, steps)
        assert bulk.dtype == np.dtype("datetime64[D]") and bulk.shape == received.shape
        scalar = [
            cal.due(dt.datetime.combine(d, dt.time(8), tzinfo=VN), int(k)).date()
            for d, k in zip(days, steps, strict=True)
        ]
        assert bulk.tolist() == scalar


def test_bulk_scalar_n_swapped_saturday_and_nat() -> None:
    received = np.array(["2026-03-13", "2026-03-14", "NaT", "2026-02-14"], dtype="datetime64[D]")
    assert ADMIN.bulk_add_working_days(received, 1).tolist() == [
        SWAPPED_SATURDAY,
        dt.date(2026, 3, 16),
        None,
        dt.date(2026, 2, 24),
    ]
    assert CAL.bulk_add_working_days(received, 0)[1] == np.datetime64("2026-03-16")
    assert ADMIN.bulk_add_working_days(received, 0)[1] == np.datetime64("2026-03-14")
    with pytest.raises(ValueError, match="within"):
        CAL.bulk_add_working_days(np.array(["1980-01-01"], dtype="datetime64[D]"), 1)
    with pytest.raises(ValueError, match="after"):
        CAL.bulk_add_working_days(np.array(["2100-12-30"], dtype="datetime64[D]"), 10)
    with pytest.raises(TypeError):
        CAL.bulk_add_working_days(np.array([1, 2]), 1)


# ---- properties ----------------------------------------------------------------------------------

calendars = st.sampled_from([CAL, ADMIN])
zones = st.sampled_from([None, VN, dt.UTC, ZoneInfo("Europe/Paris"), dt.timezone(dt.timedelta(hours=-5))])
moments = st.builds(
    lambda naive, tz: naive if tz is None else naive.replace(tzinfo=tz),
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 12, 31)),
    zones,
)
# Bias towards the administered March 2026 window so the admin swaps are exercised.
near_swaps = st.datetimes(min_value=dt.datetime(2026, 2, 10), max_value=dt.datetime(2026, 3, 20)).map(
    lambda naive: naive.replace(tzinfo=VN)
)
any_moment = st.one_of(moments, near_swaps)
day_counts = st.integers(min_value=0, max_value=60)
delays = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=20))
hour_amounts = st.one_of(
    st.integers(min_value=0, max_value=120),
    st.floats(min_value=0, max_value=120, allow_nan=False),
    st.decimals(min_value=0, max_value=120, places=3),
    st.integers(min_value=0, max_value=120 * 60).map(lambda m: dt.timedelta(minutes=m)),
)


def _as_hours(amount: object) -> float:
    return amount.total_seconds() / 3600 if isinstance(amount, dt.timedelta) else float(amount)  # type: ignore[arg-type]


@PROPS
@given(calendars, any_moment, day_counts)
def test_due_is_close_of_a_working_day_and_not_before_receipt(cal: WorkCalendar, received, n: int) -> None:
    due = cal.add_working_days(received, n)
    assert_close_of_working_day(cal, due)
    assert due >= aware(received)
    assert_close_of_working_day(cal, cal.same_day_due(received))
    assert cal.same_day_due(received) >= aware(received)


@PROPS
@given(calendars, any_moment, st.integers(min_value=1, max_value=60))
def test_one_more_day_is_the_next_working_day(cal: WorkCalendar, received, n: int) -> None:
    this, following = cal.add_working_days(received, n), cal.add_working_days(received, n + 1)
    assert following.date() == cal.next_working_day(this.date())
    assert following > this


@PROPS
@given(calendars, any_moment)
def test_same_day_versus_one_day(cal: WorkCalendar, received) -> None:
    # Between the cutoff (15:00) and the close (17:00) both give the next working day, so only "not earlier".
    same_day, one_day = cal.add_working_days(received, 0), cal.add_working_days(received, 1)
    assert one_day >= same_day
    assert one_day.date() in (same_day.date(), cal.next_working_day(same_day.date()))


@PROPS
@given(calendars, any_moment, delays, day_counts)
def test_monotonic_in_receipt_time(cal: WorkCalendar, received, delay: dt.timedelta, n: int) -> None:
    later = received + delay if received.tzinfo is None else received.astimezone(dt.UTC) + delay
    assert cal.add_working_days(later, n) >= cal.add_working_days(received, n)
    assert cal.same_day_due(later) >= cal.same_day_due(received)
    assert cal.due(later, n) >= cal.due(received, n)
    assert cal.add_working_hours(later, 3) >= cal.add_working_hours(received, 3)


@PROPS
@given(calendars, any_moment, day_counts, day_counts)
def test_monotonic_in_days(cal: WorkCalendar, received, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert cal.due(received, high) >= cal.due(received, low)


@PROPS
@given(calendars, any_moment, hour_amounts, hour_amounts)
def test_working_hours_inside_office_and_monotonic(cal: WorkCalendar, received, a, b) -> None:
    first, second = cal.add_working_hours(received, a), cal.add_working_hours(received, b)
    assert_in_office(cal, first)
    assert_in_office(cal, second)
    assert first >= aware(received)
    if _as_hours(a) <= _as_hours(b):
        assert first <= second


def _office_time_between(cal: WorkCalendar, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    total = dt.timedelta(0)
    day = start.date()
    while day <= end.date():
        if cal.is_working_day(day):
            for p_start, p_end in cal.periods:
                lo = max(start, dt.datetime.combine(day, p_start, tzinfo=cal.tz))
                hi = min(end, dt.datetime.combine(day, p_end, tzinfo=cal.tz))
                total += max(hi - lo, dt.timedelta(0))
        day += dt.timedelta(days=1)
    return total


@PROPS
@given(
    calendars, near_swaps, st.integers(min_value=0, max_value=60 * 60).map(lambda m: dt.timedelta(minutes=m))
)
def test_working_hours_count_exactly_the_office_time(cal: WorkCalendar, received, amount) -> None:
    result = cal.add_working_hours(received, amount)
    assert _office_time_between(cal, received, result) == amount


def test_working_time_between_counts_office_periods_of_working_days_only():
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    cal = WorkCalendar.build()
    friday = dt.datetime(2026, 12, 11, 16, 0, tzinfo=tz)
    monday = dt.datetime(2026, 12, 14, 8, 30, tzinfo=tz)
    # 16:00–17:00 on Friday, the weekend counts nothing, 07:30–08:30 on Monday.
    assert cal.working_time_between(friday, monday) == dt.timedelta(hours=2)
    assert cal.working_time_between(monday, friday) == dt.timedelta()
    # The inverse of add_working_hours, across the lunch break and a weekend.
    end = cal.add_working_hours(friday, dt.timedelta(hours=13, minutes=20))
    assert cal.working_time_between(friday, end) == dt.timedelta(hours=13, minutes=20)


# ---- a clock stopped, then started again -----------------------------------------------------------


def test_a_day_limit_moves_by_the_office_time_waited_to_the_minute():
    """The time the applicant takes is not counted (Decree 61/2018, art. 19): a limit that ended at the
    close of a day moves by the office time of the wait, to the minute, not by whole days (a short wait
    rounded to nothing left a dossier paused ten minutes before its close late the moment it resumed)."""
    friday_close = at(2026, 11, 27, 17)  # a limit in working days ends at the close of a day
    paused = at(2026, 11, 25, 9)
    # Twenty seconds of waiting: nothing to give back.
    assert CAL.due_after_pause(friday_close, paused, paused + dt.timedelta(seconds=20)) == friday_close
    # Two and a half office hours (9:00-11:30; the lunch break is no office time): Monday 10:00.
    assert CAL.due_after_pause(friday_close, paused, at(2026, 11, 25, 12, 30)) == at(2026, 11, 30, 10)
    # Four office hours: Monday 11:30.
    assert CAL.due_after_pause(friday_close, paused, at(2026, 11, 25, 14, 30)) == at(2026, 11, 30, 11, 30)
    # Two full working days (Wednesday 9:00 to Friday 9:00): two days later, at a close again.
    assert CAL.due_after_pause(friday_close, paused, at(2026, 11, 27, 9)) == at(2026, 12, 1, 17)
    # A weekend of waiting is no office time at all.
    assert CAL.due_after_pause(friday_close, at(2026, 11, 28, 9), at(2026, 11, 30, 7)) == friday_close
    # Paused ten minutes before the close, papers brought the next morning at 8:00: the ten minutes left
    # and the half hour of Friday morning waited are given back.
    thursday_close = at(2026, 11, 26, 17)
    assert CAL.due_after_pause(thursday_close, at(2026, 11, 26, 16, 50), at(2026, 11, 27, 8)) == at(
        2026, 11, 27, 8, 10
    )


def test_an_hour_limit_moves_by_the_wait_to_the_minute():
    due = at(2026, 11, 25, 15, 10)  # a limit in working hours: any time of the day
    paused = at(2026, 11, 25, 9)
    assert CAL.due_after_pause(due, paused, paused + dt.timedelta(seconds=20)) == due
    assert CAL.due_after_pause(due, paused, paused + dt.timedelta(minutes=2, seconds=10)) == at(
        2026, 11, 25, 15, 12
    )
    # Two office hours move 15:10 past the close (17:00) into the next morning: 110 minutes left at 17:00,
    # then 10 more from 07:30.
    assert CAL.due_after_pause(due, paused, at(2026, 11, 25, 11)) == at(2026, 11, 26, 7, 40)
