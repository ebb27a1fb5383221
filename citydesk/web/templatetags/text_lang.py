"""The language of what people wrote (WCAG 3.1.2 Language of Parts).

Citizens and officers write in Vietnamese, and the platform stores no language with their text. On a page
in another language (English), a screen reader would read that text with the page's voice and make it
unintelligible, unless the element says `lang="vi"`. Usage::

    {% load text_lang %}
    <p class="description"{{ report.description|lang_attr }}>{{ report.description|linebreaksbr }}</p>

`lang_attr` gives ` lang="vi"` (with its leading space, safe to put inside a tag) when the page is not in
Vietnamese and the text looks Vietnamese (`looks_vietnamese`), and "" otherwise: on a Vietnamese page, and
for text without a Vietnamese letter or tone mark ("OK", "12", an English sentence). Proper names are
Vietnamese too ("Phường Bến Thành"): put the filter on elements that hold what a person wrote, not on
labels that mix an English word with a name.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

# After NFD decomposition: the letter đ (no decomposition), the marks of ă (breve), â ê ô (circumflex),
# ơ ư (horn), and the five tone marks (grave, acute, tilde, hook above, dot below).
_VIETNAMESE_LETTERS = frozenset("đĐ")
_VIETNAMESE_MARKS = frozenset("\u0306\u0302\u031b\u0300\u0301\u0303\u0309\u0323")


_WORD = re.compile(r"[^\W\d_]+")
_ADDRESS = re.compile(r"\b(?:https?://|www\.)\S+|\S+@\S+", re.IGNORECASE)  # web and e-mail addresses
# Of the lower-case words of a Vietnamese sentence, most carry a mark (some, like "sang", "con", none); of
# an English sentence, none. Capitalised words are left out: they are the names an English message quotes
# ("… filed by Phan Thị Kép").
_VIETNAMESE_SHARE = 0.4


def _marked(word: str) -> bool:
    return any(
        ch in _VIETNAMESE_LETTERS or ch in _VIETNAMESE_MARKS for ch in unicodedata.normalize("NFD", word)
    )


def looks_vietnamese(text: Any) -> bool:
    """True when the text reads as Vietnamese: at least two in five of its lower-case words (web and e-mail addresses left out) carry a Vietnamese
    letter (đ, ă, â, ê, ô, ơ, ư) or tone mark; a text without lower-case words (a name, "PHƯỜNG BẾN THÀNH")
    when any word does. An English sentence naming Vietnamese people or places is English."""
    words = _WORD.findall(_ADDRESS.sub(" ", unicodedata.normalize("NFC", str(text or ""))))
    lower = [w for w in words if w[0].islower()]
    if lower:
        return sum(map(_marked, lower)) >= _VIETNAMESE_SHARE * len(lower)
    return any(map(_marked, words))


def page_is_vietnamese() -> bool:
    return (get_language() or "vi").lower().startswith("vi")


@register.filter(name="lang_attr", is_safe=True)
def lang_attr(text: Any) -> SafeString:
    """` lang="vi"` for Vietnamese text on a page in another language, "" otherwise (see the module)."""
    if page_is_vietnamese() or not looks_vietnamese(text):
        return mark_safe("")
    return mark_safe(' lang="vi"')
