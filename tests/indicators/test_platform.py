"""Values owned by the platform equal direct counts of reports, dossiers and ratings."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from citydesk.core.audit import Actor
from citydesk.dossiers.models import DossierMonth, Procedure
from citydesk.indicators import platform
from citydesk.indicators.models import DataValue, Indicator, IndicatorGroup
from citydesk.ratings.services import ratings_import
from citydesk.reports.models import Report
from tests.reports.conftest import categories, submit_report  # noqa: F401 — the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicators(personas):
    group = IndicatorGroup.objects.create(code="G20", name="Chính quyền số")
    made = {}
    for key in (
        "reports.received",
        "reports.on_time_pct",
        "dossiers.received",
        "dossiers.online_pct",
        "dossiers.on_time_pct",
        "ratings.satisfied_pct",
    ):
        ind = Indicator.objects.create(
            group=group,
            code=key.upper().replace(".", "_"),
            name=key,
            unit_of_measure="%",
            source="platform",
            platform_key=key,
        )
        ind.reporting_units.set([personas.ward, personas.city])
        made[key] = ind
    return made


def test_every_registered_key_is_callable():
    assert {
        "reports.received",
        "reports.on_time_pct",
        "dossiers.received",
        "dossiers.online_pct",
        "dossiers.on_time_pct",
        "ratings.satisfied_pct",
    } <= set(platform.REGISTRY)


def test_platform_values_equal_direct_counts(personas, categories, indicators):  # noqa: F811
    month = timezone.localdate().replace(day=1)
    reports = [submit_report() for _ in range(3)]
    assert all(r.unit_id is not None for r in reports)
    Report.objects.filter(pk=reports[0].pk).update(
        resolved_at=timezone.now(), due_at=timezone.now() + timezone.timedelta(days=1)
    )
    Report.objects.filter(pk=reports[1].pk).update(
        resolved_at=timezone.now(), due_at=timezone.now() - timezone.timedelta(days=1)
    )
    proc = Procedure.objects.create(
        code="1.001193", name="Khai sinh", field="Hộ tịch", authority="ward", processing_time=1
    )
    DossierMonth.objects.create(
        month=month,
        unit=personas.ward,
        procedure=proc,
        channel="online",
        received=6,
        finished=4,
        finished_early=1,
        finished_on_time=2,
        finished_late=1,
    )
    DossierMonth.objects.create(month=month, unit=personas.ward, procedure=proc, channel="desk", received=2)
    csv = f"month,unit,channel,satisfied,normal,unsatisfied\n{month:%Y-%m},26743,kiosk,90,6,4\n".encode()
    ratings_import(actor=Actor.system("test"), file=csv, filename="r.csv")

    written = platform.fill_platform(period_type="M", period=month)
    got = {
        (v.indicator.platform_key, v.unit.code): v.value
        for v in DataValue.objects.select_related("indicator", "unit")
    }
    ward_reports = Report.objects.filter(unit__in=[personas.ward])
    in_tree = Report.objects.filter(
        unit__in=[
            personas.ward,
            personas.city,
            personas.other_ward,
            personas.department,
            personas.inspectorate,
        ]
    )
    assert got[("reports.received", "26743")] == ward_reports.count()
    assert got[("reports.received", "79")] == in_tree.count() == 3
    assert got[("reports.on_time_pct", "79")] == 50.0
    assert got[("dossiers.received", "26743")] == 8
    assert got[("dossiers.online_pct", "26743")] == 75.0
    assert got[("dossiers.on_time_pct", "79")] == 75.0
    assert got[("ratings.satisfied_pct", "26743")] == 90.0
    assert written == len(got)
    assert all(v.source == "platform" for v in DataValue.objects.all())
    # A second fill changes nothing and duplicates nothing; a changed count is rewritten.
    assert platform.fill_platform(period_type="M", period=month) == 0
    assert DataValue.objects.count() == written
    row = DataValue.objects.order_by("pk").first()
    DataValue.objects.filter(pk=row.pk).update(value=row.value + 1)
    assert platform.fill_platform(period_type="M", period=month) == 1
    assert DataValue.objects.get(pk=row.pk).value == row.value


def test_no_data_gives_no_share_and_the_command_runs(personas, indicators):
    month = timezone.localdate().replace(day=1)
    call_command("fill-platform-indicators", "--period", f"{month:%Y-%m}")
    values = {v.indicator.platform_key: v.value for v in DataValue.objects.filter(unit=personas.ward)}
    assert values == {"reports.received": 0.0, "dossiers.received": 0.0}
    assert (
        platform.compute("ratings.satisfied_pct", unit_id=personas.ward.pk, period_type="M", period=month)
        is None
    )


def test_a_period_before_the_platform_holds_data_has_no_values(personas, indicators):
    from django.core.management import CommandError

    with pytest.raises(CommandError) as before:
        call_command("fill-platform-indicators", "--period", "2020-01")
    assert before.value.returncode == 2 and "2020-01" in str(before.value)
    assert not DataValue.objects.exists()
    # Ratings imported back to 2019 count from then on; reports and dossiers, which begin with the
    # installation, have no value for 2019 (not 0).
    csv = b"month,unit,channel,satisfied,normal,unsatisfied\n2019-06,26743,kiosk,9,1,0\n"
    ratings_import(actor=Actor.system("test"), file=csv, filename="r.csv")
    call_command("fill-platform-indicators", "--period", "2019-06")
    values = {v.indicator.platform_key: v.value for v in DataValue.objects.filter(unit=personas.ward)}
    assert values == {"ratings.satisfied_pct": 90.0}
    assert platform.data_starts()["ratings"] == date(2019, 6, 1)


def test_every_platform_key_of_the_catalog_has_a_computation():
    from citydesk.indicators.catalog import PLATFORM_KEYS
    from citydesk.indicators.platform import REGISTRY

    assert set(PLATFORM_KEYS) == set(REGISTRY)


def test_a_wards_reports_include_those_a_department_handles(personas, categories, indicators):  # noqa: F811
    """The leader read 21 reports for the city on the indicator page and 30 on the operations center: the
    wards' figures left out the reports handled by departments."""
    month = timezone.localdate().replace(day=1)
    at_ward = submit_report()
    by_department = submit_report()
    Report.objects.filter(pk=by_department.pk).update(unit=personas.department)  # located in Bến Thành
    nowhere = submit_report(lon=None, lat=None, address="Không rõ", ward_code="", province_code="79")
    assert nowhere.ward_id is None and nowhere.unit == personas.city
    scope = platform.scope_for(personas.ward.pk, "M", month)
    assert (
        float(platform._reports(scope).count())
        == 2
        == platform.compute("reports.received", unit_id=personas.ward.pk, period_type="M", period=month)
    )
    assert at_ward.pk in set(platform._reports(scope).values_list("pk", flat=True))
    city = platform.compute("reports.received", unit_id=personas.city.pk, period_type="M", period=month)
    assert city == Report.objects.count() == 3  # every report once, the unplaced one too
    department = platform.compute(
        "reports.received", unit_id=personas.department.pk, period_type="M", period=month
    )
    assert department == 1  # a scope without a ward: what it handles
