"""Intake, routing, workflow moves, concurrency, duplicates, rating and deadlines."""

from datetime import timedelta

import pytest
from django.utils import timezone

from citydesk.core.errors import Conflict, DomainError, NotAllowed
from citydesk.core.models import AuditEntry
from citydesk.notifications.models import Notification
from citydesk.reports.duplicates import find_candidates
from citydesk.reports.models import Follower, Report, ReportEvent, RoutingRule
from citydesk.reports.services import (
    report_merge,
    report_note,
    report_pause,
    report_rate,
    report_resume,
    report_submit,
    report_transition,
    report_unmerge,
    sla_sweep,
)

from .conftest import BEN_THANH, submit_report

pytestmark = pytest.mark.django_db


def submit(**kwargs):
    return submit_report(**({"contact_email": "dan@example.vn", "contact_name": "Nguyễn Văn Dân"} | kwargs))


def test_submit_routes_to_the_ward_and_sets_deadlines(personas, categories):
    report = submit()
    assert report.code.startswith("PA-") and len(report.code) == len("PA-26-000001")
    assert report.ward.code == "26743"
    assert report.unit == personas.ward
    assert report.status == "received"
    assert report.triage_due_at < report.due_at
    assert report.events.filter(kind="status", to_status="received").exists()
    assert Follower.objects.filter(report=report, email="dan@example.vn").exists()
    assert AuditEntry.objects.filter(action="report.submit", object_id=report.code).exists()
    ack = Notification.objects.get(channel="email")
    assert report.code in ack.subject and report.citizen_token in ack.body


def test_codes_are_sequential(personas, categories):
    first, second = submit(), submit(description="Ổ gà thứ hai")
    assert int(second.code[-6:]) == int(first.code[-6:]) + 1


def test_sector_category_goes_to_the_department(personas, categories):
    report = submit(category="street_lighting", description="Đèn đường hỏng")
    assert report.unit == personas.department


def test_admin_rule_overrides_default_routing(personas, categories):
    RoutingRule.objects.create(
        priority=1, category=categories["road"], area=personas.ward.admin_unit, target=personas.department
    )
    assert submit().unit == personas.department


