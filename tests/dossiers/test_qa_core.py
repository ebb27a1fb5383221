"""Defects QA found in the one-stop core (intake, moves, API, officer and citizen pages), one test or more
each: inter-level handling of a department's procedure, campaign and pause deadlines, a step's own due
time, the desk fee payment, 401 vs 403, allowed actions, the refusal naming the power, idempotency keys
with other files, empty uploads, the postal delivery in messages and on the lookup page, report codes."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from citydesk.core.calendar import current_calendar
from citydesk.core.errors import DomainError, NotAllowed
from citydesk.core.models import AuditEntry
from citydesk.core.powers import Power
from citydesk.dossiers.models import (
    Authority,
    Campaign,
    Dossier,
    DossierEvent,
    Payment,
    Performer,
    Punctuality,
    Status,
    TimeUnit,
)
from citydesk.dossiers.services import Applicant, dossier_transition
from citydesk.dossiers.services.common import office_time_between
from citydesk.notifications.models import Notification
from tests.dossiers.conftest import at, make_procedure

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 to khai"
R, D = Performer.RECEIVING_UNIT, Performer.DEPARTMENT


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def post_json(client: Any, path: str, data: dict, **headers: Any) -> Any:
    return client.post(path, json.dumps(data), content_type="application/json", **headers)


def act(client: Any, headers: dict, dossier: Dossier, action: str, **data: Any) -> Any:
    version = Dossier.objects.get(pk=dossier.pk).version
    payload = {"action": action, "version": version, **data}
    return post_json(client, f"/api/v1/dossiers/{dossier.code}/actions", payload, **headers)


def at_time(moment: dt.datetime) -> Any:
    return mock.patch("django.utils.timezone.now", return_value=moment)


# --- 1. A department's procedure received at a ward desk -----------------------------------------


def department_own_procedure(code: str = "TM-01", department: str = "SXD") -> Any:
    """A department's procedure whose process is the department's own: every step the receiving unit's."""
    return make_procedure(
        code,
        "Cấp Giấy phép bán buôn",
        authority=Authority.DEPARTMENT,
        department_code=department,
        days=15,
        steps=[
            ("Tiếp nhận hồ sơ tại Bộ phận Một cửa của Sở", R, "", "officer", 10),
            ("Thẩm định hồ sơ", R, "", "officer", 60),
            ("Lãnh đạo Sở ký kết quả", R, "", "head", 25),
            ("Trả kết quả", R, "", "officer", 5),
        ],
    )


def test_department_procedure_at_a_ward_desk_is_handled_and_signed_by_the_department(
    personas, catalog, receive
):
    procedure = department_own_procedure()
    dossier = receive(procedure)
    units = list(dossier.steps.order_by("position").values_list("unit_id", flat=True))
    # Only the reception stays at the ward; the department appraises, signs and finishes.
    assert units == [personas.ward.pk] + [personas.department.pk] * 3
    dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    with pytest.raises(NotAllowed):  # the ward cannot appraise the department's dossier
        dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    dossier = dossier_transition(user=catalog.department_officer, code=dossier.code, action="forward")
    for ward_user in (personas.head, personas.deputy):  # the ward chairman does not sign it
        with pytest.raises(NotAllowed):
            dossier_transition(user=ward_user, code=dossier.code, action="forward")
    dossier = dossier_transition(user=personas.department_head, code=dossier.code, action="forward")
    dossier = dossier_transition(
        user=catalog.department_officer, code=dossier.code, action="finish", note="Đã cấp giấy phép"
    )
    assert dossier.status == Status.RESULT_READY
    # The result goes back to the applicant at the desk where it was received.
    dossier = dossier_transition(user=personas.officer, code=dossier.code, action="return_result")
    assert dossier.status == Status.RETURNED


def test_department_procedure_at_the_department_itself_stays_there(personas, catalog, receive):
    procedure = department_own_procedure()
    dossier = receive(procedure, user=catalog.department_officer, unit_code=personas.department.code)
    assert set(dossier.steps.values_list("unit_id", flat=True)) == {personas.department.pk}


