"""The public list and map of citizen reports (/phan-anh/): what anyone reads without an account, and what
never shows there; the filters, paging, numbers in the page's language, and the queries it costs."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from citydesk.reports.models import Follower, RejectReason, Report, ReportEvent, Status
from citydesk.reports.services import report_follow, report_note
from citydesk.reports.views import public

from .conftest import submit_report

pytestmark = pytest.mark.django_db

URL = "/phan-anh/"


def rows_of(response) -> list[str]:
    """The codes of the list's rows, in order."""
    return re.findall(r'data-testid="public-row" data-code="([^"]+)"', response.content.decode())


def map_points(response) -> list[dict]:
    found = re.search(
        r'<script id="public-map-points" type="application/json">(.*?)</script>', response.content.decode()
    )
    return json.loads(found.group(1)) if found else []


def set_state(report: Report, **fields) -> None:
    Report.objects.filter(pk=report.pk).update(**fields)


def test_the_url_and_its_name(client, personas, categories):
    assert reverse("reports:public_list") == URL
    response = client.get(URL)  # no log-in
    assert response.status_code == 200
    assert "reports/public_list.html" in [t.name for t in response.templates]


def test_lists_the_public_reports_open_and_finished_never_private_or_rejected(client, personas, categories):
    open_one = submit_report(description="Ổ gà trước chợ")
    resolved = submit_report(description="Đèn đường hỏng")
    closed = submit_report(description="Cây đổ đã dọn")
    private = submit_report(description="Phản ánh kín về cán bộ", is_public=False)
    spam = submit_report(description="Quảng cáo rác")
    out_of_scope = submit_report(description="Việc của tỉnh khác")
    master = submit_report(description="Ổ gà lớn")
    duplicate = submit_report(description="Ổ gà lớn nữa")
    old = submit_report(description="Ổ gà năm ngoái")
    set_state(resolved, status=Status.RESOLVED, resolved_at=timezone.now())
    set_state(closed, status=Status.CLOSED, resolved_at=timezone.now(), closed_at=timezone.now())
    set_state(spam, status=Status.REJECTED, reject_reason=RejectReason.SPAM)
    set_state(out_of_scope, status=Status.REJECTED, reject_reason=RejectReason.OUT_OF_SCOPE)
    set_state(duplicate, status=Status.REJECTED, reject_reason=RejectReason.DUPLICATE, duplicate_of=master)
    set_state(old, created_at=timezone.now() - timedelta(days=40))

    response = client.get(URL)
    listed = rows_of(response)
    # Newest first; the merged duplicate's master is listed, not the duplicate.
    assert listed == [master.code, closed.code, resolved.code, open_one.code]
    body = response.content.decode()
    for hidden in (private, spam, out_of_scope, duplicate):
        assert hidden.code not in body
    assert "Phản ánh kín về cán bộ" not in body and "Quảng cáo rác" not in body
    # The older one is within a longer period.
    assert old.code in rows_of(client.get(URL, {"period": "90"}))


def test_personal_data_never_shows(client, personas, categories):
    report = submit_report(
        description="Ổ gà sâu trước số 18/4. Gọi tôi 0987 654 321 hoặc an.nguyen@gmail.com khi đến.",
        address="Hẻm 5 Lê Lợi (nhà chị Lan, SĐT 0912 345 678)",
        contact_name="Nguyễn Thị Bí Mật",
        contact_phone="0903111222",
        contact_email="bi.mat@example.vn",
        reporter=personas.citizen,
    )
    report_note(user=personas.officer, code=report.code, text="Ghi chú nội bộ: chủ nhà là người quen")
    private = submit_report(description="Tố cáo cán bộ phường", is_public=False, contact_phone="0903999888")
    report_follow(code=report.code, email="nguoi.theo.doi@example.vn")

    body = client.get(URL).content.decode()
    assert report.code in body and private.code not in body
    for secret in (
        "0987 654 321",
        "654 321",
        "an.nguyen@",
        "0912 345 678",
        "Nguyễn Thị Bí Mật",
        "0903111222",
        "090 311 1222",
        "bi.mat@example.vn",
        "nguoi.theo.doi@",
        "Ghi chú nội bộ",
        "Tố cáo cán bộ phường",
        "0903999888",
        personas.citizen.email,
        personas.citizen.full_name,
    ):
        assert secret not in body, secret
    # What is shown is what the tracking page shows: the description and the address, masked.
    assert "18/4" in body and "Hẻm 5 Lê Lợi" in body
    assert report.public_description != report.description
    assert report.public_description in unescape(body) and report.public_address in unescape(body)


