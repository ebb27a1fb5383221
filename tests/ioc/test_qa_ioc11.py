"""QA round IOC-11 on the operations center: drill-downs under a status filter, the league table's
"needs attention", trend buckets inside the period, the overdue card not compared, the English
workbook's category, the map's key and the trend's axes, and the filter errors' row."""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from citydesk.core.models import Organisation
from citydesk.ioc import exports, panels
from citydesk.ioc.queries import Filters, Measures
from citydesk.reports.models import Report, Status
from citydesk.reports.services import report_transition
from tests.reports.conftest import submit_report

pytestmark = pytest.mark.django_db
URL = "/dieu-hanh/"


@pytest.fixture
def reports(personas, categories):
    """Six reports of the last days: two in progress (one overdue), one reopened, one overdue received,
    one resolved on time, one closed."""
    now = timezone.now()
    made = [submit_report(when=now - timedelta(days=days)) for days in (1, 2, 3, 4, 5, 6)]
    resolved = made[4].code
    report_transition(user=personas.head, code=resolved, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=resolved, action="resolve", resolution="Đã vá")
    Report.objects.filter(pk=made[0].pk).update(status=Status.IN_PROGRESS)
    Report.objects.filter(pk=made[1].pk).update(
        status=Status.IN_PROGRESS, escalated_at=now, due_at=now - timedelta(hours=1)
    )
    Report.objects.filter(pk=made[2].pk).update(status=Status.REOPENED, reopen_count=1)
    Report.objects.filter(pk=made[3].pk).update(escalated_at=now, due_at=now - timedelta(hours=1))
    Report.objects.filter(pk=made[5].pk).update(status=Status.CLOSED)
    return personas


def _cards(client, **query) -> dict:
    response = client.get(URL, {"period": "30d", **query})
    assert response.status_code == 200
    return {c.key: c for c in response.context["cards"]}, response.content.decode()


def _rows(client, link: str) -> int:
    queue = client.get(link.replace("&amp;", "&") + "&per_page=100").content.decode()
    return len(re.findall(r'data-testid="queue-row"', queue))


# --- 4. Drill-downs keep the status filter, or are no link ----------------------------------------


def test_without_a_status_filter_the_cards_link_their_lists(client, reports):
    client.force_login(reports.leader)
    cards, _html = _cards(client)
    assert (
        "status=open" in cards["open"].link and _rows(client, cards["open"].link) == cards["open"].value == 4
    )
    assert "status=overdue" in cards["overdue"].link
    assert _rows(client, cards["overdue"].link) == cards["overdue"].value == 2
    assert (
        "status=reopened" in cards["reopen"].detail_link and _rows(client, cards["reopen"].detail_link) == 1
    )


def test_the_overdue_card_also_counts_the_overdue_reports_received_before_the_period(client, reports):
    """The card counts the period's reports; one received 40 days ago and overdue since is named under it,
    with the queue's list of every overdue report (the period's dates left out)."""
    now = timezone.now()
    old = submit_report(when=now - timedelta(days=40))
    Report.objects.filter(pk=old.pk).update(escalated_at=now, due_at=now - timedelta(days=30))
    client.force_login(reports.leader)
    cards, html = _cards(client)
    overdue = cards["overdue"]
    assert overdue.value == 2 and _rows(client, overdue.link) == 2
    assert overdue.detail == "Tổng cộng 3 phản ánh đang quá hạn, kể cả phản ánh nhận trước kỳ này"
    assert "received_from" not in overdue.detail_link and "status=overdue" in overdue.detail_link
    assert _rows(client, overdue.detail_link) == 3
    assert 'data-testid="detail-overdue"' in html
    # Nothing older overdue: no second figure. A closed status: none either.
    Report.objects.filter(pk=old.pk).update(status=Status.CLOSED)
    assert _cards(client)[0]["overdue"].detail == ""
    assert _cards(client, status="closed")[0]["overdue"].detail == ""


