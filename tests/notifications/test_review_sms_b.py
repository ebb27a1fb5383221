"""Review (b): an SMS goes to mobile numbers only. A landline given to the hotline ("(028) 3829 1234") or
another country's number gets none: the message is stored failed at once, with why, never "sent"."""

import pytest

from citydesk.notifications.channels import NOT_A_MOBILE_NUMBER, SmsTransport, Undeliverable
from citydesk.notifications.models import Notification
from citydesk.notifications.services import deliver_due, notification_queue
from citydesk.reports.services import report_pause
from tests.reports.conftest import categories, submit_report  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


class RecordingGateway:
    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        RecordingGateway.sent.append((phone, text))


@pytest.fixture
def gateway(settings):
    settings.CITYDESK_SMS_GATEWAY = f"{__name__}.RecordingGateway"
    RecordingGateway.sent = []
    return RecordingGateway


def _sms_to(address: str) -> list[Notification]:
    return list(Notification.objects.filter(channel="sms", address=address).order_by("pk"))


def test_an_sms_to_a_landline_is_stored_failed_with_why_and_never_sent(gateway):
    landline = notification_queue(
        channel="sms", address="02838291234", subject="PA-26-000301", body="Đã nhận"
    )
    foreign = notification_queue(
        channel="sms", address="+33612345678", subject="PA-26-000301", body="Đã nhận"
    )
    mobile = notification_queue(channel="sms", address="0901234567", subject="PA-26-000301", body="Đã nhận")
    for unreachable in (landline, foreign):
        unreachable.refresh_from_db()
        assert unreachable.status == Notification.Status.FAILED and unreachable.sent_at is None
        assert unreachable.last_error.startswith(NOT_A_MOBILE_NUMBER)
    assert deliver_due() == {"sent": 1, "retry": 0, "failed": 0, "left": 0}
    assert [phone for phone, _ in gateway.sent] == ["0901234567"]
    mobile.refresh_from_db()
    assert mobile.status == Notification.Status.SENT


def test_a_queued_sms_to_a_landline_fails_at_once_without_retries(gateway):
    """Queued before numbers were checked: the worker never hands it to the gateway, nor retries it."""
    queued = Notification.objects.create(channel="sms", address="02838291234", subject="S", body="B")
    with pytest.raises(Undeliverable):
        SmsTransport().deliver(queued)
    assert deliver_due() == {"sent": 0, "retry": 0, "failed": 1, "left": 0}
    queued.refresh_from_db()
    assert queued.status == Notification.Status.FAILED and queued.attempts == 1
    assert queued.last_error.startswith(NOT_A_MOBILE_NUMBER) and gateway.sent == []


@pytest.mark.usefixtures("categories")
def test_a_caller_with_a_landline_gets_no_receipt_nor_request_by_sms(personas, gateway):
    report = submit_report(contact_phone="(028) 3829 1234", contact_name="Bà Tư")
    assert report.contact_phone == "02838291234"
    report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
    on_mobile = submit_report(contact_phone="0912 345 678")  # a mobile caller still gets both
    report_pause(user=personas.officer, code=on_mobile.code, note="Xin ảnh chụp rõ hơn")
    messages = _sms_to("02838291234")
    assert len(messages) == 2  # the receipt and the request for information: recorded, not sent
    assert all(m.status == Notification.Status.FAILED for m in messages)
    assert all(m.last_error.startswith(NOT_A_MOBILE_NUMBER) for m in messages)
    deliver_due()
    assert [phone for phone, _ in gateway.sent] == ["0912345678", "0912345678"]
    assert all(m.status == "failed" for m in _sms_to("02838291234"))
