"""A dossier taken in outside the one-stop desk (recorded afterwards) counts against the target share handled
through the one-stop system: before, no intake could say so and every unit showed 100 %."""

from __future__ import annotations

import uuid

import pytest

from citydesk.dossiers.models import Dossier, DossierMonth
from tests.dossiers.test_pages import desk_post, login

pytestmark = pytest.mark.django_db


def test_the_desk_records_a_dossier_taken_in_outside_it(client, personas, catalog):
    login(client, personas.officer)
    page = client.get("/mot-cua/", {"procedure": catalog.birth.code}).content.decode()
    assert 'name="outside_one_stop"' in page and 'aria-describedby="hint-outside_one_stop"' in page
    assert client.post("/mot-cua/", desk_post(catalog, personas)).status_code == 302
    assert client.post("/mot-cua/", desk_post(catalog, personas, outside_one_stop="1")).status_code == 302
    assert sorted(Dossier.objects.values_list("via_one_stop", flat=True)) == [False, True]
    month = DossierMonth.objects.get(unit=personas.ward, procedure=catalog.birth)
    assert (month.received, month.received_via_one_stop) == (2, 1)


def test_the_api_takes_via_one_stop_and_a_retry_must_say_the_same(client, bearer, personas, catalog):
    body = {
        "procedure": catalog.birth.code,
        "unit": personas.ward.code,
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": "0903123456",
        "documents": [d.pk for d in catalog.birth.documents.all() if d.required],
        "via_one_stop": False,
    }
    key = uuid.uuid4().hex
    headers = {**bearer(personas.officer), "HTTP_IDEMPOTENCY_KEY": key}
    r = client.post("/api/v1/dossiers", body, content_type="application/json", **headers)
    assert r.status_code == 201, r.content
    assert Dossier.objects.get(code=r.json()["code"]).via_one_stop is False
    again = client.post("/api/v1/dossiers", body, content_type="application/json", **headers)
    assert again.status_code == 200 and again.json()["code"] == r.json()["code"]
    other = client.post(
        "/api/v1/dossiers", {**body, "via_one_stop": True}, content_type="application/json", **headers
    )
    assert other.status_code == 422 and Dossier.objects.count() == 1
    plain = {k: v for k, v in body.items() if k != "via_one_stop"}
    r = client.post("/api/v1/dossiers", plain, content_type="application/json", **bearer(personas.officer))
    assert r.status_code == 201 and Dossier.objects.get(code=r.json()["code"]).via_one_stop is True
