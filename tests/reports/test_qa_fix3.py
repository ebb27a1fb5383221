"""QA defects (third round): the version of a move is required, reports from places nobody here serves,
what an officer may do now, the queue's filters, who answers a request for information, where the
reporter's messages go, the tracking page (contact details, following), the officer page's "public",
the public history of an assignment, the report form's prefill, the request's e-mail, the queue's count."""

from __future__ import annotations

import json
import re
from email.message import EmailMessage
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from citydesk.core.errors import NotAllowed
from citydesk.core.models import Organisation, OrgKind
from citydesk.notifications.models import Notification
from citydesk.reports.email_intake import ingest, receive
from citydesk.reports.models import Follower, Report, ReportEvent, RoutingRule, Status
from citydesk.reports.services import report_follow, report_pause, report_transition
from tests.conftest import make_unit

from .conftest import BEN_THANH, submit_report

pytestmark = pytest.mark.django_db

BODY = {
    "category": "road_damage",
    "description": "Ổ gà sâu trước số 12 Lê Lợi",
    "lon": BEN_THANH[0],
    "lat": BEN_THANH[1],
    "contact_email": "dan@example.vn",
}
DA_NANG = (108.2208, 16.0544)


def post_json(client: Client, url: str, body: dict, **headers) -> object:
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def _mail(subject: str, body: str, *, sender: str, message_id: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "1022@hochiminhcity.gov.vn"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(body)
    return message.as_bytes()


def _sent_to(address: str) -> list[Notification]:
    return list(Notification.objects.filter(address=address).order_by("pk"))


def _pin_sent_to(address: str) -> str:
    """The 6-digit code to follow a report last sent to `address` (an e-mail's link comes before it)."""
    return re.findall(r"(?<![\w-])(\d{6})(?!\w)", _sent_to(address)[-1].body)[-1]


# --- 1. A move without the version it was decided on is refused ------------------------------------


def test_an_action_without_version_is_refused_naming_version(categories, personas, bearer):
    report = submit_report()
    url = f"/api/v1/reports/{report.code}/actions"
    missing = post_json(Client(), url, {"action": "classify"}, **bearer(personas.head))
    assert missing.status_code == 400, missing.content
    assert missing.json()["field"] == "version"
    report.refresh_from_db()
    assert report.status == Status.RECEIVED and report.version == 1
    stale = post_json(Client(), url, {"action": "classify", "version": 0}, **bearer(personas.head))
    assert stale.status_code == 400 and stale.json()["field"] == "version"
    done = post_json(Client(), url, {"action": "classify", "version": 1}, **bearer(personas.head))
    assert done.status_code == 200 and done.json()["status"] == "classified"


def test_the_officer_page_still_moves_with_the_version_it_shows(client, categories, personas):
    report = submit_report()
    client.force_login(personas.head)
    page = client.get(reverse("reports:officer", args=[report.code]))
    assert f'name="version" value="{report.version}"' in page.content.decode()
    r = client.post(
        reverse("reports:action", args=[report.code]), {"action": "classify", "version": report.version}
    )
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.CLASSIFIED


# --- 2. Places no unit of the platform serves ------------------------------------------------------


@pytest.fixture
def da_nang(personas):
    province = make_unit("48", "Thành phố Đà Nẵng")
    ward = make_unit("20194", "Phường Hải Châu", province, DA_NANG[0], DA_NANG[1])
    return province, ward


def test_a_point_in_a_province_nobody_serves_is_refused_naming_it(categories, personas, da_nang):
    body = BODY | {"lon": DA_NANG[0], "lat": DA_NANG[1]}
    r = post_json(Client(), "/api/v1/reports", body)
    assert r.status_code == 400, r.content
    assert r.json()["field"] == "lon" and "Thành phố Đà Nẵng" in r.json()["detail"]
    assert not Report.objects.exists() and not Notification.objects.exists()


def test_a_ward_code_in_a_province_nobody_serves_is_refused(categories, personas, da_nang):
    body = {k: v for k, v in BODY.items() if k not in ("lon", "lat")} | {"ward_code": "20194"}
    r = post_json(Client(), "/api/v1/reports", body)
    assert r.status_code == 400, r.content
    assert r.json()["field"] == "ward_code" and "Thành phố Đà Nẵng" in r.json()["detail"]
    assert not Report.objects.exists()


def test_the_report_form_says_the_place_is_not_served(client, categories, personas, da_nang):
    r = client.post(
        reverse("reports:new"),
        {
            "category": "road_damage",
            "description": "Ổ gà",
            "lon": DA_NANG[0],
            "lat": DA_NANG[1],
            "idempotency_key": "k-dn-1",
        },
    )
    assert r.status_code == 400
    assert "Thành phố Đà Nẵng" in r.content.decode()
    assert not Report.objects.exists()


def test_a_province_with_its_own_organisation_receives_reports(categories, personas, da_nang):
    province, _ward = da_nang
    Organisation.objects.create(
        code="48", name="UBND Thành phố Đà Nẵng", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=province
    )
    r = post_json(Client(), "/api/v1/reports", BODY | {"lon": DA_NANG[0], "lat": DA_NANG[1]})
    assert r.status_code == 201, r.content
    assert r.json()["unit_code"] == "48" and r.json()["ward_code"] == "20194"


def test_a_routing_rule_for_the_place_serves_it(categories, personas, da_nang):
    province, _ward = da_nang
    RoutingRule.objects.create(area=province, target=personas.department, priority=1, note="Đà Nẵng")
    r = post_json(Client(), "/api/v1/reports", BODY | {"lon": DA_NANG[0], "lat": DA_NANG[1]})
    assert r.status_code == 201, r.content
    assert r.json()["unit_code"] == personas.department.code


def test_open311_names_the_parameter_and_the_province(categories, personas, da_nang):
    from urllib.parse import urlencode

    from citydesk.core.audit import Actor
    from citydesk.reports.open311 import open311_client_create

    key = open311_client_create(actor=Actor.system("test"), name="Ứng dụng thử")[1]
    data = {
        "api_key": key,
        "service_code": "road_damage",
        "description": "Ổ gà",
        "lat": DA_NANG[1],
        "long": DA_NANG[0],
    }
    r = Client().post(
        "/open311/v2/requests.json", urlencode(data), content_type="application/x-www-form-urlencoded"
    )
    assert r.status_code == 400, r.content
    [error] = r.json()
    assert error["description"].startswith("long: ") and "Thành phố Đà Nẵng" in error["description"]
    assert not Report.objects.exists()


def test_a_point_far_from_every_ward_is_refused(categories, personas):
    # Phnom Penh is inside Vietnam's bounding box; the nearest ward centre would otherwise take it.
    r = post_json(Client(), "/api/v1/reports", BODY | {"lon": 104.92, "lat": 11.56})
    assert r.status_code == 400, r.content
    assert r.json()["field"] == "lon"
    assert not Report.objects.exists()


def test_a_point_in_the_city_is_still_received(categories, personas):
    r = post_json(Client(), "/api/v1/reports", BODY)
    assert r.status_code == 201 and r.json()["unit_code"] == "26743"


# --- 3. allowed_actions: what this user may do now --------------------------------------------------


def test_allowed_actions_are_the_callers(categories, personas, bearer):
    report = submit_report()
    url = f"/api/v1/reports/{report.code}"
    officer = Client().get(url, **bearer(personas.officer)).json()
    assert officer["allowed_actions"] == []  # classify, assign, reject, transfer need the assign power
    head = Client().get(url, **bearer(personas.head)).json()
    assert set(head["allowed_actions"]) == {"classify", "assign", "reject", "transfer"}
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    officer = Client().get(url, **bearer(personas.officer)).json()
    assert officer["allowed_actions"] == ["start", "resolve"]
    # Every action offered goes through.
    r = post_json(
        Client(),
        f"{url}/actions",
        {"action": "start", "version": officer["version"]},
        **bearer(personas.officer),
    )
    assert r.status_code == 200 and r.json()["allowed_actions"] == ["resolve"]


def test_the_queue_items_carry_the_callers_actions(categories, personas, bearer):
    submit_report()
    items = Client().get("/api/v1/reports", **bearer(personas.officer)).json()["items"]
    assert [i["allowed_actions"] for i in items] == [[]]
    items = Client().get("/api/v1/reports", **bearer(personas.head)).json()["items"]
    assert set(items[0]["allowed_actions"]) == {"classify", "assign", "reject", "transfer"}


# --- 4. The queue's filters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, field",
    [
        ({"category": "nope"}, "category"),
        ({"unit": "99999"}, "unit"),
        ({"unit": "26740"}, "unit"),  # another ward: not one of mine
        ({"assignee": "bob"}, "assignee"),
        ({"assignee": "other_head"}, "assignee"),  # an officer of another ward
    ],
)
def test_a_bad_queue_filter_is_refused_naming_it(categories, personas, bearer, params, field):
    submit_report()
    r = Client().get("/api/v1/reports", params, **bearer(personas.officer))
    assert r.status_code == 400, r.content
    assert r.json()["field"] == field


