"""Review of the one-stop dossier processing as officers: one definition of “waiting at the unit” and
“overdue” for the backlog, the queue and the API, and the queue narrowed to one unit; the on-time share
counting the open dossiers past due; the apology's new appointment within working time; an online
hand-over only with the signed result's file; moves made under a delegation said so; one dossier per
desk form; a one-page receipt; the slips of the unit that asked; no refusal after the result is signed;
every field error at once; the code's number found first; the apology slip's date."""

from __future__ import annotations

import datetime as dt
import re
import sys
import uuid
from datetime import date
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation

from citydesk.core.errors import DomainError, DomainErrors
from citydesk.core.models import Membership, Organisation, OrgKind
from citydesk.core.powers import Power
from citydesk.core.services import delegation_grant
from citydesk.dossiers import receipt, selectors, slips, stats
from citydesk.dossiers.models import (
    Authority,
    Dossier,
    DossierEvent,
    Performer,
    ResultMethod,
    Status,
)
from citydesk.dossiers.services import Applicant, dossier_transition
from citydesk.dossiers.services.acting import moves_open_to
from citydesk.dossiers.views.common import papers_of
from citydesk.dossiers.workflow import NotNow
from tests.dossiers.conftest import at, make_procedure

pytestmark = pytest.mark.django_db

QUEUE = "/mot-cua/ho-so/"
NOW = at(2026, 12, 21, 10, 0)  # a Monday; a birth registration received on 1/12 was due on 4/12
PDF = b"%PDF-1.4 signed result"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def clock(moment: dt.datetime) -> Any:
    return mock.patch("django.utils.timezone.now", return_value=moment)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fresh(dossier: Dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def page(response: Any) -> str:
    return response.content.decode()


def codes(response: Any) -> list[str]:
    assert response.status_code == 200, page(response)[:500]
    return re.findall(r'data-code="([^"]+)" data-mine=', page(response))


def finish(personas: Any, dossier: Dossier, when: dt.datetime) -> Dossier:
    with clock(when):
        dossier_transition(user=personas.officer, code=dossier.code, action="forward")
        dossier_transition(user=personas.officer, code=dossier.code, action="forward")
        return dossier_transition(user=personas.head, code=dossier.code, action="finish", note="Đã cấp")


def act(client: Client, dossier: Dossier, action: str, **data: Any) -> Any:
    payload = {"action": action, "version": fresh(dossier).version, **data}
    return client.post(f"{QUEUE}{dossier.code}/thao-tac/", payload)


def signed_at_department(**kwargs: Any) -> Any:
    """A department's procedure: the ward's desk receives, the department's head signs the result, the
    ward's desk hands it over (the demo's XD-02)."""
    return make_procedure(
        "XD-02",
        "Cấp giấy phép xây dựng",
        authority=Authority.DEPARTMENT,
        department_code="SXD",
        days=10,
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ", Performer.RECEIVING_UNIT, "", "officer", 20),
            ("Lãnh đạo Sở ký kết quả", Performer.DEPARTMENT, "SXD", "head", 60),
            ("Trả kết quả", Performer.DESK, "", "officer", 20),
        ],
        **kwargs,
    )


def delegate_approval_to_the_ward(personas: Any) -> None:
    year = timezone.localdate().year
    delegation_grant(
        user=personas.department_head,
        organisation=personas.department,
        powers=[Power.DOSSIER_APPROVE],
        start_date=date(year, 1, 1),
        end_date=date(year, 12, 31),
        delegate_organisation=personas.ward,
    )


# --- 1. One definition of “waiting at the unit” and “overdue”; the queue of one unit --------------


