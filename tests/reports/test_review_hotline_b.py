"""Review of the hotline operator screen, part B: a resolved report reopened for its caller (and a new
report of a resolved problem merged into it reopens it), a caller signed up for SMS updates, merged and
rejected reports as the hotline tells them, assignments notified, the first field focused, the place's
hint off the fieldset border, and a landline number warned of."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from citydesk.core.errors import Conflict, DomainError, NotAllowed
from citydesk.core.models import AuditEntry
from citydesk.notifications.models import Notification
from citydesk.reports.models import Follower, Report, ReportEvent
from citydesk.reports.services import report_merge, report_pause, report_transition
from citydesk.reports.services.replies import report_follow_by_phone, report_reopen_by_phone

from .conftest import submit_report

pytestmark = pytest.mark.django_db

HOTLINE = {
    "contact_phone": "0912 345 678",
    "contact_name": "Bà Tư",
    "category": "road_damage",
    "description": "Ổ gà trước số 5 Lê Thánh Tôn",
    "province": "79",
    "ward": "26743",
    "address": "5 Lê Thánh Tôn",
}


def _resolve(report: Report, personas) -> Report:
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=report.code, action="resolve", resolution="Đã vá ổ gà.")
    return Report.objects.get(pk=report.pk)


@pytest.fixture
def resolved(categories, personas):
    """A phone-only report entered on the hotline, resolved by the ward's officer."""
    report = submit_report(
        channel="hotline", entered_by=personas.operator, contact_phone="0912345678", contact_name="Bà Tư"
    )
    return _resolve(report, personas)


def _page(client: Client, code: str) -> str:
    return client.get(reverse("reports:hotline_report", args=[code])).content.decode()


def _autofocused(html: str) -> list[str]:
    return re.findall(r'<(?:input|textarea|select|a)\b[^>]*\bid="([^"]+)"[^>]*\bautofocus', html)


# --- 1a. A resolved report reopened by phone -------------------------------------------------------


def test_the_hotline_page_of_a_resolved_report_shows_what_was_done_and_offers_a_reopening(
    client, resolved, personas
):
    client.force_login(personas.operator)
    html = _page(client, resolved.code)
    assert 'data-testid="resolution"' in html and "Đã vá ổ gà." in html
    until = timezone.localtime(resolved.resolved_at + timedelta(days=7)).strftime("%d/%m/%Y %H:%M")
    assert until in html.split('data-testid="reopen-until"', 1)[1].split("</dd>", 1)[0]
    assert (
        'name="action" value="reopen"' in html and 'name="caller_phone"' in html and 'name="reason"' in html
    )
    assert 'data-testid="not-waiting"' not in html  # no "enter a new report" for the same problem


def test_the_operator_reopens_a_resolved_report_for_its_caller(client, resolved, personas):
    client.force_login(personas.operator)
    url = reverse("reports:hotline_report", args=[resolved.code])
    r = client.post(
        url,
        {
            "action": "reopen",
            "caller_phone": "+84 912 345 678",
            "reason": "Ổ gà vẫn còn, nước đọng.",
            "idempotency_key": "r1",
        },
    )
    assert r.status_code == 302 and r.url == url
    report = Report.objects.get(pk=resolved.pk)
    assert (report.status, report.reopen_count, report.resolved_at) == ("reopened", 1, None)
    assert report.due_at > timezone.now()
    status = report.events.filter(kind=ReportEvent.Kind.STATUS, to_status="reopened").get()
    assert (status.actor_id, status.on_behalf_of, status.public) == (personas.operator.pk, "Bà Tư", True)
    note = report.events.filter(kind=ReportEvent.Kind.NOTE).get()
    assert note.note == "Ổ gà vẫn còn, nước đọng." and not note.public
    audit = AuditEntry.objects.get(action="report.reopen", object_id=report.code)
    assert (audit.actor_id, audit.on_behalf_of, audit.after["channel"]) == (
        personas.operator.pk,
        "Bà Tư",
        "hotline",
    )
    told = (
        Notification.objects.filter(recipient=personas.officer, subject__contains=report.code)
        .order_by("pk")
        .last()
    )
    assert "Ổ gà vẫn còn" in told.body and personas.operator.full_name in told.body
    page = client.get(url).content.decode()
    assert 'data-answer-recorded="1"' in page and 'class="msg msg-success"' in page
    # The same form sent again: one reopening.
    again = client.post(
        url, {"action": "reopen", "caller_phone": "0912345678", "reason": "x", "idempotency_key": "r1"}
    )
    assert again.status_code == 302 and Report.objects.get(pk=report.pk).reopen_count == 1