def test_an_open_status_filter_is_kept_and_figures_it_cannot_list_are_no_links(client, reports):
    client.force_login(reports.leader)
    cards, html = _cards(client, status="in_progress")
    assert cards["open"].value == 2
    assert "status=in_progress" in cards["open"].link and "status=open" not in cards["open"].link
    assert _rows(client, cards["open"].link) == 2  # the figure and its list agree
    # One in progress is overdue: the queue cannot list "overdue and in progress" in one list.
    assert cards["overdue"].value == 1 and cards["overdue"].link == ""
    assert '<span class="value" data-testid="value-overdue">' in html
    # None in progress is being handled again: the figure (0) is no link to the reopened list.
    assert cards["reopen"].detail_link == ""
    assert '<span class="detail" data-testid="detail-reopen">' in html
    # The overdue-by-unit bars: no link to the overdue list of every status either.
    assert all(not b.link for b in client.get(URL, {"status": "in_progress"}).context["overdue_by_unit"].bars)


def test_a_closed_status_filter_links_no_open_figure(client, reports):
    client.force_login(reports.leader)
    cards, html = _cards(client, status="closed")
    assert cards["open"].value == 0 and cards["open"].link == ""
    assert cards["overdue"].value == 0 and cards["overdue"].link == ""
    assert cards["reopen"].detail_link == ""
    assert "status=closed" in cards["received"].link and _rows(client, cards["received"].link) == 1
    assert 'href="/xu-ly/?' not in re.search(r'data-testid="card-open">(.*?)</li>', html, re.S).group(1)


def test_the_reopened_and_open_status_filters_keep_their_links(client, reports):
    client.force_login(reports.leader)
    cards, _html = _cards(client, status="reopened")
    assert "status=reopened" in cards["open"].link and _rows(client, cards["open"].link) == 1
    assert "status=reopened" in cards["reopen"].detail_link
    assert cards["overdue"].link == ""
    cards, _html = _cards(client, status="open")
    assert "status=open" in cards["open"].link and "status=overdue" in cards["overdue"].link
    assert _rows(client, cards["overdue"].link) == cards["overdue"].value


def test_card_links_per_status():
    assert panels.card_links(None) == {
        "open": {"status": "open"},
        "overdue": {"status": "overdue"},
        "reopened_now": {"status": "reopened"},
    }
    assert panels.card_links("assigned") == {
        "open": {"status": "assigned"},
        "overdue": None,
        "reopened_now": None,
    }
    assert panels.card_links("resolved") == {"open": None, "overdue": None, "reopened_now": None}


# --- 6. The league table flags only units below the target ----------------------------------------


def _m(resolved: int, on_time: int, satisfied: int | None = None, unsatisfied: int = 0) -> Measures:
    values = {"n": resolved + 1, "resolved_n": resolved, "on_time_n": on_time}
    if satisfied is not None:
        values.update(rated_satisfied=satisfied, rated_unsatisfied=unsatisfied)
    return Measures(values)


def _league(by_unit: dict[int, Measures]) -> dict:
    units = {k: Organisation(pk=k, code=f"U{k}", name=f"Đơn vị {k:02d}") for k in by_unit}
    today = timezone.localdate()
    filters = Filters(start=today - timedelta(days=29), end=today)
    return panels._league(
        filters, by_unit, units, lambda **c: "/xu-ly/?" + "&".join(f"{k}={v}" for k, v in c.items())
    )


def _codes(rows: list[dict]) -> list[str]:
    return [r["unit"].code for r in rows]


def test_units_at_100_percent_are_never_flagged(personas):
    # Ten units, all on time; some rated, some not (QA: three 100 % units were "needs attention").
    by_unit = {k: _m(4, 4, satisfied=k % 3 if k % 2 else None, unsatisfied=1) for k in range(1, 11)}
    league = _league(by_unit)
    assert league["worst"] == [] and len(league["best"]) == 5
    sections = panels.league_sections(league)
    assert len(sections) == 2 and sections[1][1] == [] and sections[1][2]  # an empty table says why
    # Ties on the on-time share: the rated (best satisfaction first) before the unrated.
    rated = [r["m"].satisfaction_pct is not None for r in league["best"]]
    assert rated == sorted(rated, reverse=True)


