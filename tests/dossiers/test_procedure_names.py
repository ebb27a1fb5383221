"""A procedure's name follows the page's language: `name_en` on English pages when there is one, else the
official Vietnamese `name` (the default language). One rule, `Procedure.label`, for every page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from citydesk.dossiers.models import Procedure
from citydesk.dossiers.receipt import receipt_html
from tests.dossiers.test_api import required_ids

pytestmark = pytest.mark.django_db

VI, EN = "Đăng ký khai sinh", "Birth registration"


@pytest.fixture
def named(catalog) -> Procedure:
    catalog.birth.name_en = EN
    catalog.birth.save()
    return catalog.birth


@pytest.fixture
def client() -> Client:
    return Client()


def page(client: Client, path: str, language: str | None = None, **query: Any) -> str:
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = client.get(path, query, **headers)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def test_the_label_follows_the_active_language(named):
    assert named.label == VI  # the default language
    with translation.override("en"):
        assert named.label == EN
        named.name_en = ""
        assert named.label == VI  # no English name: the official one
    with translation.override("vi"):
        assert Procedure(name=VI, name_en=EN).label == VI


def test_online_filing_page(client, named):
    heading = re.compile(r'data-testid="procedure">([^<]*)<')
    assert heading.search(page(client, "/ho-so/nop/HT-01/", "en")).group(1) == f"HT-01 · {EN}"
    assert heading.search(page(client, "/ho-so/nop/HT-01/", "vi")).group(1) == f"HT-01 · {VI}"
    assert heading.search(page(client, "/ho-so/nop/HT-01/")).group(1) == f"HT-01 · {VI}"


def test_an_empty_english_name_falls_back_to_the_official_one(client, catalog):
    Procedure.objects.filter(pk=catalog.birth.pk).update(name_en="")
    assert f'HT-01 · <span lang="vi">{VI}</span>' in page(client, "/ho-so/nop/HT-01/", "en")


def test_catalog_detail_shows_one_name(client, named):
    english = page(client, "/thu-tuc/HT-01/", "en")
    assert EN in english and VI not in english
    vietnamese = page(client, "/thu-tuc/HT-01/", "vi")
    assert VI in vietnamese and EN not in vietnamese
    assert EN in page(client, "/thu-tuc/", "en") and VI not in page(client, "/thu-tuc/", "en")


def test_officer_pages(client, personas, named, receive):
    dossier = receive()
    client.force_login(personas.officer)
    queue = page(client, "/mot-cua/ho-so/", "en")
    assert f'<option value="HT-01" >HT-01 · {EN}</option>' in queue  # the filter
    assert f">{EN}</td>" in queue  # the table
    assert VI not in queue
    assert f">{VI}</td>" in page(client, "/mot-cua/ho-so/", "vi")
    for path in (f"/mot-cua/ho-so/{dossier.code}/", f"/mot-cua/ho-so/{dossier.code}/da-tiep-nhan/"):
        english = page(client, path, "en")
        assert f"HT-01 · {EN}" in english and VI not in english, path
        assert f"HT-01 · {VI}" in page(client, path, "vi"), path
    desk = page(client, "/mot-cua/", "en", procedure="HT-01")
    assert f'data-testid="procedure">HT-01 · {EN}<' in desk


def test_applicant_pages(client, named, receive):
    dossier = receive()
    english = page(client, f"/ho-so/tra-cuu/{dossier.code}/", "en", t=dossier.citizen_token)
    assert f'data-testid="procedure">{EN}<' in english and VI not in english
    vietnamese = page(client, f"/ho-so/tra-cuu/{dossier.code}/", "vi", t=dossier.citizen_token)
    assert f'data-testid="procedure">{VI}<' in vietnamese


def test_receipt_follows_the_language(personas, named, receive):
    dossier = receive()
    papers = list(dossier.documents.all())
    with translation.override("en"):
        english = receipt_html(dossier, papers)
    assert f"HT-01 · {EN}" in english and VI not in english
    assert f"HT-01 · {VI}" in receipt_html(dossier, papers)


def test_a_refusal_names_the_procedure_in_the_language_of_the_request(client, bearer, personas, named):
    """The service's messages are said in the caller's language; the stored notes stay Vietnamese."""
    data = {
        "procedure": "HT-01",
        "unit": "79.SXD",  # a ward procedure is not received by a department
        "applicant_name": "Nguyễn Văn An",
        "documents": required_ids(named),
    }
    r = client.post(
        "/api/v1/dossiers",
        data,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(personas.officer),
    )
    assert r.status_code == 400 and r.json()["detail"].startswith(f"{EN} is handled by"), r.content
