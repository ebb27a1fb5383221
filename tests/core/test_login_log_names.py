"""The log-in logs' rows are named in the reader's language, at local time, day first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 24, 1, 15, 7, tzinfo=UTC)  # 08:15:07 in Hồ Chí Minh City


def test_rows_are_named_at_local_time_in_both_languages():
    log = AccessLog.objects.create(username="officer", ip_address="10.0.0.5", user_agent="x")
    AccessLog.objects.filter(pk=log.pk).update(attempt_time=AT)
    log.refresh_from_db()
    failure = AccessFailureLog(username="officer", ip_address="10.0.0.5", locked_out=True, attempt_time=AT)
    attempt = AccessAttempt(
        username="officer", ip_address="10.0.0.5", attempt_time=AT, failures_since_start=3
    )
    with translation.override("vi"):
        assert str(log) == "Đăng nhập của officer lúc 24/11/2026 08:15:07"
        assert str(failure) == (
            "Đăng nhập không thành công của officer lúc 24/11/2026 08:15:07 từ 10.0.0.5 (đã bị khóa tạm thời)"
        )
        assert (
            str(attempt)
            == "Các lần đăng nhập không thành công của officer từ 10.0.0.5, từ 24/11/2026 08:15:07"
        )
    with translation.override("en"):
        assert str(log) == "Log-in of officer at 24/11/2026 08:15:07"
        failure.locked_out = False
        assert str(failure) == "Failed log-in of officer at 24/11/2026 08:15:07 from 10.0.0.5"


def test_the_back_office_page_of_a_log_in_is_titled_by_it(personas):
    personas.admin.is_staff = personas.admin.is_superuser = True
    personas.admin.save()
    log = AccessLog.objects.create(username="officer", ip_address="10.0.0.5", user_agent="x")
    AccessLog.objects.filter(pk=log.pk).update(attempt_time=AT)
    client = Client()
    client.force_login(personas.admin)
    page = client.get(f"/quan-tri/axes/accesslog/{log.pk}/change/").content.decode()
    assert "Đăng nhập của officer lúc 24/11/2026 08:15:07" in page
    assert "+00:00" not in page.split("<title>")[1].split("</title>")[0]
