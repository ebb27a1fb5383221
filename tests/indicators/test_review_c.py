"""Review C: indicator imports of several sheets, reminders nobody receives, the anomaly page's hint on an
approved report, the trend's axis, the periods as the pages write them, and the API's year to date."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.utils import translation
from openpyxl import Workbook

from citydesk.indicators import imports
from citydesk.indicators.models import DataValue, IndicatorGroup
from citydesk.ratings.models import RatingMonth
from citydesk.ratings.services import ImportRejected, ratings_import
from tests.indicators.entry_fixtures import make_catalog

pytestmark = pytest.mark.django_db
HEADER = ["Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Mã đơn vị", "Kỳ", "Giá trị", "Ghi chú"]


@pytest.fixture
def cat(personas):
    catalog = make_catalog(personas)
    health = IndicatorGroup.objects.create(code="YT", name="Y tế", position=2)
    catalog.revenue.group = catalog.group  # G01
    beds = catalog.firms.__class__.objects.create(
        group=health, code="BEDS", name="Giường bệnh", unit_of_measure="giường", integer_only=True, position=1
    )
    beds.reporting_units.set([personas.ward, personas.other_ward])
    catalog.beds = beds
    return catalog


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(code: str, value: object, unit: str = "26743", period: str = "03/2026") -> list[object]:
    return [code, "", "", unit, period, value, ""]


# --- 2. A workbook of several sheets: every sheet read -----------------------------------------------


def test_every_sheet_with_the_header_is_imported_and_counted(personas, cat):
    data = workbook(
        {
            "G01": [HEADER, row("REV", 1200), row("FIRMS", 7)],
            "Trống": [],  # an empty sheet is left alone
            "YT": [HEADER, row("BEDS", 40)],
        }
    )
    result = imports.values_import(user=personas.officer, file=data, filename="chi-tieu.xlsx")
    assert result.rows == 3
    assert result.sheets == [("G01", 2), ("YT", 1)]
    with translation.override("en"):
        assert result.sheets_text == "G01: 2 rows; YT: 1 row"
    assert sorted(DataValue.objects.values_list("indicator__code", "value")) == [
        ("BEDS", 40.0),
        ("FIRMS", 7.0),
        ("REV", 1200.0),
    ]


def test_a_sheet_with_another_header_is_refused_by_name_and_nothing_imported(personas, cat):
    data = workbook({"G01": [HEADER, row("REV", 1200)], "Ghi chú": [["Người lập", "Ngày"], ["An", "1/4"]]})
    with pytest.raises(imports.ImportRejected) as info:
        imports.values_import(user=personas.officer, file=data, filename="chi-tieu.xlsx")
    assert "“Ghi chú”" in info.value.message
    assert {e.sheet for e in info.value.errors} == {"Ghi chú"}
    assert DataValue.objects.count() == 0


def test_row_errors_name_their_sheet_and_a_duplicate_across_sheets(personas, cat):
    data = workbook({"G01": [HEADER, row("REV", 1200)], "YT": [HEADER, row("BEDS", "x"), row("REV", 5)]})
    with pytest.raises(imports.ImportRejected) as info:
        imports.values_import(user=personas.officer, file=data, filename="chi-tieu.xlsx")
    found = {(e.sheet, e.row, e.key) for e in info.value.errors}
    assert found == {("YT", 2, "value"), ("YT", 3, "indicator")}
    duplicate = next(e for e in info.value.errors if e.key == "indicator")
    assert "2" in duplicate.message and "“G01”" in duplicate.message
    assert DataValue.objects.count() == 0


def test_the_page_says_the_rows_of_each_sheet_and_names_the_sheet_of_an_error(client, personas, cat):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(personas.officer)
    good = workbook({"G01": [HEADER, row("REV", 1200)], "YT": [HEADER, row("BEDS", 40)]})
    page = client.post(
        "/chi-tieu-ktxh/nhap/tai-len/",
        {"kind": "values", "file": SimpleUploadedFile("a.xlsx", good)},
    )
    html = page.content.decode()
    assert page.status_code == 200, html
    assert page.context["result"].sheets == [("G01", 1), ("YT", 1)]
    assert 'data-testid="import-sheets"' in html and "G01: 1 " in html and "YT: 1 " in html
    bad = workbook({"G01": [HEADER, row("REV", 1200)], "YT": [HEADER, row("BEDS", "x")]})
    page = client.post(
        "/chi-tieu-ktxh/nhap/tai-len/", {"kind": "values", "file": SimpleUploadedFile("b.xlsx", bad)}
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert 'data-testid="import-error-sheet">YT<' in html


def test_one_sheet_reads_as_before(personas, cat):
    data = workbook({"G01": [HEADER, row("REV", "x")]})
    with pytest.raises(imports.ImportRejected) as info:
        imports.values_import(user=personas.officer, file=data, filename="chi-tieu.xlsx")
    assert [(e.sheet, e.row, e.key) for e in info.value.errors] == [("", 2, "value")]


RATINGS_HEADER = ["Tháng", "Mã đơn vị", "Kênh", "Hài lòng", "Bình thường", "Không hài lòng"]


def test_ratings_import_reads_every_sheet_too(personas):
    data = workbook(
        {
            "2019": [RATINGS_HEADER, ["01/2019", "26743", "web", 10, 1, 0]],
            "2020": [RATINGS_HEADER, ["01/2020", "26743", "web", 20, 2, 1]],
        }
    )
    result = ratings_import(user=personas.admin, file=io.BytesIO(data), filename="lich-su.xlsx")
    assert result.rows == 2 and result.sheets == [("2019", 1), ("2020", 1)]
    assert sorted(RatingMonth.objects.values_list("month", "satisfied")) == [
        (date(2019, 1, 1), 10),
        (date(2020, 1, 1), 20),
    ]


def test_ratings_errors_name_the_sheet(personas):
    data = workbook(
        {
            "2019": [RATINGS_HEADER, ["01/2019", "26743", "web", 10, 1, 0]],
            "2020": [RATINGS_HEADER, ["01/2019", "26743", "web", 20, 2, 1]],
        }
    )
    with pytest.raises(ImportRejected) as info:
        ratings_import(user=personas.admin, file=io.BytesIO(data), filename="lich-su.xlsx")
    (error,) = info.value.errors
    assert error.row == 2 and "“2020”" in error.column and "“2019”" in error.message
    assert RatingMonth.objects.count() == 0


# --- 3. Reminders: marked only when somebody was told -----------------------------------------------


@pytest.fixture
def unstaffed(personas, cat):
    """A ward reporting REV with no accounts yet, and its March report late."""
    from citydesk.core.models import Organisation, OrgKind

    ward = Organisation.objects.create(
        code="26734", name="UBND Phường Cầu Ông Lãnh", kind=OrgKind.PEOPLES_COMMITTEE, parent=personas.city
    )
    cat.revenue.reporting_units.add(ward)
    return ward


def test_the_daily_job_marks_reminded_only_the_units_told(personas, cat, unstaffed):
    import datetime as dt

    from citydesk.indicators import services
    from citydesk.indicators.models import Submission
    from citydesk.indicators.services.values import submission_for
    from citydesk.notifications.models import Notification

    services.value_set(
        user=personas.officer, indicator_code="REV", unit_code="26743", period="2026-03", value=1
    )
    submission_for(cat.group.pk, unstaffed, "M", date(2026, 3, 1))
    due = Submission.objects.get(unit=personas.ward).due_at
    reminded = services.indicator_reminders(now=due + dt.timedelta(days=1))
    late = Submission.objects.filter(due_at__lt=due + dt.timedelta(days=1))
    assert late.filter(unit=unstaffed).exists()  # late too, but nobody there
    assert reminded == late.exclude(unit=unstaffed).count() == late.filter(reminded_at__isnull=False).count()
    assert not late.filter(unit=unstaffed, reminded_at__isnull=False).exists()
    assert not Notification.objects.filter(body__contains="Cầu Ông Lãnh").exists()


def test_a_leader_is_told_who_has_nobody_to_remind(client, personas, cat, unstaffed):
    from django.urls import reverse

    from citydesk.core.errors import Conflict
    from citydesk.indicators import services
    from citydesk.indicators.models import Submission

    with pytest.raises(Conflict) as refused:
        services.submission_remind(
            user=personas.leader, group_code="G01", unit_code="26734", period="2025-01"
        )
    assert "Cầu Ông Lãnh" in refused.value.message and refused.value.field == "unit"
    assert not Submission.objects.filter(unit=unstaffed, reminded_at__isnull=False).exists()
    client.force_login(personas.leader)
    page = client.get(reverse("indicators_entry:progress"), {"period": "2025-01"})
    html = page.content.decode()
    rows = {r["unit"].code: r for r in page.context["rows"]}
    assert rows["26734"]["nobody_to_remind"] and not rows["26734"]["can_remind"]
    assert rows["26743"]["can_remind"] and not rows["26743"]["nobody_to_remind"]
    assert 'data-testid="nobody-to-remind"' in html and "Cầu Ông Lãnh" in html
    assert page.context["to_remind"] == 4  # two groups of Bến Thành and Sài Gòn: they have accounts
    response = client.post(reverse("indicators_entry:remind_all"), {"period": "2025-01"}, follow=True)
    assert [str(m) for m in response.context["messages"]][-1].startswith("Đã nhắc 4 ")
    assert not Submission.objects.filter(unit=unstaffed, reminded_at__isnull=False).exists()
    assert Submission.objects.filter(reminded_at__isnull=False).count() == 4


def test_the_remind_all_button_reads_naturally_for_one_unit(client, personas, cat):
    from django.urls import reverse

    from citydesk.core.models import Membership

    Membership.objects.filter(organisation=personas.other_ward).update(is_active=False)
    cat.beds.delete()  # one group: one late report left to remind, Bến Thành's
    client.force_login(personas.leader)
    url = reverse("indicators_entry:progress")
    for language, words in (("vi", "Nhắc đơn vị chậm báo cáo"), ("en", "Remind the late unit")):
        html = client.get(url, {"period": "2025-01"}, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert html.split('data-testid="remind-all">')[1].split("</button>")[0] == words, language


# --- 4. The anomaly page on a report the unit can no longer change ----------------------------------


@pytest.fixture
def flagged(personas, cat):
    from citydesk.indicators.models import Finding, Submission

    Submission.objects.create(
        group=cat.group, unit=personas.ward, period_type="M", period=date(2026, 3, 1), state="approved"
    )
    return Finding.objects.create(
        indicator=cat.revenue,
        unit=personas.ward,
        period_type="M",
        period=date(2026, 3, 1),
        value=900,
        expected=10,
        score=9,
        method="seasonal",
        explanation="x",
    )


def test_an_approved_report_sends_the_unit_to_its_approver_not_to_the_form(personas, flagged):
    from citydesk.indicators import findings

    with translation.override("en"):
        officer = findings.offers(personas.officer, [flagged])[flagged.pk]
        assert "entry form" not in officer.hint and "approver to return the report" in officer.hint
        leader = findings.offers(personas.leader, [flagged])[flagged.pk]
    assert "return it to the unit first" in leader.hint
    assert leader.link == "/chi-tieu-ktxh/duyet/G01/26743/2026-03/"


def test_a_report_with_the_unit_still_says_to_correct_in_the_form(personas, flagged):
    from citydesk.indicators import findings
    from citydesk.indicators.models import Submission

    Submission.objects.update(state="returned")
    with translation.override("en"):
        officer = findings.offers(personas.officer, [flagged])[flagged.pk]
    assert "change it in the entry form" in officer.hint and not officer.link


# --- 5. The trend's axis says years and quarters ----------------------------------------------------


def test_axis_ticks_name_the_period_of_its_kind():
    from citydesk.indicators.panels import axis_tick

    assert axis_tick("M", date(2026, 1, 1)) == "01/26"
    assert axis_tick("Q", date(2023, 7, 1)) == "Q3/23"
    assert axis_tick("Y", date(2014, 1, 1)) == "2014"


# --- 6. Periods as the pages write them ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("Quý III/2026", ("Q", date(2026, 7, 1))),
        ("Quý 3/2026", ("Q", date(2026, 7, 1))),
        ("Tháng 9/2026", ("M", date(2026, 9, 1))),
        ("tháng 09/2026", ("M", date(2026, 9, 1))),
        ("9/2026", ("M", date(2026, 9, 1))),
        ("Q3/2026", ("Q", date(2026, 7, 1))),
        ("2026-Q3", ("Q", date(2026, 7, 1))),
        ("năm 2026", ("Y", date(2026, 1, 1))),
        ("Năm 2026", ("Y", date(2026, 1, 1))),
        ("Q3 2026", ("Q", date(2026, 7, 1))),
    ],
)
def test_the_pages_labels_are_read_back(text, period):
    from citydesk.indicators import periods

    assert periods.parse_period(text) == period


def test_every_label_the_pages_show_is_read_back():
    from citydesk.indicators import periods

    for period in (("M", date(2026, 9, 1)), ("Q", date(2026, 7, 1)), ("Y", date(2026, 1, 1))):
        assert periods.parse_period(periods.period_label(*period)) == period
    with translation.override("en"):  # a month is named in words in English ("September 2026")
        for period in (("Q", date(2026, 7, 1)), ("Y", date(2026, 1, 1))):
            assert periods.parse_period(periods.period_label(*period)) == period


def test_the_api_and_the_progress_page_take_a_label(client, personas, cat, bearer):
    from django.urls import reverse

    response = client.get(
        "/api/v1/indicators/REV/measures",
        {"unit": "26743", "period": "Tháng 9/2026"},
        **bearer(personas.head),
    )
    assert response.status_code == 200, response.content
    client.force_login(personas.leader)
    page = client.get(reverse("indicators_entry:progress"), {"period": "Quý I/2026"})
    assert page.status_code == 200 and page.context["period_key"] == "2026-Q1"


# --- 7. The API's year to date: the same months in both years ----------------------------------------


def test_year_to_date_compares_the_same_months(client, personas, cat, bearer):
    from citydesk.indicators.models import DataValue, Submission

    months = [(date(2025, m, 1), 10) for m in range(1, 12)] + [(date(2026, m, 1), 20) for m in range(1, 11)]
    for day, value in months:  # 2026: November not sent yet
        DataValue.objects.create(
            indicator=cat.revenue, unit=personas.ward, period_type="M", period=day, value=value
        )
        # The values of an entered indicator count once its report is sent.
        Submission.objects.create(
            group=cat.group, unit=personas.ward, period_type="M", period=day, state="approved"
        )
    from citydesk.indicators import running

    running.rebuild()  # the running totals a total over units reads (written here without the services)
    for aggregate in ("false", "true"):
        response = client.get(
            "/api/v1/indicators/REV/measures",
            {"unit": "26743", "period": "2026-11", "aggregate": aggregate},
            **bearer(personas.head),
        )
        assert response.status_code == 200, response.content
        (row,) = response.json()
        assert row["ytd"] == 200 and row["ytd_last_year"] == 100, (aggregate, row)  # Jan–Oct against Jan–Oct
        assert row["ytd_from"] == "2026-01-01" and row["ytd_to"] == "2026-10-01"
