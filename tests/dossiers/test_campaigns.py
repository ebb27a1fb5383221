"""Same-day campaigns, the backlog, the targets: services, figures, pages, API, and counters == rebuild."""

from __future__ import annotations

import datetime as dt
import random
import re
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import path

from citydesk.core.bulkload import WorkClock
from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.core.models import AuditEntry
from citydesk.dossiers import stats
from citydesk.dossiers.counters import rebuild_counts
from citydesk.dossiers.models import (
    Campaign,
    CampaignBaseline,
    CampaignTally,
    Dossier,
    DossierMonth,
    Target,
)
from citydesk.dossiers.services import Applicant, dossier_transition
from citydesk.dossiers.services.campaigns import campaign_create, campaign_update, target_set
from citydesk.lib.text import search_key
from tests.dossiers.conftest import at

pytestmark = pytest.mark.django_db


# --- The API router: at /api/v1/ once the site mounts it; until then on a test API of its own -----


def _mounted() -> bool:
    from citydesk.api import api
    from citydesk.dossiers.api_stats import router

    return any(r is router for _prefix, r in api._routers)


def _test_urls() -> list:
    from ninja import NinjaAPI
    from ninja.errors import AuthenticationError, ValidationError

    from citydesk.api import AUTH, Utf8JSONRenderer, on_auth_error, on_domain_error, on_validation_error
    from citydesk.core.errors import DomainError as Refusal
    from citydesk.dossiers.api_stats import router

    api = NinjaAPI(urls_namespace="campaigns_test_api", auth=AUTH, renderer=Utf8JSONRenderer())
    api.add_exception_handler(Refusal, on_domain_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(AuthenticationError, on_auth_error)
    api.add_router("/", router)
    from citydesk.urls import urlpatterns as site

    return [path("api/v1/", api.urls), *site]


urlpatterns = [] if _mounted() else _test_urls()


@pytest.fixture
def api_urls(settings):
    if not _mounted():
        settings.ROOT_URLCONF = __name__
    return "/api/v1"


# --- Helpers --------------------------------------------------------------------------------------


@contextmanager
def clock(moment: dt.datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def finish(dossier: Dossier, personas, when: dt.datetime, *, by=None) -> Dossier:
    """Walk a dossier through every step and finish it at `when` (the step roles pick the user)."""
    users = {"officer": by or personas.officer, "head": personas.head, "deputy": personas.deputy}
    if by is not None:
        users["head"] = {personas.outsider.pk: personas.other_head}.get(by.pk, personas.head)
    with clock(when):
        while True:
            dossier.refresh_from_db()
            step = dossier.current_step
            last = not dossier.steps.filter(position__gt=step.position).exists()
            action = "finish" if last else "forward"
            dossier = dossier_transition(
                user=users[step.role], code=dossier.code, action=action, note="Đã có kết quả"
            )
            if last:
                return dossier


def act(dossier: Dossier, user, action: str, when: dt.datetime, note: str = "Lý do") -> Dossier:
    with clock(when):
        return dossier_transition(user=user, code=dossier.code, action=action, note=note)


def december_campaign(personas, catalog, **changes) -> Campaign:
    values = {
        "user": personas.leader,
        "name": "Tháng giải quyết trong ngày",
        "start_date": dt.date(2026, 12, 1),
        "end_date": dt.date(2026, 12, 31),
        "procedure_codes": [catalog.birth.code, catalog.copy.code],
        "unit_codes": [personas.ward.code],
    }
    values.update(changes)
    return campaign_create(**values)


# --- Campaign services ----------------------------------------------------------------------------


def test_leader_defines_a_campaign_that_intake_then_applies(personas, catalog, receive):
    campaign = december_campaign(personas, catalog)
    assert set(campaign.procedures.values_list("code", flat=True)) == {"HT-01", "CT-01"}
    assert list(campaign.units.all()) == [personas.ward]
    entry = AuditEntry.objects.get(action="campaign.create", object_id=str(campaign.pk))
    assert entry.actor_id == personas.leader.pk and entry.after["units"] == [personas.ward.code]
    # The intake rule then gives the same working day (15:00 cutoff) to listed procedures.
    before = receive(when=at(2026, 12, 7, 14, 0))
    after_cutoff = receive(when=at(2026, 12, 7, 15, 30))
    elsewhere = receive(
        when=at(2026, 12, 7, 9, 0), unit_code=personas.other_ward.code, user=personas.outsider
    )
    assert before.campaign_id == campaign.pk and before.due_at == at(2026, 12, 7, 17, 0)
    assert after_cutoff.due_at == at(2026, 12, 8, 17, 0)
    assert elsewhere.campaign_id is None and elsewhere.due_at == at(2026, 12, 10, 17, 0)


@pytest.mark.parametrize(
    "role", ["operator", "officer", "deputy", "head", "inspector", "admin", "citizen", "outsider"]
)
def test_only_the_citys_leadership_defines_campaigns(personas, catalog, role):
    with pytest.raises(NotAllowed):
        december_campaign(personas, catalog, user=personas.all_roles()[role])
    assert Campaign.objects.count() == 0


def test_department_head_and_other_ward_head_and_anonymous_are_refused(personas, catalog):
    from django.contrib.auth.models import AnonymousUser

    for user in (personas.department_head, personas.other_head, AnonymousUser(), None):
        with pytest.raises(NotAllowed):
            december_campaign(personas, catalog, user=user)
    assert Campaign.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"start_date": "2026-13-01"}, "start_date"),
        ({"start_date": ""}, "start_date"),
        ({"end_date": dt.date(2026, 11, 30)}, "end_date"),
        ({"start_date": "0001-01-01"}, "start_date"),  # outside the calendar's holiday data
        ({"end_date": "9999-12-31"}, "end_date"),
        ({"procedure_codes": []}, "procedure_codes"),
        ({"procedure_codes": ["HT-01", "XX-99"]}, "procedure_codes"),
        ({"procedure_codes": ["DD-01"]}, "procedure_codes"),  # inter-agency: ward → department → city
        ({"unit_codes": []}, "unit_codes"),
        ({"unit_codes": ["99999"]}, "unit_codes"),
        ({"unit_codes": ["79.TTTP"]}, "unit_codes"),  # the inspectorate receives no dossiers
    ],
)
def test_bad_campaign_input_names_the_field_and_stores_nothing(personas, catalog, changes, field):
    with pytest.raises(DomainError) as exc:
        december_campaign(personas, catalog, **changes)
    assert exc.value.field == field
    assert Campaign.objects.count() == 0
    assert not AuditEntry.objects.filter(action="campaign.create").exists()