@pytest.fixture
def spread(personas, catalog, receive) -> dict[str, Dossier]:
    """At Bến Thành on 21/12: two overdue at its steps, one on time, one waiting for papers (past due,
    clock stopped), one result to hand over; one it received now overdue at the department's step; and
    one of another ward."""
    with clock(at(2026, 12, 1, 9, 0)):
        late = receive(when=at(2026, 12, 1, 9, 0))
        late_too = receive(catalog.copy, when=at(2026, 12, 1, 9, 0))
        waiting = receive(when=at(2026, 12, 1, 9, 0))
        dossier_transition(user=personas.officer, code=waiting.code, action="request_supplement", note="CCCD")
        at_department = receive(catalog.land, when=at(2026, 12, 1, 9, 0))
        dossier_transition(user=personas.officer, code=at_department.code, action="forward")
        elsewhere = receive(unit_code=personas.other_ward.code, user=personas.outsider, when=at(2026, 12, 1))
    on_time = receive(when=at(2026, 12, 21, 8, 0))  # its first step due later today
    ready = finish(personas, receive(when=at(2026, 12, 14, 9, 0)), at(2026, 12, 15, 9, 0))
    return {
        "late": late,
        "late_too": late_too,
        "waiting": waiting,
        "at_department": at_department,
        "elsewhere": elsewhere,
        "on_time": on_time,
        "ready": ready,
    }


def test_the_queue_of_one_unit_lists_that_units_dossiers_only(personas, spread):
    with clock(NOW):
        leader = login(personas.leader)
        everything = set(codes(leader.get(QUEUE)))
        ward = leader.get(QUEUE, {"unit": personas.ward.code})
        department = leader.get(QUEUE, {"unit": personas.department.code})
    assert spread["elsewhere"].code in everything
    assert spread["elsewhere"].code not in codes(ward)
    assert set(codes(department)) == {spread["at_department"].code}
    # The filter is said, and can be taken off (the rest of the query kept).
    label = ward.context["unit_filter"]
    assert label["code"] == personas.ward.code and label["name"] == personas.ward.name
    assert "unit=" not in label["remove_query"]


def test_the_queue_refuses_a_unit_outside_the_viewers_units(personas, spread):
    with clock(NOW):
        officer = login(personas.officer)
        outside = officer.get(QUEUE, {"unit": personas.other_ward.code})
        unknown = officer.get(QUEUE, {"unit": "XX.99"})
    assert outside.status_code == 403 and personas.other_ward.code in page(outside)
    assert spread["elsewhere"].code not in page(outside)
    assert unknown.status_code == 404 and "XX.99" in page(unknown)


def test_backlog_queue_and_api_count_the_same_waiting_and_overdue(personas, spread, bearer):
    with clock(NOW):
        leader = login(personas.leader)
        row = stats.backlog(None, units=[personas.ward]).rows[0]
        listed = leader.get(QUEUE, {"unit": personas.ward.code})
        overdue_only = codes(leader.get(QUEUE, {"unit": personas.ward.code, "overdue": "1"}))
        api = leader.get(
            "/api/v1/dossiers", {"unit": personas.ward.code, "overdue": "true"}, **bearer(personas.leader)
        ).json()
    assert (row.waiting, row.waiting_overdue) == (4, 2)  # late, late_too, waiting, on_time; 2 overdue
    assert sorted(overdue_only) == sorted([spread["late"].code, spread["late_too"].code])
    assert api["count"] == row.waiting_overdue == len(overdue_only)
    summary = listed.context["summary"]
    assert (summary.waiting, summary.overdue) == (row.waiting, row.waiting_overdue)
    # What else the page lists, and says: the result to hand over, the dossier at the department's step.
    assert (summary.ready, summary.elsewhere, summary.total) == (1, 1, 6)
    assert len(codes(listed)) == summary.total


def test_a_wards_one_stop_desk_counts_with_its_ward_in_the_backlog_and_the_queue(personas, spread):
    desk = Organisation.objects.create(
        code="26743.MC", name="Bộ phận Một cửa", kind=OrgKind.ONE_STOP_DESK, parent=personas.ward
    )
    fresh(spread["late"]).current_step.__class__.objects.filter(
        pk=fresh(spread["late"]).current_step_id
    ).update(unit=desk)
    with clock(NOW):
        row = stats.backlog(None, units=[personas.ward]).rows[0]
        summary = login(personas.leader).get(QUEUE, {"unit": personas.ward.code}).context["summary"]
        units = selectors.narrowed_units(selectors.working_units(personas.leader), personas.ward.code)
    assert units == {personas.ward.pk, desk.pk}
    assert (summary.waiting, summary.overdue) == (row.waiting, row.waiting_overdue) == (4, 2)


