"""QA findings on officer moves: transfer targets, public notes, merge notices, pauses, re-routing,
duplicate help on the officer page, who did what in the history, and the API's times."""

from __future__ import annotations

import datetime as dt
import json
import re
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from citydesk.core.calendar import current_calendar
from citydesk.core.errors import DomainError
from citydesk.core.models import Organisation, OrgKind
from citydesk.lib.text import sort_key
from citydesk.notifications.models import Notification
from citydesk.reports import selectors
from citydesk.reports.models import Report, ReportEvent, RoutingRule
from citydesk.reports.services import (
    report_merge,
    report_pause,
    report_resume,
    report_transition,
    report_unmerge,
    sla_sweep,
)
from tests.conftest import make_unit

from .conftest import BEN_THANH, submit_report

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
REMARK = "Người này gọi điện nhiều lần, hay phàn nàn"


def submit(**kwargs):
    return submit_report(**({"contact_email": "dan@example.vn", "contact_name": "Nguyễn Văn Dân"} | kwargs))


def public_notes(report: Report) -> str:
    return " ".join(e.display_note for e in report.events.filter(public=True))


def state(report: Report) -> tuple:
    report.refresh_from_db()
    return (report.unit_id, report.status, report.version, report.events.count())


def api_json(response) -> dict:
    return json.loads(response.content.decode())


# --- 1. Transfer targets -------------------------------------------------------------------------


@pytest.fixture
def other_city(personas):
    """Hà Nội: its People's Committee, one ward and the ward's one-stop desk; and an HCMC one-stop desk."""
    hanoi = make_unit("01", "Thành phố Hà Nội")
    ba_dinh = make_unit("00004", "Phường Ba Đình", hanoi, 105.83, 21.03)
    city = Organisation.objects.create(
        code="01", name="UBND Thành phố Hà Nội", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=hanoi
    )
    ward = Organisation.objects.create(
        code="00004",
        name="UBND Phường Ba Đình",
        kind=OrgKind.PEOPLES_COMMITTEE,
        parent=city,
        admin_unit=ba_dinh,
    )
    Organisation.objects.create(
        code="00004.MC", name="Bộ phận Một cửa Phường Ba Đình", kind=OrgKind.ONE_STOP_DESK, parent=ward
    )
    Organisation.objects.create(code="01.SXD", name="Sở Xây dựng", kind=OrgKind.DEPARTMENT, parent=city)
    return city


@pytest.mark.parametrize("target", ["00004.MC", "00004", "01.SXD", "26743.MC", "79.TTTP"])
def test_a_transfer_goes_only_to_a_report_handler_of_the_same_city(
    personas, categories, other_city, desk, target
):
    report = submit()
    before = state(report)
    with pytest.raises(DomainError) as refused:
        report_transition(
            user=personas.head,
            code=report.code,
            action="transfer",
            target_unit=target,
            note="Không thuộc phường",
        )
    assert refused.value.field == "target_unit" and refused.value.status == 400
    assert state(report) == before  # nothing changed, no event written


def test_valid_transfer_targets_and_the_page_offers_only_them(client, personas, categories, other_city, desk):
    report = submit()
    company = Organisation.objects.create(
        code="79.CSCC",
        name="Công ty Chiếu sáng công cộng",
        kind=OrgKind.SERVICE_COMPANY,
        parent=personas.city,
    )
    RoutingRule.objects.create(priority=1, category=categories["lighting"], target=company)
    expected = ["79.CSCC", "79.SXD", "26740", "79"]  # Vietnamese order of the names, own unit left out
    assert [o.code for o in selectors.transfer_targets(report)] == expected
    names = [o.name for o in selectors.transfer_targets(report)]
    assert names == sorted(names, key=sort_key)

    client.force_login(personas.head)
    html = client.get(f"/xu-ly/{report.code}/").content.decode()
    datalist = re.search(r'<datalist id="organisations">(.*?)</datalist>', html, re.S).group(1)
    # Each suggestion is the unit's name with its code, which the move reads back.
    assert [
        re.search(r"\(([^()]+)\)$", v).group(1) for v in re.findall(r'<option value="([^"]+)"', datalist)
    ] == expected

    r = client.post(
        f"/xu-ly/{report.code}/thao-tac/",
        {"action": "transfer", "version": report.version, "target_unit": "00004.MC", "note": "Sai địa bàn"},
    )
    assert r.status_code == 400 and 'id="err-transfer-target"' in r.content.decode()
    report.refresh_from_db()
    assert report.unit == personas.ward and report.status == "received"

    moved = report_transition(
        user=personas.head, code=report.code, action="transfer", target_unit="79.CSCC", note="Đèn hỏng"
    )
    assert moved.unit == company and moved.status == "transferred"


