"""The periods of the monthly counts: a month, or a whole year's total imported as such.

`RatingMonth.month` is the first day of a month for the live counts and most imported ones. A city that
only published a year's figures (seed 004: HCMC's 2019 totals) imports them as the **whole year**: the row's
`month` is then 31 December of that year, a day no monthly row has. The statistics name such a row
“Cả năm 2019” and count it only when the chosen months cover the whole year: a year's total cannot be split
into months, and filed under December it read as one month of 398,531 ratings.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _


def year_total(year: int) -> date:
    """The `month` of the row holding the whole of `year`."""
    return date(year, 12, 31)


def is_year_total(day: date) -> bool:
    return day.month == 12 and day.day == 31


def period_key(day: date) -> str:
    """The key of a month row in links and the API: “2019-12”; a year's total: “2019”."""
    return f"{day.year}" if is_year_total(day) else f"{day:%Y-%m}"


def period_label(day: date) -> str:
    """“12/2019”, or “Cả năm 2019” for a year's total."""
    return whole_year(day.year) if is_year_total(day) else f"{day:%m/%Y}"


def whole_year(year: int) -> str:
    return _("Whole year %(year)s") % {"year": year}


def first_month(day: date) -> date:
    """The first month a row counts: January for a year's total."""
    return date(day.year, 1, 1) if is_year_total(day) else day


def last_month(day: date) -> date:
    """The last month a row counts: December for a year's total."""
    return date(day.year, 12, 1) if is_year_total(day) else day