def test_good_queue_filters_still_select(categories, personas, bearer):
    report = submit_report()
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    for params in (
        {"category": "road_damage"},
        {"unit": "26743"},
        {"assignee": "officer"},
        {"assignee": "me"},
    ):
        r = Client().get("/api/v1/reports", params, **bearer(personas.officer))
        assert r.status_code == 200 and r.json()["count"] == 1, params
    r = Client().get("/api/v1/reports", {"assignee": "none"}, **bearer(personas.officer))
    assert r.status_code == 200 and r.json()["count"] == 0


def test_a_page_past_the_end_is_not_found(categories, personas, bearer):
    submit_report()
    r = Client().get("/api/v1/reports", {"page": 999}, **bearer(personas.officer))
    assert r.status_code == 404 and r.json()["field"] == "page"
    first = Client().get("/api/v1/reports", {"page": 1}, **bearer(personas.officer)).json()
    assert first["page"] == 1 and first["pages"] == 1 and first["count"] == 1


def test_an_empty_queue_still_has_its_first_page(categories, personas, bearer):
    r = Client().get("/api/v1/reports", **bearer(personas.officer))
    assert r.status_code == 200 and r.json() == {"count": 0, "page": 1, "pages": 1, "items": []}


def test_a_citizen_has_no_queue(categories, personas, bearer):
    submit_report()
    assert Client().get("/api/v1/reports", **bearer(personas.citizen)).status_code == 403


