"""Personal contacts a citizen typed into a text meant for the public: hidden on public views.

A description such as "Gọi tôi 0987 654 321 hoặc an.nguyen@gmail.com" stays whole for the officers who
handle it; the public page, the map, Open311 and the public API show "[đã ẩn số điện thoại]" in its place
(Decree 13/2023 on personal data: a phone number identifies a person). Only what reads as a phone number
by the platform's rule (`core.validators.normalize_phone`: 0, +84 or 0084 and 9 or 10 more digits, grouped
with spaces, dots, dashes or brackets, in ASCII or full-width digits; another country's after its "+"), an
e-mail address or an identity card number (the 12-digit CCCD anywhere, the 9-digit CMND after its label) is hidden: house
numbers (18/4), dates (24/11/2026), sums (1.000.000 đồng) and the 1022 hotline stay.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

from citydesk.core.errors import DomainError
from citydesk.core.validators import normalize_phone

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with single separators, optionally "+84" or "(028)" in front; checked by its digits below.
# It may touch letters and slashes ("sđt0987654321", "0987654321/0912345678": two numbers): house numbers
# (18/4) and dates are short groups that the digit check refuses. Not the middle of a longer run of digits,
# nor the decimals of a number (10,0987654321). A bracket may sit between two separators ("+84-(0)-912…");
# full-width digits, signs and brackets (a phone's keyboard in CJK mode) count as their ASCII forms.
_SEPARATOR = r"[ .\-．－]"
_PHONE_LIKE = re.compile(
    rf"(?<!\d)(?<!\d[.,])(?:[+＋]\s?)?[(（]?\d(?:{_SEPARATOR}?[(（]?[)）]?(?:{_SEPARATOR}|\s)?\d){{7,13}}"
    r"(?!\d|[.,]\d)"
)


def _is_phone(candidate: str) -> bool:
    """A phone number by the platform's one rule (`core.validators.normalize_phone`): a Vietnamese number in
    any of the forms people type ("0084 912 000 555", "+84-(0)-912-000-555", full-width digits), or
    another country's with its "+". Written in full: the rule also reads a number typed in a phone field
    without its leading 0 ("903 123 456"), but in a text that is a sum ("500.000.000 đồng") or a lot number."""
    compact = unicodedata.normalize("NFKC", candidate).lstrip("( ")
    digits = "".join(ch for ch in compact if ch.isdigit())
    if not (compact.startswith(("+", "0")) or (digits.startswith("84") and len(digits) >= 11)):
        return False
    try:
        return bool(normalize_phone(candidate, foreign=True))
    except DomainError:
        return False


def _is_identity_number(candidate: str) -> bool:
    """A citizen identity card number (CCCD, personal identification number): 12 digits, the first three
    the province of birth (001–096)."""
    candidate = unicodedata.normalize("NFKC", candidate)
    digits = "".join(ch for ch in candidate if ch.isdigit())
    return len(digits) == 12 and digits.startswith("0") and not candidate.lstrip("(").startswith("+")


# The old 9-digit identity card (CMND) reads like any number: hidden only after its label.
_LABELLED_OLD_ID = re.compile(
    r"(?i)\b(cmnd|cmt|chứng minh(?: nhân dân| thư)?|cccd|căn cước(?: công dân)?|số định danh)(\s*(?:số|:|là)?\s*)"
    r"(\d(?:[ .]?\d){8})(?!\d)"
)


# A group of digits in a run, with the sign or bracket that opens it.
_GROUP = re.compile(r"(?:[+＋]\s?)?[(（]?\d+")


def _note_for(candidate: str, *, identity: bool = True) -> str:
    """What hides `candidate` ("" when it is neither an identity card number nor a phone number)."""
    if identity and _is_identity_number(candidate):
        return _("[identity number hidden]")
    return _("[phone number hidden]") if _is_phone(candidate) else ""


def _hide_number(match: re.Match[str]) -> str:
    """A run of digit groups, hidden whole when it is a number to hide; else the numbers to hide inside it,
    between the groups around them: a house number run into a phone number ("nhà 45 0903 123 456",
    "(cạnh số 120) 0987.654.321") is not a reason to show it. The longest such number from the first group
    on wins. Inside a run, twelve digits are an identity card number only as one group: the last four
    groups of 1.000.000.000.000 đồng are not one."""
    run = match.group()
    note = _note_for(run)
    if note:
        return note
    groups = [m.span() for m in _GROUP.finditer(run)]
    shown, done, first = [], 0, 0
    while first < len(groups):
        for last in range(len(groups) - 1, first - 1, -1):
            start, end = groups[first][0], groups[last][1]
            note = _note_for(run[start:end], identity=first == last)
            if note:
                shown += [run[done:start], note]
                done, first = end, last
                break
        first += 1
    return "".join(shown) + run[done:]


def hide_contacts(text: str) -> str:
    """`text` with its phone numbers, e-mail addresses and identity card numbers replaced by a short note
    saying so."""
    if not text or not any(ch.isdigit() or ch == "@" for ch in text):
        return text
    text = _EMAIL.sub(lambda m: _("[e-mail address hidden]"), text)
    text = _PHONE_LIKE.sub(_hide_number, text)
    return _LABELLED_OLD_ID.sub(lambda m: m.group(1) + m.group(2) + _("[identity number hidden]"), text)