def test_a_process_naming_its_department_steps_is_followed_as_it_is(personas, catalog, receive):
    dossier = receive(catalog.land)  # reception at the ward, the department, the city
    units = list(dossier.steps.order_by("position").values_list("unit_id", flat=True))
    assert units == [personas.ward.pk, personas.department.pk, personas.city.pk]


def test_department_procedure_without_the_department_in_the_city_is_refused(
    client, bearer, personas, catalog, receive
):
    procedure = department_own_procedure("TM-02", department="SCT")  # the test city has no SCT
    with pytest.raises(DomainError) as exc:
        receive(procedure)
    assert exc.value.field == "procedure" and exc.value.status == 400
    body = {
        "procedure": procedure.code,
        "unit": personas.ward.code,
        "channel": "desk",
        "applicant_name": "Nguyễn Văn An",
        "documents": [d.pk for d in procedure.documents.all() if d.required],
    }
    r = post_json(client, "/api/v1/dossiers", body, **bearer(personas.officer))
    assert r.status_code == 400 and r.json()["field"] == "procedure", r.content
    assert "SCT" in r.json()["detail"] and not Dossier.objects.exists()


def test_same_day_campaign_refuses_a_department_procedure_handled_elsewhere(personas, catalog):
    from citydesk.dossiers.services.campaigns import check_same_day_possible

    procedure = department_own_procedure()
    with pytest.raises(DomainError) as exc:
        check_same_day_possible([procedure], [personas.ward], personas.city)
    assert exc.value.field == "procedure_codes"


# --- 2. A campaign never makes the legal due time later --------------------------------------------


@pytest.mark.parametrize(
    ("received", "legal_due"),
    [
        (at(2026, 12, 7, 9, 0), at(2026, 12, 7, 14, 30)),  # 4 working hours: 2h30 + 1h30
        (at(2026, 12, 7, 15, 30), at(2026, 12, 8, 10, 0)),  # after the cutoff: 1h30 + 2h30
    ],
)
def test_campaign_due_is_the_earlier_of_the_campaign_and_the_law(
    personas, catalog, receive, received, legal_due
):
    assert catalog.copy.time_unit == TimeUnit.WORKING_HOURS and catalog.copy.processing_time == 4
    campaign = Campaign.objects.create(
        name="C", start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 31)
    )
    campaign.procedures.add(catalog.copy)
    campaign.units.add(personas.ward)
    dossier = receive(catalog.copy, when=received)
    assert dossier.campaign_id == campaign.pk and dossier.same_day
    assert dossier.due_at == legal_due
    assert dossier.steps.get().due_at == legal_due


def test_campaign_still_brings_a_longer_legal_time_forward(personas, catalog, receive):
    campaign = Campaign.objects.create(
        name="C", start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 31)
    )
    campaign.procedures.add(catalog.birth)
    campaign.units.add(personas.ward)
    assert receive(when=at(2026, 12, 7, 9, 0)).due_at == at(2026, 12, 7, 17, 0)


# --- 3. Resuming a dossier moves its due time by the office time it waited -------------------------


def test_resuming_an_overdue_dossier_keeps_it_overdue_by_as_much(client, bearer, personas, catalog, receive):
    dossier = receive(when=at(2026, 12, 7, 9, 0))  # 3 working days: due Thu 10/12 17:00
    assert dossier.due_at == at(2026, 12, 10, 17, 0)
    step_due = dossier.steps.get(position=1).due_at
    paused, resumed = at(2026, 12, 14, 9, 0), at(2026, 12, 16, 9, 0)
    with at_time(paused):
        dossier_transition(user=personas.officer, code=dossier.code, action="request_supplement", note="CCCD")
    with at_time(resumed):
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="supplement_received")
    # It waited 16 office hours (Mon 9:00 → Wed 9:00): the due time moves 16 office hours on.
    assert dossier.due_at == at(2026, 12, 14, 17, 0)
    late_before = office_time_between(at(2026, 12, 10, 17, 0), paused)
    assert office_time_between(dossier.due_at, resumed) == late_before == dt.timedelta(hours=9, minutes=30)
    step = dossier.steps.get(position=1)
    assert office_time_between(step.due_at, resumed) == office_time_between(step_due, paused)
    assert step.due_at != resumed
    with at_time(resumed + dt.timedelta(seconds=1)):
        out = client.get(f"/api/v1/dossiers/{dossier.code}", **bearer(personas.officer)).json()
    assert out["overdue"] is True and out["paused"] is False