def test_api_refuses_a_transfer_to_a_one_stop_desk_of_another_city(
    client, personas, categories, other_city, bearer
):
    report = submit()
    r = client.post(
        f"/api/v1/reports/{report.code}/actions",
        {"action": "transfer", "target_unit": "00004.MC", "note": "Sai địa bàn", "version": 1},
        content_type="application/json",
        **bearer(personas.head),
    )
    assert r.status_code == 400 and api_json(r)["field"] == "target_unit"
    report.refresh_from_db()
    assert report.unit == personas.ward and report.version == 1


# --- 2. Internal notes stay internal -------------------------------------------------------------


def test_classify_note_is_internal_unless_shown_to_the_citizen(client, personas, categories):
    report = submit()
    report_transition(user=personas.head, code=report.code, action="classify", note=REMARK)
    assert REMARK not in public_notes(report)
    assert report.events.filter(kind="note", public=False, note=REMARK).exists()
    detail = api_json(client.get(f"/api/v1/reports/{report.code}"))
    assert REMARK not in json.dumps(detail, ensure_ascii=False)
    assert REMARK not in client.get(f"/tra-cuu/{report.code}/").content.decode()

    other = submit(description="Ổ gà thứ hai")
    report_transition(
        user=personas.head, code=other.code, action="classify", note="Sẽ kiểm tra trong tuần", public=True
    )
    assert "Sẽ kiểm tra trong tuần" in public_notes(other)


def test_the_page_and_the_api_say_whether_the_note_is_public(client, personas, categories, bearer):
    report = submit()
    client.force_login(personas.head)
    html = client.get(f"/xu-ly/{report.code}/").content.decode()
    classify = re.search(r'id="form-classify".*?</form>', html, re.S).group(0)
    assert 'type="checkbox" id="classify-public" name="public"' in classify and "checked" not in classify
    r = client.post(f"/xu-ly/{report.code}/thao-tac/", {"action": "classify", "version": 1, "note": REMARK})
    assert r.status_code == 302
    assert REMARK not in public_notes(report)
    r = client.post(
        f"/api/v1/reports/{report.code}/actions",
        {"action": "assign", "assignee": "officer", "note": "Giao anh Minh", "version": 2},
        content_type="application/json",
        **bearer(personas.head),
    )
    assert r.status_code == 200
    r = client.post(
        f"/api/v1/reports/{report.code}/actions",
        {"action": "start", "note": "Đội đã ra hiện trường", "public": True, "version": 3},
        content_type="application/json",
        **bearer(personas.officer),
    )
    assert r.status_code == 200
    assert "Đội đã ra hiện trường" in public_notes(report)
    assert "Giao anh Minh" not in public_notes(report)


def test_a_transfer_publishes_the_unit_not_the_reason(client, personas, categories):
    report = submit()
    reason = "Người phản ánh khó tính, chuyển cho phường bên"
    report_transition(
        user=personas.head, code=report.code, action="transfer", target_unit="26740", note=reason
    )
    published = public_notes(report)
    assert reason not in published and "UBND Phường Sài Gòn" in published
    assert report.events.filter(kind="transfer", public=False, note__contains=reason).exists()
    detail = json.dumps(api_json(client.get(f"/api/v1/reports/{report.code}")), ensure_ascii=False)
    assert reason not in detail and "UBND Phường Sài Gòn" in detail
    mail = Notification.objects.filter(address="dan@example.vn").order_by("-pk").first()
    assert report.code in mail.subject and reason not in mail.body and "UBND Phường Sài Gòn" in mail.body


# --- 3. Merge and unmerge tell the duplicate's people --------------------------------------------


