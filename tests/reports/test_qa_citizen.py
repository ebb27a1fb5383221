"""What citizens receive and do (QA on the demo): messages in their language with their own link, rating
again after a reopening, following without duplicates, stopping updates, SMS that keep their link, the
rating comment kept from the public, requests for information to the reporter only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from citydesk.core.errors import Conflict
from citydesk.notifications import channels
from citydesk.notifications.models import Notification
from citydesk.notifications.services import deliver_due
from citydesk.reports.models import Follower, Rating, Report, ReportEvent
from citydesk.reports.services import report_note, report_pause, report_rate, report_transition
from citydesk.reports.services.citizen import report_follow_outcome
from citydesk.reports.services.common import unfollow_key
from tests.ioc.test_rollup import assert_equal_to_a_recount

from .conftest import submit_report

pytestmark = pytest.mark.django_db

REPORTER = "dan@example.vn"
NEIGHBOUR = "binh.le@example.com"


def submit(**kwargs) -> Report:
    return submit_report(**({"contact_name": "Nguyễn Văn Dân", "contact_email": REPORTER} | kwargs))


def to(address: str) -> list[Notification]:
    return list(Notification.objects.filter(address__iexact=address).order_by("pk"))


def pin_sent_to(address: str) -> str:
    """The 6-digit code to follow a report last sent to `address` (an e-mail's link comes before it)."""
    return re.findall(r"(?<![\w-])(\d{6})(?!\w)", to(address)[-1].body)[-1]


def resolve(personas, report: Report, text: str = "Đã vá ổ gà.") -> Report:
    if report.assignee_id is None:
        report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=report.code, action="resolve", resolution=text)
    return Report.objects.get(pk=report.pk)


# --- 1. Messages to citizens are in the site's language, not the officer's --------------------------


def test_an_english_speaking_officer_rejects_and_the_citizen_reads_vietnamese(personas, categories):
    report = submit()
    report_follow_outcome(code=report.code, email=NEIGHBOUR)
    Notification.objects.all().delete()
    with translation.override("en"):
        report_transition(
            user=personas.head,
            code=report.code,
            action="reject",
            reason="out_of_scope",
            note="Điện lực xử lý.",
        )
    for address in (REPORTER, NEIGHBOUR):
        (message,) = to(address)
        assert message.subject == f"Phản ánh {report.code}: không được tiếp nhận xử lý"
        assert "Không thuộc thẩm quyền của Thành phố. Điện lực xử lý." in message.body
        assert "Rejected" not in message.subject and "competence" not in message.body


def test_the_page_of_an_officer_in_english_writes_to_the_citizen_in_vietnamese(personas, categories):
    report = submit()
    Notification.objects.all().delete()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas.head)
    r = client.post(
        f"/xu-ly/{report.code}/thao-tac/",
        {
            "action": "transfer",
            "target_unit": "26740",
            "note": "Thuộc phường Sài Gòn",
            "version": report.version,
        },
    )
    assert r.status_code == 302
    (message,) = to(REPORTER)
    assert message.subject == f"Phản ánh {report.code}: đã chuyển đơn vị"
    assert "Đã chuyển đến UBND Phường Sài Gòn." in message.body


def test_a_public_note_in_english_keeps_the_officers_words_and_a_vietnamese_subject(personas, categories):
    report = submit()
    Notification.objects.all().delete()
    with translation.override("en"):
        report_note(user=personas.head, code=report.code, text="Đội sẽ đến chiều nay.", public=True)
    (message,) = to(REPORTER)
    assert message.subject == f"Phản ánh {report.code}: thông tin cập nhật"
    assert message.body.startswith("Đội sẽ đến chiều nay.")


# --- 2. Rating again after a reopening; the unit and the followers hear of the reopening --------------


def test_after_a_reopening_and_a_new_resolution_the_reporter_rates_again(personas, categories):
    report = resolve(personas, submit())
    report_rate(
        code=report.code, level="unsatisfied", comment="Vẫn còn ổ gà", reopen=True, token=report.citizen_token
    )
    first = Rating.objects.get(report=report)
    report_transition(user=personas.officer, code=report.code, action="start")
    report = resolve(personas, report, "Đã trải nhựa lại.")
    report = report_rate(code=report.code, level="satisfied", comment="Tốt", token=report.citizen_token)
    rating = Rating.objects.get(report=report)  # still one row: updated, not added
    assert rating.pk == first.pk and rating.level == "satisfied" and rating.comment == "Tốt"
    assert rating.created_at > report.resolved_at
    assert report.status == "closed"
    earlier = [
        e for e in report.events.filter(kind="rating", public=False) if "Vẫn còn ổ gà" in e.display_note
    ]
    assert earlier  # the earlier rating stays in the history, for the unit
    with pytest.raises(Conflict) as refused:  # one rating per resolution
        report_rate(code=report.code, level="normal", token=report.citizen_token)
    assert refused.value.field == "level"
    assert_equal_to_a_recount()  # the operations center's roll-ups follow the updated row


