"""Review S25 of the operations center: a unit's figure and its drill-down agree (the figure counts the
unit's own reports, its link lists them with the queue's `unit_only`), the refresh after the session
ended, the workbook's small-base changes, the ward outlines under the heat map, the rate cards' links,
and the filters' choice errors."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from django.core.cache import cache
from django.utils import timezone

from citydesk.core.models import AdminUnit, BoundaryKind
from citydesk.ioc import panels
from citydesk.reports.models import Report, Status
from citydesk.reports.services import report_transition
from tests.browser.conftest import chromium, page, traffic  # noqa: F401  (the browser tests' fixtures)
from tests.browser.helpers import expect, log_in
from tests.reports.conftest import BEN_THANH, submit_report

pytestmark = pytest.mark.django_db
URL = "/dieu-hanh/"


def _rows(client, link: str) -> int:
    """The number of reports the queue lists behind a drill-down link."""
    response = client.get(link.replace("&amp;", "&") + "&per_page=100")
    assert response.status_code == 200, link
    return len(re.findall(r'data-testid="queue-row"', response.content.decode()))


def _overdue(report: Report) -> None:
    now = timezone.now()
    Report.objects.filter(pk=report.pk).update(
        status=Status.IN_PROGRESS, escalated_at=now, due_at=now - timedelta(hours=1)
    )


@pytest.fixture
def nested(personas, categories):
    """Three reports of the ward (two overdue), two handled by the city's People's Committee itself, the
    ward's parent (one overdue)."""
    now = timezone.now()
    made = [submit_report(when=now - timedelta(days=d)) for d in (1, 2, 3, 4, 5)]
    _overdue(made[0])
    _overdue(made[1])
    Report.objects.filter(pk__in=[made[3].pk, made[4].pk]).update(unit=personas.city)
    _overdue(made[3])
    personas.made = made
    return personas


def _unit_figures(context: dict[str, Any]) -> list[tuple[str, float, str]]:
    """(unit code, figure, link) of every per-unit figure that may link: overdue bars, league rows."""
    figures = [(b.key, b.value, b.link) for b in context["overdue_by_unit"].bars]
    league = context["league"]
    figures += [(r["unit"].code, r["m"].n, r["link"]) for r in league["best"] + league["worst"]]
    return figures


# --- 1. A unit's figure and the queue behind it agree ---------------------------------------------


def test_a_units_figure_and_its_list_agree_a_parent_with_reports_below_included(client, nested):
    client.force_login(nested.leader)
    response = client.get(URL, {"period": "90d"})
    context = response.context
    figures = _unit_figures(context)
    # The figures are the units' own reports: the city's committee 1 overdue of 2, the ward 2 of 3.
    overdue = {b.key: b.value for b in context["overdue_by_unit"].bars}
    assert overdue == {nested.ward.code: 2, nested.city.code: 1}
    league = {r["unit"].code: r for r in context["league"]["best"] + context["league"]["worst"]}
    assert league[nested.city.code]["m"].n == 2 and league[nested.ward.code]["m"].n == 3
    linked = 0
    for code, figure, link in figures:
        if link:
            linked += 1
            assert _rows(client, link) == figure, (code, link)
    # Every bar and row, the city's committee's too: its link lists its own reports (`unit_only`), not
    # the ward's below it (the queue's `unit` alone would list 3 overdue, 5 received).
    assert linked == 4
    assert all("unit_only=1" in link for _code, _f, link in figures)
    html = response.content.decode()
    assert 'data-testid="panel-overdue-note"' not in html and 'data-testid="league-note"' not in html
    assert 'data-testid="league-no-link"' not in html


def test_a_parent_links_where_nothing_below_it_counts(client, nested):
    """With none of the ward's reports overdue, the city's overdue bar lists exactly its own."""
    later = timezone.now() + timedelta(days=3)
    Report.objects.filter(pk__in=[nested.made[0].pk, nested.made[1].pk]).update(
        escalated_at=None, due_at=later
    )
    client.force_login(nested.leader)
    context = client.get(URL, {"period": "90d"}).context
    (bar,) = context["overdue_by_unit"].bars
    assert bar.key == nested.city.code and bar.value == 1 and bar.link
    assert _rows(client, bar.link) == 1
    assert "note" not in context["overdue_by_unit"].extra


def test_the_ward_heads_figures_agree_with_their_lists(client, nested):
    client.force_login(nested.head)
    context = client.get(URL, {"period": "90d"}).context
    figures = _unit_figures(context)
    assert figures and all(link for _code, _figure, link in figures)
    for code, figure, link in figures:
        assert _rows(client, link) == figure, code