def test_the_web_queue_says_a_bad_category_unit_or_assignee(client, categories, personas):
    submit_report()
    client.force_login(personas.officer)
    for params, field in (({"category": "nope"}, "category"), ({"unit": "26740"}, "unit")):
        r = client.get(reverse("reports:queue"), params)
        assert r.status_code == 400
        assert f'data-field="{field}"' in r.content.decode()
    r = client.get(reverse("reports:queue"), {"assignee": "bob"})
    assert r.status_code == 400 and 'data-field="assignee"' in r.content.decode()
    # The refused filter is not applied: the report is still listed, and the page says so.
    assert "Ổ gà lớn trước chợ Bến Thành" in r.content.decode()
    assert 'data-testid="filters-not-applied"' in r.content.decode()
    bad_date = client.get(reverse("reports:queue"), {"received_from": "31/11/2026"}).content.decode()
    assert 'data-field="received_from"' in bad_date and "chưa áp dụng bộ lọc này" in bad_date
    assert 'data-testid="filters-not-applied"' not in client.get(reverse("reports:queue")).content.decode()


# --- 5. Only the reporter answers a request for information -----------------------------------------


def test_a_followers_email_does_not_answer_for_the_reporter(personas, categories):
    report, _created = ingest(
        _mail(
            "[road_damage] Ổ gà trước chợ Bến Thành",
            "Ổ gà rất sâu.\nTọa độ: 10.7714, 106.6946\n",
            sender="Nguyễn Văn Dân <dan@example.vn>",
            message_id="<m1@example.vn>",
        )
    )
    report_follow(code=report.code, email="hang.xom@example.vn")
    report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
    raw = _mail(
        f"Re: {report.code}",
        "Nhà tôi cũng thấy.",
        sender="Hàng Xóm <hang.xom@example.vn>",
        message_id="<f1@x>",
    )
    with pytest.raises(NotAllowed):
        receive(raw)
    report.refresh_from_db()
    assert report.paused_at is not None  # the clock still waits for the reporter
    assert not report.events.filter(kind=ReportEvent.Kind.REPLY).exists()
    answer = _sent_to("hang.xom@example.vn")[-1]
    assert report.code in answer.subject and report.code in answer.body
    # The reporter's own answer is taken and restarts the clock.
    raw = _mail(f"Re: {report.code}", "Ảnh đây.", sender="dan@example.vn", message_id="<r1@x>")
    assert receive(raw).kind == "reply"
    report.refresh_from_db()
    assert report.paused_at is None


