"""The rating statistics as an Excel workbook: the current view first, then the same filters grouped
each other way, one sheet per grouping, each headed by its filters, the months it covers and the time it
was made. Numbers stay numbers; shares are fractions shown as percentages with two decimals."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from citydesk.lib.xlsx import workbook_bytes
from citydesk.ratings.models import Channel
from citydesk.ratings.selectors import (
    GROUPS,
    Stats,
    StatsRow,
    comment_rows,
    comments,
    comments_with_subjects,
    months_covered,
    rating_stats,
)
from citydesk.ratings.services.common import grouped

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNT = "#,##0"
PCT = "0.00%"
MONTH = "mm/yyyy"
FOUR_PLACES = Decimal("0.0001")
# The groupings whose rows have a code worth a column (a unit's, a procedure's, a channel's); an
# officer's would be their log-in name, a month has none.
CODED_GROUPS = frozenset({"unit", "procedure", "channel"})
EXPORT_COMMENTS = 5000  # the newest comments the workbook lists (it says how many there are)


def filter_lines(
    stats: Stats, *, months: tuple[date, date] | None = None, year_totals: list[int] | None = None
) -> list[tuple[str, str]]:
    """The filters as the sheets state them, with the months covered (those chosen, else the first
    month with ratings to the current one), never “the first” / “the latest”; and the whole-year totals
    counted or left out (periods.py), said on every sheet."""
    f = stats.filters
    first, last = months or months_covered(stats)
    lines = [
        (_("Scope"), stats.scope.label),
        (_("Grouped by"), str(GROUPS[f.group])),
        (_("From month"), f"{first:%m/%Y}"),
        (_("To month"), f"{last:%m/%Y}"),
        (_("Channel"), str(Channel(f.channel).label) if f.channel else _("All channels")),
        (_("Unit"), f"{f.unit.name} ({f.unit.code})" if f.unit else _("All my units")),
    ]
    years = stats.year_totals if year_totals is None else year_totals
    if years:
        lines.append(
            (
                _("Whole-year totals"),
                _("%(years)s: imported for the whole year, not month by month; counted")
                % {"years": ", ".join(map(str, years))},
            )
        )
    if stats.years_left_out:
        lines.append(
            (
                _("Whole-year totals"),
                _("%(years)s: left out, the months chosen cover only part of the year")
                % {"years": ", ".join(map(str, stats.years_left_out))},
            )
        )
    lines.append((_("Generated at"), timezone.localtime().strftime("%d/%m/%Y %H:%M")))
    return lines


def _fraction(value: Any) -> float | None:
    """A percentage (Decimal 66.67) as the fraction Excel formats as a percentage: 0.6667, exactly the
    four decimals (a float division would store 0.6667000000000001)."""
    if value is None:
        return None
    return float((Decimal(value) / 100).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP))


def _month(row: StatsRow) -> date | None:
    """The month row's key (“2019-12”) as its first day, which Excel shows as 12/2019."""
    try:
        return date.fromisoformat(f"{row.key}-01")
    except ValueError:
        return None


def lower_first(text: str) -> str:
    """A column's name inside a sheet's name: “Theo đơn vị”, not “Theo Đơn vị”."""
    return text[:1].lower() + text[1:]