def test_needs_attention_lists_the_units_below_target_the_furthest_first(personas):
    by_unit = {k: _m(10, 10, satisfied=5) for k in range(1, 7)}  # six at 100 %
    by_unit[7] = _m(10, 8, satisfied=1, unsatisfied=1)  # 80 %
    by_unit[8] = _m(10, 5)  # 50 %, no ratings
    by_unit[9] = _m(10, 5, satisfied=0, unsatisfied=2)  # 50 %, 0 % satisfied
    by_unit[10] = _m(10, 9, satisfied=9)  # 90 %: on target
    league = _league(by_unit)
    # Without ratings after 0 % satisfied at the same on-time share (as in the ranking): the last.
    assert _codes(league["worst"]) == ["U8", "U9", "U7"]
    assert all(r["m"].on_time_pct < panels.SLA_TARGET_PCT for r in league["worst"])
    assert all(r["m"].on_time_pct >= panels.SLA_TARGET_PCT for r in league["best"])
    best_figures = {(r["m"].on_time_pct, r["m"].satisfaction_pct) for r in league["best"]}
    assert not any((r["m"].on_time_pct, r["m"].satisfaction_pct) in best_figures for r in league["worst"])
    # Ranks in the whole ranking; equal figures share one.
    assert [r["rank"] for r in league["best"]] == [1, 1, 1, 1, 1]
    assert [r["rank"] for r in league["worst"]] == [10, 9, 8]


def test_with_every_unit_below_target_none_is_called_best(personas):
    by_unit = {k: _m(10, k) for k in range(1, 8)}  # 10 % … 70 %
    league = _league(by_unit)
    assert league["best"] == [] and _codes(league["worst"]) == ["U1", "U2", "U3", "U4", "U5"]
    assert panels.league_sections(league)[0][2]  # "no unit reached the target"


def test_the_league_sheet_holds_the_whole_ranking_and_flags_only_units_below_target(personas):
    """The page shows both ends of the ranking; the sheet showed them too, ranks 1…5 then 12, 11, 10, 9,
    which read as a numbering with holes. It lists every unit, best first."""
    by_unit = {k: _m(10, 10) for k in range(1, 9)}
    by_unit[9] = _m(10, 3)
    by_unit[10] = _m(10, 8)
    league = _league(by_unit)
    workbook = openpyxl.Workbook()
    exports._league_sheet(workbook, {"league": league, "league_sections": panels.league_sections(league)})
    rows = list(workbook.worksheets[-1].iter_rows(min_row=2, values_only=True))
    assert [row[2] for row in rows] == [f"U{k}" for k in range(1, 9)] + ["U10", "U9"]
    assert [row[0] for row in rows] == [1] * 8 + [9, 10]
    flagged = [row[2] for row in rows if row[3].startswith("dưới")]
    assert flagged == ["U10", "U9"]


def test_the_page_and_the_brief_show_the_sections_empty_text(client, reports, monkeypatch):
    client.force_login(reports.leader)
    response = client.get(URL, {"period": "30d"})
    sections = response.context["league_sections"]
    assert all(len(s) == 3 for s in sections)
    monkeypatch.setattr(exports, "load_weasyprint", lambda: None)
    monkeypatch.setattr(
        exports, "overview_pdf", lambda context, request: exports.brief_html(context).encode()
    )
    brief = client.get("/dieu-hanh/ban-tin.pdf", {"period": "30d"})
    assert brief.status_code == 200 and str(sections[0][0]) in brief.content.decode()


# --- 7. The trend's buckets lie inside the period -------------------------------------------------


@pytest.mark.parametrize(
    "start, end", [(date(2026, 8, 26), date(2026, 11, 23)), (date(2026, 5, 15), date(2026, 11, 23))]
)
def test_trend_buckets_are_clipped_to_the_period(personas, start, end):
    chart = panels.trend(Filters(start=start, end=end))
    assert chart.points[0]["start"] == start and chart.points[-1]["end"] == end
    assert all(start <= p["start"] <= p["end"] <= end for p in chart.points)
    # The buckets follow each other without gaps or overlaps.
    for a, b in zip(chart.points, chart.points[1:], strict=False):
        assert b["start"] == a["end"] + timedelta(days=1)


def test_the_trend_table_starts_on_the_period_start(client, reports):
    client.force_login(reports.leader)
    html = client.get(URL, {"start": "2026-05-15", "end": "2026-11-23"}).content.decode()
    table = re.search(r'data-testid="panel-trend".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    first = re.search(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', table)
    assert first.groups() == ("15/05/2026", "31/05/2026")
    assert "01/05/2026" not in table
    last = re.findall(r"<tr><th scope=\"row\">[^<]+</th><td>([^<]+)</td>", table)[-1]
    assert last == "23/11/2026"


