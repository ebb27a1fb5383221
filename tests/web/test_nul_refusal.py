"""A NUL character (0x00) that reaches PostgreSQL is the caller's bad input: 400, not a server error.

The URL sweep found pages and endpoints that passed one on (the units page's search, the indicator
dashboards' and the series' unit, the back office's list filters; a delegation's organisation, a kiosk
rating's transaction in JSON): psycopg refused to send the text, a 500. Those that check it themselves (a field-level
error, a code not found) keep their answers."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.db import DataError
from django.test import Client, RequestFactory

from citydesk.core.models import User
from citydesk.core.powers import Power
from citydesk.web.middleware import NulCharacterRefusal, is_nul_refusal
from tests.indicators.entry_fixtures import make_catalog

pytestmark = pytest.mark.django_db
PSYCOPG = "PostgreSQL text fields cannot contain NUL (0x00) bytes"


def _refusal(path: str, exc: Exception):
    request = RequestFactory().get(path)
    return NulCharacterRefusal(lambda r: None).process_exception(request, exc)  # type: ignore[arg-type]


def test_the_database_refusal_is_the_apis_error_body() -> None:
    response = _refusal("/api/v1/units", DataError(PSYCOPG))
    assert response is not None and response.status_code == 400
    assert json.loads(response.content)["detail"]


def test_on_a_page_it_is_the_sites_400_page() -> None:
    response = _refusal("/don-vi-hanh-chinh/", DataError(PSYCOPG))
    assert response is not None and response.status_code == 400
    assert 'data-testid="error-page"' in response.content.decode()


@pytest.mark.parametrize(
    "exc",
    [
        DataError("value too long for type character varying(20)"),
        ValueError("invalid literal for int()"),
        RuntimeError(PSYCOPG),
    ],
)
def test_other_errors_are_left_to_django(exc: Exception) -> None:
    assert not is_nul_refusal(exc)
    assert _refusal("/api/v1/units", exc) is None


def test_psycopg2s_words_too() -> None:
    assert is_nul_refusal(ValueError("A string literal cannot contain NUL (0x00) characters."))


# --- What the sweep found (PostgreSQL: SQLite takes the character) ------------------------------------


@pytest.mark.postgres
def test_the_units_pages_search(client: Client, personas) -> None:
    assert client.get("/don-vi-hanh-chinh/", {"q": "B\x00"}).status_code == 400


@pytest.mark.postgres
@pytest.mark.parametrize(
    "path", ["/chi-tieu-ktxh/", "/chi-tieu-ktxh/nhom/G01/", "/chi-tieu-ktxh/chi-tieu/REV/"]
)
def test_the_indicator_dashboards_unit(client: Client, personas, path: str) -> None:
    make_catalog(personas)
    client.force_login(personas.leader)
    assert client.get(path, {"unit": "\x00"}).status_code == 400


@pytest.mark.postgres
def test_an_indicators_series(client: Client, personas, bearer) -> None:
    make_catalog(personas)
    response = client.get("/api/v1/indicators/REV/series", {"unit": "\x00"}, **bearer(personas.officer))
    assert response.status_code == 400 and response.json()["detail"]


@pytest.mark.postgres
def test_a_delegations_organisation(client: Client, personas, bearer) -> None:
    payload = {
        "organisation": "79.SXD\x00",
        "powers": [Power.DOSSIER_APPROVE],
        "delegate_organisation": "26743",
        "start_date": str(date.today()),
        "end_date": "2099-12-31",
        "reason": "Quyết định 12/QĐ-SXD",
    }
    response = client.post(
        "/api/v1/delegations", payload, content_type="application/json", **bearer(personas.department_head)
    )
    assert response.status_code == 400 and response.json()["detail"]


@pytest.mark.postgres
def test_a_kiosk_ratings_transaction(client: Client, personas) -> None:
    body = {"transaction": "AB\x00", "level": "satisfied"}
    response = client.post("/api/v1/ratings/kiosk", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"]


@pytest.mark.postgres
def test_the_back_offices_search(client: Client, personas) -> None:
    client.force_login(User.objects.create_superuser(username="root", password="x", email="r@example.vn"))
    response = client.get("/quan-tri/core/servicecategory/", {"domain__exact": "a\x00"})
    assert response.status_code == 400
