"""Date fields typed day first (dd/mm/yyyy) whatever the browser's language.

A native `<input type="date">` writes its date in the browser's own format: mm/dd/yyyy in a browser set
to US English, which many officers' machines are, on a Vietnamese page. The date fields of our pages are
text fields that show and take dd/mm/yyyy (the forms read it in both languages, and ISO dates from links
and bookmarks too). Usage::

    {% load date_fields %}
    <input id="f-from" name="received_from" {% date_attrs %} value="{{ form.received_from.value|day_first }}">
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@register.filter
def day_first(value: Any) -> str:
    """A date, or an ISO date as text, as dd/mm/yyyy; anything else as it was typed ("" for none)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    text = "" if value is None else str(value).strip()
    match = _ISO.fullmatch(text)
    if match:
        year, month, day = match.groups()
        return f"{day}/{month}/{year}"
    return text


@register.simple_tag
def date_attrs() -> SafeString:
    """The attributes of a day-first date field: text with a numeric keypad, its format as placeholder."""
    return format_html(
        'type="text" class="date" inputmode="numeric" autocomplete="off" maxlength="10" placeholder="{}"',
        gettext("dd/mm/yyyy"),
    )
