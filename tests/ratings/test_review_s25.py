"""Review S25: importing counts over the platform's own (live) ratings is refused; the template imports
nothing unchanged; counts are bounded; the 2-second pace holds paired tablets only (two citizens on one
Wi-Fi both rate by code); the desk page's recent visits scroll on a phone; what an import of zeros did is
said; the command names units; an empty upload and the export's comment count."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from citydesk.core.audit import Actor
from citydesk.ratings import import_template
from citydesk.ratings.models import Rating, RatingMonth
from citydesk.ratings.services import ImportRejected, desk_transaction_open, ratings_import
from citydesk.ratings.services.imports import MAX_COUNT, read_sheets
from tests.ratings.conftest import KIOSK
from tests.ratings.test_import import HEADER, write_csv, xlsx_bytes

pytestmark = pytest.mark.django_db

MARCH = date(2020, 3, 1)


def rows(*cells: tuple) -> list[dict]:
    return [dict(zip(HEADER, c, strict=False)) for c in cells]


def load(*cells: tuple):
    return ratings_import(actor=Actor.system("test"), rows=rows(*cells))


def refused(*cells: tuple) -> ImportRejected:
    with pytest.raises(ImportRejected) as rejected:
        load(*cells)
    return rejected.value


def live(unit, month: date = MARCH, channel: str = "kiosk", satisfied: int = 7, **ids) -> RatingMonth:
    """The monthly count the platform keeps of its own ratings (as `month_count_add` writes it)."""
    return RatingMonth.objects.create(
        month=month, unit=unit, channel=channel, satisfied=satisfied, imported=False, **ids
    )


def upload(client, data: bytes, name: str = "lich-su.xlsx"):
    file = io.BytesIO(data)
    file.name = name
    return client.post("/danh-gia/nhap/", {"file": file})


@pytest.fixture
def english():
    with translation.override("en"):
        yield


# --- 2. Counts imported over live ratings -------------------------------------------------------------------


def test_a_month_holding_live_ratings_takes_no_imported_counts(personas, english):
    live(personas.ward, officer_id=personas.officer.pk)
    error = refused(
        ("01/2020", "26740", "kiosk", 5, 0, 0),  # another ward: fine on its own
        ("03/2020", "26743", "kiosk", 100, 2, 1),
        ("03/2020", "26743", "web", 9, 0, 0),  # another channel: fine
    )
    assert [(e.row, e.column) for e in error.errors] == [(3, "month")]
    message = error.errors[0].message
    assert "UBND Phường Bến Thành (26743)" in message and "03/2020" in message
    assert "Desk kiosk or tablet" in message and "recorded by the platform" in message and "7" in message
    assert not RatingMonth.objects.filter(imported=True).exists()  # all or nothing


def test_a_whole_year_with_a_live_month_is_refused_naming_the_month(personas, english):
    live(personas.ward, month=date(2020, 5, 1))
    error = refused(("2020", "26743", "kiosk", 1000, 0, 0))
    assert error.errors[0].row == 2 and "05/2020" in error.errors[0].message
    assert "2020" in error.errors[0].message


def test_a_row_of_zeros_may_still_name_a_live_month(personas):
    live(personas.ward)
    result = load(("03/2020", "26743", "kiosk", 0, 0, 0))
    assert result.unmatched == 1 and RatingMonth.objects.get().imported is False


def test_live_ratings_recorded_by_the_platform_block_their_month(personas, open_transaction, settings):
    from citydesk.ratings.services import rating_submit_kiosk

    desk = desk_transaction_open(user=personas.officer, unit=personas.ward)
    rating_submit_kiosk(transaction_code=desk.code, level="satisfied", device="ip:test")
    this_month = timezone.localdate().replace(day=1)
    with translation.override("en"):
        error = refused((f"{this_month:%m/%Y}", "26743", "kiosk", 40, 0, 0))
    assert f"{this_month:%m/%Y}" in error.errors[0].message


def test_the_check_of_live_ratings_reads_the_file_in_a_few_queries(personas):
    for month in range(1, 13):
        live(personas.ward, month=date(2018, month, 1))

    def queries(n: int) -> int:
        cells = [(f"{m:02d}/2019", "26743", "web", i + 1, 0, 0) for i, m in enumerate(range(1, n + 1))]
        with CaptureQueriesContext(connection) as captured:
            load(*cells)
        RatingMonth.objects.filter(imported=True).delete()
        return len(captured)

    assert queries(2) == queries(12)  # not one query per row


# --- 3. The template imports nothing unchanged ------------------------------------------------------------


def test_the_unchanged_template_imports_nothing(client, personas, english):
    data = import_template.template_workbook()
    with pytest.raises(ImportRejected) as nothing:
        ratings_import(user=personas.admin, file=data, filename="mau.xlsx")
    assert "no data rows" in nothing.value.message
    client.force_login(personas.admin)
    page = upload(client, data, "mau-nhap-so-lieu-danh-gia.xlsx")
    assert page.status_code == 400 and 'data-testid="import-done"' not in page.content.decode()
    assert not RatingMonth.objects.exists()


def test_the_example_is_on_the_instructions_sheet_and_a_filled_template_imports_its_rows(personas):
    from openpyxl import load_workbook

    data = import_template.template_workbook()
    book = load_workbook(io.BytesIO(data))
    data_sheet, instructions = book.worksheets
    assert data_sheet.max_row == 1 or all(c.value is None for r in data_sheet.iter_rows(min_row=2) for c in r)
    cells = [c for row in instructions.iter_rows(values_only=True) for c in row]
    assert "12/2024" in cells and 1250 in cells  # the example, shown where it is never imported
    (sheet,) = read_sheets(data, "mau.xlsx")  # the instructions sheet is not read as data
    assert sheet.table[0][:3] == ["Tháng", "Mã đơn vị", "Kênh"]
    data_sheet.append(["01/2024", "26743", "tại quầy", 12, 1, 0])
    instructions["A3"] = "Ghi chú của người nhập"  # a note typed there is never imported either
    buffer = io.BytesIO()
    book.save(buffer)
    result = ratings_import(user=personas.admin, file=buffer.getvalue(), filename="mau.xlsx")
    assert result.rows == 1 and RatingMonth.objects.get().satisfied == 12


# --- 4. Counts are bounded ---------------------------------------------------------------------------------


@pytest.mark.parametrize("count", ["99999999999999999999", "3000000000", 3_000_000_000, 1e20, "9" * 5000])
def test_an_absurd_count_is_a_row_error_naming_its_column(personas, english, count):
    error = refused(("01/2020", "26743", "kiosk", 1, count, 0))
    assert [(e.row, e.column) for e in error.errors] == [(2, "normal")]
    assert "10,000,000" in error.errors[0].message
    assert not RatingMonth.objects.exists()


def test_the_largest_count_is_accepted(personas):
    assert load(("01/2020", "26743", "kiosk", MAX_COUNT, 0, 0)).satisfied == MAX_COUNT


def test_a_huge_count_on_the_page_and_the_command_is_said_not_a_crash(client, personas, tmp_path):
    client.force_login(personas.admin)
    page = upload(client, xlsx_bytes([["2020-01", "26743", "kiosk", "99999999999999999999", 0, 0]]))
    assert page.status_code == 400 and page.content.decode().count('data-testid="import-error"') == 1
    path = write_csv(
        tmp_path / "huge.csv", [["2020-01", "26743", "kiosk", "99999999999999999999", 0, 0, "", ""]]
    )
    with pytest.raises(CommandError) as failed:
        call_command("import-ratings", str(path))
    assert failed.value.returncode == 2 and "satisfied" in str(failed.value)
    assert not RatingMonth.objects.exists()


# --- 5. The 2-second pace: paired tablets only --------------------------------------------------------------


def test_two_citizens_on_one_wifi_both_rate_by_code(client, personas, settings):
    settings.CITYDESK_KIOSK_MIN_INTERVAL_SECONDS = 2
    first = desk_transaction_open(user=personas.officer, unit=personas.ward)
    second = desk_transaction_open(user=personas.officer, unit=personas.ward)
    for desk, comment in ((first, "Nhanh"), (second, "Cán bộ tận tình")):
        sent = client.post(
            "/danh-gia/ma/", {"transaction": desk.code, "level": "satisfied", "comment": comment}
        )
        assert sent.status_code == 302, sent.content.decode()[:300]
    assert Rating.objects.count() == 2
    assert set(Rating.objects.values_list("comment", flat=True)) == {"Nhanh", "Cán bộ tận tình"}


def test_a_paired_tablet_keeps_its_pace(client, personas, open_transaction, tablets, settings):
    settings.CITYDESK_KIOSK_MIN_INTERVAL_SECONDS = 2
    tablets.use(client, KIOSK)
    page = f"/danh-gia/quay/{KIOSK}/"
    assert (
        client.post(page, {"transaction": open_transaction().code, "level": "satisfied"}).status_code == 302
    )
    assert (
        client.post(page, {"transaction": open_transaction().code, "level": "satisfied"}).status_code == 429
    )


def test_a_refused_rating_by_code_keeps_the_comment(client, personas, settings):
    settings.CITYDESK_RATING_CODE_ADDRESS_LIMIT_PER_HOUR = 1
    first = desk_transaction_open(user=personas.officer, unit=personas.ward)
    second = desk_transaction_open(user=personas.officer, unit=personas.ward)
    assert client.post("/danh-gia/ma/", {"transaction": first.code, "level": "normal"}).status_code == 302
    typed = "Phải chờ lâu, cần thêm quầy"
    limited = client.post("/danh-gia/ma/", {"transaction": second.code, "level": "normal", "comment": typed})
    assert limited.status_code == 429 and typed in limited.content.decode()
    client.force_login(personas.deputy)  # the unit's staff: refused, the comment kept
    staff = client.post("/danh-gia/ma/", {"transaction": second.code, "level": "normal", "comment": typed})
    assert staff.status_code in (403, 429) and typed in staff.content.decode()
    assert Rating.objects.count() == 1


# --- 6. The desk page on a phone ---------------------------------------------------------------------------


def test_the_recent_transactions_scroll_in_their_own_box(client, personas):
    desk_transaction_open(user=personas.officer, unit=personas.ward)
    client.force_login(personas.officer)
    html = client.get("/danh-gia/giao-dich/").content.decode()
    before = html.split('data-testid="desk-recent"', 1)[0]
    assert before.rstrip().endswith('<table class="data"') and '<div class="table-wrap"' in before[-300:]


# --- 7. What an import said ---------------------------------------------------------------------------------


def test_a_file_of_zeros_says_what_happened_and_names_no_month_it_left_alone(client, personas):
    result = load(("03/2020", "26743", "kiosk", 0, 0, 0), ("05/2020", "26743", "kiosk", 0, 0, 0))
    assert (result.counted, result.unmatched, result.periods, result.units) == (0, 2, [], set())
    client.force_login(personas.admin)
    page = upload(
        client, xlsx_bytes([["2020-03", "26743", "kiosk", 0, 0, 0], ["2020-05", "26743", "kiosk", 0, 0, 0]])
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="import-zeros-only"' in html
    assert 'data-testid="import-unmatched"' in html and "03/2020" not in html and "05/2020" not in html


def test_only_the_months_changed_are_named(personas):
    load(("02/2020", "26740", "web", 3, 0, 0))
    result = load(
        ("01/2020", "26743", "kiosk", 4, 0, 0),
        ("02/2020", "26740", "web", 0, 0, 0),  # removes
        ("05/2020", "26743", "kiosk", 0, 0, 0),  # matches nothing
    )
    assert result.period_text() == "01/2020" and result.units == {"26743"}
    assert result.removed_periods_text == "02/2020" and result.unmatched == 1


def test_the_command_names_the_units_by_name_and_code(personas, tmp_path):
    out = io.StringIO()
    call_command(
        "import-ratings",
        str(write_csv(tmp_path / "a.csv", [["2020-01", "26743", "kiosk", 1, 0, 0, "", ""]])),
        stdout=out,
    )
    assert "UBND Phường Bến Thành (26743)" in out.getvalue()
    zeros = io.StringIO()
    call_command(
        "import-ratings",
        str(write_csv(tmp_path / "z.csv", [["2020-04", "26743", "kiosk", 0, 0, 0, "", ""]])),
        stdout=zeros,
    )
    assert "04/2020" not in zeros.getvalue() and "0, 0, 0" in zeros.getvalue()


def test_an_empty_upload_is_said_in_our_words(client, personas):
    client.force_login(personas.admin)
    page = upload(client, b"", "rong.xlsx")
    html = page.content.decode()
    assert page.status_code == 400 and 'id="err-file"' in html
    assert "Tập tin được gửi là rỗng" not in html and "The submitted file is empty" not in html
    assert "The chosen file is empty." in html or "Tệp đã chọn không có nội dung." in html


def test_the_exports_comment_count_is_a_number(client, personas):
    from openpyxl import load_workbook

    from citydesk.ratings.services import rating_submit_kiosk

    for text in ("Nhanh gọn", "Chờ lâu"):
        desk = desk_transaction_open(user=personas.officer, unit=personas.ward)
        rating_submit_kiosk(transaction_code=desk.code, level="normal", comment=text, device=f"ip:{text}")
    client.force_login(personas.head)
    book = load_workbook(io.BytesIO(client.get("/danh-gia/thong-ke.xlsx").content))
    sheet = book.worksheets[-1]
    counted = [
        row for row in sheet.iter_rows(values_only=True) if row[0] == sheet.title and row[1] is not None
    ]
    assert counted and counted[0][1] == 2 and isinstance(counted[0][1], int)
