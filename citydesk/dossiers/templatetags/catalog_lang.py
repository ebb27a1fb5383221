"""Language of parts (WCAG 3.1.2) for catalog texts: on an English page, a procedure's name, field, paper or
step with no English version falls back to the official Vietnamese text, which is marked `lang="vi"` so
that a screen reader reads it with a Vietnamese voice. On Vietnamese pages the text is output as it is.

    {% load catalog_lang %}
    {{ d.label|in_lang:d.label_lang }}   the text, in <span lang="vi"> when `label_lang` says so
    {{ d.copies|vietnamese }}            a text that exists in Vietnamese only (fee note…)
    {{ d.copies|copies }}                a paper's number of copies: the usual wordings in English on
                                         English pages (“01 bản chính” → “1 original”), else as `vietnamese`
"""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from citydesk.dossiers.models import fallback_language

register = template.Library()


@register.filter(needs_autoescape=True)
def in_lang(text: Any, language: str, autoescape: bool = True) -> SafeString | str:
    """`text`, wrapped in `<span lang="…">` when `language` is set (the text is not in the page's
    language), else as it is."""
    if text in (None, ""):
        return ""
    if not language:
        return conditional_escape(text) if autoescape else text
    if not autoescape:
        text = mark_safe(text)  # the template turned escaping off: its text is output as it is
    return format_html('<span lang="{}">{}</span>', language, text)


@register.filter(needs_autoescape=True)
def vietnamese(text: Any, autoescape: bool = True) -> SafeString | str:
    """A catalog text that exists in Vietnamese only: marked `lang="vi"` on pages in another language."""
    return in_lang(text, fallback_language(""), autoescape=autoescape)


_COUNTED = re.compile(r"^0*(\d+)\s+(bản chính|bản sao|bộ)$")


def _counted(part: str) -> str | None:
    match = _COUNTED.match(part)
    if match is None:
        return None
    n, what = int(match[1]), match[2]
    if what == "bản chính":
        return ngettext("%(n)s original", "%(n)s originals", n) % {"n": n}
    if what == "bản sao":
        return ngettext("%(n)s copy", "%(n)s copies", n) % {"n": n}
    return ngettext("%(n)s set", "%(n)s sets", n) % {"n": n}


def copies_in_english(text: str) -> str | None:
    """The catalog's usual wordings of a paper's copies in English, or None for another wording."""
    phrases = {
        "xuất trình bản chính": gettext("show the original"),
        "theo số bản cần chứng thực": gettext("as many as are to be certified"),
    }
    parts = [p.strip() for p in re.split(r"\s*(?:,|;|\bvà\b)\s*", text.strip().lower()) if p.strip()]
    said = [phrases.get(p) or _counted(p) for p in parts]
    if not said or None in said:
        return None
    english = " and ".join(s for s in said if s)
    return english[:1].upper() + english[1:]


@register.filter(needs_autoescape=True)
def copies(text: Any, autoescape: bool = True) -> SafeString | str:
    """A paper's copies (“01 bản chính”): in English on English pages when it is one of the usual wordings,
    else the Vietnamese text, marked as such."""
    if text in (None, ""):
        return ""
    if (get_language() or "").startswith("en") and (english := copies_in_english(str(text))) is not None:
        return conditional_escape(english) if autoescape else english
    return vietnamese(text, autoescape=autoescape)
