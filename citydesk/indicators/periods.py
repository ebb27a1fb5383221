"""Reporting periods: a period is `(period_type, first day)` with period_type "M", "Q" or "Y".

Months are calendar months. Years and quarters follow the fiscal year, which starts on
`settings.CITYDESK_FISCAL_YEAR_START_MONTH` (default 1: the fiscal year is the calendar year, as in
Vietnam). A fiscal year is named after the calendar year in which it starts: with a start month of 10,
"2026" runs from 2026-10-01 to 2027-09-30 and "2026-Q1" is October–December 2026.

Pure functions (no database); errors are `DomainError(field="period")`.

A period that has not started yet (its first day is after today, local time) has no values: every
write of values refuses it (`check_started`), while plans may be set for it (they are targets), and the
dashboards never open on it by default.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from citydesk.core.errors import DomainError

MONTH = "M"
QUARTER = "Q"
YEAR = "Y"
PERIOD_TYPES = (MONTH, QUARTER, YEAR)
MONTHS_IN = {MONTH: 1, QUARTER: 3, YEAR: 12}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
# English names of the months ("Month 10/2026" reads oddly in English; "October 2026" does not).
ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")  # 2026-03: links, the API, file names
_QUARTER_RE = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_YEAR_RE = re.compile(r"^(\d{4})$")
# As the pages write them, month first (as the ratings' month fields): 03/2026, Q2/2026.
_MONTH_FIRST_RE = re.compile(r"^(\d{1,2})/(\d{4})$")
_QUARTER_FIRST_RE = re.compile(r"^[Qq]([1-4])/(\d{4})$")


# As the pages label them (`period_label`), compared accent-free and lower-case: "Tháng 9/2026",
# "Quý III/2026" (or "Quý 3/2026"), "Năm 2026"; in English "Q3 2026", "Year 2026" (a month named in words,
# "March 2026", stays refused: the field's hint asks for 03/2026).
_MONTH_LABEL_RE = re.compile(r"^(?:thang|month) ?(\d{1,2}) ?[/-] ?(\d{4})$")
_QUARTER_LABEL_RE = re.compile(r"^(?:quy|quarter|q) ?(iv|i{1,3}|[1-4]) ?[/ -] ?(\d{4})$")
_YEAR_LABEL_RE = re.compile(r"^(?:(?:ca )?nam|(?:whole )?year) ?(\d{4})$")
_ROMAN_NUMBER = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def fiscal_start_month() -> int:
    month = int(getattr(settings, "CITYDESK_FISCAL_YEAR_START_MONTH", 1) or 1)
    if not 1 <= month <= 12:
        raise DomainError(_("The fiscal year must start on a month from 1 to 12."), field="period")
    return month


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s month (negative goes back)."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def year_start(day: date) -> date:
    """The first day of the fiscal year that contains `day`."""
    start = fiscal_start_month()
    year = day.year if day.month >= start else day.year - 1
    return date(year, start, 1)


def quarter_start(day: date) -> date:
    """The first day of the fiscal quarter that contains `day`."""
    first = year_start(day)
    offset = (day.year * 12 + day.month - first.year * 12 - first.month) // 3 * 3
    return add_months(first, offset)


def period_of(period_type: str, day: date) -> date:
    """The first day of the period of this type that contains `day`."""
    _check_type(period_type)
    if period_type == MONTH:
        return month_start(day)
    if period_type == QUARTER:
        return quarter_start(day)
    return year_start(day)


def is_period_start(period_type: str, day: date) -> bool:
    return period_type in PERIOD_TYPES and period_of(period_type, day) == day


def quarter_number(day: date) -> int:
    """1–4: the fiscal quarter of `day`."""
    first = year_start(day)
    return (day.year * 12 + day.month - first.year * 12 - first.month) // 3 + 1


def parse_period(text: str) -> tuple[str, date]:
    """ "03/2026" or "2026-03" → ("M", 2026-03-01); "Q2/2026" or "2026-Q2" → ("Q", first day of Q2);
    "2026" → ("Y", …); and the labels the pages show: "Tháng 3/2026", "Quý II/2026", "Năm 2026"."""
    raw = (text or "").strip()
    month = _MONTH_RE.match(raw)
    month_first = _MONTH_FIRST_RE.match(raw)
    quarter = _QUARTER_RE.match(raw)
    quarter_first = _QUARTER_FIRST_RE.match(raw)
    if month or month_first:
        year, number = (
            (int(month.group(1)), int(month.group(2)))
            if month
            else (int(month_first.group(2)), int(month_first.group(1)))  # type: ignore[union-attr]
        )
        if 1 <= number <= 12:
            return MONTH, date(year, number, 1)
    elif quarter or quarter_first:
        year, number = (
            (int(quarter.group(1)), int(quarter.group(2)))
            if quarter
            else (int(quarter_first.group(2)), int(quarter_first.group(1)))  # type: ignore[union-attr]
        )
        return QUARTER, add_months(date(year, fiscal_start_month(), 1), (number - 1) * 3)
    elif m := _YEAR_RE.match(raw):
        return YEAR, date(int(m.group(1)), fiscal_start_month(), 1)
    elif labelled := _parse_label(raw):
        return labelled
    raise DomainError(
        _("“%(text)s” is not a period: write 03/2026, Q2/2026 or 2026.") % {"text": raw[:40]},
        field="period",
    )


def _parse_label(raw: str) -> tuple[str, date] | None:
    """A period written as the pages label it (`period_label`, in either language), or None."""
    from citydesk.lib.text import search_key

    text = search_key(raw)
    if m := _MONTH_LABEL_RE.match(text):
        number, year = int(m.group(1)), int(m.group(2))
        return (MONTH, date(year, number, 1)) if 1 <= number <= 12 else None
    if m := _QUARTER_LABEL_RE.match(text):
        number = _ROMAN_NUMBER.get(m.group(1)) or int(m.group(1))
        return QUARTER, add_months(date(int(m.group(2)), fiscal_start_month(), 1), (number - 1) * 3)
    if m := _YEAR_LABEL_RE.match(text):
        return YEAR, date(int(m.group(1)), fiscal_start_month(), 1)
    return None


def period_typed(period_type: str, day: date) -> str:
    """The period as a page's field shows it, month first: "03/2026", "Q2/2026", "2026"."""
    key = period_key(period_type, day)
    if period_type == MONTH:
        return f"{day.month:02d}/{day.year:04d}"
    if period_type == QUARTER:
        year, quarter = key.split("-")
        return f"{quarter}/{year}"
    return key