def test_merge_and_unmerge_tell_the_duplicates_reporter(personas, categories):
    master = submit()
    dup = submit(description="Ổ gà", contact_email="khac@example.vn")
    sent = Notification.objects.filter(address="khac@example.vn")
    before = sent.count()
    report_merge(user=personas.head, code=dup.code, into=master.code)
    assert sent.count() == before + 1
    told = sent.order_by("-pk").first()
    assert dup.code in told.subject and master.code in told.subject
    assert master.code in told.body and f"/tra-cuu/{master.code}/" in told.body
    merged = dup.events.filter(kind="merge", public=True).last()
    assert master.code in merged.display_note

    report_unmerge(user=personas.head, code=dup.code)
    assert sent.count() == before + 2
    again = sent.order_by("-pk").first()
    assert dup.code in again.subject and master.code in again.body
    assert dup.events.filter(kind="merge", public=True).count() == 2


def test_a_merged_duplicates_reporter_hears_at_the_contact_they_gave(personas, categories):
    """A logged-in reporter who typed another e-mail for their report keeps hearing there once it is
    merged, not at their account's address."""
    account = personas.citizen
    account.email = "taikhoan@example.vn"
    account.save(update_fields=["email"])
    master = submit()
    dup = submit(description="Ổ gà", contact_email="rieng@example.vn", reporter=account)
    report_merge(user=personas.head, code=dup.code, into=master.code)
    typed = Notification.objects.filter(address="rieng@example.vn")
    at_account = Notification.objects.filter(address="taikhoan@example.vn")
    before_typed, before_account = typed.count(), at_account.count()
    report_transition(
        user=personas.head, code=master.code, action="classify", note="Đã chuyển đội duy tu", public=True
    )
    assert typed.count() == before_typed + 1 and at_account.count() == before_account
    assert f"/tra-cuu/{master.code}/" in typed.order_by("-pk").first().body
    # That address already following the report it is merged into: one follow, no second message.
    other = submit(description="Ổ gà lần nữa", contact_email="rieng@example.vn", reporter=account)
    report_unmerge(user=personas.head, code=dup.code)
    from citydesk.reports.services import report_follow

    third = submit()
    report_follow(code=third.code, email="rieng@example.vn")
    report_merge(user=personas.head, code=other.code, into=third.code)
    assert third.followers.filter(email__iexact="rieng@example.vn").count() == 1


# --- 4. Pausing and resuming ---------------------------------------------------------------------


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VN)


def test_a_pause_without_office_time_leaves_the_due_time(personas, categories):
    report = submit()
    friday = at(2026, 11, 27, 17, 0)
    Report.objects.filter(pk=report.pk).update(due_at=friday)
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 30, 1, 8)):
        report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
    sent = Notification.objects.filter(address="dan@example.vn")
    before = sent.count()
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 30, 1, 9)):
        report = report_resume(user=personas.officer, code=report.code)
    report.refresh_from_db()
    assert report.due_at == friday and report.paused_at is None
    assert sent.count() == before + 1 and report.code in sent.order_by("-pk").first().subject
    resumed = report.events.filter(kind="sla").last()
    assert resumed.public and "27/11/2026 17:00" in resumed.display_note


def test_a_pause_moves_the_due_time_by_the_office_time_that_passed(personas, categories):
    """By the office time that passed while paused, to the minute, whatever the deadline: the time the
    citizen takes is not the unit's (ten minutes of waiting move Friday 17:00 to Monday 07:40; rounding
    short waits to nothing left a report paused just before its close late the moment it resumed)."""
    report = submit()
    friday = at(2026, 11, 27, 17, 0)
    Report.objects.filter(pk=report.pk).update(due_at=friday)
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 25, 11, 25)):
        report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 25, 13, 5)):
        report = report_resume(user=personas.officer, code=report.code)
    report.refresh_from_db()
    assert timezone.localtime(report.due_at) == at(2026, 11, 30, 7, 40)
    in_hours = at(2026, 11, 27, 15, 20)
    Report.objects.filter(pk=report.pk).update(due_at=in_hours)
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 25, 11, 25)):
        report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 25, 13, 5)):
        report = report_resume(user=personas.officer, code=report.code)
    report.refresh_from_db()
    calendar = current_calendar()
    # 11:25–11:30 and 13:00–13:05: ten minutes of office time.
    assert calendar.working_time_between(in_hours, report.due_at) == dt.timedelta(minutes=10)
    assert timezone.localtime(report.due_at) == at(2026, 11, 27, 15, 30)