def test_update_stops_a_campaign_and_resets_the_backlog_baseline(personas, catalog):
    campaign = december_campaign(personas, catalog)
    CampaignBaseline.objects.create(campaign=campaign, unit=personas.other_ward, open_at_start=4)
    with pytest.raises(NotAllowed):
        campaign_update(
            user=personas.head,
            campaign_id=campaign.pk,
            name="X",
            start_date="2026-12-01",
            end_date="2026-12-31",
            procedure_codes="HT-01",
            unit_codes=personas.ward.code,
        )
    with pytest.raises(NotFound) as missing:
        campaign_update(
            user=personas.leader,
            campaign_id=999,
            name="X",
            start_date="2026-12-01",
            end_date="2026-12-31",
            procedure_codes="HT-01",
            unit_codes=personas.ward.code,
        )
    assert missing.value.field == "campaign_id"
    campaign = campaign_update(
        user=personas.leader,
        campaign_id=campaign.pk,
        name="Tháng hành động",
        start_date="2026-12-01",
        end_date="2026-12-20",
        procedure_codes="CT-01",
        unit_codes=[personas.ward.code, personas.other_ward.code],
        is_active=False,
    )
    campaign.refresh_from_db()
    assert (campaign.name, campaign.end_date, campaign.is_active) == (
        "Tháng hành động",
        dt.date(2026, 12, 20),
        False,
    )
    assert set(campaign.units.values_list("code", flat=True)) == {
        personas.ward.code,
        personas.other_ward.code,
    }
    assert not CampaignBaseline.objects.exists()
    entry = AuditEntry.objects.get(action="campaign.update")
    assert entry.before["procedures"] == ["CT-01", "HT-01"] and entry.after["procedures"] == ["CT-01"]


# --- The dashboard --------------------------------------------------------------------------------


@pytest.fixture
def campaign_set(personas, catalog, receive):
    """Dossiers of a December campaign at the ward, moved through the real services."""
    campaign = december_campaign(personas, catalog)
    a = receive(when=at(2026, 12, 7, 9, 0))  # due 17:00 the same day
    finish(a, personas, at(2026, 12, 7, 16, 0))  # same day
    b = receive(when=at(2026, 12, 7, 16, 0))  # after the cutoff: due the next day's close
    finish(b, personas, at(2026, 12, 8, 10, 0))  # by its due time: counts as the same day
    c = receive(catalog.copy, when=at(2026, 12, 7, 10, 0))
    finish(c, personas, at(2026, 12, 9, 9, 0))  # late
    d = receive(catalog.copy, when=at(2026, 12, 8, 9, 0))
    act(d, personas.officer, "refuse", at(2026, 12, 8, 10, 0))
    e = receive(catalog.copy, when=at(2026, 12, 8, 9, 30))
    act(e, personas.officer, "withdraw", at(2026, 12, 8, 9, 45))
    receive(when=at(2026, 12, 9, 9, 0))  # still open
    receive(when=at(2026, 12, 9, 9, 0), unit_code=personas.other_ward.code, user=personas.outsider)
    receive(when=at(2026, 11, 30, 9, 0))  # before the campaign
    return campaign


