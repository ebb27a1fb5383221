"""The procedure catalog: demo data, Excel export/import (all or nothing), pages, admin and commands."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from citydesk.core.models import AuditEntry, User
from citydesk.dossiers.catalog import (
    COLUMNS,
    SHEET_DOCUMENTS,
    SHEET_PROCEDURES,
    SHEET_STEPS,
    catalog_export,
    catalog_import,
    is_inter_agency,
    procedure_snapshot,
)
from citydesk.dossiers.demo_catalog import PROCEDURES, seed_procedures
from citydesk.dossiers.models import Procedure, ProcedureDocument, ProcedureStep
from citydesk.lib.text import search_key

pytestmark = pytest.mark.django_db

MANAGE = "/thu-tuc/nhap-xuat/"


@pytest.fixture
def catalog(personas) -> int:
    return seed_procedures()


def state() -> list[dict[str, Any]]:
    """Everything the import may change, including the change times."""
    rows = []
    for p in Procedure.objects.prefetch_related("documents", "steps").order_by("code"):
        rows.append({**procedure_snapshot(p), "updated_at": p.updated_at, "search_name": p.search_name})
    return rows


def open_book(data: bytes) -> Workbook:
    return load_workbook(BytesIO(data))


def to_bytes(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def col(sheet: str, key: str) -> int:
    return next(i for i, (k, *_r) in enumerate(COLUMNS[sheet], start=1) if k == key)


def row_of(book: Workbook, sheet: str, code: str, position: int | None = None) -> int:
    ws = book[sheet]
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, 1).value == code and (position is None or ws.cell(row, 2).value == position):
            return row
    raise AssertionError(f"{code} not in {sheet}")


def put(book: Workbook, sheet: str, row: int, key: str, value: Any) -> None:
    book[sheet].cell(row, col(sheet, key)).value = value


# --- Demo data ------------------------------------------------------------------------------------


def test_seed_gives_thirty_procedures_with_complete_processes(catalog):
    assert catalog == len(PROCEDURES) >= 30
    procedures = list(Procedure.objects.prefetch_related("documents", "steps"))
    assert len(procedures) == catalog
    inter_agency = 0
    for p in procedures:
        steps = list(p.steps.all())
        assert [s.position for s in steps] == list(range(1, len(steps) + 1)), p.code
        assert 2 <= len(steps) <= 5, p.code
        assert sum(s.share for s in steps) == Decimal(100), p.code
        assert 2 <= p.documents.count() <= 5, p.code
        assert p.search_name == search_key(f"{p.name} {p.code}")
        assert p.processing_time > 0 and p.service_level in (2, 3, 4)
        inter_agency += is_inter_agency(steps)
    assert inter_agency >= 3
    land = Procedure.objects.get(code="DD-01")
    assert [(s.performer, s.department_code) for s in land.steps.all()][:4] == [
        ("receiving", ""),
        ("department", "SNNMT"),
        ("department", "SNNMT"),
        ("city", ""),
    ]
    assert Procedure.objects.get(code="XD-02").department_code == "SXD"
    certified = Procedure.objects.get(code="CT-01")
    assert (certified.time_unit, certified.same_day) == ("hours", True)
    assert AuditEntry.objects.filter(action="procedure_catalog.import").count() == 1


def test_seed_is_idempotent_keeps_an_administrators_edits_and_brings_back_a_deleted_procedure(catalog):
    before = state()
    audits = AuditEntry.objects.count()
    assert seed_procedures() == catalog
    assert state() == before and AuditEntry.objects.count() == audits
    birth = Procedure.objects.get(code="HT-01")
    Procedure.objects.filter(pk=birth.pk).update(fee=999)  # an administrator's edit
    seed_procedures()
    birth.refresh_from_db()
    assert birth.fee == 999 and AuditEntry.objects.count() == audits  # not reverted
    copies = Procedure.objects.get(code="CT-01")
    steps = copies.steps.count()
    copies.delete()
    seed_procedures()
    back = Procedure.objects.get(code="CT-01")
    assert back.steps.count() == steps and back.documents.exists()
    assert AuditEntry.objects.count() == audits + 1


# --- Export and import ----------------------------------------------------------------------------


def test_export_has_three_sheets_with_vietnamese_headers(catalog):
    book = open_book(catalog_export())
    assert book.sheetnames == [SHEET_PROCEDURES, SHEET_DOCUMENTS, SHEET_STEPS]
    assert book[SHEET_PROCEDURES]["B1"].value == "Tên thủ tục"
    assert book[SHEET_PROCEDURES].max_row == catalog + 1
    assert book[SHEET_STEPS].max_row == ProcedureStep.objects.count() + 1
    sheet = book[SHEET_PROCEDURES]
    fee = next(c.column for c in sheet[1] if c.value == "Lệ phí (đồng)")
    assert {sheet.cell(row, fee).number_format for row in range(2, sheet.max_row + 1)} == {"#,##0"}
    blank = open_book(catalog_export(Procedure.objects.none()))
    assert [ws.max_row for ws in blank.worksheets] == [1, 1, 1]


def test_round_trip_changes_nothing(catalog, personas):
    before = state()
    audits = AuditEntry.objects.count()
    result = catalog_import(catalog_export(), user=personas.admin)
    assert result.ok and result.created == [] and result.updated == []
    assert len(result.unchanged) == catalog
    assert state() == before
    assert AuditEntry.objects.count() == audits


def test_import_creates_and_updates_in_one_audited_change(catalog, personas):
    book = open_book(catalog_export())
    put(book, SHEET_PROCEDURES, row_of(book, SHEET_PROCEDURES, "CT-03"), "fee", "60.000")
    new_row = ["TEST-01", "Cấp giấy phép thử nghiệm", "Test permit", "Thử nghiệm", "department", "sct"]
    book[SHEET_PROCEDURES].append([*new_row, 0, "", 4, "hours", 3, "không", "", "có"])
    book[SHEET_DOCUMENTS].append(["TEST-01", 1, "Đơn đề nghị", "01 bản chính", "có"])
    book[SHEET_STEPS].append(["TEST-01", 1, "Tiếp nhận", "receiving", "", "officer", 40])
    book[SHEET_STEPS].append(["TEST-01", 2, "Thẩm định", "department", "SCT", "head", 60])
    document = ProcedureDocument.objects.get(procedure__code="CT-03", position=1)
    result = catalog_import(to_bytes(book), user=personas.admin)
    assert result.ok, result.errors
    assert result.created == ["TEST-01"] and result.updated == ["CT-03"]
    assert Procedure.objects.get(code="CT-03").fee == 60000
    new = Procedure.objects.get(code="TEST-01")
    assert (new.department_code, new.time_unit, new.processing_time) == ("SCT", "hours", 4)
    assert new.search_name == "cap giay phep thu nghiem test-01"
    assert [s.share for s in new.steps.all()] == [Decimal(40), Decimal(60)]
    assert ProcedureDocument.objects.get(procedure__code="CT-03", position=1).pk == document.pk
    entry = AuditEntry.objects.get(action="procedure_catalog.import", actor_id=personas.admin.pk)
    assert set(entry.after) == {"TEST-01", "CT-03"} and entry.before["CT-03"]["fee"] == 50000


def test_import_replaces_documents_and_steps_of_a_procedure_by_position(catalog, personas):
    book = open_book(catalog_export())
    ws = book[SHEET_STEPS]
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "HT-01"]
    put(book, SHEET_STEPS, rows[-1], "position", None)  # drop step 4 …
    for key in ("procedure_code", "name", "performer", "role", "share", "name_en"):
        put(book, SHEET_STEPS, rows[-1], key, None)
    put(book, SHEET_STEPS, rows[0], "share", 25)  # … and give its 10 % to step 1
    result = catalog_import(to_bytes(book), user=personas.admin)
    assert result.ok, result.errors
    assert result.updated == ["HT-01"]
    steps = list(Procedure.objects.get(code="HT-01").steps.all())
    assert [s.position for s in steps] == [1, 2, 3] and steps[0].share == 25


Mutation = Callable[[Workbook], tuple[str, int, str]]


def _set(sheet: str, code: str, key: str, value: Any, position: int | None = None) -> Mutation:
    def mutate(book: Workbook) -> tuple[str, int, str]:
        row = row_of(book, sheet, code, position)
        put(book, sheet, row, key, value)
        return sheet, row, key

    return mutate


def _unknown_sheet(book: Workbook) -> tuple[str, int, str]:
    book.create_sheet("Ghi chú")
    return "Ghi chú", 0, "sheet"


def _unknown_column(book: Workbook) -> tuple[str, int, str]:
    book[SHEET_PROCEDURES].cell(1, 20).value = "Người phụ trách"
    return SHEET_PROCEDURES, 1, ""


def _missing_column(book: Workbook) -> tuple[str, int, str]:
    book[SHEET_STEPS].cell(1, col(SHEET_STEPS, "role")).value = None
    return SHEET_STEPS, 1, ""


def _gap_in_steps(book: Workbook) -> tuple[str, int, str]:
    put(book, SHEET_STEPS, row_of(book, SHEET_STEPS, "KD-01", 3), "position", 7)
    return SHEET_STEPS, row_of(book, SHEET_STEPS, "KD-01", 1), "position"


def _shares(book: Workbook) -> tuple[str, int, str]:
    put(book, SHEET_STEPS, row_of(book, SHEET_STEPS, "XD-01", 2), "share", 61)
    return SHEET_STEPS, row_of(book, SHEET_STEPS, "XD-01", 1), "share"


def _orphan(sheet: str) -> Mutation:
    def mutate(book: Workbook) -> tuple[str, int, str]:
        ws = book[sheet]
        values = [c.value for c in ws[2]]
        ws.append(["ZZ-99", *values[1:]])
        return sheet, ws.max_row, "procedure_code"

    return mutate


def _duplicate_code(book: Workbook) -> tuple[str, int, str]:
    row = row_of(book, SHEET_PROCEDURES, "HT-03")
    put(book, SHEET_PROCEDURES, row, "code", "HT-02")
    return SHEET_PROCEDURES, row, "code"


def _new_without_steps(book: Workbook) -> tuple[str, int, str]:
    ws = book[SHEET_PROCEDURES]
    ws.append(["NEW-1", *[c.value for c in ws[2]][1:]])
    return SHEET_PROCEDURES, ws.max_row, "code"


BAD_ROWS: dict[str, Mutation] = {
    "unknown sheet": _unknown_sheet,
    "unknown column": _unknown_column,
    "missing column": _missing_column,
    "empty name": _set(SHEET_PROCEDURES, "HT-04", "name", "  "),
    "processing time 0": _set(SHEET_PROCEDURES, "HT-04", "processing_time", 0),
    "processing time negative": _set(SHEET_PROCEDURES, "HT-04", "processing_time", -3),
    "processing time text": _set(SHEET_PROCEDURES, "HT-04", "processing_time", "ba ngày"),
    "service level 5": _set(SHEET_PROCEDURES, "KD-02", "service_level", 5),
    "time unit weeks": _set(SHEET_PROCEDURES, "KD-02", "time_unit", "weeks"),
    "authority unknown": _set(SHEET_PROCEDURES, "KD-02", "authority", "province"),
    "department unknown": _set(SHEET_PROCEDURES, "XD-02", "department_code", "SXX"),
    "department missing": _set(SHEET_PROCEDURES, "XD-02", "department_code", None),
    "fee negative": _set(SHEET_PROCEDURES, "XD-02", "fee", -1),
    "same day not yes/no": _set(SHEET_PROCEDURES, "XD-02", "same_day", "có lẽ"),
    "duplicate code": _duplicate_code,
    "new procedure without steps": _new_without_steps,
    "steps not numbered 1..n": _gap_in_steps,
    "shares not 100": _shares,
    "share above 100": _set(SHEET_STEPS, "XD-01", "share", 120, position=2),
    "role unknown": _set(SHEET_STEPS, "DD-01", "role", "mayor", position=2),
    "step department unknown": _set(SHEET_STEPS, "DD-01", "department_code", "SABC", position=2),
    "step department missing": _set(SHEET_STEPS, "DD-01", "department_code", "", position=2),
    "department on a ward step": _set(SHEET_STEPS, "HT-01", "department_code", "STP", position=1),
    "performer unknown": _set(SHEET_STEPS, "HT-01", "performer", "police", position=1),
    "document for unknown procedure": _orphan(SHEET_DOCUMENTS),
    "step for unknown procedure": _orphan(SHEET_STEPS),
    "document without name": _set(SHEET_DOCUMENTS, "HT-01", "name", None, position=1),
}


@pytest.mark.parametrize("mutation", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_each_bad_row_is_reported_with_its_row_and_nothing_changes(catalog, personas, mutation):
    book = open_book(catalog_export())
    # A valid change elsewhere in the same file must not be applied either.
    put(book, SHEET_PROCEDURES, row_of(book, SHEET_PROCEDURES, "CT-01"), "fee", 3000)
    sheet, row, field = mutation(book)
    before = state()
    audits = AuditEntry.objects.count()
    result = catalog_import(to_bytes(book), user=personas.admin)
    assert not result.ok
    found = [(e.sheet, e.row, e.field) for e in result.errors]
    assert (sheet, row, field) in found, result.errors
    assert all(e.message for e in result.errors)
    assert state() == before
    assert AuditEntry.objects.count() == audits


def test_every_problem_is_listed_at_once(catalog, personas):
    book = open_book(catalog_export())
    put(book, SHEET_PROCEDURES, 2, "name", "")
    put(book, SHEET_PROCEDURES, 3, "service_level", 9)
    put(book, SHEET_STEPS, 4, "role", "boss")
    result = catalog_import(to_bytes(book), user=personas.admin)
    assert {(e.sheet, e.row, e.field) for e in result.errors} == {
        (SHEET_PROCEDURES, 2, "name"),
        (SHEET_PROCEDURES, 3, "service_level"),
        (SHEET_STEPS, 4, "role"),
    }
    assert str(result.errors[0]).startswith("Thủ tục!B2 (Tên thủ tục): ")


def _add_to_share(book: Workbook, code: str, position: int, amount: Any) -> int:
    row = row_of(book, SHEET_STEPS, code, position)
    value = book[SHEET_STEPS].cell(row, col(SHEET_STEPS, "share")).value
    put(book, SHEET_STEPS, row, "share", value + amount)
    return row


def test_cell_errors_and_the_checks_across_rows_are_listed_in_one_pass(catalog, personas):
    """A bad code, a bad role and shares adding up to 115% of the same procedure: all three at once."""
    book = open_book(catalog_export())
    code_row = row_of(book, SHEET_PROCEDURES, "HT-04")
    put(book, SHEET_PROCEDURES, code_row, "code", "HT 04!")
    role_row = row_of(book, SHEET_STEPS, "XD-01", 2)
    put(book, SHEET_STEPS, role_row, "role", "boss")
    department_row = row_of(book, SHEET_STEPS, "XD-01", 3)
    put(book, SHEET_STEPS, department_row, "department_code", "STP")  # on a ward's own step
    first_row = _add_to_share(book, "XD-01", 1, 15)
    before = state()
    result = catalog_import(to_bytes(book), user=personas.admin)
    assert {(e.sheet, e.row, e.field) for e in result.errors} == {
        (SHEET_PROCEDURES, code_row, "code"),
        (SHEET_STEPS, role_row, "role"),
        (SHEET_STEPS, department_row, "department_code"),
        (SHEET_STEPS, first_row, "share"),
    }
    assert state() == before
    share = next(e for e in result.errors if e.field == "share")
    assert "115%" in share.message and "115.00" not in share.message


def test_header_problems_do_not_hide_the_row_problems(catalog, personas):
    book = open_book(catalog_export())
    book[SHEET_PROCEDURES].cell(1, 20).value = "Người phụ trách"
    book[SHEET_STEPS].cell(1, col(SHEET_STEPS, "role")).value = None
    level_row = row_of(book, SHEET_PROCEDURES, "KD-02")
    put(book, SHEET_PROCEDURES, level_row, "service_level", 9)
    share_row = _add_to_share(book, "XD-01", 1, 15)
    result = catalog_import(to_bytes(book), user=personas.admin)
    found = {(e.sheet, e.row, e.field) for e in result.errors}
    assert (SHEET_PROCEDURES, level_row, "service_level") in found
    assert (SHEET_STEPS, share_row, "share") in found
    assert sum(1 for e in result.errors if e.row == 1) == 2  # the unknown and the missing column
    assert not any(e.field == "role" and e.row > 1 for e in result.errors)  # not once per row


@pytest.mark.parametrize(("amount", "shown"), [(15, "115%"), (12.5, "112,5%"), (-0.25, "99,75%")])
def test_share_totals_are_written_the_vietnamese_way(catalog, personas, amount, shown):
    book = open_book(catalog_export())
    _add_to_share(book, "XD-01", 2, amount)
    result = catalog_import(to_bytes(book), user=personas.admin)
    assert [e.field for e in result.errors] == ["share"]
    assert f" {shown}" in result.errors[0].message


def test_a_file_that_is_not_a_workbook_is_refused(catalog, personas):
    result = catalog_import(b"code,name\nHT-01,x\n", user=personas.admin)
    assert [e.field for e in result.errors] == ["file"]


def test_dry_run_reports_changes_but_keeps_the_catalog(catalog, personas):
    book = open_book(catalog_export())
    put(book, SHEET_PROCEDURES, row_of(book, SHEET_PROCEDURES, "CT-01"), "fee", 3000)
    before = state()
    result = catalog_import(to_bytes(book), user=personas.admin, dry_run=True)
    assert result.ok and result.updated == ["CT-01"]
    assert state() == before


@pytest.mark.parametrize(
    "role", ["operator", "officer", "deputy", "head", "leader", "inspector", "citizen", "outsider"]
)
def test_only_catalog_managers_may_import(catalog, personas, role):
    from citydesk.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        catalog_import(catalog_export(), user=personas.all_roles()[role])


# --- Import/export page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["operator", "officer", "deputy", "head", "leader", "inspector", "citizen", "outsider"]
)
def test_import_page_refuses_everyone_but_the_administrator(client, catalog, personas, role):
    client.force_login(personas.all_roles()[role])
    for url in (MANAGE, MANAGE + "danh-muc.xlsx", MANAGE + "mau-trong.xlsx"):
        assert client.get(url).status_code == 403, url
    before = state()
    book = open_book(catalog_export())
    put(book, SHEET_PROCEDURES, 2, "fee", 123)
    response = client.post(MANAGE, {"file": ContentFile(to_bytes(book), name="c.xlsx")})
    assert response.status_code == 403
    assert state() == before


def test_import_page_sends_anonymous_visitors_to_log_in(client, catalog):
    for url in (MANAGE, MANAGE + "danh-muc.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and reverse("web:login") in response["Location"]
    assert client.post(MANAGE, {}).status_code == 302


def test_administrator_downloads_imports_and_sees_row_errors(client, catalog, personas):
    client.force_login(personas.admin)
    assert client.get(MANAGE).status_code == 200
    download = client.get(MANAGE + "danh-muc.xlsx")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    book = open_book(download.content)
    assert book[SHEET_PROCEDURES].max_row == catalog + 1
    blank = client.get(MANAGE + "mau-trong.xlsx")
    assert open_book(blank.content)[SHEET_PROCEDURES].max_row == 1

    row = row_of(book, SHEET_PROCEDURES, "CT-02")
    put(book, SHEET_PROCEDURES, row, "fee", 12000)
    response = client.post(MANAGE, {"file": ContentFile(to_bytes(book), name="c.xlsx")})
    assert response.status_code == 200
    assert response.context["result"].updated == ["CT-02"]
    assert Procedure.objects.get(code="CT-02").fee == 12000

    put(book, SHEET_PROCEDURES, row, "time_unit", "weeks")
    before = state()
    response = client.post(MANAGE, {"file": ContentFile(to_bytes(book), name="c.xlsx")})
    assert response.status_code == 400
    assert f'data-row="{row}" data-field="time_unit"' in response.content.decode()
    assert state() == before


def test_import_page_without_a_file_or_with_another_kind_of_file(client, catalog, personas):
    client.force_login(personas.admin)
    response = client.post(MANAGE, {})
    assert response.status_code == 400 and "file" in response.context["form"].errors
    response = client.post(MANAGE, {"file": ContentFile(b"hello", name="c.csv")})
    assert response.status_code == 400 and "file" in response.context["form"].errors
    response = client.post(MANAGE, {"file": ContentFile(b"not a workbook", name="c.xlsx")})
    assert response.status_code == 400
    assert [e.field for e in response.context["result"].errors] == ["file"]


# --- Public pages ---------------------------------------------------------------------------------


def codes(response) -> list[str]:
    return [p.code for p in response.context["page"].object_list]


def test_public_list_sorted_in_vietnamese_and_searchable_without_accents(
    client, catalog, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        response = client.get("/thu-tuc/")
    assert response.status_code == 200 and len(codes(response)) == catalog
    fields = [p.field for p in response.context["page"].object_list]
    assert fields.index("Đất đai") > fields.index("Chứng thực")  # Đ sorts after D and C
    assert fields.index("Đăng ký kinh doanh") > fields.index("Chứng thực")
    for query in ("khai sinh", "KHAI SINH", "Khai sinh", "dang ky khai sinh", "ht-01"):
        found = codes(client.get("/thu-tuc/", {"q": query}))
        assert found == ["HT-01"], query
    assert "Đăng ký khai sinh" in client.get("/thu-tuc/", {"q": "khai sinh"}).content.decode()
    assert set(codes(client.get("/thu-tuc/", {"q": "chung thuc"}))) >= {"CT-01", "CT-02", "CT-03"}
    assert codes(client.get("/thu-tuc/", {"q": "không có thủ tục này"})) == []


def test_public_list_filters(client, catalog):
    assert set(codes(client.get("/thu-tuc/", {"field": "Chứng thực"}))) == {
        "CT-01",
        "CT-02",
        "CT-03",
        "CT-04",
    }
    department = codes(client.get("/thu-tuc/", {"level": "department"}))
    assert department and all(Procedure.objects.get(code=c).authority == "department" for c in department)
    same_day = set(codes(client.get("/thu-tuc/", {"same_day": "on"})))
    assert same_day == set(Procedure.objects.filter(same_day=True).values_list("code", flat=True))
    assert {"HT-01", "CT-01"} <= same_day and "XD-01" not in same_day
    assert client.get("/thu-tuc/", {"level": "province"}).status_code == 400
    assert client.get("/thu-tuc/", {"field": "Không có"}).status_code == 400


def test_inactive_procedures_are_not_public(client, catalog):
    Procedure.objects.filter(code="HT-07").update(is_active=False)
    assert "HT-07" not in codes(client.get("/thu-tuc/"))
    assert client.get("/thu-tuc/HT-07/").status_code == 404


def test_a_free_procedure_with_a_fee_note_shows_the_note_alone(client, catalog):
    """ "No fee (exempt when registered on time)" read as a contradiction: the note says it all."""
    Procedure.objects.filter(code="CT-03").update(fee=0, fee_note="Miễn lệ phí khi đăng ký đúng hạn")
    page = client.get("/thu-tuc/CT-03/").content.decode()
    assert 'data-testid="fee">Miễn lệ phí khi đăng ký đúng hạn</dd>' in page


def test_detail_page(client, catalog):
    response = client.get("/thu-tuc/CT-03/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Chứng thực hợp đồng, giao dịch liên quan đến nhà ở" in page
    assert 'data-testid="fee">50.000 ' in page  # fee in Vietnamese number format
    assert "/ho-so/nop/CT-03/" not in page  # level 2: no online filing
    documents = [d.name for d in response.context["documents"]]
    assert documents[0] == "Dự thảo hợp đồng, giao dịch"
    assert [item["step"].position for item in response.context["process"]] == [1, 2, 3, 4]
    assert not response.context["inter_agency"]
    assert 'data-crosses="1"' not in page

    land = client.get("/thu-tuc/dd-01/")
    assert land.status_code == 200 and 'href="/ho-so/nop/DD-01/"' in land.content.decode()
    assert land.context["inter_agency"]
    crosses = [item["crosses"] for item in land.context["process"]]
    assert crosses == [False, True, True, True, False]
    assert "Sở Nông nghiệp và Môi trường" in [item["unit"] for item in land.context["process"]]
    assert land.content.decode().count('data-crosses="1"') == 3


def test_detail_of_an_unknown_code_is_404(client, catalog):
    response = client.get("/thu-tuc/XX-404/")
    assert response.status_code == 404 and "XX-404" in response.content.decode()


def test_document_templates_are_downloadable(client, catalog, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    document = ProcedureDocument.objects.get(procedure__code="HT-01", position=1)
    document.template.save("to-khai-khai-sinh.docx", ContentFile(b"mau to khai"))
    page = client.get("/thu-tuc/HT-01/").content.decode()
    assert "/thu-tuc/HT-01/mau/1/" in page and "/thu-tuc/HT-01/mau/2/" not in page
    response = client.get("/thu-tuc/HT-01/mau/1/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"mau to khai"
    assert client.get("/thu-tuc/HT-01/mau/2/").status_code == 404
    assert client.get("/thu-tuc/XX-1/mau/1/").status_code == 404


# --- Back office ----------------------------------------------------------------------------------


def test_admin_edit_keeps_search_key_and_checks_shares(client, catalog):
    superuser = User.objects.create_superuser("root", "root@example.vn", "pw-root")
    client.force_login(superuser)
    procedure = Procedure.objects.get(code="HT-05")
    url = reverse("admin:dossiers_procedure_change", args=[procedure.pk])
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:dossiers_dossier_changelist")).status_code == 200

    def form(share_of_first: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            k: getattr(procedure, k) for k in ("code", "field", "authority", "department_code", "fee")
        }
        data.update(
            name="Cấp bản sao trích lục hộ tịch (bản điện tử)",
            name_en=procedure.name_en,
            fee_note=procedure.fee_note,
            processing_time=procedure.processing_time,
            time_unit=procedure.time_unit,
            service_level=procedure.service_level,
            same_day="on",
            legal_basis=procedure.legal_basis,
            is_active="on",
        )
        for prefix, items, keys in (
            ("documents", procedure.documents.all(), ("position", "name", "copies")),
            (
                "steps",
                procedure.steps.all(),
                ("position", "name", "performer", "department_code", "role", "share"),
            ),
        ):
            items = list(items)
            data.update({f"{prefix}-TOTAL_FORMS": len(items), f"{prefix}-INITIAL_FORMS": len(items)})
            for i, item in enumerate(items):
                data[f"{prefix}-{i}-id"] = item.pk
                data[f"{prefix}-{i}-procedure"] = procedure.pk
                data.update({f"{prefix}-{i}-{k}": getattr(item, k) for k in keys})
                if prefix == "documents" and item.required:
                    data[f"{prefix}-{i}-required"] = "on"
        data["steps-0-share"] = share_of_first
        return data

    audits = AuditEntry.objects.count()
    response = client.post(url, form(55))  # shares 55 + 50 + 10 = 115
    assert response.status_code == 200
    assert Procedure.objects.get(pk=procedure.pk).name == procedure.name
    response = client.post(url, form(40))
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    procedure.refresh_from_db()
    assert (
        procedure.search_name == search_key(f"{procedure.name} HT-05")
        and "ban dien tu" in procedure.search_name
    )
    assert AuditEntry.objects.filter(action="procedure.change", object_id="HT-05").count() == 1
    assert AuditEntry.objects.count() == audits + 1


# --- Commands -------------------------------------------------------------------------------------


def test_commands_export_then_import(catalog, tmp_path, capsys):
    path = tmp_path / "catalog.xlsx"
    call_command("export-procedures", str(path))
    assert f" {catalog} " in capsys.readouterr().out
    before = state()
    call_command("import-procedures", str(path))
    assert f"0 thủ tục mới, 0 thay đổi, {catalog} không đổi" in capsys.readouterr().out
    assert state() == before

    book = open_book(path.read_bytes())
    put(book, SHEET_PROCEDURES, row_of(book, SHEET_PROCEDURES, "KD-01"), "fee", 150000)
    path.write_bytes(to_bytes(book))
    call_command("import-procedures", str(path), "--dry-run")
    assert Procedure.objects.get(code="KD-01").fee == 100000
    call_command("import-procedures", str(path))
    assert Procedure.objects.get(code="KD-01").fee == 150000
    entry = AuditEntry.objects.filter(action="procedure_catalog.import").latest("id")
    assert entry.right == AuditEntry.Right.SYSTEM and entry.actor_id is None


def test_import_command_exits_1_listing_row_errors(catalog, tmp_path, capsys):
    book = open_book(catalog_export())
    row = row_of(book, SHEET_PROCEDURES, "HT-02")
    put(book, SHEET_PROCEDURES, row, "service_level", 7)
    path = tmp_path / "bad.xlsx"
    path.write_bytes(to_bytes(book))
    before = state()
    with pytest.raises(CommandError) as err:
        call_command("import-procedures", str(path))
    assert err.value.returncode == 2
    assert f"Thủ tục!K{row}" in capsys.readouterr().err
    assert state() == before
    with pytest.raises(CommandError) as err:
        call_command("import-procedures", str(tmp_path / "missing.xlsx"))
    assert err.value.returncode == 2
    blank = tmp_path / "blank.xlsx"
    call_command("export-procedures", str(blank), "--blank")
    assert open_book(blank.read_bytes())[SHEET_STEPS].max_row == 1


def test_import_command_lists_every_problem_in_one_pass(catalog, tmp_path, capsys):
    book = open_book(catalog_export())
    role_row = row_of(book, SHEET_STEPS, "XD-01", 2)
    put(book, SHEET_STEPS, role_row, "role", "boss")
    _add_to_share(book, "XD-01", 1, 12.5)
    path = tmp_path / "bad.xlsx"
    path.write_bytes(to_bytes(book))
    with pytest.raises(CommandError) as err:
        call_command("import-procedures", str(path))
    assert err.value.returncode == 2
    lines = capsys.readouterr().err.splitlines()
    assert any(line.startswith(f"Quy trình!F{role_row} ") for line in lines), lines
    assert any("112,5%" in line for line in lines), lines
    assert str(err.value).startswith("Có 2 lỗi trong ")  # the count of problems, in the site's language


def test_fee_and_time_labels_follow_the_language(catalog):
    from django.utils import translation

    from citydesk.dossiers.views_catalog import fee_label, processing_time_label

    contract, copy, birth = (Procedure.objects.get(code=c) for c in ("CT-03", "CT-01", "HT-01"))
    assert fee_label(contract).startswith("50.000 ")
    with translation.override("en"):
        assert fee_label(contract) == "50,000 VND"
        assert processing_time_label(copy) == "2 working hours"
        assert processing_time_label(birth) == "1 working day"
        assert processing_time_label(contract) == "2 working days"


def test_a_workbook_without_procedures_is_refused_and_errors_come_in_the_books_order(catalog, personas):
    from citydesk.core.audit import Actor

    actor = Actor.system("test")
    blank = open_book(catalog_export())
    for sheet in blank.worksheets:  # the blank template: headers only
        sheet.delete_rows(2, sheet.max_row)
    result = catalog_import(to_bytes(blank), actor=actor)
    assert not result.ok and [e.field for e in result.errors] == ["file"]  # it said "imported 0/0/0"
    book = open_book(catalog_export())
    role_row = row_of(book, SHEET_STEPS, "XD-01", 2)
    put(book, SHEET_STEPS, role_row, "role", "boss")
    put(book, SHEET_PROCEDURES, 3, "fee", "nhiều")
    put(book, SHEET_PROCEDURES, 2, "fee", "ít")
    result = catalog_import(to_bytes(book), actor=actor)
    order = list(COLUMNS)
    where = [(order.index(e.sheet), e.row) for e in result.errors]
    assert len(where) >= 3 and where == sorted(where)
    assert Procedure.objects.count() == len(PROCEDURES)  # nothing changed