def test_the_tracking_page_offers_the_form_again_after_a_new_resolution(client, personas, categories):
    report = resolve(personas, submit())
    report_rate(code=report.code, level="unsatisfied", reopen=True, token=report.citizen_token)
    report_transition(user=personas.officer, code=report.code, action="start")
    report = resolve(personas, report, "Đã trải nhựa lại.")
    html = client.get(f"/tra-cuu/{report.code}/", {"t": report.citizen_token}).content.decode()
    assert 'id="rating-form"' in html and 'data-testid="rerating"' in html
    assert 'data-testid="rating"' not in html  # the earlier rating is history, not the current one
    r = client.post(f"/tra-cuu/{report.code}/danh-gia/", {"level": "satisfied", "t": report.citizen_token})
    assert r.status_code == 302
    assert Rating.objects.get(report=report).level == "satisfied"


def test_a_reopening_tells_the_assignee_and_the_followers_not_the_reporter(personas, categories):
    report = resolve(personas, submit())
    report_follow_outcome(code=report.code, email=NEIGHBOUR)
    Notification.objects.all().delete()
    report_rate(
        code=report.code, level="unsatisfied", comment="Vẫn còn", reopen=True, token=report.citizen_token
    )
    officer = Notification.objects.get(recipient=personas.officer, channel="in_app")
    assert (
        report.code in officer.subject
        and "Vẫn còn" in officer.body
        and f"/xu-ly/{report.code}/" in officer.body
    )
    assert not Notification.objects.filter(recipient=personas.head).exists()
    (neighbour,) = to(NEIGHBOUR)
    assert neighbour.subject == f"Phản ánh {report.code}: mở lại"
    assert "Vẫn còn" not in neighbour.body  # the comment is not the public's
    assert to(REPORTER) == []


def test_a_reopening_without_an_active_assignee_tells_the_heads(personas, categories):
    report = resolve(personas, submit())
    personas.officer.is_active = False  # the officer left the unit
    personas.officer.save(update_fields=["is_active"])
    Notification.objects.all().delete()
    report_rate(code=report.code, level="unsatisfied", reopen=True, token=report.citizen_token)
    assert Notification.objects.filter(
        recipient=personas.head, channel="in_app", subject__contains=report.code
    )
    assert not Notification.objects.filter(recipient=personas.officer).exists()
    assert not Notification.objects.filter(recipient=personas.deputy).exists()


# --- 3. The resolution: the reporter's own link, an invitation to rate, the reopening deadline ---------


def test_the_resolution_reaches_the_reporter_with_their_link_and_the_followers_with_the_public_one(
    personas, categories, settings
):
    settings.CITYDESK_PUBLIC_URL = "https://1022.example.vn"
    report = submit()
    report_follow_outcome(code=report.code, email=NEIGHBOUR)
    Notification.objects.all().delete()
    report = resolve(personas, report)
    (mine,) = to(REPORTER)
    assert f"https://1022.example.vn/tra-cuu/{report.code}/?t={report.citizen_token}" in mine.body
    until = timezone.localtime(report.resolved_at + timedelta(days=settings.CITYDESK_REOPEN_DAYS))
    assert until.strftime("%d/%m/%Y %H:%M") in mine.body
    assert mine.body.startswith("Đã vá ổ gà.")
    (theirs,) = to(NEIGHBOUR)
    assert f"https://1022.example.vn/tra-cuu/{report.code}/\n" in theirs.body
    assert report.citizen_token not in theirs.body


# --- 4. Following: no duplicates, idempotent, one message per address, a link to stop ----------------