def test_a_follower_with_an_account_cannot_answer_either(personas, categories):
    from citydesk.reports.services import report_reply

    report = submit_report(contact_email="dan@example.vn")
    report_follow(code=report.code, user=personas.outsider)
    report_pause(user=personas.officer, code=report.code, note="Xin ảnh")
    with pytest.raises(NotAllowed):
        report_reply(code=report.code, text="Tôi cũng thấy", channel="web", user=personas.outsider)
    with pytest.raises(NotAllowed):
        report_reply(code=report.code, text="Tôi cũng thấy", channel="email", email="outsider@example.vn")


# --- 6. A logged-in reporter's contact details are where the report's messages go -----------------


def test_a_logged_in_reporters_messages_go_to_the_contact_details_of_the_report(client, categories, personas):
    client.force_login(personas.citizen)
    r = client.post(
        reverse("reports:new"),
        {
            "category": "road_damage",
            "description": "Ổ gà sâu",
            "lon": BEN_THANH[0],
            "lat": BEN_THANH[1],
            "contact_name": "Ngô Thị Mai",
            "contact_email": "mai.ngo@example.vn",
            "contact_phone": "0987654321",
            "idempotency_key": "k-mai-1",
        },
    )
    assert r.status_code == 302, r.content
    report = Report.objects.get()
    assert report.reporter == personas.citizen
    report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=report.code, action="resolve", resolution="Đã vá")
    emails = _sent_to("mai.ngo@example.vn")
    assert len(emails) == 3  # receipt, request for information, resolution
    assert not _sent_to("0987654321")  # the e-mail carries it all: no SMS on top (it costs the city)
    assert report.code in emails[1].body and "?t=" in emails[2].body  # their own link, to rate
    assert not _sent_to(personas.citizen.email)  # not the account's address: they gave another


def test_without_contact_details_the_accounts_email_is_used(categories, personas):
    report = submit_report(reporter=personas.citizen)
    report_pause(user=personas.officer, code=report.code, note="Xin ảnh")
    subjects = [m.subject for m in _sent_to(personas.citizen.email)]
    assert subjects == [
        f"Đã tiếp nhận phản ánh {report.code}",
        f"Phản ánh {report.code}: cần bổ sung thông tin",
    ]


# --- 7. The reporter sees their contact details on the tracking page ------------------------------


def test_the_tracking_page_shows_the_reporter_their_contact_details(client, categories, personas):
    report = submit_report(reporter=personas.citizen, contact_name="Ngô Thị Mai", contact_phone="0987654321")
    url = reverse("reports:track", args=[report.code])
    public = client.get(url).content.decode()
    assert "0987654321" not in public and 'data-testid="my-contact"' not in public
    with_token = client.get(url, {"t": report.citizen_token}).content.decode()
    assert 'data-testid="my-contact-phone">0987654321<' in with_token
    client.force_login(personas.citizen)
    logged_in = client.get(url).content.decode()
    assert 'data-testid="my-contact-name">Ngô Thị Mai<' in logged_in
    client.force_login(personas.outsider)
    assert "0987654321" not in client.get(url).content.decode()


# --- 8. Following from the tracking page -------------------------------------------------------------


def test_after_following_the_page_says_so_and_offers_to_stop(client, categories, personas):
    report = submit_report(contact_email="dan@example.vn")
    client.force_login(personas.outsider)
    url = reverse("reports:track", args=[report.code])
    before = client.get(url).content.decode()
    assert 'data-testid="follow-to"' in before and personas.outsider.email in before
    assert "hộp thư CityDesk" not in before
    client.post(reverse("reports:follow", args=[report.code]))
    after = client.get(url).content.decode()
    assert 'data-testid="following"' in after and 'data-testid="unfollow"' in after
    assert personas.outsider.email in after
    follower = Follower.objects.get(report=report, user=personas.outsider)
    action = after.split('data-testid="following"')[1].split('action="')[1].split('"')[0]
    assert client.post(action).status_code == 200
    assert not Follower.objects.filter(pk=follower.pk).exists()
    assert 'data-testid="following"' not in client.get(url).content.decode()


