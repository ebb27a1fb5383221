"""Exports of the indicator dashboards as they are on screen: an Excel workbook (the filters and the
time it was made first, then one sheet per group — or, for a group's view, one sheet per indicator)
and an A4 PDF brief (WeasyPrint, loaded only when asked: without it, a 503 that says which package is
missing, as for the operations center's brief).

Both say what the page says about a figure: how many units have reported it when some have not (a
city's total still coming in), and how an incomplete year or quarter was compared. Names of groups and
indicators, units of measure and the fixed sheet names are in the reader's language (`display`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from citydesk.indicators import panels
from citydesk.indicators.anomaly_text import describe
from citydesk.indicators.display import decimals_of, localized
from citydesk.ioc.exports import (
    COUNT,
    SVG_STYLE,
    XLSX_TYPE,
    PdfUnavailable,
    _points_format,
    _Sheet,
    generated_text,
    load_weasyprint,
    url_fetcher,
)
from citydesk.lib.xlsx import workbook_bytes

__all__ = ["XLSX_TYPE", "PdfUnavailable", "brief_pdf", "download", "load_weasyprint", "workbook"]


def number_format(indicator: Any) -> str:
    """An indicator's figures as its pages write them: whole numbers without decimals (105 projects, not
    105.0), else with the indicator's own decimals."""
    decimals = decimals_of(indicator)
    return "#,##0" if decimals == 0 else "#,##0." + "0" * decimals


def _figure(value: Any, indicator: Any) -> tuple[Any, str]:
    """A figure and its format; a float's binary noise (7.800000000000001) rounded off."""
    if isinstance(value, float):
        value = round(value, 9)
    return value, number_format(indicator)


PCT = "0.0%"
# Fixed sheet names (scripts reading the workbook find them), one per language: (Vietnamese, English).
SHEET_FILTERS = ("Bộ lọc", "Filters")
SHEET_FINDINGS = ("Bất thường", "Findings")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def filter_rows(context: dict[str, Any]) -> list[tuple[str, str]]:
    filters = context["filters"]
    rows = [
        (_("Unit"), f"{filters.unit.name} ({filters.unit.code})"),
        (_("Period"), filters.label),
    ]
    if context.get("group") is not None:
        rows.append((_("Indicator group"), f"{context['group'].code} {context['group'].display_name}"))
    if context.get("indicator") is not None and context.get("card") is not None:
        ind = context["indicator"]
        rows.append((_("Indicator"), f"{ind.code} {ind.display_name} ({ind.display_uom})"))
    rows.append((_("Generated at"), generated_text(context)))
    return rows


def filename(context: dict[str, Any], extension: str) -> str:
    filters = context["filters"]
    group, indicator = context.get("group"), context.get("indicator")
    middle = f"-{group.code}" if group is not None else ""
    if indicator is not None and context.get("card") is not None:
        middle = f"-{indicator.code}"
    return f"chi-tieu-ktxh{middle}-{filters.unit.code}-{filters.period_text}.{extension}"


SHEET_TITLE_MAX = 31  # Excel's limit


