"""The overview page: who may open it, what it shows, filters in the URL, bad input, drill-down."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from citydesk.ioc.forms import OverviewForm
from citydesk.reports.models import Report
from citydesk.reports.services import report_transition
from tests.reports.conftest import submit_report

pytestmark = pytest.mark.django_db
URL = "/dieu-hanh/"


@pytest.fixture
def reports(personas, categories):
    now = timezone.now()
    for days in (1, 2, 3, 40, 400):
        submit_report(when=now - timedelta(days=days))
    submit_report(category="street_lighting", channel="app", when=now - timedelta(days=2))
    code = submit_report(when=now - timedelta(days=5), channel="hotline").code
    report_transition(user=personas.head, code=code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=code, action="resolve", resolution="Đã vá")
    return personas


def _card(html: str, key: str) -> str:
    match = re.search(rf'data-testid="value-{key}">([^<]+)<', html)
    assert match, key
    return match.group(1).strip()


@pytest.mark.parametrize("role", ["leader", "head", "deputy", "department_head"])
def test_heads_and_leaders_open_it(client, reports, role):
    client.force_login(getattr(reports, role))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for panel in (
        "cards",
        "panel-map",
        "panel-trend",
        "panel-category",
        "panel-channel",
        "panel-status",
        "panel-overdue",
        "panel-satisfaction",
        "panel-league",
    ):
        assert f'data-testid="{panel}"' in html, panel
    assert "Tiếp nhận" in html or "Đã tiếp nhận" in html  # Vietnamese first


def test_a_few_units_are_ranked_in_one_table_not_a_contradictory_second(client, reports):
    client.force_login(reports.leader)
    response = client.get(URL)
    sections = response.context["league_sections"]
    assert len(sections) == 1 and [row["unit"] for row in sections[0][1]] == [reports.ward]
    html = response.content.decode()
    assert "Cần quan tâm" not in html and "Chưa đơn vị nào giải quyết xong" not in html


@pytest.mark.parametrize("role", ["officer", "operator", "citizen", "outsider", "admin", "inspector"])
def test_others_are_refused(client, reports, role):
    client.force_login(getattr(reports, role))
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_log_in(client, reports):
    response = client.get(URL)
    assert (response.status_code == 302 and "/dang-nhap/" in response["Location"]) or "login" in response[
        "Location"
    ]


def test_scope_a_ward_head_sees_their_ward_a_leader_the_city(client, reports):
    client.force_login(reports.leader)
    city = int(_card(client.get(URL + "?period=30d").content.decode(), "received").replace(".", ""))
    client.force_login(reports.department_head)
    sector = int(_card(client.get(URL + "?period=30d").content.decode(), "received").replace(".", ""))
    client.force_login(reports.head)
    ward = int(_card(client.get(URL + "?period=30d").content.decode(), "received").replace(".", ""))
    assert city == 5  # the 40- and 400-day-old reports are outside the last 30 days
    assert sector == 1  # street lighting goes to the Department of Construction
    assert ward == 4


def test_filters_in_the_url_change_every_panel(client, reports):
    client.force_login(reports.leader)
    html = client.get(URL + "?period=30d&channel=hotline").content.decode()
    assert _card(html, "received") == "1"
    assert 'value="hotline" selected' in html
    html = client.get(URL + "?period=30d&category=street_lighting").content.decode()
    assert _card(html, "received") == "1"
    html = client.get(URL + "?period=year").content.decode()
    assert int(_card(html, "received")) >= 5


@pytest.mark.parametrize(
    "query, field",
    [
        ("start=2026-02-01", "end"),
        ("start=2026-03-01&end=2026-02-01", "end"),
        ("start=2020-01-01&end=2026-01-01", "start"),
        ("start=hôm-qua&end=2026-01-01", "start"),
        ("category=khong-co", "category"),
        ("unit=26740", "unit"),  # another ward: not the ward head's
        ("channel=fax", "channel"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field(client, reports, query, field):
    client.force_login(reports.head)
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    label = str(OverviewForm.base_fields[field].label)
    assert f'<li data-field="{field}"><strong>{label}</strong>: ' in html  # the label, not the field's name


def test_numbers_drill_down_to_the_reports_behind_them(client, reports):
    client.force_login(reports.leader)
    html = client.get(URL + "?period=30d&channel=hotline").content.decode()
    link = (
        re.search(r'data-testid="card-received">.*?href="([^"]+)"', html, re.S).group(1).replace("&amp;", "&")
    )
    assert link.startswith("/xu-ly/?") and "channel=hotline" in link
    queue = client.get(link).content.decode()
    assert len(re.findall(r'data-testid="queue-row"', queue)) == 1


def test_partial_refresh_returns_the_panels_only(client, reports):
    client.force_login(reports.leader)
    response = client.get(URL + "?period=30d&partial=1")
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="cards"' in html and "<html" not in html
    assert response["Server-Timing"].startswith("panels;dur=")
    # The server time is for monitoring, not a figure among the leader's: not on the page.
    generated = re.search(r'<p class="generated"[^>]*>(.*?)</p>', html).group(1)
    assert " ms" not in generated


def test_the_menu_offers_it_only_to_those_who_may_open_it(client, reports):
    client.force_login(reports.leader)
    assert 'href="/dieu-hanh/"' in client.get("/").content.decode()
    client.force_login(reports.officer)
    assert 'href="/dieu-hanh/"' not in client.get("/").content.decode()


def test_a_city_leader_does_not_see_another_city(client, reports):
    from citydesk.core.models import Organisation, OrgKind
    from tests.conftest import make_unit

    hanoi = make_unit("01", "Thành phố Hà Nội")
    hanoi_city = Organisation.objects.create(
        code="01", name="UBND Thành phố Hà Nội", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=hanoi
    )
    Report.objects.filter(pk=submit_report().pk).update(unit=hanoi_city)  # a report of Hà Nội
    client.force_login(reports.leader)
    html = client.get(URL + "?period=30d").content.decode()
    link = (
        re.search(r'data-testid="card-received">.*?href="([^"]+)"', html, re.S).group(1).replace("&amp;", "&")
    )
    shown = int(_card(html, "received").replace(".", ""))
    rows = len(re.findall(r'data-testid="queue-row"', client.get(link + "&per_page=100").content.decode()))
    assert (shown, rows) == (5, 5), "the number and the list behind it must agree"


def test_the_unit_filter_lists_the_scope_in_vietnamese_order_with_the_choice_kept(client, reports):
    from citydesk.core.models import Organisation
    from citydesk.ioc.access import dashboard_scope
    from citydesk.lib.text import sort_key

    client.force_login(reports.leader)
    ward = reports.ward
    html = client.get(URL + f"?period=30d&unit={ward.code}").content.decode()
    select = re.search(r'<select id="f-unit" name="unit">(.*?)</select>', html, re.S)
    assert select
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select[1])
    assert options[0][0] == ""  # "All my units"
    listed = [(code, name) for code, _selected, name in options[1:]]
    scope = dashboard_scope(reports.leader)
    units = Organisation.objects.all() if scope is None else Organisation.objects.filter(pk__in=scope)
    assert sorted(code for code, _name in listed) == sorted(units.values_list("code", flat=True))
    names = [name for _code, name in listed]
    assert names == sorted(names, key=sort_key)  # Vietnamese order, not code points ("Đ" after "D")
    assert [code for code, selected, _name in options if selected] == [ward.code]


def test_categories_are_named_in_the_page_language(client, reports):
    client.force_login(reports.leader)
    english = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    vietnamese = client.get(URL, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    chart = re.search(r'data-testid="panel-category".*?</section>', english, re.S).group(0)
    assert "Road damage" in chart and "Hư hỏng" not in chart  # the chart, not only the filter's list
    assert "Hư hỏng mặt đường, ổ gà" in re.search(
        r'data-testid="panel-category".*?</section>', vietnamese, re.S
    ).group(0)
