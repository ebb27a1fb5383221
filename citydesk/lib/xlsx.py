"""Excel files the platform hands out: every cell written as text stays text."""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook


def workbook_bytes(book: Workbook) -> bytes:
    """The .xlsx bytes of `book`, with no formula in it.

    openpyxl stores any text that starts with “=” as a formula, so a name or comment someone typed as
    `=HYPERLINK(…)` would open in Excel as a live formula (formula injection). Exports never write
    formulas on purpose: every such cell is written back as the text it is."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