def test_following_twice_in_another_case_is_one_follow(client, personas, categories):
    report = submit()
    url = f"/api/v1/reports/{report.code}/follow"
    assert client.post(url, {"email": NEIGHBOUR}, content_type="application/json").status_code == 202
    confirmed = client.post(
        f"{url}/confirm",
        {"email": NEIGHBOUR, "code": pin_sent_to(NEIGHBOUR)},
        content_type="application/json",
    )
    assert confirmed.status_code == 201
    r = client.post(url, {"email": NEIGHBOUR.upper()}, content_type="application/json")
    # Following already: a code like anyone's (the answer tells a stranger nothing), no second follower.
    assert r.status_code == 202 and len(to(NEIGHBOUR)) == 2
    assert list(
        Follower.objects.filter(report=report, user=None, phone="").values_list("email", flat=True)
    ) == [
        REPORTER,
        NEIGHBOUR,
    ]
    assert report_follow_outcome(code=report.code, email=" Binh.Le@Example.COM ").created is False
    assert report_follow_outcome(code=report.code, phone="+84 912 345 678").created is True
    assert report_follow_outcome(code=report.code, phone="0912.345.678").created is False
    assert report_follow_outcome(code=report.code, email=REPORTER.upper()).created is False


def test_the_follow_page_says_when_nothing_changed(client, personas, categories):
    report = submit()
    url = f"/tra-cuu/{report.code}/theo-doi/"
    assert client.post(url, {"email": NEIGHBOUR}).status_code == 302
    assert client.post(url, {"email": NEIGHBOUR, "pin": pin_sent_to(NEIGHBOUR)}).status_code == 302
    sent = len(to(NEIGHBOUR))
    # Asked again (another browser, say): a code as for anyone, then the page says it already followed.
    assert client.post(url, {"email": NEIGHBOUR.upper()}).status_code == 302
    assert len(to(NEIGHBOUR)) == sent + 1
    r = client.post(url, {"email": NEIGHBOUR, "pin": pin_sent_to(NEIGHBOUR)}, follow=True)
    html = r.content.decode()
    assert r.status_code == 200 and report.code in html and 'data-testid="following"' in html
    assert Follower.objects.filter(report=report).count() == 2  # nothing changed


def test_an_account_and_an_email_follow_of_one_address_get_one_email(personas, categories):
    report = submit()
    citizen = personas.citizen
    # Rows as older versions stored them: the same mailbox twice, in two cases, and the account.
    Follower.objects.create(report=report, email=citizen.email.upper())
    Follower.objects.create(report=report, user=citizen)
    Follower.objects.create(report=report, email=NEIGHBOUR)
    Follower.objects.create(report=report, email=NEIGHBOUR.upper())
    Notification.objects.all().delete()
    report_note(user=personas.head, code=report.code, text="Đội sẽ đến chiều nay.", public=True)
    emails = [n.address.lower() for n in Notification.objects.filter(channel="email")]
    assert sorted(emails) == sorted([REPORTER, citizen.email.lower(), NEIGHBOUR])
    assert Notification.objects.filter(channel="in_app", recipient=citizen).count() == 1


def test_signing_in_merges_an_earlier_email_follow(personas, categories):
    report = submit()
    report_follow_outcome(code=report.code, email=personas.citizen.email.upper())
    outcome = report_follow_outcome(code=report.code, user=personas.citizen)
    assert outcome.created is False and outcome.follower.user == personas.citizen
    assert Follower.objects.filter(report=report).count() == 2  # the reporter and the citizen's account


def test_an_update_email_has_a_signed_link_to_stop_following(client, personas, categories):
    report = submit()
    follower = report_follow_outcome(code=report.code, email=NEIGHBOUR).follower
    Notification.objects.all().delete()
    report_note(user=personas.head, code=report.code, text="Đội sẽ đến chiều nay.", public=True)
    (message,) = to(NEIGHBOUR)
    path = re.search(r"https?://[^/\s]+(/bo-theo-doi/\S+/)", message.body).group(1)
    assert unfollow_key(follower.pk, report.code) in path
    page = client.get(path)
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    assert Follower.objects.filter(pk=follower.pk).exists()  # opening the link alone changes nothing
    assert client.post(path).status_code == 200
    assert not Follower.objects.filter(pk=follower.pk).exists()
    assert client.post(path).status_code == 200  # used twice: nothing more to do
    tampered = path.replace(f".{follower.pk}:", f".{follower.pk + 1}:")
    assert client.get(tampered).status_code == 404 and client.post(tampered).status_code == 404
    Notification.objects.all().delete()
    report_note(user=personas.head, code=report.code, text="Đã xong một nửa.", public=True)
    assert to(NEIGHBOUR) == [] and len(to(REPORTER)) == 1


