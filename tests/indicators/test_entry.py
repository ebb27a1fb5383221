"""Entering values, the submission workflow, deadlines, reminders and plans; the entry pages."""

from __future__ import annotations

import datetime as dt
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from citydesk.core.errors import Conflict, DomainError, NotAllowed, NotFound
from citydesk.core.models import AuditEntry, CalendarOverride
from citydesk.indicators import services
from citydesk.indicators.models import DataValue, Finding, Plan, Submission
from citydesk.notifications.models import Notification
from tests.indicators.entry_fixtures import make_catalog

pytestmark = pytest.mark.django_db
P = "2026-03"


@pytest.fixture
def cat(personas):
    return make_catalog(personas)


def counts() -> tuple[int, int, int]:
    return DataValue.objects.count(), Submission.objects.count(), AuditEntry.objects.count()


def fill(personas, rev="100", firms="12"):
    return services.values_set_many(
        user=personas.officer, unit_code="26743", period=P, values={"REV": rev, "FIRMS": firms}
    )


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1.234,5", 1234.5),
        ("12,5", 12.5),
        ("1234.5", 1234.5),
        ("1.234.567", 1234567),
        (" 7 ", 7),
        ("1,234", 1.234),  # the comma is the decimal mark
        ("2.5", 2.5),  # a dot that cannot separate thousands is the decimal mark
        ("-3", -3),
        ("45%", 45),
        (3, 3.0),
    ],
)
def test_numbers_are_read_the_vietnamese_way(typed, expected):
    assert services.parse_number(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["abc", "", "1,2,3", "nan", "inf", "1.2.3,4,5", True, "1.234", "0.400", "1,234.5", "1,234,567"],
)
def test_not_a_number_is_refused(typed):
    with pytest.raises(ValueError):
        services.parse_number(typed)


# --- value_set: good and bad input ----------------------------------------------------------------


def test_value_set_stores_normalised_value_and_audits(personas, cat):
    before = AuditEntry.objects.count()
    row = services.value_set(
        user=personas.officer,
        indicator_code="REV",
        unit_code="26743",
        period=P,
        value="1.234,5",
        comment=" ok ",
    )
    assert (row.value, row.comment, row.period, row.period_type) == (1234.5, "ok", date(2026, 3, 1), "M")
    assert row.entered_by == personas.officer
    assert AuditEntry.objects.count() == before + 1
    sub = Submission.objects.get()
    assert sub.state == "draft" and sub.due_at is not None


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"value": "nhiều"}, DomainError, "value"),
        ({"indicator_code": "FIRMS", "value": "2,5"}, DomainError, "value"),
        ({"value": "-1"}, DomainError, "value"),
        ({"value": "2000000"}, DomainError, "value"),
        ({"period": "2026-Q1"}, DomainError, "period"),
        ({"period": "2026-13"}, DomainError, "period"),
        ({"indicator_code": "POOR", "period": "2026-03"}, DomainError, "period"),
        ({"indicator_code": "RPT"}, DomainError, "indicator"),
        ({"indicator_code": "PERFIRM"}, DomainError, "indicator"),
        ({"indicator_code": "NOPE"}, NotFound, "indicator"),
        ({"unit_code": "79"}, NotAllowed, None),  # the officer has no power over the city
        ({"unit_code": "99999"}, NotFound, "unit"),
    ],
)
def test_bad_input_changes_nothing(personas, cat, kwargs, error, field):
    args = {
        "user": personas.officer,
        "indicator_code": "REV",
        "unit_code": "26743",
        "period": P,
        "value": "5",
    }
    args.update(kwargs)
    before = counts()
    with pytest.raises(error) as info:
        services.value_set(**args)
    if field:
        assert info.value.field == field
    assert counts() == before


