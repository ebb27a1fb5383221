"""QA-D10 #1: the leaders' figures take a unit's entered values only once its report is sent (submitted,
approved or locked). A draft, or a report returned for correction, stays the unit's own: not in the
cards, the comparisons, the sparklines, the running totals, the exports or the "units reported" count,
which then agrees with the progress page's "sent"."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse

from citydesk.indicators import measures as engine
from citydesk.indicators import panels, services
from citydesk.indicators.models import DataValue, Submission
from tests.indicators.entry_fixtures import make_catalog

pytestmark = pytest.mark.django_db

WARD, OTHER = "26743", "26740"
MARCH = date(2026, 3, 1)


@pytest.fixture
def cat(personas):
    return make_catalog(personas)


def _enter(personas, unit: str, period: str, rev: str, firms: str = "3") -> None:
    user = personas.officer if unit == WARD else personas.outsider  # the other ward's officer
    services.values_set_many(user=user, unit_code=unit, period=period, values={"REV": rev, "FIRMS": firms})


def _submit(personas, unit: str, period: str) -> None:
    user = personas.officer if unit == WARD else personas.outsider
    services.submission_submit(user=user, group_code="G01", unit_code=unit, period=period)


def _city(personas, period_type: str = "M", period: date = MARCH) -> engine.Measure:
    (measure,) = engine.measures(
        indicator_codes=["REV"],
        unit_ids=[personas.ward.pk, personas.other_ward.pk],
        period_type=period_type,
        period=period,
        aggregate=True,
    )
    return measure


def test_a_draft_counts_for_the_leader_only_once_submitted(client, personas, cat):
    _enter(personas, WARD, "2026-03", "100")
    assert Submission.objects.get().state == "draft"
    # The ward's own entry page shows its draft.
    client.force_login(personas.officer)
    entry = client.get(reverse("indicators_entry:form", args=["G01", WARD, "2026-03"]))
    assert entry.status_code == 200
    rev = next(r for r in entry.context["rows"] if r["indicator"].code == "REV")
    assert rev["current"].value == 100.0

    city = _city(personas)
    assert (city.value, city.reported) == (None, 0)
    quarter = _city(personas, "Q", date(2026, 1, 1))  # running totals: a period of several months
    assert (quarter.value, quarter.ytd) == (None, None)
    assert _city(personas, "Y", date(2026, 1, 1)).value is None
    spark = panels.spark_bulk([cat.revenue], [personas.ward.pk, personas.other_ward.pk], "M", MARCH)
    assert spark["REV"][-1] == (MARCH, None)

    _submit(personas, WARD, "2026-03")
    city = _city(personas)
    assert (city.value, city.reported) == (100.0, 1)
    quarter = _city(personas, "Q", date(2026, 1, 1))
    assert (quarter.value, quarter.ytd) == (100.0, 100.0)
    spark = panels.spark_bulk([cat.revenue], [personas.ward.pk, personas.other_ward.pk], "M", MARCH)
    assert spark["REV"][-1] == (MARCH, 100.0)

    # A unit's own figures, ranked among its peers: the same rule.
    (own,) = engine.measures(
        indicator_codes=["REV"], unit_ids=[personas.ward.pk], period_type="M", period=MARCH
    )
    assert (own.value, own.rank) == (100.0, 1)


def test_a_returned_report_drops_out(personas, cat):
    _enter(personas, WARD, "2026-03", "100")
    _submit(personas, WARD, "2026-03")
    assert _city(personas).value == 100.0
    services.submission_return(
        user=personas.leader, group_code="G01", unit_code=WARD, period="2026-03", note="Kiểm tra lại"
    )
    city = _city(personas)
    assert (city.value, city.reported) == (None, 0)
    assert _city(personas, "Q", date(2026, 1, 1)).value is None
    # Corrected and sent again: back in.
    _enter(personas, WARD, "2026-03", "90")
    assert _city(personas).value is None
    _submit(personas, WARD, "2026-03")
    assert _city(personas).value == 90.0
    services.submission_approve(user=personas.leader, group_code="G01", unit_code=WARD, period="2026-03")
    assert _city(personas, "Q", date(2026, 1, 1)).value == 90.0


def test_units_reported_agree_with_the_progress_page(client, personas, cat):
    """February: both wards sent. March: the ward sent, the other ward only saved a draft."""
    from openpyxl import load_workbook

    for unit in (WARD, OTHER):
        _enter(personas, unit, "2026-02", "50")
        _submit(personas, unit, "2026-02")
    _enter(personas, WARD, "2026-03", "100")
    _submit(personas, WARD, "2026-03")
    _enter(personas, OTHER, "2026-03", "7000")  # a typo, saved as a draft

    client.force_login(personas.leader)
    progress = client.get(reverse("indicators_entry:progress"), {"period": "2026-03"})
    assert progress.context["submitted"] == 1
    city = _city(personas)
    assert (city.value, city.reported, city.expected) == (100.0, 1, 2)
    # Compared over the units that reported: the ward's February, not both wards'.
    assert city.previous == 50.0

    page = client.get("/chi-tieu-ktxh/", {"period": "2026-03"})
    rev = next(c for s in page.context["sections"] for c in s["cards"] if c.code == "REV")
    assert rev.value == 100.0
    assert (rev.measure.reported, rev.measure.expected) == (1, 2)

    book = load_workbook(BytesIO(client.get("/chi-tieu-ktxh/xuat.xlsx", {"period": "2026-03"}).content))
    sheet = book[book.sheetnames[1]]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=False)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    reported, expected = header[-3], header[-2]
    assert (rows["REV"][reported], rows["REV"][expected]) == (1, 2)
    assert 7000 not in rows["REV"].values() and 7100 not in rows["REV"].values()

    # The pages open on the newest month the units have sent, not on one of drafts.
    _enter(personas, WARD, "2026-04", "1")
    _enter(personas, OTHER, "2026-04", "1")
    assert client.get("/chi-tieu-ktxh/").context["filters"].period == date(2026, 2, 1)


def test_computed_values_count_without_a_report(personas, cat):
    DataValue.objects.create(
        indicator=cat.reports, unit=personas.ward, period_type="M", period=MARCH, value=12, source="platform"
    )
    (measure,) = engine.measures(
        indicator_codes=["RPT"],
        unit_ids=[personas.ward.pk, personas.other_ward.pk],
        period_type="M",
        period=MARCH,
        aggregate=True,
    )
    assert (measure.value, measure.reported) == (12.0, 1)


def test_a_stretch_across_fiscal_years_adds_up_only_what_counts(personas, cat):
    """Months summed by the database outside the running totals (a stretch crossing a fiscal year)."""
    _enter(personas, WARD, "2025-12", "40")
    _submit(personas, WARD, "2025-12")
    _enter(personas, WARD, "2026-01", "60")  # a draft
    codes = engine._catalog()
    a, b = engine.month_index(date(2025, 12, 1)), engine.month_index(date(2026, 2, 1))
    grid = engine._Grid(codes, {"REV"}, [personas.ward.pk, personas.other_ward.pk], a, b)
    grid.load([], totals=([personas.ward.pk, personas.other_ward.pk], a, b))
    assert grid.over_units("REV", a, b, [0, 1]) == 40.0