def test_the_reporters_name_only_when_they_asked(client, personas, categories):
    shown = submit_report(contact_name="Trần Văn Công Khai 0987654321", show_name_publicly=True)
    hidden = submit_report(contact_name="Lê Thị Kín Đáo", show_name_publicly=False)
    body = client.get(URL).content.decode()
    assert "Trần Văn Công Khai" in body and "0987654321" not in body
    assert "Lê Thị Kín Đáo" not in body
    assert shown.code in body and hidden.code in body


def test_html_in_a_description_is_text(client, personas, categories):
    submit_report(
        description='<script>alert("x")</script><b>đậm</b> <img src=x onerror=alert(1)>',
        address='<a href="javascript:alert(2)">nhà</a>',
    )
    response = client.get(URL)
    body = response.content.decode()
    assert "<script>alert" not in body and "<b>đậm</b>" not in body and "<img src=x" not in body
    assert '<a href="javascript:' not in body
    assert "&lt;b&gt;đậm&lt;/b&gt;" in body
    # The map's data is JSON in a script element that cannot be closed early.
    raw = re.search(
        r'<script id="public-map-points" type="application/json">(.*?)</script>', body, re.S
    ).group(1)
    assert "</" not in raw and "<script" not in raw


def test_each_row_says_what_the_tracking_page_says(client, personas, categories):
    report = submit_report(description="Ổ gà lớn trước chợ Bến Thành", address="12 Lê Lợi")
    report_follow(code=report.code, email="a@example.vn")
    report_follow(code=report.code, email="b@example.vn")
    response = client.get(URL)
    body = response.content.decode()
    row = re.search(rf'<tr data-testid="public-row" data-code="{report.code}">(.*?)</tr>', body, re.S).group(
        1
    )
    assert f'href="/tra-cuu/{report.code}/"' in row
    assert "Hư hỏng mặt đường, ổ gà" in row  # the category, in Vietnamese
    assert "Ổ gà lớn trước chợ Bến Thành" in row
    assert "12 Lê Lợi, Phường Bến Thành" in unescape(row)  # the address and the ward, once each
    assert 'data-testid="row-status">Đã tiếp nhận<' in row  # the status as the citizen reads it
    assert timezone.localtime(report.created_at).strftime("%d/%m/%Y") in row
    followers = Follower.objects.filter(report=report).count()
    assert re.search(rf'data-testid="row-followers">{followers}<', row)
    assert f'href="/tra-cuu/{report.code}/#follow"' in row
    # The follow link leads to the tracking page's follow form.
    track = client.get(f"/tra-cuu/{report.code}/").content.decode()
    assert 'id="follow"' in track and f'action="/tra-cuu/{report.code}/theo-doi/"' in track


def test_a_closed_report_offers_no_follow(client, personas, categories):
    report = submit_report()
    set_state(report, status=Status.CLOSED, closed_at=timezone.now())
    row = re.search(r'<tr data-testid="public-row".*?</tr>', client.get(URL).content.decode(), re.S).group(0)
    assert "#follow" not in row and report.code in row