def test_the_backlog_says_what_the_queue_lists(personas, spread):
    with clock(NOW):
        response = login(personas.leader).get("/mot-cua/ton-dong/")
    text = page(response)
    assert response.status_code == 200
    assert f"/mot-cua/ho-so/?unit={personas.ward.code}&amp;overdue=1" in text


# --- 2. On time: the open dossiers past their due time are not -----------------------------------


def test_the_on_time_share_counts_the_open_dossiers_past_due(personas, catalog, receive, bearer):
    finish(personas, receive(when=at(2026, 12, 1, 9, 0)), at(2026, 12, 2, 9, 0))  # on time
    receive(when=at(2026, 12, 1, 9, 0))  # open, due 4/12: past due
    receive(when=at(2026, 12, 2, 9, 0))  # open, due 7/12: past due
    with clock(at(2026, 12, 2, 9, 0)):
        paused = receive(when=at(2026, 12, 2, 9, 0))  # waiting for papers: its clock is stopped
        dossier_transition(user=personas.officer, code=paused.code, action="request_supplement", note="x")
    receive(when=at(2026, 12, 18, 9, 0))  # open, due 23/12: not late yet
    with clock(NOW):
        row = stats.target_table(scope=None, year=2026, unit_code=personas.ward.code).rows[0]
        api = login(personas.leader).get(
            "/api/v1/dossier-targets", {"unit": personas.ward.code, "year": 2026}, **bearer(personas.leader)
        )
        shown = page(login(personas.leader).get("/mot-cua/chi-tieu/", {"year": 2026}))
    assert (row.finished, row.open_overdue) == (1, 2)
    assert (row.on_time.part, row.on_time.whole, row.on_time.actual) == (1, 3, 33.3)
    share = api.json()["rows"][0]["on_time_share"]
    assert (share["count"], share["of"], share["actual"]) == (1, 3, 33.3)
    assert 'data-testid="on-time-meaning"' in shown and 'data-testid="open-overdue"' in shown


def test_an_open_dossier_counts_in_the_period_it_was_due_in(personas, receive):
    receive(when=at(2026, 11, 2, 9, 0))  # due in November, still open
    with clock(NOW):
        november = stats.target_table(scope=None, year=2026, period="11", unit_code=personas.ward.code)
        december = stats.target_table(scope=None, year=2026, period="12", unit_code=personas.ward.code)
    assert november.rows[0].open_overdue == 1 and december.rows[0].open_overdue == 0


# --- 3. The apology's new appointment: a working time ---------------------------------------------


def test_an_appointment_outside_working_time_is_refused_with_the_next_working_time(personas, receive):
    dossier = receive(when=at(2026, 12, 7, 9, 0))  # due 10/12
    with clock(NOW):
        officer = login(personas.officer)
        response = officer.post(
            f"{QUEUE}{dossier.code}/xin-loi/",
            {"version": dossier.version, "appointment": "2026-12-27T22:30", "reason": "Chờ ý kiến Sở"},
        )
    assert response.status_code == 400 and 'data-field="appointment"' in page(response)
    assert "28/12/2026 07:30" in page(response)  # the Monday morning
    assert not DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.APOLOGY).exists()
    for typed, suggested in (
        ("2026-12-22T12:00", "22/12/2026 13:00"),
        ("2026-12-22T06:00", "22/12/2026 07:30"),
    ):
        with pytest.raises(DomainError) as refused:
            slips.parse_appointment(typed, NOW)
        assert refused.value.field == "appointment" and suggested in refused.value.message
    for typed in ("2026-12-22T17:00", "2026-12-22T07:30", "2026-12-22T11:30"):
        assert slips.parse_appointment(typed, NOW)


# --- 4. An online hand-over needs the signed result's file ----------------------------------------


def test_an_online_hand_over_without_the_signed_result_is_refused(personas, receive):
    dossier = finish(personas, receive(), at(2026, 12, 8, 9, 0))
    officer = login(personas.officer)
    response = act(officer, dossier, "return_result", result_method=ResultMethod.ONLINE)
    assert response.status_code == 400
    assert 'id="err-result-file"' in page(response) and 'href="#result-file"' in page(response)
    assert fresh(dossier).status == Status.RESULT_READY
    problems = slips.workflow.handover_problems(fresh(dossier), ResultMethod.ONLINE)
    assert [p.field for p in problems] == ["file"]
    officer.post(
        f"{QUEUE}{dossier.code}/ket-qua/dinh-kem/",
        {"version": fresh(dossier).version, "file": SimpleUploadedFile("kq.pdf", PDF, "application/pdf")},
    )
    response = act(officer, dossier, "return_result", result_method=ResultMethod.ONLINE)
    assert response.status_code == 302 and fresh(dossier).status == Status.RETURNED