def test_an_anonymous_follower_sees_it_in_the_same_browser(client, categories, personas):
    report = submit_report(contact_email="dan@example.vn")
    url = reverse("reports:track", args=[report.code])
    follow_url = reverse("reports:follow", args=[report.code])
    client.post(follow_url, {"email": "hang.xom@example.vn"})
    pending = client.get(url).content.decode()  # a code was sent: the page asks for it
    assert 'data-testid="following"' not in pending and 'data-testid="follow-confirm" open' in pending
    pin = _pin_sent_to("hang.xom@example.vn")
    assert client.post(follow_url, {"email": "hang.xom@example.vn", "pin": pin}).status_code == 302
    page = client.get(url).content.decode()
    assert 'data-testid="following"' in page and "ha***@example.vn" in page
    assert 'data-testid="following"' not in Client().get(url).content.decode()


def test_an_account_without_email_follows_by_the_address_it_gives(client, categories, personas):
    report = submit_report(contact_email="dan@example.vn")
    personas.outsider.email = ""
    personas.outsider.save(update_fields=["email"])
    client.force_login(personas.outsider)
    url = reverse("reports:track", args=[report.code])
    assert 'id="id_follow_email"' in client.get(url).content.decode()
    follow_url = reverse("reports:follow", args=[report.code])
    client.post(follow_url, {"phone": "0912345678"})  # not the account's own: its code is sent there
    assert not Follower.objects.filter(report=report, phone="0912345678").exists()
    client.post(follow_url, {"phone": "0912345678", "pin": _pin_sent_to("0912345678")})
    assert Follower.objects.filter(report=report, phone="0912345678").exists()
    assert 'data-testid="following"' in client.get(url).content.decode()


# --- 9. The officer page: "public" is about the report, not the contact ---------------------------


def test_the_officer_page_says_the_report_is_public_outside_the_contact_box(client, categories, personas):
    report = submit_report(contact_email="dan@example.vn")
    client.force_login(personas.officer)
    page = client.get(reverse("reports:officer", args=[report.code])).content.decode()
    contact = page.split('id="contact"')[1].split("</section>")[0]
    assert "Công khai" not in contact
    assert 'data-testid="report-public"' in page and 'data-testid="report-public"' not in contact


# --- 10. The public history shows the assignment ------------------------------------------------------


def test_the_public_history_has_the_move_into_assigned_without_the_name(categories, personas):
    report = submit_report()
    report_transition(user=personas.head, code=report.code, action="classify")
    report_transition(
        user=personas.head, code=report.code, action="assign", assignee="officer", note="Anh Minh xử lý gấp"
    )
    report_transition(user=personas.officer, code=report.code, action="start")
    public = list(
        report.events.filter(public=True, kind=ReportEvent.Kind.STATUS)
        .order_by("pk")
        .values_list("from_status", "to_status", "note")
    )
    assert [(f, t) for f, t, _n in public] == [
        ("", "received"),
        ("received", "classified"),
        ("classified", "assigned"),
        ("assigned", "in_progress"),
    ]
    assigned_note = public[2][2]
    assert assigned_note == ""
    shown = " ".join(e.display_note for e in report.events.filter(public=True))
    assert "Minh" not in shown and "officer" not in shown
    # The officers keep the assignment's note, internally.
    assert report.events.filter(public=False, note="Anh Minh xử lý gấp").exists()


def test_a_new_officer_on_an_assigned_report_stays_internal(categories, personas):
    report = submit_report()
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report_transition(user=personas.head, code=report.code, action="assign", assignee="deputy")
    moves = list(
        report.events.filter(kind=ReportEvent.Kind.STATUS, to_status="assigned")
        .order_by("pk")
        .values_list("public", flat=True)
    )
    assert moves == [True, False]


def test_the_tracking_page_shows_the_assignment(client, categories, personas):
    report = submit_report()
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    history = client.get(reverse("reports:track", args=[report.code])).content.decode()
    history = history.split('data-testid="history"')[1]
    assert "Đã giao xử lý" in history and "Trần Văn Minh" not in history


# --- 11. The report form prefills a logged-in citizen's details --------------------------------------


