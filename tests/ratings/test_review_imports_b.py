"""Review of the historical imports (B): one breakdown per unit, channel and month (total, per officer, per
procedure), never two counted together; a row of zeros removes what was imported (a mistaken whole year
blocks nothing for good) and every blocked row is named; ratings credited only to the unit's own officers
on the desk channel; the months people type, codes that lost their leading zeros, a template workbook."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.utils import translation

from citydesk.core.audit import Actor
from citydesk.core.models import AuditEntry, Membership, Organisation, OrgKind
from citydesk.ratings import import_template
from citydesk.ratings.models import RatingMonth
from citydesk.ratings.periods import year_total
from citydesk.ratings.services import ImportRejected, ratings_import
from citydesk.ratings.services.imports import read_sheets, rows_from_table
from tests.conftest import make_unit
from tests.ratings.test_import import HEADER

pytestmark = pytest.mark.django_db

JAN = date(2025, 1, 1)


@pytest.fixture(autouse=True)
def english():
    """The messages in English, whatever the site's language (the tests read them)."""
    with translation.override("en"):
        yield


def rows(*cells: tuple) -> list[dict]:
    """Rows of the import: month, unit, channel, the three counts, and the officer and procedure if given."""
    return [dict(zip(HEADER, c, strict=False)) for c in cells]


def load(*cells: tuple, user=None):
    return (
        ratings_import(actor=Actor.system("test"), rows=rows(*cells))
        if user is None
        else ratings_import(user=user, rows=rows(*cells))
    )


def refused(*cells: tuple, user=None) -> ImportRejected:
    with pytest.raises(ImportRejected) as rejected:
        load(*cells, user=user)
    return rejected.value


def stored(**filters) -> tuple[int, int, int]:
    found = RatingMonth.objects.filter(imported=True, **filters)
    return (
        sum(r.satisfied for r in found),
        sum(r.normal for r in found),
        sum(r.unsatisfied for r in found),
    )


@pytest.fixture
def by_officer(personas):
    """01/2025 at the ward's desk, per officer (the reviewer's file)."""
    load(
        ("2025-01", "26743", "kiosk", 100, 5, 1, "officer"),
        ("2025-01", "26743", "kiosk", 50, 2, 3, "deputy"),
    )


# --- 1. One breakdown per unit, channel and month --------------------------------------------------


def test_a_units_total_is_refused_where_the_month_is_imported_per_officer(personas, by_officer):
    error = refused(("2025-01", "26743", "kiosk", 150, 7, 4))
    assert [(e.row, e.column) for e in error.errors] == [(2, "officer")]
    message = error.errors[0].message
    assert "per officer (deputy, officer)" in message and "0, 0, 0" in message
    assert stored(unit=personas.ward) == (150, 7, 4)  # not 300 / 14 / 8


def test_officer_rows_are_refused_where_the_units_total_is_imported(personas, procedures):
    load(("2025-01", "26743", "kiosk", 150, 7, 4))
    error = refused(
        ("2025-01", "26743", "kiosk", 100, 5, 1, "officer"),
        ("2025-01", "26743", "kiosk", 50, 2, 3, "deputy"),
        ("2025-01", "26743", "kiosk", 50, 2, 3, "", "1.001193"),
    )
    assert [(e.row, e.column) for e in error.errors] == [(2, "officer"), (3, "officer"), (4, "procedure")]
    assert "unit's total" in error.errors[0].message
    assert "3" in error.message  # every blocked row counted
    assert stored(unit=personas.ward) == (150, 7, 4)


def test_one_file_gives_a_month_in_one_breakdown(personas, procedures):
    error = refused(
        ("2025-01", "26743", "kiosk", 100, 5, 1, "officer"),
        ("2025-01", "26743", "kiosk", 150, 7, 4),
        ("2025-01", "26743", "kiosk", 9, 0, 0, "", "1.001193"),
        ("2025-02", "26743", "kiosk", 150, 7, 4),  # another month: fine
        ("2025-01", "26743", "web", 15, 0, 0),  # another channel: fine
    )
    assert [(e.row, e.column) for e in error.errors] == [(3, "officer"), (4, "officer")]
    assert "Row 2" in error.errors[0].message and "per officer" in error.errors[0].message
    assert not RatingMonth.objects.exists()