def test_unit_not_assigned_is_403(personas, cat):
    cat.revenue.reporting_units.set([personas.other_ward])
    before = counts()
    with pytest.raises(NotAllowed) as info:
        services.value_set(user=personas.officer, indicator_code="REV", unit_code="26743", period=P, value=1)
    assert info.value.status == 403 and info.value.field == "unit"
    assert counts() == before


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("operator", False),
        ("officer", True),
        ("deputy", True),
        ("head", True),
        ("leader", False),
        ("inspector", False),
        ("admin", False),
        ("citizen", False),
        ("outsider", False),
    ],
)
def test_who_enters(personas, cat, role, allowed):
    user = personas.all_roles()[role]
    if allowed:
        services.value_set(user=user, indicator_code="REV", unit_code="26743", period=P, value=1)
        assert DataValue.objects.count() == 1
    else:
        with pytest.raises(NotAllowed):
            services.value_set(user=user, indicator_code="REV", unit_code="26743", period=P, value=1)
        assert DataValue.objects.count() == 0


def test_values_set_many_is_all_or_nothing(personas, cat):
    fill(personas)
    before = counts()
    with pytest.raises(services.ValuesRejected) as info:
        services.values_set_many(
            user=personas.officer, unit_code="26743", period=P, values={"REV": "200", "FIRMS": "1,5"}
        )
    assert set(info.value.errors) == {"FIRMS"}
    assert counts() == before
    assert DataValue.objects.get(indicator=cat.revenue).value == 100


def test_blank_removes_a_value(personas, cat):
    fill(personas)
    services.values_set_many(user=personas.officer, unit_code="26743", period=P, values={"FIRMS": ""})
    assert list(DataValue.objects.values_list("indicator__code", flat=True)) == ["REV"]


# --- workflow ------------------------------------------------------------------------------------


def test_submit_needs_every_value(personas, cat):
    services.value_set(user=personas.officer, indicator_code="REV", unit_code="26743", period=P, value=1)
    with pytest.raises(DomainError) as info:
        services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period=P)
    assert info.value.field == "values" and "FIRMS" in info.value.message
    assert Submission.objects.get().state == "draft"


def test_full_workflow_and_locked_period(personas, cat):
    fill(personas)
    sub = services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period=P)
    assert sub.state == "submitted" and sub.version == 2 and sub.submitted_by == personas.officer
    before = counts()
    with pytest.raises(Conflict):
        services.value_set(user=personas.officer, indicator_code="REV", unit_code="26743", period=P, value=5)
    assert counts() == before
    # the ward's own head is not "a unit above"
    with pytest.raises(NotAllowed):
        services.submission_approve(user=personas.head, group_code="G01", unit_code="26743", period=P)
    with pytest.raises(DomainError) as info:
        services.submission_return(
            user=personas.leader, group_code="G01", unit_code="26743", period=P, note=" "
        )
    assert info.value.field == "note"
    sub = services.submission_return(
        user=personas.leader, group_code="G01", unit_code="26743", period=P, note="Kiểm tra lại REV"
    )
    assert sub.state == "returned" and sub.note == "Kiểm tra lại REV"
    services.value_set(user=personas.officer, indicator_code="REV", unit_code="26743", period=P, value=90)
    services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period=P)
    sub = services.submission_approve(user=personas.leader, group_code="G01", unit_code="26743", period=P)
    assert sub.state == "approved" and sub.approved_by == personas.leader
    sub = services.submission_lock(user=personas.leader, group_code="G01", unit_code="26743", period=P)
    assert sub.state == "locked"
    before = counts()
    with pytest.raises(Conflict):
        services.values_set_many(user=personas.officer, unit_code="26743", period=P, values={"REV": "1"})
    with pytest.raises(Conflict):
        services.submission_approve(user=personas.leader, group_code="G01", unit_code="26743", period=P)
    assert counts() == before
    actions = set(
        AuditEntry.objects.filter(object_type="indicators.submission").values_list("action", flat=True)
    )
    assert {
        "indicator.submission_submit",
        "indicator.submission_approve",
        "indicator.submission_lock",
        "indicator.submission_return",
    } <= actions


def test_stale_version_is_409(personas, cat):
    fill(personas)
    services.submission_submit(
        user=personas.officer, group_code="G01", unit_code="26743", period=P, version=1
    )
    with pytest.raises(Conflict) as info:
        services.submission_approve(
            user=personas.leader, group_code="G01", unit_code="26743", period=P, version=1
        )
    assert info.value.field == "version"
    assert Submission.objects.get().state == "submitted"


