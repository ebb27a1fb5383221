"""Review fixes (A): the place's ward when the point and the ward typed disagree, overdue reports that are
paused, pausing with nobody to ask, the reporter's account on staff pages, transfers by name within the
city, every error of an action form at once, merges in the history and their SMS, merging confirmed,
the hotline's "not found" and the triage deadline in the queue."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection  # noqa: F401  (the skipif condition)
from django.urls import reverse
from django.utils import timezone

from citydesk.core.errors import Conflict, DomainError, DomainErrors
from citydesk.core.models import Organisation, OrgKind
from citydesk.ioc.panels import overdue_now
from citydesk.ioc.queries import Filters, total
from citydesk.notifications.channels import sms_text
from citydesk.notifications.models import Notification
from citydesk.reports import system_notes
from citydesk.reports.models import Report, overdue_q
from citydesk.reports.selectors import QueueFilters, queue, unit_figures
from citydesk.reports.services import (
    report_merge,
    report_pause,
    report_submit,
    report_transition,
    report_unmerge,
    sla_sweep,
)
from citydesk.reports.services.intake import WardMismatch
from tests.conftest import make_unit

from .conftest import submit_report

pytestmark = pytest.mark.django_db

SAI_GON_POINT = {"lon": "106.703", "lat": "10.7788"}  # the centre of Phường Sài Gòn (26740)


def submit(**kwargs):
    return submit_report(**({"contact_email": "dan@example.vn", "contact_name": "Nguyễn Văn Dân"} | kwargs))


def form_data(**overrides) -> dict:
    data = {
        "category": "road_damage",
        "description": "Ổ gà sâu trước số 5",
        **SAI_GON_POINT,
        "address": "5 Nguyễn Du",
        "province": "79",
        "ward": "Bến Thành",  # typed: another ward than the point's
        "idempotency_key": "k-1",
    }
    return data | overrides


# --- 1. The point's ward and the ward typed disagree ----------------------------------------------


def test_the_form_asks_which_ward_is_right_and_keeps_what_was_typed(client, personas, categories):
    r = client.post(reverse("reports:new"), form_data())
    html = r.content.decode()
    assert r.status_code == 400 and not Report.objects.exists()
    question = re.search(r'data-testid="place-question".*?</fieldset>', html, re.S).group(0)
    assert "Phường Sài Gòn" in question and "Phường Bến Thành" in question
    assert 'name="confirmed_ward" value="26740"' in question  # the point's ward
    assert 'name="confirmed_ward" value="26743"' in question  # the ward typed
    assert 'data-testid="place-question-summary"' in html and 'href="#place-question"' in html
    assert 'value="5 Nguyễn Du"' in html and 'value="Bến Thành"' in html  # what was typed is kept


def test_the_ward_typed_confirmed_wins_with_a_check_of_the_unit(client, personas, categories):
    r = client.post(reverse("reports:new"), form_data(confirmed_ward="26743"))
    assert r.status_code == 302, r.content.decode()[:500]
    report = Report.objects.get()
    assert report.ward_id == "26743" and report.unit == personas.ward
    assert (report.lon, report.lat) == (106.703, 10.7788)  # the point is kept
    assert report.near_boundary  # the unit is to be checked
    note = report.events.get(note_key=system_notes.WARD_MISMATCH)
    assert (
        not note.public and "Phường Sài Gòn" in note.display_note and "Phường Bến Thành" in note.display_note
    )
    page = client.get(reverse("reports:track", args=[report.code])).content.decode()
    assert "5 Nguyễn Du, Phường Bến Thành" in page


def test_the_points_ward_confirmed_wins(client, personas, categories):
    r = client.post(reverse("reports:new"), form_data(confirmed_ward="26740"))
    assert r.status_code == 302
    report = Report.objects.get()
    assert report.ward_id == "26740" and report.unit == personas.other_ward
    assert not report.events.filter(note_key=system_notes.WARD_MISMATCH).exists()


def test_a_choice_for_other_wards_asks_again(client, personas, categories):
    """The ward was changed after the question: the old answer does not decide for the new pair."""
    r = client.post(reverse("reports:new"), form_data(confirmed_ward="26999"))
    assert r.status_code == 400 and 'data-testid="place-question"' in r.content.decode()
    assert not Report.objects.exists()


def test_agreeing_point_and_ward_ask_nothing(client, personas, categories):
    r = client.post(reverse("reports:new"), form_data(ward="Sài Gòn"))
    assert r.status_code == 302
    assert not Report.objects.get().events.filter(note_key=system_notes.WARD_MISMATCH).exists()


def test_other_channels_keep_the_ward_given_and_flag_it(client, personas, categories):
    """The app, Open311, e-mail and the hotline are not asked: the ward given wins, the point stays, the
    report is flagged for a check and its internal history names the point's ward."""
    report = submit_report(lon=106.703, lat=10.7788, ward_code="26743", channel="app")
    assert report.ward_id == "26743" and report.near_boundary
    assert report.events.filter(note_key=system_notes.WARD_MISMATCH, public=False).exists()
    response = client.post(
        "/api/v1/reports",
        {
            "category": "road_damage",
            "description": "Ổ gà",
            "lon": 106.703,
            "lat": 10.7788,
            "ward_code": "26743",
        },
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["ward_code"] == "26743"
    with pytest.raises(WardMismatch) as asked:  # what the web form asks with
        report_submit(
            category="road_damage",
            description="Ổ gà",
            channel="web",
            lon=106.703,
            lat=10.7788,
            ward_code="26743",
            ask_ward=True,
        )
    assert asked.value.field == "ward_code" and asked.value.at_point.code == "26740"


# --- 2. A report paused when already overdue stays overdue ----------------------------------------


def _paused_late(personas, hours_late: int = 2) -> Report:
    report = submit()
    Report.objects.filter(pk=report.pk).update(due_at=timezone.now() - timedelta(hours=hours_late))
    report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
    report.refresh_from_db()
    return report


def test_a_report_paused_after_its_due_time_stays_overdue_everywhere(client, personas, categories):
    late = _paused_late(personas)
    in_time = submit(description="Chờ bổ sung")
    report_pause(user=personas.officer, code=in_time.code, note="Xin ảnh")
    # Paused three hours ago, due two hours ago: it was paused in time, its clock is stopped.
    Report.objects.filter(pk=in_time.pk).update(
        paused_at=timezone.now() - timedelta(hours=3), due_at=timezone.now() - timedelta(hours=2)
    )
    now = timezone.now()
    assert late.is_overdue(now) and late.paused_overdue
    in_time.refresh_from_db()
    assert not in_time.is_overdue(now)
    assert [r.code for r in queue(personas.head, QueueFilters(status="overdue"))] == [late.code]
    figures = unit_figures(since=now - timedelta(days=1), until=now + timedelta(days=1))
    assert [f.overdue for f in figures] == [1]
    today = timezone.localdate()
    assert overdue_now(Filters(today, today)) == 1  # the operations center's "overdue now"
    assert sla_sweep(now=now)["escalated"] == 1  # escalated although paused
    late.refresh_from_db()
    assert late.escalated_at is not None
    assert total(Filters(today, today)).overdue_n == 1  # the operations center's card agrees


def test_the_pages_say_overdue_before_the_pause(client, personas, categories):
    late = _paused_late(personas)
    public = client.get(reverse("reports:track", args=[late.code])).content.decode()
    badge = re.search(r'data-testid="overdue">(.*?)</span>', public, re.S).group(1)
    assert "Overdue (before the pause)" in badge or "trước khi tạm dừng" in badge
    due = re.search(r'<dd data-testid="due">(.*?)</dd>', public, re.S).group(1)
    assert timezone.localtime(late.due_at).strftime("%d/%m/%Y %H:%M") in due
    client.force_login(personas.head)
    officer = client.get(reverse("reports:officer", args=[late.code])).content.decode()
    assert 'data-testid="overdue"' in officer
    row = re.search(
        rf'<tr class="([^"]*)"[^>]*data-code="{late.code}">(.*?)</tr>',
        client.get("/xu-ly/").content.decode(),
        re.S,
    )
    assert row.group(1) == "overdue" and "badge-overdue" in row.group(2)


def test_a_report_paused_in_time_shows_its_clock_stopped_publicly(client, personas, categories):
    report = submit()
    report_pause(user=personas.officer, code=report.code, note="Xin ảnh")
    public = client.get(reverse("reports:track", args=[report.code])).content.decode()
    due = re.search(r'<dd data-testid="due">(.*?)</dd>', public, re.S).group(1)
    assert timezone.localtime(report.due_at).strftime("%d/%m/%Y %H:%M") not in due
    assert 'data-testid="overdue"' not in public


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_the_overdue_queries_still_search_an_index(personas, categories):
    """The paused-but-late part of the rule is a residual test: the (status, due) indexes still apply."""
    plan = Report.objects.filter(overdue_q(timezone.now())).explain()
    assert "SEARCH reports_report USING INDEX report_sla" in plan, plan
    plan = queue(personas.head, QueueFilters(status="overdue")).values_list("pk", flat=True).explain()
    assert "USING INDEX report_queue" in plan, plan


# --- 3. Nobody to ask ------------------------------------------------------------------------------


def test_pausing_is_refused_when_the_reporter_left_no_contact(client, personas, categories):
    nobody = submit_report()  # anonymous, no phone, no e-mail
    with pytest.raises(Conflict) as refused:
        report_pause(user=personas.officer, code=nobody.code, note="Xin ảnh")
    assert "phone" in refused.value.message or "điện thoại" in refused.value.message
    nobody.refresh_from_db()
    assert nobody.paused_at is None
    client.force_login(personas.officer)
    page = client.get(reverse("reports:officer", args=[nobody.code])).content.decode()
    assert (
        'data-testid="pause-unreachable"' in page
        and 'action="/xu-ly/' + nobody.code + '/tam-dung/"' not in page
    )
    r = client.post(f"/xu-ly/{nobody.code}/tam-dung/", {"note": "Xin ảnh"})
    assert r.status_code == 409 and refused.value.message in r.content.decode()
    # An account, an e-mail or a phone is enough.
    for contact in (
        {"reporter": personas.citizen},
        {"contact_phone": "0901234567"},
        {"contact_email": "a@b.vn"},
    ):
        report = submit_report(**contact)
        assert report_pause(user=personas.officer, code=report.code, note="Xin ảnh").paused_at is not None


# --- 4. The reporter's account on staff pages ------------------------------------------------------


def test_staff_pages_show_the_reporters_account(client, personas, categories):
    citizen = personas.citizen
    citizen.phone = "0912345678"
    citizen.save(update_fields=["phone"])
    report = submit_report(reporter=citizen)  # logged in, nothing typed in the contact fields
    client.force_login(personas.officer)
    page = client.get(reverse("reports:officer", args=[report.code])).content.decode()
    account = re.search(r'data-testid="reporter-account".*?</dl>', page, re.S).group(0)
    assert "Ngô Thị Mai" in account and "0912345678" in account and "citizen@example.vn" in account
    client.force_login(personas.operator)
    hotline = client.get(reverse("reports:hotline_report", args=[report.code])).content.decode()
    line = re.search(r'data-testid="hotline-account">(.*?)</dd>', hotline, re.S).group(1)
    assert "Ngô Thị Mai" in line and "091****678" in line and "0912345678" not in line
    # Not on the public page.
    client.logout()
    public = client.get(reverse("reports:track", args=[report.code])).content.decode()
    assert "Ngô Thị Mai" not in public and "0912345678" not in public


# --- 5. A transfer by name stays within the city ---------------------------------------------------


def test_a_transfer_by_name_looks_in_the_reports_city_only(personas, categories):
    hanoi = make_unit("01", "Thành phố Hà Nội")
    city = Organisation.objects.create(
        code="01", name="UBND Thành phố Hà Nội", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=hanoi
    )
    Organisation.objects.create(code="01.SXD", name="Sở Xây dựng", kind=OrgKind.DEPARTMENT, parent=city)
    report = submit()
    moved = report_transition(
        user=personas.head, code=report.code, action="transfer", target_unit="so xay dung", note="Đèn"
    )
    assert moved.unit.code == "79.SXD"


# --- 6. Every error of an action form at once ------------------------------------------------------


def test_a_transfer_without_unit_or_reason_names_both(client, personas, categories):
    report = submit()
    with pytest.raises(DomainErrors) as refused:
        report_transition(user=personas.head, code=report.code, action="transfer", target_unit="", note="")
    assert [p.field for p in refused.value.problems] == ["target_unit", "note"]
    client.force_login(personas.head)
    r = client.post(
        f"/xu-ly/{report.code}/thao-tac/",
        {"action": "transfer", "version": report.version, "target_unit": "", "note": ""},
    )
    html = r.content.decode()
    assert r.status_code == 400
    assert 'id="err-transfer-target"' in html and 'id="err-transfer-note"' in html
    assert len(re.findall(r'data-testid="page-error"', html)) == 2


def test_a_rejection_without_reason_or_confirmation_names_both(client, personas, categories):
    report = submit()
    client.force_login(personas.head)
    r = client.post(f"/xu-ly/{report.code}/thao-tac/", {"action": "reject", "version": report.version})
    html = r.content.decode()
    assert r.status_code == 400 and 'id="err-reject-reason"' in html and 'id="err-reject-confirm"' in html
    report.refresh_from_db()
    assert report.status == "received"
    # The API does not ask for the box.
    with pytest.raises(DomainError) as refused:
        report_transition(user=personas.head, code=report.code, action="reject")
    assert refused.value.field == "reason" and not isinstance(refused.value, DomainErrors)


# --- 7. A merge reads as a merge ---------------------------------------------------------------------


def test_the_history_shows_the_merge_as_such(client, personas, categories):
    master, dup = submit(), submit(description="Ổ gà", contact_phone="0901234567", contact_email="")
    report_merge(user=personas.head, code=dup.code, into=master.code)
    public = client.get(reverse("reports:track", args=[dup.code])).content.decode()
    history = re.search(r'data-testid="history">(.*?)</ol>', public, re.S).group(1)
    assert "Đã gộp do trùng lặp" in history and "Từ chối" not in history
    report_unmerge(user=personas.head, code=dup.code)
    public = client.get(reverse("reports:track", args=[dup.code])).content.decode()
    history = re.search(r'data-testid="history">(.*?)</ol>', public, re.S).group(1)
    assert "Đã gộp do trùng lặp → Đã tiếp nhận" in " ".join(history.split())
    client.force_login(personas.head)
    officer = client.get(reverse("reports:officer", args=[dup.code])).content.decode()
    history = re.search(r'data-testid="history">(.*?)</ol>', officer, re.S).group(1)
    assert "Từ chối" not in history


def test_the_merge_sms_says_it_once(personas, categories):
    master, dup = submit(), submit(description="Ổ gà", contact_phone="0901234567", contact_email="")
    report_merge(user=personas.head, code=dup.code, into=master.code)
    sms = Notification.objects.filter(channel="sms", address="0901234567").order_by("-pk").first()
    text = sms_text(sms.subject, sms.body)
    assert text.count(master.code) >= 1 and dup.code in text
    assert not text.startswith(sms.subject)  # the body says it all: the subject is not put in front
    report_unmerge(user=personas.head, code=dup.code)
    sms = Notification.objects.filter(channel="sms", address="0901234567").order_by("-pk").first()
    assert not sms_text(sms.subject, sms.body).startswith(sms.subject)


# --- 8. Merging is confirmed ---------------------------------------------------------------------------


def test_merging_on_the_page_asks_for_a_confirmation(client, personas, categories):
    master, dup = submit(), submit(description="Ổ gà", contact_phone="0901234567", contact_email="")
    sent = Notification.objects.count()
    client.force_login(personas.head)
    # The candidate's one-click button: the page comes back with the code filled in and the box to tick.
    r = client.post(f"/xu-ly/{dup.code}/gop/", {"into": master.code, "version": dup.version})
    html = r.content.decode()
    assert r.status_code == 400 and 'id="err-merge-confirm"' in html
    assert re.search(rf'id="merge-into"[^>]*value="{master.code}"', html)
    dup.refresh_from_db()
    assert dup.duplicate_of is None and Notification.objects.count() == sent
    # Neither the code nor the box: both said.
    r = client.post(f"/xu-ly/{dup.code}/gop/", {"into": "", "version": dup.version})
    assert 'id="err-merge-into"' in r.content.decode() and 'id="err-merge-confirm"' in r.content.decode()
    r = client.post(
        f"/xu-ly/{dup.code}/gop/", {"into": master.code, "version": dup.version, "confirm": "yes"}
    )
    assert r.status_code == 302
    dup.refresh_from_db()
    assert dup.duplicate_of == master


# --- 10. The hotline's "not found" -------------------------------------------------------------------


def test_the_hotline_says_not_found_without_addressing_the_operator(client, personas, categories):
    client.force_login(personas.operator)
    r = client.get(reverse("reports:hotline_lookup"), {"code": "PA-26-999999"})
    html = r.content.decode()
    assert r.status_code == 404 and "PA-26-999999" in html
    assert "ông/bà tiếp nhận cuộc gọi" not in html and "take calls about" not in html


# --- 11. The queue marks a missed triage deadline; the bulk assignment is above the list; the demo --


def test_the_queue_marks_and_filters_reports_past_their_triage_deadline(client, personas, categories):
    from citydesk.reports.models import AWAITING_TRIAGE
    from citydesk.reports.workflow import MOVES

    # classify's sources, except the statuses it keeps (a category changed while the work goes on)
    assert set(AWAITING_TRIAGE) == set(MOVES["classify"].sources) - set(MOVES["classify"].keeps)
    late, fresh, classified = submit(), submit(description="Mới"), submit(description="Đã phân loại")
    past = timezone.now() - timedelta(hours=1)
    Report.objects.filter(pk__in=[late.pk, classified.pk]).update(triage_due_at=past)
    report_transition(user=personas.head, code=classified.code, action="classify")
    client.force_login(personas.head)
    html = client.get("/xu-ly/").content.decode()
    marked = re.findall(r'data-code="([^"]+)">(?:(?!</tr>).)*data-testid="triage-late"', html, re.S)
    assert marked == [late.code]
    listed = client.get("/xu-ly/", {"status": "triage_late"}).content.decode()
    assert re.findall(r'data-testid="queue-row" data-code="([^"]+)"', listed) == [late.code]
    assert fresh.code not in listed
    officer = client.get(reverse("reports:officer", args=[late.code])).content.decode()
    assert 'data-testid="triage-late"' in officer


def test_the_bulk_assignment_comes_before_the_rows(client, personas, categories):
    for n in range(3):
        submit(description=f"Ổ gà {n}")
    client.force_login(personas.head)
    html = client.get("/xu-ly/").content.decode()
    assert html.count('id="bulk-assignee"') == 1
    assert html.index('data-testid="bulk-bar"') < html.index('data-testid="queue-row"')


def test_the_demo_stories_are_spread_over_the_ward(personas):
    import numpy as np

    from citydesk.core.models import AdminUnit
    from citydesk.core.units import locate_point
    from citydesk.reports.seed.demo import _near, _point_in_ward

    ward = AdminUnit.objects.get(code="26743")
    rng = np.random.default_rng(1)
    points = [_point_in_ward(ward, rng) for _ in range(30)]
    assert all(locate_point(lon, lat).unit.code == "26743" for lon, lat in points)
    km = [
        (((a[0] - b[0]) * 109.4) ** 2 + ((a[1] - b[1]) * 111.32) ** 2) ** 0.5
        for i, a in enumerate(points)
        for b in points[i + 1 :]
    ]
    assert max(km) > 0.3  # not all within some 50 m of one another
    lon, lat = _near(points[0], rng)
    assert (((lon - points[0][0]) * 109.4) ** 2 + ((lat - points[0][1]) * 111.32) ** 2) ** 0.5 < 0.025


def test_a_late_transfer_gives_the_receiving_unit_its_own_triage_time(personas, categories):
    """The ward passed the report on after its triage deadline: the department that receives it is not late
    for that, and the handling deadline the citizen was told stays."""
    report = submit()
    past = timezone.now() - timedelta(days=2)
    Report.objects.filter(pk=report.pk).update(triage_due_at=past)
    due = Report.objects.get(pk=report.pk).due_at
    moved = report_transition(
        user=personas.head,
        code=report.code,
        action="transfer",
        target_unit="79.SXD",
        note="Thuộc ngành xây dựng",
    )
    moved.refresh_from_db()
    now = timezone.now()
    assert moved.status == "transferred" and moved.unit == personas.department
    assert moved.triage_due_at > now and not moved.triage_late(now)
    assert moved.due_at == due


def test_assignees_are_listed_in_the_vietnamese_order_of_given_names(client, personas, categories):
    from citydesk.core.models import Membership, User

    ward = personas.officer.memberships.first().organisation
    for username, name in (
        ("au", "Âu Thị Ánh"),
        ("do", "Đỗ Văn An"),
        ("le", "Lê Thị Hồng"),
        ("tran", "Trần Văn Minh"),
    ):
        user = User.objects.create_user(username=username, full_name=name)
        Membership.objects.create(user=user, organisation=ward, role="officer")
    report = submit()
    client.force_login(personas.head)
    for url in ("/xu-ly/", reverse("reports:officer", args=[report.code])):
        html = client.get(url).content.decode()
        names = re.findall(r'<option value="(au|do|le|tran)"', html)
        assert names == ["do", "au", "le", "tran"], url  # An, Ánh, Hồng, Minh


def test_the_back_office_finds_reports_by_words_without_accents(staff, personas, categories):
    found = submit(description="Cây đổ trước nhà bà Nguyễn Thị Lan")
    other = submit(description="Đèn đường tắt")
    for term in ("nguyen thi", "Nguyễn", found.code.lower()):
        html = staff.get("/quan-tri/reports/report/", {"q": term}).content.decode()
        assert found.code in html and other.code not in html, term
