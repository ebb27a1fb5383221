"""Review S25: the queue lists exactly what the operations center counts, and says every filter it applies.

- `unit_only=1` (with `unit`): the unit's own reports, not those of the units below it (the per-unit bars
  and league rows count a unit's own reports);
- `status=done`: resolved or closed, the reports the on-time share and the median handling time are
  computed from (`resolved_at` set);
- `rated=1`: the rated reports, those the satisfaction is computed from;
- every linked figure of /dieu-hanh/ equals the number of reports its link lists;
- the filters the form has no control for (ward, heat-map square, unit_only, rated, done) are shown above
  the list, each with a link that drops it.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from citydesk.core.models import Organisation
from citydesk.ioc import heat
from citydesk.ioc.queries import total, totals
from citydesk.reports.models import Report, Status
from citydesk.reports.services import report_rate, report_transition
from tests.browser.conftest import chromium, page, traffic  # noqa: F401  (the browser tests' fixtures)
from tests.reports.conftest import BEN_THANH, submit_report

pytestmark = pytest.mark.django_db
QUEUE = "/xu-ly/"
QUEUE_API = "/api/v1/reports"
IOC = "/dieu-hanh/"


def _overdue(report: Report) -> None:
    now = timezone.now()
    Report.objects.filter(pk=report.pk).update(
        status=Status.IN_PROGRESS, escalated_at=now, due_at=now - timedelta(hours=1)
    )


def _resolve(people, report: Report) -> None:
    report_transition(user=people.head, code=report.code, action="assign", assignee="officer")
    report_transition(user=people.officer, code=report.code, action="resolve", resolution="Đã vá")


def _rate(report: Report, level: str, *, reopen: bool = False) -> None:
    token = Report.objects.get(pk=report.pk).citizen_token
    report_rate(code=report.code, level=level, token=token, reopen=reopen)


@pytest.fixture
def mixed(personas, categories):
    """Reports of every kind the operations center tells apart, in the ward and in the city's committee
    above it (which handles some itself):

    ward: overdue; resolved and rated (closed); resolved, not rated; resolved then reopened by an
    unsatisfied rating (rated, no longer resolved); rejected; open. City: resolved and rated "normal"
    (closed), overdue, open. Department of Construction: one lighting report, open."""
    now = timezone.now()
    made = {
        name: submit_report(when=now - timedelta(days=d))
        for d, name in enumerate(
            ["overdue", "rated", "resolved", "reopened", "rejected", "open", "city_rated", "city_overdue"],
            start=1,
        )
    }
    made["city_open"] = submit_report(when=now - timedelta(days=9), channel="hotline")
    made["lighting"] = submit_report(when=now - timedelta(days=10), category="street_lighting")
    for name in ("rated", "resolved", "reopened", "city_rated"):
        _resolve(personas, made[name])
    _rate(made["rated"], "satisfied")
    _rate(made["reopened"], "unsatisfied", reopen=True)
    _rate(made["city_rated"], "normal")
    _overdue(made["overdue"])
    _overdue(made["city_overdue"])
    Report.objects.filter(pk=made["rejected"].pk).update(status=Status.REJECTED)
    city_own = [made[n].pk for n in ("city_rated", "city_overdue", "city_open")]
    Report.objects.filter(pk__in=city_own).update(unit=personas.city)
    # The others due later: the queue's overdue list (past the due time) and the operations center's
    # count (escalated by the deadline sweep) agree once the sweep has run, which these tests do not run.
    late = [made["overdue"].pk, made["city_overdue"].pk]
    Report.objects.exclude(pk__in=late).update(due_at=now + timedelta(days=3))
    personas.made = {k: Report.objects.get(pk=r.pk) for k, r in made.items()}
    return personas


def _page(client, params: dict[str, Any], **extra) -> tuple[int, set[str], str]:
    response = client.get(QUEUE, {**params, "per_page": 100}, **extra)
    html = response.content.decode()
    return response.status_code, set(re.findall(r'data-testid="queue-row" data-code="([^"]+)"', html)), html


def _api(client, headers, params: dict[str, Any]) -> tuple[int, Any]:
    response = client.get(QUEUE_API, {**params, "page_size": 200}, **headers)
    return response.status_code, response.json()


def _codes(mixed, *names: str) -> set[str]:
    return {mixed.made[n].code for n in names}


# --- 1. unit_only ----------------------------------------------------------------------------------


def test_unit_only_lists_the_units_own_reports_on_the_page_and_the_api(client, mixed, bearer):
    client.force_login(mixed.leader)
    own = _codes(mixed, "city_rated", "city_overdue", "city_open")
    status, codes, _html = _page(client, {"unit": "79", "unit_only": "1", "status": "all"})
    assert status == 200 and codes == own
    status, codes, _html = _page(client, {"unit": "79", "status": "all"})
    assert codes == {r.code for r in mixed.made.values()}  # with the units below it
    status, body = _api(client, bearer(mixed.leader), {"unit": "79", "unit_only": "true", "status": "all"})
    assert status == 200 and {i["code"] for i in body["items"]} == own and body["count"] == 3
    # Still within my units: the ward's head asking for the city is refused as before.
    status, body = _api(client, bearer(mixed.head), {"unit": "79", "unit_only": "1"})
    assert status == 400 and body["field"] == "unit"


def test_unit_only_without_a_unit_or_with_a_bad_value_is_refused_naming_it(client, mixed, bearer):
    client.force_login(mixed.leader)
    status, codes, html = _page(client, {"unit_only": "1", "status": "all"}, HTTP_ACCEPT_LANGUAGE="en")
    assert status == 400 and 'data-field="unit_only"' in html and "applies to one unit" in html
    assert codes == {r.code for r in mixed.made.values()}  # shown without it, as the page says
    assert 'name="unit_only"' not in html  # not sent again with the next search
    status, _listed, html = _page(client, {"unit": "79", "unit_only": "maybe"}, HTTP_ACCEPT_LANGUAGE="en")
    assert status == 400 and 'data-field="unit_only"' in html and "Must be true or false." in html
    for params in ({"unit_only": "1"}, {"unit": "79", "unit_only": "maybe"}):
        status, body = _api(client, bearer(mixed.leader), params)
        assert status == 400 and body["field"] == "unit_only", body


# --- 2. status=done ----------------------------------------------------------------------------------


def test_done_lists_the_resolved_and_closed_reports_as_the_operations_center_counts_them(
    client, mixed, bearer
):
    client.force_login(mixed.leader)
    done = _codes(mixed, "rated", "resolved", "city_rated")  # closed, resolved, closed; not the reopened
    assert {mixed.made[n].status for n in ("rated", "resolved", "city_rated")} == {"closed", "resolved"}
    assert mixed.made["reopened"].status == Status.REOPENED
    status, codes, html = _page(client, {"status": "done"})
    assert status == 200 and codes == done
    assert '<option value="done" selected>' in html
    assert done == set(Report.objects.filter(resolved_at__isnull=False).values_list("code", flat=True))
    status, body = _api(client, bearer(mixed.leader), {"status": "done"})
    assert status == 200 and {i["code"] for i in body["items"]} == done
    status, body = _api(client, bearer(mixed.leader), {"status": "finished"})
    assert status == 400 and body["field"] == "status"


# --- 3. rated ----------------------------------------------------------------------------------------


def test_rated_lists_the_rated_reports_on_the_page_and_the_api(client, mixed, bearer):
    client.force_login(mixed.leader)
    rated = _codes(mixed, "rated", "reopened", "city_rated")  # the reopened one keeps its rating
    status, codes, _html = _page(client, {"status": "all", "rated": "1"})
    assert status == 200 and codes == rated
    status, codes, _html = _page(client, {"status": "open", "rated": "1"})
    assert codes == _codes(mixed, "reopened")
    status, body = _api(client, bearer(mixed.leader), {"status": "all", "rated": "1"})
    assert status == 200 and {i["code"] for i in body["items"]} == rated
    status, body = _api(client, bearer(mixed.leader), {"status": "all", "rated": "0"})
    assert body["count"] == len(mixed.made)  # false: no filter
    status, body = _api(client, bearer(mixed.leader), {"rated": "sometimes"})
    assert status == 400 and body["field"] == "rated"
    status, _listed, html = _page(client, {"rated": "sometimes"}, HTTP_ACCEPT_LANGUAGE="en")
    assert status == 400 and 'data-field="rated"' in html


def test_the_api_documents_the_new_filters(client):
    schema = client.get("/api/v1/openapi.json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/v1/reports"]["get"]["parameters"]}
    assert (
        params["unit_only"]["schema"]["type"] == "boolean" and "below" in params["unit_only"]["description"]
    )
    assert params["rated"]["schema"]["type"] == "boolean" and "rated" in params["rated"]["description"]
    assert "`done`" in params["status"]["description"]


def test_the_new_filters_add_no_query_per_row(client, mixed):
    client.force_login(mixed.leader)
    params = {"status": "all", "rated": "1", "unit": "79", "unit_only": "1"}
    with CaptureQueriesContext(connection) as one:
        client.get(QUEUE, params)  # one rated report of the city's own
    # More of the city's own reports, one more of them rated.
    moved = [mixed.made[name].pk for name in ("overdue", "open", "resolved")]
    Report.objects.filter(pk__in=moved).update(unit=mixed.city)
    _rate(mixed.made["resolved"], "satisfied")
    with CaptureQueriesContext(connection) as more:
        response = client.get(QUEUE, params)
    assert len(re.findall(r'data-testid="queue-row"', response.content.decode())) == 2
    assert len(more.captured_queries) <= len(one.captured_queries)


# --- 4. Every linked figure of the operations center and the reports its link lists --------------------


def _rows(client, link: str) -> int:
    response = client.get(link.replace("&amp;", "&") + "&per_page=100")
    assert response.status_code == 200, (link, response.content.decode()[:2000])
    return len(re.findall(r'data-testid="queue-row"', response.content.decode()))


def _figures(context: dict[str, Any]) -> list[tuple[str, float, str]]:
    """(what, the number of reports behind it, link) of every figure of the page that may link."""
    whole = total(context["filters"])
    per_unit = {k[0]: m for k, m in totals(context["filters"], ("unit",)).items()}
    code_of = dict(Organisation.objects.values_list("code", "pk"))
    behind = {  # a rate's reports: those it is computed from
        "on_time": whole.resolved_n,
        "median": whole.resolved_n,
        "satisfaction": whole.rated,
    }
    found = []
    for card in context["cards"]:
        found.append((f"card {card.key}", behind.get(card.key, card.value), card.link))
        if card.detail_link:
            found.append(
                (f"detail {card.key}", float(re.search(r"\d+", card.detail).group()), card.detail_link)
            )
    for bar in context["by_category"].bars:
        found.append((f"category {bar.key}", bar.value, bar.link))
    for name in ("by_channel", "by_status"):
        found += [(f"{name} {s.key}", s.value, s.link) for s in context[name]]
    for bar in context["overdue_by_unit"].bars:
        found.append((f"overdue {bar.key}", bar.value, bar.link))
    for bar in context["satisfaction_by_unit"].bars:
        rated = per_unit[code_of[bar.key]].rated
        assert f"({rated})" in bar.text
        found.append((f"satisfaction {bar.key}", rated, bar.link))
    for row in context["league"]["best"] + context["league"]["worst"]:
        found.append((f"league {row['unit'].code}", row["m"].n, row["link"]))
    found += [(f"ward {w['code']}", w["n"], w["link"]) for w in context["map_rows"]]
    found += [(f"square {h['lat']},{h['lon']}", h["n"], h["link"]) for h in context["hotspots"]]
    return found


@pytest.mark.parametrize(
    "view, unlinked",
    [
        ({}, {"card reopen"}),
        ({"unit": "79"}, {"card reopen"}),
        # The queue's open and overdue lists hold no report of these statuses: those cards are no links.
        ({"status": "closed"}, {"card reopen", "card open", "card overdue"}),
        ({"status": "resolved"}, {"card reopen", "card open", "card overdue"}),
        # No report of an open status is resolved: the rates computed from the resolved ones are none.
        ({"status": "open"}, {"card reopen", "card on_time", "card median"}),
    ],
)
def test_every_linked_figure_is_the_number_of_reports_its_link_lists(client, mixed, view, unlinked):
    client.force_login(mixed.leader)
    response = client.get(IOC, {"period": "30d", **view})
    assert response.status_code == 200
    figures = _figures(response.context)
    assert len(figures) >= 10
    for what, figure, link in figures:
        if not link:
            assert what in unlinked, what
            continue
        assert _rows(client, link) == figure, (what, link)
    # Each unit with reports has its bar or row linked, the city's committee (with units below) too.
    league = response.context["league"]["best"] + response.context["league"]["worst"]
    assert league and all(row["link"] for row in league)
    bars = response.context["satisfaction_by_unit"].bars
    assert bars or view.get("status") == "resolved"  # a rating closes a resolved report
    assert all(b.link for b in bars)


# --- 5. The filters without a control of their own are shown, each removable ------------------------


def _cell(lon: float, lat: float) -> int:
    row = math.floor((lat - heat.GRID_ORIGIN[1]) / heat.GRID_DEG)
    col = math.floor((lon - heat.GRID_ORIGIN[0]) / heat.GRID_DEG)
    return row * heat.GRID_ROW + col


def _chips(html: str) -> dict[str, tuple[str, str, str]]:
    """name: (href, accessible name, visible text) of each shown filter."""
    found = re.findall(
        r'<a class="button" href="\?([^"]*)" data-testid="drop-filter-(\w+)" aria-label="([^"]+)">(.*?)</a>',
        html,
    )
    return {
        name: (href.replace("&amp;", "&"), label, re.sub(r"<[^>]+>", "", text))
        for href, name, label, text in found
    }


def test_the_hidden_filters_are_shown_and_each_link_drops_one(client, mixed):
    client.force_login(mixed.leader)
    cell = _cell(*BEN_THANH)
    params = {
        "status": "done",
        "ward": "26743",
        "cell": str(cell),
        "unit": "79",
        "unit_only": "1",
        "rated": "1",
        "per_page": "100",
    }
    status, codes, html = _page(client, params, HTTP_ACCEPT_LANGUAGE="en")
    assert status == 200
    chips = _chips(html)
    assert set(chips) == {"ward", "cell", "unit_only", "status", "rated"}
    assert chips["ward"][1:] == ("Remove filter: Phường Bến Thành", "Phường Bến Thành ×")
    assert chips["cell"][2] == "Heat-map square near Phường Bến Thành ×"
    assert chips["unit_only"][2] == "Only this unit, not the units below it ×"
    assert chips["status"][2] == "Resolved or closed ×"
    assert chips["rated"][1] == "Remove filter: Rated by the citizen"
    # Each link is the same queue without that filter (every other one kept); "done" gives way to all.
    for name, (href, _label, _text) in chips.items():
        query = dict(pair.split("=", 1) for pair in href.split("&"))
        if name == "status":
            assert query == {**params, "status": "all"}, href
        else:
            assert query == {k: v for k, v in params.items() if k != name}, href
    # The city's rated, closed report is in Bến Thành's square: the filters together list it.
    assert codes == _codes(mixed, "city_rated")
    # The hidden ones are kept by the form's next search.
    for name, value in (("ward", "26743"), ("cell", str(cell)), ("unit_only", "1"), ("rated", "1")):
        assert f'<input type="hidden" name="{name}" value="{value}">' in html
    # Dropping "only this unit" lists the ward's rated, finished report too.
    status, codes, html = _page(client, dict(pair.split("=", 1) for pair in chips["unit_only"][0].split("&")))
    assert status == 200 and codes == _codes(mixed, "city_rated", "rated")
    assert "unit_only" not in _chips(html)


def test_the_shown_filters_are_said_in_vietnamese_and_none_without_them(client, mixed):
    client.force_login(mixed.leader)
    _status, _listed, html = _page(client, {"status": "all"})
    assert 'data-testid="hidden-filters"' not in html
    _status, _listed, html = _page(client, {"status": "all", "ward": "26743"})
    assert (
        'data-testid="drop-filter-ward"' in html
        and 'Phường Bến Thành <span aria-hidden="true">×</span>' in html
    )


def test_a_square_far_from_any_ward_is_named_by_its_place(client, mixed):
    client.force_login(mixed.leader)
    cell = _cell(108.2, 16.05)  # Đà Nẵng: no ward of the test data within reach
    _status, _listed, html = _page(client, {"status": "all", "cell": str(cell)}, HTTP_ACCEPT_LANGUAGE="en")
    assert re.fullmatch(r"Heat-map square at 16\.\d{5}, 108\.\d{5} ×", _chips(html)["cell"][2])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_shown_filter_is_reached_and_dropped_with_the_keyboard(request, personas, categories):
    from tests.browser.helpers import expect, log_in

    tab = request.getfixturevalue("page")
    watch = request.getfixturevalue("traffic")
    submit_report()
    log_in(tab, "leader", "pw-leader")
    tab.goto(f"{QUEUE}?status=all&ward=26743&rated=1")
    expect(tab.get_by_test_id("queue-count")).to_be_visible()
    chip = tab.get_by_test_id("drop-filter-ward")
    expect(chip).to_be_visible()
    assert chip.get_attribute("aria-label").endswith(": Phường Bến Thành")
    for _press in range(60):  # Tab through the page until the chip has the focus
        tab.keyboard.press("Tab")
        if (
            tab.evaluate("document.activeElement && document.activeElement.dataset.testid")
            == "drop-filter-ward"
        ):
            break
    else:
        pytest.fail("the filter's link is not reached with Tab")
    tab.keyboard.press("Enter")
    tab.wait_for_url(lambda url: "ward=" not in url)
    assert "rated=1" in tab.url and "status=all" in tab.url
    expect(tab.get_by_test_id("drop-filter-ward")).to_have_count(0)
    expect(tab.get_by_test_id("drop-filter-rated")).to_be_visible()
    assert not watch.problems(), watch.problems()
