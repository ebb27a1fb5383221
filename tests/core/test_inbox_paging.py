"""The app's inbox (`GET /api/v1/notifications`) pages through every message, not only the newest 50."""

from __future__ import annotations

import pytest
from django.test import Client

from citydesk.notifications.models import Notification

pytestmark = pytest.mark.django_db


def in_app(user, n: int) -> None:
    Notification.objects.bulk_create(
        Notification(
            channel="in_app",
            subject=f"Tin {i:03d}",
            body="",
            recipient=user,
            status=Notification.Status.SENT,
        )
        for i in range(n)
    )


def test_the_inbox_pages_through_every_message(personas, bearer):
    in_app(personas.citizen, 120)
    in_app(personas.officer, 3)  # another's messages are never counted
    headers = bearer(personas.citizen)
    first = Client().get("/api/v1/notifications", **headers)
    assert first.status_code == 200 and first["X-Total-Count"] == "120"
    assert len(first.json()) == 50
    seen = [m["id"] for m in first.json()]
    for page in (2, 3):
        more = Client().get(f"/api/v1/notifications?page={page}", **headers)
        assert more.status_code == 200
        seen += [m["id"] for m in more.json()]
    assert len(seen) == len(set(seen)) == 120
    assert set(seen) == set(
        Notification.objects.filter(recipient=personas.citizen).values_list("id", flat=True)
    )
    small = Client().get("/api/v1/notifications?page_size=7&page=2", **headers).json()
    assert len(small) == 7
    past = Client().get("/api/v1/notifications?page=4", **headers)
    assert past.status_code == 404 and past.json()["field"] == "page"
    too_big = Client().get("/api/v1/notifications?page_size=201", **headers)
    assert too_big.status_code == 400


def test_an_empty_inbox_is_an_empty_first_page(personas, bearer):
    response = Client().get("/api/v1/notifications?unread=true", **bearer(personas.citizen))
    assert response.status_code == 200 and response.json() == [] and response["X-Total-Count"] == "0"


def test_a_message_names_the_reports_and_dossiers_it_is_about(personas, bearer):
    Notification.objects.create(
        channel="in_app",
        subject="Phản ánh PA-26-000123 đã được giải quyết",
        body="Xem tại https://x.vn/tra-cuu/PA-26-000123/?t=abc. Hồ sơ HS-26-000045 cũng đã có kết quả. "
        "PA-26-000123.",
        recipient=personas.citizen,
        status=Notification.Status.SENT,
    )
    [message] = Client().get("/api/v1/notifications", **bearer(personas.citizen)).json()
    assert message["objects"] == [
        {"type": "report", "code": "PA-26-000123"},
        {"type": "dossier", "code": "HS-26-000045"},
    ]