# --- 8. Overdue is a figure as it stands now: not compared ----------------------------------------


def test_overdue_is_not_compared_with_earlier_periods(client, reports):
    client.force_login(reports.leader)
    cards, html = _cards(client)
    overdue = cards["overdue"]
    assert not overdue.compare and overdue.vs_previous is None and overdue.vs_last_year is None
    card = re.search(r'data-testid="card-overdue">(.*?)</li>', html, re.S).group(1)
    assert 'data-testid="no-compare-overdue"' in card and "▲" not in card and "▼" not in card
    book = openpyxl.load_workbook(BytesIO(client.get("/dieu-hanh/xuat.xlsx", {"period": "30d"}).content))
    (row,) = [
        r for r in book["Tổng quan"].iter_rows(min_row=2, values_only=True) if r[0].startswith("Quá hạn")
    ]
    assert row[1] == 2 and row[2:] == (None, None, None, None)


# --- 9. The English workbook names the category in English ----------------------------------------


def test_english_workbook_filters_name_the_category_in_english(client, reports):
    client.force_login(reports.leader)
    query = {"period": "30d", "category": "road_damage"}
    book = openpyxl.load_workbook(
        BytesIO(client.get("/dieu-hanh/xuat.xlsx", query, HTTP_ACCEPT_LANGUAGE="en").content)
    )
    rows = dict(r for r in book["Filters"].iter_rows(min_row=3, values_only=True) if r[0])
    assert rows["Category"] == "Road damage"
    vi = openpyxl.load_workbook(BytesIO(client.get("/dieu-hanh/xuat.xlsx", query).content))
    rows = dict(r for r in vi["Bộ lọc"].iter_rows(min_row=3, values_only=True) if r[0])
    assert rows["Lĩnh vực"] == "Hư hỏng mặt đường, ổ gà"


# --- 10. The map's key; the trend's scales, dates and broken line --------------------------------


def test_the_map_has_a_key_for_every_measure(client, reports):
    client.force_login(reports.leader)
    html = client.get(URL, {"period": "30d"}).content.decode()
    legend = re.search(
        r'<div class="map-legend" id="map-legend" data-testid="map-legend">(.*?)</div>', html, re.S
    )
    assert legend, "no map key"
    measures = re.findall(r'<p data-measure="(\w+)"( hidden)?>', legend.group(1))
    assert measures == [("n", ""), ("heat", " hidden"), ("on_time", " hidden"), ("satisfaction", " hidden")]
    for key in ("good", "fair", "poor", "none"):
        assert f"share-{key}" in legend.group(1)
    assert "heat-0" in legend.group(1) and "heat-4" in legend.group(1)
    assert "90%" in legend.group(1) and "75%" in legend.group(1)  # the colours' thresholds
    # The thresholds the script colours by are the key's.
    assert 'data-good="90.0" data-fair="75.0"' in html
    script = Path(finders.find("ioc/ioc.js")).read_text(encoding="utf-8")
    assert "showLegend(measure)" in script and "thresholds.good" in script
    css = Path(finders.find("ioc/ioc.css")).read_text(encoding="utf-8")
    assert ".map-legend p[hidden] { display: none; }" in css and ".map-legend .key.share-good" in css


def test_the_trend_has_scales_and_its_first_and_last_dates(client, reports):
    client.force_login(reports.leader)
    response = client.get(URL, {"start": "2026-08-26", "end": "2026-11-23"})
    html = response.content.decode()
    svg = re.search(r'data-testid="panel-trend".*?<svg(.*?)</svg>', html, re.S).group(1)
    dates = re.findall(r'data-testid="trend-x-label">([^<]+)<', svg)
    assert dates == ["26/08/2026", "23/11/2026"]
    ticks = re.findall(r'data-testid="trend-y-tick">([^<]+)<', svg)
    assert ticks[0] == "0" and len(ticks) >= 2
    top = max(p["received"] for p in response.context["trend"].points)
    assert int(ticks[-1].replace(".", "")) >= top
    assert re.findall(r'data-testid="trend-pct-tick">([^<]+)<', svg) == ["0%", "50%", "100%"]