def test_the_same_breakdown_may_come_in_several_files(personas, procedures):
    load(("2025-01", "26743", "kiosk", 100, 5, 1, "officer"))
    load(("2025-01", "26743", "kiosk", 50, 2, 3, "deputy"))
    load(("2025-01", "26743", "web", 7, 0, 0, "", "1.001193"))
    load(("2025-01", "26743", "web", 3, 0, 0, "", "1.004222"))
    assert stored(channel="kiosk") == (150, 7, 4) and stored(channel="web") == (10, 0, 0)


def test_a_breakdown_is_replaced_by_removing_every_stored_row_in_the_same_file(personas, by_officer):
    partly = refused(
        ("2025-01", "26743", "kiosk", 0, 0, 0, "officer"),
        ("2025-01", "26743", "kiosk", 150, 7, 4),
    )
    # The row removed is not named as stored any more.
    assert [e.row for e in partly.errors] == [3] and "per officer (deputy)" in partly.errors[0].message
    result = load(
        ("2025-01", "26743", "kiosk", 0, 0, 0, "officer"),
        ("2025-01", "26743", "kiosk", 0, 0, 0, "deputy"),
        ("2025-01", "26743", "kiosk", 150, 7, 4),
    )
    assert result.removed == 2 and result.removed_units == {"26743"} and result.removed_periods == [JAN]
    assert list(RatingMonth.objects.values_list("officer_id", "satisfied", "normal", "unsatisfied")) == [
        (0, 150, 7, 4)
    ]
    entry = AuditEntry.objects.filter(action="ratings.import").latest("pk")
    assert entry.after["removed"] == 2


def test_a_whole_year_and_months_in_another_breakdown_are_refused(personas):
    load(("2023", "26743", "kiosk", 1000, 10, 1))
    error = refused(("05/2023", "26743", "kiosk", 10, 0, 0, "officer"))
    assert [(e.row, e.column) for e in error.errors] == [(2, "month")] and "2023" in error.errors[0].message
    both = refused(
        ("2022", "26743", "kiosk", 1000, 10, 1), ("05/2022", "26743", "kiosk", 10, 0, 0, "officer")
    )
    assert [e.row for e in both.errors] == [2] and "Row 3" in both.errors[0].message
    # The same breakdown for another officer counts other ratings: fine.
    load(("2021", "26743", "kiosk", 10, 0, 0, "deputy"), ("05/2021", "26743", "kiosk", 10, 0, 0, "officer"))


def test_counts_stored_twice_before_the_fix_are_undone_with_a_row_of_zeros(personas, by_officer):
    RatingMonth.objects.create(
        month=JAN, unit=personas.ward, channel="kiosk", satisfied=150, normal=7, unsatisfied=4, imported=True
    )  # what the reviewer's second file did: 300 / 14 / 8
    again = refused(("2025-01", "26743", "kiosk", 100, 5, 1, "officer"))
    assert "unit's total" in again.errors[0].message
    result = load(("2025-01", "26743", "kiosk", 0, 0, 0))
    assert result.removed == 1 and stored(unit=personas.ward) == (150, 7, 4)


# --- 2. A row of zeros removes; every blocked row named ----------------------------------------------


def test_a_mistaken_whole_year_is_removed_by_a_row_of_zeros(personas):
    make_ward("26758", "Phường Tân Định")
    load(("Cả năm 2024", "26758", "tại quầy", 5000, 20, 3))
    blocked = refused(("05/2024", "26758", "kiosk", 10, 0, 0), ("06/2024", "26758", "kiosk", 12, 1, 0))
    assert [e.row for e in blocked.errors] == [2, 3]  # every month blocked, not the first one only
    assert "2 row" in blocked.message and "0, 0, 0" in blocked.errors[0].message
    undone = load(("Cả năm 2024", "26758", "tại quầy", 0, 0, 0))
    assert undone.removed == 1 and undone.removed_periods == [year_total(2024)]
    assert not RatingMonth.objects.exists()  # removed, not kept at 0
    result = load(("05/2024", "26758", "kiosk", 10, 0, 0), ("06/2024", "26758", "kiosk", 12, 1, 0))
    assert result.rows == 2 and stored() == (22, 1, 0)


def test_a_row_of_zeros_in_the_file_lets_its_months_in_at_once(personas):
    load(("2024", "26743", "kiosk", 5000, 20, 3))
    result = load(("2024", "26743", "kiosk", 0, 0, 0), ("05/2024", "26743", "kiosk", 10, 0, 0))
    assert result.removed == 1 and set(RatingMonth.objects.values_list("month", flat=True)) == {
        date(2024, 5, 1)
    }


