"""Accessibility audit of the operations center (QA-A11Y section A): the live refresh is no live region
and can be paused (A1), the heat map's squares are reachable without a mouse (A2), the charts' links
have one name each (A3). The browser side is in tests/browser/test_ioc.py."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from citydesk.ioc.panels import donut
from tests.reports.conftest import BEN_THANH, submit_report

pytestmark = pytest.mark.django_db
URL = "/dieu-hanh/"


@pytest.fixture
def reports(personas, categories):
    now = timezone.now()
    for i in range(3):
        submit_report(when=now - timedelta(days=i + 1))
    submit_report(when=now - timedelta(days=2), lon=BEN_THANH[0] + 0.01, lat=BEN_THANH[1])  # ~1 km east
    submit_report(category="street_lighting", channel="hotline", when=now - timedelta(days=3))
    return personas


def _page(client, personas, **query: str) -> str:
    client.force_login(personas.leader)
    response = client.get(URL, {"period": "30d", **query})
    assert response.status_code == 200
    return response.content.decode()


# --- A1 ---------------------------------------------------------------------------------------------


def test_the_panels_are_no_live_region_and_a_status_line_and_pause_button_stand_by(client, reports):
    html = _page(client, reports)
    panels = re.search(r'<div id="ioc-panels"[^>]*>', html).group(0)
    assert "aria-live" not in panels and 'data-refresh="60"' in panels
    assert "aria-live" not in html.split('id="ioc-panels"')[1]  # nor inside them
    live = re.search(r'<div class="ioc-live" data-testid="ioc-live" hidden>(.*?)</div>', html, re.S)
    assert live, "the pause button and the status line, hidden until ioc.js shows them"
    assert re.search(r'<button type="button" id="ioc-pause" aria-pressed="false"', live.group(1))
    status = re.search(
        r'<p id="ioc-status"[^>]*role="status"[^>]*data-template="([^"]*)"></p>', live.group(1)
    )
    assert status and "{time}" in status.group(1)  # empty until a refresh: nothing to announce at load
    # The time the status line announces comes with the panels (the partial the refresh fetches).
    partial = client.get(URL, {"period": "30d", "partial": "1"}).content.decode()
    assert re.search(r'data-testid="generated" data-time="\d\d:\d\d"', partial)
    assert "ioc-pause" not in partial and "ioc-status" not in partial


def test_without_valid_filters_there_is_nothing_to_pause(client, reports):
    client.force_login(reports.leader)
    html = client.get(URL, {"start": "bad"}).content.decode()
    assert "ioc-pause" not in html


# --- A2 ---------------------------------------------------------------------------------------------


def test_the_busiest_squares_are_listed_with_the_link_a_click_opens(client, reports):
    html = _page(client, reports)
    heat = json.loads(re.search(r'id="ioc-heat-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    table = re.search(r'<table class="data" data-testid="hotspots">(.*?)</table>', html, re.S)
    assert table, "a hotspots table in the map's table view"
    rows = re.findall(
        r'<a href="([^"]+)" data-testid="hotspot">([^<]+)</a></th><td>([^<]+)</td>', table.group(1)
    )
    # Busiest first, each with the link ioc.js builds for a click on that square (placeholder replaced).
    expected = [
        heat["link"].replace("cell=" + heat["placeholder"], f"cell={cell}").replace("&", "&amp;")
        for _lat, _lon, _n, cell in heat["cells"]
    ]
    assert [href for href, _name, _n in rows] == expected
    assert [n for _href, _name, n in rows] == [str(c[2]) for c in heat["cells"]]
    assert rows[0][2] == "4"  # the Bến Thành square: three road reports and the lighting one
    assert "Phường Bến Thành" in rows[0][1]
    assert len({name for _href, name, _n in rows}) == len(rows), "each link has its own name"
    # The link lists the square's reports.
    client.force_login(reports.leader)
    queue = client.get(rows[0][0].replace("&amp;", "&"))
    assert queue.status_code == 200 and queue.content.decode().count('data-testid="queue-row"') == 4


def test_the_nearest_ward_centre_names_a_square():
    from citydesk.ioc.panels import _nearest_ward

    wards = [
        {"name": "A", "lat": 10.0, "lon": 106.0},
        {"name": "B", "lat": 10.0, "lon": 106.1},
        {"name": "C", "lat": None, "lon": None},
    ]
    assert _nearest_ward(10.0, 106.07, wards) == "B"
    assert _nearest_ward(10.0, 106.01, wards) == "A"
    assert _nearest_ward(10.0, 106.0, []) == ""


# --- A3 ---------------------------------------------------------------------------------------------


def test_bar_links_have_one_name_and_are_no_image(client, reports):
    html = _page(client, reports)
    section = re.search(r'data-testid="panel-category">(.*?)</section>', html, re.S).group(1)
    svgs = re.findall(r"<svg class=\"chart bars[^>]*>(.*?)</svg>", section, re.S)
    assert len(svgs) == 2
    assert 'role="img"' not in section
    table = re.search(r"<details>.*</details>", section, re.S).group(0)
    for svg in svgs:
        links = re.findall(r'<a href="([^"]+)" aria-label="([^"]+)">', svg)
        assert links and len(links) == svg.count("<a ")
        for href, name in links:
            label, value = name.rsplit(": ", 1)
            # The same link in the table view, with the same figure.
            assert re.search(
                rf'<a href="{re.escape(href)}">{re.escape(label)}</a></th><td>{re.escape(value)}</td>', table
            )
        # Everything inside a link is hidden, so its name is read once.
        assert svg.count('aria-hidden="true"') == 3 * len(links)


def test_donut_is_hidden_because_its_legend_has_the_same_links():
    slices = donut([("hotline", "Tổng đài 1022", 3405, "/x?a=1"), ("app", "Ứng dụng", 6700, "/y")])
    html = render_to_string("ioc/_donut.html", {"slices": slices, "label_id": "h"})
    svg = re.search(r'<svg class="donut"[^>]*>(.*?)</svg>', html, re.S)
    assert 'aria-hidden="true"' in svg.group(0) and 'role="img"' not in svg.group(0)
    ring = re.findall(r'<a href="([^"]+)" tabindex="-1">', svg.group(1))
    legend = re.findall(r'<a href="([^"]+)">', html.split("</svg>", 1)[1])
    assert ring == legend == ["/x?a=1", "/y"]
    assert "Tổng đài 1022: 3.405 (33,7%)" in html  # the hover title stays for the mouse


def test_the_category_filter_is_in_vietnamese_alphabetical_order(client, personas, categories):
    from citydesk.core.models import ServiceCategory

    for code, name in (("trees", "Cây xanh"), ("zebra", "Đèn tín hiệu"), ("water", "Cấp nước")):
        ServiceCategory.objects.create(code=code, domain="report", name=name, handled_by="ward")
    select = re.search(r'<select id="f-category".*?</select>', _page(client, personas), re.S).group(0)
    names = re.findall(r'<option value="\w+"\s*>([^<]+)</option>', select)
    # By code point "Chiếu sáng" came before "Cây xanh" and "Đèn" after "Hư hỏng".
    assert names == [
        "Cấp nước",
        "Cây xanh",
        "Chiếu sáng công cộng",
        "Đèn tín hiệu",
        "Hư hỏng mặt đường, ổ gà",
    ]