def test_resuming_a_dossier_gives_back_the_working_days_it_waited(personas, catalog, receive):
    dossier = receive(when=at(2026, 12, 7, 9, 0))
    with at_time(at(2026, 12, 8, 9, 0)):
        dossier_transition(user=personas.officer, code=dossier.code, action="request_supplement", note="CCCD")
    with at_time(at(2026, 12, 8, 16, 0)):  # 5h30 of office time later, the same day
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="supplement_received")
    # A day-counted appointment moves by whole working days waited (services.moves.due_after_wait): the
    # papers came back the same working day, before the close, so the appointment on the receipt stands.
    assert dossier.due_at == at(2026, 12, 10, 17, 0)
    with at_time(at(2026, 12, 9, 9, 0)):
        dossier_transition(user=personas.officer, code=dossier.code, action="request_supplement", note="Ảnh")
    with at_time(at(2026, 12, 11, 8, 0)):  # Wednesday to Friday: two working days
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="supplement_received")
    assert dossier.due_at == at(2026, 12, 14, 17, 0)  # Thursday + 2 working days = Monday


# --- 4. A step started after the dossier's due time has its own share of the time ------------------


def test_a_step_started_late_is_not_late_itself(personas, catalog, receive):
    dossier = receive(when=at(2026, 12, 7, 9, 0))  # due Thu 10/12 17:00
    with at_time(at(2026, 12, 7, 10, 0)):
        dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    start = at(2026, 12, 14, 9, 0)  # the dossier is overdue when step 3 (the last) starts
    with at_time(start):
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    step = dossier.current_step
    assert step.position == 3 and step.started_at == start
    share = dt.timedelta(seconds=step.allotted_seconds)
    assert share > dt.timedelta(0)
    assert step.due_at == current_calendar().add_working_hours(start, share)
    with at_time(start + dt.timedelta(milliseconds=300)):
        dossier = dossier_transition(user=personas.head, code=dossier.code, action="finish", note="Đã cấp")
    assert dossier.steps.get(position=3).punctuality != Punctuality.LATE
    assert dossier.steps.get(position=2).punctuality == Punctuality.LATE  # the lateness is step 2's
    assert dossier.punctuality == Punctuality.LATE  # the dossier-level result is unchanged


def test_the_last_step_may_still_use_the_time_left_by_early_steps(personas, catalog, receive):
    dossier = receive(when=at(2026, 12, 7, 9, 0))
    with at_time(at(2026, 12, 7, 9, 30)):
        dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    with at_time(at(2026, 12, 7, 10, 0)):
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    assert dossier.current_step.due_at == dossier.due_at == at(2026, 12, 10, 17, 0)


# --- 5. A fee paid at the desk ---------------------------------------------------------------------


@pytest.fixture
def with_fee(personas, catalog) -> Any:
    return make_procedure(
        "KD-01",
        "Đăng ký hộ kinh doanh",
        days=3,
        fee=100_000,
        steps=[("Tiếp nhận và giải quyết", R, "", "officer", 100)],
    )


