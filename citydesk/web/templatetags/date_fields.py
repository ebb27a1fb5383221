"""Date fields typed day first (dd/mm/yyyy) whatever the browser's language.

A native `<input type="date">` writes its date in the browser's own format: mm/dd/yyyy in a browser set
to US English, which many officers' machines are, on a Vietnamese page. The date fields of our pages are
text fields that show and take dd/mm/yyyy (the forms read it in both languages, and ISO dates from links
and bookmarks too). Usage::

    {% load date_fields %}
    <input id="f-from" name="received_from" {% date_attrs %} value="{{ form.received_from.value|day_first }}">
    <input id="received" name="received" {% date_attrs "moment" %} value="…">   dd/mm/yyyy hh:mm
    <input id="f-month" name="from" {% date_attrs "month" %} value="…">         mm/yyyy

The fields open a phone's numeric keypad, and an iPhone's has digits only: no “/”, “:” or space. So the
fields take the digits alone as well (20112026, 251120260930, 112026), and the “.” and “-” an Android
keypad offers (20.11.2026, 20-11-2026): `typed_day`, `typed_moment` and `typed_month` turn what was typed
into the forms the parsers read, and `DayFirstDateField` is a form's date field that does it. With
JavaScript (files.js) the separators also appear as one types (`data-typed` says which shape).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms, template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_noop

register = template.Library()

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# A day typed on a keypad: digits only (ddmmyyyy), or with “/”, “.” or “-” between day, month and year.
_DAY = re.compile(r"(?:(\d{2})(\d{2})|(\d{1,2})[./-](\d{1,2})[./-])(\d{4})")
# A time: hhmm, or hh:mm / hh.mm / hhhmm.
_TIME = re.compile(r"(\d{2})(\d{2})|(\d{1,2})[:.hH](\d{2})")
# A day and a time: ddmmyyyyhhmm, or the day and the time above with a space (or nothing) between.
_MOMENT = re.compile(r"(?P<day>\d{8}|\d{1,2}[./-]\d{1,2}[./-]\d{4})[\sT,]*(?P<time>\d{4}|\d{1,2}[:.hH]\d{2})")
# A month: mmyyyy, or mm/yyyy, mm.yyyy, mm-yyyy.
_MONTH = re.compile(r"(\d{2})(\d{4})|(\d{1,2})[./-](\d{4})")
# Digits alone are read only with a year in this range: 20110105 read as yyyymmdd would otherwise be
# 20 November of the year 105, not refused.
_DIGIT_YEARS = range(1900, 2101)

_SHAPES = {
    # kind: (placeholder msgid, maxlength)
    "date": (gettext_noop("dd/mm/yyyy"), 10),
    "moment": (gettext_noop("dd/mm/yyyy hh:mm"), 19),
    "month": (gettext_noop("mm/yyyy"), 7),
}


def typed_day(value: Any) -> Any:
    """A day typed on a phone's keypad as dd/mm/yyyy: 20112026, 20.11.2026 or 20-11-2026 → 20/11/2026.
    Anything else is returned as it was given (the parser then reads it, or refuses it)."""
    if not isinstance(value, str):
        return value
    match = _DAY.fullmatch(value.strip())
    if not match:
        return value
    day, month = (match[1], match[2]) if match[1] else (match[3], match[4])
    if match[1] and int(match[5]) not in _DIGIT_YEARS:
        return value
    return f"{int(day):02d}/{int(month):02d}/{match[5]}"


def typed_moment(value: Any) -> Any:
    """A day and time typed on a phone's keypad as dd/mm/yyyy hh:mm: 251120260930, 25.11.2026 09.30 →
    25/11/2026 09:30; a day alone as `typed_day`; anything else as it was given."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    match = _MOMENT.fullmatch(text)
    if not match:
        return typed_day(value)
    day = typed_day(match["day"])
    time = _TIME.fullmatch(match["time"])
    if "/" not in day or time is None:  # digits with an implausible year
        return value
    hour, minute = (time[1], time[2]) if time[1] else (time[3], time[4])
    return f"{day} {int(hour):02d}:{minute}"


def typed_month(value: Any) -> Any:
    """A month typed on a phone's keypad as mm/yyyy: 112026, 11.2026 or 11-2026 → 11/2026; anything else
    (2026-11 from a link, too) as it was given."""
    if not isinstance(value, str):
        return value
    match = _MONTH.fullmatch(value.strip())
    if not match:
        return value
    month, year = (match[1], match[2]) if match[1] else (match[3], match[4])
    if match[1] and int(year) not in _DIGIT_YEARS:
        return value
    return f"{int(month):02d}/{year}"


class DayFirstDateField(forms.DateField):
    """A form's date field that also reads a day typed on a phone's keypad (`typed_day`)."""

    def to_python(self, value: Any) -> dt.date | None:
        return super().to_python(typed_day(value))


@register.filter
def day_first(value: Any) -> str:
    """A date, an ISO date or a day typed on a keypad, as dd/mm/yyyy; anything else as it was typed
    ("" for none)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    text = "" if value is None else str(value).strip()
    match = _ISO.fullmatch(text)
    if match:
        year, month, day = match.groups()
        return f"{day}/{month}/{year}"
    return typed_day(text)


@register.simple_tag
def date_attrs(kind: str = "date") -> SafeString:
    """The attributes of a day-first field: text with a numeric keypad, its format as placeholder.
    `kind` is "date" (dd/mm/yyyy), "moment" (dd/mm/yyyy hh:mm) or "month" (mm/yyyy)."""
    placeholder, maxlength = _SHAPES.get(kind, _SHAPES["date"])
    return format_html(
        'type="text" class="date" inputmode="numeric" autocomplete="off" maxlength="{}" placeholder="{}"'
        ' data-typed="{}"',
        maxlength,
        gettext(placeholder),
        kind if kind in _SHAPES else "date",
    )
