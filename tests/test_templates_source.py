"""Checks of the templates' source that no page test would catch everywhere."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "citydesk"

# Django's `{# … #}` comments end at the end of their line: one spread over two lines is printed on the page.
_OPEN_COMMENT = re.compile(r"\{#(?:(?!#\}).)*$", re.MULTILINE)


def test_no_one_line_comment_spreads_over_two_lines():
    templates = sorted(ROOT.rglob("templates/**/*.html"))
    assert len(templates) > 50
    broken = [
        f"{path.relative_to(ROOT)}:{path.read_text(encoding='utf-8')[: m.start()].count(chr(10)) + 1}"
        for path in templates
        for m in _OPEN_COMMENT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert broken == [], "use {% comment %} for comments of more than one line"
