"""Review: staff readings of a citizen's personal data are logged (SPEC S0), outside the audit chain, and
shown to the trail's readers in the trail's scope; the back office never shows a citizen's key."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from citydesk.core.access import (
    PersonalDataAccessOut,
    audit_access_list,
    mask_link_keys,
    purge_expired_access,
    record_access,
    record_case_access,
)
from citydesk.core.errors import NotAllowed
from citydesk.core.models import (
    AuditChainHead,
    AuditEntry,
    Membership,
    Organisation,
    OrgKind,
    PersonalDataAccess,
    User,
)
from citydesk.dossiers.models import Dossier
from citydesk.notifications.models import Notification
from tests.conftest import make_unit
from tests.dossiers.conftest import campaign_today, catalog, receive  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
URL = "/nhat-ky/"


def _request(user, address: str = "203.0.113.7"):
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    request.user = user
    return request


@pytest.fixture
def dossier(personas, receive):  # noqa: F811
    made = receive()
    Dossier.objects.filter(pk=made.pk).update(
        applicant=personas.citizen, citizen_token="SECRETKEY1234567890ab"
    )
    made.refresh_from_db()
    return made


def test_an_officer_reading_is_one_insert_outside_the_audit_chain(personas, dossier):
    head = AuditChainHead.objects.values_list("last_id", "count").get()
    entries = AuditEntry.objects.count()
    with CaptureQueriesContext(connection) as queries:
        row = record_case_access(_request(personas.officer), dossier, "page")
    assert row is not None and (row.user_id, row.user_label) == (personas.officer.pk, "Trần Văn Minh")
    assert (row.object_type, row.object_id, row.what, row.address) == (
        "dossier",
        dossier.code,
        "page",
        "203.0.113.7",
    )
    sql = " ".join(q["sql"].lower() for q in queries.captured_queries)
    assert "auditchainhead" not in sql and "auditentry" not in sql
    assert sum(q["sql"].lstrip().upper().startswith("INSERT") for q in queries.captured_queries) == 1
    assert AuditChainHead.objects.values_list("last_id", "count").get() == head
    assert AuditEntry.objects.count() == entries
    with CaptureQueriesContext(connection) as again:  # who is staff is asked once per request
        record_access(row and _request(personas.officer), "report", "PA-26-000001", "api")
    assert len(again.captured_queries) <= 2


def test_the_applicant_a_citizen_and_a_visitor_are_not_logged(personas, dossier):
    assert record_case_access(_request(personas.citizen), dossier, "receipt") is None  # the applicant
    stranger = User.objects.create_user(username="stranger", password="x")
    assert record_case_access(_request(stranger), dossier, "page") is None  # a citizen, no role
    assert record_case_access(_request(AnonymousUser()), dossier, "page") is None
    assert record_access(None, "dossier", dossier.code, "page") is None
    # The API's caller by bearer token: the request's user is anonymous, the caller is given.
    assert record_access(_request(AnonymousUser()), "dossier", dossier.code, "api", user=personas.head)
    assert record_access(personas.admin, "dossier", dossier.code, "admin").address is None
    assert PersonalDataAccess.objects.count() == 2


def test_old_readings_go_after_the_kept_years(personas, settings):
    settings.CITYDESK_PERSONAL_DATA_ACCESS_YEARS = 5
    now = timezone.now()
    old = record_access(personas.officer, "report", "PA-1", "page")
    PersonalDataAccess.objects.filter(pk=old.pk).update(at=now - dt.timedelta(days=5 * 366))
    kept = record_access(personas.officer, "report", "PA-2", "page")
    assert purge_expired_access(now=now) == 1
    assert list(PersonalDataAccess.objects.values_list("pk", flat=True)) == [kept.pk]


# --- Who reads the log -----------------------------------------------------------------------------


@pytest.fixture
def hanoi_leader(personas) -> User:
    province = make_unit("01", "Thành phố Hà Nội")
    city = Organisation.objects.create(
        code="01", name="UBND Thành phố Hà Nội", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=province
    )
    leader = User.objects.create_user(username="hn_leader", password="x", full_name="Lãnh đạo Hà Nội")
    Membership.objects.create(user=leader, organisation=city, role="leader")
    return leader


def test_the_trails_page_lists_the_readings_in_the_trails_scope(personas, dossier, hanoi_leader):
    record_case_access(_request(personas.officer), dossier, "page")
    client = Client()
    client.force_login(personas.leader)
    changes = client.get(URL).content.decode()
    assert 'data-testid="access-view"' in changes and 'href="?view=access"' in changes
    page = client.get(URL, {"view": "access"}).content.decode()
    assert 'data-testid="access-table"' in page and 'data-what="page"' in page
    assert "Trần Văn Minh" in page and dossier.code in page and "203.0.113.7" in page
    assert 'name="view" value="access"' in page  # the filters keep the tab
    assert 'data-what="page"' not in client.get(URL, {"view": "access", "actor": "nobody"}).content.decode()
    client.force_login(hanoi_leader)  # another city's leader
    other = client.get(URL, {"view": "access"}).content.decode()
    assert 'data-testid="access-row"' not in other and "Trần Văn Minh" not in other
    client.force_login(personas.officer)  # no power to read the trail
    assert client.get(URL, {"view": "access"}).status_code == 403


def test_the_api_lists_the_readings_in_the_trails_scope(personas, dossier, hanoi_leader):
    record_case_access(_request(personas.officer), dossier, "file")
    rows = audit_access_list(_request(personas.inspector), object_id=dossier.code.lower(), limit=100)
    out = [PersonalDataAccessOut.from_orm(row).dict() for row in rows]
    assert [(r["what"], r["object_type"], r["object_id"], r["user_label"], r["address"]) for r in out] == [
        ("file", "dossier", dossier.code, "Trần Văn Minh", "203.0.113.7")
    ]
    assert out[0]["what_label"] and out[0]["object_type_label"] == "Hồ sơ"
    assert audit_access_list(_request(hanoi_leader), limit=100) == []
    with pytest.raises(NotAllowed):
        audit_access_list(_request(personas.officer), limit=100)


# --- The back office -------------------------------------------------------------------------------


def test_the_back_office_hides_the_citizen_key_and_logs_the_opening(staff, personas, dossier):
    response = staff.get(f"/quan-tri/dossiers/dossier/{dossier.pk}/change/")
    page = response.content.decode()
    assert response.status_code == 200 and dossier.code in page
    assert "SECRETKEY1234567890ab" not in page and "citizen_token" not in page
    assert dossier.applicant_phone in page  # the administrator does see the applicant: and it is recorded
    row = PersonalDataAccess.objects.get()
    assert (row.user_id, row.what, row.object_id) == (personas.admin.pk, "admin", dossier.code)


def test_the_back_office_hides_the_keys_in_kept_messages(staff, personas):
    body = "Hồ sơ của ông/bà: https://x.vn/ho-so/tra-cuu/HS-26-000001/?t=SECRETKEY1234567890ab\nCảm ơn."
    message = Notification.objects.create(
        channel="email", address="an@example.vn", subject="Đã nhận", body=body
    )
    page = staff.get(f"/quan-tri/notifications/notification/{message.pk}/change/").content.decode()
    assert "SECRETKEY1234567890ab" not in page and "?t=••••" in page and "Cảm ơn." in page
    listing = staff.get("/quan-tri/notifications/notification/").content.decode()
    assert "SECRETKEY1234567890ab" not in listing and "Đã nhận" in listing
    response = staff.post(
        f"/quan-tri/notifications/notification/{message.pk}/change/",
        {"channel": "email", "address": "an@example.vn", "status": "pending", "next_attempt_at_0": "01/12/2026",
         "next_attempt_at_1": "09:00:00"},
    )  # fmt: skip
    assert response.status_code in (200, 302)
    message.refresh_from_db()
    assert message.body == body  # a save does not touch the kept text


def test_link_keys_are_masked_whatever_their_name():
    text = "a?t=abc&x=1 b&token=def#c /rate/?t=Z.x-1:2"
    assert mask_link_keys(text) == "a?t=••••&x=1 b&token=••••#c /rate/?t=••••"


def test_the_hourly_purge_removes_readings_past_their_retention(personas, settings):
    import datetime as dt

    from django.utils import timezone

    from citydesk.core.models import PersonalDataAccess
    from citydesk.dossiers.tasks import purge_staged_uploads_task

    settings.CITYDESK_PERSONAL_DATA_ACCESS_YEARS = 2
    old = PersonalDataAccess.objects.create(
        user_id=personas.officer.pk,
        user_label="x",
        object_type="dossier",
        object_id="HS-20-000001",
        what="page",
    )
    PersonalDataAccess.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=3 * 366))
    kept = PersonalDataAccess.objects.create(
        user_id=personas.officer.pk,
        user_label="x",
        object_type="dossier",
        object_id="HS-26-000001",
        what="page",
    )
    assert purge_staged_uploads_task.call()["access_records_removed"] == 1
    assert list(PersonalDataAccess.objects.values_list("pk", flat=True)) == [kept.pk]