def test_dashboard_counts_per_unit_and_procedure(personas, catalog, campaign_set):
    board = stats.campaign_dashboard(campaign_set)
    assert [b.unit.code for b in board.units] == [personas.ward.code]
    rows = {r.procedure.code: r.counts for r in board.units[0].rows}
    birth, copy = rows["HT-01"], rows["CT-01"]
    assert (birth.received, birth.same_day, birth.later, birth.refused, birth.pending) == (3, 2, 0, 0, 1)
    assert birth.share_same_day == 100.0
    assert (copy.received, copy.same_day, copy.later, copy.refused, copy.withdrawn, copy.pending) == (
        3,
        0,
        1,
        1,
        1,
        0,
    )
    assert copy.share_same_day == 0.0
    total = board.total
    assert (total.received, total.same_day, total.later, total.pending) == (6, 2, 1, 1)
    assert total.share_same_day == 66.7
    assert dict((p.code, c.received) for p, c in board.procedures) == {"CT-01": 3, "HT-01": 3}
    # The pending count is exactly the open dossiers of the campaign.
    assert total.pending == Dossier.objects.filter(campaign=campaign_set, status__in=stats.OPEN).count()


def test_a_dossier_still_open_past_its_same_day_due_time_counts_as_missed(personas, catalog, campaign_set):
    """The day after, the dossier received on 9 December and still open has missed its same day: the
    share must not read 100% while it waits. One waiting for the applicant's papers is not counted."""
    waiting = Dossier.objects.filter(campaign=campaign_set, status__in=stats.OPEN).first()
    later = at(2026, 12, 10, 9, 0)
    board = stats.campaign_dashboard(campaign_set, now=later)
    birth = {r.procedure.code: r.counts for r in board.units[0].rows}["HT-01"]
    assert (birth.pending, birth.overdue, birth.missed) == (1, 1, 1)
    assert birth.share_same_day == 66.7  # 2 same day of 3 decided (was 100.0 counting the resolved only)
    assert (board.total.overdue, board.total.share_same_day) == (1, 50.0)
    assert (
        stats.campaign_dashboard(campaign_set, now=at(2026, 12, 9, 10, 0)).total.overdue == 0
    )  # within its day
    Dossier.objects.filter(pk=waiting.pk).update(status="supplement", paused_at=at(2026, 12, 9, 11, 0))
    assert stats.campaign_dashboard(campaign_set, now=later).total.overdue == 0


def test_dashboard_reads_a_constant_number_of_queries(personas, catalog, campaign_set):
    with CaptureQueriesContext(connection) as few:
        stats.campaign_dashboard(campaign_set)
    for when in (at(2026, 12, 10, 9, 0), at(2026, 12, 10, 9, 5)):
        dossier = Dossier.objects.create(
            code=f"X-{when.minute}",
            procedure=catalog.birth,
            unit=personas.ward,
            channel="desk",
            applicant_name="A",
            due_at=when,
            received_at=when,
            campaign=campaign_set,
            same_day=True,
        )
        CampaignTally.objects.filter(campaign=campaign_set, procedure=catalog.birth).update(received=4)
        assert dossier.pk
    with CaptureQueriesContext(connection) as more:
        stats.campaign_dashboard(campaign_set)
    assert len(more) == len(few) <= 6  # with an hours-counted procedure: its late dossiers and the calendar


def test_dashboard_scope_and_unit_filter(personas, catalog, campaign_set):
    assert stats.campaign_dashboard(campaign_set, scope=frozenset({personas.other_ward.pk})).units == []
    board = stats.campaign_dashboard(campaign_set, unit_id=personas.ward.pk)
    assert board.total.received == 6


# --- The backlog ----------------------------------------------------------------------------------


def test_backlog_of_the_units_outside_the_campaign_and_its_clearance(personas, catalog, receive):
    campaign = december_campaign(personas, catalog)
    other = {"unit_code": personas.other_ward.code, "user": personas.outsider}
    x1 = receive(when=at(2026, 11, 23, 9, 0), **other)  # open at the start, still open
    x2 = receive(when=at(2026, 11, 25, 9, 0), **other)
    finish(x2, personas, at(2026, 11, 27, 9, 0), by=personas.outsider)  # finished before the start
    x3 = receive(when=at(2026, 11, 26, 9, 0), **other)
    finish(x3, personas, at(2026, 12, 3, 9, 0), by=personas.outsider)  # open at the start, cleared
    receive(when=at(2026, 11, 27, 9, 0), **other)  # open at the start, still open
    x6 = receive(when=at(2026, 11, 25, 10, 0), **other)
    act(x6, personas.outsider, "withdraw", at(2026, 11, 26, 9, 0))  # withdrawn before the start
    receive(when=at(2026, 12, 2, 9, 0), **other)  # received during the campaign
    receive(when=at(2026, 11, 20, 9, 0))  # at the campaign's own unit: not in the backlog

    board = stats.backlog(campaign, now=at(2026, 12, 4, 9, 0))
    units = {r.unit.code: r for r in board.rows}
    assert set(units) == {personas.other_ward.code, personas.department.code}
    row = units[personas.other_ward.code]
    assert (row.open_now, row.overdue) == (3, 2)  # due 27/11 (24/11 is a day off) and 2/12 are past
    assert (row.open_at_start, row.open_before_start) == (3, 2)
    assert row.progress == 33.3
    assert units[personas.department.code].progress is None  # nothing open at the start
    assert x1.pk and board.total.open_now == 3
    # The starting point is kept: computed once.
    stored = CampaignBaseline.objects.get(campaign=campaign, unit=personas.other_ward)
    assert stored.open_at_start == 3
    CampaignBaseline.objects.filter(pk=stored.pk).update(open_at_start=4)
    again = stats.backlog(campaign, now=at(2026, 12, 4, 9, 0))
    assert next(r for r in again.rows if r.unit == personas.other_ward).progress == 50.0


