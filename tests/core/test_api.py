"""REST API: calendar, identity with bearer tokens, delegation, audit; errors name the field."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from citydesk.core.models import ApiToken, AuditEntry, CalendarOverride, Delegation
from citydesk.core.powers import Power
from citydesk.core.services import holds_own

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client()


def test_due_one_working_day_over_tet(client):
    r = client.get("/api/v1/calendar/due", {"received": "2026-02-13T10:00:00+07:00", "working_days": "1"})
    assert r.status_code == 200
    assert r.json()["due"] == "2026-02-23T17:00:00+07:00"


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        ("2026-03-02T14:59:00+07:00", "2026-03-02T17:00:00+07:00"),  # before the cutoff: same day
        ("2026-03-02T15:00:00+07:00", "2026-03-03T17:00:00+07:00"),  # at the cutoff: next working day
        ("2026-03-07T09:00:00+07:00", "2026-03-09T17:00:00+07:00"),  # Saturday: Monday
        ("2026-03-02T07:00:00Z", "2026-03-02T17:00:00+07:00"),  # 14:00 in Hanoi time
    ],
)
def test_due_same_day_rule(client, received, expected):
    r = client.get("/api/v1/calendar/due", {"received": received, "working_days": "0"})
    assert r.status_code == 200, r.content
    assert r.json()["due"] == expected
    assert r.json()["rule"] == "same_day"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"received": "13/02/2026", "working_days": "1"}, "received"),
        ({"received": "2026-02-30T10:00", "working_days": "1"}, "received"),
        ({"received": "2026-02-13T10:00", "working_days": "-1"}, "working_days"),
        ({"received": "2026-02-13T10:00", "working_days": "ba"}, "working_days"),
        ({"received": "2026-02-13T10:00"}, "working_days"),
    ],
)
def test_due_bad_input_names_the_field(client, params, field):
    r = client.get("/api/v1/calendar/due", params)
    assert r.status_code == 400
    body = r.json()
    assert field in body["detail"] or body.get("field") == field


@pytest.mark.parametrize(
    ("received", "working_days", "field"),
    [
        ("9999-12-31T10:00", "5", "received"),  # used to be a 500 (OverflowError)
        ("1900-01-01T10:00", "5", "received"),  # used to answer with the offset +07:06:30
        ("0001-01-01T10:00", "5", "received"),
        ("0001-01-01T00:00:00+07:00", "0", "received"),
        ("9999-12-31T23:00:00-12:00", "1", "received"),
        ("1989-12-31T23:59:00+07:00", "1", "received"),
        ("2100-12-30T10:00:00+07:00", "5", "working_days"),  # the due date would be in 2101
    ],
)
def test_due_outside_the_calendar_range_is_400(client, received, working_days, field):
    r = client.get(
        "/api/v1/calendar/due",
        {"received": received, "working_days": working_days},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400, r.content
    assert r.json()["field"] == field
    assert "2100-12-31" in r.json()["detail"]


@pytest.mark.parametrize(
    ("received", "working_days", "due"),
    [
        ("1990-01-02T10:00", "1", "1990-01-03T17:00:00+07:00"),
        ("1989-12-31T17:00:00Z", "1", "1990-01-03T17:00:00+07:00"),  # 00:00 on 1 January in Hà Nội
        ("2100-12-27T10:00", "2", "2100-12-29T17:00:00+07:00"),
    ],
)
def test_due_at_the_edges_of_the_range_has_the_plus_seven_offset(client, received, working_days, due):
    r = client.get("/api/v1/calendar/due", {"received": received, "working_days": working_days})
    assert r.status_code == 200, r.content
    assert r.json()["due"] == due


def test_due_echoes_a_time_without_offset_as_the_city_time(client):
    r = client.get("/api/v1/calendar/due", {"received": "2026-02-13T10:00", "working_days": "1"})
    assert r.json()["received"] == "2026-02-13T10:00:00+07:00"


def test_holidays_of_a_year(client):
    r = client.get("/api/v1/calendar/holidays", {"year": 2026})
    assert r.status_code == 200
    days = {h["date"]: h for h in r.json()}
    assert days["2026-02-17"]["name"] == "Tết Nguyên đán"
    assert days["2026-04-27"]["kind"] == "compensatory"
    assert days["2026-09-02"]["kind"] == "public"
    assert client.get("/api/v1/calendar/holidays", {"year": "x"}).status_code == 400
    assert client.get("/api/v1/calendar/holidays", {"year": 1800}).status_code == 400


def test_admin_day_off_changes_deadlines(client, personas, bearer):
    payload = {"date": "2026-03-03", "kind": "day_off", "name": "Nghỉ đột xuất (thử nghiệm)"}
    r = client.post(
        "/api/v1/calendar/overrides", payload, content_type="application/json", **bearer(personas.admin)
    )
    assert r.status_code == 201, r.content
    r = client.get("/api/v1/calendar/due", {"received": "2026-03-02T15:30:00+07:00", "working_days": "0"})
    assert r.json()["due"] == "2026-03-04T17:00:00+07:00"
    assert AuditEntry.objects.filter(action="calendar.set", object_id="2026-03-03").exists()


@pytest.mark.parametrize("role", ["operator", "officer", "deputy", "head", "leader", "inspector", "citizen"])
def test_only_admins_change_the_calendar(client, personas, bearer, role):
    user = personas.all_roles()[role]
    payload = {"date": "2026-03-03", "kind": "day_off", "name": "x"}
    r = client.post("/api/v1/calendar/overrides", payload, content_type="application/json", **bearer(user))
    assert r.status_code == 403
    assert not CalendarOverride.objects.exists()


def test_calendar_override_bad_input(client, personas, bearer):
    auth = bearer(personas.admin)
    r = client.post(
        "/api/v1/calendar/overrides",
        {"date": "2026-03-04", "kind": "working_day", "name": "x"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 400 and r.json()["field"] == "date"
    r = client.post(
        "/api/v1/calendar/overrides",
        {"date": "hôm qua", "kind": "day_off", "name": "x"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "date"
    assert r.json()["field"] == "date"  # the first input at fault, as domain errors name it
    r = client.post(
        "/api/v1/calendar/overrides",
        {"date": "2026-03-04", "kind": "nap", "name": "x"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 400 and r.json()["field"] == "kind"
    assert not CalendarOverride.objects.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "1989-12-31", "2101-01-03", "9999-12-31"])
def test_calendar_override_outside_the_calendar_range(client, personas, bearer, day):
    r = client.post(
        "/api/v1/calendar/overrides",
        {"date": day, "kind": "day_off", "name": "x"},
        content_type="application/json",
        **bearer(personas.admin),
    )
    assert r.status_code == 400 and r.json()["field"] == "date"
    assert not CalendarOverride.objects.exists()


def test_me_requires_a_valid_token(client, personas, bearer):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer cd_nope_nope").status_code == 401
    r = client.get("/api/v1/me", **bearer(personas.head))
    assert r.status_code == 200
    body = r.json()
    assert body["username"] == "head"
    assert body["memberships"][0]["organisation_code"] == "26743"
    assert Power.COMPLAINT_RESOLVE_COMPLEX in body["memberships"][0]["powers"]


def test_inactive_user_token_refused(client, personas, bearer):
    headers = bearer(personas.officer)
    personas.officer.is_active = False
    personas.officer.save()
    assert client.get("/api/v1/me", **headers).status_code == 401


def test_revoked_token_refused_at_once(client, personas, bearer):
    headers = bearer(personas.officer)
    assert client.get("/api/v1/me", **headers).status_code == 200
    ApiToken.objects.filter(user=personas.officer).update(revoked_at=timezone.now())
    assert client.get("/api/v1/me", **headers).status_code == 401


def test_token_last_use_recorded_at_most_once_a_minute(client, personas, bearer):
    headers = bearer(personas.officer)
    token = ApiToken.objects.get(user=personas.officer)
    assert token.last_used_at is None
    assert client.get("/api/v1/me", **headers).status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and abs((timezone.now() - first).total_seconds()) < 30
    assert client.get("/api/v1/me", **headers).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: no write
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(seconds=61))
    assert client.get("/api/v1/me", **headers).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(seconds=61)


def test_membership_roles_count_only_while_active(personas):
    assert holds_own(personas.head, Power.COMPLAINT_RESOLVE_COMPLEX, personas.ward)
    assert not holds_own(personas.head, Power.COMPLAINT_RESOLVE_COMPLEX, personas.other_ward)
    assert holds_own(
        personas.leader, Power.VIEW_DASHBOARD, personas.ward
    )  # a role at the city reaches the ward
    personas.head.memberships.update(is_active=False)
    assert not holds_own(personas.head, Power.COMPLAINT_RESOLVE_COMPLEX, personas.ward)


def test_session_login_works_for_the_api(client, personas):
    client.force_login(personas.officer)
    assert client.get("/api/v1/me").json()["username"] == "officer"


def test_session_post_needs_csrf(personas):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(personas.admin)
    r = csrf_client.post(
        "/api/v1/calendar/overrides",
        {"date": "2026-03-03", "kind": "day_off", "name": "x"},
        content_type="application/json",
    )
    assert r.status_code in (401, 403)
    assert not CalendarOverride.objects.exists()


def _delegation_payload(**overrides):
    payload = {
        "organisation": "79.SXD",
        "powers": [Power.DOSSIER_APPROVE],
        "delegate_organisation": "26743",
        "start_date": str(date.today()),
        "end_date": "2099-12-31",
        "reason": "Quyết định 12/QĐ-SXD",
    }
    payload.update(overrides)
    return payload


def test_delegation_api_flow(client, personas, bearer):
    director = bearer(personas.department_head)
    r = client.post("/api/v1/delegations", _delegation_payload(), content_type="application/json", **director)
    assert r.status_code == 201, r.content
    delegation_id = r.json()["id"]
    r = client.get(
        "/api/v1/authority",
        {"power": Power.DOSSIER_APPROVE, "organisation": "79.SXD"},
        **bearer(personas.head),
    )
    assert r.json() == {
        "allowed": True,
        "right": "delegated",
        "on_behalf_of": "Hoàng Minh Tuấn",
        "delegation_id": delegation_id,
        "detail": "",
    }
    listed = client.get("/api/v1/delegations", **bearer(personas.head)).json()
    assert [d["id"] for d in listed] == [delegation_id]
    r = client.post(f"/api/v1/delegations/{delegation_id}/revoke", **bearer(personas.head))
    assert r.status_code == 403
    r = client.post(f"/api/v1/delegations/{delegation_id}/revoke", **director)
    assert r.status_code == 200 and r.json()["revoked"] is True


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"start_date": "2026-05-10", "end_date": "2026-05-01"}, 400, "end_date"),
        ({"organisation": "00.NOPE"}, 404, "organisation"),
        ({"delegate_organisation": "99999"}, 404, "delegate_organisation"),
        ({"powers": [Power.COMPLAINT_RESOLVE_COMPLEX]}, 400, "powers"),
        ({"start_date": "mai"}, 400, "start_date"),
        ({"start_date": "0001-01-01", "end_date": "9999-12-31"}, 400, "start_date"),
        ({"start_date": "1989-12-31"}, 400, "start_date"),
        ({"end_date": "9999-12-31"}, 400, "end_date"),
        ({"end_date": "2101-01-01"}, 400, "end_date"),
    ],
)
def test_delegation_api_bad_input(client, personas, bearer, overrides, status, field):
    r = client.post(
        "/api/v1/delegations",
        _delegation_payload(**overrides),
        content_type="application/json",
        **bearer(personas.department_head),
    )
    assert r.status_code == status, r.content
    body = r.json()
    assert body.get("field") == field or any(e["field"] == field for e in body.get("errors", []))
    assert not Delegation.objects.exists()


def test_outsider_cannot_delegate(client, personas, bearer):
    r = client.post(
        "/api/v1/delegations",
        _delegation_payload(),
        content_type="application/json",
        **bearer(personas.outsider),
    )
    assert r.status_code == 403
    assert not Delegation.objects.exists()


def test_officer_granting_a_power_is_told_they_do_not_hold_it(client, personas, bearer):
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    # The officer holds "resolve reports" but not the power to delegate it.
    r = client.post(
        "/api/v1/delegations",
        _delegation_payload(
            organisation="26743",
            powers=[Power.REPORT_RESOLVE],
            delegate_organisation=None,
            delegate_username="deputy",
        ),
        content_type="application/json",
        **bearer(personas.officer),
        **english,
    )
    assert r.status_code == 403
    detail = r.json()["detail"]
    assert "do not have the power" in detail and "Delegate powers" in detail
    assert "never by delegation" not in detail
    # A power the officer does not hold at all.
    r = client.post(
        "/api/v1/delegations",
        _delegation_payload(
            organisation="26743",
            powers=[Power.DOSSIER_APPROVE],
            delegate_organisation=None,
            delegate_username="deputy",
        ),
        content_type="application/json",
        **bearer(personas.officer),
        **english,
    )
    assert r.status_code == 403
    assert r.json()["field"] == "powers"
    assert "do not hold yourself" in r.json()["detail"]
    assert not Delegation.objects.exists()


def test_head_of_another_unit_may_not_revoke(client, personas, bearer):
    director = bearer(personas.department_head)
    r = client.post("/api/v1/delegations", _delegation_payload(), content_type="application/json", **director)
    delegation_id = r.json()["id"]
    for user in (personas.head, personas.other_head):
        r = client.post(
            f"/api/v1/delegations/{delegation_id}/revoke", **bearer(user), HTTP_ACCEPT_LANGUAGE="en"
        )
        assert r.status_code == 403
        assert r.json()["detail"].startswith("You may not revoke this delegation")
        assert r.json()["field"] == "delegation_id"
    assert not Delegation.objects.get().revoked_at


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("inspector", True),
        ("admin", True),
        ("head", True),
        ("leader", True),
        ("deputy", False),
        ("officer", False),
        ("operator", False),
        ("citizen", False),
        ("outsider", False),
    ],
)
def test_audit_api_by_role(client, personas, bearer, role, allowed):
    r = client.get("/api/v1/audit", **bearer(personas.all_roles()[role]))
    assert r.status_code == (200 if allowed else 403)
    if allowed and role != "head":
        assert r.json()[0]["action"] == "api_token.create"


def test_a_ward_head_reads_the_audit_of_their_ward_only(client, personas, bearer):
    from citydesk.core.models import ServiceCategory
    from tests.reports.conftest import submit_report

    ServiceCategory.objects.create(
        code="road_damage", domain="report", name="Hư hỏng đường", name_en="Road damage", handled_by="ward",
        working_days=5, triage_hours=4,
    )  # fmt: skip
    mine = submit_report()
    theirs = submit_report(
        description="Ổ gà phường Sài Gòn", ward_code="26740", lon=None, lat=None, address="1 Hàm Nghi"
    )
    assert theirs.unit == personas.other_ward
    seen = {
        (e["object_type"], e["object_id"])
        for e in client.get("/api/v1/audit", **bearer(personas.head)).json()
    }
    assert ("report", mine.code) in seen and ("report", theirs.code) not in seen
    assert all(kind in ("report", "dossier") for kind, _code in seen)  # no users, tokens, calendar
    everything = client.get("/api/v1/audit", **bearer(personas.inspector)).json()
    assert {("report", mine.code), ("report", theirs.code)} <= {
        (e["object_type"], e["object_id"]) for e in everything
    }
    assert any(e["object_type"] != "report" for e in everything)


def test_units_api(client, personas):
    r = client.get("/api/v1/units", {"province": "79", "q": "ben thanh"})
    assert r.status_code == 200
    assert [u["code"] for u in r.json()["items"]] == ["26743"]
    page = client.get("/api/v1/units", {"province": "79", "limit": 1, "offset": 1}).json()
    assert (page["count"], page["limit"], page["offset"]) == (2, 1, 1)  # the page says where it is
    assert [u["code"] for u in page["items"]] == ["26743"]  # 26740 comes first
    assert client.get("/api/v1/units", {"province": "98"}).json()["field"] == "province"
    r = client.get("/api/v1/units", {"province": "zz"})
    assert r.status_code == 400 and r.json()["field"] == "province"
    assert client.get("/api/v1/units/26743").json()["province_code"] == "79"
    r = client.get("/api/v1/units/00000")
    assert r.status_code == 404 and r.json()["field"] == "code"
    r = client.get("/api/v1/units/locate", {"lon": 106.6946, "lat": 10.7714})
    assert r.json()["code"] == "26743" and r.json()["approximate"] is True
    r = client.get("/api/v1/units/locate", {"lon": 500, "lat": 10})
    assert r.status_code == 400 and r.json()["field"] == "lon"


def test_openapi_schema_is_served(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert "/api/v1/calendar/due" in r.json()["paths"]


def test_responses_are_utf8_not_escaped(client, personas):
    r = client.get("/api/v1/units/26743")
    assert "Phường Bến Thành".encode() in r.content


def test_errors_follow_the_requested_language(client):
    params = {"received": "2026-02-13T10:00", "working_days": "-1"}
    assert (
        client.get("/api/v1/calendar/due", params).json()["detail"] == "“working_days” không được là số âm."
    )
    english = client.get("/api/v1/calendar/due", params, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"] == "“working_days” cannot be negative."


def test_audit_names_a_role_actor_in_the_language_asked(client, personas, bearer):
    """Role actors are stored language-neutrally (`role:citizen`) and read in the caller's language."""
    from citydesk.core.models import AuditEntry, ServiceCategory
    from tests.reports.conftest import submit_report

    ServiceCategory.objects.create(
        code="road_damage", domain="report", name="Hư hỏng đường", name_en="Road damage", handled_by="ward",
        working_days=5, triage_hours=4,
    )  # fmt: skip
    report = submit_report()
    stored = AuditEntry.objects.get(object_type="report", object_id=report.code, action="report.submit")
    assert stored.actor_label.startswith("role:")
    query = {"object_type": "report", "object_id": report.code}
    vi = client.get("/api/v1/audit", query, **bearer(personas.inspector)).json()
    en = client.get("/api/v1/audit", query, HTTP_ACCEPT_LANGUAGE="en", **bearer(personas.inspector)).json()
    created = [e["actor_label"] for e in vi if e["action"] == "report.submit"]
    assert created == ["người dân"]
    assert [e["actor_label"] for e in en if e["action"] == "report.submit"] == ["citizen"]
