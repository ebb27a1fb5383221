"""Review F of the officers' workflow: merge candidates, bulk assignment conflicts, a new category for a
report at work, reassignment in progress, who is told, routing suggestions, a merged report's label."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from citydesk.core.errors import DomainError
from citydesk.core.models import Membership, ServiceCategory, User
from citydesk.notifications.models import Notification
from citydesk.reports import suggest as sg
from citydesk.reports.models import Report, ReportEvent, Status
from citydesk.reports.services import report_follow, report_merge, report_transition
from citydesk.reports.views import officer as officer_views

from .conftest import submit_report

pytestmark = pytest.mark.django_db


def submit(**kwargs):
    return submit_report(**({"contact_email": "dan@example.vn", "contact_name": "Nguyễn Văn Dân"} | kwargs))


def colleague(personas) -> User:
    """A second officer of Phường Bến Thành, to reassign to."""
    user = User.objects.create_user(username="officer2", password="pw", full_name="Đỗ Văn Hai")
    Membership.objects.create(user=user, organisation=personas.ward, role="officer")
    return user


def in_app(user: User) -> list[Notification]:
    return list(Notification.objects.filter(channel="in_app", recipient=user).order_by("pk"))


# --- 1. A duplicate candidate's button never merges by itself ----------------------------------------


def test_a_candidates_button_fills_the_merge_form_and_merges_nothing(client, personas, categories):
    master = submit()
    dup = submit(description="Ổ gà lớn trước chợ", contact_phone="0901234567", contact_email="")
    sent = Notification.objects.count()
    client.force_login(personas.head)
    html = client.get(reverse("reports:officer", args=[dup.code])).content.decode()
    row = re.search(rf'data-testid="duplicate-candidate" data-code="{master.code}".*?</li>', html, re.S)
    assert row is not None
    form = re.search(r"<form[^>]*>", row.group(0)).group(0)
    assert 'method="get"' in form and 'name="confirm"' not in row.group(0)
    # What the button sends: the page again, the code filled in, the box to tick (unticked).
    r = client.get(reverse("reports:officer", args=[dup.code]), {"into": master.code})
    page = r.content.decode()
    assert r.status_code == 200
    assert re.search(rf'id="merge-into"[^>]*value="{master.code}"', page)
    box = re.search(r'<input type="checkbox" id="merge-confirm"[^>]*>', page).group(0)
    assert "checked" not in box
    dup.refresh_from_db()
    assert dup.duplicate_of is None and Notification.objects.count() == sent


# --- 2. Bulk assignment checks the versions the queue showed ------------------------------------------


def test_bulk_assign_refuses_a_report_reassigned_since_the_queue_was_loaded(client, personas, categories):
    other = colleague(personas)
    first, second = submit(), submit(description="Ổ gà thứ hai")
    seen = {first.code: first.version, second.code: second.version}
    # A colleague assigns the second report after the queue page was loaded.
    report_transition(user=personas.deputy, code=second.code, action="assign", assignee=other.username)
    client.force_login(personas.head)
    r = client.post(
        "/xu-ly/giao-viec/",
        {
            "codes": [first.code, second.code],
            "assignee": "officer",
            **{f"version-{code}": version for code, version in seen.items()},
        },
    )
    assert r.status_code == 409
    said = re.search(r'<p id="bulk-error">(.*?)</p>', r.content.decode(), re.S).group(1)
    assert said.count(second.code) >= 1 and "đã được cập nhật" in said, said
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.assignee is None and first.status == Status.RECEIVED  # all or nothing
    assert second.assignee == other
    # The versions as they are now: assigned.
    r = client.post(
        "/xu-ly/giao-viec/",
        {
            "codes": [first.code, second.code],
            "assignee": "officer",
            f"version-{first.code}": first.version,
            f"version-{second.code}": second.version,
        },
    )
    assert r.status_code == 302
    second.refresh_from_db()
    assert second.assignee == personas.officer


def test_bulk_assign_through_the_api_checks_versions_and_names_the_report(
    client, personas, categories, bearer
):
    other = colleague(personas)
    first, second = submit(), submit(description="Ổ gà thứ hai")
    stale = second.version
    report_transition(user=personas.deputy, code=second.code, action="assign", assignee=other.username)

    def bulk(**payload):
        return client.post(
            "/api/v1/reports/bulk-assign",
            {"codes": [first.code, second.code], "assignee": "officer", **payload},
            content_type="application/json",
            **bearer(personas.head),
        )

    r = bulk(versions={first.code: first.version, second.code: stale})
    assert r.status_code == 409 and second.code in r.json()["detail"], r.content
    assert Report.objects.get(pk=first.pk).assignee is None
    # A rejected report: the refusal names it (it said only "a report that is “Rejected” cannot…").
    report_transition(user=personas.head, code=first.code, action="reject", reason="spam", note="Quảng cáo")
    r = bulk()
    assert r.status_code == 409 and first.code in r.json()["detail"], r.content
    # Versions of some reports only, current: assigned.
    third = submit(description="Ổ gà thứ ba")
    r = client.post(
        "/api/v1/reports/bulk-assign",
        {"codes": [second.code, third.code], "assignee": "officer", "versions": {third.code: third.version}},
        content_type="application/json",
        **bearer(personas.head),
    )
    assert r.status_code == 200 and r.json() == [second.code, third.code]


# --- 3. A new category for a report at work ---------------------------------------------------------


@pytest.fixture
def waste(categories):
    """A category the ward handles too, with a longer handling time than road damage."""
    return ServiceCategory.objects.create(
        code="waste", domain="report", name="Rác thải", name_en="Waste", handled_by="ward", working_days=10
    )


def test_a_new_category_for_an_assigned_report_keeps_it_with_its_officer(client, personas, categories, waste):
    report = submit(reporter=personas.citizen)
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report.refresh_from_db()
    due = report.due_at
    sent = Notification.objects.filter(recipient=personas.citizen).count()
    moved = report_transition(
        user=personas.head, code=report.code, action="classify", category="waste", version=report.version
    )
    assert moved.status == Status.ASSIGNED and moved.assignee == personas.officer
    assert moved.category == waste and moved.unit == personas.ward
    assert moved.due_at > due  # the category's longer handling time
    changed = ReportEvent.objects.get(report=moved, note_key="report.category_changed")
    assert (
        changed.public and "Rác thải" in changed.display_note and "Hư hỏng mặt đường" in changed.display_note
    )
    # The unit stays: nobody is told (the tracking page shows the category).
    assert Notification.objects.filter(recipient=personas.citizen).count() == sent
    track = client.get(reverse("reports:track", args=[report.code])).content.decode()
    assert "Rác thải" in track and "Đã giao xử lý → Đã phân loại" not in track


def test_a_new_category_for_a_report_in_progress_moves_it_when_routing_says_so(personas, categories):
    report = submit(reporter=personas.citizen)
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=report.code, action="start")
    moved = report_transition(
        user=personas.head, code=report.code, action="classify", category="street_lighting", note="Đèn"
    )
    assert moved.unit == personas.department and moved.assignee is None
    assert moved.status == Status.TRANSFERRED and moved.category.code == "street_lighting"
    # The citizen is told which unit handles it now; the department's head gets the report.
    told = in_app(personas.citizen)[-1]
    assert personas.department.name in told.subject
    head = in_app(personas.department_head)
    assert len(head) == 1 and report.code in head[0].subject
    assert "Chiếu sáng công cộng" in head[0].body and "Đèn" in head[0].body
    assert not in_app(personas.head)  # not the one who changed it


def test_a_report_at_work_needs_another_category(personas, categories):
    report = submit()
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    with pytest.raises(DomainError) as refused:
        report_transition(user=personas.head, code=report.code, action="classify", category="road_damage")
    assert refused.value.field == "category" and type(refused.value) is DomainError


# --- 4. A new officer on a report in progress ------------------------------------------------------


def test_reassigning_a_report_in_progress_keeps_it_in_progress(client, personas, categories):
    other = colleague(personas)
    report = submit()
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=report.code, action="start")
    moved = report_transition(user=personas.head, code=report.code, action="assign", assignee=other.username)
    assert moved.status == Status.IN_PROGRESS and moved.assignee == other
    last = ReportEvent.objects.filter(report=moved, kind=ReportEvent.Kind.STATUS).order_by("-pk").first()
    assert (last.from_status, last.to_status, last.public) == (Status.IN_PROGRESS, Status.IN_PROGRESS, False)
    track = client.get(reverse("reports:track", args=[report.code])).content.decode()
    assert "Đang xử lý → Đã giao xử lý" not in track


# --- 5. The receiving unit is told --------------------------------------------------------------------


def test_a_transfer_tells_the_receiving_units_head(personas, categories):
    report = submit()
    report_transition(
        user=personas.head,
        code=report.code,
        action="transfer",
        target_unit="26740",
        note="Địa bàn phường Sài Gòn",
    )
    told = in_app(personas.other_head)
    assert len(told) == 1 and report.code in told[0].subject
    assert "Hư hỏng mặt đường" in told[0].body and "Địa bàn phường Sài Gòn" in told[0].body
    assert not in_app(personas.outsider)  # an officer of that unit does not assign: not told


# --- 6. The citizen is told in the app when the report is assigned and work starts ----------------


def test_assignment_and_start_tell_the_reporter_and_followers_in_the_app_only(personas, categories):
    report = submit(reporter=personas.citizen)
    report_follow(code=report.code, user=personas.leader)
    report_follow(code=report.code, email="hang@example.vn")
    before = Notification.objects.exclude(channel="in_app").count()
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=report.code, action="start")
    for person in (personas.citizen, personas.leader):
        subjects = [n.subject for n in in_app(person)]
        assert any(report.code in s and "đã giao xử lý" in s for s in subjects), subjects
        assert any(report.code in s and "đang xử lý" in s for s in subjects), subjects
    assert "officer" not in in_app(personas.citizen)[-1].body
    # No e-mail, no SMS for these steps (the officer's own in-app message aside).
    assert Notification.objects.exclude(channel="in_app").count() == before


# --- 7. Routing suggestions beside the classify form ------------------------------------------------


def test_the_classify_form_shows_routing_suggestions_when_a_model_is_trained(
    client, personas, categories, monkeypatch
):
    def fake(description, lon, lat, ward_code, k=3):
        return sg.Suggestions(
            available=True,
            categories=[sg.Choice("street_lighting", "Chiếu sáng công cộng", 0.81)],
            units=[
                sg.Choice("79.SXD", "Sở Xây dựng", 0.64),
                sg.Choice("26743", "UBND Phường Bến Thành", 0.2),
            ],
        )

    monkeypatch.setattr(officer_views, "_suggest", fake)
    report = submit()
    client.force_login(personas.head)
    html = client.get(reverse("reports:officer", args=[report.code])).content.decode()
    box = re.search(r'data-testid="classify-suggestions".*?</div>', html, re.S).group(0)
    assert re.search(r'data-code="street_lighting">Chiếu sáng công cộng · [^<]*81%', box)
    assert re.search(r'data-code="79.SXD">Sở Xây dựng · [^<]*64%', box)
    # A report already classified and at work: no suggestion.
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    html = client.get(reverse("reports:officer", args=[report.code])).content.decode()
    assert 'data-testid="classify-suggestions"' not in html


def test_no_suggestion_without_a_trained_model(client, personas, categories, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    sg.clear_cache()
    report = submit()
    client.force_login(personas.head)
    html = client.get(reverse("reports:officer", args=[report.code])).content.decode()
    assert 'id="form-classify"' in html and 'data-testid="classify-suggestions"' not in html
    sg.clear_cache()


# --- 8. A merged report reads as merged in the API ----------------------------------------------


def test_the_api_says_a_merged_report_is_merged(client, personas, categories):
    master, dup = submit(), submit(description="Ổ gà")
    report_merge(user=personas.head, code=dup.code, into=master.code)
    data = client.get(f"/api/v1/reports/{dup.code}").json()
    assert data["status"] == "rejected" and data["status_label"] == "Đã gộp do trùng lặp"
    assert data["duplicate_of"] == master.code


def test_a_version_that_int_cannot_read_is_a_stale_one_not_a_server_error(client, personas, categories):
    """ "²" is a digit to str.isdigit() and not to int(): the bulk form's version of it was a 500."""
    from tests.reports.conftest import submit_report as _submit

    report = _submit(description="Ổ gà")
    client.force_login(personas.head)
    r = client.post(
        "/xu-ly/giao-viec/",
        {"codes": [report.code], "assignee": personas.officer.username, f"version-{report.code}": "²"},
    )
    assert r.status_code in (400, 409)  # refused as a version it never had, not a 500
    report.refresh_from_db()
    assert report.assignee_id is None
