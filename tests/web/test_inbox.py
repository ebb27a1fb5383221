"""The inbox page: a person's in-app notifications, read and marked read; the header's unread count."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from citydesk.notifications.models import Channel, Notification
from tests.reports.conftest import categories  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def message(
    user, subject: str, body: str = "", *, channel: str = Channel.IN_APP, sent: bool = True
) -> Notification:
    return Notification.objects.create(
        recipient=user,
        channel=channel,
        address="" if channel == Channel.IN_APP else "x@example.vn",
        subject=subject,
        body=body,
        status=Notification.Status.SENT if sent else Notification.Status.PENDING,
        sent_at=timezone.now() if sent else None,
    )


def test_a_head_reads_the_escalations_and_marks_them_read(personas):
    overdue = message(
        personas.head, "Phản ánh PA-26-000003 đã quá hạn xử lý", "Hạn: 20/11/2026 17:00.\nXem PA-26-000003."
    )
    dossier = message(personas.head, "Hồ sơ HS-26-000010 chờ ký")
    message(personas.head, "Thư điện tử", channel=Channel.EMAIL)  # an e-mail: not in the inbox
    message(personas.head, "Chưa gửi", sent=False)
    message(personas.officer, "Của người khác")
    client = Client()
    client.force_login(personas.head)
    home = client.get("/").content.decode()
    assert 'data-testid="inbox-link"' in home and 'data-testid="unread-count">2<' in home
    page = client.get("/thong-bao/").content.decode()
    assert page.count('data-testid="message"') == 2
    assert "Của người khác" not in page and "Thư điện tử" not in page and "Chưa gửi" not in page
    # Codes lead a handler to the handling pages.
    assert '<a href="/xu-ly/PA-26-000003/" class="message-code">PA-26-000003</a>' in page
    assert '<a href="/mot-cua/ho-so/HS-26-000010/" class="message-code">HS-26-000010</a>' in page
    assert "Hạn: 20/11/2026 17:00.<br>" in page
    done = client.post("/thong-bao/", {"read": str(overdue.pk)})
    assert done.status_code == 302
    overdue.refresh_from_db()
    dossier.refresh_from_db()
    assert overdue.read_at is not None and dossier.read_at is None
    assert 'data-testid="unread-count">1<' in client.get("/").content.decode()
    client.post("/thong-bao/", {"read": "all"})
    dossier.refresh_from_db()
    assert dossier.read_at is not None
    assert 'data-testid="unread-count"' not in client.get("/").content.decode()


def test_nobody_marks_anothers_message_and_a_citizen_is_led_to_the_public_pages(personas):
    theirs = message(personas.officer, "Được giao PA-26-000001")
    mine = message(personas.citizen, "Phản ánh PA-26-000001 đã được xử lý xong")
    client = Client()
    client.force_login(personas.citizen)
    client.post("/thong-bao/", {"read": str(theirs.pk)})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    page = client.get("/thong-bao/").content.decode()
    assert (
        '<a href="/tra-cuu/PA-26-000001/" class="message-code">PA-26-000001</a>' in page
        and str(mine.subject) in page
    )


def test_text_is_escaped_and_a_visitor_is_sent_to_log_in(personas):
    message(personas.citizen, "<script>alert(1)</script> PA-26-000001")
    client = Client()
    assert client.get("/thong-bao/")["Location"].startswith("/dang-nhap/")
    client.force_login(personas.citizen)
    page = client.get("/thong-bao/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_an_empty_inbox_says_what_will_arrive(personas):
    client = Client()
    client.force_login(personas.outsider)
    page = client.get("/thong-bao/").content.decode()
    assert 'data-testid="inbox-empty"' in page and 'data-testid="read-all"' not in page


def test_the_api_marks_one_or_every_message_read(personas, bearer):
    first = message(personas.head, "Một")
    second = message(personas.head, "Hai")
    other = message(personas.officer, "Của người khác")
    client = Client()
    one = client.post(f"/api/v1/notifications/{first.pk}/read", **bearer(personas.head))
    assert one.status_code == 200 and one.json() == {"marked": 1}
    assert (
        client.get("/api/v1/notifications", {"unread": "true"}, **bearer(personas.head)).json()[0]["id"]
        == second.pk
    )
    refused = client.post(f"/api/v1/notifications/{other.pk}/read", **bearer(personas.head))
    assert refused.status_code == 404 and refused.json()["field"] == "notification_id"
    other.refresh_from_db()
    assert other.read_at is None
    assert client.post("/api/v1/notifications/read", **bearer(personas.head)).json() == {"marked": 1}
    assert client.post("/api/v1/notifications/read").status_code == 401


def test_the_home_page_says_what_is_overdue_and_links_each_power_to_its_page(personas, categories):  # noqa: F811
    from datetime import timedelta

    from citydesk.reports.models import Report
    from tests.reports.conftest import submit_report

    late = submit_report()
    submit_report()
    Report.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=2))
    client = Client()
    client.force_login(personas.head)
    page = client.get("/").content.decode()
    assert 'data-testid="reports-overdue"><a href="/xu-ly/?status=overdue"><strong>1</strong>' in page
    queue = client.get("/xu-ly/?status=overdue").content.decode()
    assert queue.count('data-testid="queue-row"') == 1  # the figure and its list agree
    assert (
        'href="/dieu-hanh/" data-testid="power-page"' in page
        and 'href="/xu-ly/" data-testid="power-page"' in page
    )
    client.force_login(personas.citizen)
    assert 'data-testid="attention"' not in client.get("/").content.decode()


def test_a_long_inbox_comes_page_by_page(personas):
    for n in range(35):
        message(personas.head, f"Thông báo {n}")
    client = Client()
    client.force_login(personas.head)
    first = client.get("/thong-bao/").content.decode()
    assert first.count('data-testid="message"') == 30 and 'href="?page=2"' in first
    assert client.get("/thong-bao/?page=2").content.decode().count('data-testid="message"') == 5


def test_a_messages_tracking_address_is_one_link_and_codes_elsewhere_are_links():
    from citydesk.web.templatetags.web_nav import linked_codes_filter

    text = (
        "Phản ánh PA-26-000041 đã được tiếp nhận. Theo dõi tại "
        "http://127.0.0.1:8000/tra-cuu/PA-26-000041/?t=Ab_c-1&x=2."
    )
    html = str(linked_codes_filter(text))
    url = "http://127.0.0.1:8000/tra-cuu/PA-26-000041/?t=Ab_c-1&amp;x=2"
    # The address is the link, read as the page of its code (not its long key); the full stop stays out.
    from django.utils.translation import gettext

    label = gettext("page %(code)s") % {"code": "PA-26-000041"}
    assert f'<a href="{url}" class="message-url">{label}</a>.' in html
    assert html.count("<a ") == 2  # the address, and the code in the sentence: not the code inside it
    assert html.startswith('Phản ánh <a href="/tra-cuu/PA-26-000041/" class="message-code">PA-26-000041</a>')
    other = str(
        linked_codes_filter("Xem https://dichvucong.gov.vn/p/home/dvc-trang-chu.html hoặc https://a.vn")
    )
    assert (
        '<a href="https://dichvucong.gov.vn/p/home/dvc-trang-chu.html" class="message-url">dichvucong.gov.vn/…</a>'
        in other
    )
    assert '<a href="https://a.vn" class="message-url">a.vn</a>' in other
    assert "<script>" not in str(linked_codes_filter("<script>x</script> https://a.vn/<b>"))


def test_vietnamese_messages_are_marked_as_vietnamese_on_the_english_page(personas):
    message(personas.citizen, "Phản ánh PA-26-000041: đã xử lý xong", "Đơn vị đã sửa ổ gà trước nhà ông/bà.")
    client = Client()
    client.force_login(personas.citizen)
    english = client.get("/thong-bao/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en"' in english
    assert '<p class="message-body" lang="vi">' in english and '<span lang="vi">Phản ánh' in english
    vietnamese = client.get("/thong-bao/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'lang="vi">Phản ánh' not in vietnamese  # the page's own language: nothing to mark
