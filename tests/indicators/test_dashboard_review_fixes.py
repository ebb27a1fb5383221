"""The city leader's review of the indicator dashboards (review fixes):

1. a month still coming in (half the units have reported) reads the same on the card, the
   period-over-period table, the chart and the exports: compared over the units that reported it, or
   marked as incomplete, never a fall of 50 % that is only the units still to report;
2. the unit filter offers the units that report indicators (and those above them), not one-stop desks
   or an inspectorate whose pages would be all "—";
3. the indicator page exports to Excel and PDF like the group and summary pages;
4. whole-number indicators are written without decimals everywhere on the dashboards.
"""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO

import pytest
from django.utils import translation

from citydesk.core.models import Organisation, OrgKind
from citydesk.indicators import exports, panels, running
from citydesk.indicators.models import DataValue, Indicator, IndicatorGroup
from tests.indicators.reports import send_reports

pytestmark = pytest.mark.usefixtures("reports_sent")

INDICATOR = "/chi-tieu-ktxh/chi-tieu/RETAIL/"
GROUP = "/chi-tieu-ktxh/nhom/ECO/"
XLSX = "/chi-tieu-ktxh/xuat.xlsx"
PDF = "/chi-tieu-ktxh/bao-cao.pdf"
APRIL = date(2026, 4, 1)


def _months(first: date, last: date) -> list[date]:
    out, day = [], first
    while day <= last:
        out.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return out


@pytest.fixture
def half(personas):
    """Ten wards report retail sales (and a whole-number count of new enterprises), January 2024 to
    March 2026; in April 2026 only five of them have reported. A one-stop desk under a ward and the city
    inspectorate report nothing."""
    wards = [personas.ward, personas.other_ward] + [
        Organisation.objects.create(
            code=f"W{n}", name=f"UBND Phường Số {n}", kind=OrgKind.PEOPLES_COMMITTEE, parent=personas.city
        )
        for n in range(8)
    ]
    desk = Organisation.objects.create(
        code="26743.MC",
        name="Bộ phận Một cửa Phường Bến Thành",
        kind=OrgKind.ONE_STOP_DESK,
        parent=personas.ward,
    )
    eco = IndicatorGroup.objects.create(code="ECO", name="Kinh tế", position=1)
    retail = Indicator.objects.create(
        group=eco, code="RETAIL", name="Tổng mức bán lẻ", unit_of_measure="tỷ đồng", position=1
    )
    firms = Indicator.objects.create(
        group=eco,
        code="ENT_NEW",
        name="Doanh nghiệp thành lập mới",
        unit_of_measure="doanh nghiệp",
        integer_only=True,
        decimals=0,
        position=2,
    )
    for ind in (retail, firms):
        ind.reporting_units.set(wards)
    rows = []
    months = _months(date(2024, 1, 1), date(2026, 3, 1))
    for i, month in enumerate(months):
        for k, unit in enumerate(wards):
            rows.append(
                DataValue(
                    indicator=retail, unit=unit, period_type="M", period=month, value=1000.0 + 10 * k + i
                )
            )
            rows.append(DataValue(indicator=firms, unit=unit, period_type="M", period=month, value=230 + k))
    for k, unit in enumerate(wards[:5]):  # April: half the wards
        rows.append(
            DataValue(indicator=retail, unit=unit, period_type="M", period=APRIL, value=1000.0 + 10 * k + 30)
        )
        rows.append(DataValue(indicator=firms, unit=unit, period_type="M", period=APRIL, value=240 + k))
    DataValue.objects.bulk_create(rows)
    send_reports()
    running.refresh_years()
    return {"wards": wards, "desk": desk, "retail": retail, "firms": firms, "eco": eco}


def _april_over_five(half, month_index: int) -> float:
    """Retail of the five wards that reported April, in the month `month_index` (0 = January 2024)."""
    return sum(1000.0 + 10 * k + month_index for k in range(5))


# --- 1. A month still coming in ---------------------------------------------------------------------


