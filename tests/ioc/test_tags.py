"""The operations center's template helpers."""

from __future__ import annotations

import json
import re

from django.template import Context, Template
from django.utils.html import json_script

from citydesk.ioc.templatetags.ioc_tags import json_data


def test_json_data_is_a_safe_script_element_that_reads_back_the_same():
    value = {
        "name": "Phường Bến Thành </script><script>alert(1)</script> & <b>",
        "cells": [[10.77, 106.7, 3, 123456], [21.03, 105.85, 1, 7]],
        "none": None,
    }
    html = json_data(value, "ioc-heat-data")
    assert html.startswith('<script id="ioc-heat-data" type="application/json">')
    body = re.fullmatch(r'<script id="ioc-heat-data" type="application/json">(.*)</script>', html, re.S)
    assert body is not None
    assert "<" not in body[1] and ">" not in body[1] and "&" not in body[1]  # cannot close the element
    assert "Bến Thành" in body[1]  # UTF-8, not \\u escapes
    assert json.loads(body[1]) == value
    # What the browser reads is what Django's json_script would give.
    django_body = re.fullmatch(r"<script[^>]*>(.*)</script>", json_script(value, "x"), re.S)
    assert json.loads(django_body[1]) == json.loads(body[1])


def test_json_data_escapes_the_element_id():
    assert json_data([], 'a"b').startswith('<script id="a&quot;b" ')


def test_figures_are_rounded_not_cut_and_grouped_the_vietnamese_way(settings):
    from django.utils import translation

    from citydesk.ioc.templatetags.ioc_tags import change, figure

    with translation.override("vi"):
        assert change(-4.4755, "%").endswith("4,5 điểm phần trăm")
        assert change(3.1731, "%").endswith("3,2 điểm phần trăm")
        assert change(255.56).endswith("255,6%")
        # No change reads "=", a character every font of the stylesheet has (not the fullwidth "＝").
        assert change(0.0, "%") == "= 0,0 điểm phần trăm"
        assert change(-0.04) == "= 0,0%"
        assert figure(7300.0, "%") == "7.300,0%"
        assert figure(1234567.4) == "1.234.567"
        assert figure(99.96, "%") == "100,0%"


def test_bar_counts_are_grouped_the_page_languages_way():
    from django.utils import translation

    from citydesk.ioc.panels import _count

    with translation.override("vi"):
        assert _count(1234567.0) == "1.234.567"
    with translation.override("en"):
        assert _count(1234567.0) == "1,234,567"


def test_a_count_compared_with_a_small_one_shows_the_difference_not_a_percentage():
    from django.utils import translation

    from citydesk.ioc.panels import SMALL_BASE, Card

    def card(value: float, previous: float, unit: str = "", higher: bool | None = None) -> Card:
        return Card("k", "label", value, unit, previous, None, higher)

    small = card(3.0, 1.0, higher=False)  # 3 overdue against 1: "+200%" would alarm for two reports
    assert small.vs_previous == 200.0 and small.diff_previous == 2.0 and small.tone_previous == "bad"
    from_zero = card(4.0, 0.0, higher=True)  # no percentage of nothing, but a difference
    assert (
        from_zero.vs_previous is None and from_zero.diff_previous == 4.0 and from_zero.tone_previous == "good"
    )
    large = card(300.0, float(SMALL_BASE))
    assert large.diff_previous is None and large.vs_previous == 1400.0
    assert card(80.0, 10.0, unit="%").diff_previous is None  # shares change in points, whatever the base
    assert card(30.0, 10.0, unit="h").diff_previous is None  # times in per cent
    assert card(3.0, None).diff_previous is None  # type: ignore[arg-type]
    rendered = Template("{% load ioc_tags %}{% change c.vs_previous c.unit c.diff_previous c.previous %}")
    with translation.override("vi"):
        assert rendered.render(Context({"c": small})) == "▲ 2 (từ 1)"
        assert rendered.render(Context({"c": card(1.0, 5.0)})) == "▼ 4 (từ 5)"
        assert rendered.render(Context({"c": card(2500.0, 2000.0)})) == "▲ 25,0%"
    with translation.override("en"):
        assert rendered.render(Context({"c": from_zero})) == "▲ 4 (from 0)"
