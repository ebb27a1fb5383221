"""Dashboard answers from the roll-ups equal a direct count over the reports, for any filters."""

import itertools
import json
import random
import re
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from citydesk.core.models import ServiceCategory
from citydesk.ioc.queries import Filters, choose_grain, split_period, total, totals, totals_by
from citydesk.reports.models import OPEN_STATUSES, Report
from citydesk.reports.services import report_transition
from tests.reports.conftest import submit_report

pytestmark = pytest.mark.django_db


def test_split_period_uses_whole_months():
    assert split_period(date(2026, 1, 15), date(2026, 4, 10)) == (
        [(date(2026, 1, 15), date(2026, 1, 31)), (date(2026, 4, 1), date(2026, 4, 10))],
        (date(2026, 2, 1), date(2026, 3, 1)),
    )
    assert split_period(date(2026, 2, 1), date(2026, 2, 28)) == ([], (date(2026, 2, 1), date(2026, 2, 1)))
    assert split_period(date(2026, 2, 3), date(2026, 2, 20)) == (
        [(date(2026, 2, 3), date(2026, 2, 20))],
        None,
    )
    assert split_period(date(2025, 12, 1), date(2026, 1, 31)) == ([], (date(2025, 12, 1), date(2026, 1, 1)))


def test_the_smallest_grain_that_keeps_the_dimensions_is_chosen():
    assert choose_grain("day", set()).name == "all"
    assert choose_grain("day", {"unit"}).name == "unit"
    assert choose_grain("month", {"unit", "category"}).name == "full"
    assert choose_grain("day", {"unit", "channel", "status"}).name == "full"
    with pytest.raises(ValueError, match="ward"):
        choose_grain("day", {"ward"})  # the ward map reads the heat-map store (decision 0009)


@pytest.fixture
def spread(personas, categories):
    """40 reports over Dec 2025 – Mar 2026, two categories, three channels, some resolved."""
    rng = random.Random(11)
    start = timezone.make_aware(datetime(2025, 12, 1, 9, 0))
    for _ in range(40):
        report = submit_report(
            category=rng.choice(["road_damage", "street_lighting"]),
            channel=rng.choice(["web", "app", "hotline"]),
            when=start + timedelta(days=rng.randint(0, 119), hours=rng.randint(0, 14)),
        )
        if report.unit_id == personas.ward.pk and rng.random() < 0.5:
            report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
            report_transition(user=personas.officer, code=report.code, action="resolve", resolution="Xong")
    return personas


def _direct(filters: Filters) -> tuple[int, int, int]:
    qs = Report.objects.all()
    day_of = {r.pk: timezone.localtime(r.created_at).date() for r in qs}
    ids = [pk for pk, d in day_of.items() if filters.start <= d <= filters.end]
    qs = qs.filter(pk__in=ids)
    if filters.category_id is not None:
        qs = qs.filter(category_id=filters.category_id)
    if filters.unit_ids is not None:
        qs = qs.filter(unit_id__in=filters.unit_ids)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    resolved = qs.exclude(resolved_at=None)
    return qs.count(), resolved.count(), sum(r.resolved_at <= r.due_at for r in resolved)


def test_any_filter_combination_matches_a_direct_count(spread):
    road = ServiceCategory.objects.get(code="road_damage").pk
    periods = [
        (date(2025, 12, 1), date(2026, 3, 31)),
        (date(2025, 12, 10), date(2026, 2, 14)),
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 5), date(2026, 2, 6)),
    ]
    options = itertools.product(
        periods,
        [None, road],
        [None, frozenset({spread.ward.pk})],
        [None, "hotline"],
        [None, "open", "resolved"],
    )
    checked = 0
    for (start, end), category, units, channel, status in options:
        filters = Filters(start, end, category_id=category, unit_ids=units, channel=channel, status=status)
        m = total(filters)
        assert (m.n, m.resolved_n, m.on_time_n) == _direct(filters), filters
        checked += m.n > 0
    assert checked > 20


