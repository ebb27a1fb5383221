"""Personal contacts a citizen typed into a text meant for the public: hidden on public views.

A description such as "Gọi tôi 0987 654 321 hoặc an.nguyen@gmail.com" stays whole for the officers who
handle it; the public page, the map, Open311 and the public API show "[đã ẩn số điện thoại]" in its place
(Decree 13/2023 on personal data: a phone number identifies a person). Only what reads as a Vietnamese
phone number (0 or +84 and 9 or 10 more digits, grouped with spaces, dots or dashes), an e-mail address or
an identity card number (the 12-digit CCCD anywhere, the 9-digit CMND after its label) is hidden: house
numbers (18/4), dates (24/11/2026), sums (1.000.000 đồng) and the 1022 hotline stay.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with single separators, optionally "+84" or "(028)" in front; checked by its digits below.
# It may touch letters and slashes ("sđt0987654321", "0987654321/0912345678": two numbers): house numbers
# (18/4) and dates are short groups that the digit check refuses. Not the middle of a longer run of digits,
# nor the decimals of a number (10,0987654321).
_PHONE_LIKE = re.compile(r"(?<!\d)(?<!\d[.,])(?:\+\s?)?\(?\d(?:[ .\-]?\(?\)?\s?\d){7,13}(?!\d|[.,]\d)")


def _is_phone(candidate: str) -> bool:
    digits = "".join(ch for ch in candidate if ch.isdigit())
    if digits.startswith("84") and candidate.lstrip("(").startswith(("+", "84")):
        return len(digits) in (11, 12)
    return digits.startswith("0") and len(digits) in (10, 11)


def _is_identity_number(candidate: str) -> bool:
    """A citizen identity card number (CCCD, personal identification number): 12 digits, the first three
    the province of birth (001–096)."""
    digits = "".join(ch for ch in candidate if ch.isdigit())
    return len(digits) == 12 and digits.startswith("0") and not candidate.lstrip("(").startswith("+")


# The old 9-digit identity card (CMND) reads like any number: hidden only after its label.
_LABELLED_OLD_ID = re.compile(
    r"(?i)\b(cmnd|cmt|chứng minh(?: nhân dân| thư)?|cccd|căn cước(?: công dân)?|số định danh)(\s*(?:số|:|là)?\s*)"
    r"(\d(?:[ .]?\d){8})(?!\d)"
)


def _hide_number(match: re.Match[str]) -> str:
    candidate = match.group()
    if _is_identity_number(candidate):
        return _("[identity number hidden]")
    return _("[phone number hidden]") if _is_phone(candidate) else candidate


def hide_contacts(text: str) -> str:
    """`text` with its phone numbers, e-mail addresses and identity card numbers replaced by a short note
    saying so."""
    if not text or not any(ch.isdigit() or ch == "@" for ch in text):
        return text
    text = _EMAIL.sub(lambda m: _("[e-mail address hidden]"), text)
    text = _PHONE_LIKE.sub(_hide_number, text)
    return _LABELLED_OLD_ID.sub(lambda m: m.group(1) + m.group(2) + _("[identity number hidden]"), text)