def test_only_the_reporters_number_reopens_and_a_reason_is_required(client, resolved, personas):
    client.force_login(personas.operator)
    url = reverse("reports:hotline_report", args=[resolved.code])
    r = client.post(url, {"action": "reopen", "caller_phone": "0987654321", "reason": "Vẫn hỏng"})
    html = r.content.decode()
    assert r.status_code == 400 and 'id="err-caller_phone"' in html
    assert "id_caller_phone" in _autofocused(html)
    r = client.post(url, {"action": "reopen", "caller_phone": "0912345678", "reason": "  "})
    assert r.status_code == 400 and 'id="err-reason"' in r.content.decode()
    r = client.post(url, {"action": "reopen", "caller_phone": "", "reason": ""})
    html = r.content.decode()
    assert r.status_code == 400 and 'id="err-caller_phone"' in html and 'id="err-reason"' in html
    assert Report.objects.get(pk=resolved.pk).status == "resolved"
    with pytest.raises(NotAllowed):
        report_reopen_by_phone(user=personas.outsider, code=resolved.code, phone="0912345678", reason="x")


def test_an_account_reporter_is_recognised_by_the_accounts_phone(categories, personas):
    personas.citizen.phone = "0903111222"
    personas.citizen.save()
    report = _resolve(submit_report(reporter=personas.citizen), personas)
    report_reopen_by_phone(user=personas.operator, code=report.code, phone="0903 111 222", reason="Vẫn hỏng")
    assert Report.objects.get(pk=report.pk).status == "reopened"


def test_past_the_window_the_page_says_enter_a_new_report(client, resolved, personas):
    Report.objects.filter(pk=resolved.pk).update(resolved_at=timezone.now() - timedelta(days=8))
    client.force_login(personas.operator)
    html = _page(client, resolved.code)
    assert 'data-testid="reopen-refused"' in html and 'name="caller_phone"' not in html
    refused = html.split('data-testid="reopen-refused"', 1)[1]
    assert resolved.code in refused.split("</p>", 1)[0]
    assert f'<a class="button" href="{reverse("reports:hotline")}">' in refused  # enter a new report
    with pytest.raises(Conflict):
        report_reopen_by_phone(user=personas.operator, code=resolved.code, phone="0912345678", reason="x")
    r = client.post(
        reverse("reports:hotline_report", args=[resolved.code]),
        {"action": "reopen", "caller_phone": "0912345678", "reason": "Vẫn hỏng"},
    )
    assert r.status_code == 409 and Report.objects.get(pk=resolved.pk).status == "resolved"


# --- 1b. A new report of a resolved problem merged into it -------------------------------------------


def test_merging_a_later_report_into_a_resolved_one_reopens_it(resolved, personas):
    again = submit_report(channel="hotline", contact_phone="0987654321", description="Ổ gà lại xuất hiện")
    report_merge(user=personas.head, code=again.code, into=resolved.code)
    master = Report.objects.get(pk=resolved.pk)
    assert (master.status, master.reopen_count) == ("reopened", 1)
    assert Report.objects.get(pk=again.pk).duplicate_of_id == master.pk
    audit = AuditEntry.objects.get(action="report.reopen", object_id=master.code)
    assert audit.actor_id == personas.head.pk and audit.after["reported_again"] == again.code
    # The officer is told; the reporter of the resolved report too, by SMS.
    assert Notification.objects.filter(recipient=personas.officer, body__contains=again.code).exists()
    assert Notification.objects.filter(address="0912345678", body__contains=again.code).exists()
    # The new report's caller follows the reopened report.
    assert Follower.objects.filter(report=master, phone="0987654321").exists()


def test_merging_into_a_resolved_report_past_its_window_is_refused(resolved, personas):
    Report.objects.filter(pk=resolved.pk).update(resolved_at=timezone.now() - timedelta(days=8))
    again = submit_report(channel="hotline", contact_phone="0987654321")
    with pytest.raises(DomainError) as refused:
        report_merge(user=personas.head, code=again.code, into=resolved.code)
    # Said as the officer's page shows it: the target, and until when it could have been reopened.
    until = timezone.localtime(timezone.now() - timedelta(days=1)).strftime("%d/%m/%Y")
    assert refused.value.field == "into" and resolved.code in refused.value.message
    assert until in refused.value.message
    assert Report.objects.get(pk=again.pk).status == "received"
    assert Report.objects.get(pk=resolved.pk).status == "resolved"


def test_a_report_from_before_the_resolution_merges_without_reopening(categories, personas):
    master = submit_report(contact_phone="0912345678")
    earlier = submit_report(contact_phone="0987654321")
    master = _resolve(master, personas)
    report_merge(user=personas.head, code=earlier.code, into=master.code)
    assert Report.objects.get(pk=master.pk).status == "resolved"