def test_fee_paid_at_the_desk_is_recorded_and_then_the_result_handed_over(
    client, bearer, personas, catalog, receive, with_fee
):
    officer = bearer(personas.officer)
    dossier = receive(with_fee)
    out = client.get(f"/api/v1/dossiers/{dossier.code}", **officer).json()
    assert out["fee"] == 100_000 and out["paid"] is False and "record_payment" in out["allowed_actions"]
    r = act(client, officer, dossier, "finish", note="Đã cấp giấy chứng nhận")
    assert r.status_code == 200 and "return_result" not in r.json()["allowed_actions"]
    # The result of an unpaid dossier is not handed over.
    r = act(client, officer, dossier, "return_result", result_method="desk")
    assert r.status_code == 409 and r.json()["field"] == "payment", r.content
    assert Dossier.objects.get(pk=dossier.pk).status == Status.RESULT_READY
    # Refusals name the field, and change nothing.
    for data, field in (
        ({"payment_method": "cash", "receipt_number": " "}, "receipt_number"),
        ({"payment_method": "bitcoin", "receipt_number": "0001234"}, "payment_method"),
    ):
        r = act(client, officer, dossier, "record_payment", **data)
        assert r.status_code == 400 and r.json()["field"] == field, r.content
    assert act(client, bearer(personas.outsider), dossier, "record_payment", payment_method="cash",
               receipt_number="1").status_code == 403  # fmt: skip
    assert not Payment.objects.exists()
    r = act(client, officer, dossier, "record_payment", payment_method="cash", receipt_number="BL-0001234")
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["paid"] is True and "record_payment" not in out["allowed_actions"]
    assert "return_result" in out["allowed_actions"]
    payment = Payment.objects.get(dossier=dossier)
    assert (payment.amount, payment.state, payment.provider) == (100_000, "paid", "desk_cash")
    assert "BL-0001234" in payment.reference and payment.paid_at
    assert DossierEvent.objects.filter(dossier=dossier, kind="paid").count() == 1
    audit = AuditEntry.objects.get(action="dossier.record_payment", object_id=dossier.code)
    assert audit.after["receipt"] == "BL-0001234" and audit.after["amount"] == 100_000
    again = act(client, officer, dossier, "record_payment", payment_method="cash", receipt_number="BL-2")
    assert again.status_code == 409 and Payment.objects.count() == 1
    r = act(client, officer, dossier, "return_result", result_method="desk")
    assert r.status_code == 200 and r.json()["status"] == "returned"


def test_officer_page_records_the_fee_paid_at_the_desk(client, personas, catalog, receive, with_fee):
    dossier = receive(with_fee)
    dossier = dossier_transition(user=personas.officer, code=dossier.code, action="finish", note="Đã cấp")
    client.force_login(personas.officer)
    url = f"/mot-cua/ho-so/{dossier.code}/"
    page = client.get(url).content.decode()
    offered = re.findall(r'data-action="(\w+)"', page)
    assert "record_payment" in offered and "return_result" not in offered
    assert 'name="receipt_number"' in page
    bad = client.post(url + "thao-tac/", {"action": "record_payment", "version": dossier.version,
                                          "payment_method": "transfer", "receipt_number": ""})  # fmt: skip
    assert bad.status_code == 400 and 'id="err-payment-receipt"' in bad.content.decode()
    response = client.post(
        url + "thao-tac/",
        {
            "action": "record_payment",
            "version": dossier.version,
            "payment_method": "transfer",
            "receipt_number": "0000789",
        },
    )
    assert response.status_code == 302
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert fresh.paid_at is not None and fresh.status == Status.RESULT_READY
    page = client.get(url).content.decode()
    assert "0000789" in page and 'data-paid="yes"' in page
    assert "return_result" in re.findall(r'data-action="(\w+)"', page)


def test_a_dossier_without_a_fee_is_handed_over_as_before(personas, catalog, receive):
    dossier = receive(catalog.copy)
    dossier = dossier_transition(user=personas.officer, code=dossier.code, action="finish", note="Xong")
    dossier = dossier_transition(user=personas.officer, code=dossier.code, action="return_result")
    assert dossier.status == Status.RETURNED


# --- 6. No credentials is 401 ------------------------------------------------------------------------


def test_actions_without_credentials_are_401(client, personas, catalog, receive):
    dossier = receive()
    r = post_json(client, f"/api/v1/dossiers/{dossier.code}/actions", {"action": "forward", "version": 1})
    assert r.status_code == 401, r.content
    r = post_json(
        client, f"/api/v1/dossiers/{dossier.code}/actions", {"action": "record_payment", "version": 1}
    )
    assert r.status_code == 401
    assert Dossier.objects.get(pk=dossier.pk).version == 1


# --- 7. allowed_actions lists what would succeed ---------------------------------------------------


