"""Communes and wards as the report forms and the hotline offer them.

A commune/ward is typed in a text field with a list of suggestions (`<datalist>`), not chosen in a
`<select>`: a select's type-ahead is accent-sensitive ("ben thanh" would pick "Bà Điểm"), while the
server resolves a typed name with or without accents (`forms.resolve_ward`). Each suggestion is

- its label, the proper name first and the division word after it in the reader's language
  ("Bến Thành (phường)", "Bến Thành (ward)"), which is what the field receives when it is picked;
- its search text, the label without accents plus the code ("ben thanh (phuong) · 26743"), so that the
  browser's list also finds it from unaccented typing or from the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from citydesk.core.models import AdminUnit, DivisionLevel
from citydesk.lib.text import search_key, sort_key

# The division words a commune-level unit's name starts with, longest first.
WARD_WORDS = ("đặc khu", "thị trấn", "phường", "xã")

# The division word shown after the proper name, in languages other than Vietnamese.
DIVISION_WORDS = {
    "đặc khu": _("(special zone)"),
    "thị trấn": _("(township)"),
    "phường": _("(ward)"),
    "xã": _("(commune)"),
}

# The same words in English (the msgids above), understood in a typed name whatever the page's language.
_ENGLISH = {"đặc khu": "special zone", "thị trấn": "township", "phường": "ward", "xã": "commune"}

_PARENTHESIS = re.compile(r"^(?P<name>.*?\S)\s*\((?P<inner>[^()]*)\)\s*$")


@dataclass(frozen=True)
class WardOption:
    code: str
    label: str  # "Bến Thành (phường)": what the field shows once picked
    search: str  # "ben thanh (phuong) · 26743": found by unaccented typing or by the code


def _vietnamese() -> bool:
    return (get_language() or "vi").startswith("vi")


def division_word(word: str) -> str:
    """A division word as shown after a proper name: "(phường)" in Vietnamese, "(ward)" in English; a word
    with no translation in its Vietnamese form."""
    word = word.lower()
    if not _vietnamese() and word in DIVISION_WORDS:
        return str(DIVISION_WORDS[word])
    return f"({word})"


def division_words() -> dict[str, str]:
    """Each Vietnamese division word and how a label shows it (for the page's script)."""
    return {word: division_word(word) for word in WARD_WORDS}


def ward_option_label(name: str, division_type: str = "") -> str:
    """A commune/ward as a list shows it: its proper name first ("Bến Thành (phường)" for "Phường Bến
    Thành", "Bến Thành (ward)" in English), so that typing its first letters finds it (every name starts
    with "Phường" or "Xã" otherwise). A name that does not start with its division word is shown as it is."""
    lowered = name.lower()
    for word in (division_type.lower(), *WARD_WORDS) if division_type else WARD_WORDS:
        if word and lowered.startswith(word + " ") and len(name) > len(word) + 1:
            return f"{name[len(word) + 1 :].strip()} {division_word(word)}"
    return name


def ward_options(province: str) -> list[WardOption]:
    """The province's communes and wards in Vietnamese order of their proper names, then of the division
    word: "An Phú (phường)" before "An Phú Đông (phường)", which the whole labels would turn around ("("
    is read past, "(phường)" compared with "Đông")."""
    wards = AdminUnit.objects.filter(level=DivisionLevel.WARD, province_id=province).values_list(
        "code", "name", "division_type"
    )
    options = []
    for code, name, kind in wards:
        label = ward_option_label(name, kind)
        options.append(WardOption(code=code, label=label, search=f"{search_key(label)} · {code}"))
    return sorted(options, key=_option_order)


def _option_order(option: WardOption) -> tuple:
    name, word = split_label(option.label)
    return (sort_key(name), sort_key(word), option.code)


def split_label(text: str) -> tuple[str, str]:
    """("Bến Thành", "phường") for "Bến Thành (phường)" or "Bến Thành (ward)"; ("Bến Thành", "26743") for
    "Bến Thành (26743)"; (text, "") for a text without a final parenthesis. The division word is given in
    Vietnamese whatever the language it was typed in; an unknown word is returned as typed."""
    parts = _PARENTHESIS.match(text.strip())
    if parts is None:
        return text.strip(), ""
    inner = parts["inner"].strip()
    key = search_key(inner)
    for word in WARD_WORDS:
        if key in {search_key(word), _ENGLISH[word], search_key(division_word(word).strip("()"))}:
            return parts["name"], word
    return parts["name"], inner


def has_division(unit: AdminUnit, word: str) -> bool:
    """The unit is a `word` ("phường", "xã"…): by the word its name starts with, else by its division type."""
    key = search_key(word)
    for known in WARD_WORDS:
        if unit.search_name.startswith(search_key(known) + " "):
            return search_key(known) == key
    return search_key(unit.division_type) == key