def test_the_pages_show_a_stopped_clock(client, personas, categories):
    report = submit()
    report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
    client.force_login(personas.head)
    html = client.get(f"/xu-ly/{report.code}/").content.decode()
    due = re.search(r'<dd data-testid="due">(.*?)</dd>', html, re.S).group(1)
    assert 'data-testid="clock-paused"' in due
    assert timezone.localtime(report.due_at).strftime("%d/%m/%Y %H:%M") not in due
    queue = client.get("/xu-ly/").content.decode()
    row = re.search(rf'data-code="{report.code}".*?</tr>', queue, re.S).group(0)
    assert 'data-testid="clock-paused"' in row


# --- 5. Re-routing on classify tells the citizen -------------------------------------------------


def test_rerouting_by_category_tells_the_citizen_the_new_unit(personas, categories):
    report = submit()
    sent = Notification.objects.filter(address="dan@example.vn")
    before = sent.count()
    report = report_transition(
        user=personas.head, code=report.code, action="classify", category="street_lighting"
    )
    assert report.unit == personas.department
    moved = report.events.filter(kind="transfer", public=True).get()
    assert "Sở Xây dựng" in moved.display_note
    route = report.events.filter(kind="route").last()
    assert not route.public and route.display_note not in public_notes(report)
    assert sent.count() == before + 1
    mail = sent.order_by("-pk").first()
    assert report.code in mail.subject and "Sở Xây dựng" in mail.body
    # Classified without a change of unit: nobody is told of a transfer.
    same = submit(description="Ổ gà thứ hai")
    count = sent.count()
    report_transition(user=personas.head, code=same.code, action="classify", category="road_damage")
    assert not same.events.filter(kind="transfer").exists() and sent.count() == count


# --- 6. Duplicates on the officer page -----------------------------------------------------------


def short(code: str) -> str:
    prefix, year, number = code.split("-")
    return f"{prefix.lower()}-{year}-{int(number)}"


def test_the_officer_page_lists_nearby_reports_of_the_same_category(client, personas, categories):
    master = submit()
    far = submit(description="Ổ gà xa", lon=BEN_THANH[0] + 0.01)
    lamp = submit(category="street_lighting", description="Đèn đường hỏng")
    dup = submit(description="Ổ gà trước chợ", lon=BEN_THANH[0] + 0.0002)
    client.force_login(personas.head)
    html = client.get(f"/xu-ly/{dup.code}/").content.decode()
    listed = re.findall(r'data-testid="duplicate-candidate" data-code="([^"]+)"', html)
    assert listed == [master.code]
    assert far.code not in listed and lamp.code not in listed
    assert f'name="into" value="{master.code}"' in html  # one click merges
    row = re.search(r'data-testid="duplicate-candidate".*?</li>', html, re.S).group(0)
    assert re.search(r"\b2\d m\b", row)  # ≈ 22 m away


def test_merge_accepts_short_lowercase_codes_and_names_the_field_otherwise(
    client, personas, categories, bearer
):
    master = submit()
    dup = submit(description="Ổ gà")
    client.force_login(personas.head)
    r = client.post(f"/xu-ly/{dup.code}/gop/", {"into": "pa-26-999999"})
    assert r.status_code == 400 and 'id="err-merge-into"' in r.content.decode()
    r = client.post(
        f"/api/v1/reports/{dup.code}/merge",
        {"into": "khong-co"},
        content_type="application/json",
        **bearer(personas.head),
    )
    assert r.status_code == 400 and api_json(r)["field"] == "into"
    dup.refresh_from_db()
    assert dup.duplicate_of is None and dup.status == "received"
    r = client.post(f"/xu-ly/{dup.code}/gop/", {"into": short(master.code), "confirm": "yes"})
    assert r.status_code == 302
    dup.refresh_from_db()
    assert dup.duplicate_of == master
    assert selectors.normalise_code(" pa-26-301 ") == "PA-26-000301"
    assert selectors.normalise_code("PA 26 000301") == "PA-26-000301"


# --- 7. The system's events are the system's ----------------------------------------------------