def test_the_report_form_prefills_the_citizens_name_and_email(client, categories, personas):
    client.force_login(personas.citizen)
    page = client.get(reverse("reports:new")).content.decode()
    assert 'name="contact_name" value="Ngô Thị Mai"' in page
    assert 'value="citizen@example.vn"' in page
    anonymous = Client().get(reverse("reports:new")).content.decode()
    assert 'name="contact_name" value=""' in anonymous


# --- 12. The request for information says a reply to the e-mail is enough --------------------------


def test_without_a_reply_mailbox_no_reply_is_promised(categories, personas, settings):
    settings.CITYDESK_REPLY_TO = ""
    report = submit_report(contact_email="dan@example.vn")
    report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
    request = _sent_to("dan@example.vn")[-1]
    assert [line for line in request.body.splitlines() if report.code in line and "http" not in line] == []


def test_the_email_carries_the_reply_mailbox(settings):
    from django.core import mail

    from citydesk.notifications.channels import EmailTransport
    from citydesk.notifications.models import Notification

    settings.CITYDESK_REPLY_TO = "1022@tphcm.example.vn"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    EmailTransport().deliver(Notification(channel="email", address="dan@example.vn", subject="S", body="B"))
    assert mail.outbox[-1].reply_to == ["1022@tphcm.example.vn"]


def test_the_request_for_information_email_invites_a_reply(categories, personas, settings):
    settings.CITYDESK_REPLY_TO = "1022@tphcm.example.vn"
    report = submit_report(contact_email="dan@example.vn", contact_phone="0901234567")
    report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
    request = _sent_to("dan@example.vn")[-1]
    assert report.code in request.subject
    assert request.body.count(report.code) >= 2  # the link, and the code to keep in a reply's subject
    # A line that is not a link names the code to keep in the subject of a reply.
    said = [line for line in request.body.splitlines() if report.code in line and "http" not in line]
    assert len(said) == 1
    phone_only = submit_report(contact_phone="0907654321")
    report_pause(user=personas.officer, code=phone_only.code, note="Xin ảnh chụp rõ hơn")
    sms = _sent_to("0907654321")[-1]  # a reporter without e-mail gets the SMS, without the e-mail's line
    assert sms.channel == "sms"
    said = [line for line in sms.body.splitlines() if phone_only.code in line and "http" not in line]
    # Only the invitation to call the hotline back with the code (QA R2), not the e-mail's reply line.
    with translation.override("vi"):
        call_back = gettext("Or call the 1022 hotline back and give the code %(code)s.")
    assert said == [call_back % {"code": phone_only.code}]


# --- 13. The queue's count in the language's number format -------------------------------------------


def test_the_queue_count_is_grouped(client, categories, personas):
    from django.core.paginator import Paginator

    submit_report()
    client.force_login(personas.officer)
    with mock.patch.object(Paginator, "count", new_callable=mock.PropertyMock, return_value=1118):
        page = client.get(reverse("reports:queue")).content.decode()
    assert '<p data-testid="queue-count">1.118 phản ánh</p>' in page


def test_a_handler_without_a_place_keeps_every_place_served(categories, personas):
    """A People's Committee made in the back office without its administrative unit: the platform cannot
    tell which province it serves, so no report is refused for its place (as before the check)."""
    from citydesk.core import configcache
    from citydesk.core.models import Organisation
    from citydesk.reports import selectors

    assert not selectors.serves("48")  # Đà Nẵng: nobody here serves it
    Organisation.objects.filter(pk=personas.city.pk).update(admin_unit=None)
    configcache.clear()
    assert selectors.serves("48")


def test_the_queue_has_no_empty_select_column_for_who_cannot_assign(client, categories, personas):
    submit_report()
    client.force_login(personas.officer)
    page = client.get(reverse("reports:queue")).content.decode()
    assert 'class="pick-cell"' not in page and 'visually-hidden">Chọn</span></th>' not in page
    client.force_login(personas.head)
    assert 'class="pick-cell"' in client.get(reverse("reports:queue")).content.decode()


def test_a_finished_report_shows_no_due_time_to_the_public(client, categories, personas):
    from citydesk.reports.services import report_transition

    report = submit_report()
    assert 'data-testid="due"' in client.get(f"/tra-cuu/{report.code}/").content.decode()
    report_transition(user=personas.head, code=report.code, action="reject", reason="out_of_scope")
    assert 'data-testid="due"' not in client.get(f"/tra-cuu/{report.code}/").content.decode()
