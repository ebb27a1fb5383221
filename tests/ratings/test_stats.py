"""Statistics: seed 004's figures through the import, the page, the API and the Excel export; who sees
which units; filters; the number of queries of the page."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from citydesk.core.errors import DomainError, NotAllowed
from citydesk.ratings.selectors import share, stats_for, stats_scope
from citydesk.ratings.services import ratings_import
from tests.ratings.conftest import SEED_KIOSK
from tests.ratings.test_import import HEADER, seed_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(personas, procedures):
    ratings_import(user=personas.admin, rows=[dict(zip(HEADER, r, strict=True)) for r in seed_rows()])


def by_key(stats) -> dict:
    return {row.key: row for row in stats.rows}


def test_share_rounding_matches_seed_004():
    assert share(379_020, 381_922) == Decimal("99.24")
    assert share(2_253, 381_922) == Decimal("0.59")
    assert share(649, 381_922) == Decimal("0.17")
    assert share(15_771, 16_609) == Decimal("94.95")
    assert share(776, 16_609) == Decimal("4.67")
    assert share(62, 16_609) == Decimal("0.37")
    assert share(1, 8) == Decimal("12.50") and share(1, 0) is None
    assert share(1, 200) == Decimal("0.50") and share(1, 400) == Decimal("0.25")
    assert share(1, 800) == Decimal("0.13")  # 0.125 rounds half up


def test_seed_004_by_channel(personas, seeded):
    stats = stats_for(personas.leader, group="channel")
    kiosk, web = by_key(stats)["kiosk"], by_key(stats)["web"]
    assert (kiosk.satisfied, kiosk.normal, kiosk.unsatisfied, kiosk.total) == (*SEED_KIOSK, 381_922)
    assert (kiosk.satisfied_pct, kiosk.normal_pct, kiosk.unsatisfied_pct) == (
        Decimal("99.24"),
        Decimal("0.59"),
        Decimal("0.17"),
    )
    # 94.9545 / 4.6722 / 0.3733, each rounded on its own: the city's published 94.95 / 4.67 / 0.37.
    assert (web.total, web.satisfied_pct, web.normal_pct, web.unsatisfied_pct) == (
        16_609,
        Decimal("94.95"),
        Decimal("4.67"),
        Decimal("0.37"),
    )
    assert stats.totals.total == 381_922 + 16_609


def test_every_grouping_adds_up(personas, seeded):
    for group in ("unit", "officer", "procedure", "channel", "month"):
        stats = stats_for(personas.leader, group=group, channel="kiosk")
        assert stats.totals.total == 381_922, group
        assert sum(r.total for r in stats.rows) == 381_922
    months = stats_for(personas.leader, group="month")
    assert [r.key for r in months.rows] == [f"2019-{m:02d}" for m in range(1, 13)]
    assert months.rows[0].label == "01/2019"
    officers = by_key(stats_for(personas.leader, group="officer"))
    assert officers[str(personas.officer.pk)].code == "officer"
    assert officers["0"].total == 16_609  # web ratings: no officer
    one_month = stats_for(personas.leader, group="unit", **{"from": "2019-03", "to": "2019-03"})
    assert one_month.totals.total == sum(split_month(3))


def split_month(month: int) -> list[int]:
    return [int(r[3]) + int(r[4]) + int(r[5]) for r in seed_rows() if r[0] == f"2019-{month:02d}"]


def test_live_ratings_and_history_count_together(personas, seeded, open_transaction, settings):
    from citydesk.ratings.services import rating_submit_kiosk

    settings.CITYDESK_KIOSK_MIN_INTERVAL_SECONDS = 0
    desk = open_transaction()
    rating_submit_kiosk(transaction_code=desk.code, level="unsatisfied", kiosk=desk.kiosk)
    stats = stats_for(personas.leader, group="channel", channel="kiosk")
    assert stats.totals.total == 381_923 and stats.totals.unsatisfied == SEED_KIOSK[2] + 1


def test_head_sees_own_ward_and_its_officers_only(personas, seeded):
    stats = stats_for(personas.head, group="unit")
    assert {r.code for r in stats.rows} == {"26743"}
    officers = stats_for(personas.deputy, group="officer", channel="kiosk")
    assert {r.code for r in officers.rows} == {"officer", "deputy"}
    assert officers.totals.total == sum(
        r[3] + r[4] + r[5] for r in seed_rows() if r[1] == "26743" and r[2] == "kiosk"
    )
    with pytest.raises(NotAllowed) as outside:
        stats_for(personas.head, unit="26740")
    assert outside.value.field == "unit"
    other = stats_for(personas.other_head, group="unit")
    assert {r.code for r in other.rows} == {"26740"}
    assert stats_for(personas.department_head, group="unit").rows == []


def test_leader_sees_every_unit(personas, seeded):
    assert stats_scope(personas.leader).unit_ids is None
    units = stats_for(personas.leader, group="unit")
    assert {r.code for r in units.rows if r.total} == {"26743", "26740"}
    # The units rated nothing are listed too, with no shares (a leader compares every unit).
    assert {r.code for r in units.rows if not r.total} == {"79.SXD", "79.TTTP"}
    ward = stats_for(personas.leader, group="officer", unit="26743", channel="kiosk")
    assert {r.code for r in ward.rows} == {"officer", "deputy"}


@pytest.mark.parametrize("role", ["operator", "officer", "inspector", "citizen", "outsider"])
def test_others_are_refused(personas, role):
    with pytest.raises(NotAllowed):
        stats_scope(personas.all_roles()[role])


def test_a_month_is_read_as_the_page_writes_it_too(personas, seeded):
    from citydesk.ratings.selectors import parse_month

    assert parse_month("03/2019", "from") == parse_month("2019-03", "from") == parse_month("3/2019", "from")
    iso = stats_for(personas.leader, group="month", **{"from": "2019-03", "to": "2019-05"})
    typed = stats_for(personas.leader, group="month", **{"from": "03/2019", "to": "05/2019"})
    assert [r.key for r in typed.rows] == ["2019-03", "2019-04", "2019-05"]
    assert [(r.key, r.total) for r in iso.rows] == [(r.key, r.total) for r in typed.rows]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group": "weather"}, "group"),
        ({"from": "2019-13"}, "from"),
        ({"to": "19-01"}, "to"),
        ({"from": "2019-05", "to": "2019-04"}, "to"),
        ({"from": "1800-01"}, "from"),  # before the calendar's years
        ({"to": "13/2019"}, "to"),
        ({"channel": "fax"}, "channel"),
        ({"unit": "nowhere"}, "unit"),
    ],
)
def test_bad_filters_name_the_field(personas, params, field):
    with pytest.raises(DomainError) as bad:
        stats_for(personas.leader, **params)
    # An unknown unit is not found (404), as everywhere else; a malformed filter is 400.
    assert bad.value.field == field and bad.value.status == (404 if field == "unit" else 400)


# --- The page, its export and the API ----------------------------------------------------------------


def test_page_shows_seed_figures_in_vietnamese(client, personas, seeded):
    client.force_login(personas.leader)
    response = client.get("/danh-gia/thong-ke/", {"group": "channel"})
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "381.922",
        "379.020",
        "2.253",
        "649",
        "99,24%",
        "0,59%",
        "0,17%",
        "16.609",
        "94,95%",
        "4,67%",
        "0,37%",
    ):
        assert text in html, text
    assert 'data-testid="stats-totals"' in html and "398.531" in html
    assert "/danh-gia/thong-ke.xlsx?group=channel" in html


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("head", 200),
        ("deputy", 200),
        ("leader", 200),
        ("operator", 403),
        ("officer", 403),
        ("inspector", 403),
        ("admin", 200),  # the administrator who imports the counts checks them (not per officer)
        ("citizen", 403),
        ("outsider", 403),
    ],
)
def test_page_and_export_permissions(client, personas, role, status):
    client.force_login(personas.all_roles()[role])
    assert client.get("/danh-gia/thong-ke/").status_code == status
    assert client.get("/danh-gia/thong-ke.xlsx").status_code == status


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get("/danh-gia/thong-ke/")
    assert response.status_code == 302 and "next=/danh-gia/thong-ke/" in response["Location"]


def test_page_bad_filter_400_and_foreign_unit_403(client, personas):
    client.force_login(personas.head)
    bad = client.get("/danh-gia/thong-ke/", {"from": "tháng 5"})
    assert bad.status_code == 400 and 'data-field="from"' in bad.content.decode()
    assert client.get("/danh-gia/thong-ke/", {"unit": "26740"}).status_code == 403
    assert client.get("/danh-gia/thong-ke.xlsx", {"group": "x"}).status_code == 400


def test_page_queries_are_few(client, personas, seeded):
    client.force_login(personas.leader)
    client.get("/danh-gia/thong-ke/")  # warm caches (sessions, content types)
    for group in ("unit", "officer", "procedure", "channel", "month"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/danh-gia/thong-ke/", {"group": group}).status_code == 200
        # 12: with every month, one more reads the first month with ratings (the page says which months);
        # one more, on every page, counts the unread messages in the header.
        assert len(ctx.captured_queries) <= 13, (group, [q["sql"] for q in ctx.captured_queries])


def test_excel_export(client, personas, seeded):
    from openpyxl import load_workbook

    client.force_login(personas.leader)
    response = client.get("/danh-gia/thong-ke.xlsx", {"group": "channel", "from": "2019-01", "to": "2019-12"})
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.worksheets) == 6  # the current view, the four other groupings, the comments
    first = workbook.worksheets[0]
    values = [list(row) for row in first.iter_rows(values_only=True)]
    flat = [v for row in values for v in row if v is not None]
    assert "01/2019" in flat and "12/2019" in flat  # the filters are stated
    kiosk = next(row for row in values if row[1] == "kiosk")
    assert kiosk[2:6] == [*SEED_KIOSK, 381_922]
    assert round(kiosk[6], 4) == 0.9924 and round(kiosk[8], 4) == 0.0017
    assert values[-1][5] == 398_531  # totals row


def test_api_stats(client, personas, seeded, bearer):
    response = client.get(
        "/api/v1/ratings/stats?group=channel&from=2019-01&to=2019-12", **bearer(personas.leader)
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"group", "month_from", "month_to", "channel", "unit", "scope", "rows", "totals"}
    kiosk = next(r for r in body["rows"] if r["key"] == "kiosk")
    assert kiosk == {
        "key": "kiosk",
        "code": "kiosk",
        "label": kiosk["label"],
        "satisfied": 379_020,
        "normal": 2_253,
        "unsatisfied": 649,
        "total": 381_922,
        "satisfied_pct": 99.24,
        "normal_pct": 0.59,
        "unsatisfied_pct": 0.17,
    }
    assert body["totals"]["total"] == 398_531 and body["month_from"] == "2019-01"


def test_api_stats_refusals(client, personas, bearer):
    assert client.get("/api/v1/ratings/stats").status_code == 401
    refused = client.get("/api/v1/ratings/stats", **bearer(personas.officer))
    assert refused.status_code == 403
    bad = client.get("/api/v1/ratings/stats?group=weather", **bearer(personas.head))
    assert bad.status_code == 400 and bad.json()["field"] == "group"
    foreign = client.get("/api/v1/ratings/stats?unit=26740", **bearer(personas.head))
    assert foreign.status_code == 403 and foreign.json()["field"] == "unit"


def test_procedures_are_named_in_the_pages_language(personas, procedures, seeded):
    from django.utils import translation

    with translation.override("en"):
        labels = {r.code: r.label for r in stats_for(personas.leader, group="procedure").rows}
    assert labels["1.001193"] == "Birth registration"
    with translation.override("vi"):
        labels = {r.code: r.label for r in stats_for(personas.leader, group="procedure").rows}
    assert labels["1.001193"] == "Đăng ký khai sinh"


def test_the_page_opens_on_this_year_and_says_which_months_it_counts(client, personas, seeded):
    """Opened plainly it mixed 2019's imported counts with this month's live ratings, with no period said."""
    client.force_login(personas.leader)
    year = timezone.localdate().year
    page = client.get("/danh-gia/thong-ke/").content.decode()
    assert f'value="01/{year}"' in page and f"{timezone.localdate():%m/%Y}" in page
    period = re.search(r'data-testid="period">(.*?)</p>', page, re.S).group(1)
    assert f"01/{year}" in period and 'data-testid="all-months"' in period
    every = client.get("/danh-gia/thong-ke/", {"group": "unit", "from": "", "to": ""}).content.decode()
    assert "01/2019 – " in re.search(r'data-testid="period">(.*?)</p>', every, re.S).group(1)
    assert re.search(r'href="\?[^"]*from=&amp;to=[^"]*" data-testid="all-months"', page)
