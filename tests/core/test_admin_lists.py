"""The back office's lists with a date hierarchy refuse a date no calendar holds (Django's own code caught
ValueError only, so a year past 64 bits was a server error; found by the URL sweep)."""

from __future__ import annotations

import pytest
from django.test import Client

from citydesk.core.models import User

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999"


@pytest.fixture
def back_office(client: Client) -> Client:
    client.force_login(User.objects.create_superuser(username="root", password="x", email="r@example.vn"))
    return client


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/quan-tri/ratings/rating/", "created_at"),
        ("/quan-tri/indicators/datavalue/", "period"),
        ("/quan-tri/axes/accesslog/", "attempt_time"),
        ("/quan-tri/axes/accessattempt/", "attempt_time"),
        ("/quan-tri/axes/accessfailurelog/", "attempt_time"),
    ],
)
@pytest.mark.parametrize("part", ["year", "month", "day"])
def test_an_impossible_date_is_a_wrong_filter(back_office: Client, path: str, field: str, part: str) -> None:
    query = {f"{field}__year": "2026", f"{field}__month": "3", f"{field}__day": "1"}
    query[f"{field}__{part}"] = HUGE
    response = back_office.get(path, query)
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_a_real_date_still_filters(back_office: Client) -> None:
    assert back_office.get("/quan-tri/ratings/rating/", {"created_at__year": "2026"}).status_code == 200
