"""QA defects R1–R7 (reports / 1022): a province without its ward, a phone-only caller answering through
the hotline, public notes of a move reaching the followers, the request for information kept from the
public, the officer's pause hint and paused clock, a pause of a few seconds, following a closed report
and the ward list's type-ahead."""

from __future__ import annotations

import json
from datetime import datetime
from unittest import mock
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from citydesk.core.errors import Conflict, NotAllowed
from citydesk.core.models import Organisation, OrgKind
from citydesk.notifications.models import Notification
from citydesk.reports.models import Follower, Report, ReportEvent
from citydesk.reports.services import (
    report_follow,
    report_merge,
    report_pause,
    report_reply_by_phone,
    report_resume,
    report_transition,
)
from citydesk.reports.services.cases import moved_due
from tests.conftest import make_unit

from .conftest import submit_report

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def post_json(client: Client, url: str, body: dict, **headers) -> object:
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


# --- R1. A province chosen without its commune/ward -------------------------------------------------


@pytest.fixture
def provinces(personas):
    """Hà Nội with its People's Committee on the platform; Cao Bằng served by nobody here."""
    hanoi = make_unit("01", "Thành phố Hà Nội")
    make_unit("00070", "Phường Hoàn Kiếm", hanoi, 105.852, 21.028)
    cao_bang = make_unit("04", "Tỉnh Cao Bằng")
    make_unit("01273", "Phường Thục Phán", cao_bang, 106.257, 22.666)
    committee = Organisation.objects.create(
        code="01", name="UBND Thành phố Hà Nội", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=hanoi
    )
    return {"hanoi": hanoi, "cao_bang": cao_bang, "hanoi_committee": committee}


def _form(**fields) -> dict:
    data = {
        "category": "road_damage",
        "description": "Ổ gà sâu trước số 12",
        "address": "12 Tràng Tiền",
        "ward": "",
        "idempotency_key": f"k-{len(fields)}-{sorted(fields.items())}",
    }
    data.update(fields)
    return data


def test_the_report_form_refuses_an_unserved_province_chosen_without_ward(client, categories, provinces):
    r = client.post(reverse("reports:new"), _form(province="04"))
    assert r.status_code == 400
    html = r.content.decode()
    assert 'id="err-province"' in html and "Tỉnh Cao Bằng" in html
    assert not Report.objects.exists()


def test_the_report_form_sends_a_hanoi_address_without_ward_to_hanoi(client, categories, provinces):
    r = client.post(reverse("reports:new"), _form(province="01"))
    assert r.status_code == 302, r.content.decode()[:2000]
    report = Report.objects.get()
    assert report.unit == provinces["hanoi_committee"] and report.province_code == "01"
    assert report.ward_id is None


def test_the_report_form_keeps_hcmc_addresses_with_the_city(client, categories, provinces, personas):
    assert client.post(reverse("reports:new"), _form(province="79")).status_code == 302
    report = Report.objects.get()
    assert report.unit == personas.city and report.province_code == "79"


def test_a_ward_of_another_province_than_the_chosen_one_is_refused(client, categories, provinces):
    r = client.post(reverse("reports:new"), _form(province="01", ward="26743"))
    assert r.status_code == 400
    assert 'id="err-ward"' in r.content.decode()
    assert not Report.objects.exists()


def test_the_api_takes_the_province_of_an_address(categories, provinces):
    body = {"category": "road_damage", "description": "Ổ gà", "address": "12 Tràng Tiền"}
    r = post_json(Client(), "/api/v1/reports", body | {"province_code": "04"})
    assert r.status_code == 400, r.content
    assert r.json()["field"] == "province_code" and "Tỉnh Cao Bằng" in r.json()["detail"]
    r = post_json(Client(), "/api/v1/reports", body | {"province_code": "99"})
    assert r.status_code == 400 and r.json()["field"] == "province_code"
    assert not Report.objects.exists()
    r = post_json(Client(), "/api/v1/reports", body | {"province_code": "1"})
    assert r.status_code == 201, r.content
    assert r.json()["unit_code"] == "01"
    assert Report.objects.get().province_code == "01"