def test_groups_add_up_and_match(spread):
    filters = Filters(date(2025, 12, 10), date(2026, 3, 20))
    whole = total(filters).n
    for dim in ("category", "channel", "unit", "period"):
        groups = totals(filters, (dim,))
        assert sum(m.n for m in groups.values()) == whole, dim
    by_channel = {k[0]: m.n for k, m in totals(filters, ("channel",)).items() if m.n}
    assert by_channel == {
        ch: _direct(Filters(filters.start, filters.end, channel=ch))[0] for ch in by_channel
    }
    by_day = totals(filters, ("period",))
    assert all(isinstance(k[0], date) and filters.start <= k[0] <= filters.end for k in by_day)


def test_breakdowns_read_together_equal_each_read_alone(spread):
    """`totals_by` folds one read grouped by several dimensions into each breakdown: every measure of
    every group equals `totals` for that group, over days and whole months, with and without filters."""
    road = ServiceCategory.objects.get(code="road_damage").pk
    groups = (("category",), ("channel",), ("status",), ("unit", "channel"))
    views = [
        Filters(date(2025, 12, 10), date(2026, 3, 20)),
        Filters(date(2025, 12, 1), date(2026, 2, 28), unit_ids=frozenset({spread.ward.pk})),
        Filters(date(2026, 1, 5), date(2026, 3, 31), category_id=road, channel="hotline", status="open"),
    ]
    for filters in views:
        together = totals_by(filters, groups)
        for group, found in zip(groups, together, strict=True):
            alone = totals(filters, group)
            assert found.keys() == alone.keys(), group
            for key, m in found.items():
                hours = m.values.pop("hours_sum")
                assert hours == pytest.approx(alone[key].values.pop("hours_sum")), (group, key)
                assert m.values == alone[key].values, (group, key)
            assert all(isinstance(m.n, int) for m in found.values())
    assert sum(m.n for m in totals_by(views[0], (("channel",),))[0].values()) == total(views[0]).n > 0


def test_derived_figures():
    from citydesk.ioc.queries import Measures

    m = Measures()
    m.values.update(n=10, resolved_n=8, on_time_n=6, rated_satisfied=3, rated_normal=1, reopened_n=2)
    m.values.update(ever_resolved_n=8)  # the reopened share is over the reports resolved at least once
    m.values.update(h2=4, h3=4)  # 8–24 h and 24–48 h: the median sits at the edge, 24 h
    assert m.on_time_pct == 75 and m.satisfaction_pct == 75 and m.reopen_pct == 25
    assert m.median_hours == pytest.approx(24)
    assert Measures().median_hours is None and Measures().on_time_pct is None


def test_heat_map_bins_hold_the_points_and_lead_to_their_reports(client, personas, categories):
    from citydesk.ioc import heat
    from tests.reports.conftest import BEN_THANH

    here = submit_report(lon=BEN_THANH[0], lat=BEN_THANH[1])
    submit_report(lon=BEN_THANH[0] + 0.01, lat=BEN_THANH[1])  # about 1 km east: another bin
    submit_report(lon=None, lat=None, address="12 Lê Lợi", ward_code="26743")  # no point: no bin
    today = timezone.localdate()
    bins = heat.counts(Filters(today, today))
    assert sorted(bins.values()) == [1, 1]
    cell = next(c for c in bins if _inside(heat.grid_bounds(c), here.lon, here.lat))
    client.force_login(personas.leader)
    page = client.get(f"/xu-ly/?status=all&cell={cell}").content.decode()
    assert here.code in page and page.count('data-testid="queue-row"') == 1
    # The overview sends each square's centre, count and id, and one link for the browser to fill in.
    overview = client.get(f"/dieu-hanh/?start={today}&end={today}").content.decode()
    data = json.loads(re.search(r'id="ioc-heat-data"[^>]*>(.*?)</script>', overview, re.S).group(1))
    centre = next(c for c in data["cells"] if c[3] == cell)
    assert centre[2] == 1 and _inside(heat.grid_bounds(cell), centre[1], centre[0])
    link = data["link"].replace("cell=" + data["placeholder"], f"cell={cell}")
    listed = client.get(link).content.decode()
    assert here.code in listed and listed.count('data-testid="queue-row"') == 1


def _inside(bounds, lon, lat):
    west, south, east, north = bounds
    return west <= lon < east and south <= lat < north