def _sheet(
    workbook: Any, stats: Stats, title: str, *, months: tuple[date, date], year_totals: list[int]
) -> None:
    """One grouping: the title and the filters (each sheet says what it counts, read or printed on its
    own), then a table with a single header row directly above its data, so Excel's filters and tables
    take it as it is."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    group = stats.filters.group
    ws = workbook.create_sheet(title[:31])
    ws.append([_("Satisfaction ratings")])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in filter_lines(stats, months=months, year_totals=year_totals):
        ws.append([label, value])
    ws.append([])
    with_code = group in CODED_GROUPS  # officers: their names only (no log-in names); months: a date
    headers = [str(GROUPS[group])]
    if with_code:
        headers.append(_("Code"))
    headers += [
        _("Satisfied"),
        _("Neutral"),
        _("Unsatisfied"),
        _("Total"),
        _("Satisfied (%)"),
        _("Neutral (%)"),
        _("Unsatisfied (%)"),
    ]
    ws.append(headers)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF4")
    # A coordinate, not ws.cell(): creating that cell would make the next append skip a row.
    ws.freeze_panes = f"A{header_row + 1}"
    first_count = 2 if with_code else 1

    def add(row: StatsRow, *, total: bool = False) -> None:
        label: Any = row.label
        if group == "month" and not total:
            label = _month(row) or row.label
        cells = [label]
        if with_code:
            cells.append(row.code)
        cells += [row.satisfied, row.normal, row.unsatisfied, row.total]
        if row.total or total:
            cells += [_fraction(row.satisfied_pct), _fraction(row.normal_pct), _fraction(row.unsatisfied_pct)]
        else:  # a unit nobody rated: said in words where its shares would be
            cells.append(_("no ratings"))
        ws.append(cells)
        for i, cell in enumerate(ws[ws.max_row]):
            if i == 0 and isinstance(cell.value, date):
                cell.number_format = MONTH
            elif first_count <= i < first_count + 4:
                cell.number_format = COUNT
            elif i >= first_count + 4:
                cell.number_format = PCT
            if total:
                cell.font = Font(bold=True)

    for row in stats.rows:
        add(row)
    add(stats.totals, total=True)
    widths = [max(12, min(60, max((len(str(r.label)) for r in stats.rows), default=10) + 2))]
    widths += [14] * (len(headers) - 1)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _comments_sheet(
    workbook: Any, stats: Stats, *, months: tuple[date, date], year_totals: list[int]
) -> None:
    """The citizens' comments (Góp ý) of the same scope and filters, newest first (at most
    EXPORT_COMMENTS, the sheet says how many there are): when, the level, the channel, the unit, the
    officer (to whom sees the officers' own figures), the procedure and the comment, its phone and
    identity card numbers hidden."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    title = pgettext("rating", "Comments")
    ws = workbook.create_sheet(title[:31])
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in filter_lines(stats, months=months, year_totals=year_totals):
        ws.append([label, value])
    found = comments(stats.scope, stats.filters)
    total = found.count()
    rows = comment_rows(stats.scope, comments_with_subjects(found)[:EXPORT_COMMENTS]) if total else []
    # The count is a number (Excel sums and sorts it), not text; a note says when only the latest are listed.
    counted: list[Any] = [title, total]
    if total > len(rows):
        counted.append(_("only the latest %(n)s are listed below") % {"n": grouped(len(rows))})
    ws.append(counted)
    ws.cell(row=ws.max_row, column=2).number_format = COUNT
    ws.append([])
    officers = stats.scope.sees_officers
    headers = [_("Time"), _("Rating"), _("Channel"), _("Unit"), _("Code")]
    if officers:
        headers.append(_("Officer"))
    headers += [_("Procedure"), pgettext("rating", "Comment")]
    ws.append(headers)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF4")
    ws.freeze_panes = f"A{header_row + 1}"
    for row in rows:
        cells: list[Any] = [
            timezone.localtime(row.created_at).replace(tzinfo=None),
            row.level_label,
            row.channel_label,
            row.unit,
            row.unit_code,
        ]
        if officers:
            cells.append(row.officer)
        cells += [f"{row.procedure} ({row.procedure_code})" if row.procedure else "", row.text]
        ws.append(cells)
        ws.cell(row=ws.max_row, column=1).number_format = "dd/mm/yyyy hh:mm"
        ws.cell(row=ws.max_row, column=len(cells)).alignment = Alignment(wrap_text=True, vertical="top")
    widths = [17, 16, 24, 30, 10] + ([24] if officers else []) + [36, 80]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def stats_xlsx(stats: Stats) -> bytes:
    """The current view, then every other grouping of the same filters (not per officer for a reader
    who does not see the officers' own figures), then the citizens' comments."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = _("Satisfaction ratings")
    workbook.properties.creator = "CityDesk"
    f = stats.filters
    officers = stats.scope.sees_officers_of(f.unit_ids if f.unit_ids is not None else stats.scope.unit_ids)
    views = [stats] + [
        rating_stats(scope=stats.scope, filters=replace(stats.filters, group=group))
        for group in GROUPS
        if group != stats.filters.group and (group != "officer" or officers)
    ]
    # The month grouping knows the whole-year totals it counts: every sheet says them.
    years = next(v.year_totals for v in views if v.filters.group == "month")
    months = months_covered(replace(stats, year_totals=years))
    for view in views:
        title = _("By %(group)s") % {"group": lower_first(str(GROUPS[view.filters.group]))}
        _sheet(workbook, view, title, months=months, year_totals=years)
    _comments_sheet(workbook, stats, months=months, year_totals=years)
    return workbook_bytes(workbook)


def filename(stats: Stats) -> str:
    """`danh-gia-hai-long-2026-01_2026-11.xlsx`: the months the workbook covers (and the unit chosen)."""
    first, last = months_covered(stats)
    unit = stats.filters.unit
    prefix = "danh-gia-hai-long"
    if unit is not None:
        code = re.sub(r"[^A-Za-z0-9.-]+", "-", unit.code).strip("-.")
        prefix += f"-{code}" if code else ""
    return f"{prefix}-{first:%Y-%m}_{last:%Y-%m}.xlsx"