def test_the_hotline_takes_the_province_of_an_address(client, categories, provinces, personas):
    client.force_login(personas.operator)
    data = {
        "contact_phone": "0912345678",
        "category": "road_damage",
        "description": "Ổ gà",
        "address": "12 Tràng Tiền",
        "ward": "",
        "idempotency_key": "h-1",
    }
    r = client.post(reverse("reports:hotline"), data | {"province": "04"})
    assert r.status_code == 400 and 'id="err-province"' in r.content.decode()
    r = client.post(reverse("reports:hotline"), data | {"province": "01", "idempotency_key": "h-2"})
    assert r.status_code == 302
    assert Report.objects.get().unit == provinces["hanoi_committee"]


def test_open311_takes_the_province_an_address_ends_with(categories, provinces):
    from citydesk.core.audit import Actor
    from citydesk.reports.open311 import open311_client_create

    key = open311_client_create(actor=Actor.system("test"), name="Ứng dụng thử")[1]

    def create(address: str) -> object:
        data = {
            "api_key": key,
            "service_code": "road_damage",
            "description": "Ổ gà",
            "address_string": address,
        }
        return Client().post(
            "/open311/v2/requests.json", urlencode(data), content_type="application/x-www-form-urlencoded"
        )

    r = create("Số 5, Tỉnh Cao Bằng")
    assert r.status_code == 400, r.content
    [error] = r.json()
    assert error["description"].startswith("address_string: ") and "Tỉnh Cao Bằng" in error["description"]
    r = create("12 Tràng Tiền, Ha Noi")
    assert r.status_code == 201, r.content
    assert Report.objects.get().unit.code == "01"
    # A street named after a province is not that province: only the address's last part counts.
    r = create("123 Xa lộ Hà Nội, Khu phố 4")
    assert r.status_code == 201, r.content
    assert Report.objects.get(code=r.json()[0]["service_request_id"]).province_code == ""


def test_routing_a_province_without_ward_uses_its_rules_and_departments(categories, provinces, personas):
    from citydesk.reports import routing
    from citydesk.reports.models import RoutingRule

    hanoi_works = Organisation.objects.create(
        code="01.SXD", name="Sở Xây dựng Hà Nội", kind=OrgKind.DEPARTMENT, parent=provinces["hanoi_committee"]
    )
    assert routing.route(categories["lighting"], None, province_code="01").unit == hanoi_works
    assert routing.route(categories["road"], None, province_code="01").unit == provinces["hanoi_committee"]
    RoutingRule.objects.create(area=provinces["hanoi"], target=hanoi_works, priority=1, note="HN")
    assert routing.route(categories["road"], None, province_code="01").unit == hanoi_works
    assert routing.route(categories["road"], None).unit == personas.city  # no place at all: the city


# --- R2. A phone-only reporter answers through the hotline -------------------------------------------


def _sent_to(address: str) -> list[Notification]:
    return list(Notification.objects.filter(address=address).order_by("pk"))


def _call_back_line(code: str) -> str:
    with translation.override("vi"):
        return gettext("Or call the 1022 hotline back and give the code %(code)s.") % {"code": code}


@pytest.fixture
def waiting(categories, personas):
    """A phone-only report entered on the hotline, waiting for the caller's information."""
    report = submit_report(
        channel="hotline", entered_by=personas.operator, contact_phone="0912345678", contact_name="Bà Tư"
    )
    report_pause(user=personas.officer, code=report.code, note="Bà vui lòng cho biết số nhà gần nhất.")
    report.refresh_from_db()
    return report


def test_the_sms_request_says_the_reporter_can_call_back_with_the_code(waiting, categories, personas):
    sms = _sent_to("0912345678")[-1]
    assert sms.channel == "sms" and waiting.code in sms.subject
    assert _call_back_line(waiting.code) in sms.body.splitlines()
    # A reporter with an e-mail address gets the e-mail, without the call-back line.
    by_email = submit_report(contact_email="dan@example.vn", contact_phone="0907654321")
    report_pause(user=personas.officer, code=by_email.code, note="Xin ảnh")
    assert _call_back_line(by_email.code) not in _sent_to("dan@example.vn")[-1].body
    assert not _sent_to("0907654321")


