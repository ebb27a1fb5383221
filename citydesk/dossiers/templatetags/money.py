"""Amounts of money kept on one line with their currency: “1.200.000 đ”, “1,200,000 VND”.

`services.common.vnd` writes the amount and its unit with a normal space (its text also goes into SMS
and e-mails, and tests and readers copy it as it is); on a page a narrow column then wrapped “đ” alone
onto the next line. Usage::

    {% load money %}
    {{ fee_text|money }}      1.200.000 đ in <span class="money"> (citydesk.css: never broken)
"""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# An amount (digits grouped with “.”, “,” or spaces), the space(s) after it, then the currency.
_AMOUNT = re.compile(r"\d[\d.,]*(?:[ \u00a0]\d{3})*[ \u00a0]+(?:đ|₫|VND|VNĐ)(?!\w)")


@register.filter(needs_autoescape=True)
def money(value: Any, autoescape: bool = True) -> SafeString:
    """The text (escaped) with each amount and its currency in `<span class="money">`: the line never
    breaks between them ("" for None)."""
    if value is None:
        return mark_safe("")
    text = str(conditional_escape(value) if autoescape else value)
    return mark_safe(_AMOUNT.sub(lambda m: f'<span class="money">{m[0]}</span>', text))
