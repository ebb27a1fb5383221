"""Numbers of the rating pages in the page's language: 381.922 and 99,24% in Vietnamese, 381,922 and
99.24% in English (Django's Vietnamese format has no digit grouping, so it is done here)."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import get_format
from django.utils.translation import get_language

register = template.Library()
_SEPARATORS: dict[str | None, tuple[str, str]] = {}


def _localize(text: str) -> str:
    """Swap Python's "," grouping and "." decimal point for the active language's separators."""
    language = get_language()
    separators = _SEPARATORS.get(language)
    if separators is None:  # get_format is slow: once per language
        separators = (
            str(get_format("THOUSAND_SEPARATOR")) or ",",
            str(get_format("DECIMAL_SEPARATOR")) or ".",
        )
        _SEPARATORS[language] = separators
    thousands, decimal = separators
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


@register.filter
def count(value: int | None) -> str:
    if value is None:
        return "—"
    return _localize(f"{int(value):,}")


@register.filter
def pct(value: Decimal | float | None) -> str:
    if value is None:
        return "—"
    return _localize(f"{Decimal(value):,.2f}") + "%"


@register.filter
def month_first(value: str) -> str:
    """A month from a link (2019-12) as the page writes it (12/2019); anything else as it was typed."""
    text = (value or "").strip()
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        return f"{text[5:]}/{text[:4]}"
    return text