def test_a_dossier_waiting_for_papers_is_not_overdue_in_the_backlog(personas, catalog, receive):
    """Its clock is stopped: the queue does not call it overdue, nor does the backlog."""
    other = {"unit_code": personas.other_ward.code, "user": personas.outsider}
    waiting = receive(when=at(2026, 11, 23, 9, 0), **other)
    late = receive(when=at(2026, 11, 23, 9, 5), **other)
    Dossier.objects.filter(pk=waiting.pk).update(status="supplement", paused_at=at(2026, 11, 23, 10, 0))
    board = stats.backlog(None, units=[personas.other_ward], now=at(2026, 12, 4, 9, 0))
    (row,) = board.rows
    assert (row.open_now, row.overdue) == (2, 1) and late.pk


def test_backlog_before_the_campaign_starts_has_no_progress(personas, catalog, receive):
    campaign = december_campaign(personas, catalog)
    receive(when=at(2026, 11, 23, 9, 0), unit_code=personas.other_ward.code, user=personas.outsider)
    board = stats.backlog(campaign, now=at(2026, 11, 25, 9, 0))
    assert not board.started and all(r.progress is None for r in board.rows)
    assert not CampaignBaseline.objects.exists()


# --- Targets --------------------------------------------------------------------------------------


def test_target_set_validation_permissions_and_audit(personas, catalog):
    values = {
        "unit_code": personas.ward.code,
        "year": 2026,
        "online_share": "30",
        "on_time_share": "90,5",
        "one_stop_share": 80,
    }
    for user in (
        personas.head,
        personas.deputy,
        personas.officer,
        personas.admin,
        personas.citizen,
        personas.outsider,
    ):
        with pytest.raises(NotAllowed):
            target_set(user=user, **values)
    for field, bad in [
        ("online_share", "101"),
        ("on_time_share", "-1"),
        ("one_stop_share", "abc"),
        ("year", "20x6"),
        ("year", 1999),
        ("unit_code", "nope"),
    ]:
        with pytest.raises(DomainError) as exc:
            target_set(user=personas.leader, **{**values, field: bad})
        assert exc.value.field == field
    assert not Target.objects.exists()
    target = target_set(user=personas.leader, **values)
    assert target.on_time_share == Decimal("90.50")
    target_set(user=personas.leader, **{**values, "online_share": 35})
    assert Target.objects.get().online_share == Decimal("35.00")
    entries = AuditEntry.objects.filter(action="target.set").order_by("id")
    assert entries[0].before is None and entries[1].before["online_share"] == "30.00"


@pytest.fixture
def target_set_up(personas, catalog, receive):
    d1 = receive(when=at(2026, 12, 7, 9, 0))
    d2 = receive(when=at(2026, 12, 7, 9, 0))
    receive(
        when=at(2026, 12, 7, 20, 0),
        channel="online",
        user=None,
        provided=[],
        applicant=Applicant(name="Lê An", phone="0903123456"),
        uploads=_uploads(catalog.birth),
    )
    receive(when=at(2026, 12, 8, 9, 0), via_one_stop=False)
    receive(when=at(2026, 12, 8, 9, 0), unit_code=personas.other_ward.code, user=personas.outsider)
    finish(d1, personas, at(2026, 12, 8, 9, 0))  # early
    finish(d2, personas, at(2026, 12, 14, 9, 0))  # late
    target_set(
        user=personas.leader,
        unit_code=personas.ward.code,
        year=2026,
        online_share=20,
        on_time_share=90,
        one_stop_share=80,
    )
    target_set(
        user=personas.leader,
        unit_code=personas.city.code,
        year=2026,
        online_share=10,
        on_time_share=50,
        one_stop_share=70,
    )


def _uploads(procedure):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from citydesk.dossiers.services import Upload

    return [
        Upload(document_id=d.pk, file=SimpleUploadedFile("to-khai.pdf", b"%PDF-1.4 test", "application/pdf"))
        for d in procedure.documents.filter(required=True)
    ]