def test_the_operator_records_the_callers_answer_on_their_behalf(waiting, personas):
    from citydesk.core.models import AuditEntry

    paused_at = waiting.paused_at
    result = report_reply_by_phone(
        user=personas.operator, code=waiting.code, text="Gần nhà số 5 Lê Thánh Tôn.", idempotency_key="k1"
    )
    assert result.created and result.resumed
    report = Report.objects.get(pk=waiting.pk)
    assert report.paused_at is None
    assert report.due_at == moved_due(waiting.due_at, paused_at, timezone.now())
    reply = report.events.get(kind=ReportEvent.Kind.REPLY)
    assert (reply.actor_id, reply.on_behalf_of, reply.public) == (personas.operator.pk, "Bà Tư", False)
    assert reply.note == "Gần nhà số 5 Lê Thánh Tôn."
    audit = AuditEntry.objects.filter(action="report.reply", object_id=report.code).get()
    assert (audit.actor_id, audit.on_behalf_of, audit.after["channel"]) == (
        personas.operator.pk,
        "Bà Tư",
        "hotline",
    )
    told = Notification.objects.filter(recipient=personas.officer, subject__contains=report.code).last()
    assert "Gần nhà số 5" in told.body and personas.operator.full_name in told.body
    # Sent twice (a double click): one answer.
    again = report_reply_by_phone(user=personas.operator, code=report.code, text="x", idempotency_key="k1")
    assert again.created is False and report.events.filter(kind=ReportEvent.Kind.REPLY).count() == 1


def test_the_operator_records_only_for_a_report_waiting_for_the_citizen(categories, personas):
    report = submit_report(contact_phone="0912345678")
    with pytest.raises(Conflict):
        report_reply_by_phone(user=personas.operator, code=report.code, text="Gần nhà số 5.")
    assert not report.events.filter(kind=ReportEvent.Kind.REPLY).exists()


@pytest.mark.parametrize("who", ["outsider", "citizen"])
def test_nobody_else_records_an_answer(waiting, personas, who):
    with pytest.raises(NotAllowed):
        report_reply_by_phone(user=getattr(personas, who), code=waiting.code, text="Gần nhà số 5.")
    assert Report.objects.get(pk=waiting.pk).paused_at is not None


def test_a_call_centre_beside_the_committee_takes_calls_about_its_citys_reports(waiting, personas):
    """The demo's operators work in "Trung tâm Dịch vụ 1022", a unit beside the wards, not above them."""
    from citydesk.core.models import Membership, User

    centre = Organisation.objects.create(
        code="79.TT1022", name="Trung tâm 1022", kind=OrgKind.OTHER, parent=personas.city
    )
    lan = User.objects.create_user(username="lan", password="pw-lan", full_name="Lê Thị Lan")
    Membership.objects.create(user=lan, organisation=centre, role="operator")
    hanoi = make_unit("01", "Thành phố Hà Nội")
    hanoi_city = Organisation.objects.create(
        code="01", name="UBND Thành phố Hà Nội", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=hanoi
    )
    hanoi_centre = Organisation.objects.create(
        code="01.TT1022", name="Tổng đài Hà Nội", kind=OrgKind.OTHER, parent=hanoi_city
    )
    other = User.objects.create_user(username="hn", password="pw-hn", full_name="Tổng đài viên Hà Nội")
    Membership.objects.create(user=other, organisation=hanoi_centre, role="operator")
    from citydesk.reports import selectors

    assert selectors.takes_calls_about(lan, waiting)
    assert not selectors.takes_calls_about(other, waiting)
    report_reply_by_phone(user=lan, code=waiting.code, text="Gần nhà số 5.")
    assert Report.objects.get(pk=waiting.pk).paused_at is None


