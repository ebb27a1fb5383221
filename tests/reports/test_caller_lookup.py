"""The hotline finds a caller's reports by the number they call from, when the caller lost the tracking
code: the newest first, only those the operator takes calls about, the number typed in any common form."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from citydesk.core.models import Membership, Organisation, OrgKind, User
from citydesk.reports.models import Report
from tests.conftest import make_unit

from .conftest import submit_report

pytestmark = pytest.mark.django_db
LOOKUP = reverse("reports:hotline_lookup")


def _listed(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'data-testid="caller-report"><td><a href="[^"]+"(?: autofocus)?>([^<]+)</a>', html)


def test_the_operator_finds_a_callers_reports_by_phone(client, personas, categories):
    first = submit_report(contact_phone="0912 345 678", description="Ổ gà trước số 5")
    second = submit_report(contact_phone="+84912345678", description="Đèn đường tắt")
    submit_report(contact_phone="0987654321")  # somebody else
    submit_report()  # no phone
    client.force_login(personas.operator)
    for typed in ("0912345678", "0912 345 678", "0912.345.678", "+84 912 345 678"):
        r = client.get(LOOKUP, {"code": typed})
        assert r.status_code == 200, typed
        assert _listed(r) == [second.code, first.code], typed  # newest first
    html = client.get(LOOKUP, {"code": "0912345678"}).content.decode()
    assert reverse("reports:hotline_report", args=[first.code]) in html  # each opens its hotline page
    assert "2 phản ánh gần nhất của người gọi" in html
    # The focus goes to the newest report (the operator reads the list out), not to the new-call form.
    assert html.count("autofocus") == 1
    assert re.search(r'<a href="[^"]+" autofocus>' + second.code, html)


def test_a_number_without_reports_and_a_bad_number_are_said(client, personas, categories):
    submit_report(contact_phone="0912345678")
    client.force_login(personas.operator)
    r = client.get(LOOKUP, {"code": "0900 000 000"})
    html = r.content.decode()
    assert r.status_code == 404 and 'id="err-lookup_code"' in html and "0900000000" in html
    assert 'data-testid="caller-reports"' not in html
    r = client.get(LOOKUP, {"code": "123 456 789 0"})  # digits, but no Vietnamese number
    assert r.status_code == 400 and 'id="err-lookup_code"' in r.content.decode()
    # A code still opens its report.
    code = Report.objects.get().code
    assert client.get(LOOKUP, {"code": code}).status_code == 302


def test_only_the_reports_the_operator_takes_calls_about(client, personas, categories):
    mine = submit_report(contact_phone="0912345678")
    # An operator of Hà Nội's call centre does not see Hồ Chí Minh City's reports from that number.
    hanoi = make_unit("01", "Thành phố Hà Nội")
    city = Organisation.objects.create(
        code="01", name="UBND Thành phố Hà Nội", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=hanoi
    )
    centre = Organisation.objects.create(
        code="01.TT1022", name="Tổng đài Hà Nội", kind=OrgKind.OTHER, parent=city
    )
    other = User.objects.create_user(username="hn", password="pw-hn", full_name="Tổng đài viên Hà Nội")
    Membership.objects.create(user=other, organisation=centre, role="operator")
    client.force_login(other)
    r = client.get(LOOKUP, {"code": "0912345678"})
    assert r.status_code == 404 and mine.code not in r.content.decode()
    # An officer of another ward neither; the ward's own officer does.
    client.force_login(personas.outsider)
    r = client.get(LOOKUP, {"code": "0912345678"})
    assert mine.code not in r.content.decode()
    client.force_login(personas.officer)
    assert _listed(client.get(LOOKUP, {"code": "0912345678"})) == [mine.code]


@pytest.mark.parametrize("who", ["citizen", None])
def test_citizens_and_visitors_cannot_look_numbers_up(client, personas, categories, who):
    mine = submit_report(contact_phone="0912345678")
    if who:
        client.force_login(getattr(personas, who))
    r = client.get(LOOKUP, {"code": "0912345678"})
    assert r.status_code in (302, 403) and mine.code not in r.content.decode()


def test_the_lookup_asks_once_per_unit_not_per_report(client, personas, categories):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(who: str, listed: int) -> int:
        client.force_login(getattr(personas, who))
        client.get(LOOKUP, {"code": "0912345678"})  # warm caches
        with CaptureQueriesContext(connection) as captured:
            assert len(_listed(client.get(LOOKUP, {"code": "0912345678"}))) == listed
        return len(captured)

    for _ in range(2):
        submit_report(contact_phone="0912345678")
    few = {who: queries(who, 2) for who in ("operator", "officer")}
    for _ in range(10):
        submit_report(contact_phone="0912345678")
    assert {who: queries(who, 10) for who in ("operator", "officer")} == few


def test_the_hotline_page_masks_numbers_in_the_description_as_it_masks_the_caller(
    client, personas, categories
):
    report = submit_report(
        contact_phone="0987654321", description="Ổ gà trước nhà, gọi tôi 0987 654 321 hoặc an@example.vn."
    )
    client.force_login(personas.operator)
    html = client.get(reverse("reports:hotline_report", args=[report.code])).content.decode()
    description = html.split('data-testid="description"', 1)[1].split("</p>", 1)[0]
    assert "0987 654 321" not in html and "an@example.vn" not in html
    assert "[đã ẩn số điện thoại]" in description and "Ổ gà trước nhà" in description
