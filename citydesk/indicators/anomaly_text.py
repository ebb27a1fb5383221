"""Plain-words explanations of findings ("bằng 3,8 lần mức thường thấy của tháng 3 ở Phường Bến Thành"),
in the active language with its numbers (1.234,5 in Vietnamese, 1,234.5 in English).

A finding stores its explanation in the platform's language (the scan and the entry check write it so);
the pages write it again in the reader's language from the finding's own figures (`describe`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from citydesk.indicators.display import MINUS, decimals_of, is_english, uom_of
from citydesk.indicators.periods import ENGLISH_MONTHS


def vn_number(x: float, decimals: int = 1) -> str:
    """1234.5 → "1.234,5"; whole numbers keep no decimals; large numbers keep 1 decimal at most."""
    if abs(x) >= 100:
        decimals = 0 if abs(x - round(x)) < 0.05 or abs(x) >= 1000 else min(decimals, 1)
    text = f"{x:,.{decimals}f}"
    if decimals and "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text.replace("-", MINUS)  # the minus sign of the indicator pages


def number(x: float, decimals: int = 1) -> str:
    """`vn_number`'s rounding, written the active language's way ("1.234,5" / "1,234.5")."""
    text = vn_number(x, decimals)
    if is_english():
        text = text.replace(".", "\x00").replace(",", ".").replace("\x00", ",")
    return text


def unit_name(org: Any) -> str:
    """The place a finding is about: the administrative unit's name when the organisation has one."""
    return org.admin_unit.name if getattr(org, "admin_unit_id", None) else org.name


def describe(finding: Any) -> str:
    """A finding's (or an entry check's hit's) explanation in the active language, from its figures; the
    stored text when it lacks the expected value it compares with."""
    if finding.expected is None:
        return finding.explanation
    args = {
        "value": float(finding.value),
        "uom": uom_of(finding.indicator),
        "unit": unit_name(finding.unit),
        "decimals": decimals_of(
            finding.indicator
        ),  # a count's usual level is a whole number: "89", not "88,6"
    }
    if finding.method == "jump":
        from citydesk.indicators.periods import period_label

        return explain_jump(
            **args,
            previous=float(finding.expected),
            period=period_label(finding.period_type, finding.period),
        )
    explain = explain_peer if finding.method == "peer" else explain_seasonal
    return explain(**args, expected=float(finding.expected), month=finding.period.month)


def month_label(month: int) -> str:
    """ "tháng 10" in Vietnamese; the month's name ("October") in English."""
    if is_english():
        return ENGLISH_MONTHS[month - 1]
    return _("month %(n)s") % {"n": month}


def explain_seasonal(
    *, value: float, expected: float, uom: str, month: int, unit: str, decimals: int = 1
) -> str:
    if expected > 0 and 0 <= value < expected:  # below: a share reads better than “0,5 times”
        return _(
            "The value %(value)s %(uom)s is only about %(pct)s%% of the usual level of %(month)s in %(unit)s "
            "(about %(expected)s %(uom)s)."
        ) % {
            "value": number(value, decimals),
            "uom": uom,
            "pct": number(round(value / expected * 100), 0),
            "month": month_label(month),
            "unit": unit,
            "expected": number(expected, decimals),
        }
    if expected > 0 and value >= 0:
        ratio = value / expected
        return _(
            "The value %(value)s %(uom)s is %(ratio)s times the usual level of %(month)s in %(unit)s "
            "(about %(expected)s %(uom)s)."
        ) % {
            "value": number(value, decimals),
            "uom": uom,
            "ratio": number(ratio, 1),
            "month": month_label(month),
            "unit": unit,
            "expected": number(expected, decimals),
        }
    return _(
        "The value %(value)s %(uom)s is far from the usual level of %(month)s in %(unit)s "
        "(about %(expected)s %(uom)s)."
    ) % {
        "value": number(value, decimals),
        "uom": uom,
        "month": month_label(month),
        "unit": unit,
        "expected": number(expected, decimals),
    }


def explain_peer(*, value: float, expected: float, uom: str, month: int, unit: str, decimals: int = 1) -> str:
    return _(
        "In %(month)s, %(unit)s moved away from its usual level (%(value)s %(uom)s against about "
        "%(expected)s %(uom)s) much more than the other units did."
    ) % {
        "value": number(value, decimals),
        "uom": uom,
        "month": month_label(month),
        "unit": unit,
        "expected": number(expected, decimals),
    }


def explain_jump(
    *, value: float, previous: float, uom: str, period: str, unit: str, decimals: int = 1
) -> str:
    return _(
        "The value %(value)s %(uom)s of %(period)s in %(unit)s jumps far from the usual change "
        "(the comparable period had %(previous)s %(uom)s)."
    ) % {
        "value": number(value, decimals),
        "uom": uom,
        "period": period,
        "unit": unit,
        "previous": number(previous, decimals),
    }