def test_the_hotline_screen_opens_a_report_by_its_code(client, waiting, personas):
    client.force_login(personas.operator)
    page = client.get(reverse("reports:hotline")).content.decode()
    assert 'id="id_lookup_code"' in page and reverse("reports:hotline_lookup") in page
    short = "pa-" + waiting.code.split("-", 1)[1].replace("-0000", "-")  # pa-26-12 as a caller reads it
    r = client.get(reverse("reports:hotline_lookup"), {"code": short})
    assert r.status_code == 302 and r.url == reverse("reports:hotline_report", args=[waiting.code])
    page = client.get(r.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Bà vui lòng cho biết số nhà gần nhất." in html  # what to ask the caller
    assert 'name="text"' in html and "0912345678" not in html and "091****678" in html
    r = client.get(reverse("reports:hotline_lookup"), {"code": "PA-26-999999"})
    assert r.status_code == 404 and 'id="err-lookup_code"' in r.content.decode()


def test_the_hotline_page_records_the_answer(client, waiting, personas):
    client.force_login(personas.operator)
    url = reverse("reports:hotline_report", args=[waiting.code])
    r = client.post(url, {"text": "", "idempotency_key": "a1"})
    assert r.status_code == 400 and 'id="err-answer-text"' in r.content.decode()
    r = client.post(url, {"text": "Gần nhà số 5 Lê Thánh Tôn.", "idempotency_key": "a2"})
    assert r.status_code == 302 and r.url == url
    report = Report.objects.get(pk=waiting.pk)
    assert report.paused_at is None and report.events.filter(kind=ReportEvent.Kind.REPLY).count() == 1
    assert (
        client.post(url, {"text": "Gần nhà số 5 Lê Thánh Tôn.", "idempotency_key": "a2"}).status_code == 302
    )
    assert report.events.filter(kind=ReportEvent.Kind.REPLY).count() == 1  # the same form sent again
    page = client.get(url).content.decode()
    assert 'data-testid="not-waiting"' in page and 'name="text"' not in page
    r = client.post(url, {"text": "Thêm nữa", "idempotency_key": "a3"})
    assert r.status_code == 409
    # The handling unit's page says who took it, for whom.
    client.force_login(personas.officer)
    officer_page = client.get(reverse("reports:officer", args=[waiting.code])).content.decode()
    assert 'data-testid="on-behalf-of"' in officer_page and "Bà Tư" in officer_page


@pytest.mark.parametrize("who", ["outsider", "citizen", None])
def test_the_hotline_report_page_is_for_the_operators_only(client, waiting, personas, who):
    if who is not None:
        client.force_login(getattr(personas, who))
    url = reverse("reports:hotline_report", args=[waiting.code])
    lookup = client.get(reverse("reports:hotline_lookup"), {"code": waiting.code})
    page = client.get(url)
    posted = client.post(url, {"text": "Gần nhà số 5.", "idempotency_key": "x1"})
    if who is None:
        assert lookup.status_code == page.status_code == posted.status_code == 302
        assert posted.url.startswith(reverse("web:login"))
    elif who == "outsider":  # an officer of another unit: the report is not theirs to open
        assert lookup.status_code == 404 and "hotline_report" not in lookup.get("Location", "")
        assert page.status_code == posted.status_code == 403
        assert "Bà vui lòng" not in page.content.decode()
    else:
        assert lookup.status_code == page.status_code == posted.status_code == 403
    report = Report.objects.get(pk=waiting.pk)
    assert report.paused_at is not None and not report.events.filter(kind=ReportEvent.Kind.REPLY).exists()


# --- R3. A public note of classify or start reaches the reporter and the followers ------------------


def test_a_public_note_of_a_move_is_sent_to_the_reporter_and_followers(categories, personas):
    report = submit_report(contact_email="dan@example.vn")
    report_follow(code=report.code, email="hang.xom@example.vn")
    report_follow(code=report.code, phone="0907654321")
    before = Notification.objects.count()
    report_transition(user=personas.head, code=report.code, action="classify", note="Nội bộ", version=1)
    assert Notification.objects.count() == before  # an internal note: nobody told
    report = Report.objects.get(pk=report.pk)
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    before = Notification.objects.count()
    report_transition(
        user=personas.officer, code=report.code, action="start", note="Đội sẽ đến chiều nay.", public=True
    )
    sent = list(Notification.objects.order_by("pk")[before:])
    assert sorted((n.channel, n.address) for n in sent) == [
        ("email", "dan@example.vn"),
        ("email", "hang.xom@example.vn"),
        ("sms", "0907654321"),
    ]
    assert all("Đội sẽ đến chiều nay." in n.body and report.code in n.subject for n in sent)
    mine = next(n for n in sent if n.address == "dan@example.vn")
    assert f"t={report.citizen_token}" in mine.body  # the reporter's own link


def test_a_public_note_with_a_new_unit_is_one_message(categories, personas):
    report = submit_report(contact_email="dan@example.vn")
    before = Notification.objects.count()
    report_transition(
        user=personas.head,
        code=report.code,
        action="classify",
        category="street_lighting",
        note="Chuyển Sở Xây dựng xử lý đèn.",
        public=True,
    )
    sent = list(Notification.objects.filter(address="dan@example.vn").order_by("pk"))[-1:]
    assert Notification.objects.filter(address="dan@example.vn").count() == 2  # receipt, then one message
    # the citizen's one message, and the receiving department's head told in-app that it has the report
    added = Notification.objects.filter(pk__gt=0).order_by("pk")[before:]
    assert [n.channel for n in added if n.address == "dan@example.vn"] == ["email"]
    assert Notification.objects.count() == before + 2
    assert "Chuyển Sở Xây dựng xử lý đèn." in sent[0].body and personas.department.name in sent[0].body


# --- R4. The request for information is for the reporter --------------------------------------------


def test_the_public_history_does_not_publish_the_request_for_information(client, waiting, personas):
    asked = "Bà vui lòng cho biết số nhà gần nhất."
    with translation.override("vi"):
        neutral = gettext("Waiting for the reporter to provide more information.")
    public = client.get(reverse("reports:track", args=[waiting.code])).content.decode()
    assert asked not in public and neutral in public
    own = client.get(
        reverse("reports:track", args=[waiting.code]), {"t": waiting.citizen_token}
    ).content.decode()
    assert asked in own
    api = client.get(f"/api/v1/reports/{waiting.code}").json()
    assert asked not in json.dumps(api, ensure_ascii=False)
    assert neutral in [e["note"] for e in api["events"]]
    mine = client.get(f"/api/v1/reports/{waiting.code}?token={waiting.citizen_token}")
    assert asked in json.dumps(mine.json(), ensure_ascii=False)
    client.force_login(personas.officer)
    assert asked in client.get(reverse("reports:track", args=[waiting.code])).content.decode()
    assert asked in client.get(reverse("reports:officer", args=[waiting.code])).content.decode()


def test_the_hotline_says_the_description_is_public(client, categories, personas):
    client.force_login(personas.operator)
    page = client.get(reverse("reports:hotline")).content.decode()
    assert 'id="hint-description"' in page and 'aria-describedby="hint-description description-count"' in page


# --- R5. The officer's pause hint and the paused clock -----------------------------------------------


def test_the_pause_hint_promises_an_email_reply_only_with_a_reply_mailbox(
    client, categories, personas, settings
):
    report = submit_report(contact_email="dan@example.vn")  # someone to ask
    client.force_login(personas.officer)
    url = reverse("reports:officer", args=[report.code])
    with translation.override("vi"):
        by_email = gettext(
            "The deadline clock stops until you resume or the reporter answers; the request goes to the "
            "reporter, who can answer on their tracking page, by replying to the e-mail, or by calling the "
            "1022 hotline back."
        )
        without = gettext(
            "The deadline clock stops until you resume or the reporter answers; the request goes to the "
            "reporter, who can answer on their tracking page or by calling the 1022 hotline back."
        )
    settings.CITYDESK_REPLY_TO = ""
    page = client.get(url).content.decode()
    assert without in page and by_email not in page and "thư điện tử" not in _hint(page)
    settings.CITYDESK_REPLY_TO = "1022@tphcm.example.vn"
    assert by_email in client.get(url).content.decode()


def _hint(page: str) -> str:
    start = page.index('data-testid="pause-hint"')
    return page[start : page.index("</p>", start)]


def test_the_paused_clock_says_hours_once(client, waiting, personas):
    """ "còn 47 giờ 57 phút giờ hành chính": the time left already says its hours."""
    client.force_login(personas.officer)
    url = reverse("reports:officer", args=[waiting.code])
    for language in ("vi", "en"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        start = page.index('data-testid="due"')
        line = page[start : page.index("</dd>", start)]
        assert "phút giờ" not in line and "min of office time" not in line, line
    assert "left in office hours" in line


# --- R6. A pause of a few seconds keeps a 17:00 deadline -------------------------------------------


def _at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    # 2026-11-23 is a Monday; the 24th is a day off (Vietnamese Culture Day).
    return datetime(2026, 11, day, hour, minute, second, tzinfo=HCM)


def test_a_short_pause_keeps_the_due_time_at_the_close_of_the_day(categories, personas):
    report = submit_report(when=_at(23, 9), contact_phone="0901234567")
    report.due_at = _at(27, 17)  # Friday 17:00: a limit in working days
    report.save(update_fields=["due_at"])
    with mock.patch("django.utils.timezone.now", return_value=_at(25, 10)):
        report_pause(user=personas.officer, code=report.code, note="Xin ảnh")
    with mock.patch("django.utils.timezone.now", return_value=_at(25, 10, 0, 20)):
        report_resume(user=personas.officer, code=report.code)
    report.refresh_from_db()
    assert report.due_at == _at(27, 17)  # not Monday 07:30
    with mock.patch("django.utils.timezone.now", return_value=_at(25, 13)):
        report_pause(user=personas.officer, code=report.code, note="Xin ảnh")
    with mock.patch("django.utils.timezone.now", return_value=_at(27, 13)):  # two working days later
        report_resume(user=personas.officer, code=report.code)
    report.refresh_from_db()
    assert report.due_at == datetime(2026, 12, 1, 17, tzinfo=HCM)  # Tuesday, still 17:00


def test_moved_due_counts_the_way_the_due_time_is_counted(categories):
    friday_close = _at(27, 17)
    assert moved_due(friday_close, _at(25, 10), _at(25, 10, 0, 20)) == friday_close
    assert moved_due(friday_close, _at(25, 13), _at(27, 13)) == datetime(2026, 12, 1, 17, tzinfo=HCM)
    assert moved_due(_at(27, 15, 20), _at(25, 11, 25), _at(25, 13, 5)) == _at(27, 15, 30)  # in hours
    assert moved_due(None, _at(25, 13), _at(27, 13)) is None


# --- R7. Following a closed report, and the ward list's type-ahead ---------------------------------


def test_a_closed_or_rejected_report_is_not_offered_to_follow(client, categories, personas):
    report = submit_report()
    page = client.get(reverse("reports:track", args=[report.code])).content.decode()
    assert reverse("reports:follow", args=[report.code]) in page
    report_transition(
        user=personas.head,
        code=report.code,
        action="reject",
        reason="out_of_scope",
        note="Không thuộc thẩm quyền",
    )
    page = client.get(reverse("reports:track", args=[report.code])).content.decode()
    assert reverse("reports:follow", args=[report.code]) not in page
    r = client.post(reverse("reports:follow", args=[report.code]), {"email": "hang.xom@example.vn"})
    assert r.status_code == 409 and 'data-testid="follow-problem"' in r.content.decode()
    with pytest.raises(Conflict):
        report_follow(code=report.code, email="hang.xom@example.vn")
    r = post_json(Client(), f"/api/v1/reports/{report.code}/follow", {"email": "hang.xom@example.vn"})
    assert r.status_code == 409
    assert not Follower.objects.filter(email="hang.xom@example.vn").exists()


def test_a_merged_report_points_to_the_one_it_was_merged_into(client, categories, personas):
    master = submit_report()
    duplicate = submit_report(description="Ổ gà trước chợ")
    report_merge(user=personas.head, code=duplicate.code, into=master.code)
    page = client.get(reverse("reports:track", args=[duplicate.code])).content.decode()
    assert reverse("reports:follow", args=[duplicate.code]) not in page
    assert 'data-testid="follow-merged"' in page and reverse("reports:track", args=[master.code]) in page
    with pytest.raises(Conflict) as refused:
        report_follow(code=duplicate.code, email="hang.xom@example.vn")
    assert master.code in refused.value.message


def test_the_hotline_ward_list_starts_with_the_proper_names(client, categories, personas):
    from citydesk.reports.views.common import ward_option_label

    assert ward_option_label("Phường Bến Thành", "phường") == "Bến Thành (phường)"
    assert ward_option_label("Xã Bình Chánh", "xã") == "Bình Chánh (xã)"
    assert ward_option_label("Đặc khu Côn Đảo", "") == "Côn Đảo (đặc khu)"
    assert ward_option_label("Bến Thành", "phường") == "Bến Thành"
    client.force_login(personas.operator)
    page = client.get(reverse("reports:hotline")).content.decode()
    ben_thanh = page.index('data-code="26743"')
    sai_gon = page.index('data-code="26740"')
    assert ben_thanh < sai_gon  # B before S: Vietnamese order of the proper names
    # The ward field's suggestions (QA-A11Y-2 H2): the label, found by unaccented typing or the code.
    assert '<option value="Bến Thành (phường)" label="ben thanh (phuong) · 26743" data-code="26743">' in page


# --- A routing rule without an area stays in its target's city ---------------------------------------


def test_a_rule_without_area_takes_its_own_citys_reports_only(personas, categories, provinces):
    from citydesk.reports.models import RoutingRule
    from citydesk.reports.services import report_submit

    # "Every road report to Bến Thành", as an admin of HCMC might set for a campaign.
    RoutingRule.objects.create(priority=1, category=categories["road"], target=personas.ward)

    def routed(ward_code: str) -> str:
        return report_submit(
            category="road_damage",
            description="Ổ gà",
            channel="app",
            ward_code=ward_code,
            address="12 Phố Huế",
        ).report.unit.code

    assert routed("26740") == "26743"  # Sài Gòn ward, HCMC: the rule applies
    assert routed("00070") == "01"  # Hoàn Kiếm, Hà Nội: never to an HCMC ward