def test_targets_actual_against_plan(personas, catalog, target_set_up):
    table = stats.targets(
        units=[personas.ward, personas.other_ward], year=2026, period="q4", city=personas.city
    )
    ward, other = table.rows
    assert ward.received == 4 and ward.finished == 2
    assert (ward.online.actual, ward.online.target, ward.online.met) == (25.0, Decimal("20.00"), True)
    assert (ward.on_time.actual, ward.on_time.met) == (50.0, False)
    assert (ward.one_stop.actual, ward.one_stop.met) == (75.0, False)
    assert other.received == 1 and other.online.target is None and other.online.met is None
    assert other.on_time.actual is None  # nothing finished yet
    assert table.total.received == 5 and table.total.on_time.met is True  # 1 of 2 ≥ 50 %
    assert table.total.online.actual == 20.0 and table.total.online.met is True
    november = stats.targets(units=[personas.ward], year=2026, period="11")
    assert november.rows[0].received == 0 and november.rows[0].online.actual is None
    with pytest.raises(DomainError) as exc:
        stats.period_months(2026, "q5")
    assert exc.value.field == "period"


def test_targets_scope_head_sees_their_unit_leader_every_unit(personas, catalog, target_set_up):
    from citydesk.ioc.access import dashboard_scope

    head = stats.target_table(scope=dashboard_scope(personas.head), year=2026)
    assert [r.unit.code for r in head.rows] == [personas.ward.code] and head.total is None
    leader = stats.target_table(scope=dashboard_scope(personas.leader), year=2026)
    assert {r.unit.code for r in leader.rows} == {
        personas.ward.code,
        personas.other_ward.code,
        personas.department.code,
    }
    assert leader.total is not None and leader.total.unit == personas.city
    with pytest.raises(NotFound):
        stats.target_table(
            scope=dashboard_scope(personas.head), year=2026, unit_code=personas.other_ward.code
        )


# --- Pages ----------------------------------------------------------------------------------------

READERS = {
    "deputy": 200,
    "head": 200,
    "leader": 200,
    "operator": 403,
    "officer": 403,
    "inspector": 403,
    "admin": 403,
    "citizen": 403,
    "outsider": 403,
}


@pytest.mark.parametrize(("role", "status"), READERS.items())
def test_pages_for_every_role(client, personas, catalog, campaign_set, role, status):
    client.force_login(personas.all_roles()[role])
    for url in (
        "/mot-cua/chien-dich/",
        f"/mot-cua/chien-dich/{campaign_set.pk}/",
        "/mot-cua/ton-dong/",
        "/mot-cua/chi-tieu/?year=2026",
    ):
        response = client.get(url)
        assert response.status_code == status, url
        if status == 200 and url != "/mot-cua/chien-dich/":
            # The server time is for tools (Server-Timing), not a line among the figures.
            assert response["Server-Timing"].startswith("page;dur=")
            assert "Tính trong" not in response.content.decode(), url
    planner = 200 if role == "leader" else 403
    assert client.get("/mot-cua/chien-dich/moi/").status_code == planner


def test_anonymous_is_sent_to_log_in(client, personas):
    for url in ("/mot-cua/chien-dich/", "/mot-cua/ton-dong/", "/mot-cua/chi-tieu/"):
        response = client.get(url)
        assert response.status_code == 302 and "next=" in response["Location"]