def test_routing_and_the_sla_sweep_show_as_the_system(client, personas, categories, bearer):
    report = submit(reporter=personas.citizen)
    route = report.events.get(kind="route")
    # Rows written before the fix carry the citizen's name.
    ReportEvent.objects.filter(pk=route.pk).update(
        actor_label="Ngô Thị Mai", actor=personas.citizen, right="own"
    )
    Report.objects.filter(pk=report.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    sla_sweep()
    client.force_login(personas.head)
    html = client.get(f"/xu-ly/{report.code}/").content.decode()
    history = re.search(r'data-testid="history">(.*?)</ol>', html, re.S).group(1)
    items = re.findall(r"<li.*?</li>", history, re.S)
    routed = next(i for i in items if "Phân luồng" in i or "Routing" in i)
    assert "— Hệ thống" in routed and "Ngô Thị Mai" not in routed
    swept = next(i for i in items if "Thời hạn" in i or "Deadline" in i)
    assert "— Hệ thống" in swept and "sla-sweep" not in swept
    events = api_json(client.get(f"/api/v1/reports/{report.code}", **bearer(personas.head)))["events"]
    actors = {e["kind"]: e["actor"] for e in events}
    assert actors["route"] == "Hệ thống" and actors["sla"] == "Hệ thống"
    assert actors["status"] == "Ngô Thị Mai"  # the citizen did submit it


# --- 8. One time format in the API ---------------------------------------------------------------

LOCAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+07:00$")


def times_of(data: dict) -> list[str]:
    found = [data[k] for k in ("created_at", "updated_at", "due_at") if data.get(k)]
    return found + [e["at"] for e in data.get("events", [])]


def test_every_api_time_is_local_with_its_offset(client, personas, categories, bearer):
    created = client.post(
        "/api/v1/reports",
        {"category": "road_damage", "description": "Ổ gà", "lon": BEN_THANH[0], "lat": BEN_THANH[1]},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = api_json(created)
    code = body["code"]
    seen = times_of(body)
    seen += times_of(api_json(client.get(f"/api/v1/reports/{code}")))
    seen += times_of(api_json(client.get(f"/api/v1/reports/{code}", **bearer(personas.head))))
    queue = api_json(client.get("/api/v1/reports", **bearer(personas.head)))
    seen += [t for item in queue["items"] for t in times_of(item)]
    seen += [r["created_at"] for r in api_json(client.get("/api/v1/reports/public"))]
    action = client.post(
        f"/api/v1/reports/{code}/actions",
        {"action": "classify", "version": 1},
        content_type="application/json",
        **bearer(personas.head),
    )
    assert action.status_code == 200, action.content
    seen += times_of(api_json(action))
    note = client.post(
        f"/api/v1/reports/{code}/notes",
        {"text": "Ghi chú"},
        content_type="application/json",
        **bearer(personas.head),
    )
    seen.append(api_json(note)["at"])
    paused = client.post(
        f"/api/v1/reports/{code}/pause",
        {"note": "Xin ảnh"},
        content_type="application/json",
        **bearer(personas.head),
    )
    seen += times_of(api_json(paused))
    assert len(seen) > 12
    assert [t for t in seen if not LOCAL.match(t)] == []


def test_the_candidates_button_fills_the_merge_form_and_the_merged_page_says_merged(
    client, personas, categories
):
    """The button names the report to merge into; it fills the merge form in (nothing is merged, nobody is
    told, until its box is ticked). The merged report's page then says "merged", not "rejected", and shows
    no deadlines."""
    master = submit()
    dup = submit(description="Ổ gà trước chợ", lon=BEN_THANH[0] + 0.0002)
    client.force_login(personas.head)
    html = client.get(f"/xu-ly/{dup.code}/").content.decode()
    row = re.search(r'data-testid="duplicate-candidate".*?</li>', html, re.S).group(0)
    assert 'name="confirm"' not in row
    filled = client.get(f"/xu-ly/{dup.code}/", {"into": master.code}).content.decode()
    assert f'value="{master.code}"' in filled
    dup.refresh_from_db()
    assert dup.duplicate_of is None  # the button alone merged nothing
    fields = {"into": master.code, "confirm": "yes", "version": str(dup.version)}
    assert client.post(f"/xu-ly/{dup.code}/gop/", fields).status_code == 302
    dup.refresh_from_db()
    assert dup.duplicate_of == master
    page = client.get(f"/xu-ly/{dup.code}/").content.decode()
    assert re.search(r'data-testid="status">([^<]*)<', page).group(1) == "Đã gộp do trùng lặp"
    assert 'data-testid="due"' not in page and "<h3>Từ chối</h3>" not in page
