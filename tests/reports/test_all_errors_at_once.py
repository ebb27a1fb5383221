"""A report refused for several inputs names them all at once: in the REST API's `errors`, in Open311's
error list, and beside each field of the web form; nothing is stored."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from citydesk.reports.models import Report

pytestmark = pytest.mark.django_db

BAD = {
    "category": "nope",
    "description": "",
    "lon": 2.35,
    "lat": 48.85,
    "contact_email": "bad",
    "contact_phone": "12",
}


def test_the_api_lists_every_input_at_fault(categories):
    response = Client().post("/api/v1/reports", json.dumps(BAD), content_type="application/json")
    body = response.json()
    assert response.status_code == 400 and body["field"] == "category"
    assert [e["field"] for e in body["errors"]] == [
        "category",
        "description",
        "lat",
        "lon",
        "contact_phone",
        "contact_email",
    ]
    assert all(e["message"] for e in body["errors"]) and not Report.objects.exists()


def test_one_input_at_fault_is_said_as_before(categories):
    response = Client().post(
        "/api/v1/reports",
        json.dumps(
            {
                **BAD,
                "category": "road_damage",
                "description": "Ổ gà",
                "lon": 106.69,
                "lat": 10.77,
                "contact_email": "",
                "contact_phone": "12",
            }
        ),
        content_type="application/json",
    )
    body = response.json()
    assert response.status_code == 400 and body["field"] == "contact_phone" and "errors" not in body


def test_a_refusal_that_is_not_an_inputs_fault_stays_alone(categories, personas, bearer):
    # Entering a report for a caller without the power: 403, whatever else is wrong.
    response = Client().post(
        "/api/v1/reports",
        json.dumps({**BAD, "channel": "hotline"}),
        content_type="application/json",
        **bearer(personas.citizen),
    )
    assert response.status_code in (400, 403) and not Report.objects.exists()


def test_open311_lists_every_parameter_at_fault(categories, personas):
    from citydesk.core.audit import Actor
    from citydesk.reports.open311 import open311_client_create

    open311_key = open311_client_create(actor=Actor.system("test"), name="Ứng dụng thử")[1]
    response = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": open311_key,
            "service_code": "road_damage",
            "description": "",
            "lat": "48.85",
            "long": "2.35",
            "email": "bad",
        },
    )
    errors = response.json()
    assert response.status_code == 400 and len(errors) >= 3
    assert all(e["code"] == 400 for e in errors)
    described = " ".join(e["description"] for e in errors)
    assert "description" in described and "email" in described
    assert not Report.objects.exists()


def test_the_web_form_marks_every_field_at_fault(client, categories):
    response = client.post(
        "/phan-anh/moi/",
        {
            "category": "road_damage",
            "description": "Ổ gà",
            "lon": "2.35",
            "lat": "48.85",
            "contact_email": "bad",
            "contact_phone": "12",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400 and not Report.objects.exists()
    for field in ("contact_email", "contact_phone"):
        assert f'id="err-{field}"' in page or f'data-field="{field}"' in page, field
