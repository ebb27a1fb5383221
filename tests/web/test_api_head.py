"""HEAD on the REST API: the GET's status and headers without the body (it was 405 for every endpoint)."""

import pytest

pytestmark = pytest.mark.django_db


def test_head_answers_like_get_without_the_body(client):
    path = "/api/v1/calendar/holidays?year=2026"
    got = client.get(path)
    head = client.head(path)
    assert got.status_code == 200 and got.content
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Type"] == got["Content-Type"]
    assert head["Content-Length"] == str(len(got.content))


def test_head_keeps_the_refusals_of_get(client, personas, bearer):
    assert client.head("/api/v1/me").status_code == 401  # not logged in
    assert client.head("/api/v1/me", **bearer(personas.officer)).status_code == 200
    assert client.head("/api/v1/audit", **bearer(personas.officer)).status_code == 403
    assert client.head("/api/v1/reports/PA-26-999999").status_code == 404
    # A POST-only endpoint is no GET either.
    assert client.head("/api/v1/calendar/overrides").status_code == 405


def test_head_on_pages_is_left_to_django(client):
    response = client.head("/lich-lam-viec/")
    assert response.status_code == 200
