"""Review fixes (B) of the backlog and the targets: the backlog counts dossiers where they wait, as the
officers' queues do (and still those each unit received); the demo has targets; a target has one name."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from citydesk.dossiers import stats
from citydesk.dossiers.demo import TARGET_RANGES, seed_demo_targets, story_clock
from citydesk.dossiers.models import Dossier, Target
from citydesk.dossiers.services import dossier_transition
from citydesk.dossiers.services.campaigns import target_set
from citydesk.ioc.access import dashboard_scope
from tests.dossiers.conftest import at

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/dossiers"


def move(dossier: Dossier, user: Any, action: str, when: dt.datetime, note: str = "Đã xử lý") -> Dossier:
    with story_clock(when):
        return dossier_transition(user=user, code=dossier.code, action=action, note=note)


@pytest.fixture
def spread(personas, catalog, receive):
    """Dossiers received at the ward, waiting at the ward, at the department (one of them paused for the
    applicant's papers, one late) and at the city's own step; old enough that some steps are overdue."""
    long_ago = at(2026, 10, 1, 9, 0)
    at_ward_late = receive(when=long_ago)  # the ward's step, long past due
    at_ward_fresh = receive(when=timezone.localtime().replace(microsecond=0) - dt.timedelta(minutes=5))
    land = [receive(catalog.land, when=long_ago + dt.timedelta(minutes=i)) for i in range(4)]
    # land[0] stays at the ward's reception step; land[1..3] go on to the department (Sở Xây dựng).
    for dossier in land[1:]:
        move(dossier, personas.officer, "forward", long_ago + dt.timedelta(hours=1))
    late = move(land[1], catalog.department_officer, "forward", long_ago + dt.timedelta(hours=2))
    assert late.current_step.unit_id == personas.city.pk  # now at the city's approval step
    paused = move(
        land[2], catalog.department_officer, "request_supplement", long_ago + dt.timedelta(hours=3), "Bản vẽ"
    )
    assert paused.status == "supplement"
    return {"ward": [at_ward_late, at_ward_fresh, land[0]], "department": [land[2], land[3]], "city": [late]}


def queue_counts(client, bearer, user) -> tuple[int, int]:
    everything = client.get(QUEUE, **bearer(user)).json()["count"]
    overdue = client.get(QUEUE, {"overdue": "true"}, **bearer(user)).json()["count"]
    return everything, overdue


def test_the_backlog_agrees_with_each_units_queue(client, bearer, personas, catalog, spread):
    """Before: counted by the receiving unit, the department read 0 / 0 while its queue had dossiers, and
    the ward counted the department's dossiers as its own. Now “waiting” is each unit's queue exactly."""
    now = timezone.now()
    for user, unit in (
        (personas.head, personas.ward),
        (catalog.department_officer, personas.department),
        (personas.department_head, personas.department),
    ):
        board = stats.backlog(None, scope=dashboard_scope(personas.leader), now=now)
        row = next(r for r in board.rows if r.unit == unit)
        assert (row.waiting, row.waiting_overdue) == queue_counts(client, bearer, user), unit.code
    board = stats.backlog(None, scope=dashboard_scope(personas.leader), now=now)
    rows = {r.unit.code: r for r in board.rows}
    assert (rows["26743"].waiting, rows["79.SXD"].waiting) == (3, 2)
    # At the department: one paused for papers (its clock stopped), one overdue.
    assert rows["79.SXD"].waiting_overdue == 1
    # Received at the ward: all six are the ward's, wherever they wait; the department received none.
    assert (rows["26743"].open_now, rows["79.SXD"].open_now) == (6, 0)
    # The city's own approval step has a row of its own for the city's leader (it receives nothing).
    assert (rows["79"].waiting, rows["79"].open_now) == (1, 0)
    assert board.total.waiting == board.total.open_now == 6


def test_a_units_own_head_sees_what_waits_at_the_unit(personas, catalog, spread):
    """The department's head (sxd_director in the demo) read 0 / 0 where his queue had dossiers."""
    board = stats.backlog(None, scope=dashboard_scope(personas.department_head))
    (row,) = board.rows
    assert row.unit == personas.department and (row.waiting, row.open_now) == (2, 0)
    ward = stats.backlog(None, scope=dashboard_scope(personas.head))
    assert [r.unit for r in ward.rows] == [personas.ward]  # no city row: not in a ward head's scope


def test_a_wards_one_stop_desk_counts_with_its_ward(personas, catalog, receive):
    from citydesk.core.models import Organisation, OrgKind

    desk = Organisation.objects.create(
        code="26743.MC",
        name="Bộ phận Một cửa Phường Bến Thành",
        kind=OrgKind.ONE_STOP_DESK,
        parent=personas.ward,
    )
    dossier = receive(when=at(2026, 10, 1, 9, 0))
    dossier.current_step.__class__.objects.filter(pk=dossier.current_step_id).update(unit=desk)
    (row,) = stats.backlog(None, units=[personas.ward]).rows
    assert row.waiting == 1


def test_the_backlog_reads_the_index_of_active_steps(personas, catalog, spread):
    if connection.vendor != "sqlite":
        pytest.skip("the query plan is SQLite's")
    units = stats.receiving_units()
    active = (
        stats.DossierStep.objects.filter(
            unit_id__in=[u.pk for u in units], started_at__isnull=False, completed_at__isnull=True
        )
        .values("unit_id")
        .order_by()
    )
    sql, params = active.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "dossierstep_active" in plan, plan
    with CaptureQueriesContext(connection) as few:
        stats.backlog(None)
    with CaptureQueriesContext(connection) as again:
        stats.waiting_counts(units, timezone.now())
    assert len(again.captured_queries) == 3  # the desks below, the active steps, the paused late ones
    assert len(few.captured_queries) <= 7


def test_the_backlog_page_labels_both_views(client, personas, catalog, spread):
    client.force_login(personas.department_head)
    page = client.get("/mot-cua/ton-dong/").content.decode()
    row = re.search(r'<tr data-unit="79.SXD">(.*?)</tr>', page, re.S).group(1)
    cells = dict(re.findall(r'data-col="(\w+)"[^>]*>\s*([^<\s]*)', row))
    assert (cells["waiting"], cells["waiting_overdue"], cells["open"], cells["overdue"]) == (
        "2",
        "1",
        "0",
        "0",
    )
    for header in ("Đang chờ tại đơn vị", "Tiếp nhận tại đơn vị"):  # the page is in Vietnamese
        assert page.count(header) >= 2, header  # the column group and its explanation
    assert 'scope="colgroup"' in page


# --- Targets -----------------------------------------------------------------------------------------


def test_the_demo_seeds_realistic_targets_once(personas, catalog):
    target_set(
        user=personas.leader,
        unit_code=personas.ward.code,
        year=2026,
        online_share="55",
        on_time_share="99",
        one_stop_share="100",
    )
    made = seed_demo_targets(2026)
    units = [personas.city, *stats.receiving_units()]
    assert made == len(units) - 1  # the leader's own target is kept
    for target in Target.objects.filter(year=2026).exclude(unit=personas.ward):
        for name, (low, high) in TARGET_RANGES.items():
            value = getattr(target, name)
            assert Decimal(low) <= value <= Decimal(high) and value * 2 == int(value * 2), (name, value)
    assert Target.objects.get(unit=personas.ward, year=2026).online_share == Decimal("55")
    assert seed_demo_targets(2026) == 0  # idempotent
    assert TARGET_RANGES == {"online_share": (20, 40), "on_time_share": (90, 98), "one_stop_share": (95, 100)}


def test_seed_demo_dossiers_seeds_this_years_targets(personas, catalog):
    from citydesk.dossiers.demo import seed_demo_dossiers

    seed_demo_dossiers(count=0)
    year = timezone.localdate().year
    assert Target.objects.filter(unit=personas.ward, year=year).exists()
    assert Target.objects.filter(unit=personas.city, year=year).exists()


def test_the_one_stop_target_has_one_name(client, personas, catalog):
    client.force_login(personas.leader)
    page = client.get("/mot-cua/chi-tieu/").content.decode()
    headers = re.findall(r'<th scope="colgroup" colspan="3">([^<]+)</th>', page)
    labels = {
        anchor: re.search(rf'<label for="{anchor}">([^<]+)</label>', page).group(1)
        for anchor in ("t-online", "t-on-time", "t-one-stop")
    }
    assert [f"{h} (%)" for h in headers] == list(labels.values())
    bad = client.post(
        "/mot-cua/chi-tieu/dat/",
        {
            "unit_code": "26743",
            "year": "2026",
            "online_share": "20",
            "on_time_share": "95",
            "one_stop_share": "x",
        },
    ).content.decode()
    summary = re.search(r'<li data-field="one_stop_share"><a href="#t-one-stop">([^<]+)</a>', bad).group(1)
    assert summary.startswith(f"{labels['t-one-stop']}: ")


def test_the_targets_table_is_a_card_per_unit_on_a_phone(client, personas, catalog):
    client.force_login(personas.leader)
    page = client.get("/mot-cua/chi-tieu/").content.decode()
    assert 'class="camp-table targets-cards"' in page
    row = re.search(r'<tr data-unit="26743">(.*?)</tr>', page, re.S).group(1)
    # Each share's actual value is labelled with the share's name, its target with “Target”.
    assert re.search(r'data-col="online" data-label="[^"]+"', row)
    assert re.search(r'data-col="received" data-label="[^"]+"', row)
    assert re.search(r'data-col="one_stop_target" data-label="[^"]+"', row)


# --- The targets on a 390 px phone (a browser) ---------------------------------------------------------

from tests.browser.conftest import chromium  # noqa: E402, F401  (the Playwright fixture, for this module too)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_each_unit_of_the_targets_is_a_card(chromium, live_server, personas, catalog):  # noqa: F811
    from tests.browser.conftest import TIMEOUT_MS
    from tests.browser.helpers import log_in

    seed_demo_targets()
    context = chromium.new_context(
        base_url=live_server.url, locale="vi-VN", viewport={"width": 390, "height": 844}, has_touch=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        tab = context.new_page()
        log_in(tab, "leader", "pw-leader")
        tab.goto("/mot-cua/chi-tieu/")
        cards = tab.evaluate(
            """() => [...document.querySelectorAll('table.targets-cards tbody tr')].map(row => {
                 const box = row.getBoundingClientRect();
                 const actual = row.querySelector('td[data-col=online]');
                 return [getComputedStyle(row).display, box.left, box.right,
                         actual ? getComputedStyle(actual, '::before').content : ''];
               })"""
        )
        assert len(cards) >= 3  # the wards, the department, the city's total
        for display, left, right, label in cards:
            assert display == "grid" and left >= 0 and right <= 390, (display, left, right)
            assert label not in ("", "none", "normal"), label  # each share labelled on its line
        wrap = tab.evaluate(
            "() => { const b = document.querySelector('table.targets-cards').closest('.table-wrap');"
            " return [b.scrollWidth, b.clientWidth]; }"
        )
        assert wrap[0] <= wrap[1], wrap  # nothing to scroll sideways
        assert tab.evaluate("() => document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
