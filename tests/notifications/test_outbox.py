"""Outbox: messages are stored first, delivered by the worker, retried, never lost."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from citydesk.core.errors import DomainError
from citydesk.notifications import channels
from citydesk.notifications.models import Notification
from citydesk.notifications.services import _claim, deliver_due, inbox, notification_queue

pytestmark = pytest.mark.django_db


class FlakyGateway:
    """An SMS gateway that is down for the first `failures` calls."""

    failures = 0
    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        if FlakyGateway.failures > 0:
            FlakyGateway.failures -= 1
            raise channels.DeliveryError("gateway timeout")
        FlakyGateway.sent.append((phone, text))


@pytest.fixture
def flaky_sms(settings):
    settings.CITYDESK_SMS_GATEWAY = f"{__name__}.FlakyGateway"
    FlakyGateway.sent = []
    FlakyGateway.failures = 0
    return FlakyGateway


def _make_due(n: Notification) -> None:
    Notification.objects.filter(pk=n.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_email_is_delivered_by_the_worker_not_the_request(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        n = notification_queue(
            channel="email",
            recipient=personas.citizen,
            subject="Kết quả xử lý",
            body="Phản ánh của bạn đã được giải quyết.",
        )
    assert mail.outbox == []
    assert n.address == "citizen@example.vn"
    assert deliver_due() == {"sent": 1, "retry": 0, "failed": 0, "left": 0}
    assert mail.outbox[0].subject == "Kết quả xử lý"
    n.refresh_from_db()
    assert n.status == "sent" and n.attempts == 1 and n.sent_at is not None


def test_gateway_failure_keeps_the_message_and_retries(personas, flaky_sms):
    flaky_sms.failures = 2
    n = notification_queue(channel="sms", address="0901234567", subject="CityDesk", body="Mã hồ sơ HS-001")
    assert deliver_due()["retry"] == 1
    n.refresh_from_db()
    assert n.status == "pending" and n.attempts == 1 and "gateway timeout" in n.last_error
    assert n.next_attempt_at > timezone.now()  # back-off: not retried at once
    assert deliver_due() == {"sent": 0, "retry": 0, "failed": 0, "left": 0}
    _make_due(n)
    deliver_due()
    _make_due(n)
    assert deliver_due()["sent"] == 1
    assert flaky_sms.sent == [("0901234567", "CityDesk: Ma ho so HS-001")]  # sent unaccented (the default)
    n.refresh_from_db()
    assert (n.status, n.attempts, n.last_error) == ("sent", 3, "")


def test_gives_up_after_the_limit_but_keeps_the_row(personas, flaky_sms, settings):
    settings.CITYDESK_NOTIFY_MAX_ATTEMPTS = 2
    flaky_sms.failures = 10
    n = notification_queue(channel="sms", address="0901234567", subject="x", body="y")
    deliver_due()
    _make_due(n)
    assert deliver_due()["failed"] == 1
    n.refresh_from_db()
    assert n.status == "failed" and n.attempts == 2


def test_a_row_is_claimed_by_one_worker_only(personas):
    n = notification_queue(channel="in_app", recipient=personas.officer, subject="Việc mới", body="...")
    now = timezone.now()
    assert _claim(n.pk, now) is True
    assert _claim(n.pk, now) is False


def test_stuck_sending_rows_are_recovered(personas):
    n = notification_queue(channel="in_app", recipient=personas.officer, subject="Việc mới", body="...")
    Notification.objects.filter(pk=n.pk).update(
        status="sending", next_attempt_at=timezone.now() - timedelta(minutes=11)
    )
    assert deliver_due()["sent"] == 1


def test_in_app_inbox(personas):
    notification_queue(channel="in_app", recipient=personas.officer, subject="Hồ sơ sắp đến hạn", body="...")
    assert inbox(personas.officer) == []  # not delivered yet
    deliver_due()
    assert [n.subject for n in inbox(personas.officer)] == ["Hồ sơ sắp đến hạn"]
    assert inbox(personas.head) == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel": "fax", "address": "1"}, "channel"),
        ({"channel": "sms"}, "address"),
        ({"channel": "in_app"}, "recipient"),
    ],
)
def test_bad_notification_input(kwargs, field):
    with pytest.raises(DomainError) as err:
        notification_queue(subject="s", body="b", **kwargs)
    assert err.value.field == field
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_commit_enqueues_a_task_that_the_db_worker_runs(personas):
    from django_tasks_db.models import DBTaskResult

    notification_queue(channel="email", address="dan@example.vn", subject="Thông báo", body="Nội dung")
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_outbox").count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert Notification.objects.get().status == "sent"
    assert mail.outbox[-1].to == ["dan@example.vn"]
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_delivery_task_per_transaction(personas):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        for i in range(5):
            notification_queue(channel="email", address=f"dan{i}@example.vn", subject="Cập nhật", body="...")
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_outbox").count() == 1
    assert Notification.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_the_wake_up_is_written_with_the_messages_and_rolled_back_with_them(personas):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    with pytest.raises(RuntimeError), transaction.atomic():
        notification_queue(channel="email", address="dan@example.vn", subject="Cập nhật", body="...")
        # Inside the transaction already: one commit for the message and its wake-up.
        assert DBTaskResult.objects.filter(task_path__endswith="deliver_outbox").count() == 1
        raise RuntimeError("roll back")
    assert not Notification.objects.exists()
    assert not DBTaskResult.objects.exists()
    # A savepoint rolled back inside a transaction that commits: the next message wakes the worker.
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            notification_queue(channel="email", address="a@example.vn", subject="A", body="...")
            raise RuntimeError("roll back the savepoint")
        notification_queue(channel="email", address="b@example.vn", subject="B", body="...")
    assert list(Notification.objects.values_list("address", flat=True)) == ["b@example.vn"]
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_outbox").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_pending_wake_up_serves_later_transactions_until_the_worker_runs_it(personas):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    wakes = DBTaskResult.objects.filter(task_path__endswith="deliver_outbox")
    for i in range(3):
        with transaction.atomic():
            notification_queue(channel="email", address=f"dan{i}@example.vn", subject="Cập nhật", body="...")
    assert wakes.count() == 1, "one unclaimed wake-up is enough for every message queued before it runs"
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert Notification.objects.filter(status="sent").count() == 3
    with transaction.atomic():
        notification_queue(channel="email", address="later@example.vn", subject="Cập nhật", body="...")
    assert wakes.filter(status="READY").count() == 1, "after the worker ran, a new message wakes it again"
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert Notification.objects.get(address="later@example.vn").status == "sent"


def test_sms_go_out_unaccented_unless_diacritics_are_asked_for(settings, flaky_sms):
    """A Unicode SMS part carries 70 characters, an unaccented one 160: Vietnamese SMS are usually sent
    without accents, and so are ours unless CITYDESK_SMS_DIACRITICS=true."""
    from citydesk.lib.text import unaccented

    assert unaccented("Phản ánh PA-26-000041 ĐÃ được tiếp nhận; Đường Lê Lợi.") == (
        "Phan anh PA-26-000041 DA duoc tiep nhan; Duong Le Loi."
    )
    notification_queue(channel="sms", address="0901234567", subject="", body="Hồ sơ HS-001 đã có kết quả.")
    deliver_due()
    settings.CITYDESK_SMS_DIACRITICS = True
    notification_queue(channel="sms", address="0901234568", subject="", body="Hồ sơ HS-002 đã có kết quả.")
    deliver_due()
    assert dict(flaky_sms.sent) == {
        "0901234567": "Ho so HS-001 da co ket qua.",
        "0901234568": "Hồ sơ HS-002 đã có kết quả.",
    }


def test_a_gateway_that_keeps_failing_is_left_alone_for_the_rest_of_the_run(personas, flaky_sms, caplog):
    """One SMS gateway down: after 3 failures in a row its other messages wait for the next run (untouched),
    while the e-mails due in the same run still go out; each failure is logged without the number."""
    flaky_sms.failures = 100
    sms = [
        notification_queue(channel="sms", address=f"090123456{i}", subject="CityDesk", body=f"Tin {i}")
        for i in range(5)
    ]
    email = notification_queue(channel="email", recipient=personas.citizen, subject="Kết quả", body="Xong.")
    with caplog.at_level("WARNING", logger="citydesk.notifications"):
        counts = deliver_due()
    assert counts == {"sent": 1, "retry": 3, "failed": 0, "left": 2}
    assert [n.attempts for n in Notification.objects.filter(pk__in=[n.pk for n in sms]).order_by("pk")] == [
        1,
        1,
        1,
        0,
        0,
    ]
    assert Notification.objects.get(pk=email.pk).status == "sent"
    failures = [r for r in caplog.records if r.getMessage() == "notification delivery failed"]
    assert len(failures) == 3 and all(r.channel == "sms" for r in failures)
    assert not any("0901234560" in r.getMessage() + str(r.__dict__) for r in failures)


def test_a_run_stops_after_its_time_budget(personas, flaky_sms):
    """A slow gateway cannot hold the task worker: what is left waits, pending, for the next run."""
    for i in range(3):
        notification_queue(channel="sms", address=f"090123456{i}", subject="CityDesk", body=f"Tin {i}")
    counts = deliver_due(budget_seconds=0)
    assert counts == {"sent": 0, "retry": 0, "failed": 0, "left": 3}
    assert set(Notification.objects.values_list("status", "attempts")) == {("pending", 0)}
    assert deliver_due()["sent"] == 3
