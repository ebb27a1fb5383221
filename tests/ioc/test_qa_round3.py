"""What a QA round on the demo found in the operations center (fix3-ind)."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone

from citydesk.ioc import exports
from citydesk.reports.models import Report
from citydesk.reports.services import report_rate, report_transition
from tests.reports.conftest import submit_report

pytestmark = pytest.mark.django_db
URL = "/dieu-hanh/"


@pytest.fixture
def reports(personas, categories):
    """Reports of the last days; one resolved, rated unsatisfied and reopened, one resolved and closed."""
    now = timezone.now()
    for days in (1, 2, 3, 40, 400):
        submit_report(when=now - timedelta(days=days))
    for reopen in (True, False):
        code = submit_report(when=now - timedelta(days=5), channel="hotline").code
        report_transition(user=personas.head, code=code, action="assign", assignee="officer")
        report_transition(user=personas.officer, code=code, action="resolve", resolution="Đã vá")
        report = Report.objects.get(code=code)
        report_rate(code=code, level="unsatisfied", token=report.citizen_token, reopen=reopen)
    return personas


def _card(html: str, key: str) -> str:
    match = re.search(rf'data-testid="card-{key}">(.*?)</li>', html, re.S)
    assert match, key
    return match.group(1)


# --- 4. A preset and dates never silently disagree ------------------------------------------------


def test_dates_given_rule_and_the_period_select_says_so(client, reports):
    client.force_login(reports.leader)
    today = timezone.localdate()
    start = (today - timedelta(days=10)).isoformat()
    response = client.get(URL, {"period": "7d", "start": start, "end": today.isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["filters"].start.isoformat() == start  # the dates are what is counted
    select = re.search(r'<select id="f-period" name="period">(.*?)</select>', html, re.S).group(1)
    assert 'value="7d" selected' not in select and "selected" not in select  # "dates below" shown
    preset = client.get(URL, {"period": "7d"})
    assert preset.context["filters"].start == today - timedelta(days=6)
    assert 'value="7d" selected' in preset.content.decode()


# --- 19. A date that is not one: that error only ----------------------------------------------------


def test_an_invalid_date_is_the_only_error_said(client, reports):
    client.force_login(reports.leader)
    response = client.get(URL, {"start": "2026-13-01", "end": "2026-11-01"})
    assert response.status_code == 400
    errors = re.findall(r'<li data-field="(\w+)">', response.content.decode())
    assert errors == ["start"]


# --- 5, 6. The "still open" card is not compared; the reopened card's link lists its figure ---------


def test_still_open_is_not_compared_and_the_reopened_figure_matches_its_list(client, reports):
    client.force_login(reports.leader)
    html = client.get(URL, {"period": "30d"}).content.decode()
    still_open = _card(html, "open")
    assert 'data-testid="no-compare-open"' in still_open and "▲" not in still_open and "▼" not in still_open
    reopened = _card(html, "reopen")
    assert '<span class="value" data-testid="value-reopen">' in reopened  # a share: no list of its own
    detail = re.search(r'class="detail" href="([^"]+)" data-testid="detail-reopen">([^<]+)<', reopened)
    assert detail, reopened
    link, text = detail.group(1).replace("&amp;", "&"), detail.group(2)
    assert "status=reopened" in link and text.strip().startswith("1 ")
    queue = client.get(link + "&per_page=100").content.decode()
    assert len(re.findall(r'data-testid="queue-row"', queue)) == 1  # the number and the list agree

    cards = {c.key: c for c in client.get(URL, {"period": "30d"}).context["cards"]}
    assert cards["open"].vs_previous is None and cards["open"].vs_last_year is None
    assert not cards["open"].compare and cards["received"].compare


def test_the_exports_do_not_compare_the_still_open_card(client, reports, monkeypatch):
    client.force_login(reports.leader)
    book = openpyxl.load_workbook(BytesIO(client.get("/dieu-hanh/xuat.xlsx", {"period": "30d"}).content))
    rows = [r for r in book["Tổng quan"].iter_rows(min_row=2, values_only=True)]
    (open_row,) = [r for r in rows if r[0].startswith("Chưa kết thúc")]
    assert open_row[1] is not None and open_row[2:] == (None, None, None, None)
    # The brief: the HTML WeasyPrint is given (not rendered here).
    monkeypatch.setattr(exports, "load_weasyprint", lambda: None)
    monkeypatch.setattr(
        exports, "overview_pdf", lambda context, request: exports.brief_html(context).encode()
    )
    html = client.get("/dieu-hanh/ban-tin.pdf", {"period": "30d"}).content.decode()
    row = re.search(r'data-testid="brief-card-open">(.*?)</tr>', html, re.S).group(1)
    assert 'colspan="4"' in row and "▲" not in row and "▼" not in row
    assert 'class="chart bars bars-narrow"' in html and ".chart.bars-narrow { display: none; }" in html


# --- 7. The workbook's sheets in the page's language ------------------------------------------------


def test_english_workbook_has_english_sheet_names(client, reports):
    client.force_login(reports.leader)
    book = openpyxl.load_workbook(
        BytesIO(client.get("/dieu-hanh/xuat.xlsx", {"period": "30d"}, HTTP_ACCEPT_LANGUAGE="en").content)
    )
    assert book.sheetnames == [english for _vietnamese, english in exports.SHEETS]
    assert book.sheetnames[:2] == ["Filters", "Headline figures"]
    vi = openpyxl.load_workbook(BytesIO(client.get("/dieu-hanh/xuat.xlsx", {"period": "30d"}).content))
    assert vi.sheetnames == [vietnamese for vietnamese, _english in exports.SHEETS]


# --- 11, 13. Bar charts on a phone; digits grouped in the donuts ------------------------------------


def test_bar_charts_have_a_phone_layout(client, reports):
    client.force_login(reports.leader)
    html = client.get(URL, {"period": "30d"}).content.decode()
    drawn = 0
    for panel in ("panel-category", "panel-overdue", "panel-satisfaction"):
        section = re.search(rf'data-testid="{panel}">(.*?)</section>', html, re.S).group(1)
        if "<svg" not in section:
            continue  # nothing to show for these filters
        drawn += 1
        assert "bars-wide" in section and f'data-testid="{panel}-narrow"' in section
        narrow = re.search(r'<svg class="chart bars bars-narrow" viewBox="0 0 (\d+) ', section)
        assert narrow and int(narrow.group(1)) <= 375  # drawn at a phone's width: its 12 px text stays so
    assert drawn >= 1
    css = Path(exports.finders.find("ioc/ioc.css")).read_text(encoding="utf-8")
    assert (
        ".chart.bars-narrow, .chart.trend-narrow { display: none" in css
        and "@media (max-width: 40rem)" in css
    )


def test_the_trend_has_a_phone_layout(client, reports):
    client.force_login(reports.leader)
    html = client.get(URL, {"period": "30d"}).content.decode()
    section = re.search(r'data-testid="panel-trend">(.*?)</section>', html, re.S).group(1)
    wide = re.search(r'<svg class="chart trend-wide" viewBox="0 0 (\d+) [^>]*>(.*?)</svg>', section, re.S)
    narrow = re.search(r'<svg class="chart trend-narrow" viewBox="0 0 (\d+) [^>]*>(.*?)</svg>', section, re.S)
    assert wide and narrow and int(narrow.group(1)) <= 375 < int(wide.group(1))
    # The same figures in both: as many bars, the same dates and scales.
    for drawing in (wide, narrow):
        assert drawing.group(2).count('class="bar"') == 30
    labels = [
        re.findall(r'data-testid="trend-(?:x-label|y-tick|pct-tick)"[^>]*>([^<]+)<', d.group(2))
        for d in (wide, narrow)
    ]
    assert labels[0] == labels[1] and labels[0]


def test_donut_titles_group_thousands(client, reports):
    from django.template.loader import render_to_string

    from citydesk.ioc.panels import donut

    slices = donut([("hotline", "Tổng đài 1022", 3405, "/x"), ("app", "Ứng dụng", 6700, "/y")])
    html = render_to_string("ioc/_donut.html", {"slices": slices, "label_id": "h"})
    assert "Tổng đài 1022: 3.405 (33,7%)" in html and "<td>6.700</td>" in html
