"""A category can be retired (back office: “đang dùng” unticked) instead of deleted, which its reports
prevent: it is no longer offered anywhere nor taken by the intake, and its reports keep it."""

from __future__ import annotations

import json

import pytest

from citydesk.core.errors import DomainError
from citydesk.reports.models import Report
from citydesk.reports.services import report_transition

from .conftest import submit_report
from .test_open311 import api_key, errors_of, post  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def retired(categories):
    lighting = categories["lighting"]
    lighting.is_active = False
    lighting.save()
    return lighting


def test_a_retired_category_is_offered_nowhere(client, personas, categories, retired):
    form = client.get("/phan-anh/moi/").content.decode()
    assert 'value="road_damage"' in form and 'value="street_lighting"' not in form
    client.force_login(personas.operator)
    hotline = client.get("/tong-dai/").content.decode()
    assert 'value="road_damage"' in hotline and 'value="street_lighting"' not in hotline
    services = client.get("/open311/v2/services.json").json()
    assert [s["service_code"] for s in services] == ["road_damage"]
    assert client.get("/open311/v2/services/street_lighting.json").status_code == 404


def test_the_intake_refuses_a_retired_category_and_nothing_is_stored(client, personas, categories, retired):
    with pytest.raises(DomainError) as refused:
        submit_report(category="street_lighting")
    assert refused.value.field == "category" and "Chiếu sáng công cộng" in refused.value.message
    r = client.post(
        "/api/v1/reports",
        json.dumps(
            {"category": "street_lighting", "description": "Đèn hỏng", "lon": 106.6946, "lat": 10.7714}
        ),
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["field"] == "category"
    assert not Report.objects.exists()


def test_open311_refuses_a_retired_service(client, personas, categories, retired, api_key):  # noqa: F811
    r = post(client, api_key, service_code="street_lighting")
    assert r.status_code == 400 and errors_of(r).startswith("service_code:")
    assert not Report.objects.exists()


def test_its_reports_keep_it_and_the_queue_still_filters_by_it(client, personas, categories):
    report = submit_report(category="street_lighting")
    lighting = categories["lighting"]
    lighting.is_active = False
    lighting.save()
    report.refresh_from_db()
    assert report.category == lighting
    client.force_login(personas.head)
    queue = client.get("/xu-ly/", {"category": "street_lighting"})
    assert queue.status_code == 200 and 'value="street_lighting"' in queue.content.decode()
    # Re-classifying into it is refused; out of it is fine.
    other = submit_report()
    with pytest.raises(DomainError) as refused:
        report_transition(user=personas.head, code=other.code, action="classify", category="street_lighting")
    assert refused.value.field == "category" and "không còn được sử dụng" in refused.value.message
