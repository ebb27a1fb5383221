"""The template workbook of the import of historical rating counts (docs/ratings.md): a data sheet with the
header row in Vietnamese and no data, to fill in; and an instructions sheet, with an example row, that the
import skips. Imported unchanged, the template imports nothing (“the file has no data rows”): its example
is never taken for a unit's real figures.

The code columns (month, unit, officer, procedure) of the data sheet are formatted as text: typed as
numbers, Excel would drop a ward's leading zeros (“00004” becoming 4), read “01/2025” as a date and
“1.001193” as a decimal number."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from citydesk.ratings.services.imports import (
    COLUMN_TITLES,
    COLUMNS,
    INSTRUCTIONS_NAME,
    MAX_COUNT,
    grouped,
)

FILENAME = "mau-nhap-so-lieu-danh-gia.xlsx"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# One row as an importer writes it, shown on the instructions sheet only: a month of the demo ward's desk,
# by the unit's total (the officer and the procedure are optional: a row naming them counts that officer's
# or that procedure's ratings only).
EXAMPLE = ("12/2024", "26743", "tại quầy", 1250, 30, 4, "", "")
TEXT_COLUMNS = ("month", "unit", "officer", "procedure")
ROWS_FORMATTED = 2000  # the rows whose code cells are text before anyone types in them
WIDTHS = {"month": 14, "unit": 14, "channel": 14, "officer": 18, "procedure": 14}


def _headers() -> list[str]:
    return [COLUMN_TITLES[c][:1].upper() + COLUMN_TITLES[c][1:] for c in COLUMNS]


def _column_notes() -> dict[str, tuple[bool, str]]:
    """What each column takes: (required, what to write)."""
    counts = _("A whole number of ratings, from 0 to %(max)s.") % {"max": grouped(MAX_COUNT)}
    return {
        "month": (
            True,
            _(
                "The month as mm/yyyy or yyyy-mm (12/2024), or the year alone (2024) for a whole year's "
                "total. Not in the future."
            ),
        ),
        "unit": (True, _("The organisation code (26743), kept as text so that its leading zeros stay.")),
        "channel": (True, _("tại quầy (desk), trực tuyến (online) or ứng dụng (residents' app).")),
        "satisfied": (True, counts),
        "normal": (True, counts),
        "unsatisfied": (True, counts),
        "officer": (False, _("Optional: the officer's username (desk ratings only).")),
        "procedure": (False, _("Optional: the procedure code.")),
    }


def _instructions(workbook: object, data_title: str) -> None:
    """The instructions sheet: how to fill in the data sheet, the columns, an example row. Marked with the
    defined name INSTRUCTIONS_NAME, which the import skips (whatever the sheet is called)."""
    from openpyxl.styles import Font
    from openpyxl.workbook.defined_name import DefinedName

    sheet = workbook.create_sheet(_("Instructions")[:31])  # type: ignore[attr-defined]
    sheet.append([_("How to fill in the rating counts to import")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(
        [
            _(
                "Type one row per month, unit and channel on the sheet “%(sheet)s”, under its header row. "
                "This sheet is not imported."
            )
            % {"sheet": data_title}
        ]
    )
    sheet.append([])
    sheet.append([_("Example (not imported):")])
    sheet.append(_headers())
    sheet.append(list(EXAMPLE))
    for cell in sheet[sheet.max_row - 1]:
        cell.font = Font(bold=True)
    sheet.append([])
    sheet.append([_("Column"), _("Required"), _("What to write")])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column, (required, note) in _column_notes().items():
        title = COLUMN_TITLES[column]
        sheet.append([title[:1].upper() + title[1:], _("Yes") if required else _("No"), note])
    sheet.append([])
    for line in (
        _(
            "Importing a row again replaces its counts. A row with 0, 0, 0 removes the counts imported "
            "before for its month, unit, channel, officer and procedure."
        ),
        _(
            "A unit's channel and month is given in one breakdown: the unit's total, per officer or per "
            "procedure."
        ),
        _(
            "A month for which the platform already recorded ratings of the unit on that channel is "
            "refused: they would be counted twice."
        ),
    ):
        sheet.append([line])
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 14
    sheet.column_dimensions["C"].width = 90
    title = sheet.title.replace("'", "''")
    mark = DefinedName(INSTRUCTIONS_NAME, attr_text=f"'{title}'!$A$1")
    workbook.defined_names[INSTRUCTIONS_NAME] = mark  # type: ignore[attr-defined]


def template_workbook() -> bytes:
    """The .xlsx template: the data sheet (its header row in Vietnamese: “Tháng”, “Mã đơn vị”…, and no
    data), then the instructions sheet with an example row (never imported)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Rating counts")[:31]
    sheet.append(_headers())
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
    _instructions(workbook, sheet.title)
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