def period_key(period_type: str, day: date) -> str:
    """The inverse of `parse_period`: "2026-03", "2026-Q2", "2026"."""
    _check_type(period_type)
    if period_type == MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    if period_type == QUARTER:
        return f"{year_start(day).year:04d}-Q{quarter_number(day)}"
    return f"{year_start(day).year:04d}"


def period_label(period_type: str, day: date) -> str:
    """Vietnamese label: "Tháng 3/2026", "Quý II/2026", "Năm 2026" (through i18n); a month in English
    is named: "March 2026"."""
    _check_type(period_type)
    if period_type == MONTH:
        if _is_english():  # "October 2026", as an English reader writes a month
            return f"{ENGLISH_MONTHS[day.month - 1]} {day.year}"
        return _("Month %(month)d/%(year)d") % {"month": day.month, "year": day.year}
    if period_type == QUARTER:
        if _is_english():  # "Q3 2026", as an English reader writes a quarter
            return f"Q{quarter_number(day)} {year_start(day).year}"
        return _("Quarter %(quarter)s/%(year)d") % {
            "quarter": ROMAN[quarter_number(day)],
            "year": year_start(day).year,
        }
    return _("Year %(year)d") % {"year": year_start(day).year}


def months_of(period_type: str, day: date) -> list[date]:
    """The first days of the months that make up the period."""
    start = _start(period_type, day)
    return [add_months(start, i) for i in range(MONTHS_IN[period_type])]


def period_end(period_type: str, day: date) -> date:
    """The first day of the last month of the period."""
    return add_months(_start(period_type, day), MONTHS_IN[period_type] - 1)


def previous(period_type: str, day: date) -> date:
    """The period just before (the month, quarter or year before)."""
    return add_months(_start(period_type, day), -MONTHS_IN[period_type])


def following(period_type: str, day: date) -> date:
    return add_months(_start(period_type, day), MONTHS_IN[period_type])


def same_period_last_year(period_type: str, day: date) -> date:
    return add_months(_start(period_type, day), -12)


def ytd_months(period_type: str, day: date) -> list[date]:
    """The months from the start of the fiscal year to the end of the period (year to date)."""
    start = year_start(_start(period_type, day))
    end = period_end(period_type, day)
    count = end.year * 12 + end.month - start.year * 12 - start.month + 1
    return [add_months(start, i) for i in range(count)]


def periods_between(period_type: str, start: date, end: date) -> list[date]:
    """All periods of this type from the one containing `start` to the one containing `end`."""
    first, last = period_of(period_type, start), period_of(period_type, end)
    out: list[date] = []
    while first <= last:
        out.append(first)
        first = add_months(first, MONTHS_IN[period_type])
    return out


def check_fits(indicator: Any, period_type: str, day: date, *, derived: bool = False) -> None:
    """Refuse a period that is not a valid period of this kind or does not fit the indicator.

    Values are entered at the indicator's periodicity; with `derived=True` a coarser period is also
    accepted (quarter and year values computed from months)."""
    if period_type not in PERIOD_TYPES:
        raise DomainError(_("Unknown period type."), field="period")
    if not is_period_start(period_type, day):
        raise DomainError(
            _("%(day)s is not the first day of a period of this kind.") % {"day": day.isoformat()},
            field="period",
        )
    own = getattr(indicator, "periodicity", MONTH)
    fits = MONTHS_IN[period_type] >= MONTHS_IN[own] if derived else period_type == own
    if not fits:
        raise DomainError(
            _("Indicator %(code)s is reported by %(expected)s, not by %(given)s.")
            % {
                "code": getattr(indicator, "code", "?"),
                "expected": _type_name(own),
                "given": _type_name(period_type),
            },
            field="period",
        )


def current(period_type: str, today: date | None = None) -> date:
    """The period of this type under way today (local time): the newest one that has started."""
    return period_of(period_type, today or timezone.localdate())


def has_started(period_type: str, day: date, today: date | None = None) -> bool:
    return _start(period_type, day) <= current(period_type, today)


def check_started(period_type: str, day: date, *, today: date | None = None) -> None:
    """Refuse a period that has not started yet: there can be no value for it (a plan is a target and
    may be set for any period; the services that store plans do not call this)."""
    if not has_started(period_type, day, today):
        raise DomainError(
            _("%(period)s has not started yet: values can only be recorded for periods that have begun.")
            % {"period": period_label(period_type, day)},
            field="period",
        )


def _type_name(period_type: str) -> str:
    return {MONTH: _("month"), QUARTER: _("quarter"), YEAR: _("year")}.get(period_type, period_type)


def _is_english() -> bool:
    return (get_language() or "").lower().startswith("en")


def _check_type(period_type: str) -> None:
    if period_type not in PERIOD_TYPES:
        raise DomainError(_("Unknown period type."), field="period")


def _start(period_type: str, day: date) -> date:
    _check_type(period_type)
    return period_of(period_type, day)