def test_filters_ward_category_state_text_and_period(client, personas, categories):
    road = submit_report(description="Ổ GÀ sâu giữa đường")
    light = submit_report(category="street_lighting", description="Đèn đường tắt cả tuần")
    elsewhere = submit_report(description="Ổ gà ở Sài Gòn", lon=106.703, lat=10.7788, ward_code="26740")
    done = submit_report(description="Vỉa hè vỡ")
    set_state(done, status=Status.RESOLVED, resolved_at=timezone.now())
    assert Report.objects.get(pk=elsewhere.pk).ward_id == "26740"

    assert set(rows_of(client.get(URL, {"ward": "26743"}))) == {road.code, light.code, done.code}
    # The ward typed as a name, without accents, or picked from the list of suggestions.
    assert set(rows_of(client.get(URL, {"ward": "sai gon"}))) == {elsewhere.code}
    assert set(rows_of(client.get(URL, {"ward": "Sài Gòn (phường)"}))) == {elsewhere.code}
    assert set(rows_of(client.get(URL, {"category": "street_lighting"}))) == {light.code}
    assert set(rows_of(client.get(URL, {"state": "done"}))) == {done.code}
    assert set(rows_of(client.get(URL, {"state": "open"}))) == {road.code, light.code, elsewhere.code}
    # Without accents and case, both ways.
    assert set(rows_of(client.get(URL, {"q": "o ga"}))) == {road.code, elsewhere.code}
    assert set(rows_of(client.get(URL, {"q": "Ổ gà", "ward": "26743"}))) == {road.code}
    assert set(rows_of(client.get(URL, {"q": "DEN DUONG"}))) == {light.code}
    # A tracking code as typed, whatever the period.
    set_state(light, created_at=timezone.now() - timedelta(days=200))
    code_typed = light.code.lower().replace("-", " ")
    assert rows_of(client.get(URL, {"q": code_typed})) == [light.code]
    assert light.code not in rows_of(client.get(URL))
    assert light.code in rows_of(client.get(URL, {"period": "365"}))


def test_a_filter_that_selects_nothing_is_said_and_not_applied(client, personas, categories):
    report = submit_report()
    for params, field in (
        ({"ward": "Phường Không Có"}, "ward"),
        ({"ward": "99999"}, "ward"),
        ({"category": "no_such"}, "category"),
        ({"category": "land"}, "category"),  # a dossier category, not a report's
        ({"state": "rejected"}, "state"),
        ({"period": "5000"}, "period"),
    ):
        response = client.get(URL, params)
        assert response.status_code == 400, params
        body = response.content.decode()
        assert 'data-testid="filter-errors"' in body and f'data-field="{field}"' in body, params
        assert rows_of(response) == [report.code], params  # shown without it


def test_a_search_for_a_phone_number_or_email_is_refused(client, personas, categories):
    report = submit_report(description="Ổ gà. Gọi 0987 654 321 hoặc an.nguyen@gmail.com")
    for typed in ("0987 654 321", "0987654321", "654 321", "98765", "an.nguyen@gmail.com", "079123456789"):
        response = client.get(URL, {"q": typed})
        assert response.status_code == 400, typed
        assert 'data-field="q"' in response.content.decode(), typed
        # The list is shown without the search: finding the report by its hidden number would say who sent it.
        assert rows_of(response) == [report.code]
    assert rows_of(client.get(URL, {"q": "xyz"})) == []
    # House numbers and short numbers are searched.
    numbered = submit_report(description="Nắp cống hở trước số 125/4")
    assert rows_of(client.get(URL, {"q": "125/4"})) == [numbered.code]


def test_removable_filter_labels(client, personas, categories):
    submit_report()
    response = client.get(
        URL, {"ward": "26743", "category": "road_damage", "state": "open", "q": "o ga", "period": "90"}
    )
    body = unescape(response.content.decode())
    labels = {
        name: query for query, name in re.findall(r'href="\?([^"]*)" data-testid="drop-filter-(\w+)"', body)
    }
    assert set(labels) == {"ward", "category", "state", "q", "period"}
    assert "ward=" not in labels["ward"] and "category=road_damage" in labels["ward"]
    assert "q=" not in labels["q"] and "ward=26743" in labels["q"]
    assert "Remove filter: Phường Bến Thành" in body or "Bỏ lọc: Phường Bến Thành" in body
    # The pager and the labels keep the ward as its code (the address stays short and bookmarkable).
    response = client.get(URL, {"ward": "Bến Thành (phường)"})
    assert 'data-testid="drop-filter-ward"' in response.content.decode()
    assert 'value="Bến Thành (phường)"' in response.content.decode()


