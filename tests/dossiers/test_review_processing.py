"""Defects reviewers reproduced on the demo's dossier processing: the time waiting for papers charged to the
office, a step due after the dossier, additional papers "sent" through the API without a file, the demo
campaign breaking the same-day rule, 403 refusals without a field, and the receipt's fee and papers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from citydesk.core.calendar import current_calendar
from citydesk.dossiers.models import (
    Campaign,
    Dossier,
    DossierDocument,
    DossierEvent,
    Procedure,
    ProcedureDocument,
    Status,
)
from citydesk.dossiers.receipt import receipt_html
from citydesk.dossiers.services import common, dossier_transition
from citydesk.dossiers.services.campaigns import check_same_day_possible
from citydesk.dossiers.services.common import office_time_between, supplement_token
from citydesk.reports.services import report_pause, report_resume
from citydesk.reports.services.cases import moved_due
from tests.dossiers.conftest import at
from tests.reports.conftest import categories, submit_report  # noqa: F401  (the reports' fixture)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 ban sao CCCD"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def at_time(moment: dt.datetime) -> Any:
    return mock.patch("django.utils.timezone.now", return_value=moment)


def post_json(client: Any, path: str, data: dict, **headers: Any) -> Any:
    return client.post(path, json.dumps(data), content_type="application/json", **headers)


def version_of(dossier: Dossier) -> int:
    return Dossier.objects.get(pk=dossier.pk).version


# --- 1. The time waiting for the applicant's papers is not counted --------------------------------------


def test_ten_minutes_left_at_the_request_are_ten_minutes_after_the_papers_come():
    calendar = current_calendar()
    due = at(2026, 12, 10, 17, 0)  # Thursday's close: a limit in working days
    paused, resumed = at(2026, 12, 10, 16, 50), at(2026, 12, 11, 8, 0)
    assert calendar.due_after_pause(due, paused, resumed) == at(2026, 12, 11, 8, 10)
    # A few seconds' wait still leaves the due time where it was.
    assert calendar.due_after_pause(due, paused, paused + dt.timedelta(seconds=20)) == due


def test_repeated_short_waits_are_each_given_back():
    calendar = current_calendar()
    due = at(2026, 11, 27, 17, 0)  # Friday
    for start, end in ((9, 0), (10, 0)), ((10, 30), (11, 30)), ((13, 0), (14, 0)):
        paused, resumed = at(2026, 11, 25, *start), at(2026, 11, 25, *end)
        left = calendar.working_time_between(paused, due)
        due = calendar.due_after_pause(due, paused, resumed)
        assert calendar.working_time_between(resumed, due) == left
    assert due == at(2026, 11, 30, 10, 30)  # three office hours later: Monday, over the weekend


def test_a_wait_over_a_weekend_or_a_holiday_keeps_the_time_left():
    calendar = current_calendar()
    # Friday 16:00, due Tuesday 17:00: 17 office hours left; back on Monday 09:00.
    due, paused, resumed = at(2026, 12, 1, 17, 0), at(2026, 11, 27, 16, 0), at(2026, 11, 30, 9, 0)
    moved = calendar.due_after_pause(due, paused, resumed)
    assert moved == calendar.add_working_hours(resumed, dt.timedelta(hours=17)) == at(2026, 12, 2, 10, 0)
    # One hour left before Friday 13/2/2026's close, the papers come during Tết: due an hour into the
    # first working day after it.
    moved = calendar.due_after_pause(at(2026, 2, 13, 17, 0), at(2026, 2, 13, 16, 0), at(2026, 2, 18, 10, 0))
    assert moved == at(2026, 2, 23, 8, 30)


def test_a_wait_that_starts_after_the_due_time_gains_nothing():
    calendar = current_calendar()
    due, paused, resumed = at(2026, 12, 10, 17, 0), at(2026, 12, 14, 9, 0), at(2026, 12, 16, 9, 0)
    moved = calendar.due_after_pause(due, paused, resumed)
    assert moved < resumed  # still late, by as much as when the papers were asked for
    assert calendar.working_time_between(moved, resumed) == calendar.working_time_between(due, paused)
    assert calendar.due_after_pause(due, at(2026, 12, 12, 9, 0), at(2026, 12, 13, 9, 0)) == due  # weekend


def test_a_dossier_and_its_last_step_move_by_the_working_day_waited(personas, catalog, receive):
    dossier = receive(when=at(2026, 12, 7, 9, 0))  # HT-01, 3 working days: due Thursday 10/12 17:00
    assert dossier.due_at == at(2026, 12, 10, 17, 0)
    with at_time(at(2026, 12, 7, 10, 0)):
        dossier_transition(user=personas.officer, code=dossier.code, action="forward")
        dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    with at_time(at(2026, 12, 10, 16, 50)):
        dossier_transition(user=personas.head, code=dossier.code, action="request_supplement", note="CCCD")
    with at_time(at(2026, 12, 11, 8, 0)):
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="supplement_received")
    # A day-counted appointment moves by the working days waited (Thursday → Friday: one), to the close of
    # office (services.moves.due_after_wait): not Thursday 17:00, late the moment it resumed, nor 08:10.
    assert dossier.due_at == at(2026, 12, 11, 17, 0)
    step = dossier.steps.get(position=3)
    assert step.due_at == at(2026, 12, 11, 17, 0)  # the last step stays due with its dossier


def test_a_report_paused_for_the_reporter_keeps_its_time_left_too(personas, categories):  # noqa: F811
    report = submit_report(contact_email="dan@example.vn", contact_name="Nguyễn Văn Dân")
    type(report).objects.filter(pk=report.pk).update(due_at=at(2026, 11, 27, 17, 0))
    with at_time(at(2026, 11, 27, 16, 50)):
        report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
    with at_time(at(2026, 11, 30, 8, 0)):
        report_resume(user=personas.officer, code=report.code)
    report.refresh_from_db()
    assert report.due_at == at(2026, 11, 30, 8, 10)
    assert moved_due(at(2026, 11, 27, 17, 0), at(2026, 11, 25, 9, 0), at(2026, 11, 25, 12, 0)) == at(
        2026, 11, 30, 10, 0
    )


# --- 2. No step is due after the dossier (the citizen's appointment) ----------------------------------


def test_no_step_is_due_after_the_dossier_while_it_is_on_time(personas, catalog, receive):
    dossier = receive(when=at(2026, 12, 7, 9, 0))  # due Thursday 10/12 17:00
    with at_time(at(2026, 12, 10, 10, 0)):  # step 2's share (half the time) would end next week
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    assert dossier.current_step.due_at == dossier.due_at
    with at_time(at(2026, 12, 10, 16, 0)):  # the last step's share would end on Friday
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    assert dossier.current_step.position == 3 and dossier.current_step.due_at == at(2026, 12, 10, 17, 0)
    shares = [s.allotted_seconds for s in dossier.steps.order_by("position")]
    total = office_time_between(dossier.received_at, dossier.due_at)
    assert sum(shares) == total.total_seconds()


def test_a_middle_step_started_late_has_its_own_share(personas, catalog, receive):
    dossier = receive(when=at(2026, 12, 7, 9, 0))
    start = at(2026, 12, 14, 9, 0)  # the dossier is overdue when step 2 starts
    with at_time(start):
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    step = dossier.current_step
    share = dt.timedelta(seconds=step.allotted_seconds)
    assert step.due_at == current_calendar().add_working_hours(start, share) > dossier.due_at


def test_a_same_day_dossier_s_steps_end_by_its_close(personas, catalog, receive):
    campaign = Campaign.objects.create(
        name="C", start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 31)
    )
    campaign.procedures.add(catalog.birth)
    campaign.units.add(personas.ward)
    dossier = receive(when=at(2026, 12, 7, 14, 0))
    assert dossier.same_day and dossier.due_at == at(2026, 12, 7, 17, 0)
    assert dossier.steps.get(position=1).due_at <= dossier.due_at
    with at_time(at(2026, 12, 7, 14, 30)):
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    assert dossier.current_step.due_at <= dossier.due_at
    with at_time(at(2026, 12, 7, 16, 50)):
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    assert dossier.current_step.due_at == at(2026, 12, 7, 17, 0)  # not Tuesday morning


# --- 3. The applicant sends additional papers with their files --------------------------------------


def _asked_of_citizen(personas, receive) -> Dossier:
    dossier = receive(when=at(2026, 12, 7, 9, 0))
    Dossier.objects.filter(pk=dossier.pk).update(applicant=personas.citizen)
    dossier_transition(user=personas.officer, code=dossier.code, action="request_supplement", note="CCCD")
    return Dossier.objects.get(pk=dossier.pk)


def test_the_applicant_cannot_answer_a_request_without_papers(client, bearer, personas, catalog, receive):
    dossier = _asked_of_citizen(personas, receive)
    events = DossierEvent.objects.filter(dossier=dossier).count()
    r = post_json(
        client,
        f"/api/v1/dossiers/{dossier.code}/actions",
        {"action": "supplement_received", "version": dossier.version},
        **bearer(personas.citizen),
    )
    assert r.status_code == 400 and r.json()["field"] == "files"
    assert f"/api/v1/dossiers/{dossier.code}/supplement" in r.json()["detail"]
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.status == Status.SUPPLEMENT and after.paused_at is not None
    assert DossierEvent.objects.filter(dossier=dossier).count() == events
    # Nor with the citizen token, nor through the service.
    r = post_json(
        client,
        f"/api/v1/dossiers/{dossier.code}/actions",
        {"action": "supplement_received", "version": dossier.version, "token": dossier.citizen_token},
    )
    assert r.status_code == 400 and r.json()["field"] == "files"


def test_the_applicant_sends_the_papers_as_a_multipart_form(client, bearer, personas, catalog, receive):
    dossier = _asked_of_citizen(personas, receive)
    paper = catalog.birth.documents.get(position=2)
    url = f"/api/v1/dossiers/{dossier.code}/supplement"
    headers = bearer(personas.citizen)
    r = client.post(url, {"version": dossier.version}, **headers)
    assert r.status_code == 400 and r.json()["field"] == "files"
    bad = SimpleUploadedFile("a.txt", b"plain text", content_type="text/plain")
    r = client.post(url, {"version": dossier.version, f"doc_{paper.pk}": bad}, **headers)
    assert r.status_code == 400 and r.json()["field"] == "documents"
    other = ProcedureDocument.objects.exclude(procedure=catalog.birth).first()
    stray = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    r = client.post(url, {"version": dossier.version, f"doc_{other.pk}": stray}, **headers)
    assert r.status_code == 400 and r.json()["field"] == "documents"
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUPPLEMENT
    good = SimpleUploadedFile("cccd.pdf", PDF, content_type="application/pdf")
    r = client.post(
        url, {"version": dossier.version, "note": "Gửi bản sao", f"doc_{paper.pk}": good}, **headers
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "in_progress" and r.json()["view"] == "full"
    added = DossierDocument.objects.get(dossier=dossier, is_supplement=True)
    assert added.requirement_id == paper.pk and added.size == len(PDF)
    assert DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.SUPPLEMENT_RECEIVED).exists()


def test_the_key_of_the_request_s_link_opens_the_upload(client, personas, catalog, receive):
    dossier = _asked_of_citizen(personas, receive)
    paper = catalog.birth.documents.get(position=2)
    good = SimpleUploadedFile("cccd.pdf", PDF, content_type="application/pdf")
    r = client.post(
        f"/api/v1/dossiers/{dossier.code}/supplement",
        {"version": dossier.version, "token": supplement_token(dossier), f"doc_{paper.pk}": good},
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "in_progress" and r.json()["view"] == "public"


def test_an_officer_still_records_papers_handed_in_at_the_desk(client, bearer, personas, catalog, receive):
    dossier = _asked_of_citizen(personas, receive)
    r = post_json(
        client,
        f"/api/v1/dossiers/{dossier.code}/actions",
        {"action": "supplement_received", "version": dossier.version},
        **bearer(personas.officer),
    )
    assert r.status_code == 200 and r.json()["status"] == "in_progress"


def test_the_openapi_document_describes_the_upload(client):
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/dossiers/{code}/supplement"]["post"]
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert "version" in schema["properties"] and "^doc_[0-9]+$" in schema["patternProperties"]
    actions = document["paths"]["/api/v1/dossiers/{code}/actions"]["post"]["description"]
    assert "/dossiers/{code}/supplement" in actions


# --- 4. The demo campaign lists only procedures that can be promised the same day ---------------------


def test_the_demo_campaign_passes_the_same_day_rule(personas, catalog):
    from citydesk.dossiers.demo import seed_demo_dossiers

    Procedure.objects.filter(pk__in=[catalog.birth.pk, catalog.land.pk]).update(same_day=True)
    seed_demo_dossiers(count=2)
    campaign = Campaign.objects.get()
    listed = set(campaign.procedures.values_list("code", flat=True))
    assert catalog.land.code not in listed  # passed to Sở Xây dựng at step 2
    assert {catalog.birth.code, catalog.copy.code} <= listed
    check_same_day_possible(list(campaign.procedures.all()), list(campaign.units.all()), personas.city)


def test_the_seeded_demo_campaign_is_one_the_campaign_form_accepts(db):
    from citydesk.core.demo import seed_demo
    from citydesk.dossiers.demo import seed_demo_dossiers

    seed_demo()
    seed_demo_dossiers(count=3)
    campaign = Campaign.objects.get(name="Tháng cao điểm giải quyết hồ sơ trong ngày")
    listed = list(campaign.procedures.all())
    assert listed and "GD-01" not in {p.code for p in listed}  # passed to Sở GD&ĐT at step 2
    units = list(campaign.units.all())
    check_same_day_possible(listed, units, common.city_of(units[0]))


# --- 5. A 403 names its field --------------------------------------------------------------------------


def test_refusals_of_another_unit_s_officer_name_the_field(client, bearer, personas, catalog, receive):
    dossier = receive()
    r = post_json(
        client,
        f"/api/v1/dossiers/{dossier.code}/actions",
        {"action": "forward", "version": dossier.version},
        **bearer(personas.outsider),
    )
    assert r.status_code == 403 and r.json()["field"] == "step"
    intake = {
        "procedure": catalog.birth.code,
        "unit": personas.ward.code,
        "channel": "desk",
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": "0903123456",
        "documents": [d.pk for d in catalog.birth.documents.all() if d.required],
    }
    r = post_json(client, "/api/v1/dossiers", intake, **bearer(personas.outsider))
    assert r.status_code == 403 and r.json()["field"] == "unit"


# --- 6. The receipt says whether the fee is paid, prints the code once, lists the papers as the checklist


def test_the_receipt_says_whether_the_fee_is_paid(personas, catalog, receive):
    dossier = receive(catalog.land)
    assert dossier.fee == 100_000
    with translation.override("en"):
        unpaid = receipt_html(dossier, list(dossier.documents.all()))
    assert 'data-testid="fee">100,000 VND, not paid yet<' in unpaid
    dossier.paid_at = at(2026, 12, 7, 9, 10)
    with translation.override("en"):
        paid = receipt_html(dossier, list(dossier.documents.all()))
    assert 'data-testid="fee">100,000 VND, paid on 07/12/2026<' in paid
    vietnamese = receipt_html(dossier, list(dossier.documents.all()))
    assert vietnamese.count("Mã hồ sơ") == 1


def test_the_receipt_lists_the_papers_as_the_checklist_has_them(personas, catalog, receive):
    form, copy = catalog.birth.documents.order_by("position")
    ProcedureDocument.objects.filter(pk=copy.pk).update(copies="01 bản sao")
    dossier = receive(provided=[form.pk, copy.pk])
    ProcedureDocument.objects.filter(pk=form.pk).update(position=3)  # the checklist reordered
    page = receipt_html(dossier, list(dossier.documents.all()))
    assert page.index("Bản sao CCCD") < page.index("Tờ khai")
    assert "Bản sao CCCD (01 bản sao)" in page


@pytest.mark.parametrize("name", ["doc_²", "doc_١٢", "doc_1234567890123", "doc_", "file"])
def test_a_file_part_not_named_by_a_paper_id_is_a_400(client, bearer, personas, catalog, receive, name):
    dossier = _asked_of_citizen(personas, receive)
    pdf = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    r = client.post(
        f"/api/v1/dossiers/{dossier.code}/supplement",
        {"version": dossier.version, name: pdf},
        **bearer(personas.citizen),
    )
    assert r.status_code == 400 and r.json()["field"] == "documents", r.content