def test_the_table_compares_a_month_still_coming_in_as_its_card_does(client, personas, half):
    client.force_login(personas.leader)
    page = client.get(INDICATOR, {"period": "2026-04"})
    assert page.status_code == 200
    card = page.context["card"]
    assert (card.reported, card.expected) == (5, 10) and card.partial
    april = _april_over_five(half, 30)
    march_same_wards, april_2025_same_wards = _april_over_five(half, 26), _april_over_five(half, 15)
    assert card.value == pytest.approx(april)
    assert card.change_pct == pytest.approx(100 * (april - march_same_wards) / march_same_wards)
    assert card.yoy_pct == pytest.approx(100 * (april - april_2025_same_wards) / april_2025_same_wards)

    row = page.context["comparison"][0]
    assert row["period"] == APRIL
    # The card and the table say the same thing: not "−50 %", which is only the wards still to report.
    assert row["change_pct"] == pytest.approx(card.change_pct)
    assert row["change_abs"] == pytest.approx(card.change_abs)
    assert row["yoy_pct"] == pytest.approx(card.yoy_pct)
    assert row["last_year"] == pytest.approx(card.measure.last_year)
    assert abs(row["change_pct"]) < 5
    assert card.partial_text in row["notes"]
    assert panels.incomplete_text(5, 10) in row["label"]
    html = page.content.decode()
    assert card.partial_text in html and row["label"] in html
    assert row["change_pct_text"] == panels.pct_text(card.change_pct)
    # A month everyone has reported stays a plain comparison.
    march = page.context["comparison"][1]
    assert march["notes"] == [] and march["label"] == march["period_label"]
    assert march["change_abs"] == pytest.approx(10 * 10 / 10)  # each of the ten wards +1

    # The chart does not draw April's half total on the line (nor on the card's sparkline).
    chart = page.context["trend"]
    last = chart.rows[-1]
    assert last["partial"] and last["value"] == pytest.approx(april)
    assert last["partial_text"] == panels.reported_text(5, 10)
    assert len(chart.line.split()) == len(chart.rows) - 1
    assert len(chart.dots) == len(chart.rows) - 1 and len(chart.partial_points) == 1
    assert card.spark[-1] == (APRIL, None)
    assert not any(r["partial"] for r in chart.rows[:-1])
    # The legend says why the line stops short.
    assert 'data-testid="partial-note"' in page.content.decode()


def test_the_group_chart_leaves_out_the_cards_month_still_coming_in(client, personas, half):
    client.force_login(personas.leader)
    page = client.get(GROUP, {"period": "2026-04"})
    block = next(b for b in page.context["blocks"] if b["card"].code == "RETAIL")
    chart = block["trend"]
    assert chart.rows[-1]["partial"] and not chart.rows[-2]["partial"]
    assert len(chart.line.split()) == len(chart.rows) - 1
    assert block["card"].spark[-1] == (APRIL, None)
    indicator_page = client.get(INDICATOR, {"period": "2026-04"})
    assert [r["label"] for r in chart.rows] == [r["label"] for r in indicator_page.context["trend"].rows]


def test_a_quarter_still_coming_in_names_both_its_months_and_its_units(client, personas, half):
    client.force_login(personas.leader)
    page = client.get(INDICATOR, {"period": "2026-Q2"})
    card, row = page.context["card"], page.context["comparison"][0]
    assert card.partial
    assert row["yoy_pct"] == pytest.approx(card.yoy_pct)
    assert row["change_pct"] is None and card.change_pct is None  # one month against a whole quarter
    assert row["label"].count("(") == 1  # "Quý II/2026 (1 tháng; chưa đủ: 5/10 đơn vị)"
    assert panels.incomplete_text(5, 10) in row["label"]