def test_an_update_sms_has_a_link_to_stop_following_too(client, personas, categories):
    report = submit()
    follower = report_follow_outcome(code=report.code, phone="0912 000 111").follower
    Notification.objects.all().delete()
    report_note(user=personas.head, code=report.code, text="Đội sẽ đến chiều nay.", public=True)
    (message,) = Notification.objects.filter(address="0912000111")
    path = re.search(r"https?://[^/\s]+(/bo-theo-doi/\S+/)", message.body).group(1)
    assert unfollow_key(follower.pk, report.code) in path
    assert "/tra-cuu/" in message.body  # the report's page stays in the message
    assert client.post(path).status_code == 200
    assert not Follower.objects.filter(pk=follower.pk).exists()


# --- 5. A long SMS keeps its link and code ----------------------------------------------------------


def test_a_long_sms_is_shortened_between_words_and_keeps_the_link():
    link = "https://1022.example.vn/tra-cuu/PA-26-000302/?t=abcdefghijklmnopqrstuvwxyz012345"
    body = ("Đội duy tu đã vá ổ gà và trải lại lớp nhựa mặt đường trước số 12 Lê Lợi " * 12) + "\n" + link
    text = channels.sms_text("Phản ánh PA-26-000302: Đã xử lý xong", body)
    assert len(text) <= channels.SMS_MAX_CHARS
    assert text.startswith("Phản ánh PA-26-000302: Đã xử lý xong: Đội duy tu")
    assert text.endswith(" " + link)
    prose = text[: -len(link) - 1]
    assert prose.endswith("…") and prose[:-1].split()[-1] in body.split()  # a whole word before the “…”
    short = channels.sms_text("Phản ánh PA-26-000302: Từ chối", "Trùng phản ánh khác.\n" + link)
    assert short == "Phản ánh PA-26-000302: Từ chối: Trùng phản ánh khác.\n" + link


class RecordingGateway:
    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        RecordingGateway.sent.append((phone, text))


def test_the_sms_transport_sends_the_link_of_a_long_message(personas, categories, settings):
    settings.CITYDESK_SMS_GATEWAY = f"{__name__}.RecordingGateway"
    RecordingGateway.sent = []
    report = submit(contact_email="", contact_phone="0901234567")
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=report.code, action="resolve", resolution="Đã vá. " * 150)
    deliver_due()
    texts = [text for phone, text in RecordingGateway.sent if phone == "0901234567"]
    assert len(texts) == 2  # the acknowledgement and the resolution
    assert all(len(t) <= channels.SMS_MAX_CHARS for t in texts)
    assert texts[-1].endswith(f"/tra-cuu/{report.code}/?t={report.citizen_token}")
    assert report.code in texts[-1]


# --- 6. The rating comment is not published ---------------------------------------------------------


def test_the_public_sees_the_rating_level_but_not_the_comment(client, personas, categories):
    report = resolve(personas, submit())
    report_rate(code=report.code, level="normal", comment="Anh Tư ở số 8 làm ẩu", token=report.citizen_token)
    public = client.get(f"/tra-cuu/{report.code}/").content.decode()
    assert 'data-testid="rating"' in public and "Anh Tư ở số 8" not in public
    mine = client.get(f"/tra-cuu/{report.code}/", {"t": report.citizen_token}).content.decode()
    assert "Anh Tư ở số 8" in mine
    officer = Client()
    officer.force_login(personas.head)
    assert "Anh Tư ở số 8" in officer.get(f"/xu-ly/{report.code}/").content.decode()
    assert not report.events.filter(public=True, note__contains="Anh Tư").exists()


def test_an_older_rating_event_with_its_comment_is_not_shown_to_the_public(client, personas, categories):
    report = resolve(personas, submit())
    ReportEvent.objects.create(
        report=report, kind="rating", actor_label="reporter", note="Bình thường. Làm ẩu"
    )
    assert "Làm ẩu" not in client.get(f"/tra-cuu/{report.code}/").content.decode()
    assert "Làm ẩu" in client.get(f"/tra-cuu/{report.code}/", {"t": report.citizen_token}).content.decode()