def test_a_zero_year_stored_before_the_fix_blocks_nothing(personas):
    RatingMonth.objects.create(month=year_total(2024), unit=personas.ward, channel="kiosk", imported=True)
    load(("05/2024", "26743", "kiosk", 10, 0, 0))
    assert list(RatingMonth.objects.values_list("month", flat=True)) == [date(2024, 5, 1)]  # and it is gone


def test_zeros_that_match_nothing_are_said_and_not_stored(personas):
    result = load(("05/2024", "26743", "kiosk", 0, 0, 0), ("06/2024", "26743", "kiosk", 1, 0, 0))
    assert result.removed == 0 and result.unmatched == 1 and result.rows == 2
    assert RatingMonth.objects.count() == 1


def test_months_stored_block_a_year_and_say_which(personas):
    load(("03/2018", "26743", "kiosk", 1, 0, 0), ("04/2018", "26743", "kiosk", 1, 0, 0))
    error = refused(("2018", "26743", "kiosk", 9, 0, 0))
    assert [e.row for e in error.errors] == [2]
    assert "03/2018" in error.errors[0].message and "04/2018" in error.errors[0].message


def test_the_page_says_what_was_removed(client, personas):
    load(("2024", "26743", "kiosk", 5000, 20, 3))
    client.force_login(personas.admin)
    upload = io.BytesIO(b"month,unit,channel,satisfied,normal,unsatisfied\n2024,26743,kiosk,0,0,0\n")
    upload.name = "undo.csv"
    page = client.post("/danh-gia/nhap/", {"file": upload}).content.decode()
    assert 'data-testid="import-removed"' in page and "UBND Phường Bến Thành (26743)" in page
    assert not RatingMonth.objects.exists()
    hint = client.get("/danh-gia/nhap/").content.decode()
    assert 'data-testid="import-zeros"' in hint


# --- 3. Ratings credited to the unit's own officers, at the desk ----------------------------------------


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        (("2025-01", "26743", "kiosk", 1, 0, 0, "citizen"), "officer"),  # not staff
        (("2025-01", "26740", "kiosk", 1, 0, 0, "officer"), "officer"),  # works at 26743
        (("2025-01", "79", "kiosk", 1, 0, 0, "officer"), None),  # a unit above: fine (they work below it)
        (("2025-01", "26743", "web", 1, 0, 0, "officer"), "officer"),  # the web rates the service
        (("2025-01", "26743", "app", 1, 0, 0, "officer"), "officer"),  # residents rate the ward
    ],
)
def test_the_officer_is_one_of_the_units_own_at_the_desk(personas, cells, column):
    if column is None:
        assert load(cells).rows == 1
        return
    error = refused(cells)
    assert [(e.row, e.column) for e in error.errors] == [(2, column)]
    assert cells[6] in error.errors[0].message or "desk" in error.errors[0].message


def test_an_officer_of_a_unit_below_counts_and_one_who_left_does_not(personas):
    desk = Organisation.objects.create(
        code="26743.MC", name="Bộ phận Một cửa", kind=OrgKind.ONE_STOP_DESK, parent=personas.ward
    )
    Membership.objects.create(user=personas.citizen, organisation=desk, role="officer")
    assert load(("2025-01", "26743", "kiosk", 1, 0, 0, "citizen")).rows == 1
    Membership.objects.filter(user=personas.deputy).update(is_active=False)
    error = refused(("2025-02", "26743", "kiosk", 1, 0, 0, "deputy"))
    assert error.errors[0].column == "officer" and "deputy" in error.errors[0].message


def test_a_row_credited_to_a_citizen_before_the_fix_can_be_removed(personas):
    RatingMonth.objects.create(
        month=JAN,
        unit=personas.ward,
        officer_id=personas.citizen.pk,
        channel="web",
        satisfied=9,
        imported=True,
    )
    assert refused(("2025-01", "26743", "web", 1, 0, 0, "citizen")).errors[0].column == "officer"
    assert load(("2025-01", "26743", "web", 0, 0, 0, "citizen")).removed == 1
    assert not RatingMonth.objects.exists()


def test_the_page_names_the_officers_column(client, personas):
    client.force_login(personas.admin)
    upload = io.BytesIO(
        "Tháng,Mã đơn vị,Kênh,Hài lòng,Bình thường,Không hài lòng,Cán bộ\n"
        "01/2025,26740,tại quầy,1,0,0,officer\n".encode()
    )
    upload.name = "a.csv"
    response = client.post("/danh-gia/nhap/", {"file": upload})
    assert response.status_code == 400 and "<td>Cán bộ</td>" in response.content.decode()


