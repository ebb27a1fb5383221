"""Review fixes (F): routing rules of one priority settled by the more specific rule, rules that never fire
said in the back office, rules named by their id; the queue's overdue reports first (as its legend says),
its "due soon" mark, its commune/ward filter refused when it cannot select anything, and its boundary
filter."""

# ruff: noqa: F811  (the browser fixtures imported below are the tests' arguments)

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection  # noqa: F401  (the skipif condition)
from django.utils import timezone, translation

from citydesk.core.models import AdminUnit, Organisation, OrgKind, ServiceCategory
from citydesk.reports import selectors
from citydesk.reports.models import Report, RoutingRule
from citydesk.reports.routing import BY_RULE, route, rule_order, shadowed_rules
from citydesk.reports.selectors import QueueFilters, queue, queue_filter_problems, queue_page
from tests.browser.conftest import chromium, page  # noqa: F401  (the browser fixtures)
from tests.browser.helpers import log_in
from tests.conftest import make_unit

from .conftest import submit_report

ADMIN = "/quan-tri"


@pytest.fixture
def world(personas, categories):
    noise = ServiceCategory.objects.create(
        code="noise", domain="report", name="Tiếng ồn", name_en="Noise", handled_by="ward", working_days=5
    )
    snnmt = Organisation.objects.create(
        code="79.SNNMT", name="Sở Nông nghiệp và Môi trường", kind=OrgKind.DEPARTMENT, parent=personas.city
    )
    sct = Organisation.objects.create(
        code="79.SCT", name="Sở Công Thương", kind=OrgKind.DEPARTMENT, parent=personas.city
    )
    return {
        "noise": noise,
        "snnmt": snnmt,
        "sct": sct,
        "hcmc": AdminUnit.objects.get(code="79"),
        "ben_thanh": AdminUnit.objects.get(code="26743"),
        "sai_gon": AdminUnit.objects.get(code="26740"),
    }


def rule(world, **fields) -> RoutingRule:
    data = {"priority": 50, "category": world["noise"], "target": world["snnmt"]} | fields
    return RoutingRule.objects.create(**data)


# --- 1. Ties go to the more specific rule; a rule that never fires is said ----------------------------


@pytest.mark.django_db
def test_a_tie_goes_to_the_wards_rule_not_the_first_made(world):
    """The review's case: #1 city-wide and #2 for Bến Thành, both priority 50: #2 could never fire."""
    city_wide = rule(world, area=world["hcmc"], target=world["snnmt"])
    ward = rule(world, area=world["ben_thanh"], target=world["sct"])
    chosen = route(world["noise"], world["ben_thanh"])
    assert (chosen.how, chosen.rule.pk, chosen.unit) == (BY_RULE, ward.pk, world["sct"])
    assert route(world["noise"], world["sai_gon"]).rule.pk == city_wide.pk  # elsewhere the city's
    assert shadowed_rules() == {}  # neither hides the other now


@pytest.mark.django_db
def test_a_tie_goes_to_a_category_then_to_a_time_window(world):
    any_category = rule(world, category=None, area=world["ben_thanh"], target=world["snnmt"])
    noise = rule(world, area=world["ben_thanh"], target=world["sct"])
    assert route(world["noise"], world["ben_thanh"]).rule.pk == noise.pk
    night = rule(world, area=world["ben_thanh"], target=world["snnmt"], start_time=time(22), end_time=time(6))
    late = timezone.make_aware(timezone.datetime(2026, 11, 24, 23, 30))
    noon = timezone.make_aware(timezone.datetime(2026, 11, 24, 12, 0))
    assert route(world["noise"], world["ben_thanh"], when=late).rule.pk == night.pk
    assert route(world["noise"], world["ben_thanh"], when=noon).rule.pk == noise.pk
    # Lower priority numbers still come first, however specific the others.
    first = rule(world, priority=10, category=None, target=world["snnmt"])
    assert route(world["noise"], world["ben_thanh"], when=late).rule.pk == first.pk
    ordered = sorted([any_category, noise, night, first], key=rule_order)
    assert [r.pk for r in ordered] == [first.pk, night.pk, noise.pk, any_category.pk]


