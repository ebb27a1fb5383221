"""API of the indicators: status codes, fields, permissions for every persona and an outsider."""

from __future__ import annotations

from datetime import date

import pytest

from citydesk.indicators.models import DataValue, Finding, Indicator, IndicatorGroup

# The figures of values whose reports are sent (approved): see test_sent_reports.py for the drafts.
pytestmark = pytest.mark.usefixtures("reports_sent")


@pytest.fixture
def rev(personas):
    group = IndicatorGroup.objects.create(code="G1", name="Thu ngân sách")
    ind = Indicator.objects.create(group=group, code="REV", name="Thu ngân sách", unit_of_measure="tỷ đồng")
    for unit, base in ((personas.ward, 10), (personas.other_ward, 20)):
        for k in range(15):
            DataValue.objects.create(
                indicator=ind,
                unit=unit,
                period_type="M",
                period=date(2025 + k // 12, k % 12 + 1, 1),
                value=base + k,
            )
    Finding.objects.create(
        indicator=ind,
        unit=personas.ward,
        period_type="M",
        period=date(2026, 3, 1),
        value=24,
        expected=8,
        score=9,
        method="seasonal",
        explanation="…",
    )
    return ind


def test_measures_fields(client, bearer, personas, rev):
    r = client.get("/api/v1/indicators/REV/measures?unit=26743&period=2026-03", **bearer(personas.head))
    assert r.status_code == 200, r.content
    (m,) = r.json()
    assert m["indicator"] == "REV" and m["unit"] == "26743" and m["period_key"] == "2026-03"
    assert m["value"] == 24 and m["previous"] == 23 and m["change_abs"] == 1
    assert m["last_year"] == 12 and m["yoy_abs"] == 12 and m["ytd"] == 22 + 23 + 24
    assert m["rank"] == 2 and m["peers"] == 2
    r = client.get(
        "/api/v1/indicators/REV/measures?unit=26743,26740&period=2026-Q1&aggregate=true",
        **bearer(personas.leader),
    )
    assert r.status_code == 200 and r.json()[0]["value"] == 22 + 23 + 24 + 32 + 33 + 34
    assert (r.json()[0]["reported"], r.json()[0]["expected"]) == (2, 2)  # every unit has reported
    assert m["reported"] is None  # one unit: not an aggregate


def test_series(client, bearer, personas, rev):
    r = client.get("/api/v1/indicators/REV/series?unit=26743&from=2025&to=2026", **bearer(personas.officer))
    assert r.status_code == 200, r.content
    assert [p["value"] for p in r.json()["points"]] == [sum(range(10, 22)), 22 + 23 + 24]


@pytest.mark.parametrize(
    "url,status,field",
    [
        ("/api/v1/indicators/NOPE/measures?unit=26743&period=2026-03", 404, "indicator"),
        ("/api/v1/indicators/REV/measures?unit=26743&period=2026-13", 400, "period"),
        ("/api/v1/indicators/REV/measures?unit=nowhere&period=2026-03", 404, "unit"),
        ("/api/v1/indicators/REV/series?unit=26743&from=2026-03&to=2026", 400, "to"),
        ("/api/v1/indicator-findings?state=bogus", 400, "state"),
    ],
)
def test_bad_input(client, bearer, personas, rev, url, status, field):
    r = client.get(url, **bearer(personas.leader))
    assert r.status_code == status and r.json()["field"] == field


def test_period_not_fitting_periodicity(client, bearer, personas, rev):
    rev.periodicity = "Q"
    rev.save()
    r = client.get("/api/v1/indicators/REV/measures?unit=26743&period=2026-03", **bearer(personas.leader))
    assert r.status_code == 400 and r.json()["field"] == "period"


READ_WARD = {
    "operator": 403,
    "officer": 200,
    "deputy": 200,
    "head": 200,
    "leader": 200,
    "inspector": 403,
    "admin": 403,
    "citizen": 403,
    "outsider": 403,
}


@pytest.mark.parametrize("role", list(READ_WARD))
def test_read_permissions(client, bearer, personas, rev, role):
    user = personas.all_roles()[role]
    r = client.get("/api/v1/indicators/REV/measures?unit=26743&period=2026-03", **bearer(user))
    assert r.status_code == READ_WARD[role]
    r = client.get("/api/v1/indicator-findings", **bearer(user))
    if role == "citizen":
        assert r.status_code == 403
    else:
        assert r.status_code == 200
        assert len(r.json()) == (1 if READ_WARD[role] == 200 else 0)
    r = client.get("/api/v1/indicators", **bearer(user))
    assert r.status_code == (403 if role == "citizen" else 200)


def test_anonymous_refused(client, rev):
    assert client.get("/api/v1/indicators").status_code == 401


@pytest.mark.parametrize(
    "role,explain,close",
    [
        ("officer", 200, 403),
        # The unit explains; whoever explained does not close it too (another leader does).
        ("deputy", 200, 409),
        ("head", 200, 409),
        ("leader", 403, 403),  # a leader above the unit does not explain in its place
        ("operator", 403, 403),
        ("inspector", 403, 403),
        ("admin", 403, 403),
        ("citizen", 403, 403),
        ("outsider", 403, 403),
    ],
)
def test_finding_actions(client, bearer, personas, rev, role, explain, close):
    user = personas.all_roles()[role]
    f = Finding.objects.get()
    url = f"/api/v1/indicator-findings/{f.pk}/actions"
    r = client.post(
        url,
        {"action": "explain", "note": "Thu tiền sử dụng đất", "version": 1},
        content_type="application/json",
        **bearer(user),
    )
    assert r.status_code == explain, r.content
    if explain != 200:
        assert Finding.objects.get().state == "flagged"
        return
    assert r.json()["state"] == "explained" and r.json()["version"] == 2
    r = client.post(
        url, {"action": "close", "note": "ok", "version": 2}, content_type="application/json", **bearer(user)
    )
    assert r.status_code == close
    assert Finding.objects.get().state == ("closed" if close == 200 else "explained")
    if close == 409:  # the city's leader, who did not explain it, closes it
        r = client.post(
            url,
            {"action": "close", "note": "ok", "version": 2},
            content_type="application/json",
            **bearer(personas.leader),
        )
        assert r.status_code == 200 and Finding.objects.get().state == "closed"


def test_finding_action_bad_input(client, bearer, personas, rev):
    f = Finding.objects.get()
    url = f"/api/v1/indicator-findings/{f.pk}/actions"
    r = client.post(
        url, {"action": "fly", "version": 1}, content_type="application/json", **bearer(personas.head)
    )
    assert r.status_code == 400 and r.json()["field"] == "action"
    r = client.post(
        url,
        {"action": "explain", "note": "", "version": 1},
        content_type="application/json",
        **bearer(personas.head),
    )
    assert r.status_code == 400 and r.json()["field"] == "note"
    r = client.post(
        url,
        {"action": "explain", "note": "x", "version": 7},
        content_type="application/json",
        **bearer(personas.head),
    )
    assert r.status_code == 409 and r.json()["field"] == "version"
    r = client.post(
        "/api/v1/indicator-findings/999999/actions",
        {"action": "explain", "note": "x", "version": 1},
        content_type="application/json",
        **bearer(personas.head),
    )
    assert r.status_code == 404
    assert Finding.objects.get().state == "flagged"


def test_the_version_is_required(client, bearer, personas, rev):
    """Without the version read, a move could overwrite someone else's: the API refuses it."""
    f = Finding.objects.get()
    url = f"/api/v1/indicator-findings/{f.pk}/actions"
    r = client.post(
        url,
        {"action": "explain", "note": "Thu tiền đất"},
        content_type="application/json",
        **bearer(personas.head),
    )
    assert r.status_code == 400 and r.json()["field"] == "version"
    assert Finding.objects.get().state == "flagged"
    spec = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["FindingActionIn"]
    assert "version" in spec["required"]


def test_a_unit_without_values_of_its_own_is_said_so(client, bearer, personas, rev):
    rev.reporting_units.set([personas.ward, personas.other_ward])
    r = client.get("/api/v1/indicators/REV/measures?unit=79&period=2026-03", **bearer(personas.leader))
    assert r.status_code == 200
    (m,) = r.json()
    assert m["value"] is None and m["own_values"] is False and "79" in m["note"]
    r = client.get(
        "/api/v1/indicators/REV/measures?unit=79&period=2026-03&aggregate=true", **bearer(personas.leader)
    )
    (m,) = r.json()
    assert (m["reported"], m["expected"]) == (0, 0) and m["note"]
    r = client.get("/api/v1/indicators/REV/measures?unit=26743,79&period=2026-03", **bearer(personas.leader))
    ward, city = r.json()
    assert (ward["own_values"], ward["note"]) == (True, None) and city["own_values"] is False
    r = client.get(
        "/api/v1/indicators/REV/measures?unit=26743,26740&period=2026-03&aggregate=true",
        **bearer(personas.leader),
    )
    assert r.json()[0]["note"] is None and r.json()[0]["value"] == 24 + 34
    spec = client.get("/api/v1/openapi.json").json()
    params = spec["paths"]["/api/v1/indicators/{code}/measures"]["get"]["parameters"]
    assert "comma-separated" in next(p for p in params if p["name"] == "unit")["description"]


def test_an_unknown_unit_is_404_naming_the_field(client, bearer, personas, rev):
    for url in (
        "/api/v1/indicators/REV/measures?unit=99999&period=2026-03",
        "/api/v1/indicators/REV/series?unit=99999&from=2025&to=2026",
        "/api/v1/indicator-findings?unit=99999",
    ):
        r = client.get(url, **bearer(personas.leader))
        assert (r.status_code, r.json()["field"]) == (404, "unit"), url
