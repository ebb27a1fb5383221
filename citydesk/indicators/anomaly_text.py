"""Plain-Vietnamese explanations of findings, with numbers in Vietnamese format (1.234,5)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from citydesk.indicators.display import MINUS


def vn_number(x: float, decimals: int = 1) -> str:
    """1234.5 → "1.234,5"; whole numbers keep no decimals; large numbers keep 1 decimal at most."""
    if abs(x) >= 100:
        decimals = 0 if abs(x - round(x)) < 0.05 or abs(x) >= 1000 else min(decimals, 1)
    text = f"{x:,.{decimals}f}"
    if decimals and "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text.replace("-", MINUS)  # the minus sign of the indicator pages


def month_label(month: int) -> str:
    return _("month %(n)s") % {"n": month}


def explain_seasonal(*, value: float, expected: float, uom: str, month: int, unit: str) -> str:
    if expected > 0 and value >= 0:
        ratio = value / expected
        return _(
            "The value %(value)s %(uom)s is %(ratio)s times the usual level of %(month)s in %(unit)s "
            "(about %(expected)s %(uom)s)."
        ) % {
            "value": vn_number(value),
            "uom": uom,
            "ratio": vn_number(ratio, 1 if ratio >= 0.1 else 2),
            "month": month_label(month),
            "unit": unit,
            "expected": vn_number(expected),
        }
    return _(
        "The value %(value)s %(uom)s is far from the usual level of %(month)s in %(unit)s "
        "(about %(expected)s %(uom)s)."
    ) % {
        "value": vn_number(value),
        "uom": uom,
        "month": month_label(month),
        "unit": unit,
        "expected": vn_number(expected),
    }


def explain_peer(*, value: float, expected: float, uom: str, month: int, unit: str) -> str:
    return _(
        "In %(month)s, %(unit)s moved away from its usual level (%(value)s %(uom)s against about "
        "%(expected)s %(uom)s) much more than the other units did."
    ) % {
        "value": vn_number(value),
        "uom": uom,
        "month": month_label(month),
        "unit": unit,
        "expected": vn_number(expected),
    }


def explain_jump(*, value: float, previous: float, uom: str, period: str, unit: str) -> str:
    return _(
        "The value %(value)s %(uom)s of %(period)s in %(unit)s jumps far from the usual change "
        "(the comparable period had %(previous)s %(uom)s)."
    ) % {
        "value": vn_number(value),
        "uom": uom,
        "period": period,
        "unit": unit,
        "previous": vn_number(previous),
    }
