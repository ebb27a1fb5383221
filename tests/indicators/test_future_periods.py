"""A period that has not started yet has no values: every way of writing them refuses it, naming the
period, while plans (targets) may still be set for it; the dashboards never open on it by default."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from citydesk.core.errors import DomainError
from citydesk.indicators import imports, periods, platform, services
from citydesk.indicators.models import DataValue, Indicator, Plan, Submission
from tests.indicators.entry_fixtures import make_catalog
from tests.indicators.test_dashboards import SUMMARY
from tests.indicators.test_dashboards import data as data  # the fixture

pytestmark = pytest.mark.django_db

THIS_MONTH = periods.current("M")
NEXT_MONTH = periods.following("M", THIS_MONTH)
NEXT = periods.period_key("M", NEXT_MONTH)
NEXT_YEAR = periods.period_key("Y", periods.following("Y", periods.current("Y")))
HEADER = "Mã chỉ tiêu;Tên chỉ tiêu;Đơn vị tính;Mã đơn vị;Kỳ;Giá trị;Ghi chú\n"


@pytest.fixture
def cat(personas):
    return make_catalog(personas)


def _names_the_period(message: str, period_type: str, day: date) -> bool:
    return periods.period_label(period_type, day) in message


# --- The rule ---------------------------------------------------------------------------------------


def test_a_period_has_started_on_its_first_day():
    today = date(2026, 11, 22)
    for kind, day in (("M", date(2026, 11, 1)), ("Q", date(2026, 10, 1)), ("Y", date(2026, 1, 1))):
        periods.check_started(kind, day, today=today)  # under way: values may come in
        periods.check_started(kind, periods.previous(kind, day), today=today)
        following = periods.following(kind, day)
        with pytest.raises(DomainError) as info:
            periods.check_started(kind, following, today=today)
        assert info.value.field == "period"
        assert _names_the_period(info.value.message, kind, following)
    periods.check_started("M", date(2026, 12, 1), today=date(2026, 12, 1))


# --- Every way of writing values --------------------------------------------------------------------


def test_services_refuse_values_for_a_future_period(personas, cat):
    with pytest.raises(DomainError) as info:
        services.value_set(
            user=personas.officer, indicator_code="REV", unit_code="26743", period=NEXT, value="5"
        )
    assert info.value.field == "period" and _names_the_period(info.value.message, "M", NEXT_MONTH)
    with pytest.raises(DomainError) as info:
        services.values_set_many(
            user=personas.officer, unit_code="26743", period=NEXT, values={"REV": "5", "FIRMS": "2"}
        )
    assert info.value.field == "period" and _names_the_period(info.value.message, "M", NEXT_MONTH)
    assert DataValue.objects.count() == 0 and Submission.objects.count() == 0
    # The month under way is open.
    services.value_set(
        user=personas.officer,
        indicator_code="REV",
        unit_code="26743",
        period=periods.period_key("M", THIS_MONTH),
        value="5",
    )
    assert DataValue.objects.count() == 1


def test_entry_form_refuses_a_future_period(client, personas, cat):
    client.force_login(personas.officer)
    url = reverse("indicators_entry:form", args=["G01", "26743", NEXT])
    page = client.get(url)
    assert page.status_code == 400
    assert "indicators/dash_error.html" in [t.name for t in page.templates]
    assert periods.period_label("M", NEXT_MONTH) in page.content.decode()
    posted = client.post(url, {"v_REV": "5", "v_FIRMS": "2", "action": "save"})
    assert posted.status_code == 400
    assert DataValue.objects.count() == 0
    choose = client.get(reverse("indicators_entry:choose"), {"group": "G01", "unit": "26743", "period": NEXT})
    assert choose.status_code == 200 and b'data-testid="error-period"' in choose.content
    template = client.get(
        reverse("indicators_entry:template"), {"group": "G01", "unit": "26743", "period": NEXT}
    )
    assert template.status_code == 400


def test_import_refuses_a_future_period_row(personas, cat):
    data = (HEADER + f"REV;;;26743;{NEXT};5;\nFIRMS;;;26743;2026-03;2;\n").encode()
    with pytest.raises(imports.ImportRejected) as info:
        imports.values_import(user=personas.officer, file=data, filename="v.csv")
    (error,) = info.value.errors
    assert (error.row, error.key, error.column) == (2, "period", "Kỳ")
    assert _names_the_period(error.message, "M", NEXT_MONTH)
    assert DataValue.objects.count() == 0


def test_plans_for_future_periods_stay_allowed(personas, cat):
    services.plan_set(
        user=personas.leader, indicator_code="REV", unit_code="26743", period=NEXT_YEAR, value=1
    )
    services.plan_set(user=personas.leader, indicator_code="REV", unit_code="26743", period=NEXT, value=1)
    data = f"indicator,unit,period,value\nREV,26743,{NEXT_YEAR},12000\n".encode()
    imports.plans_import(user=personas.leader, file=data, filename="p.csv")
    assert Plan.objects.count() == 3


def test_fill_platform_refuses_a_future_period(personas):
    ind = Indicator.objects.create(
        group=make_catalog(personas).group,
        code="RECEIVED",
        name="Phản ánh tiếp nhận",
        unit_of_measure="phản ánh",
        source="platform",
        platform_key="reports.received",
    )
    ind.reporting_units.set([personas.ward, personas.city])
    with pytest.raises(DomainError) as info:
        platform.fill_platform(period_type="M", period=NEXT_MONTH)
    assert info.value.field == "period"
    with pytest.raises(CommandError) as failed:
        call_command("fill-platform-indicators", "--period", "2099-01")
    assert failed.value.returncode != 0
    assert "2099" in str(failed.value)
    assert DataValue.objects.count() == 0
    call_command("fill-platform-indicators", "--period", periods.period_key("M", THIS_MONTH))
    assert DataValue.objects.filter(indicator=ind).count() == 2


# --- The dashboards ---------------------------------------------------------------------------------


def test_dashboards_never_open_on_a_future_month(client, personas, data):
    """An old database holds values for January 2099 (written before the rule): the pages still open on
    the newest month that has started."""
    rows = [
        DataValue(indicator=ind, unit=unit, period_type="M", period=date(2099, 1, 1), value=0)
        for ind in Indicator.objects.filter(periodicity="M")
        for unit in (personas.ward, personas.other_ward)
    ]
    DataValue.objects.bulk_create(rows)
    client.force_login(personas.leader)
    for url in (SUMMARY, "/chi-tieu-ktxh/nhom/ECO/", "/chi-tieu-ktxh/chi-tieu/RETAIL/"):
        page = client.get(url)
        assert page.status_code == 200
        assert page.context["filters"].period == date(2026, 3, 1), url
    client.force_login(personas.head)
    assert client.get(SUMMARY).context["filters"].period == date(2026, 3, 1)