@pytest.mark.parametrize(
    ("role", "can_approve", "can_lock"),
    [
        ("officer", False, False),
        ("deputy", False, False),
        ("head", False, False),
        ("leader", True, True),
        ("operator", False, False),
        ("inspector", False, False),
        ("admin", False, False),
        ("citizen", False, False),
        ("outsider", False, False),
    ],
)
def test_who_approves_and_locks(personas, cat, role, can_approve, can_lock):
    user = personas.all_roles()[role]
    fill(personas)
    services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period=P)
    if can_approve:
        services.submission_approve(user=user, group_code="G01", unit_code="26743", period=P)
    else:
        with pytest.raises(NotAllowed):
            services.submission_approve(user=user, group_code="G01", unit_code="26743", period=P)
        services.submission_approve(user=personas.leader, group_code="G01", unit_code="26743", period=P)
    if can_lock:
        assert (
            services.submission_lock(user=user, group_code="G01", unit_code="26743", period=P).state
            == "locked"
        )
    else:
        with pytest.raises(NotAllowed):
            services.submission_lock(user=user, group_code="G01", unit_code="26743", period=P)
        assert Submission.objects.get().state == "approved"


def test_anomaly_warnings_need_an_explanation(personas, cat, monkeypatch):
    import sys
    import types

    from citydesk.indicators.findings import EntryHit

    def hits(**kw):
        if kw["value"] <= 1000:
            return []
        keys = ("indicator", "unit", "period_type", "period", "value")
        found = {k: kw[k] for k in keys}
        return [EntryHit(**found, expected=None, score=6.0, method="seasonal", explanation="gấp 3,8 lần")]

    fake = types.ModuleType("citydesk.indicators.anomalies")
    fake.entry_hits = hits
    monkeypatch.setitem(sys.modules, "citydesk.indicators.anomalies", fake)
    fill(personas, rev="5000")
    with pytest.raises(services.WarningsPending) as info:
        services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period=P)
    assert [w.indicator_code for w in info.value.warnings] == ["REV"]
    assert Submission.objects.get().state == "draft"
    sub = services.submission_submit(
        user=personas.officer,
        group_code="G01",
        unit_code="26743",
        period=P,
        explanation="Thu tiền đất một lần",
    )
    assert sub.state == "submitted" and sub.note == "Thu tiền đất một lần"
    # The explanation is on the value it explains too: a finding the unit has explained.
    (finding,) = Finding.objects.all()
    assert (finding.indicator.code, finding.state, finding.resolution) == ("REV", "explained", sub.note)


# --- deadlines and reminders -----------------------------------------------------------------------


def test_deadline_skips_the_april_holidays(db):
    # April 2026 ends on Thu 30/4 (Reunification Day); 1/5 is Labour Day, 2–3/5 a weekend:
    # the 5th working day after is Friday 8/5.
    due = services.due_at_for("M", date(2026, 4, 1))
    assert timezone.localtime(due).date() == date(2026, 5, 8)


def test_deadline_follows_an_official_day_off_and_the_setting(db, settings):
    CalendarOverride.objects.create(date=date(2026, 4, 3), kind="day_off", name="Nghỉ bù")
    settings.CITYDESK_INDICATOR_DEADLINE_WORKING_DAYS = 3
    # March 2026 ends Tue 31/3: 1/4, 2/4, (3/4 off), 6/4 → Monday 6/4.
    assert timezone.localtime(services.due_at_for("M", date(2026, 3, 1))).date() == date(2026, 4, 6)


def test_reminders_sent_once_a_day(personas, cat):
    services.value_set(user=personas.officer, indicator_code="REV", unit_code="26743", period=P, value=1)
    sub = Submission.objects.get()
    late = sub.due_at + dt.timedelta(days=1)
    assert services.indicator_reminders(now=late) >= 1
    sent = Notification.objects.filter(subject__contains="3/2026", body__contains="Bến Thành")
    assert {n.channel for n in sent} == {"in_app", "email"}
    # Everyone who enters the unit's figures: officers, the deputy head and the head (not the city's operator).
    assert set(sent.values_list("recipient__username", flat=True)) == {"officer", "deputy", "head"}
    n = sent.count()
    assert n == 6
    services.indicator_reminders(now=late + dt.timedelta(hours=1))
    assert sent.count() == n  # same day: nothing more
    services.indicator_reminders(now=late + dt.timedelta(days=1))
    assert Notification.objects.filter(recipient=personas.officer, subject__contains="3/2026").count() == 4


