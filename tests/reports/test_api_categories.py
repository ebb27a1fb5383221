"""The app reads the categories and their questions from the REST API, and its answers back on the report."""

from __future__ import annotations

import pytest
from django.test import Client

from citydesk.core.models import ServiceCategory

from .conftest import submit_report

pytestmark = pytest.mark.django_db


def test_the_categories_in_use_with_their_questions_in_the_language_asked(categories):
    ServiceCategory.objects.filter(code="street_lighting").update(is_active=False)  # retired: not offered
    client = Client()
    vi = client.get("/api/v1/categories").json()
    assert [c["code"] for c in vi] == [c["code"] for c in vi if c["code"] != "street_lighting"]
    road = next(c for c in vi if c["code"] == "road_damage")
    assert (
        road["name"] == "Hư hỏng mặt đường, ổ gà"
        and road["handled_by"] == "ward"
        and road["working_days"] == 5
    )
    assert road["questions"] == [
        {"code": "depth_cm", "label": "Độ sâu (cm)", "type": "number", "required": False, "choices": []}
    ]
    assert "land" not in [c["code"] for c in vi]  # a dossier field, not a report category
    en = client.get("/api/v1/categories", HTTP_ACCEPT_LANGUAGE="en").json()
    road_en = next(c for c in en if c["code"] == "road_damage")
    assert road_en["name"] == "Road damage" and road_en["questions"][0]["label"] == "Depth (cm)"


def test_the_answers_come_back_to_the_reporter_and_the_handlers_not_the_public(categories, personas, bearer):
    report = submit_report(answers={"depth_cm": 15}, channel="app")
    client = Client()
    public = client.get(f"/api/v1/reports/{report.code}").json()
    assert public.get("answers") is None
    reporter = client.get(f"/api/v1/reports/{report.code}", {"token": report.citizen_token}).json()
    assert reporter["answers"] == {"depth_cm": 15}
    handler = client.get(f"/api/v1/reports/{report.code}", **bearer(personas.officer)).json()
    assert handler["answers"] == {"depth_cm": 15}
