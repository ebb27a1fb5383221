"""The template workbook of the import of historical rating counts (docs/ratings.md): the header row in
Vietnamese and one example row, to fill in and import as it is.

The code columns (month, unit, officer, procedure) are formatted as text: typed as numbers, Excel would drop
a ward's leading zeros (“00004” becoming 4), read “01/2025” as a date and “1.001193” as a decimal number."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from citydesk.ratings.services.imports import COLUMN_TITLES, COLUMNS

FILENAME = "mau-nhap-so-lieu-danh-gia.xlsx"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# One row as an importer writes it: a month of the demo ward's desk, by the unit's total (the officer and
# the procedure are optional: a row naming them counts that officer's or that procedure's ratings only).
EXAMPLE = ("12/2024", "26743", "tại quầy", 1250, 30, 4, "", "")
TEXT_COLUMNS = ("month", "unit", "officer", "procedure")
ROWS_FORMATTED = 2000  # the rows whose code cells are text before anyone types in them
WIDTHS = {"month": 14, "unit": 14, "channel": 14, "officer": 18, "procedure": 14}


def template_workbook() -> bytes:
    """The .xlsx template: one sheet, its header row in Vietnamese (“Tháng”, “Mã đơn vị”…), one example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Rating counts")[:31]
    sheet.append([COLUMN_TITLES[c][:1].upper() + COLUMN_TITLES[c][1:] for c in COLUMNS])
    sheet.append(list(EXAMPLE))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDTHS.get(column, 16)
        if column in TEXT_COLUMNS:
            for (cell,) in sheet.iter_rows(min_row=2, max_row=ROWS_FORMATTED, min_col=index, max_col=index):
                cell.number_format = "@"
    channel = get_column_letter(COLUMNS.index("channel") + 1)
    choices = DataValidation(type="list", formula1='"tại quầy,trực tuyến,ứng dụng"', allow_blank=True)
    choices.showErrorMessage = False  # a list to choose from, not a rule: kiosk, web and app are taken too
    sheet.add_data_validation(choices)
    choices.add(f"{channel}2:{channel}{ROWS_FORMATTED}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_response() -> HttpResponse:
    """The template as a download (the import page links to it)."""
    response = HttpResponse(template_workbook(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
    return response


@login_required
@require_GET
def import_template_xlsx(request: HttpRequest) -> HttpResponse:
    """GET /danh-gia/nhap/mau.xlsx: the template, for anyone signed in (it holds no data)."""
    return template_response()