def _shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut between words (never inside one) and marked with "…"."""
    if len(text) <= limit:
        return text
    words = text[:limit].split(" ")  # the room for the "…" is kept below
    while words and len(" ".join(words)) > limit - 1:
        words.pop()
    kept = " ".join(words).rstrip(" ,;:–-·")
    if not kept:  # a first word longer than the limit: nothing else to do but cut it
        return text[: limit - 1] + "…"
    return kept + "…"


def _sheet_title(text: str, taken: set[str]) -> str:
    """A sheet name from `text`: within Excel's 31 characters, cut between words, and unique in the
    workbook (Excel compares names without case): "(2)", "(3)"… after a repeated one."""
    base = " ".join(_BAD_SHEET_CHARS.sub(" ", text).split()).strip("'") or "Sheet"
    title, n = _shorten(base, SHEET_TITLE_MAX), 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = _shorten(base, SHEET_TITLE_MAX - len(suffix)) + suffix, n + 1
    taken.add(title.lower())
    return title


def _fraction(pct: float | None) -> float | None:
    return None if pct is None else pct / 100


def card_headers() -> list[str]:
    return [
        _("Code"),
        _("Indicator"),
        _("Unit of measure"),
        _("Period"),
        _("Value"),
        _("vs previous period"),
        _("vs same period last year"),
        _("Year to date"),
        _("Plan"),
        _("Completion of plan"),
        _("Units reported"),
        _("Units expected"),
        _("Note"),
    ]


def _change_cell(card: panels.Card, relative: float | None, absolute: float | None) -> tuple[Any, str]:
    """A change as a number with its format: percentage points for a rate, a percentage otherwise."""
    if card.is_rate:
        return absolute, _points_format()
    return _fraction(relative), PCT


def _card_row(sheet: _Sheet, card: panels.Card) -> None:
    m = card.measure
    plan = getattr(m, "plan_year", None) if card.completion_is_ytd else getattr(m, "plan", None)
    sheet.row(
        card.code,
        card.indicator.display_name,
        card.indicator.display_uom,
        card.period_label,
        _figure(card.value, card.indicator),
        _change_cell(card, card.change_pct, card.change_abs),
        _change_cell(card, card.yoy_pct, card.yoy_abs),
        _figure(getattr(m, "ytd", None), card.indicator),
        _figure(plan, card.indicator),
        (_fraction(card.completion), PCT),
        (card.reported, COUNT),
        (card.expected, COUNT),
        " ".join(card.notes) or None,
    )


def workbook(context: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    title = _("Socio-economic indicators")
    book.properties.title = f"{title} – {context['filters'].label}"
    book.properties.creator = "CityDesk"
    sheet_filters = localized(*SHEET_FILTERS)
    taken = {sheet_filters.lower()}
    sheet = book.create_sheet(sheet_filters)
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    for label, value in filter_rows(context):
        sheet.append([label, value])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 60
    headers = card_headers()

    if context.get("blocks") is not None:  # a group's view: its cards, then one sheet per indicator
        cards_sheet = _Sheet(book, _sheet_title(context["group"].display_name, taken), headers)
        for block in context["blocks"]:
            _card_row(cards_sheet, block["card"])
        cards_sheet.finish()
        for block in context["blocks"]:
            ind = block["card"].indicator
            s = _Sheet(
                book,
                _sheet_title(f"{ind.code} {ind.display_name}", taken),
                [_("Period"), _("Value"), _("Same period last year"), _("Plan"), _("Note")],
            )
            for r in block["trend"].rows:
                s.row(
                    r["label"],
                    _figure(r["value"], ind),
                    _figure(r["last_year"], ind),
                    _figure(r["plan"], ind),
                    r.get("partial_text") or None,  # a period still coming in: not every unit's total
                )
            for note in block["card"].notes:  # the shown period's figure still coming in, or incomplete
                s.row(f"{block['card'].period_label}: {note}")
            s.row()
            s.row(_("Unit"), _("Value"))
            for bar in block["bars"].bars:
                s.row(bar.label, _figure(bar.value, ind))
            s.finish()
        _findings_sheet(book, context.get("findings") or [], taken)
    elif context.get("card") is not None:  # an indicator's view
        _indicator_sheets(book, context, headers, taken)
        _findings_sheet(book, context.get("findings") or [], taken)
    else:  # the summary: one sheet per group
        for section in context.get("sections") or []:
            group = section["group"]
            s = _Sheet(book, _sheet_title(f"{group.code} {group.display_name}", taken), headers)
            for card in section["cards"]:
                _card_row(s, card)
            if not section["cards"]:
                s.empty()
            s.row()
            s.row(_("Open findings"), section["findings"])
            s.finish()
    return workbook_bytes(book)


def comparison_headers() -> list[str]:
    return [
        _("Period"),
        _("Value"),
        pgettext("difference from the previous period", "Change"),
        _("vs previous period"),
        _("Same period last year"),
        _("vs same period last year"),
        _("Plan"),
        _("Completion of plan"),
        _("Units reported"),
        _("Units expected"),
        _("Note"),
    ]


def _indicator_sheets(book: Any, context: dict[str, Any], headers: list[str], taken: set[str]) -> None:
    """An indicator's view: its card, the period-over-period table (newest first, as on the page: a
    period still coming in compared over the units that reported it, and said so), the units ranked."""
    card, ind = context["card"], context["card"].indicator
    s = _Sheet(book, _sheet_title(f"{ind.code} {ind.display_name}", taken), headers)
    _card_row(s, card)
    s.finish()

    s = _Sheet(book, _sheet_title(_("Period over period"), taken), comparison_headers())
    for r in context.get("comparison") or []:
        report = r.get("report")
        s.row(
            r["label"],
            _figure(r["value"], ind),
            _figure(r["change_abs"], ind),
            _change_cell(card, r["change_pct"], r["change_abs"]),
            _figure(r["last_year"], ind),
            _change_cell(card, r["yoy_pct"], r["yoy_abs"]),
            _figure(r["plan"], ind),
            (_fraction(r["completion"]), PCT),
            (r.get("reported", report.reported if report is not None else None), COUNT),
            (r.get("expected", report.expected if report is not None else None), COUNT),
            " ".join(r["notes"]) or None,
        )
    if not context.get("comparison"):
        s.empty()
    s.finish()

    s = _Sheet(
        book,
        _sheet_title(_("Units ranked"), taken),
        [
            _("Rank"),
            _("Unit"),
            _("Value"),
            _("vs previous period"),
            _("vs same period last year"),
            _("Completion of plan"),
            _("Note"),
        ],
    )
    for r in context.get("ranked") or []:
        m = r["m"]
        completion = m.completion_ytd if m.completion_ytd is not None else m.completion
        s.row(
            (m.rank, COUNT),
            r["unit"].name if r["unit"] is not None else str(m.unit_id),
            _figure(m.value, ind),
            _change_cell(card, m.change_pct, m.change_abs),
            _change_cell(card, m.yoy_pct, m.yoy_abs),
            (completion, PCT),
            " ".join([f"({r['months']})" if r["months"] else "", *r["notes"]]).strip() or None,
        )
    if not context.get("ranked"):
        s.empty()
    s.finish()


def _findings_sheet(book: Any, findings: list[Any], taken: set[str]) -> None:
    s = _Sheet(
        book,
        _sheet_title(localized(*SHEET_FINDINGS), taken),
        [_("Indicator"), _("Unit"), _("Period"), _("Value"), _("Expected"), _("State"), _("Explanation")],
    )
    for f in findings:
        s.row(
            f.indicator.code,
            f.unit.name,
            f.period.strftime("%m/%Y"),
            _figure(f.value, f.indicator),
            _figure(f.expected, f.indicator),
            f.get_state_display(),
            describe(f),
        )
    if not findings:
        s.empty()
    s.finish()


def _stylesheet(name: str) -> str:
    path = finders.find(name)
    return Path(path).read_text(encoding="utf-8") if path else ""


_SVG_OPEN = re.compile(r"(<svg\b[^>]*>)")
SVG_EXTRA = (
    ".trend-line{fill:none;stroke:#0072B2;stroke-width:2}"
    ".trend-last{fill:none;stroke:#999;stroke-width:1.5;stroke-dasharray:4 3}"
    ".trend-plan{fill:none;stroke:#D55E00;stroke-width:1.5;stroke-dasharray:6 4}"
    ".axis{font-size:10px;fill:#555}.dot{fill:#0072B2}"
    ".bar-bg{fill:#e5e7eb}.bar-good{fill:#009E73}.bar-warn{fill:#E69F00}.bar-bad{fill:#D55E00}"
    ".bar-neutral{fill:#999}"
)


def brief_html(context: dict[str, Any], request: HttpRequest | None = None) -> str:
    html = render_to_string(
        "indicators/dash_brief.html",
        {
            **context,
            "filter_rows": filter_rows(context),
            "generated_text": generated_text(context),
            "brief_css": _stylesheet("ioc/brief.css") + _stylesheet("indicators/brief.css"),
        },
        request=request,
    )
    return _SVG_OPEN.sub(lambda m: f"{m.group(1)}<style>{SVG_STYLE}{SVG_EXTRA}</style>", html)


def brief_pdf(context: dict[str, Any], request: HttpRequest | None = None) -> bytes:
    weasyprint = load_weasyprint()
    css = finders.find("ioc/brief.css")
    base_url = Path(css).parent.parent.as_uri() + "/" if css else None
    html = weasyprint.HTML(
        string=brief_html(context, request), base_url=base_url, url_fetcher=url_fetcher(weasyprint)
    )
    return html.write_pdf()


def download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    patch_cache_control(response, private=True, no_store=True)
    return response
