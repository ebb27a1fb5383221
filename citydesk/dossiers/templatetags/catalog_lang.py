"""Language of parts (WCAG 3.1.2) for catalog texts: on an English page, a procedure's name, field, paper or
step with no English version falls back to the official Vietnamese text, which is marked `lang="vi"` so
that a screen reader reads it with a Vietnamese voice. On Vietnamese pages the text is output as it is.

    {% load catalog_lang %}
    {{ d.label|in_lang:d.label_lang }}   the text, in <span lang="vi"> when `label_lang` says so
    {{ d.copies|vietnamese }}            a text that exists in Vietnamese only (copies, fee note…)
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

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