def test_pages_numbered_newest_first(client, personas, categories, monkeypatch):
    monkeypatch.setattr(public, "PAGE_SIZE", 2)
    made = [submit_report(description=f"Ổ gà số {n}") for n in range(5)]
    newest_first = [r.code for r in reversed(made)]
    first = client.get(URL)
    assert rows_of(first) == newest_first[:2]
    body = first.content.decode()
    assert 'aria-current="page"' in body and 'data-testid="public-pager"' in body
    assert re.findall(r'data-testid="page-link">(\d+)<', body) == ["2", "3"]
    assert rows_of(client.get(URL, {"page": "2"})) == newest_first[2:4]
    assert rows_of(client.get(URL, {"page": "3"})) == newest_first[4:]
    # Past the end: the last page; not a number: the first.
    assert rows_of(client.get(URL, {"page": "99999999999999999999"})) == newest_first[4:]
    for junk in ("abc", "-2", "0", "1e3", "\u0661", "\u00b2", "2\x00"):
        assert rows_of(client.get(URL, {"page": junk})) == newest_first[:2], junk
    # The pager keeps the filters.
    assert re.search(r'href="\?q=o\+ga&amp;page=2"', client.get(URL, {"q": "o ga"}).content.decode())


def _bulk_reports(n: int, personas, categories) -> None:
    now = timezone.now()
    Report.objects.bulk_create(
        Report(
            code=f"PA-26-{900000 + k:06d}",
            category=categories["road"],
            description=f"Ổ gà số {k}",
            channel="web",
            unit=personas.ward,
            ward_id="26743",
            created_at=now - timedelta(minutes=k),
        )
        for k in range(n)
    )


def test_numbers_in_the_pages_language_and_the_count_capped(client, personas, categories, monkeypatch):
    monkeypatch.setattr(public, "PAGE_SIZE", 100)
    _bulk_reports(1_200, personas, categories)
    body = client.get(URL).content.decode()
    assert "1.200" in re.search(r'data-testid="public-count">([^<]*)<', body).group(1)
    assert re.findall(r'data-testid="page-link">([\d.,]+)<', body)[-1] == "12"
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        english = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1,200" in english
    del client.cookies["django_language"]
    # Past MAX_PAGES pages, the list is counted no further and says so.
    monkeypatch.setattr(public, "MAX_PAGES", 5)
    body = client.get(URL, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    count = re.search(r'data-testid="public-count">([^<]*)<', body).group(1)
    assert "500" in count and "1.200" not in count
    assert re.findall(r'data-testid="page-link">([\d.,]+)<', body)[-1] == "5"


def test_the_query_count_does_not_grow_with_the_page_size(client, personas, categories, monkeypatch):
    for n in range(12):
        report = submit_report(description=f"Ổ gà {n}", lon=106.69 + n / 1000)
        report_follow(code=report.code, email=f"f{n}@example.vn")
    counts = {}
    for size in (2, 12):
        monkeypatch.setattr(public, "PAGE_SIZE", size)
        client.get(URL)  # warm the caches of units and categories
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"ward": "26743", "q": "o ga"})
        assert len(rows_of(response)) == size
        assert len(map_points(response)) == size
        counts[size] = len(queries.captured_queries)
    assert counts[2] == counts[12], counts
    assert counts[12] <= 8, counts


def test_the_map_has_the_pages_reports_with_a_point(client, personas, categories):
    with_point = submit_report()
    without = submit_report(lon=None, lat=None, ward_code="26743", address="5 Lê Lợi")
    response = client.get(URL)
    points = map_points(response)
    assert [p["code"] for p in points] == [with_point.code]
    assert (
        points[0]["url"] == f"/tra-cuu/{with_point.code}/"
        and points[0]["category"] == "Hư hỏng mặt đường, ổ gà"
    )
    assert {without.code, with_point.code} == set(rows_of(response))
    body = response.content.decode()
    # Leaflet and the map script are CityDesk's own files.
    assert '<script src="/static/vendor/leaflet/leaflet.js" defer>' in body
    assert '<script src="/static/reports/public_map.js" defer>' in body
    assert "https://" not in re.sub(
        r'href="https?://[^"]*"', "", body.split("<main", 1)[1].split("</main>")[0]
    )
    # No point on the page: no map (nor its scripts), the list alone.
    set_state(with_point, lon=None, lat=None)
    body = client.get(URL).content.decode()
    assert 'id="public-map"' not in body and "leaflet.js" not in body


