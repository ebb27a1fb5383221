"""A same-day campaign's figures as an Excel workbook (/mot-cua/chien-dich/<id>/chien-dich.xlsx).

Like the other exports (the operations center's, the ratings'): a first sheet says what the workbook
holds — the campaign, its dates, status, units and procedures, whose units it covers and when it was
made — then the table, its single header row in row 1. Counts are numbers; the share resolved the
same day is a fraction (4 decimals) shown as a percentage.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.dossiers.models import Campaign
from citydesk.dossiers.stats import Counts, Dashboard
from citydesk.lib.xlsx import workbook_bytes

COUNT = "#,##0"
PCT = "0.0%"
DATE = "dd/mm/yyyy"
FOUR_PLACES = Decimal("0.0001")


def same_day_fraction(counts: Counts) -> float | None:
    """The share resolved the same day (`Counts.share_same_day`) as a fraction to 4 decimals (None: no
    dossier's day decided yet)."""
    decided = counts.same_day + counts.missed
    if not decided:
        return None
    share = Decimal(counts.same_day) / Decimal(decided)
    return float(share.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP))


def campaign_status(campaign: Campaign, today: dt.date) -> str:
    """The campaign's status in the words of the campaign list."""
    if not campaign.is_active:
        return _("Stopped")
    if campaign.start_date > today:
        return _("Planned")
    if campaign.end_date < today:
        return _("Ended")
    return _("Running")


def context_rows(board: Dashboard, *, whole_city: bool, now: dt.datetime) -> list[tuple[str, Any]]:
    """(label, value) of what the workbook covers; dates stay dates."""
    campaign = board.campaign
    local = timezone.localtime(now)
    units = [block.unit.name for block in board.units]
    procedures = [f"{p.code} · {p.label}" for p, _counts in board.procedures]
    return [
        (_("Campaign"), campaign.name),
        (_("From"), campaign.start_date),
        (_("Until"), campaign.end_date),
        (_("Status"), campaign_status(campaign, local.date())),
        (_("Scope"), _("the whole city") if whole_city else _("All my units")),
        (_("Units"), "; ".join(units) or "—"),
        (_("Procedures handled the same day"), "; ".join(procedures) or "—"),
        (_("Generated at"), local.strftime("%d/%m/%Y %H:%M")),
    ]


def campaign_xlsx(board: Dashboard, *, whole_city: bool, now: dt.datetime | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    now = now or timezone.now()
    book = Workbook()
    about = book.active
    about.title = _("Campaign")[:31]
    book.properties.title = f"{_('Campaign')}: {board.campaign.name}"[:250]
    book.properties.creator = "CityDesk"
    for label, value in context_rows(board, whole_city=whole_city, now=now):
        about.append([label, value])
        about.cell(about.max_row, 1).font = Font(bold=True)
        cell = about.cell(about.max_row, 2)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if isinstance(value, dt.date):
            cell.number_format = DATE
    about.column_dimensions["A"].width = 34
    about.column_dimensions["B"].width = 80

    sheet = book.create_sheet(_("By unit and procedure")[:31])
    headers = [
        _("Unit"),
        _("Procedure code"),
        _("Procedure"),
        _("Received"),
        _("Resolved the same day"),
        _("Resolved later"),
        _("Refused"),
        _("Withdrawn"),
        _("Still being handled"),
        _("Of which past the same-day due time"),
        _("Share resolved the same day (%)"),
    ]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF4")
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    sheet.freeze_panes = "A2"

    def add(unit: str, code: str, name: str, c: Counts, *, bold: bool = False) -> None:
        sheet.append(
            [
                unit,
                code,
                name,
                c.received,
                c.same_day,
                c.later,
                c.refused,
                c.withdrawn,
                c.pending,
                c.overdue,
                same_day_fraction(c),
            ]
        )
        for i, cell in enumerate(sheet[sheet.max_row]):
            if 3 <= i <= 9:
                cell.number_format = COUNT
            elif i == 10:
                cell.number_format = PCT
            if bold:
                cell.font = Font(bold=True)

    for block in board.units:
        for row in block.rows:
            add(block.unit.name, row.procedure.code, row.procedure.label, row.counts)
    add(_("Total"), "", "", board.total, bold=True)
    for i, width in enumerate((34, 14, 44, 10, 12, 12, 10, 10, 10, 14, 14), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    return workbook_bytes(book)