def test_dashboard_page_shows_the_numbers_and_exports(client, personas, catalog, campaign_set):
    client.force_login(personas.leader)
    page = client.get(f"/mot-cua/chien-dich/{campaign_set.pk}/").content.decode()
    assert 'data-testid="total-received">6<' in page
    assert 'data-unit="26743" data-procedure="CT-01"' in page
    assert "66,7%" in page  # Vietnamese number format
    assert "<svg" in page
    # Every breakdown adds up: the cards, and each procedure's row (refused and withdrawn included).
    assert 'data-testid="total-withdrawn">1<' in page
    procedures = page[page.index('data-testid="procedures"') :]
    for row in re.findall(r'<tr data-procedure="[^"]+">(.*?)</tr>', procedures, re.S):
        cells = dict(re.findall(r'data-col="(\w+)">([\d.]+)<', row))
        parts = ("same_day", "later", "refused", "withdrawn", "pending")
        assert int(cells["received"]) == sum(int(cells[k]) for k in parts), row
    filtered = client.get(f"/mot-cua/chien-dich/{campaign_set.pk}/?unit={personas.ward.code}")
    assert filtered.status_code == 200
    export = client.get(f"/mot-cua/chien-dich/{campaign_set.pk}/chien-dich.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    client.force_login(personas.other_head)  # a head of a unit outside the campaign
    assert client.get(f"/mot-cua/chien-dich/{campaign_set.pk}/").status_code == 404


def test_the_create_page_says_every_problem_at_once(client, personas, catalog, campaign_today):
    client.force_login(personas.leader)
    bad = client.post("/mot-cua/chien-dich/moi/", {"name": "", "start_date": "", "end_date": ""})
    assert bad.status_code == 400
    page = bad.content.decode()
    for field in ("name", "start_date", "procedure_codes", "unit_codes"):  # one round, not four
        assert f'data-field="{field}"' in page, field
    base = {"name": "Tháng hành động", "procedure_codes": ["HT-01"], "unit_codes": [personas.ward.code]}
    over = campaign_today - dt.timedelta(days=1)
    for start, end in ((over - dt.timedelta(days=30), over), (campaign_today, dt.date(2099, 12, 31))):
        r = client.post(
            "/mot-cua/chien-dich/moi/", {**base, "start_date": start.isoformat(), "end_date": end.isoformat()}
        )
        assert r.status_code == 400 and 'data-field="end_date"' in r.content.decode(), (start, end)
    assert not Campaign.objects.exists()
    ok = {
        **base,
        "start_date": campaign_today.isoformat(),
        "end_date": (campaign_today + dt.timedelta(days=30)).isoformat(),
    }
    assert client.post("/mot-cua/chien-dich/moi/", ok).status_code == 302


def test_create_page_saves_and_bad_input_names_the_field(client, personas, catalog):
    client.force_login(personas.leader)
    form = client.get("/mot-cua/chien-dich/moi/").content.decode()
    assert 'value="HT-01"' in form and f'value="{personas.ward.code}"' in form
    data = {
        "name": "Tháng 12",
        "start_date": "2026-12-01",
        "end_date": "2026-11-01",
        "procedure_codes": ["HT-01"],
        "unit_codes": [personas.ward.code],
    }
    bad = client.post("/mot-cua/chien-dich/moi/", data)
    assert bad.status_code == 400 and 'data-field="end_date"' in bad.content.decode()
    assert Campaign.objects.count() == 0
    done = client.post("/mot-cua/chien-dich/moi/", {**data, "end_date": "2026-12-31"})
    campaign = Campaign.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/mot-cua/chien-dich/{campaign.pk}/"
    edit = client.post(
        f"/mot-cua/chien-dich/{campaign.pk}/sua/",
        {**data, "end_date": "2026-12-31", "name": "Tháng 12 (sửa)"},
    )
    campaign.refresh_from_db()
    assert edit.status_code == 302 and campaign.name == "Tháng 12 (sửa)" and not campaign.is_active
    client.force_login(personas.head)
    assert client.post("/mot-cua/chien-dich/moi/", {**data, "end_date": "2026-12-31"}).status_code == 403
    assert client.post(f"/mot-cua/chien-dich/{campaign.pk}/sua/", data).status_code == 403


def test_the_campaign_list_names_its_procedures_and_units(client, personas, catalog, campaign_set):
    client.force_login(personas.leader)
    page = client.get("/mot-cua/chien-dich/").content.decode()
    procedures = re.search(r'data-testid="procedures">(.*?)</ul>', page, re.S).group(1)
    assert f"{catalog.birth.code} {catalog.birth.name}" in procedures
    units = re.search(r'data-testid="units">(.*?)</ul>', page, re.S).group(1)
    assert personas.ward.name in units


def test_backlog_page(client, personas, catalog, campaign_set):
    client.force_login(personas.leader)
    page = client.get(f"/mot-cua/ton-dong/?campaign={campaign_set.pk}").content.decode()
    assert f'data-unit="{personas.other_ward.code}"' in page
    assert f'data-unit="{personas.ward.code}"' not in page  # the campaign's own unit
    every = client.get("/mot-cua/ton-dong/?campaign=none").content.decode()
    assert f'data-unit="{personas.ward.code}"' in every
    # Opened without a choice: every unit, the campaign's own included (its head saw "no data").
    assert client.get("/mot-cua/ton-dong/").content.decode().count('data-unit="') == every.count(
        'data-unit="'
    )
    client.force_login(personas.head)
    assert f'data-unit="{personas.ward.code}"' in client.get("/mot-cua/ton-dong/").content.decode()
    assert client.get("/mot-cua/ton-dong/?campaign=999").status_code == 404


def test_targets_page_and_form(client, personas, catalog, target_set_up):
    client.force_login(personas.leader)
    page = client.get("/mot-cua/chi-tieu/?year=2026&period=12").content.decode()
    assert 'data-testid="city-total"' in page and 'data-testid="target-form"' in page
    assert f'data-unit="{personas.ward.code}"' in page and "25,0%" in page
    assert client.get("/mot-cua/chi-tieu/?year=abc").status_code == 400
    assert client.get("/mot-cua/chi-tieu/?year=2026&period=q9").status_code == 400
    post = {
        "unit_code": personas.other_ward.code,
        "year": "2026",
        "online_share": "15",
        "on_time_share": "95",
        "one_stop_share": "150",
    }
    bad = client.post("/mot-cua/chi-tieu/dat/", post)
    assert bad.status_code == 400 and 'data-field="one_stop_share"' in bad.content.decode()
    assert not Target.objects.filter(unit=personas.other_ward).exists()
    # Two malformed numbers: both said at once (the second used to appear only after fixing the first).
    both = client.post("/mot-cua/chi-tieu/dat/", {**post, "online_share": "120", "on_time_share": "abc"})
    html = both.content.decode()
    assert both.status_code == 400
    assert all(f'data-field="{f}"' in html for f in ("online_share", "on_time_share", "one_stop_share"))
    # No unit chosen: said so next to the field (it read "No unit ." with an empty name).
    nameless = client.post("/mot-cua/chi-tieu/dat/", {**post, "unit_code": "", "one_stop_share": "85"})
    assert nameless.status_code == 400 and 'data-field="unit_code"' in nameless.content.decode()
    assert "Không có đơn vị ." not in nameless.content.decode()
    good = client.post("/mot-cua/chi-tieu/dat/", {**post, "one_stop_share": "85"})
    assert good.status_code == 302
    assert Target.objects.get(unit=personas.other_ward).one_stop_share == Decimal("85.00")
    client.force_login(personas.head)
    head_page = client.get("/mot-cua/chi-tieu/?year=2026").content.decode()
    assert 'data-testid="target-form"' not in head_page and 'data-testid="city-total"' not in head_page
    assert f'data-unit="{personas.other_ward.code}"' not in head_page
    assert client.post("/mot-cua/chi-tieu/dat/", post).status_code == 403


# --- API ------------------------------------------------------------------------------------------


def test_campaign_stats_api(client, personas, catalog, campaign_set, bearer, api_urls):
    url = f"{api_urls}/campaigns/{campaign_set.pk}/stats"
    body = client.get(url, **bearer(personas.leader)).json()
    assert body["total"]["received"] == 6 and body["total"]["pending"] == 1
    assert body["total"]["share_same_day"] == 66.7
    copy = next(r for r in body["rows"] if r["procedure"] == "CT-01")
    assert (copy["resolved_later"], copy["refused"], copy["withdrawn"]) == (1, 1, 1)
    assert body["campaign"]["units"] == [personas.ward.code]
    assert client.get(url, **bearer(personas.head)).status_code == 200
    assert client.get(f"{url}?unit=00000", **bearer(personas.leader)).json()["field"] == "unit"
    assert client.get(url, **bearer(personas.officer)).status_code == 403
    assert client.get(url, **bearer(personas.other_head)).status_code == 404
    assert client.get(f"{api_urls}/campaigns/999/stats", **bearer(personas.leader)).status_code == 404
    assert client.get(url).status_code == 401


def test_campaign_stats_refusal_speaks_of_campaign_statistics(
    client, personas, catalog, campaign_set, bearer, api_urls
):
    from django.utils.translation import gettext

    url = f"{api_urls}/campaigns/{campaign_set.pk}/stats"
    for persona in (personas.officer, personas.citizen, personas.operator):
        r = client.get(url, **bearer(persona))
        assert r.status_code == 403
        detail = r.json()["detail"]
        assert detail == gettext("Campaign statistics are for unit heads and the city's leaders.")
        assert gettext("The operations center is for unit heads and the city's leaders.") != detail
    r = client.get(f"{api_urls}/dossier-targets", **bearer(personas.officer))
    assert r.status_code == 403
    assert r.json()["detail"] == gettext(
        "The targets and their results are for unit heads and the city's leaders."
    )


def test_campaign_pages_refusal_speaks_of_what_was_asked(client, personas, catalog, campaign_set):
    from django.utils.translation import gettext

    client.force_login(personas.officer)
    for url, message in (
        ("/mot-cua/chien-dich/", "Campaign statistics are for unit heads and the city's leaders."),
        (
            f"/mot-cua/chien-dich/{campaign_set.pk}/",
            "Campaign statistics are for unit heads and the city's leaders.",
        ),
        ("/mot-cua/ton-dong/", "The backlog figures are for unit heads and the city's leaders."),
        ("/mot-cua/chi-tieu/", "The targets and their results are for unit heads and the city's leaders."),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        page = response.content.decode().replace("&#x27;", "'")
        assert gettext(message) in page, url


def test_targets_api(client, personas, catalog, target_set_up, bearer, api_urls):
    url = f"{api_urls}/dossier-targets"
    body = client.get(f"{url}?year=2026&period=12", **bearer(personas.leader)).json()
    ward = next(r for r in body["rows"] if r["unit"] == personas.ward.code)
    assert ward["online_share"] == {"actual": 25.0, "target": 20.0, "met": True, "count": 1, "of": 4}
    assert body["total"]["unit"] == personas.city.code and body["period"] == "12"
    mine = client.get(f"{url}?year=2026&unit={personas.ward.code}", **bearer(personas.head)).json()
    assert [r["unit"] for r in mine["rows"]] == [personas.ward.code] and mine["total"] is None
    refused = client.get(f"{url}?year=2026&unit={personas.other_ward.code}", **bearer(personas.head))
    assert refused.status_code == 404 and refused.json()["field"] == "unit"
    assert client.get(f"{url}?year=2026&period=q7", **bearer(personas.leader)).json()["field"] == "period"
    assert client.get(f"{url}?year=1800", **bearer(personas.leader)).json()["field"] == "year"
    assert client.get(url, **bearer(personas.citizen)).status_code == 403
    assert client.get(url).status_code == 401
    schema = client.get(f"{api_urls}/openapi.json").json()
    assert {"/api/v1/dossier-targets", "/api/v1/campaigns/{campaign_id}/stats"} <= set(schema["paths"])


# --- Counters kept by the services == the rebuild; the seeder's deadlines == the calendar's -------


def _snapshot() -> tuple[set, set]:
    months = set(
        DossierMonth.objects.values_list(
            "month",
            "unit_id",
            "procedure_id",
            "channel",
            "received",
            "received_via_one_stop",
            "finished",
            "finished_early",
            "finished_on_time",
            "finished_late",
            "refused",
        )
    )
    tallies = set(
        CampaignTally.objects.values_list(
            "campaign_id",
            "unit_id",
            "procedure_id",
            "received",
            "resolved_same_day",
            "resolved_later",
            "refused",
        )
    )
    return months, tallies


def test_counters_kept_by_the_services_equal_the_rebuild(personas, catalog, receive):
    december_campaign(personas, catalog)
    rng = random.Random(7)
    dossiers = []
    for i in range(40):
        unit = rng.choice(
            [(personas.ward.code, personas.officer), (personas.other_ward.code, personas.outsider)]
        )
        procedure = rng.choice([catalog.birth, catalog.copy])
        day = rng.choice(
            [dt.date(2026, 11, 26), dt.date(2026, 11, 30), dt.date(2026, 12, 7), dt.date(2026, 12, 28)]
        )
        when = at(day.year, day.month, day.day, rng.choice([8, 10, 14, 16]), rng.choice([0, 30]))
        dossiers.append(
            receive(procedure, when=when, unit_code=unit[0], user=unit[1], via_one_stop=i % 9 != 0)
        )
    later = [at(2026, 12, 1, 9), at(2026, 12, 29, 10), at(2027, 1, 5, 9)]
    for dossier in dossiers:
        by = personas.outsider if dossier.unit_id == personas.other_ward.pk else personas.officer
        choice = rng.random()
        when = max(rng.choice(later), dossier.received_at + dt.timedelta(minutes=30))
        if choice < 0.55:
            finish(dossier, personas, when, by=None if by == personas.officer else by)
        elif choice < 0.65:
            act(dossier, by, "refuse", when)
        elif choice < 0.72:
            act(dossier, by, "withdraw", when)
        elif choice < 0.8:
            act(dossier, by, "request_supplement", when, note="Bổ sung bản sao")
    kept = _snapshot()
    assert kept[0] and kept[1]
    rebuild_counts()
    assert _snapshot() == kept


def test_seed_deadlines_equal_the_calendar(personas):
    from citydesk.core.calendar import current_calendar

    calendar = current_calendar()
    rng = np.random.default_rng(3)
    start = int(at(2026, 1, 1, 0, 0).timestamp())
    received = np.sort(rng.integers(start, start + 360 * 86_400, 400))
    clock = WorkClock(int(start // 86_400) - 5, int(start // 86_400) + 800)
    n = rng.integers(0, 6, received.size)
    hours = rng.integers(1, 20, received.size)
    days_due = clock.due(received, n)
    hours_due = clock.add_working_hours(received, hours)
    for r, k, h, due_d, due_h in zip(received, n, hours, days_due, hours_due, strict=True):
        moment = dt.datetime.fromtimestamp(int(r), tz=dt.UTC)
        assert int(calendar.due(moment, int(k)).timestamp()) == due_d
        assert int(calendar.add_working_hours(moment, int(h)).timestamp()) == due_h


def test_seed_command_writes_consistent_dossiers(personas, catalog):
    from django.core.management import CommandError, call_command

    from citydesk.dossiers.models import DossierStep

    for bad in ("0", "abc"):
        with pytest.raises(CommandError) as exc:
            call_command("seed-dossiers", count=bad, verbosity=0)
        assert exc.value.returncode == 2
    call_command("seed-dossiers", count="3000", seed="5", years="2", verbosity=0)
    assert Dossier.objects.count() == 3000
    online = Dossier.objects.filter(channel="online").count()
    assert 800 < online < 1300  # ~35 %
    assert not Dossier.objects.filter(channel="online", procedure=catalog.copy).exists()  # level 2
    open_ids = set(Dossier.objects.filter(status__in=stats.OPEN).values_list("pk", flat=True))
    steps = DossierStep.objects.all()
    assert {s.dossier_id for s in steps} == open_ids and steps.count() == len(open_ids)
    assert not Dossier.objects.filter(status__in=stats.OPEN, current_step__isnull=True).exists()
    assert Campaign.objects.count() == 1 and Dossier.objects.filter(same_day=True).exists()
    finished = Dossier.objects.exclude(punctuality="")
    assert finished.filter(punctuality__in=["early", "on_time"]).count() / finished.count() > 0.85
    # The counters were rebuilt from what was written.
    assert sum(DossierMonth.objects.values_list("received", flat=True)) == 3000
    kept = _snapshot()
    rebuild_counts()
    assert _snapshot() == kept
    codes = list(Dossier.objects.values_list("code", flat=True))
    assert len(set(codes)) == 3000 and all(c.startswith("HS-") for c in codes)
    # The queue's search text, as a save through the ORM would make it.
    people = Dossier.objects.values_list("applicant_name", "applicant_phone", "search_text")
    assert all(text == search_key(f"{name} {phone}") for name, phone, text in people)
    assert any(not name.isascii() for name, _, _ in people) and all(text.isascii() for _, _, text in people)