# --- 4. Months as people type them; codes that lost their zeros; the template -------------------------


@pytest.mark.parametrize(
    ("typed", "month"),
    [
        ("Tháng 1/2025", JAN),
        ("tháng 1/2025", JAN),
        ("Thang 1/2025", JAN),
        ("THÁNG 01/2025", JAN),
        ("T2/2025", date(2025, 2, 1)),
        ("t2/2025", date(2025, 2, 1)),
        ("T 02/2025", date(2025, 2, 1)),
        ("03-2025", date(2025, 3, 1)),
        ("04.2025", date(2025, 4, 1)),
        ("Tháng 5 năm 2025", date(2025, 5, 1)),
        ("tháng 6-2025", date(2025, 6, 1)),
        ("2025/07", date(2025, 7, 1)),
        (4.2025, date(2025, 4, 1)),  # 04.2025 typed in a cell Excel made a number
        (10.202, date(2020, 10, 1)),  # 10.2020 likewise (its last zero gone)
        ("Cả năm 2019", year_total(2019)),
    ],
)
def test_months_as_people_type_them(personas, typed, month):
    load((typed, "26743", "kiosk", 1, 0, 0))
    assert RatingMonth.objects.get().month == month


@pytest.mark.parametrize("typed", ["13/2025", "Tháng 1/25", "1/2025/3", "T13-2025"])
def test_what_is_not_a_month_is_still_refused(personas, typed):
    assert refused((typed, "26743", "kiosk", 1, 0, 0)).errors[0].column == "month"


def make_ward(code: str, name: str) -> Organisation:
    city = Organisation.objects.get(code="79")
    unit = make_unit(code, name, city.admin_unit)
    return Organisation.objects.create(
        code=code, name=f"UBND {name}", kind=OrgKind.PEOPLES_COMMITTEE, parent=city, admin_unit=unit
    )


def test_a_code_that_lost_its_leading_zeros_is_named_not_guessed(personas):
    hanoi = make_unit("01", "Thành phố Hà Nội")
    city = Organisation.objects.create(
        code="01", name="UBND Thành phố Hà Nội", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=hanoi
    )
    Organisation.objects.create(
        code="00004",
        name="UBND Phường Ba Đình",
        kind=OrgKind.PEOPLES_COMMITTEE,
        parent=city,
        admin_unit=make_unit("00004", "Phường Ba Đình", hanoi),
    )
    error = refused(
        ("2025-01", 4, "kiosk", 1, 0, 0), ("2025-01", "4", "web", 1, 0, 0), ("2025-01", "1", "web", 1, 0, 0)
    )
    assert [(e.row, e.column) for e in error.errors] == [(2, "unit"), (3, "unit"), (4, "unit")]
    assert "00004" in error.errors[0].message and "text" in error.errors[0].message
    assert "01" in error.errors[2].message
    unknown = refused(("2025-01", "999", "kiosk", 1, 0, 0))
    assert "00999" not in unknown.errors[0].message and "text" not in unknown.errors[0].message
    assert not RatingMonth.objects.exists()


def test_the_template_workbook_has_the_vietnamese_header_and_imports_nothing_unchanged(personas):
    data = import_template.template_workbook()
    (sheet,) = read_sheets(data, "mau.xlsx")  # the instructions sheet is not read
    assert sheet.table[0][:6] == ["Tháng", "Mã đơn vị", "Kênh", "Hài lòng", "Bình thường", "Không hài lòng"]
    numbered, headers = rows_from_table(sheet.table)
    assert len(numbered) == 0 and set(headers) == set(HEADER)
    with pytest.raises(ImportRejected):  # uploaded unchanged: no example row becomes data
        ratings_import(user=personas.admin, file=data, filename="mau.xlsx")
    assert not RatingMonth.objects.exists()


def test_the_import_page_offers_the_template(client, personas):
    client.force_login(personas.admin)
    page = client.get("/danh-gia/nhap/").content.decode()
    assert 'href="/danh-gia/nhap/mau.xlsx"' in page and 'data-testid="import-template"' in page
    response = client.get("/danh-gia/nhap/mau.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]


def test_the_template_is_for_signed_in_users(client, db):
    response = client.get("/danh-gia/nhap/mau.xlsx")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