def test_a_closed_report_within_its_window_is_reopened_by_a_later_report(resolved, personas):
    Report.objects.filter(pk=resolved.pk).update(status="closed", closed_at=timezone.now())
    again = submit_report(contact_phone="0987654321")
    report_merge(user=personas.head, code=again.code, into=resolved.code)
    assert Report.objects.get(pk=resolved.pk).status == "reopened"


# --- 2. Following for the caller ---------------------------------------------------------------------


def test_the_operator_signs_a_caller_up_for_the_sms_updates(client, categories, personas):
    report = submit_report(channel="hotline", contact_phone="0912345678")
    client.force_login(personas.operator)
    url = reverse("reports:hotline_report", args=[report.code])
    assert 'name="follow_phone"' in _page(client, report.code)
    r = client.post(url, {"action": "follow", "follow_phone": "0987 654 321"})
    assert r.status_code == 302
    follower = Follower.objects.get(report=report, phone="0987654321")
    audit = AuditEntry.objects.get(action="report.follow", object_id=report.code)
    assert audit.actor_id == personas.operator.pk and audit.after["follower"] == follower.pk
    assert "data-answer-recorded" in client.get(url).content.decode()
    # Its updates reach the number.
    _resolve(report, personas)
    assert Notification.objects.filter(channel="sms", address="0987654321").exists()
    # A landline is refused (no SMS reaches it); nothing added.
    r = client.post(
        url.replace(report.code, report.code), {"action": "follow", "follow_phone": "(028) 3829 1234"}
    )
    assert r.status_code in (400, 409)
    assert not Follower.objects.filter(phone="02838291234").exists()


def test_a_landline_cannot_be_signed_up_and_outsiders_cannot_sign_up(categories, personas):
    report = submit_report(channel="hotline", contact_phone="0912345678")
    with pytest.raises(DomainError) as refused:
        report_follow_by_phone(user=personas.operator, code=report.code, phone="(028) 3829 1234")
    assert refused.value.field == "follow_phone"
    with pytest.raises(NotAllowed):
        report_follow_by_phone(user=personas.outsider, code=report.code, phone="0987654321")
    assert not Follower.objects.filter(report=report, phone__in=["02838291234", "0987654321"]).exists()


# --- 3. A merged or rejected report as the hotline tells it --------------------------------------------


def test_a_merged_report_says_into_which_report_and_its_status(client, categories, personas):
    master = submit_report(contact_phone="0912000111")
    merged = submit_report(contact_phone="0987654321", description="Ổ gà nữa")
    report_merge(user=personas.head, code=merged.code, into=master.code)
    client.force_login(personas.operator)
    html = _page(client, merged.code)
    into = html.split('data-testid="merged-into"', 1)[1].split("</dd>", 1)[0]
    assert reverse("reports:hotline_report", args=[master.code]) in into and "Đã tiếp nhận" in into
    assert 'data-testid="not-waiting"' not in html and 'data-testid="merged"' in html
    assert ">Từ chối<" not in html
    found = client.get(reverse("reports:hotline_lookup"), {"code": "0987654321"}).content.decode()
    row = found.split('data-testid="caller-report-merged"', 1)[1].split("</td>", 1)[0]
    assert master.code in row and reverse("reports:hotline_report", args=[master.code]) in row


def test_a_rejected_report_shows_the_reason_given_to_the_citizen(client, categories, personas):
    report = submit_report(contact_phone="0912345678")
    report_transition(
        user=personas.head,
        code=report.code,
        action="reject",
        reason="out_of_scope",
        note="Thuộc khu vực tư nhân quản lý.",
    )
    client.force_login(personas.operator)
    reason = _page(client, report.code).split('data-testid="reject-reason"', 1)[1].split("</dd>", 1)[0]
    assert "Thuộc khu vực tư nhân quản lý." in reason


# --- 4. Assignments notified ---------------------------------------------------------------------------


def test_an_assignment_is_notified_in_app_to_the_assignee(categories, personas):
    report = submit_report()
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer", note="Gấp")
    [told] = Notification.objects.filter(recipient=personas.officer, subject__contains=report.code)
    assert told.channel == "in_app" and personas.head.full_name in told.body and "Gấp" in told.body
    assert f"/xu-ly/{report.code}/" in told.body
    # Assigning oneself, or the same officer again, says nothing new.
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    other = submit_report(description="Ổ gà khác")
    report_transition(user=personas.head, code=other.code, action="assign", assignee="head")
    assert Notification.objects.filter(recipient=personas.officer, channel="in_app").count() == 1
    assert not Notification.objects.filter(recipient=personas.head, channel="in_app").exists()