def test_allowed_actions_are_those_the_caller_can_make_now(client, bearer, personas, catalog, receive):
    dossier = receive()
    officer, head = bearer(personas.officer), bearer(personas.head)
    out = client.get(f"/api/v1/dossiers/{dossier.code}", **officer).json()
    assert out["current_step"] == 1 and "finish" not in out["allowed_actions"]
    assert out["allowed_actions"] == ["forward", "request_supplement", "refuse", "withdraw"]
    for action in out["allowed_actions"][:1]:
        assert act(client, officer, dossier, action).status_code == 200
    act(client, officer, dossier, "forward")
    # Step 3 is the head's: the officer may only withdraw at the desk; the head may finish.
    assert client.get(f"/api/v1/dossiers/{dossier.code}", **officer).json()["allowed_actions"] == ["withdraw"]
    out = client.get(f"/api/v1/dossiers/{dossier.code}", **head).json()
    assert "finish" in out["allowed_actions"] and "forward" not in out["allowed_actions"]
    # The applicant (citizen token) sees their own moves.
    mine = client.get(f"/api/v1/dossiers/{dossier.code}", {"t": dossier.citizen_token}).json()
    assert mine["allowed_actions"] == ["withdraw"]
    # The queue says the same.
    queue = client.get("/api/v1/dossiers", **officer).json()
    assert queue["items"][0]["allowed_actions"] == ["withdraw"]


# --- 8. A refusal on another unit's step names the power it takes ----------------------------------


def test_acting_on_a_department_step_names_the_step_and_its_power(client, bearer, personas, catalog, receive):
    dossier = receive(catalog.land)
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    r = act(client, bearer(personas.officer), dossier, "forward")
    assert r.status_code == 403
    detail = r.json()["detail"]
    assert str(Power.DOSSIER_RECEIVE.label) not in detail  # not the one-stop desk's power
    assert "Thẩm định hồ sơ đất" in detail and personas.department.name in detail


# --- 9. An Idempotency-Key reused for other files ---------------------------------------------------


def online_form(catalog: Any, personas: Any, content: bytes = PDF, **changes: Any) -> dict:
    doc = next(d.pk for d in catalog.birth.documents.all() if d.required)
    return {
        "procedure": catalog.birth.code,
        "unit": personas.ward.code,
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": "0903123456",
        f"doc_{doc}": SimpleUploadedFile("to-khai.pdf", content),
        **changes,
    }


def test_a_key_reused_with_other_files_is_422(client, bearer, personas, catalog):
    url = "/api/v1/dossiers/online"
    first = client.post(url, online_form(catalog, personas), HTTP_IDEMPOTENCY_KEY="q-1")
    assert first.status_code == 201
    same = client.post(url, online_form(catalog, personas), HTTP_IDEMPOTENCY_KEY="q-1")
    assert same.status_code == 200 and same.json()["code"] == first.json()["code"]
    # The same name and phone, another file of the same size: refused, and no token handed over.
    other = PDF[:-1] + b"X"
    r = client.post(url, online_form(catalog, personas, other), HTTP_IDEMPOTENCY_KEY="q-1")
    assert r.status_code == 422 and r.json()["field"] == "Idempotency-Key", r.content
    assert "citizen_token" not in r.json() and Dossier.objects.count() == 1
    # A citizen's own key: other papers or another applicant are refused too.
    citizen = bearer(personas.citizen)
    assert (
        client.post(url, online_form(catalog, personas), HTTP_IDEMPOTENCY_KEY="c-1", **citizen).status_code
        == 201
    )
    for form in (
        online_form(catalog, personas, other),
        online_form(catalog, personas, applicant_name="Lê Văn Khác"),
    ):
        r = client.post(url, form, HTTP_IDEMPOTENCY_KEY="c-1", **citizen)
        assert r.status_code == 422, r.content
    assert Dossier.objects.count() == 2


def test_a_desk_key_reused_with_other_papers_is_422(client, bearer, personas, catalog):
    headers = {**bearer(personas.officer), "HTTP_IDEMPOTENCY_KEY": "d-1"}
    ids = [d.pk for d in catalog.birth.documents.all()]
    body = {"procedure": "HT-01", "unit": personas.ward.code, "channel": "desk",
            "applicant_name": "Nguyễn Văn An", "documents": ids[:1]}  # fmt: skip
    assert post_json(client, "/api/v1/dossiers", body, **headers).status_code == 201
    assert post_json(client, "/api/v1/dossiers", body, **headers).status_code == 200
    r = post_json(client, "/api/v1/dossiers", {**body, "documents": ids}, **headers)
    assert r.status_code == 422 and Dossier.objects.count() == 1