def test_no_reminder_before_the_deadline_or_after_submitting(personas, cat):
    fill(personas)
    sub = Submission.objects.get(period=date(2026, 3, 1))
    march = Notification.objects.filter(  # the reminders go to the unit (sending tells the approvers)
        subject__contains="3/2026",
        body__contains="Bến Thành",
        recipient__in=[personas.officer, personas.head],
    )
    services.indicator_reminders(now=sub.due_at - dt.timedelta(hours=1))
    assert not march.exists()
    services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period=P)
    services.indicator_reminders(now=sub.due_at + dt.timedelta(days=1))
    assert not march.exists()


def test_leader_reminds_once_a_day(personas, cat):
    services.value_set(user=personas.officer, indicator_code="REV", unit_code="26743", period=P, value=1)
    for user in (personas.officer, personas.head, personas.outsider):
        with pytest.raises(NotAllowed):
            services.submission_remind(user=user, group_code="G01", unit_code="26743", period=P)
    services.submission_remind(user=personas.leader, group_code="G01", unit_code="26743", period=P)
    assert Notification.objects.filter(recipient=personas.officer).count() == 2
    with pytest.raises(Conflict):
        services.submission_remind(user=personas.leader, group_code="G01", unit_code="26743", period=P)


# --- plans ---------------------------------------------------------------------------------------


def test_plan_revisions_keep_history(personas, cat):
    services.plan_set(
        user=personas.leader,
        indicator_code="REV",
        unit_code="26743",
        period="2026",
        value="120.000,5",
        note="NQ 01",
    )
    services.plan_set(
        user=personas.leader,
        indicator_code="REV",
        unit_code="26743",
        period="2026",
        value="13500",
        note="NQ 05",
    )
    history = services.plan_history(indicator_code="REV", unit_code="26743", period="2026")
    assert [(p.revision, p.value, p.note) for p in history] == [(2, 13500, "NQ 05"), (1, 120000.5, "NQ 01")]
    services.plan_set(
        user=personas.leader, indicator_code="REV", unit_code="26743", period="2026-Q2", value=3000
    )
    services.plan_set(
        user=personas.leader, indicator_code="REV", unit_code="26743", period="2026-04", value=1000
    )
    assert Plan.objects.count() == 4


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"value": "x"}, DomainError, "value"),
        ({"indicator_code": "POOR", "period": "2026-03"}, DomainError, "period"),
        ({"user": "officer"}, NotAllowed, None),
        ({"user": "outsider"}, NotAllowed, None),
        ({"user": "head"}, NotAllowed, None),
    ],
)
def test_plan_bad_input(personas, cat, kwargs, error, field):
    args = {
        "user": personas.leader,
        "indicator_code": "REV",
        "unit_code": "26743",
        "period": "2026",
        "value": 1,
    }
    if "user" in kwargs:
        kwargs["user"] = personas.all_roles()[kwargs["user"]]
    args.update(kwargs)
    with pytest.raises(error) as info:
        services.plan_set(**args)
    if field:
        assert info.value.field == field
    assert Plan.objects.count() == 0


# --- pages ---------------------------------------------------------------------------------------


def test_entry_pages(client, personas, cat):
    client.force_login(personas.officer)
    page = client.get(reverse("indicators_entry:choose"))
    assert page.status_code == 200 and b"26743" in page.content
    page = client.get(reverse("indicators_entry:choose"), {"group": "G01", "unit": "26743", "period": P})
    url = reverse("indicators_entry:form", args=["G01", "26743", P])
    assert page.status_code == 302 and page["Location"] == url
    # As the field shows it, month first: the same page (the address holds the period's key).
    page = client.get(
        reverse("indicators_entry:choose"), {"group": "G01", "unit": "26743", "period": "03/2026"}
    )
    assert page.status_code == 302 and page["Location"] == url
    page = client.get(url)
    assert page.status_code == 200 and b'name="v_REV"' in page.content and b'name="v_RPT"' not in page.content
    page = client.post(url, {"v_REV": "1.000,5", "v_FIRMS": "x", "action": "save"})
    assert page.status_code == 400 and b'data-testid="error-FIRMS"' in page.content
    assert b'data-testid="error-REV"' not in page.content and DataValue.objects.count() == 0
    page = client.post(url, {"v_REV": "1.000,5", "v_FIRMS": "3", "action": "submit", "version": "1"})
    assert page.status_code == 302
    assert (
        Submission.objects.get().state == "submitted"
        and DataValue.objects.get(indicator=cat.revenue).value == 1000.5
    )


