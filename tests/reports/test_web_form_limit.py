"""The web form shares the app's limit of reports from one network address, and says when no message went
to the contact given."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from citydesk.reports.models import Report
from tests.reports.test_review_fixes_a import form_data

pytestmark = pytest.mark.django_db


def report_form_data(**changes) -> dict:
    """A report that goes straight through (no ward typed against the point), with a key of its own."""
    return form_data(ward="", idempotency_key=uuid.uuid4().hex, **changes)


def test_the_web_form_refuses_past_the_network_limit(personas, categories, settings):
    settings.CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR = 2
    client = Client(REMOTE_ADDR="198.51.100.20")
    for n in range(2):
        r = client.post("/phan-anh/moi/", report_form_data(description=f"Ổ gà số {n}"))
        assert r.status_code == 302, r.content.decode()[:500]
    r = client.post("/phan-anh/moi/", report_form_data(description="Ổ gà số 3"))
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert Report.objects.count() == 2
    # Another network is not held back.
    assert Client(REMOTE_ADDR="198.51.100.21").post("/phan-anh/moi/", report_form_data()).status_code == 302


def test_the_sent_page_says_a_message_went_only_when_it_did(personas, categories, settings):
    settings.CITYDESK_REPORT_ACKS_PER_CONTACT_PER_DAY = 1
    pages = []
    for n in range(2):
        client = Client(REMOTE_ADDR=f"198.51.100.{30 + n}")
        r = client.post(
            "/phan-anh/moi/", report_form_data(description=f"Đèn hỏng {n}", contact_email="an@example.vn")
        )
        assert r.status_code == 302
        pages.append(client.get(r["Location"]).content.decode())
    sent = "Mã tra cứu và đường dẫn cũng đã được gửi"
    assert sent in pages[0] and sent not in pages[1]


def test_the_limits_counts_older_than_two_days_are_purged(personas, categories):
    from datetime import timedelta

    from django.utils import timezone

    from citydesk.reports.models import IdempotencyKey
    from citydesk.reports.services.intake import purge_limit_counts

    Client(REMOTE_ADDR="198.51.100.50").post("/phan-anh/moi/", report_form_data(contact_email="b@example.vn"))
    counts = IdempotencyKey.objects.filter(scope__startswith="report-")
    assert counts.count() == 2  # the network's hour and the contact's day
    assert purge_limit_counts() == 0
    assert purge_limit_counts(timezone.now() + timedelta(days=3)) == 2
    assert not counts.exists() and Report.objects.count() == 1