def test_a_bulk_assignment_is_notified(client, categories, personas):
    first, second = submit_report(), submit_report(description="Ổ gà thứ hai")
    client.force_login(personas.head)
    r = client.post("/xu-ly/giao-viec/", {"codes": [first.code, second.code], "assignee": "officer"})
    assert r.status_code == 302
    subjects = list(
        Notification.objects.filter(recipient=personas.officer, channel="in_app").values_list(
            "subject", flat=True
        )
    )
    assert [code for code in (first.code, second.code) if any(code in s for s in subjects)] == [
        first.code,
        second.code,
    ]
    assert not Notification.objects.filter(recipient=personas.officer).exclude(channel="in_app").exists()


# --- 5. The first field focused ------------------------------------------------------------------------


def test_a_waiting_report_focuses_the_callers_answer(client, categories, personas):
    report = submit_report(channel="hotline", contact_phone="0912345678", contact_name="Bà Tư")
    report_pause(user=personas.officer, code=report.code, note="Số nhà?")
    client.force_login(personas.operator)
    assert _autofocused(_page(client, report.code)) == ["id_answer_text"]


def test_a_resolved_report_focuses_the_reopening(client, resolved, personas):
    client.force_login(personas.operator)
    assert _autofocused(_page(client, resolved.code)) == ["id_caller_phone"]


# --- 6. The place's hint below its legend ----------------------------------------------------------------


def test_the_place_hint_is_shown_under_the_legend_and_read_with_it(client, personas, categories):
    client.force_login(personas.operator)
    page = client.get("/tong-dai/").content.decode()
    legend = re.search(r"<legend>(?:(?!</legend>).)*legend-hint(?:(?!</legend>).)*</legend>", page).group(0)
    assert "legend-hint visually-hidden" in legend  # read with the legend, not drawn on the border
    after = page.split(legend, 1)[1]
    assert re.match(r'\s*<p class="hint" aria-hidden="true" data-testid="place-hint">', after)


# --- 7. A landline is warned of ---------------------------------------------------------------------------


def test_a_landline_is_warned_of_beside_the_field_and_on_the_confirmation(client, personas, categories):
    client.force_login(personas.operator)
    r = client.post("/tong-dai/", {**HOTLINE, "contact_phone": "(028) 3829 1234", "description": ""})
    html = r.content.decode()
    assert r.status_code == 400 and 'data-testid="landline-warning"' in html
    assert 'aria-describedby="warn-contact_phone"' in html
    r = client.post(
        "/tong-dai/",
        {**HOTLINE, "contact_phone": "(028) 3829 1234", "idempotency_key": uuid.uuid4().hex},
    )
    assert r.status_code == 302  # a warning, not a refusal
    report = Report.objects.get()
    assert report.contact_phone == "02838291234"
    html = client.get(r["Location"]).content.decode()
    assert 'data-testid="hotline-landline"' in html
    assert reverse("reports:hotline_report", args=[report.code]) + "#follow" in html
    # A mobile number: no warning.
    r = client.post("/tong-dai/", {**HOTLINE, "idempotency_key": uuid.uuid4().hex})
    html = client.get(r["Location"]).content.decode()
    assert 'data-testid="hotline-landline"' not in html
    r = client.post("/tong-dai/", {**HOTLINE, "description": ""})
    html = r.content.decode()
    # The warning is on the page for the script to show while a number is typed, hidden for a mobile number.
    assert '<div class="messages" id="landline-box" hidden>' in html
    assert 'aria-describedby="warn-contact_phone"' not in html


def test_another_units_officer_cannot_reopen_a_report_by_merging_into_it(resolved, personas):
    """The head of another ward merging their own new report into a resolved Bến Thành report would send
    Bến Thành work back: refused, naming the unit to transfer to; nothing changes."""
    theirs = submit_report(contact_phone="0987654321")
    Report.objects.filter(pk=theirs.pk).update(unit=personas.other_ward)
    with pytest.raises(DomainError) as refused:
        report_merge(user=personas.other_head, code=theirs.code, into=resolved.code)
    assert refused.value.field == "into" and personas.ward.name in refused.value.message
    master = Report.objects.get(pk=resolved.pk)
    assert (master.status, master.reopen_count) == ("resolved", 0)
    assert Report.objects.get(pk=theirs.pk).duplicate_of_id is None


def test_the_hotline_page_hides_numbers_in_the_address_and_the_resolution(client, categories, personas):
    """The operator checks the caller by the number the caller says, never by one read off the screen."""
    report = submit_report(
        channel="hotline", contact_phone="0912345678", address="Hẻm 5 Lê Lợi, ĐT chủ nhà 0987 654 321"
    )
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report_transition(
        user=personas.officer,
        code=report.code,
        action="resolve",
        resolution="Đã vá; gọi 0903 123 456 nếu còn hư.",
    )
    client.force_login(personas.operator)
    html = _page(client, report.code)
    assert "0987 654 321" not in html and "0903 123 456" not in html
    assert "Hẻm 5 Lê Lợi" in html and "Đã vá" in html