def test_entry_form_hints_previous_and_last_year(client, personas, cat):
    DataValue.objects.create(
        indicator=cat.revenue, unit=personas.ward, period_type="M", period=date(2026, 2, 1), value=77
    )
    DataValue.objects.create(
        indicator=cat.revenue, unit=personas.ward, period_type="M", period=date(2025, 3, 1), value=55
    )
    client.force_login(personas.officer)
    page = client.get(reverse("indicators_entry:form", args=["G01", "26743", P]))
    text = page.content.decode()
    assert 'data-testid="previous-REV">77' in text and 'data-testid="last-year-REV">55' in text


@pytest.mark.parametrize("role", ["outsider", "leader", "citizen", "inspector", "operator"])
def test_entry_form_refused(client, personas, cat, role):
    client.force_login(personas.all_roles()[role])
    url = reverse("indicators_entry:form", args=["G01", "26743", P])
    assert client.get(url).status_code == 403
    assert client.post(url, {"v_REV": "1", "action": "save"}).status_code == 403
    assert DataValue.objects.count() == 0


def test_anonymous_is_sent_to_login(client, cat):
    assert client.get(reverse("indicators_entry:choose")).status_code == 302


def test_progress_and_review_pages(client, personas, cat):
    fill(personas)
    services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period=P)
    client.force_login(personas.leader)
    page = client.get(reverse("indicators_entry:progress"), {"period": P})
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="progress-G01-26743" data-state="submitted"' in text
    assert 'data-testid="progress-G01-26740" data-state="draft"' in text
    review = reverse("indicators_entry:review", args=["G01", "26743", P])
    assert client.get(review).status_code == 200
    assert client.post(review, {"action": "return", "note": "", "version": "2"}).status_code == 400
    assert client.post(review, {"action": "approve", "version": "1"}).status_code == 409
    assert client.post(review, {"action": "approve", "version": "2"}).status_code == 302
    assert Submission.objects.get(unit=personas.ward).state == "approved"
    client.force_login(personas.head)
    assert client.get(review).status_code == 403
    client.force_login(personas.officer)
    page = client.get(reverse("indicators_entry:progress"), {"period": P})
    assert b"progress-G01-26740" not in page.content and b"progress-G01-26743" in page.content


def test_remind_button(client, personas, cat):
    client.force_login(personas.leader)
    page = client.get(reverse("indicators_entry:progress"), {"period": "2025-01"})
    assert b'data-testid="remind"' in page.content  # long overdue
    post = client.post(
        reverse("indicators_entry:remind"), {"group": "G01", "unit": "26740", "period": "2025-01"}
    )
    assert post.status_code == 302
    assert Notification.objects.filter(recipient=personas.other_head).exists()
    client.force_login(personas.officer)
    post = client.post(
        reverse("indicators_entry:remind"), {"group": "G01", "unit": "26743", "period": "2025-01"}
    )
    assert post.status_code == 403


def test_remind_all_late_units_at_once(client, personas, cat):
    """About 45 late units, one button each: the leader reminds them together, each once a day as before."""
    client.force_login(personas.leader)
    url = reverse("indicators_entry:progress")
    page = client.get(url, {"period": "2025-01"}).content.decode()
    offered = page.count('data-testid="remind"')
    assert offered >= 2 and 'data-testid="remind-all"' in page
    before = AuditEntry.objects.filter(action="indicator.submission_remind").count()
    post = client.post(reverse("indicators_entry:remind_all"), {"period": "2025-01"})
    assert post.status_code == 302
    assert AuditEntry.objects.filter(action="indicator.submission_remind").count() == before + offered
    page = client.get(url, {"period": "2025-01"}).content.decode()
    assert 'data-testid="remind"' not in page and 'data-testid="remind-all"' not in page
    assert page.count('data-testid="reminded"') >= offered
    # Pressed again the same day: nobody is reminded twice.
    client.post(reverse("indicators_entry:remind_all"), {"period": "2025-01"})
    assert AuditEntry.objects.filter(action="indicator.submission_remind").count() == before + offered
    # An officer may not.
    client.force_login(personas.officer)
    client.post(reverse("indicators_entry:remind_all"), {"period": "2025-01"})
    assert AuditEntry.objects.filter(action="indicator.submission_remind").count() == before + offered