def test_the_satisfaction_bars_link_the_rated_reports(client, nested):
    from citydesk.reports.services import report_rate

    code = nested.made[2].code
    report_transition(user=nested.head, code=code, action="assign", assignee="officer")
    report_transition(user=nested.officer, code=code, action="resolve", resolution="Đã vá")
    report = Report.objects.get(code=code)
    report_rate(code=code, level="satisfied", token=report.citizen_token, reopen=False)
    client.force_login(nested.leader)
    response = client.get(URL, {"period": "90d"})
    bars = response.context["satisfaction_by_unit"].bars
    assert [(b.key, b.value) for b in bars] == [(nested.ward.code, 100)]
    assert "rated=1" in bars[0].link and "unit_only=1" in bars[0].link
    assert _rows(client, bars[0].link) == 1  # the one rating the share is computed from, of 3 reports
    section = re.search(r'data-testid="panel-satisfaction">(.*?)</section>', response.content.decode(), re.S)
    assert "/xu-ly/" in section.group(1)


# --- 2. The refresh after the session ended ----------------------------------------------------------


def test_the_page_carries_the_session_message_for_the_script(client, nested):
    client.force_login(nested.leader)
    html = client.get(URL, {"period": "30d"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    note = re.search(r'<p id="ioc-session"[^>]*>', html, re.S).group(0)
    assert "hidden" in note and 'role="alert"' in note
    assert 'data-message="Your session has ended: log in again to see fresh figures."' in note
    assert 'data-login-url="/dang-nhap/"' in note and 'data-link-text="Log in"' in note


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_ended_session_keeps_the_panels_and_says_so(request, personas, categories, monkeypatch):
    tab = request.getfixturevalue("page")  # the browser tests' fixtures, imported above
    monkeypatch.setattr("citydesk.ioc.views.REFRESH_SECONDS", 1)
    now = timezone.now()
    for days in (1, 2):
        submit_report(when=now - timedelta(days=days))
    log_in(tab, "leader", "pw-leader")
    tab.goto("/dieu-hanh/?period=30d")
    expect(tab.get_by_test_id("value-received")).to_have_text("2")
    expect(tab.get_by_test_id("ioc-session-ended")).to_be_hidden()
    tab.context.clear_cookies()  # the session ends
    note = tab.get_by_test_id("ioc-session-ended")
    expect(note).to_be_visible(timeout=15_000)
    message = note.get_attribute("data-message")
    assert message and note.inner_text().startswith(message)
    link = note.locator("a")
    assert link.get_attribute("href") == "/dang-nhap/?next=%2Fdieu-hanh%2F%3Fperiod%3D30d"
    # The old panels stay: no log-in form inside them, the figures still there.
    tab.wait_for_timeout(2500)  # a refresh or two more
    assert tab.locator("#ioc-panels input[name=password]").count() == 0
    expect(tab.get_by_test_id("value-received")).to_have_text("2")
    assert tab.locator("#ioc-panels [data-testid=cards]").count() == 1


# --- 3. The workbook's change against a small base ---------------------------------------------------


def _shown(number_format: str, value: int) -> str:
    """What Excel shows for `value` under a three-section format of quoted text around #,##0."""
    positive, negative, zero = number_format.split(";")
    section = positive if value > 0 else (negative if value < 0 else zero)
    return section.replace("#,##0", f"{abs(value):,}".replace(",", ".")).replace('"', "")


def test_the_workbook_writes_a_small_bases_difference_as_the_page_does(client, personas, categories):
    now = timezone.now()
    for days in (1, 2, 3):
        submit_report(when=now - timedelta(days=days))
    submit_report(when=now - timedelta(days=40))  # the previous 30 days: 1; a year ago: none
    client.force_login(personas.leader)
    html = client.get(URL, {"period": "30d"}).content.decode()
    card = re.search(r'data-testid="card-received">(.*?)</li>', html, re.S).group(1)
    assert "▲ 2 (từ 1)" in card and "▲ 3 (từ 0)" in card
    book = openpyxl.load_workbook(BytesIO(client.get("/dieu-hanh/xuat.xlsx", {"period": "30d"}).content))
    rows = {row[0].value: row for row in book["Tổng quan"].iter_rows(min_row=2)}
    received = rows["Đã tiếp nhận"]
    assert [c.value for c in received[1:6]] == [3, 1, 2, 0, 3]  # the differences, as numbers
    assert _shown(received[3].number_format, 2) == "▲ 2 (từ 1)"
    assert _shown(received[5].number_format, 3) == "▲ 3 (từ 0)"
    assert _shown(received[3].number_format, -2) == "▼ 2 (từ 1)"
    assert received[3].comment is not None and "20" in received[3].comment.text
    # A rate keeps its points, with no note.
    on_time = rows["Giải quyết đúng hạn"]
    assert on_time[3].comment is None and "%" not in (on_time[3].number_format or "")


def test_a_large_base_stays_a_percentage(client, personas, categories):
    now = timezone.now()
    for _i in range(2):
        submit_report(when=now - timedelta(days=1))
    for _i in range(20):
        submit_report(when=now - timedelta(days=40))
    client.force_login(personas.leader)
    book = openpyxl.load_workbook(BytesIO(client.get("/dieu-hanh/xuat.xlsx", {"period": "30d"}).content))
    rows = {row[0].value: row for row in book["Tổng quan"].iter_rows(min_row=2)}
    received = rows["Đã tiếp nhận"]
    assert received[3].value == pytest.approx(-0.9) and received[3].number_format == "+0.0%;-0.0%;0.0%"
    assert received[3].comment is None


# --- 4. The ward outlines under the heat map ---------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_heat_map_keeps_the_ward_outlines(request, personas, categories):
    tab = request.getfixturevalue("page")
    watch = request.getfixturevalue("traffic")
    lon, lat = BEN_THANH
    square = [
        [lon - 0.01, lat - 0.01],
        [lon + 0.01, lat - 0.01],
        [lon + 0.01, lat + 0.01],
        [lon - 0.01, lat + 0.01],
    ]
    AdminUnit.objects.filter(code="26743").update(
        boundary={"type": "Polygon", "coordinates": [[*square, square[0]]]},
        boundary_kind=BoundaryKind.APPROXIMATE,
    )
    cache.clear()  # the wards' GeoJSON of an earlier test
    now = timezone.now()
    for days in (1, 2):
        submit_report(when=now - timedelta(days=days))
    log_in(tab, "leader", "pw-leader")
    tab.goto("/dieu-hanh/?period=30d")
    tab.select_option("#map-measure", "heat")
    outlines = tab.locator('#ioc-map path[stroke-dasharray="3 3"]')
    expect(outlines).to_have_count(1)
    assert "leaflet-interactive" not in (outlines.first.get_attribute("class") or "")  # clicks are squares'
    assert outlines.first.get_attribute("fill") == "none"
    expect(tab.locator("#ioc-map path.leaflet-interactive")).to_have_count(1)  # the square
    expect(tab.get_by_test_id("note-outlines")).to_be_visible()  # the note says what the lines are
    assert not watch.problems(), watch.problems()


# --- 5. The rate cards link the reports they are computed from, or nothing -------------------------


def test_the_rate_cards_link_the_reports_they_are_computed_from(client, nested):
    client.force_login(nested.leader)
    response = client.get(URL, {"period": "30d"})
    cards = {c.key: c for c in response.context["cards"]}
    assert cards["received"].link and "status=all" in cards["received"].link
    assert "status=done" in cards["on_time"].link and "status=done" in cards["median"].link
    assert "rated=1" in cards["satisfaction"].link and "status=all" in cards["satisfaction"].link
    for key in ("on_time", "median", "satisfaction"):
        assert _rows(client, cards[key].link) == 0, key  # nothing resolved or rated yet


def test_under_a_resolved_status_the_on_time_and_median_cards_list_their_reports(client, nested):
    code = nested.made[2].code
    report_transition(user=nested.head, code=code, action="assign", assignee="officer")
    report_transition(user=nested.officer, code=code, action="resolve", resolution="Đã vá")
    client.force_login(nested.leader)
    cards = {c.key: c for c in client.get(URL, {"period": "30d", "status": "resolved"}).context["cards"]}
    assert cards["on_time"].value is not None
    for key in ("on_time", "median"):
        assert "status=resolved" in cards[key].link
        assert _rows(client, cards[key].link) == 1  # the one resolved report the figure is computed from
    assert "rated=1" in cards["satisfaction"].link and "status=resolved" in cards["satisfaction"].link
    assert panels.rate_links("closed")["on_time"] == {"status": "closed"}
    assert panels.rate_links(None)["on_time"] == {"status": "done"}
    assert panels.rate_links("open") == {"on_time": None, "median": None, "satisfaction": {"rated": "1"}}


# --- 6. A bad choice names the field and what it takes -----------------------------------------------


@pytest.mark.parametrize(
    "field, expected",
    [
        ("period", "Period “bogus” is not valid: choose one of 7d (Last 7 days), 30d (Last 30 days), "),
        ("status", "Status “bogus” is not valid: choose one of open (Open (all not finished)), received ("),
        ("channel", "Channel “bogus” is not valid: choose one of "),
    ],
)
def test_a_bad_choice_names_the_field_and_the_choices(client, personas, field, expected):
    client.force_login(personas.leader)
    response = client.get(URL, {field: "bogus"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode().replace("&quot;", '"').replace("&#x27;", "'")
    assert expected in html, html[html.find("filter-errors") :][:600]
    assert "Select a valid choice" not in html
    text = client.get("/dieu-hanh/xuat.xlsx", {field: "bogus"}, HTTP_ACCEPT_LANGUAGE="en")
    assert text.status_code == 400 and expected in text.content.decode()
    assert "Select a valid choice" not in text.content.decode()


def test_a_bad_choice_in_vietnamese_is_not_djangos_message(client, personas):
    client.force_login(personas.leader)
    response = client.get("/dieu-hanh/ban-tin.pdf", {"period": "bogus", "status": "bogus"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Hãy chọn một lựa chọn hợp lệ" not in body
    assert "Kỳ (period): Kỳ “bogus”" in body and "7d (7 ngày qua)" in body
    assert "Trạng thái (status): Trạng thái “bogus”" in body
