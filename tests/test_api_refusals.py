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
