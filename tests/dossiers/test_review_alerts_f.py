"""Review F on the one-stop subsystem: officers hear of the dossier work that is theirs (a step landing in
their unit, the papers asked for arriving, a dossier filed online or by post, the deadline sweep), and a
pause for papers gives the applicant (and the history) the new appointment, counted in working days for
a limit in days."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from citydesk.core.models import Membership, Organisation, OrgKind
from citydesk.dossiers.models import Channel, Dossier, DossierEvent, Performer
from citydesk.dossiers.services import Applicant, Upload, dossier_receive, dossier_transition
from citydesk.dossiers.services.alerts import deadline_sweep
from citydesk.notifications.models import Notification
from tests.conftest import is_postgres
from tests.dossiers.conftest import at, make_procedure

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 test"
PERSONAL = ("0903123456", "an@example.vn", "079123456789", "12 Lê Lợi")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def at_time(moment: dt.datetime) -> Any:
    return mock.patch("django.utils.timezone.now", return_value=moment)


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("giay-to.pdf", PDF, content_type="application/pdf")


def inbox(user: Any, dossier: Dossier | None = None) -> list[Notification]:
    rows = Notification.objects.filter(recipient=user, channel="in_app").order_by("id")
    if dossier is not None:
        rows = rows.filter(subject__contains=dossier.code)
    return list(rows)


def officer_mail(dossier: Dossier) -> list[Notification]:
    """What went to officers about `dossier` (the applicant has no account in these tests)."""
    return list(Notification.objects.filter(channel="in_app", subject__contains=dossier.code).order_by("id"))


APPLICANT = Applicant(
    name="Nguyễn Văn An",
    phone="0903123456",
    email="an@example.vn",
    id_number="079123456789",
    address="12 Lê Lợi, Phường Bến Thành",
)


def assert_short_and_discreet(message: Notification, dossier: Dossier) -> None:
    text = f"{message.subject}\n{message.body}"
    assert dossier.code in message.subject
    assert dossier.procedure.name in message.body and "Nguyễn Văn An" in message.body
    assert f"/mot-cua/ho-so/{dossier.code}/" in message.body
    for private in PERSONAL:
        assert private not in text, private
    assert len(message.body) < 600


# --- 1. A step landing in another unit, or with another role --------------------------------------------


def test_an_inter_agency_step_is_announced_to_the_department(personas, catalog, receive):
    dossier = receive(catalog.land, applicant=APPLICANT)  # DD-01: step 2 is the department's
    with at_time(at(2026, 12, 7, 10, 0)):
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    step = dossier.current_step
    assert step.unit == personas.department
    sent = inbox(catalog.department_officer, dossier)
    assert len(sent) == 1
    assert_short_and_discreet(sent[0], dossier)
    assert "step 2" in sent[0].subject.lower() or "bước 2" in sent[0].subject.lower()
    assert step.name in sent[0].body and personas.department.name in sent[0].body
    assert timezone_text(step.due_at) in sent[0].body  # dd/mm/yyyy HH:MM
    assert inbox(personas.officer, dossier) == []  # not the one who forwarded it


def timezone_text(moment: dt.datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def test_a_step_in_a_unit_with_nobody_goes_to_the_leaders_above(personas, catalog, receive):
    """The demo's DD-01 goes to Sở Nông nghiệp và Môi trường, which has no account: the city's leaders are
    told rather than nobody."""
    Organisation.objects.create(
        code="79.SNNMT", name="Sở Nông nghiệp và Môi trường", kind=OrgKind.DEPARTMENT, parent=personas.city
    )
    land = make_procedure(
        "DD-02",
        "Chuyển mục đích sử dụng đất nông nghiệp",
        days=10,
        steps=[
            ("Tiếp nhận", Performer.RECEIVING_UNIT, "", "officer", 10),
            ("Thẩm định", Performer.DEPARTMENT, "SNNMT", "officer", 60),
            ("Phê duyệt", Performer.CITY, "", "leader", 30),
        ],
    )
    dossier = receive(land, applicant=APPLICANT)
    with at_time(at(2026, 12, 7, 10, 0)):
        dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    assert len(inbox(personas.leader, dossier)) == 1
    assert inbox(personas.admin, dossier) == []  # the administrator handles no dossier


def test_a_step_that_stays_with_the_same_hands_says_nothing_the_heads_approval_does(
    personas, catalog, receive
):
    dossier = receive(applicant=APPLICANT)  # HT-01: officer, officer, head, all at the ward
    with at_time(at(2026, 12, 7, 10, 0)):
        dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    assert officer_mail(dossier) == []
    with at_time(at(2026, 12, 7, 11, 0)):
        dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    sent = inbox(personas.head, dossier)
    assert len(sent) == 1 and "Phê duyệt" in sent[0].body
    assert inbox(personas.deputy, dossier) == []  # the step is the head's


# --- 1. Papers arriving, and dossiers filed online or by post --------------------------------------------


def test_the_papers_sent_by_the_applicant_are_announced_to_the_handling_officers(personas, catalog, receive):
    dossier = receive(applicant=APPLICANT)
    with at_time(at(2026, 12, 8, 9, 0)):
        dossier_transition(user=personas.officer, code=dossier.code, action="request_supplement", note="CCCD")
    assert officer_mail(dossier) == []
    paper = catalog.birth.documents.get(required=False)
    with at_time(at(2026, 12, 9, 9, 0)):
        dossier = dossier_transition(
            user=None,
            code=dossier.code,
            action="supplement_received",
            token=dossier.citizen_token,
            uploads=[Upload(document_id=paper.pk, file=pdf())],
        )
    sent = inbox(personas.officer, dossier)
    assert len(sent) == 1
    assert_short_and_discreet(sent[0], dossier)
    assert "11/12/2026 17:00" in sent[0].body  # the appointment the pause gave it


def test_a_dossier_filed_online_is_announced_to_the_desk_officers(personas, catalog):
    uploads = [Upload(document_id=d.pk, file=pdf()) for d in catalog.birth.documents.filter(required=True)]
    dossier = dossier_receive(
        user=personas.citizen,
        procedure_code=catalog.birth.code,
        unit_code=personas.ward.code,
        channel=Channel.ONLINE,
        applicant=APPLICANT,
        uploads=uploads,
        received_at=at(2026, 12, 7, 9, 0),
    ).dossier
    sent = inbox(personas.officer, dossier)
    assert len(sent) == 1
    assert_short_and_discreet(sent[0], dossier)
    assert "10/12/2026 17:00" in sent[0].body
    assert inbox(personas.head, dossier) == [] and inbox(personas.outsider, dossier) == []


def test_a_dossier_received_by_post_is_announced_to_the_other_desk_officers(personas, catalog, receive):
    dossier = receive(channel="post", user=personas.deputy, applicant=APPLICANT)
    assert len(inbox(personas.officer, dossier)) == 1
    assert inbox(personas.deputy, dossier) == []  # who entered it
    desk = receive(applicant=APPLICANT)  # at the desk the officer has it in hand
    assert officer_mail(desk) == []


# --- 1. The deadline sweep -------------------------------------------------------------------------------


def test_the_sweep_warns_then_escalates_each_step_and_the_dossier_once(personas, catalog, receive):
    dossier = receive(applicant=APPLICANT, when=at(2026, 12, 7, 9, 0))  # due Thu 10/12 17:00
    step = dossier.current_step
    assert step.due_at < dossier.due_at
    # Before the warning: nothing.
    assert sum(deadline_sweep(now=at(2026, 12, 7, 9, 30)).values()) == 0
    # Step 1 (due the same afternoon) is warned half its time ahead, once.
    warn_at = step.due_at - dt.timedelta(minutes=30)
    assert deadline_sweep(now=warn_at)["steps_warned"] == 1
    assert deadline_sweep(now=warn_at + dt.timedelta(minutes=5))["steps_warned"] == 0
    warned = inbox(personas.officer, dossier)
    assert len(warned) == 1 and timezone_text(step.due_at) in warned[0].subject
    assert_short_and_discreet(warned[0], dossier)
    # After its due time, the head of the ward is told, once.
    late = step.due_at + dt.timedelta(minutes=10)
    assert deadline_sweep(now=late)["steps_escalated"] == 1
    assert deadline_sweep(now=late + dt.timedelta(hours=1))["steps_escalated"] == 0
    assert len(inbox(personas.head, dossier)) == 1
    # The dossier's appointment: warned the same morning, escalated after it, once each.
    counts = deadline_sweep(now=at(2026, 12, 10, 10, 0))
    assert counts["warned"] == 1 and counts["steps_escalated"] == 0
    assert deadline_sweep(now=at(2026, 12, 10, 11, 0))["warned"] == 0
    counts = deadline_sweep(now=at(2026, 12, 11, 9, 0))
    assert counts["escalated"] == 1
    assert deadline_sweep(now=at(2026, 12, 11, 10, 0))["escalated"] == 0
    to_head = inbox(personas.head, dossier)
    assert len(to_head) == 2 and "10/12/2026 17:00" in to_head[-1].body
    assert_short_and_discreet(to_head[-1], dossier)
    # The history keeps what was sent (internal lines: the applicant does not see them).
    notes = DossierEvent.objects.filter(dossier=dossier, note_key__startswith="dossier.").exclude(
        note_key__in=["dossier.received"]
    )
    assert notes.count() == 4 and not notes.filter(public=True).exists()
    assert any("10/12/2026 17:00" in e.display_note for e in notes)


def test_an_overdue_dossier_goes_to_a_deputy_without_a_head_then_to_the_unit_above(
    personas, catalog, receive
):
    Membership.objects.filter(user=personas.head).update(is_active=False)
    dossier = receive(catalog.copy, applicant=APPLICANT)  # one step, due with the dossier
    deadline_sweep(now=at(2026, 12, 9, 9, 0))
    assert len(inbox(personas.deputy, dossier)) == 1 and inbox(personas.head, dossier) == []
    Membership.objects.filter(user=personas.deputy).update(is_active=False)
    other = receive(catalog.copy, applicant=APPLICANT)
    deadline_sweep(now=at(2026, 12, 9, 10, 0))
    assert len(inbox(personas.leader, other)) == 1


def test_the_sweep_skips_paused_dossiers_and_due_times_passed_before_the_last_run(personas, catalog, receive):
    paused = receive(catalog.copy, applicant=APPLICANT)
    with at_time(at(2026, 12, 7, 9, 30)):
        dossier_transition(user=personas.officer, code=paused.code, action="request_supplement", note="x")
    late = receive(catalog.copy, applicant=APPLICANT)
    # The run before looked after its due time passed: this one does not read it again.
    counts = deadline_sweep(now=at(2026, 12, 9, 9, 0), since=at(2026, 12, 9, 8, 0))
    assert counts["escalated"] == 0
    assert deadline_sweep(now=at(2026, 12, 9, 9, 0))["escalated"] == 1  # a run without `since`: all
    assert officer_mail(paused) == [] and len(officer_mail(late)) == 1


def test_the_sweep_reads_open_dossiers_by_their_due_time_indexes(personas, catalog, receive):
    for day in (7, 8):
        receive(when=at(2026, 12, day, 9, 0))
    deadline_sweep(now=at(2026, 12, 20, 9, 0))  # everything overdue, sent
    with CaptureQueriesContext(connection) as few:
        deadline_sweep(now=at(2026, 12, 20, 9, 5), since=at(2026, 12, 20, 9, 0))
    for day in (9, 10, 11):
        receive(when=at(2026, 12, day, 9, 0))
    deadline_sweep(now=at(2026, 12, 20, 9, 5))
    with CaptureQueriesContext(connection) as many:
        deadline_sweep(now=at(2026, 12, 20, 9, 10), since=at(2026, 12, 20, 9, 5))
    assert len(many) == len(few) <= 6  # nothing to send: as many queries whatever the dossiers
    if is_postgres():
        return
    plans = []
    with connection.cursor() as cursor:
        for query in many.captured_queries:
            if "due_at" in query["sql"]:
                cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
                plans.append(" ".join(str(row[-1]) for row in cursor.fetchall()))
    assert len(plans) == 4
    for plan in plans:
        assert "USING INDEX dossier" in plan and "SCAN dossiers_" not in plan, plan


def test_the_sweep_runs_in_the_worker_and_by_hand(personas, catalog, receive):
    from django_tasks_db.models import DBTaskResult

    from citydesk.dossiers import tasks

    out = StringIO()
    call_command("dossier-sweep", "--schedule", stdout=out)
    call_command("dossier-sweep", "--schedule", stdout=StringIO())
    waiting = DBTaskResult.objects.filter(task_path__endswith="dossier_sweep_task", status="READY")
    assert waiting.count() == 1
    from django.utils import timezone

    receive(catalog.copy, applicant=APPLICANT, when=timezone.now() - dt.timedelta(days=20))  # overdue
    waiting.delete()
    assert tasks.dossier_sweep_task.call()["escalated"] == 1
    # It scheduled the next run, which reads only what passes from now on.
    task = DBTaskResult.objects.get(task_path__endswith="dossier_sweep_task", status="READY")
    assert task.args_kwargs["kwargs"]["since"]
    out = StringIO()
    call_command("dossier-sweep", stdout=out)
    assert "0" in out.getvalue() and ":" in out.getvalue()


# --- 2. The appointment after a pause for papers ---------------------------------------------------------


def pause(personas: Any, dossier: Dossier, start: dt.datetime, end: dt.datetime, note: str = "") -> Dossier:
    with at_time(start):
        dossier_transition(user=personas.officer, code=dossier.code, action="request_supplement", note="CCCD")
    with at_time(end):
        return dossier_transition(
            user=personas.deputy, code=dossier.code, action="supplement_received", note=note
        )


def test_a_one_minute_wait_leaves_a_close_of_day_appointment_where_it_was(personas, catalog, receive):
    dossier = receive(applicant=APPLICANT)  # due Thu 10/12 17:00
    dossier = pause(personas, dossier, at(2026, 12, 8, 10, 0), at(2026, 12, 8, 10, 1))
    assert dossier.due_at == at(2026, 12, 10, 17, 0)  # not Fri 11/12 07:31


def test_a_wait_within_the_working_day_leaves_the_appointment_where_it_was(personas, catalog, receive):
    dossier = receive(applicant=APPLICANT)
    dossier = pause(personas, dossier, at(2026, 12, 8, 8, 0), at(2026, 12, 8, 16, 30))
    assert dossier.due_at == at(2026, 12, 10, 17, 0)
    assert dossier.current_step.due_at <= dossier.due_at  # no step due after the appointment


def test_a_wait_over_working_days_moves_the_appointment_by_as_many_days(personas, catalog, receive):
    dossier = receive(applicant=APPLICANT)
    # Tuesday 10:00 to Wednesday 9:00: one working day.
    dossier = pause(personas, dossier, at(2026, 12, 8, 10, 0), at(2026, 12, 9, 9, 0))
    assert dossier.due_at == at(2026, 12, 11, 17, 0)
    # Friday 16:00 to Monday 8:00 (a weekend): one working day more.
    dossier = pause(personas, dossier, at(2026, 12, 11, 16, 0), at(2026, 12, 14, 8, 0))
    assert dossier.due_at == at(2026, 12, 14, 17, 0)


def test_an_hours_limit_moves_by_the_whole_minutes_waited(personas, catalog, receive):
    dossier = receive(catalog.copy, when=at(2026, 12, 7, 8, 0))  # 4 working hours: due 12:00
    due = dossier.due_at
    dossier = pause(
        personas, dossier, at(2026, 12, 7, 9, 0), at(2026, 12, 7, 9, 0) + dt.timedelta(seconds=50)
    )
    assert dossier.due_at == due  # under a working minute: nothing moves
    dossier = pause(personas, dossier, at(2026, 12, 7, 10, 0), at(2026, 12, 7, 10, 20))
    assert dossier.due_at == due + dt.timedelta(minutes=20)


def test_the_applicant_and_the_history_are_given_the_new_appointment(personas, catalog, receive):
    dossier = receive(applicant=APPLICANT)
    dossier = pause(
        personas, dossier, at(2026, 12, 8, 10, 0), at(2026, 12, 9, 9, 0), note="Đã nhận bản sao CCCD"
    )
    told = Notification.objects.filter(address="an@example.vn", subject__contains=dossier.code).order_by(
        "-id"
    )[0]
    assert "11/12/2026 17:00" in told.body
    event = DossierEvent.objects.get(dossier=dossier, kind=DossierEvent.Kind.SUPPLEMENT_RECEIVED)
    assert "11/12/2026 17:00" in event.display_note and "Đã nhận bản sao CCCD" in event.display_note
    assert event.public


def test_the_warning_window_counts_office_hours(personas, catalog, receive):
    """Due Thursday 17:00 with 8 hours' warning: counted in office hours the warning comes once Wednesday's
    office closes (the officers read it Thursday morning); in clock hours it waited until 09:00 Thursday."""
    dossier = receive(applicant=APPLICANT, when=at(2026, 12, 7, 9, 0))  # due Thu 10/12 17:00
    assert dossier.due_at == at(2026, 12, 10, 17, 0)
    assert deadline_sweep(now=at(2026, 12, 9, 12, 0))["warned"] == 0  # Wednesday noon: more than a day left
    assert deadline_sweep(now=at(2026, 12, 9, 17, 30))["warned"] == 1  # after Wednesday's close