# --- What the pages say ----------------------------------------------------------------------------


def test_a_bad_period_is_not_called_a_missing_permission(client, personas, cat):
    client.force_login(personas.officer)
    for url in (
        reverse("indicators_entry:form", args=["G01", "26743", "2026-13"]),
        reverse("indicators_entry:review", args=["G01", "26743", "2026-13"]),
        reverse("indicators_entry:template") + "?group=G01&unit=26743&period=2026-13",
    ):
        page = client.get(url)
        assert page.status_code == 400, url
        names = [t.name for t in page.templates]
        assert "reports/forbidden.html" not in names and "indicators/dash_error.html" in names, url
        assert "2026-13" in page.content.decode()
    # A real refusal stays one.
    client.force_login(personas.outsider)
    page = client.get(reverse("indicators_entry:form", args=["G01", "26743", P]))
    assert page.status_code == 403 and "reports/forbidden.html" in [t.name for t in page.templates]


def test_approve_and_lock_say_what_was_done_to_what(client, personas, cat):
    fill(personas)
    services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period=P)
    client.force_login(personas.leader)
    review = reverse("indicators_entry:review", args=["G01", "26743", P])
    said = []
    for action, version in (("approve", "2"), ("lock", "3")):
        page = client.post(review, {"action": action, "version": version}, follow=True)
        (message,) = [str(m) for m in page.context["messages"]]
        said.append(message)
        assert cat.group.name in message and personas.ward.name in message, message
        assert "3/2026" in message and message != "Đã xong."
    assert said[0] != said[1]
    assert Submission.objects.get().state == "locked"


def test_an_officer_setting_targets_is_told_what_is_missing(personas, cat):
    with pytest.raises(NotAllowed) as info:
        services.plan_set(
            user=personas.officer, indicator_code="REV", unit_code="26743", period="2026", value=1
        )
    message = info.value.message
    assert personas.ward.name in message  # the targets of which unit
    assert personas.city.name in message  # where the power is needed


def test_entry_and_review_pages_write_numbers_the_vietnamese_way(client, personas, cat):
    for period, value in (
        (date(2026, 2, 1), 2343.14),
        (date(2025, 3, 1), 99999.0),
        (date(2026, 3, 1), 1234.5),
    ):
        DataValue.objects.create(
            indicator=cat.revenue, unit=personas.ward, period_type="M", period=period, value=value
        )
    DataValue.objects.create(
        indicator=cat.firms, unit=personas.ward, period_type="M", period=date(2026, 2, 1), value=7
    )
    client.force_login(personas.officer)
    html = client.get(reverse("indicators_entry:form", args=["G01", "26743", P])).content.decode()
    assert 'data-testid="previous-REV">2.343,1<' in html
    assert 'data-testid="last-year-REV">99.999,0<' in html
    assert 'data-testid="previous-FIRMS">7<' in html  # a whole-number indicator: no ",0"
    assert 'value="1234,5"' in html  # the input: the stored value, without thousands dots
    # Saving the form as shown keeps the stored value: the input is not rounded.
    DataValue.objects.filter(indicator=cat.revenue, period=date(2026, 3, 1)).update(value=1234.56)
    html = client.get(reverse("indicators_entry:form", args=["G01", "26743", P])).content.decode()
    assert 'value="1234,56"' in html
    services.values_set_many(user=personas.officer, unit_code="26743", period=P, values={"REV": "1234,56"})
    assert DataValue.objects.get(indicator=cat.revenue, period=date(2026, 3, 1)).value == 1234.56
    fill(personas, rev="99999")
    services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period=P)
    client.force_login(personas.leader)
    html = client.get(reverse("indicators_entry:review", args=["G01", "26743", P])).content.decode()
    assert 'data-testid="value-REV">99.999,0<' in html
    assert "99999,0" not in html