# --- 10. An empty file is called empty --------------------------------------------------------------


def test_an_empty_upload_is_called_empty(client, personas, catalog):
    r = client.post("/api/v1/dossiers/online", online_form(catalog, personas, b""))
    assert r.status_code == 400 and r.json()["field"] == "documents", r.content
    detail = r.json()["detail"]
    assert "to-khai.pdf" in detail and "Tờ khai" in detail and "PDF, JPEG" not in detail
    assert not Dossier.objects.exists()


def test_an_empty_file_on_the_online_form_is_called_empty(client, personas, catalog):
    doc = next(d.pk for d in catalog.birth.documents.all() if d.required)
    data = {
        "unit": personas.ward.code,
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": "0903123456",
        "consent": "on",
        f"doc_{doc}": SimpleUploadedFile("rong.pdf", b""),
    }
    response = client.post("/ho-so/nop/HT-01/", data)
    assert response.status_code == 400 and "rong.pdf" in response.content.decode()
    assert not Dossier.objects.exists()


# --- 11. Delivery by post in the messages and on the lookup page ------------------------------------


def test_result_by_post_is_said_so_with_the_tracking_number(client, personas, catalog, receive):
    applicant = Applicant(name="Nguyễn Văn An", phone="0903123456", address="12 Lê Lợi, Phường Bến Thành")
    dossier = receive(catalog.copy, channel="post", applicant=applicant)
    assert dossier.result_method == "post"
    dossier = dossier_transition(user=personas.officer, code=dossier.code, action="finish", note="Xong")
    ready = Notification.objects.filter(channel="sms", subject__contains=dossier.code).order_by("-id").first()
    assert personas.ward.name not in ready.body  # not "ready at the ward": it goes by post
    page = client.get(f"/ho-so/tra-cuu/{dossier.code}/").content.decode()
    assert 'data-testid="delivery"' in page
    dossier_transition(user=personas.officer, code=dossier.code, action="return_result",
                       tracking_number="EB123456789VN")  # fmt: skip
    sent = Notification.objects.filter(channel="sms", subject__contains=dossier.code).order_by("-id").first()
    assert "EB123456789VN" in sent.body and "VNPost" in sent.body
    page = client.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": dossier.citizen_token}).content.decode()
    shipment = re.search(r'data-testid="shipment">(.*?)</dd>', page, re.S)
    assert shipment and "EB123456789VN" in shipment.group(1) and "VNPost" in shipment.group(1)
    # Strangers (no phone check, no token) do not see the tracking number.
    assert "EB123456789VN" not in type(client)().get(f"/ho-so/tra-cuu/{dossier.code}/").content.decode()


def test_result_at_the_desk_still_names_the_unit(personas, catalog, receive):
    dossier = receive(catalog.copy, applicant=Applicant(name="Nguyễn Văn An", phone="0903123456"))
    dossier_transition(user=personas.officer, code=dossier.code, action="finish", note="Xong")
    ready = Notification.objects.filter(channel="sms", subject__contains=dossier.code).order_by("-id").first()
    assert personas.ward.name in ready.body


# --- 12. A report's code typed into the dossier lookup ----------------------------------------------


@pytest.mark.parametrize("path", ["/ho-so/tra-cuu/?code=PA-26-000001", "/ho-so/tra-cuu/PA-26-000001/"])
def test_a_report_code_points_to_the_report_lookup(client, personas, path):
    response = client.get(path)
    assert response.status_code == 404
    page = response.content.decode()
    assert 'href="/tra-cuu/?code=PA-26-000001" data-testid="report-lookup"' in page


def test_an_unknown_dossier_code_has_no_report_link(client, personas):
    response = client.get("/ho-so/tra-cuu/?code=HS-26-999999")
    assert response.status_code == 404 and 'data-testid="report-lookup"' not in response.content.decode()