@pytest.mark.django_db
def test_rules_that_never_fire_are_found(world):
    broad = rule(world, priority=10, category=None, area=None, target=world["snnmt"])  # any, in HCMC
    hidden = rule(world, priority=20, area=world["ben_thanh"], target=world["sct"])
    found = shadowed_rules()
    assert set(found) == {hidden.pk} and found[hidden.pk].pk == broad.pk
    # Limited to some hours, the broad rule no longer covers every report of the ward's rule.
    RoutingRule.objects.filter(pk=broad.pk).update(start_time=time(8), end_time=time(17))
    assert shadowed_rules() == {}
    # Two rules alike at one priority: the later one never fires. A narrower window (overnight) within a
    # wider one of a higher priority, on some of its days, is covered too.
    RoutingRule.objects.filter(pk=broad.pk).update(is_active=False)
    twin = rule(world, priority=20, area=world["ben_thanh"], target=world["snnmt"])
    assert set(shadowed_rules()) == {twin.pk}
    RoutingRule.objects.filter(pk=twin.pk).update(weekdays="67", start_time=time(23), end_time=time(5))
    RoutingRule.objects.filter(pk=hidden.pk).update(start_time=time(22), end_time=time(6))
    assert shadowed_rules() == {}  # the narrower one goes first at the same priority
    RoutingRule.objects.filter(pk=hidden.pk).update(priority=15)
    assert set(shadowed_rules()) == {twin.pk}
    RoutingRule.objects.filter(pk=hidden.pk).update(end_time=time(4))  # 04:00–05:00 left out
    assert shadowed_rules() == {}
    RoutingRule.objects.filter(pk=hidden.pk).update(end_time=time(6))
    # Another city's rule, or a broader rule tried later, hides nothing.
    RoutingRule.objects.filter(pk=twin.pk).update(is_active=False)
    hanoi = Organisation.objects.create(
        code="01",
        name="UBND Thành phố Hà Nội",
        kind=OrgKind.PEOPLES_COMMITTEE,
        admin_unit=make_unit("01", "Hà Nội"),
    )
    rule(world, priority=5, category=None, area=None, target=hanoi)
    rule(world, priority=90, category=None, area=world["hcmc"], target=world["snnmt"])
    assert shadowed_rules() == {}


@pytest.mark.django_db
def test_the_back_office_says_a_rule_never_fires(staff, world):
    rule(world, priority=10, category=None, area=world["hcmc"], target=world["snnmt"])
    form = {
        "priority": "50",
        "category": str(world["noise"].pk),
        "area": "26743",
        "start_time": "",
        "end_time": "",
        "target": str(world["sct"].pk),
        "is_active": "on",
        "note": "",
    }
    r = staff.post(f"{ADMIN}/reports/routingrule/add/", form)
    assert r.status_code == 302, r.context and r.context["adminform"].form.errors
    added = RoutingRule.objects.get(target=world["sct"])
    said = [str(m) for m in get_messages(r.wsgi_request) if m.level_tag == "warning"]
    assert len(said) == 1 and f"{added.pk}" in said[0] and "Không bao giờ được dùng" in said[0], said
    listing = staff.get(f"{ADMIN}/reports/routingrule/").content.decode()
    assert len(re.findall(r"class=\"field-never_used\">Không bao giờ được dùng", listing)) == 1
    # Saving the broad rule says which rule it hides.
    broad = RoutingRule.objects.get(priority=10)
    form |= {"priority": "10", "category": "", "area": "79", "target": str(world["snnmt"].pk)}
    r = staff.post(f"{ADMIN}/reports/routingrule/{broad.pk}/change/", form)
    said = [str(m) for m in get_messages(r.wsgi_request) if m.level_tag == "warning"]
    assert len(said) == 1 and "từ nay không bao giờ được dùng" in said[0], said
    page = staff.get(f"{ADMIN}/reports/routingrule/{broad.pk}/change/").content.decode()
    assert "cụ thể hơn" in page  # the help text says how ties go


# --- 2. A rule's one name, the list's columns and its category filter -------------------------------


@pytest.mark.django_db
def test_a_rule_is_named_by_its_id(world):
    ward = rule(world, area=world["ben_thanh"], target=world["sct"])
    any_category = rule(world, category=None, area=None)
    with translation.override("en"):
        assert str(ward) == f"Rule {ward.pk}: Tiếng ồn · Phường Bến Thành → Sở Công Thương"
        assert str(any_category) == (
            f"Rule {any_category.pk}: any category · province of the receiving unit → Sở Nông nghiệp và Môi trường"
        )


