"""Every answer under /api/v1/ is JSON with the Error body, also where no operation answers: the API's root
(ninja's view raised Http404, so Django's HTML page came back), an unknown path and the schema's pages
asked with another method. A client with a bearer token sends no CSRF token: these refusals must not be
Django's HTML CSRF page either (found by the URL sweep)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_client() -> Client:
    return Client(enforce_csrf_checks=True)  # as an API client: no CSRF cookie, no CSRF token


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_the_api_root_answers_json(api_client: Client, personas, bearer, method: str) -> None:
    response = getattr(api_client, method)("/api/v1/", **bearer(personas.officer))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "/api/v1/docs" in response.json()["detail"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_to_an_unknown_path_is_a_json_404_not_a_csrf_page(
    api_client: Client, personas, bearer, method: str
) -> None:
    response = getattr(api_client, method)("/api/v1/khong-co-duong-nay", **bearer(personas.officer))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json") and response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_the_schema_pages_answer_get_only(api_client: Client, personas, bearer, path: str) -> None:
    assert api_client.get(path).status_code == 200
    response = api_client.post(path, **bearer(personas.officer))
    assert response.status_code == 405
    assert response.json()["detail"] and "GET" in response["Allow"]


def test_a_body_over_the_size_limit_is_a_json_413_naming_the_body(api_client: Client, settings) -> None:
    from citydesk.reports.models import Report

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    body = '{"category": "road_damage", "description": "' + "ổ gà " * 1_000 + '"}'
    response = api_client.post("/api/v1/reports", body, content_type="application/json")
    assert response.status_code == 413  # was a server error, with a traceback in debug mode
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["field"] == "body" and "MB" in response.json()["detail"]
    assert not Report.objects.exists()


def test_open311_refuses_an_oversized_body_in_its_error_format(client: Client, personas, settings) -> None:
    from urllib.parse import urlencode

    from citydesk.core.audit import Actor
    from citydesk.reports.models import Report
    from citydesk.reports.open311 import open311_client_create

    key = open311_client_create(actor=Actor.system("test"), name="Ứng dụng thử")[1]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    data = urlencode({"api_key": key, "service_code": "road_damage", "description": "ổ gà " * 1_000})
    response = client.post(
        "/open311/v2/requests.json", data, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    [error] = response.json()
    assert error["code"] == 413 and "MB" in error["description"]
    assert not Report.objects.exists()


def test_a_bound_is_written_the_readers_way(client):
    r = client.get("/api/v1/units", {"limit": 5000}, HTTP_ACCEPT_LANGUAGE="vi")
    assert r.status_code == 400 and r.json()["errors"][0]["message"] == "Không được vượt quá 1.000."
    r = client.get("/api/v1/units", {"limit": 5000}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.json()["errors"][0]["message"] == "Must be at most 1,000."