# --- 5. A move under a delegation says on whose behalf --------------------------------------------


def _signed_by_delegate(personas: Any, receive: Any) -> Dossier:
    delegate_approval_to_the_ward(personas)
    dossier = receive(signed_at_department())
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    return dossier_transition(user=personas.head, code=dossier.code, action="forward", note="Đã ký")


def test_a_signature_under_delegation_is_shown_as_such(personas, receive):
    dossier = _signed_by_delegate(personas, receive)
    text = page(login(personas.officer).get(f"{QUEUE}{dossier.code}/"))
    step = re.search(r'<li data-position="2".*?</li>', text, re.S)
    assert step is not None and "Phạm Quốc Hùng" in step.group(0)
    assert 'data-testid="step-delegation"' in step.group(0) and "Hoàng Minh Tuấn" in step.group(0)
    history = re.search(r'data-testid="history".*?</ol>', text, re.S)
    assert history is not None and 'data-testid="event-delegation"' in history.group(0)
    assert history.group(0).count("Hoàng Minh Tuấn") == 1  # the signature, not the receipt
    own = selectors.acts_of(fresh(dossier), list(fresh(dossier).events.all()))
    assert own.steps[1].on_behalf_of == "" and own.steps[2].on_behalf_of == "Hoàng Minh Tuấn"


# --- 6. One dossier per desk form -------------------------------------------------------------------


def _desk_form(catalog: Any, personas: Any, token: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "unit": personas.ward.code,
        "procedure": catalog.birth.code,
        "documents": [d.pk for d in catalog.birth.documents.all() if d.required],
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": "0903 123 456",
        "applicant_address": "12 Lê Lợi",
        "channel": "desk",
        "form_token": token,
    }
    return {**data, **overrides}


def test_the_desk_form_sent_twice_receives_one_dossier(personas, catalog):
    officer = login(personas.officer)
    token = re.search(
        r'name="form_token" value="([0-9a-f]{32})"', page(officer.get("/mot-cua/", {"procedure": "HT-01"}))
    )
    assert token is not None
    first = officer.post("/mot-cua/", _desk_form(catalog, personas, token.group(1)))
    again = officer.post("/mot-cua/", _desk_form(catalog, personas, token.group(1)))
    dossier = Dossier.objects.get()
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"] == f"{QUEUE}{dossier.code}/da-tiep-nhan/"
    # The form changed since (Back, another applicant): a new dossier.
    other = officer.post(
        "/mot-cua/", _desk_form(catalog, personas, token.group(1), applicant_name="Lê Thị Hoa")
    )
    assert other.status_code == 302 and Dossier.objects.count() == 2


def test_two_sends_at_once_receive_one_dossier(personas, catalog):
    desk = sys.modules["citydesk.dossiers.views.desk"]
    officer = login(personas.officer)
    token = uuid.uuid4().hex
    assert officer.post("/mot-cua/", _desk_form(catalog, personas, token)).status_code == 302
    # The second send did not see the first's token before receiving (they ran side by side).
    real = desk._sent_before
    calls: list[int] = []

    def racing(*args: Any) -> Any:
        calls.append(1)
        return None if len(calls) == 1 else real(*args)

    with (
        mock.patch.object(desk, "_sent_before", racing),
        mock.patch.object(desk, "_token_used", lambda *a: False),
    ):
        response = officer.post("/mot-cua/", _desk_form(catalog, personas, token))
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}{dossier.code}/da-tiep-nhan/"


