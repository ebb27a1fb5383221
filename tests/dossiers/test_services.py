"""Receiving dossiers and moving them through their process: deadlines, campaigns, rules, counters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from citydesk.core.errors import Conflict, DomainError, NotAllowed, NotAuthenticated, NotFound
from citydesk.core.models import AuditEntry, CalendarOverride
from citydesk.dossiers.models import (
    Campaign,
    CampaignTally,
    Dossier,
    DossierMonth,
    DossierStep,
    Punctuality,
    Shipment,
    Status,
)
from citydesk.dossiers.services import Applicant, Upload, dossier_receive, dossier_transition
from citydesk.notifications.models import Notification
from tests.dossiers.conftest import at

pytestmark = pytest.mark.django_db


def test_desk_receipt_plans_every_step_and_the_due_time(personas, catalog, receive):
    dossier = receive(when=at(2026, 12, 7, 9, 0))  # Monday
    assert dossier.code.startswith("HS-26-")
    assert dossier.status == Status.RECEIVED
    # 3 working days after Monday 7/12: close of office on Thursday 10/12.
    assert dossier.due_at == at(2026, 12, 10, 17, 0)
    steps = list(dossier.steps.order_by("position"))
    assert [s.unit_id for s in steps] == [personas.ward.pk] * 3
    # Office time Monday 09:00 → Thursday 17:00: 6.5 h + 3 × 8 h, shared 20/50/30 between the steps.
    assert sum(s.allotted_seconds for s in steps) == 30.5 * 3600
    assert steps[1].allotted_seconds == 0.5 * 30.5 * 3600
    assert steps[0].started_at is not None and steps[1].started_at is None
    assert dossier.current_step_id == steps[0].pk
    assert AuditEntry.objects.filter(action="dossier.receive", object_id=dossier.code).count() == 1
    assert Notification.objects.filter(address="an@example.vn").count() == 1
    month = DossierMonth.objects.get(unit=personas.ward, procedure=catalog.birth)
    assert (month.received, month.received_via_one_stop, month.channel) == (1, 1, "desk")


def test_receipt_after_office_hours_counts_from_the_next_working_day(receive):
    dossier = receive(when=at(2026, 12, 11, 18, 0))  # Friday evening
    # Counted from Monday 14/12 (the next working day): Tuesday, Wednesday, Thursday 17/12.
    assert dossier.due_at == at(2026, 12, 17, 17, 0)


def test_hours_procedure_is_due_within_office_hours(catalog, receive):
    dossier = receive(catalog.copy, when=at(2026, 12, 7, 10, 0))
    assert dossier.due_at == at(2026, 12, 7, 15, 30)  # 1.5 h before lunch + 2.5 h after


def test_missing_required_paper_refuses_the_receipt_and_stores_nothing(catalog, receive):
    with pytest.raises(DomainError) as exc:
        receive(provided=[])
    assert exc.value.field == "documents"
    assert "Tờ khai" in exc.value.message
    assert Dossier.objects.count() == 0
    assert DossierMonth.objects.count() == 0


def test_unknown_procedure_and_wrong_unit(personas, catalog, receive):
    with pytest.raises(NotFound) as exc:
        dossier_receive(
            user=personas.officer,
            procedure_code="XX-99",
            unit_code=personas.ward.code,
            channel="desk",
            applicant=Applicant(name="An"),
        )
    assert exc.value.field == "procedure"
    with pytest.raises(DomainError) as exc:
        receive(unit_code=personas.department.code)
    assert exc.value.field == "unit"


def test_desk_receipt_needs_the_receiving_power_in_that_unit(personas, catalog, receive):
    with pytest.raises(NotAllowed):
        receive(user=personas.outsider)  # officer of the other ward
    with pytest.raises(NotAllowed):
        receive(user=personas.citizen)
    with pytest.raises(NotAllowed):
        receive(user=None)
    assert Dossier.objects.count() == 0


def test_bad_applicant_fields_are_named(receive):
    with pytest.raises(DomainError) as exc:
        receive(applicant=Applicant(name=" "))
    assert exc.value.field == "applicant_name"
    with pytest.raises(DomainError) as exc:
        receive(applicant=Applicant(name="An", id_number="12ab"))
    assert exc.value.field == "applicant_id_number"


def test_same_day_campaign_rule_and_the_15h_cutoff(personas, catalog, receive):
    campaign = Campaign.objects.create(
        name="Tháng hành động", start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 31)
    )
    campaign.procedures.add(catalog.birth)
    campaign.units.add(personas.ward)
    before = receive(when=at(2026, 12, 7, 14, 59))
    after = receive(when=at(2026, 12, 7, 15, 1))
    saturday = receive(when=at(2026, 12, 12, 9, 0))
    assert before.same_day and before.campaign_id == campaign.pk
    assert before.due_at == at(2026, 12, 7, 17, 0)
    assert after.due_at == at(2026, 12, 8, 17, 0)
    assert saturday.due_at == at(2026, 12, 14, 17, 0)
    outside = receive(when=at(2027, 1, 4, 9, 0))  # after the campaign: the legal time again
    assert not outside.same_day and outside.due_at == at(2027, 1, 7, 17, 0)
    tally = CampaignTally.objects.get(campaign=campaign, unit=personas.ward, procedure=catalog.birth)
    assert tally.received == 3


def test_campaign_skips_official_days_off(personas, catalog, receive):
    CalendarOverride.objects.create(date=dt.date(2026, 12, 8), kind="day_off", name="Nghỉ bù")
    campaign = Campaign.objects.create(
        name="C", start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 31)
    )
    campaign.procedures.add(catalog.birth)
    campaign.units.add(personas.ward)
    dossier = receive(when=at(2026, 12, 7, 16, 0))
    assert dossier.due_at == at(2026, 12, 9, 17, 0)


def _walk(dossier, personas, catalog):
    dossier = dossier_transition(
        user=personas.officer, code=dossier.code, action="forward", version=dossier.version
    )
    dossier = dossier_transition(
        user=personas.officer, code=dossier.code, action="forward", version=dossier.version
    )
    return dossier


def test_full_process_to_the_result_records_timeliness(personas, catalog, receive):
    dossier = receive()
    dossier = _walk(dossier, personas, catalog)
    assert dossier.current_step.position == 3
    with pytest.raises(NotAllowed):  # the approval step needs a head or deputy
        dossier_transition(
            user=personas.officer, code=dossier.code, action="finish", note="Cấp giấy khai sinh"
        )
    with pytest.raises(DomainError) as exc:
        dossier_transition(user=personas.head, code=dossier.code, action="finish")
    assert exc.value.field == "note"
    dossier = dossier_transition(
        user=personas.head, code=dossier.code, action="finish", note="Cấp giấy khai sinh"
    )
    assert dossier.status == Status.RESULT_READY
    assert dossier.punctuality == Punctuality.EARLY  # finished today, due in three days
    assert all(s.completed_at for s in DossierStep.objects.filter(dossier=dossier))
    counts = DossierMonth.objects.filter(procedure=catalog.birth).aggregate(
        finished=Sum("finished"), early=Sum("finished_early"), late=Sum("finished_late")
    )
    assert counts == {"finished": 1, "early": 1, "late": 0}
    dossier = dossier_transition(
        user=personas.officer, code=dossier.code, action="return_result", result_method="desk"
    )
    assert dossier.status == Status.RETURNED and dossier.returned_at


def test_inter_agency_steps_go_to_the_department_and_the_city(personas, catalog, receive):
    dossier = receive(catalog.land, when=at(2026, 12, 7, 9, 0))
    units = list(dossier.steps.order_by("position").values_list("unit_id", flat=True))
    assert units == [personas.ward.pk, personas.department.pk, personas.city.pk]
    dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    step = dossier.current_step
    assert step.unit_id == personas.department.pk and step.started_at and step.due_at
    with pytest.raises(NotAllowed):  # the ward officer cannot act on the department's step
        dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    dossier = dossier_transition(user=catalog.department_officer, code=dossier.code, action="forward")
    assert dossier.current_step.unit_id == personas.city.pk
    dossier = dossier_transition(
        user=personas.leader, code=dossier.code, action="finish", note="Quyết định cho phép"
    )
    assert dossier.status == Status.RESULT_READY


def test_supplement_stops_the_clock_and_moves_the_due_time(personas, catalog, receive):
    dossier = receive(when=at(2026, 12, 7, 9, 0))
    due = dossier.due_at
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=at(2026, 12, 7, 10, 0)):
        dossier = dossier_transition(
            user=personas.officer,
            code=dossier.code,
            action="request_supplement",
            note="Thiếu giấy chứng sinh",
        )
    assert dossier.status == Status.SUPPLEMENT and dossier.paused_at
    assert Notification.objects.filter(subject__contains=dossier.code).count() >= 2
    # Two whole working days later the applicant brings the paper: the due time moves two days on.
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 12, 9, 10, 0)):
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="supplement_received")
    assert dossier.status == Status.IN_PROGRESS and dossier.paused_at is None
    assert dossier.due_at == at(2026, 12, 14, 17, 0)
    assert dossier.due_at > due
    assert dossier.paused_seconds == 2 * 24 * 3600


def test_supplement_on_a_finished_dossier_is_a_conflict_and_changes_nothing(personas, catalog, receive):
    dossier = receive(catalog.copy)
    dossier = dossier_transition(
        user=personas.officer, code=dossier.code, action="finish", note="Đã chứng thực"
    )
    with pytest.raises(Conflict) as exc:
        dossier_transition(user=personas.officer, code=dossier.code, action="request_supplement", note="x")
    assert exc.value.field == "action"
    assert Dossier.objects.get(pk=dossier.pk).status == Status.RESULT_READY


def test_stale_version_is_a_conflict(personas, catalog, receive):
    dossier = receive()
    seen = dossier.version
    dossier_transition(user=personas.officer, code=dossier.code, action="forward", version=seen)
    with pytest.raises(Conflict) as exc:
        dossier_transition(user=personas.deputy, code=dossier.code, action="forward", version=seen)
    assert exc.value.field == "version"
    assert Dossier.objects.get(pk=dossier.pk).current_step.position == 2


def test_refusal_needs_reasons_and_is_counted(personas, catalog, receive):
    dossier = receive()
    with pytest.raises(DomainError):
        dossier_transition(user=personas.officer, code=dossier.code, action="refuse")
    dossier = dossier_transition(
        user=personas.officer, code=dossier.code, action="refuse", note="Không thuộc thẩm quyền"
    )
    assert dossier.status == Status.REFUSED and dossier.refusal_reason == "Không thuộc thẩm quyền"
    assert DossierMonth.objects.aggregate(n=Sum("refused"))["n"] == 1


def test_result_by_post_records_the_shipment(personas, catalog, receive):
    dossier = receive(catalog.copy, applicant=Applicant(name="An", address="12 Lê Lợi, Bến Thành"))
    dossier_transition(user=personas.officer, code=dossier.code, action="finish", note="Đã chứng thực")
    with pytest.raises(DomainError) as exc:
        dossier_transition(
            user=personas.officer, code=dossier.code, action="return_result", result_method="post"
        )
    assert exc.value.field == "tracking_number"
    dossier = dossier_transition(
        user=personas.officer,
        code=dossier.code,
        action="return_result",
        result_method="post",
        tracking_number="EMS123456789VN",
    )
    shipment = Shipment.objects.get(dossier=dossier)
    assert shipment.address == "12 Lê Lợi, Bến Thành"


def test_online_filing_checks_level_and_file_types(personas, catalog):
    docs = {d.name: d.pk for d in catalog.land.documents.all()}
    pdf = SimpleUploadedFile("to-khai.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    dossier = dossier_receive(
        user=personas.citizen,
        procedure_code=catalog.land.code,
        unit_code=personas.ward.code,
        channel="online",
        applicant=Applicant(name="Ngô Thị Mai", phone="0903000111"),
        uploads=[Upload(document_id=docs["Tờ khai"], file=pdf)],
        received_at=at(2026, 12, 7, 9, 0),
    ).dossier
    assert dossier.channel == "online" and dossier.applicant_id == personas.citizen.pk
    assert dossier.documents.get().size == len(b"%PDF-1.4 test")
    fake = SimpleUploadedFile("to-khai.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(DomainError) as exc:
        dossier_receive(
            user=None,
            procedure_code=catalog.land.code,
            unit_code=personas.ward.code,
            channel="online",
            applicant=Applicant(name="X", phone="0903000111"),
            uploads=[Upload(document_id=docs["Tờ khai"], file=fake)],
        )
    assert exc.value.field == "documents"
    with pytest.raises(DomainError) as exc:  # level 2: not online
        dossier_receive(
            user=None,
            procedure_code=catalog.copy.code,
            unit_code=personas.ward.code,
            channel="online",
            applicant=Applicant(name="X", phone="0903000111"),
        )
    assert exc.value.field == "procedure"
    assert Dossier.objects.count() == 1


def test_applicant_withdraws_with_the_token_only(personas, catalog, receive):
    dossier = receive()
    with pytest.raises(NotAuthenticated):  # a wrong citizen token proves nothing: 401, not 403
        dossier_transition(user=None, code=dossier.code, action="withdraw", token="wrong")
    dossier = dossier_transition(user=None, code=dossier.code, action="withdraw", token=dossier.citizen_token)
    assert dossier.status == Status.WITHDRAWN


def test_campaign_tally_counts_same_day_results(personas, catalog, receive):
    campaign = Campaign.objects.create(
        name="C", start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 31)
    )
    campaign.procedures.add(catalog.copy)
    campaign.units.add(personas.ward)
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=at(2026, 12, 7, 11, 0)):
        quick = receive(catalog.copy, when=at(2026, 12, 7, 9, 0))
        dossier_transition(user=personas.officer, code=quick.code, action="finish", note="OK")
    slow = receive(catalog.copy, when=at(2026, 12, 7, 9, 30))
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 12, 8, 9, 0)):
        dossier_transition(user=personas.officer, code=slow.code, action="finish", note="OK")
    tally = CampaignTally.objects.get(campaign=campaign)
    assert (tally.received, tally.resolved_same_day, tally.resolved_later) == (2, 1, 1)
    assert Dossier.objects.get(pk=slow.pk).punctuality == Punctuality.LATE