def test_idempotency_key_returns_the_same_report(personas, categories):
    first = report_submit(
        category="road_damage",
        description="x",
        channel="app",
        lon=BEN_THANH[0],
        lat=BEN_THANH[1],
        idempotency_scope="anon",
        idempotency_key="k-1",
    )
    again = report_submit(
        category="road_damage",
        description="x",
        channel="app",
        lon=BEN_THANH[0],
        lat=BEN_THANH[1],
        idempotency_scope="anon",
        idempotency_key="k-1",
    )
    assert first.created and not again.created
    assert again.report.pk == first.report.pk
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"category": "nope"}, "category"),
        ({"category": "land"}, "category"),
        ({"category": None}, "category"),
        ({"description": " "}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"lon": 2.35, "lat": 48.85}, "lat"),  # both outside: the latitude is named first
        ({"lon": 106.7, "lat": 48.85}, "lat"),
        ({"lat": None}, "lat"),
        ({"lon": None, "lat": None, "address": ""}, "address"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_email": "not-an-email"}, "contact_email"),
        ({"answers": {"depth_cm": "sâu"}}, "answers.depth_cm"),
        ({"answers": {"colour": "red"}}, "answers"),
        ({"ward_code": "99999"}, "ward_code"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_bad_intake_is_refused_and_nothing_stored(personas, categories, kwargs, field):
    with pytest.raises(DomainError) as err:
        submit(**kwargs)
    assert err.value.field == field
    assert not Report.objects.exists()
    assert not Notification.objects.exists()


def test_address_only_with_a_ward(personas, categories):
    report = submit(lon=None, lat=None, address="12 Lê Lợi", ward_code="26743")
    assert report.unit == personas.ward and report.lon is None


def test_full_workflow(personas, categories):
    report = submit()
    head = personas.head
    report = report_transition(user=head, code=report.code, action="classify", version=report.version)
    report = report_transition(
        user=head, code=report.code, action="assign", assignee="officer", version=report.version
    )
    assert report.assignee == personas.officer
    report = report_transition(
        user=personas.officer, code=report.code, action="start", version=report.version
    )
    report = report_transition(
        user=personas.officer,
        code=report.code,
        action="resolve",
        resolution="Đã vá ổ gà bằng bê tông nhựa.",
        version=report.version,
    )
    assert report.status == "resolved" and report.resolved_at
    statuses = list(report.events.filter(kind="status").values_list("to_status", flat=True))
    assert statuses == ["received", "classified", "assigned", "in_progress", "resolved"]
    assert Notification.objects.filter(subject__contains=report.code, channel="email").count() == 2
    # The citizen confirms with the token from the acknowledgement: closed, rated.
    report = report_rate(code=report.code, level="satisfied", token=report.citizen_token)
    assert report.status == "closed"


def test_stale_version_gets_a_conflict(personas, categories):
    report = submit()
    report_transition(user=personas.head, code=report.code, action="classify", version=1)
    with pytest.raises(Conflict) as err:
        report_transition(user=personas.deputy, code=report.code, action="reject", reason="spam", version=1)
    assert err.value.status == 409
    assert Report.objects.get(pk=report.pk).status == "classified"


def test_moves_outside_the_table_are_refused(personas, categories):
    report = submit()
    with pytest.raises(Conflict):
        report_transition(user=personas.officer, code=report.code, action="resolve", resolution="x")
    with pytest.raises(DomainError):
        report_transition(user=personas.head, code=report.code, action="teleport")


def test_officer_of_another_ward_cannot_act(personas, categories):
    report = submit()
    for user in (personas.outsider, personas.other_head, personas.citizen, personas.inspector):
        with pytest.raises(NotAllowed):
            report_transition(user=user, code=report.code, action="classify")
        with pytest.raises(NotAllowed):
            report_note(user=user, code=report.code, text="x")


def test_reject_transfer_and_reroute_on_category_change(personas, categories):
    report = submit()
    with pytest.raises(DomainError) as err:
        report_transition(user=personas.head, code=report.code, action="transfer", target_unit="26740")
    assert err.value.field == "note"
    report = report_transition(
        user=personas.head,
        code=report.code,
        action="transfer",
        target_unit="26740",
        note="Vị trí thuộc phường Sài Gòn",
    )
    assert report.unit == personas.other_ward and report.status == "transferred"
    # The receiving ward reclassifies as street lighting: re-routed to the department.
    report = report_transition(
        user=personas.other_head, code=report.code, action="classify", category="street_lighting"
    )
    assert report.unit == personas.department
    report = report_transition(
        user=personas.department_head,
        code=report.code,
        action="reject",
        reason="out_of_scope",
        note="Thuộc thẩm quyền đơn vị điện lực",
    )
    assert report.status == "rejected"
    public = report.events.filter(public=True, kind="status").last()
    assert "Thuộc thẩm quyền" in public.display_note


def test_unsatisfied_rating_reopens_within_the_window(personas, categories, settings):
    report = submit()
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report = report_transition(
        user=personas.officer, code=report.code, action="resolve", resolution="Đã xử lý"
    )
    with pytest.raises(NotAllowed):
        report_rate(code=report.code, level="unsatisfied", token="wrong")
    report = report_rate(
        code=report.code, level="unsatisfied", comment="Vẫn còn ổ gà", reopen=True, token=report.citizen_token
    )
    assert report.status == "reopened" and report.reopen_count == 1
    with pytest.raises(Conflict):
        report_rate(code=report.code, level="satisfied", token=report.citizen_token)


def test_duplicates_by_place_and_category(personas, categories):
    first = submit()
    near = find_candidates(
        category=categories["road"],
        lon=BEN_THANH[0] + 0.0002,
        lat=BEN_THANH[1],
        description="ổ gà chợ Bến Thành",
    )
    assert [c.report.code for c in near] == [first.code]
    assert near[0].distance_m < 30
    far = find_candidates(category=categories["road"], lon=BEN_THANH[0] + 0.01, lat=BEN_THANH[1])
    assert far == []
    other_category = find_candidates(category=categories["lighting"], lon=BEN_THANH[0], lat=BEN_THANH[1])
    assert other_category == []


def test_merge_and_unmerge(personas, categories):
    master = submit()
    dup = submit(description="Ổ gà", contact_email="khac@example.vn")
    report_merge(user=personas.head, code=dup.code, into=master.code)
    dup.refresh_from_db()
    assert dup.status == "rejected" and dup.duplicate_of == master
    assert Follower.objects.filter(report=master, email="khac@example.vn").exists()
    report_unmerge(user=personas.head, code=dup.code)
    dup.refresh_from_db()
    assert dup.status == "received" and dup.duplicate_of is None
    assert not Follower.objects.filter(report=master, email="khac@example.vn").exists()


def test_unmerge_refuses_a_stranger_before_saying_anything_of_the_report(personas, categories):
    """An officer of another unit is refused as such, not told whether the report is merged."""
    lone = submit()
    with pytest.raises(NotAllowed):
        report_unmerge(user=personas.outsider, code=lone.code)
    with pytest.raises(Conflict):  # the unit's own head is told why
        report_unmerge(user=personas.head, code=lone.code)


def test_merge_only_into_a_live_report_of_the_same_problem_the_user_may_see(personas, categories):
    from citydesk.core.errors import DomainError, NotAllowed

    master = submit()
    dup = submit(description="Ổ gà", contact_email="khac@example.vn")
    # Another ward's report, not public: the head cannot see it, so cannot merge into it (nor learn it exists).
    elsewhere = submit(
        description="Ổ gà ở phường khác", ward_code="26740", lon=None, lat=None, address="1 Hàm Nghi"
    )
    Report.objects.filter(pk=elsewhere.pk).update(unit=personas.other_ward, is_public=False)
    with pytest.raises(DomainError) as hidden:  # the same refusal as an unknown code
        report_merge(user=personas.head, code=dup.code, into=elsewhere.code)
    assert hidden.value.field == "into" and hidden.value.status == 400
    # A different category is a different problem.
    lamp = submit(category="street_lighting", description="Đèn đường hỏng")
    with pytest.raises(DomainError) as wrong:
        report_merge(user=personas.head, code=dup.code, into=lamp.code)
    assert wrong.value.field == "into"
    # A closed or rejected report takes no more followers.
    Report.objects.filter(pk=master.pk).update(status="closed")
    with pytest.raises(DomainError) as closed:
        report_merge(user=personas.head, code=dup.code, into=master.code)
    assert closed.value.field == "into"
    # Someone without the power to assign learns nothing either.
    with pytest.raises(NotAllowed):
        report_merge(user=personas.outsider, code=dup.code, into=elsewhere.code)
    dup.refresh_from_db()
    assert dup.status == "received" and dup.duplicate_of is None
    assert not Follower.objects.filter(report=master, email="khac@example.vn").exists()


def test_refusals_name_things_as_officers_see_them(personas, categories):
    from django.utils import translation

    from citydesk.core.errors import Conflict, DomainError

    report = submit()
    with translation.override("en"):
        for action, extra, field in [
            ("assign", {"assignee": ""}, "assignee"),
            ("transfer", {"target_unit": None, "note": "x"}, "target_unit"),
            ("reject", {"reason": None}, "reason"),
        ]:
            with pytest.raises(DomainError) as refused:
                report_transition(user=personas.head, code=report.code, action=action, **extra)
            assert refused.value.field == field
            assert "None" not in refused.value.message and "out_of_scope" not in refused.value.message
        with pytest.raises(Conflict) as conflict:
            report_transition(user=personas.officer, code=report.code, action="start")
        assert "“start handling”" in conflict.value.message and "“start”" not in conflict.value.message


def test_a_report_paused_in_time_is_not_overdue_anywhere(client, personas, categories):
    from citydesk.reports.selectors import QueueFilters, queue, unit_figures

    running = submit()
    paused = submit(description="Chờ người dân bổ sung ảnh", contact_phone="0901234567")
    report_pause(user=personas.officer, code=paused.code, note="Xin ảnh chụp rõ hơn")
    now = timezone.now()
    Report.objects.filter(pk__in=[running.pk, paused.pk]).update(due_at=now - timedelta(hours=2))
    # Paused three hours ago, an hour before its due time: the clock stopped in time.
    Report.objects.filter(pk=paused.pk).update(paused_at=now - timedelta(hours=3))
    overdue = queue(personas.head, QueueFilters(status="overdue"))
    assert [r.code for r in overdue] == [running.code]
    figures = unit_figures(since=now - timedelta(days=1), until=now + timedelta(days=1))
    assert [f.overdue for f in figures] == [1]
    assert sla_sweep(now=now)["escalated"] == 1  # the sweep, which the operations center counts, agrees
    running.refresh_from_db()
    paused.refresh_from_db()
    assert running.is_overdue(now) and not paused.is_overdue(now)


def test_pause_moves_the_deadline(personas, categories):
    report = submit()
    due = report.due_at
    report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
    # Two weeks always hold office time (two days may not: a weekend).
    Report.objects.filter(pk=report.pk).update(paused_at=timezone.now() - timedelta(days=14))
    report = report_resume(user=personas.officer, code=report.code)
    assert report.due_at > due


def test_sla_sweep_warns_escalates_and_closes(personas, categories):
    soon = submit()
    late = submit(description="Ổ gà khác")
    done = submit(description="Đã xong")
    now = timezone.now()
    Report.objects.filter(pk=soon.pk).update(due_at=now + timedelta(hours=1))
    Report.objects.filter(pk=late.pk).update(due_at=now - timedelta(hours=1))
    Report.objects.filter(pk=done.pk).update(status="resolved", resolved_at=now - timedelta(days=30))
    assert sla_sweep(now=now) == {
        "warned": 1,
        "escalated": 1,
        "auto_closed": 1,
        "triage_warned": 0,
        "triage_escalated": 0,
    }
    assert sla_sweep(now=now) == {
        "warned": 0,
        "escalated": 0,
        "auto_closed": 0,
        "triage_warned": 0,
        "triage_escalated": 0,
    }
    escalation = Notification.objects.get(subject__contains=late.code, recipient=personas.head)
    assert "quá hạn" in escalation.subject or "overdue" in escalation.subject
    assert Report.objects.get(pk=done.pk).status == "closed"
    assert ReportEvent.objects.filter(report=late, kind="sla").exists()


def test_reclassifying_never_shortens_the_deadline_and_a_longer_one_counts_from_the_filing(
    personas, categories
):
    from citydesk.core.calendar import current_calendar

    road = submit()  # 5 working days
    given = road.due_at
    road = report_transition(
        user=personas.head, code=road.code, action="classify", category="street_lighting"
    )
    assert road.due_at == given  # 3 working days would have made it due earlier: the date given stands
    lamp = submit(category="street_lighting", description="Đèn đường hỏng")
    lamp = report_transition(
        user=personas.department_head, code=lamp.code, action="classify", category="road_damage"
    )
    assert lamp.due_at == current_calendar().due(lamp.created_at, 5) > lamp.created_at
    # The followers told of the re-route learn the new deadline too.
    message = Notification.objects.filter(body__contains=personas.ward.name, address="dan@example.vn").last()
    assert message is not None and timezone.localtime(lamp.due_at).strftime("%d/%m/%Y %H:%M") in message.body


def test_reclassifying_a_reopened_report_counts_from_the_reopening(personas, categories):
    from citydesk.core.calendar import current_calendar

    report = submit()
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=report.code, action="resolve", resolution="Đã vá")
    reopened = report_rate(
        code=report.code, level="unsatisfied", comment="Vẫn còn", reopen=True, token=report.citizen_token
    )
    began = reopened.events.filter(to_status="reopened").last().at
    # Filed long ago, and (say) a short deadline at the reopening: the new category's 3 working days count
    # from the reopening, not from the filing 60 days ago.
    Report.objects.filter(pk=report.pk).update(
        created_at=began - timedelta(days=60), due_at=began + timedelta(hours=1)
    )
    after = report_transition(
        user=personas.head, code=report.code, action="classify", category="street_lighting"
    )
    assert after.due_at == current_calendar().due(began, 3) > began + timedelta(hours=1)


@pytest.mark.parametrize(
    ("channel", "asked"), [("web", True), ("app", True), ("hotline", False), ("email", False)]
)
def test_a_required_question_blocks_only_the_channels_that_ask_it(personas, categories, channel, asked):
    """The web form, the app and Open311 ask the category's questions; the hotline and e-mail do not, so a
    required question must not stop a caller's report there (the operator has no field to answer it)."""
    road = categories["road"]
    road.questions = [{"code": "depth_cm", "label": "Độ sâu (cm)", "type": "number", "required": True}]
    road.save()
    if asked:
        with pytest.raises(DomainError) as refused:
            submit(channel=channel)
        assert refused.value.field == "answers.depth_cm"
        assert not Report.objects.exists()
        assert submit(channel=channel, answers={"depth_cm": "12"}).answers == {"depth_cm": 12}
    else:
        assert submit(channel=channel).answers == {}
        with pytest.raises(DomainError):  # an answer given is still checked
            submit(channel=channel, answers={"depth_cm": "nope"})