def test_the_rating_form_says_who_sees_the_comment(client, personas, categories):
    report = resolve(personas, submit())
    html = client.get(f"/tra-cuu/{report.code}/", {"t": report.citizen_token}).content.decode()
    assert 'id="hint-comment"' in html and 'aria-describedby="hint-comment"' in html


# --- 7. A request for information goes to the reporter only ------------------------------------------


def test_a_request_for_information_goes_to_the_reporter_with_their_link(personas, categories):
    report = submit()
    report_follow_outcome(code=report.code, email=NEIGHBOUR)
    report_follow_outcome(code=report.code, phone="0912345678")
    Notification.objects.all().delete()
    with translation.override("en"):
        report_pause(user=personas.head, code=report.code, note="Xin gửi ảnh chụp gần ổ gà.")
    (message,) = to(REPORTER)
    assert message.subject == f"Phản ánh {report.code}: cần bổ sung thông tin"
    assert "Xin gửi ảnh chụp gần ổ gà." in message.body
    assert f"/tra-cuu/{report.code}/?t={report.citizen_token}" in message.body
    assert to(NEIGHBOUR) == [] and to("0912345678") == []


def test_a_request_for_information_reaches_a_reporter_who_stopped_following(personas, categories):
    report = submit(contact_email="", contact_phone="0901234567")
    Follower.objects.filter(report=report).delete()
    Notification.objects.all().delete()
    report_pause(user=personas.head, code=report.code, note="Xin gửi ảnh.")
    (message,) = Notification.objects.filter(address="0901234567")
    assert message.channel == "sms" and report.citizen_token in message.body


# --- A report that will not be resolved: merged or rejected ---------------------------------------


def test_a_merged_report_says_merged_and_no_rating_is_promised(client, personas, categories):
    from citydesk.reports.services import report_merge

    master = submit(description="Ổ gà lớn, báo đầu tiên")
    mine = submit(reporter=personas.citizen)
    rejected = submit(reporter=personas.citizen, description="Ổ gà khác")
    report_merge(user=personas.head, code=mine.code, into=master.code)
    report_transition(user=personas.head, code=rejected.code, action="reject", reason="spam")
    client.force_login(personas.citizen)
    with translation.override("vi"):
        merged_page = client.get(f"/tra-cuu/{mine.code}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
        rejected_page = client.get(f"/tra-cuu/{rejected.code}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
        mine_list = client.get("/cua-toi/phan-anh/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    status = re.search(r'data-testid="status">([^<]*)<', merged_page).group(1)
    assert status == "Đã gộp do trùng lặp"
    assert re.search(r'data-testid="status">([^<]*)<', rejected_page).group(1) == "Từ chối"
    assert "Đã gộp do trùng lặp" in mine_list
    promise = "khi phản ánh đã được xử lý xong"  # "you can rate once it is resolved"
    assert promise not in merged_page and promise not in rejected_page
    own_open = submit(reporter=personas.citizen, description="Ổ gà thứ ba")
    assert promise in client.get(f"/tra-cuu/{own_open.code}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()


def test_spam_is_read_by_nobody_but_its_reporter_and_the_handlers(client, personas, categories, bearer):
    """Open311 and the public list hid spam; its page, the REST API by code, the look-up and its public
    photos did not."""
    spam = submit(description="quảng cáo vay tiền nhanh gọi ngay")
    report_transition(user=personas.head, code=spam.code, action="reject", reason="spam")
    spam.refresh_from_db()
    anonymous = Client()
    assert anonymous.get(f"/tra-cuu/{spam.code}/").status_code == 404
    assert anonymous.get(f"/api/v1/reports/{spam.code}").status_code == 404
    assert anonymous.get("/tra-cuu/", {"code": spam.code}).status_code == 404
    # Its reporter (with the link sent at intake) and the handling unit still read it.
    assert anonymous.get(f"/tra-cuu/{spam.code}/", {"t": spam.citizen_token}).status_code == 200
    assert anonymous.get(f"/api/v1/reports/{spam.code}", {"token": spam.citizen_token}).status_code == 200
    assert anonymous.get(f"/api/v1/reports/{spam.code}", **bearer(personas.officer)).status_code == 200
    # Rejected for another reason: still public, as before.
    other = submit(description="Ổ gà ngoài phạm vi")
    report_transition(user=personas.head, code=other.code, action="reject", reason="out_of_scope")
    assert anonymous.get(f"/tra-cuu/{other.code}/").status_code == 200
    assert anonymous.get(f"/api/v1/reports/{other.code}").status_code == 200