@pytest.mark.django_db
def test_the_rule_list_shows_ids_any_category_and_report_categories_only(staff, world):
    ward = rule(world, area=world["ben_thanh"], target=world["sct"])
    any_category = rule(world, priority=60, category=None, area=world["hcmc"])
    listing = staff.get(f"{ADMIN}/reports/routingrule/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    cells = re.findall(r'<(?:th|td) class="field-number">(?:<a [^>]*>)?(\d+)', listing)
    assert cells == [str(ward.pk), str(any_category.pk)]
    assert 'class="field-category_shown">Any category<' in listing or ">Mọi lĩnh vực<" in listing
    filters = listing[listing.index('id="changelist-filter"') :]
    assert "Tiếng ồn" in filters and "Đất đai" not in filters  # the dossier category is not offered
    assert "?category=any" in filters
    only_any = staff.get(f"{ADMIN}/reports/routingrule/", {"category": "any"}).content.decode()
    found = re.findall(r'class="field-number">(?:<a [^>]*>)?(\d+)', only_any)
    assert found == [str(any_category.pk)]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_rule_lists_receiving_unit_is_in_sight(page: Any, personas) -> None:
    """At 1280 and 1600 pixels the receiving unit's column was scrolled out of the list's box."""
    personas.admin.is_staff = personas.admin.is_superuser = True
    personas.admin.save()
    noise = ServiceCategory.objects.create(
        code="noise", domain="report", name="Tiếng ồn", name_en="Noise", handled_by="ward", working_days=5
    )
    target = Organisation.objects.create(
        code="79.SNNMT", name="Sở Nông nghiệp và Môi trường", kind=OrgKind.DEPARTMENT, parent=personas.city
    )
    RoutingRule.objects.create(
        priority=50, category=noise, area=AdminUnit.objects.get(code="79"), target=target
    )
    RoutingRule.objects.create(
        priority=50, category=noise, area=AdminUnit.objects.get(code="26743"), target=target, weekdays="12345"
    )
    log_in(page, "admin", "pw-admin")
    for width in (1280, 1600):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/quan-tri/reports/routingrule/")
        box, cell = page.evaluate(
            """() => [document.querySelector('.results').getBoundingClientRect().right,
                      document.querySelector('#result_list td.field-target').getBoundingClientRect().right]"""
        )
        assert cell <= box, (width, cell, box)


# --- 3. The queue: overdue first, due soon -------------------------------------------------------------


def _report(description: str, **fields) -> Report:
    report = submit_report(description=description)
    Report.objects.filter(pk=report.pk).update(**fields)
    return Report.objects.get(pk=report.pk)


@pytest.fixture
def mixed(personas, categories):
    """Four open reports: one paused in time with the earliest due time, two overdue (one of them paused
    after its due time), one due tomorrow."""
    now = timezone.now()
    return {
        "paused_in_time": _report(
            "Chờ người dân", due_at=now - timedelta(hours=5), paused_at=now - timedelta(hours=6)
        ),
        "overdue": _report("Quá hạn", due_at=now - timedelta(hours=1)),
        "overdue_paused": _report(
            "Quá hạn rồi tạm dừng", due_at=now - timedelta(hours=3), paused_at=now - timedelta(hours=2)
        ),
        "later": _report("Còn hạn", due_at=now + timedelta(days=1)),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("paused_max", [500, 0])  # the paused reports' ids, or (too many) each row read
def test_overdue_reports_come_first_then_by_due_time(personas, mixed, monkeypatch, paused_max):
    monkeypatch.setattr(selectors, "PAUSED_IN_TIME_MAX", paused_max)
    expected = [mixed[k].code for k in ("overdue_paused", "overdue", "paused_in_time", "later")]
    assert [r.code for r in queue(personas.officer, QueueFilters())] == expected
    for size in (1, 2, 3, 4, 10):  # every page size, every page: the same order, nothing twice
        pages = queue_page(personas.officer, QueueFilters(), 1, size).paginator
        codes = [
            r.code for n in pages.page_range for r in queue_page(personas.officer, QueueFilters(), n, size)
        ]
        assert codes == expected, size
    overdue = queue_page(personas.officer, QueueFilters(status="overdue"), 1, 10)
    assert [r.code for r in overdue] == expected[:2]
    every = queue_page(personas.officer, QueueFilters(status="all"), 1, 10)
    assert [r.code for r in every] == expected


@pytest.mark.django_db
def test_the_queue_page_lists_overdue_first_and_marks_due_soon(client, personas, mixed):
    Report.objects.filter(pk=mixed["later"].pk).update(warned_at=timezone.now())
    client.force_login(personas.officer)
    page = client.get("/xu-ly/").content.decode()
    codes = re.findall(r'data-testid="queue-row" data-code="([^"]+)"', page)
    assert codes[:2] == [mixed["overdue_paused"].code, mixed["overdue"].code]
    rows = dict(re.findall(r'data-code="([^"]+)">(.*?)</tr>', page, re.S))
    assert 'data-testid="due-soon"' in rows[mixed["later"].code]
    assert all('data-testid="due-soon"' not in rows[code] for code in codes if code != mixed["later"].code)


@pytest.mark.skipif("connection.vendor != 'sqlite'")
@pytest.mark.django_db
def test_each_part_of_the_queue_is_read_from_an_index(personas, mixed):
    """No part of the overdue-first order scans the reports' table: each searches an index (the ids of the
    reports paused in time, the table's own key)."""
    plans = []
    original = selectors._InParts.__getitem__

    def explained(self, window):
        plans.extend(part[:50].explain() for part in self.parts)
        return original(self, window)

    selectors._InParts.__getitem__ = explained
    try:
        queue_page(personas.leader, QueueFilters(), 1, 50)
    finally:
        selectors._InParts.__getitem__ = original
    assert len(plans) == 4
    for plan in plans:
        assert "SEARCH reports_report USING" in plan and "SCAN reports_report" not in plan, plan
    assert "USING INTEGER PRIMARY KEY" in plans[1]  # paused in time: its few ids
    paused = (
        Report.objects.filter(
            paused_at__isnull=False, paused_at__lte=timezone.now(), due_at__lt=timezone.now()
        )
        .values_list("pk", flat=True)
        .explain()
    )
    assert "report_paused" in paused, paused


# --- 4. The commune/ward filter said when it selects nothing; the boundary filter ------------------------


@pytest.mark.django_db
def test_an_unknown_or_foreign_ward_is_refused_by_name(client, personas, categories):
    submit_report()
    client.force_login(personas.officer)
    for code in ("99999", "79", "26740"):  # no such unit, a province, another ward's
        r = client.get("/xu-ly/", {"ward": code})
        assert r.status_code == 400, code
        assert re.search(r'<li data-field="ward">', r.content.decode()), code
    assert client.get("/xu-ly/", {"ward": "26743"}).status_code == 200
    problems = queue_filter_problems(personas.officer, QueueFilters(ward="26740"))
    assert [field for field, _message in problems] == ["ward"] and "Phường Sài Gòn" in problems[0][1]
    # The city's leader has every ward of the city; a report transferred in from next door counts.
    assert queue_filter_problems(personas.leader, QueueFilters(ward="26740")) == []
    submit_report(lon=106.703, lat=10.7788)
    Report.objects.filter(ward_id="26740").update(unit=personas.ward)
    assert queue_filter_problems(personas.officer, QueueFilters(ward="26740")) == []


@pytest.mark.django_db
def test_the_queue_lists_the_reports_near_a_boundary(client, personas, categories):
    near = submit_report(description="Gần ranh giới")
    Report.objects.filter(pk=near.pk).update(near_boundary=True)
    submit_report(description="Giữa phường")
    found = queue(personas.officer, QueueFilters(near_boundary=True))
    assert [r.code for r in found] == [near.code]
    client.force_login(personas.officer)
    page = client.get("/xu-ly/", {"near_boundary": "1"}).content.decode()
    assert re.search(
        r'<select id="f-boundary" name="near_boundary">.*?<option value="1" selected>', page, re.S
    )


def test_a_report_finished_while_paused_leaves_the_paused_list(personas, categories):
    """Resolved while waiting for the citizen: the pause mark goes, so finished reports never pile up in
    the queue's "paused in time" list (over its limit every page would read each row)."""
    from citydesk.reports.services import report_pause, report_transition
    from tests.reports.conftest import submit_report as _submit

    report = _submit(contact_email="dan@example.vn", contact_name="Nguyễn Văn Dân")
    for action in ("classify", "assign", "start"):
        extra = {"assignee": personas.officer.username} if action == "assign" else {}
        report = report_transition(user=personas.head, code=report.code, action=action, **extra)
    report_pause(user=personas.officer, code=report.code, note="Xin ảnh rõ hơn")
    assert Report.objects.get(pk=report.pk).paused_at is not None
    report_transition(user=personas.officer, code=report.code, action="resolve", resolution="Đã vá ổ gà")
    assert Report.objects.get(pk=report.pk).paused_at is None
