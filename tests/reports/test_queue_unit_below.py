"""The queue's `unit` filter takes the unit and the units below it, as the operations center counts a unit:
a number of /dieu-hanh/?unit=… and the queue it links to list the same reports (QA IOC-11, defect 3)."""

from __future__ import annotations

import re

import pytest

from tests.reports.conftest import submit_report

pytestmark = pytest.mark.django_db
QUEUE_API = "/api/v1/reports"


@pytest.fixture
def spread(personas, categories):
    """Reports of the ward (road damage) and of the construction department (street lighting), both below
    the city's People's Committee, which handles none itself."""
    ward = [submit_report().code for _ in range(3)]
    department = [submit_report(category="street_lighting").code for _ in range(2)]
    return personas, ward, department


def _codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["code"] for item in response.json()["items"]}


def test_the_api_unit_filter_takes_the_units_below(client, spread, bearer):
    personas, ward, department = spread
    leader = bearer(personas.leader)
    assert _codes(client.get(QUEUE_API, {"unit": "79", "status": "all"}, **leader)) == {*ward, *department}
    assert _codes(client.get(QUEUE_API, {"unit": "26743", "status": "all"}, **leader)) == set(ward)
    assert _codes(client.get(QUEUE_API, {"unit": "79.SXD", "status": "all"}, **leader)) == set(department)


def test_a_unit_above_mine_is_still_refused(client, spread, bearer):
    personas, _ward, _department = spread
    response = client.get(QUEUE_API, {"unit": "79", "status": "all"}, **bearer(personas.head))
    assert response.status_code == 400 and response.json()["field"] == "unit"
    response = client.get(QUEUE_API, {"unit": "26740", "status": "all"}, **bearer(personas.head))
    assert response.status_code == 400 and response.json()["field"] == "unit"


def test_the_page_unit_filter_takes_the_units_below(client, spread):
    personas, ward, department = spread
    client.force_login(personas.leader)
    html = client.get("/xu-ly/", {"unit": "79", "status": "all"}).content.decode()
    assert len(re.findall(r'data-testid="queue-row"', html)) == len(ward) + len(department)


def test_the_operations_center_numbers_and_the_queue_agree_for_a_unit_with_units_below(client, spread):
    personas, ward, department = spread
    client.force_login(personas.leader)
    html = client.get("/dieu-hanh/?period=30d&unit=79").content.decode()
    value = re.search(r'data-testid="value-received">([^<]+)<', html).group(1).strip()
    assert int(value) == len(ward) + len(department)
    link = re.search(r'data-testid="card-received">.*?href="([^"]+)"', html, re.S).group(1)
    queue = client.get(link.replace("&amp;", "&")).content.decode()
    assert len(re.findall(r'data-testid="queue-row"', queue)) == int(value)
