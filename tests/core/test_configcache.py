"""The per-process configuration cache: triggers bump the generation on every kind of change."""

from datetime import date

import pytest
from django.db import connection, transaction

from citydesk.core import configcache
from citydesk.core.models import AdminUnit, CalendarOverride, ConfigGeneration, Organisation, ServiceCategory
from citydesk.reports.services.common import _category

pytestmark = pytest.mark.django_db


def _category_row(code: str = "trees") -> ServiceCategory:
    return ServiceCategory.objects.create(
        code=code, domain="report", name="Cây xanh", name_en="Trees", handled_by="ward", working_days=3
    )


def test_the_generation_row_exists_after_migrate():
    assert configcache.generation() == ConfigGeneration.objects.get(pk=1).value > 0


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda: _category_row(), id="category insert"),
        pytest.param(lambda: ServiceCategory.objects.update(working_days=9), id="category bulk update"),
        pytest.param(
            lambda: Organisation.objects.filter(code="79").update(name="UBND TP. HCM"),
            id="organisation update",
        ),
        pytest.param(
            lambda: AdminUnit.objects.filter(code="26743").update(name="Phường Bến Thành mới"),
            id="unit update",
        ),
        pytest.param(
            lambda: CalendarOverride.objects.create(date=date(2026, 12, 24), kind="day_off", name="Nghỉ"),
            id="calendar override",
        ),
        pytest.param(
            lambda: connection.cursor().execute("DELETE FROM core_calendaroverride"), id="raw SQL delete"
        ),
    ],
)
def test_every_kind_of_change_bumps_the_generation(personas, change):
    ServiceCategory.objects.create(
        code="seed", domain="report", name="x", name_en="x", handled_by="ward", working_days=1
    )
    CalendarOverride.objects.create(date=date(2026, 12, 23), kind="day_off", name="Nghỉ")
    before = configcache.generation()
    change()
    assert configcache.generation() > before


def test_a_routing_rule_change_bumps_the_generation(personas):
    from citydesk.reports.models import RoutingRule

    before = configcache.generation()
    RoutingRule.objects.create(priority=1, target=Organisation.objects.get(code="79"))
    assert configcache.generation() > before


def test_reports_read_the_change_of_another_process_at_once(personas):
    row = _category_row()
    assert _category("trees").working_days == 3
    # Another process (raw SQL, no Django signal) edits the category: this process must not serve the
    # cached copy.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_servicecategory SET working_days = 7 WHERE id = %s", [row.pk])
    assert _category("trees").working_days == 7


def test_a_rolled_back_change_leaves_no_stale_entry(personas):
    _category_row()
    assert _category("trees").name == "Cây xanh"
    with pytest.raises(RuntimeError), transaction.atomic():
        ServiceCategory.objects.filter(code="trees").update(name="Tạm")
        assert _category("trees").name == "Tạm"  # cached at the uncommitted generation
        raise RuntimeError("roll back")
    assert _category("trees").name == "Cây xanh"
    # A later, different change must not reuse the rolled-back generation number.
    ServiceCategory.objects.filter(code="trees").update(working_days=4)
    assert _category("trees").name == "Cây xanh"
    assert _category("trees").working_days == 4


def test_without_the_generation_row_nothing_is_cached(personas):
    ConfigGeneration.objects.all().delete()
    assert configcache.generation() is None
    calls = []
    for _ in range(2):
        configcache.cached("probe", lambda: calls.append(1) or len(calls))
    assert calls == [1, 1]


def test_the_same_generation_is_served_from_memory(personas):
    calls = []
    gen = configcache.generation()
    first = configcache.cached("probe-2", lambda: calls.append(1) or object(), gen=gen)
    again = configcache.cached("probe-2", lambda: calls.append(1) or object(), gen=gen)
    assert first is again and calls == [1]
