"""Running totals (year to date per unit and month): always equal to adding the values up again."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import translation

from citydesk.indicators import imports, running, services
from citydesk.indicators.measures import SENT_STATES, month_date, month_index
from citydesk.indicators.models import DataValue, RunningTotal, Submission
from tests.indicators.entry_fixtures import make_catalog
from tests.indicators.reports import send_reports

# Values written straight into the table come with their reports approved; the entry form's stay drafts.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reports_sent")]


def recount(fiscal_start: int = 1) -> dict[tuple, tuple[float, int, float]]:
    """The running totals by brute force: every month of every fiscal year from its first value on, of
    the values that count (computed ones, and entered ones whose report is sent)."""
    sent = set(
        Submission.objects.filter(state__in=SENT_STATES).values_list(
            "group_id", "unit_id", "period_type", "period"
        )
    )
    years: dict[tuple, dict[int, float]] = {}
    for ind, unit, ptype, period, value, group, source in DataValue.objects.values_list(
        "indicator_id",
        "unit_id",
        "period_type",
        "period",
        "value",
        "indicator__group_id",
        "indicator__source",
    ):
        if source == "entry" and (group, unit, ptype, period) not in sent:
            continue
        m = month_index(period)
        fy = m - (m - (fiscal_start - 1)) % 12
        years.setdefault((ind, unit, ptype, fy), {})[m] = value
    out = {}
    for (ind, unit, ptype, fy), months in years.items():
        for m in range(min(months), fy + 12):
            upto = {k: v for k, v in months.items() if k <= m}
            out[(ind, unit, ptype, month_date(m))] = (sum(upto.values()), len(upto), upto[max(upto)])
    return out


def table() -> dict[tuple, tuple[float, int, float]]:
    return {
        (ind, unit, ptype, month): (total, count, last)
        for ind, unit, ptype, month, total, count, last in RunningTotal.objects.values_list(
            "indicator_id", "unit_id", "period_type", "month", "total", "count", "last"
        )
    }


def assert_in_step(fiscal_start: int = 1) -> None:
    want, got = recount(fiscal_start), table()
    assert got.keys() == want.keys()
    for key, (total, count, last) in want.items():
        assert got[key][0] == pytest.approx(total), key
        assert got[key][1:] == (count, last), key


def test_every_way_of_changing_values_keeps_the_totals_in_step(personas):
    cat = make_catalog(personas)
    # The entry form: two values, then one changed and one removed.
    services.values_set_many(
        user=personas.officer, unit_code="26743", period="2026-03", values={"REV": "100"}
    )
    services.values_set_many(
        user=personas.officer, unit_code="26743", period="2026-01", values={"REV": "40", "FIRMS": "3"}
    )
    assert_in_step()
    december = (cat.revenue.pk, personas.ward.pk, "M", date(2026, 12, 1))
    assert december not in table()  # the form keeps drafts: no total counts them yet
    # Sent, the report's values join the totals; returned for correction, they leave them.
    services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period="2026-01")
    assert_in_step()
    assert table()[december] == (40.0, 1, 40.0)
    services.submission_return(
        user=personas.leader, group_code="G01", unit_code="26743", period="2026-01", note="Kiểm tra lại"
    )
    assert_in_step()
    assert december not in table()
    services.values_set_many(
        user=personas.officer, unit_code="26743", period="2026-01", values={"REV": "50", "FIRMS": ""}
    )
    assert_in_step()
    assert (cat.firms.pk, personas.ward.pk, "M", date(2026, 1, 1)) not in table()
    # One value, a yearly one, an import of a file, the model directly, a queryset delete.
    services.value_set(
        user=personas.officer, indicator_code="POOR", unit_code="26743", period="2025", value=7
    )
    header = "indicator;name;unit_name;unit;period;value;comment\n"
    rows = "".join(f"REV;;;{u};2026-{m:02d};{m * 10};\n" for u in ("26743",) for m in (2, 4, 5))
    imports.values_import(user=personas.officer, file=(header + rows).encode(), filename="v.csv")
    assert_in_step()
    row = DataValue.objects.create(
        indicator=cat.firms, unit=personas.other_ward, period_type="M", period=date(2025, 12, 1), value=9
    )
    row.value = 11
    row.save()
    assert_in_step()
    DataValue.objects.filter(indicator=cat.revenue, period=date(2026, 4, 1)).delete()
    assert_in_step()
    # Wiped (a restore that left them behind, here with every report approved meanwhile): the command
    # puts them back.
    Submission.objects.update(state="approved")
    RunningTotal.objects.all().delete()
    out = io.StringIO()
    with translation.override("en"):  # the site's language otherwise (the test run's: Vietnamese)
        call_command("rebuild-indicator-totals", stdout=out)
    assert "running-total rows rebuilt in" in out.getvalue()
    assert_in_step()
    assert len(table()) > 20


def test_a_failed_change_leaves_values_and_totals_as_they_were(personas):
    cat = make_catalog(personas)
    services.values_set_many(
        user=personas.officer, unit_code="26743", period="2026-03", values={"REV": "100"}
    )
    before = table()
    with pytest.raises(RuntimeError), transaction.atomic(), running.batch():
        DataValue.objects.create(
            indicator=cat.revenue, unit=personas.ward, period_type="M", period=date(2026, 1, 1), value=5
        )
        raise RuntimeError("stop")
    assert table() == before
    assert DataValue.objects.count() == 1


def _random_values(personas, rng) -> tuple[list[int], list[int]]:
    cat = make_catalog(personas)
    units = [personas.ward.pk, personas.other_ward.pk]
    rows = []
    for ind in (cat.revenue, cat.firms):
        for unit in units:
            for m in range(month_index(date(2024, 1, 1)), month_index(date(2026, 7, 1))):
                if rng.random() < 0.75:
                    rows.append(
                        DataValue(
                            indicator=ind,
                            unit_id=unit,
                            period_type="M",
                            period=month_date(m),
                            value=float(rng.integers(-50, 500)),
                        )
                    )
    DataValue.objects.bulk_create(rows)
    send_reports()
    return [cat.revenue.pk, cat.firms.pk], units


def test_any_period_inside_a_year_is_the_difference_of_two_rows(personas):
    rng = np.random.default_rng(11)
    ids, units = _random_values(personas, rng)
    assert running.refresh_years() == len(recount())
    values = list(DataValue.objects.values_list("indicator_id", "unit_id", "period", "value"))
    for a in range(month_index(date(2024, 1, 1)), month_index(date(2026, 7, 1))):
        for b in range(a + 1, a - a % 12 + 13):
            got = running.period_totals(ids, units, ["M"], a, b)
            assert got is not None
            inside = {}
            for ind, unit, period, value in values:
                if a <= month_index(period) < b:
                    inside.setdefault((ind, unit), []).append((period, value))
            assert {(i, u) for i, u, *_rest in got} == set(inside), (a, b)
            for ind, unit, _ptype, total, count, last in got:
                months = sorted(inside[(ind, unit)])
                assert total == pytest.approx(sum(v for _p, v in months)), (a, b)
                assert (count, last) == (len(months), months[-1][1]), (a, b)
    # Across the turn of a year the caller adds the months up itself.
    m = month_index(date(2025, 11, 1))
    assert running.period_totals(ids, units, ["M"], m, m + 3) is None


def test_a_fiscal_year_from_april(personas, settings, monkeypatch):
    settings.CITYDESK_FISCAL_YEAR_START_MONTH = 4
    rng = np.random.default_rng(12)
    ids, units = _random_values(personas, rng)
    monkeypatch.setattr(running, "COPY_ABOVE", 10)  # PostgreSQL: the COPY path of big rebuilds too
    running.rebuild()
    assert_in_step(fiscal_start=4)
    # January–March 2026 belong to the year that began in April 2025.
    fy = month_index(date(2025, 4, 1))
    got = running.period_totals(ids, units, ["M"], fy, month_index(date(2026, 4, 1)))
    want = {}
    for ind, unit, period, value in DataValue.objects.values_list(
        "indicator_id", "unit_id", "period", "value"
    ):
        if date(2025, 4, 1) <= period < date(2026, 4, 1):
            want[(ind, unit)] = want.get((ind, unit), 0.0) + value
    assert {(i, u): t for i, u, _p, t, _n, _l in got} == pytest.approx(want)
    assert running.period_totals(ids, units, ["M"], fy - 1, fy + 1) is None