def test_the_exports_carry_the_same_comparison(client, personas, half):
    from openpyxl import load_workbook

    client.force_login(personas.leader)
    page = client.get(INDICATOR, {"period": "2026-04"})
    card = page.context["card"]
    response = client.get(XLSX, {"period": "2026-04", "indicator": "RETAIL"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-RETAIL-79-2026-04.xlsx"')
    book = load_workbook(BytesIO(response.content))
    sheet = book[book.sheetnames[2]]  # the filters, the card, then period over period
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=False)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    april = rows[0]
    values = list(april.values())
    assert values[1] == pytest.approx(card.value)
    assert values[3] == pytest.approx(card.change_pct / 100)  # vs the previous month, over the same wards
    assert values[5] == pytest.approx(card.yoy_pct / 100)
    assert values[8:10] == [5, 10]
    assert values[10] == card.partial_text
    assert list(rows[1].values())[8:11] == [None, None, None]  # March: everyone reported

    group = load_workbook(BytesIO(client.get(XLSX, {"period": "2026-04", "group": "ECO"}).content))
    trend = next(group[n] for n in group.sheetnames if n.startswith("RETAIL"))
    last = next(
        r for r in trend.iter_rows(values_only=True) if r[0] and str(r[0]).startswith(card.period_label)
    )
    assert panels.incomplete_text(5, 10) in last[0]
    assert last[4] == panels.reported_text(5, 10)

    keys = ("filters", "indicator", "card", "headline", "trend", "comparison", "ranked", "ranked_notes")
    html = exports.brief_html({k: page.context[k] for k in keys} | {"findings": [], "generated_at": None})
    assert card.partial_text in html and panels.incomplete_text(5, 10) in html
    assert page.context["comparison"][0]["change_pct_text"] in html


# --- 2. The unit filter -----------------------------------------------------------------------------


def _offered(response) -> list[str]:
    return [o.code for o in response.context["units"]]


def test_the_unit_filter_offers_the_units_that_report(client, personas, half):
    client.force_login(personas.leader)
    offered = _offered(client.get(INDICATOR, {"period": "2026-03"}))
    assert personas.city.code in offered  # the scope's top unit
    assert {w.code for w in half["wards"]} <= set(offered)
    assert half["desk"].code not in offered and personas.inspectorate.code not in offered
    assert personas.department.code not in offered
    html = client.get(GROUP, {"period": "2026-03"}).content.decode()
    select = re.search(r'<select id="f-unit".*?</select>', html, re.S).group(0)
    assert "Bộ phận Một cửa" not in select and "Thanh tra Thành phố" not in select
    assert select.count("<option") == len(offered)

    # A unit above one that reports adds its figures up: it is offered.
    team = Organisation.objects.create(
        code="79.TTTP.1", name="Đội thanh tra 1", kind=OrgKind.OTHER, parent=personas.inspectorate
    )
    half["retail"].reporting_units.add(team)
    offered = _offered(client.get(INDICATOR, {"period": "2026-03"}))
    assert personas.inspectorate.code in offered and team.code in offered
    # The unit chosen stays in the list (an old link), even when it reports nothing.
    chosen = client.get(INDICATOR, {"period": "2026-03", "unit": half["desk"].code})
    assert half["desk"].code in _offered(chosen)
    assert f'<option value="{half["desk"].code}" selected' in chosen.content.decode()


def test_a_ward_head_is_offered_their_ward_not_its_desk(client, personas, half):
    client.force_login(personas.head)
    assert _offered(client.get(INDICATOR, {"period": "2026-03"})) == [personas.ward.code]


def test_without_reporting_units_every_unit_stays(client, personas, half):
    for ind in (half["retail"], half["firms"]):
        ind.reporting_units.clear()
    client.force_login(personas.leader)
    assert half["desk"].code in _offered(client.get(INDICATOR, {"period": "2026-03"}))


# --- 3. The indicator page's exports ----------------------------------------------------------------


def test_the_indicator_page_exports_to_excel_and_pdf(client, personas, half):
    from openpyxl import load_workbook

    client.force_login(personas.leader)
    html = client.get(INDICATOR, {"period": "2026-03"}).content.decode()
    links = dict(re.findall(r'href="([^"]+)" download data-testid="(export-\w+)"', html))
    by_id = {v: k.replace("&amp;", "&") for k, v in links.items()}
    assert set(by_id) == {"export-xlsx", "export-pdf"}
    assert "indicator=RETAIL" in by_id["export-xlsx"] and "indicator=RETAIL" in by_id["export-pdf"]
    response = client.get(by_id["export-xlsx"])
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    names = book.sheetnames
    assert names[0] == "Bộ lọc" and names[1].startswith("RETAIL") and names[-1] == "Bất thường"
    flat = " ".join(str(c) for r in book["Bộ lọc"].iter_rows(values_only=True) for c in r if c)
    assert "RETAIL Tổng mức bán lẻ" in flat
    card_row = next(book[names[1]].iter_rows(min_row=2, values_only=True))
    assert card_row[0] == "RETAIL" and card_row[4] == pytest.approx(
        sum(1000.0 + 10 * k + 26 for k in range(10))
    )
    ranked = list(book[names[3]].iter_rows(min_row=2, values_only=True))
    assert len(ranked) == 10 and ranked[0][0] == 1

    bad = client.get(XLSX, {"period": "2026-03", "indicator": "NOPE"})
    assert bad.status_code == 400 and "NOPE" in bad.content.decode()

    try:
        exports.load_weasyprint()
    except exports.PdfUnavailable:
        pytest.skip("WeasyPrint's libraries are missing")
    pdf = client.get(by_id["export-pdf"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"].endswith('-RETAIL-79-2026-03.pdf"')


def test_the_summary_and_group_exports_stay_as_they_were(client, personas, half):
    client.force_login(personas.leader)
    for page in ("/chi-tieu-ktxh/", GROUP):
        html = client.get(page, {"period": "2026-03"}).content.decode()
        assert "indicator=" not in "".join(re.findall(r'href="[^"]*xuat\.xlsx[^"]*"', html))


# --- 4. Whole numbers -------------------------------------------------------------------------------


def test_whole_number_indicators_have_no_decimals_anywhere(client, personas, half):
    from openpyxl import load_workbook

    client.force_login(personas.leader)
    page = client.get("/chi-tieu-ktxh/chi-tieu/ENT_NEW/", {"period": "2026-03"})
    total = sum(230 + k for k in range(10))
    assert page.context["card"].value_text == f"{total:,}".replace(",", ".")
    texts = [page.context["card"].value_text]
    for r in page.context["comparison"]:
        texts += [r["value_text"], r["change_abs_text"], r["last_year_text"]]
    texts += [r["value_text"] for r in page.context["trend"].rows]
    texts += [r["value_text"] for r in page.context["ranked"]]
    texts += [a["text"] for a in page.context["trend"].axis]
    group = client.get(GROUP, {"period": "2026-03"})
    block = next(b for b in group.context["blocks"] if b["card"].code == "ENT_NEW")
    texts += [b.text for b in block["bars"].bars] + [m["text"] for m in block["map_rows"]]
    texts += [a["text"] for a in block["trend"].axis]
    assert texts and not [t for t in texts if re.search(r"\d,\d", t)], texts

    book = load_workbook(BytesIO(client.get(XLSX, {"period": "2026-03", "indicator": "ENT_NEW"}).content))
    formats = {c.number_format for r in book[book.sheetnames[2]].iter_rows(min_row=2) for c in r[:3]}
    assert formats <= {"#,##0", "General"}, formats


def test_whole_number_axes_run_on_whole_ticks(personas, half):
    """A count of a few cases a month: 0 / 1 / 2, never 0 / 0,5 / 1 / 1,5 / 2."""
    assert panels.round_ticks(0, 2, whole=True) == [0, 1, 2]
    assert panels.round_ticks(0, 0.3, whole=True) == [0, 1]
    assert panels.round_ticks(0, 10, whole=True) == [0, 5, 10]
    assert panels.round_ticks(0, 2) == [0, 0.5, 1, 1.5, 2]  # a figure with decimals keeps its steps
    DataValue.objects.filter(indicator=half["firms"]).update(value=0)
    DataValue.objects.filter(
        indicator=half["firms"], unit=personas.ward, period__gte=date(2026, 1, 1)
    ).update(value=2)
    running.refresh_years()
    with translation.override("vi"):
        chart = panels.trend(half["firms"], [personas.ward.pk], "M", date(2026, 3, 1), {})
    assert [a["text"] for a in chart.axis] == ["0", "1", "2"]