# --- 8. The receipt of a long checklist fits one A4 page ------------------------------------------


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_receipt_of_eight_papers_is_one_page(personas, receive, language):
    weasyprint = pytest.importorskip("weasyprint")
    papers = [
        "Đơn đề nghị cấp giấy phép xây dựng (theo mẫu)",
        "Giấy tờ hợp pháp về quyền sử dụng đất",
        "Quyết định phê duyệt dự án và văn bản thẩm định thiết kế",
        "Hồ sơ thiết kế xây dựng",
        "Văn bản thẩm duyệt thiết kế về phòng cháy, chữa cháy",
        "Báo cáo kết quả thẩm định thiết kế của cơ quan chuyên môn về xây dựng",
        "Bản kê khai năng lực, kinh nghiệm của tổ chức thiết kế",
        "Cam kết bảo đảm an toàn đối với công trình liền kề",
    ]
    procedure = signed_at_department(documents=[(p, True) for p in papers], fee=150_000)
    procedure.documents.update(copies="01 bản sao")
    applicant = Applicant(
        name="Nguyễn Văn An",
        id_number="079123456789",
        phone="0903123456",
        email="an@example.vn",
        address="12 Lê Lợi, Phường Bến Thành, Thành phố Hồ Chí Minh",
    )
    dossier = fresh(receive(procedure, applicant=applicant))
    with translation.override(language):
        html = receipt.receipt_html(dossier, papers_of(dossier))
    assert len(weasyprint.HTML(string=html).render().pages) == 1


# --- 9. A slip is the act of the unit that asked --------------------------------------------------


def test_a_request_for_papers_by_the_department_is_its_own(personas, catalog, receive):
    Membership.objects.filter(user=catalog.department_officer).update(title="Chuyên viên Phòng Cấp phép")
    dossier = receive(catalog.land)
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    dossier_transition(
        user=catalog.department_officer, code=dossier.code, action="request_supplement", note="Bản vẽ"
    )
    slip = slips.slip_html(selectors.dossier_for_page(dossier.code), slips.SUPPLEMENT)
    issuer = re.search(r'data-testid="slip-issuer">(.*?)</td>', slip, re.S)
    assert issuer is not None and "SỞ XÂY DỰNG" in issuer.group(1) and "PHƯỜNG" not in issuer.group(1)
    assert "Một cửa" not in issuer.group(1)
    body = re.search(r'data-testid="slip-body">(.*?)</p>', slip, re.S)
    assert body is not None and "Sở Xây dựng" in body.group(1) and "Bến Thành" not in body.group(1)
    where = re.search(r'data-testid="slip-where">(.*?)</p>', slip, re.S)
    assert where is not None and personas.ward.name in where.group(1)  # where to bring the papers
    assert "Chuyên viên Phòng Cấp phép" in slip and "Lý Văn Sở" in slip


def test_the_slip_of_a_delegate_names_the_delegation(personas, receive):
    delegate_approval_to_the_ward(personas)
    dossier = receive(signed_at_department())
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    dossier_transition(user=personas.head, code=dossier.code, action="request_supplement", note="Bản vẽ")
    slip = slips.slip_html(selectors.dossier_for_page(dossier.code), slips.SUPPLEMENT)
    delegation = re.search(r'data-testid="slip-delegation">(.*?)</small>', slip, re.S)
    assert delegation is not None and "Hoàng Minh Tuấn" in delegation.group(1)
    assert "Phạm Quốc Hùng" in slip and "SỞ XÂY DỰNG" in slip


def test_the_wards_own_request_stays_the_desks(personas, receive):
    dossier = receive()
    dossier_transition(user=personas.officer, code=dossier.code, action="request_supplement", note="CCCD")
    slip = slips.slip_html(selectors.dossier_for_page(dossier.code), slips.SUPPLEMENT)
    issuer = re.search(r'data-testid="slip-issuer">(.*?)</td>', slip, re.S)
    assert issuer is not None and "UBND PHƯỜNG BẾN THÀNH" in issuer.group(1) and "Một cửa" in issuer.group(1)


# --- 10. After the result is signed, the desk hands it over: no refusal, no papers asked ----------