def test_the_on_time_line_breaks_where_nothing_was_resolved(personas, categories):
    now = timezone.now()
    for days in (10, 5, 4):  # resolved on days -10, -5 and -4 only
        code = submit_report(when=now - timedelta(days=days)).code
        report_transition(user=personas.head, code=code, action="assign", assignee="officer")
        report_transition(user=personas.officer, code=code, action="resolve", resolution="Đã vá")
    submit_report(when=now - timedelta(days=7))  # received, not resolved: no on-time figure that day
    today = timezone.localdate()
    chart = panels.trend(Filters(start=today - timedelta(days=29), end=today))
    assert len(chart.segments) == 1 and len(chart.segments[0].split()) == 2  # days -5 and -4
    assert len(chart.dots) == 1  # day -10 alone: a dot, not a slope to day -5


# --- 11. The filter errors take a full row above the fields ---------------------------------------


def test_filter_errors_span_the_row_above_the_fields(client, reports):
    client.force_login(reports.leader)
    response = client.get(URL, {"start": "2026-11-10", "end": "2026-11-01", "category": "zz"})
    assert response.status_code == 400
    form = re.search(
        r'<form method="get" class="card filters ioc-filters"[^>]*>\s*(<div class="[^"]+")',
        response.content.decode(),
    )
    assert form.group(1) == '<div class="error"'  # the form's first child
    css = Path(finders.find("ioc/ioc.css")).read_text(encoding="utf-8")
    rule = re.search(r"\.ioc-filters > \.error \{([^}]*)\}", css)
    assert rule and "flex: 0 0 100%" in rule.group(1)


def test_a_unit_with_overdue_reports_and_nothing_resolved_needs_attention_first(personas):
    by_unit = {k: _m(10, 10, satisfied=5) for k in range(1, 8)}  # seven at 100 %
    stuck = _m(0, 0)
    stuck.values["overdue_n"] = 1  # one received, overdue, nothing resolved
    by_unit[8] = stuck
    by_unit[9] = _m(0, 0)  # nothing resolved, nothing overdue: nothing to rank it by
    league = _league(by_unit)
    assert _codes(league["worst"]) == ["U8"] and league["worst"][0]["m"].on_time_pct is None
    assert "U9" not in _codes(league["best"] + league["worst"]) and league["count"] == 8
    # Its row says why it is there, where "— — —" read as a unit without data.
    assert league["worst"][0]["overdue_unresolved"] == 1
    assert all(r["overdue_unresolved"] == 0 for r in league["best"])
    html = render_to_string(
        "ioc/_panels.html", {"league_sections": panels.league_sections(league), "cards": []}
    )
    assert "chưa giải quyết phản ánh nào, 1 quá hạn" in html


def test_the_satisfaction_chart_keeps_the_least_satisfied_rated_units(personas):
    # Twelve unrated units and thirteen rated: the unrated take no place, the lowest rated are kept.
    by_unit = {k: _m(4, 4) for k in range(1, 13)}
    by_unit.update({k: _m(4, 4, satisfied=k - 12, unsatisfied=1) for k in range(13, 26)})  # 0 % … 92 %
    units = {k: Organisation(pk=k, code=f"U{k}", name=f"Đơn vị {k:02d}") for k in by_unit}
    chart = panels._satisfaction_bars(by_unit, units, lambda **c: "/dieu-hanh/")
    codes = [b.key for b in chart.bars]
    assert len(codes) == 12 and "U13" in codes  # 0 % of 1 rating: shown
    assert "U25" not in codes and not {f"U{k}" for k in range(1, 13)} & set(codes)
    assert [b.value for b in chart.bars] == sorted((b.value for b in chart.bars), reverse=True)


def test_a_period_that_has_not_begun_is_refused_and_one_still_running_ends_today(client, reports):
    """December typed in November read "0 received, ▼ 100 %" against November."""
    client.force_login(reports.leader)
    today = timezone.localdate()
    ahead = today + timedelta(days=7)
    response = client.get(URL, {"start": ahead.isoformat(), "end": (ahead + timedelta(days=30)).isoformat()})
    assert response.status_code == 400
    assert "start" in response.context["form"].errors
    assert today.strftime("%d/%m/%Y") in str(response.context["form"].errors["start"])
    running = client.get(URL, {"start": (today - timedelta(days=6)).isoformat(), "end": ahead.isoformat()})
    assert running.status_code == 200
    assert running.context["form"].cleaned_data["end"] == today
