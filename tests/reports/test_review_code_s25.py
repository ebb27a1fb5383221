"""Findings of the code review of the day's changes: a citizen's token used while signed in does not spend
the unit's file room; a retried placeless report still matches after a transfer; the phone-guess count
lasts its window in the file cache; a head or leader registers kiosks for the units below them."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from citydesk.core.models import Organisation, OrgKind
from citydesk.dossiers.services.phone_checks import (
    address_check_failed,
    address_checks_left,
    address_limit,
)
from citydesk.ratings.services.kiosks import register_units
from citydesk.reports.models import Attachment
from citydesk.reports.services import report_submit, report_transition

from .test_api_s25 import attach, create

pytestmark = pytest.mark.django_db


def test_a_token_used_while_signed_in_counts_as_the_reporters_files(categories, personas, bearer, settings):
    settings.CITYDESK_MAX_ATTACHMENTS = 2
    client = Client()
    created = create(client)  # anonymous: no reporter account
    code, token = created["code"], created["citizen_token"]
    signed_in = bearer(personas.citizen)
    answers = [attach(client, code, token=token, headers=signed_in).status_code for _ in range(3)]
    assert answers == [201, 201, 400]
    assert not Attachment.objects.filter(report__code=code, uploaded_by__isnull=False).exists()
    # The unit's room is whole.
    assert attach(client, code, headers=bearer(personas.officer)).status_code == 201


def test_a_retry_of_a_placeless_report_still_matches_after_a_transfer(personas, categories):
    fields = dict(
        category="road_damage",
        description="Ổ gà lớn",
        channel="app",
        address="Số 5 hẻm 12, gần chợ",
        idempotency_scope="anon",
        idempotency_key="k-placeless",
    )
    first = report_submit(**fields).report
    report_transition(user=personas.leader, code=first.code, action="transfer", target_unit="26743", note="x")
    again = report_submit(**fields)
    assert not again.created and again.report.pk == first.pk


def test_the_phone_guess_count_outlives_the_file_caches_default_timeout(monkeypatch):
    address = "198.51.100.7"
    for _ in range(3):
        address_check_failed(address)
    later = time.time() + 301  # past the file cache's default 300 s, within the hour's window
    monkeypatch.setattr("django.core.cache.backends.filebased.time.time", lambda: later)
    assert address_checks_left(address) == address_limit() - 3


def test_heads_and_leaders_register_kiosks_for_the_units_below(personas):
    desk = Organisation.objects.create(
        code="26743.MC", name="Bộ phận Một cửa", kind=OrgKind.ONE_STOP_DESK, parent=personas.ward
    )
    leader_units = {u.code for u in register_units(personas.leader)}
    assert {"79", "26743", "26740", "26743.MC"} <= leader_units
    head_units = {u.code for u in register_units(personas.head)}
    assert head_units == {"26743", desk.code}
    assert register_units(personas.officer) == []


def test_a_periods_open_and_finished_lists_are_the_same_through_the_period_index(personas, categories):
    from datetime import timedelta

    from django.utils import timezone

    from citydesk.reports import selectors
    from citydesk.reports.models import OPEN_STATUSES, Report

    from .conftest import submit_report

    reports = [submit_report(description=f"Ổ gà số {i}") for i in range(4)]
    for report in reports[:2]:
        report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
        report_transition(user=personas.officer, code=report.code, action="resolve", resolution="Đã vá")
    today = timezone.localdate()
    for status, expected in (
        ("open", Report.objects.filter(status__in=OPEN_STATUSES)),
        ("done", Report.objects.filter(status__in=["resolved", "closed"])),
    ):
        period = selectors.QueueFilters(
            status=status, received_from=today - timedelta(days=1), received_to=today
        )
        listed = selectors.queue_page(personas.head, period, 1, 50)
        assert {r.code for r in listed.object_list} == {r.code for r in expected} != set()
        assert listed.paginator.count == expected.count() == 2