def test_the_hand_over_step_after_the_signature_cannot_refuse(personas, receive):
    dossier = receive(signed_at_department())
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    at_signature = fresh(dossier)
    assert "refuse" in moves_open_to(personas.department_head, at_signature, last_position=3)
    dossier_transition(user=personas.department_head, code=dossier.code, action="forward", note="Đã ký")
    handing_over = fresh(dossier)
    offered = moves_open_to(personas.officer, handing_over, last_position=3)
    assert "finish" in offered and "refuse" not in offered and "request_supplement" not in offered
    for action in ("refuse", "request_supplement"):
        with pytest.raises(NotNow) as refused:
            dossier_transition(user=personas.officer, code=dossier.code, action=action, note="Sai")
        assert refused.value.status == 409 and "Sở Xây dựng" in refused.value.message
    response = act(login(personas.officer), dossier, "refuse", note="Sai", confirm="yes")
    assert response.status_code == 409 and fresh(dossier).status == Status.IN_PROGRESS


# --- 11. Every field error at once ----------------------------------------------------------------


def test_a_return_by_post_names_both_missing_fields(personas, receive):
    dossier = finish(personas, receive(), at(2026, 12, 8, 9, 0))  # the applicant gave no address
    response = act(login(personas.officer), dossier, "return_result", result_method=ResultMethod.POST)
    assert response.status_code == 400
    assert 'id="err-return-tracking"' in page(response) and 'id="err-return-address"' in page(response)


def test_an_apology_with_nothing_typed_names_both_fields(personas, receive):
    dossier = receive(when=at(2026, 12, 7, 9, 0))
    with clock(NOW), pytest.raises(DomainErrors) as refused:
        slips.dossier_apologise(user=personas.officer, code=dossier.code, appointment="", reason="")
    assert [p.field for p in refused.value.problems] == ["reason", "appointment"]


# --- 12. Digits find the dossier of that number first ---------------------------------------------


def test_the_codes_number_is_found_before_phone_digits(personas, receive):
    target = receive(applicant=Applicant(name="Trần Thị Bích", phone="0912345678"))
    Dossier.objects.filter(pk=target.pk).update(code="HS-26-000121")
    phone = receive(applicant=Applicant(name="Lê Văn Cường", phone="0903121555"))
    officer = login(personas.officer)
    for typed in ("HS-26-000121", "26-000121", "000121", "121"):
        found = codes(officer.get(QUEUE, {"q": typed}))
        assert found and found[0] == "HS-26-000121", typed
    assert phone.code in codes(officer.get(QUEUE, {"q": "121"}))  # the phone digits still match, after


# --- 13. The apology slip's appointment -----------------------------------------------------------


def test_the_apology_slip_writes_the_day_of_the_appointment(personas, receive):
    dossier = receive(when=at(2026, 12, 7, 9, 0))
    with clock(NOW):
        slips.dossier_apologise(
            user=personas.officer, code=dossier.code, appointment="2026-12-23T09:00", reason="Chờ ý kiến"
        )
    slip = slips.slip_html(selectors.dossier_for_page(dossier.code), slips.APOLOGY)
    due = re.search(r'data-testid="slip-due">(.*?)</p>', slip, re.S)
    assert due is not None and "lúc 17:00 ngày 10/12/2026" in due.group(1)


def test_the_open_overdue_of_the_targets_are_counted_on_an_index(personas, receive):
    from django.db import connection
    from django.db.models import Count

    if connection.vendor != "sqlite":
        pytest.skip("the query plan is SQLite's")
    receive(when=at(2026, 12, 1, 9, 0))
    late = (
        stats._open_overdue([personas.ward.pk], date(2026, 1, 1), date(2027, 1, 1), NOW)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    sql, params = late.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    # A search of each unit's range of due times, on the index of the queue (or of the open dossiers).
    assert re.search(r"SEARCH dossiers_dossier USING (COVERING )?INDEX dossier_(queue|open_due)", plan), plan
    assert "SCAN" not in plan, plan


def test_the_queue_page_shows_the_unit_filter_and_what_it_counts(personas, spread):
    with clock(NOW):
        ward = login(personas.leader).get(QUEUE, {"unit": personas.ward.code})
    html = page(ward)
    assert 'data-testid="unit-filter"' in html and personas.ward.name in html
    assert f'<input type="hidden" name="unit" value="{personas.ward.code}">' in html  # kept by the filters
    summary = ward.context["summary"]
    assert f"{summary.waiting} hồ sơ đang chờ ở bước của các đơn vị này ({summary.overdue} quá hạn)" in html