def test_the_page_works_without_javascript(client, personas, categories):
    """Everything is a link or a GET form: the list, its filters, its pages, the way to each report and its
    follow form. The map's box says the list has every report."""
    report = submit_report()
    body = client.get(URL).content.decode()
    form = re.search(r'<form method="get" action="/phan-anh/"[^>]*>(.*?)</form>', body, re.S).group(1)
    for name in ("q", "ward", "category", "state", "period"):
        assert f'name="{name}"' in form
    assert '<button type="submit"' in form
    assert f'<a href="/tra-cuu/{report.code}/" data-testid="row-link">{report.code}</a>' in body
    assert "Bản đồ cần JavaScript; danh sách bên dưới có đủ mọi phản ánh." in body
    assert 'class="map-fallback"' in body
    # A filter typed without the script (no suggestion list's help) works.
    assert rows_of(client.get(URL, {"ward": "ben thanh"})) == [report.code]


def test_language_headings_and_landmarks(client, personas, categories):
    submit_report()
    body = client.get(URL).content.decode()
    assert '<html lang="vi">' in body
    assert len(re.findall(r"<h1[ >]", body)) == 1
    assert 'role="search"' in body and '<nav class="pager' not in body  # one page: no pager
    assert '<caption class="visually-hidden">' in body and '<th scope="row" class="code">' in body
    assert 'id="h-public-list"' in body and 'aria-labelledby="h-public-list"' in body
    client.cookies["django_language"] = "en"
    english = client.get(URL).content.decode()
    assert '<html lang="en">' in english and "Road damage" in english


def test_the_ward_filter_and_the_default_list_read_the_date_indexes(personas, categories):
    """At a million reports the list must walk a date index back and stop at the page: the status said as
    written made SQLite read the deadline index instead (1.5 s), the ward alone every report of the ward
    (0.27 s). bench/reports_public.py measures it; here the plans are checked."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's EXPLAIN QUERY PLAN")
    from citydesk.core.models import AdminUnit

    ward = AdminUnit.objects.get(code="26743")

    def plan(filters: public.PublicFilters) -> str:
        qs = (
            public.public_reports(filters).reports.order_by("-created_at", "-pk").values_list("pk", flat=True)
        )
        sql, params = qs[:1001].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return " | ".join(str(row[-1]) for row in cursor.fetchall())

    assert "reports_report_created_at" in plan(public.PublicFilters())
    assert "report_sla" not in plan(public.PublicFilters(state="done"))
    ward_plan = plan(public.PublicFilters(ward=ward))
    assert "report_ward_received" in ward_plan and "TEMP B-TREE" not in ward_plan
    assert "report_category_time" in plan(public.PublicFilters(category=categories["road"]))


def test_a_word_search_reads_a_bounded_number_of_reports(client, personas, categories, monkeypatch):
    monkeypatch.setattr(public, "SEARCH_ROWS", 3)
    old = submit_report(description="Nắp cống hở")
    set_state(old, created_at=timezone.now() - timedelta(days=20))
    for n in range(3):
        submit_report(description=f"Ổ gà {n}")
    response = client.get(URL, {"q": "nap cong"})
    assert rows_of(response) == []
    assert 'data-testid="search-note"' in response.content.decode()
    # Within a ward with fewer reports, it is found.
    monkeypatch.setattr(public, "SEARCH_ROWS", 10)
    response = client.get(URL, {"q": "nap cong"})
    assert rows_of(response) == [old.code] and 'data-testid="search-note"' not in response.content.decode()


def test_internal_events_do_not_reach_the_list(client, personas, categories):
    report = submit_report()
    ReportEvent.objects.create(
        report=report, kind="note", actor_label="x", note="Nội bộ: số nhà ông Tư 0903777666", public=False
    )
    body = client.get(URL).content.decode()
    assert "ông Tư" not in body and "0903777666" not in body
