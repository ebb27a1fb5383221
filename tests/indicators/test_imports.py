"""Excel/CSV import of values and plans: all rows checked, errors by row and column, all or nothing."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from citydesk.core.errors import DomainError
from citydesk.indicators import imports, services
from citydesk.indicators.models import DataValue, Plan, Submission
from tests.indicators.entry_fixtures import make_catalog

pytestmark = pytest.mark.django_db
HEADER = "Mã chỉ tiêu;Tên chỉ tiêu;Đơn vị tính;Mã đơn vị;Kỳ;Giá trị;Ghi chú\n"


@pytest.fixture
def cat(personas):
    return make_catalog(personas)


def csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode("utf-8")


def test_template_lists_the_units_indicators(personas, cat):
    from datetime import date

    data = imports.template_xlsx(
        group=cat.group, unit=personas.ward, period_type="M", period=date(2026, 3, 1)
    )
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["REV", "FIRMS"]
    assert rows[1][3:5] == ("26743", "03/2026")  # the period as the pages write it


def test_template_round_trip(personas, cat):
    from datetime import date

    book = load_workbook(
        io.BytesIO(
            imports.template_xlsx(
                group=cat.group, unit=personas.ward, period_type="M", period=date(2026, 3, 1)
            )
        )
    )
    sheet = book.active
    sheet["F2"], sheet["F3"] = 1234.5, 7
    out = io.BytesIO()
    book.save(out)
    result = imports.values_import(user=personas.officer, file=out.getvalue(), filename="t.xlsx")
    assert result.rows == 2
    assert sorted(DataValue.objects.values_list("indicator__code", "value")) == [
        ("FIRMS", 7.0),
        ("REV", 1234.5),
    ]


def test_import_csv_with_vietnamese_numbers(personas, cat):
    data = csv("REV;;;26743;2026-03;1.234,5;ok", "FIRMS;;;26743;2026-03;12;")
    imports.values_import(user=personas.officer, file=data, filename="v.csv")
    assert DataValue.objects.get(indicator=cat.revenue).value == 1234.5
    assert Submission.objects.count() == 1


def test_any_bad_row_and_nothing_is_imported(personas, cat):
    data = csv(
        "REV;;;26743;2026-03;100;",  # fine
        "FIRMS;;;26743;2026-03;1,5;",  # not whole
        "NOPE;;;26743;2026-03;1;",  # unknown indicator
        "REV;;;79;2026-03;1;",  # not allowed for the city
        "POOR;;;26743;2026-03;1;",  # yearly indicator
        "RPT;;;26743;2026-03;1;",  # platform
        "REV;;;26743;2026-03;100;",  # duplicate of row 2
        "REV;;;26740;2026-03;x;",  # outsider's unit (no power there) and not a number: both said
    )
    with pytest.raises(imports.ImportRejected) as info:
        imports.values_import(user=personas.officer, file=data, filename="v.csv")
    by_row = {(e.row, e.key) for e in info.value.errors}
    assert by_row == {
        (3, "value"),
        (4, "indicator"),
        (5, "unit"),
        (6, "period"),
        (7, "indicator"),
        (8, "indicator"),
        (9, "unit"),
        (9, "value"),
    }
    assert DataValue.objects.count() == 0 and Submission.objects.count() == 0


def test_import_into_a_submitted_period_is_refused(personas, cat):
    services.values_set_many(
        user=personas.officer, unit_code="26743", period="2026-03", values={"REV": 1, "FIRMS": 2}
    )
    services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period="2026-03")
    with pytest.raises(imports.ImportRejected) as info:
        imports.values_import(user=personas.officer, file=csv("REV;;;26743;2026-03;5;"), filename="v.csv")
    assert [(e.row, e.key, e.column) for e in info.value.errors] == [(2, "period", "Kỳ")]
    assert DataValue.objects.get(indicator=cat.revenue).value == 1


def test_missing_columns_and_empty_file(personas, cat):
    with pytest.raises(imports.ImportRejected) as info:
        imports.values_import(user=personas.officer, file=b"a;b\n1;2\n", filename="v.csv")
    missing = [e for e in info.value.errors if e.key != "columns"]  # and one naming the columns not read
    assert {e.key for e in missing} == {"indicator", "unit", "period", "value"}
    # Named as the template names them, in the reader's language, not by the program's keys.
    assert {e.column for e in missing} == {"Mã chỉ tiêu", "Mã đơn vị", "Kỳ", "Giá trị"}
    with pytest.raises(DomainError):
        imports.values_import(user=personas.officer, file=b"", filename="v.csv")


def test_plans_import(personas, cat):
    data = b"indicator,unit,period,value,note\nREV,26743,2026,12000,NQ 01\nREV,26743,2026-Q1,3000,\n"
    imports.plans_import(user=personas.leader, file=data, filename="p.csv")
    assert Plan.objects.count() == 2
    with pytest.raises(imports.ImportRejected):
        imports.plans_import(user=personas.officer, file=data, filename="p.csv")
    bad = b"indicator,unit,period,value\nREV,26743,2026,12000\nPOOR,26743,2026-03,1\n"
    with pytest.raises(imports.ImportRejected) as info:
        imports.plans_import(user=personas.leader, file=bad, filename="p.csv")
    assert [(e.row, e.key, e.column) for e in info.value.errors] == [(3, "period", "period")]
    assert Plan.objects.count() == 2


def test_import_page(client, personas, cat):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(personas.officer)
    url = reverse("indicators_entry:import")
    assert client.get(url).status_code == 200
    bad = SimpleUploadedFile("v.csv", csv("REV;;;26743;2026-03;abc;"))
    page = client.post(url, {"kind": "values", "file": bad})
    assert page.status_code == 400 and page.content.count(b'data-testid="import-error"') == 1
    good = SimpleUploadedFile("v.csv", csv("REV;;;26743;2026-03;10;"))
    page = client.post(url, {"kind": "values", "file": good})
    assert page.status_code == 200 and b'data-testid="import-done"' in page.content
    assert DataValue.objects.count() == 1
    template = client.get(
        reverse("indicators_entry:template"), {"group": "G01", "unit": "26743", "period": "2026-03"}
    )
    assert template.status_code == 200 and template.content[:2] == b"PK"
    client.force_login(personas.outsider)
    assert (
        client.get(
            reverse("indicators_entry:template"), {"group": "G01", "unit": "26743", "period": "2026-03"}
        ).status_code
        == 403
    )
    client.force_login(personas.citizen)
    assert client.get(url).status_code == 403


def test_import_errors_name_the_columns_as_the_file_does(client, personas, cat):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(personas.officer)
    bad = SimpleUploadedFile("v.csv", csv("REV;;;26743;2026-13;abc;"))
    page = client.post(reverse("indicators_entry:import"), {"kind": "values", "file": bad})
    html = page.content.decode()
    assert page.status_code == 400
    assert "<td>Kỳ</td>" in html and "<td>period</td>" not in html
    english = b"Indicator,Unit,Period,Value\nREV,26743,2026-03,abc\n"
    with pytest.raises(imports.ImportRejected) as info:
        imports.values_import(user=personas.officer, file=english, filename="v.csv")
    assert [(e.key, e.column) for e in info.value.errors] == [("value", "Value")]


def test_a_refused_plan_import_says_what_power_is_missing_for_what(personas, cat):
    data = b"indicator,unit,period,value\nREV,26743,2026,12000\n"
    with pytest.raises(imports.ImportRejected) as info:
        imports.plans_import(user=personas.officer, file=data, filename="p.csv")
    (error,) = info.value.errors
    assert error.key == "unit"
    assert personas.ward.name in error.message and personas.city.name in error.message


def test_import_command_lists_row_problems_and_fails(personas, cat, tmp_path):
    from django.core.management import CommandError, call_command

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv("REV;;;26740;2026-03;x;"))
    with pytest.raises(CommandError) as failed:
        call_command("import-indicators", str(bad), "--user", personas.officer.username)
    message = str(failed.value)
    assert failed.value.returncode == 2
    assert "dòng 2, Mã đơn vị" in message and "dòng 2, Giá trị" in message  # both problems of the row
    with pytest.raises(CommandError) as nobody:
        call_command("import-indicators", str(bad), "--user", "nobody-here")
    assert nobody.value.returncode == 2 and "nobody-here" in str(nobody.value)
    with pytest.raises(CommandError) as missing:
        call_command("import-indicators", str(tmp_path / "none.csv"), "--user", personas.officer.username)
    assert missing.value.returncode == 2 and "none.csv" in str(missing.value)
    good = tmp_path / "good.csv"
    good.write_bytes(csv("REV;;;26743;2026-03;1.234,5;"))
    out = io.StringIO()
    call_command("import-indicators", str(good), "--user", personas.officer.username, stdout=out)
    assert DataValue.objects.get(indicator=cat.revenue).value == 1234.5
    assert "Đã nhập 1 dòng" in out.getvalue()
    assert DataValue.objects.count() == 1
