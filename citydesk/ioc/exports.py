"""Exports of the overview as it is on screen: an Excel workbook (one sheet per panel) and a printable
PDF brief (WeasyPrint), both stating the filters and when they were made.

Both take the context the export views build (the overview's panels plus `form`, `filters`,
`scope_label` and `generated_at`). WeasyPrint is imported only when a PDF is asked for: without its
system libraries (Pango) the rest of CityDesk works and the brief answers 503 (`PdfUnavailable`).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from citydesk.core.models import Organisation
from citydesk.ioc.forms import PRESETS
from citydesk.ioc.panels import SLA_TARGET_PCT, SMALL_BASE
from citydesk.ioc.queries import totals
from citydesk.lib.xlsx import workbook_bytes
from citydesk.reports.forms import category_label
from citydesk.reports.models import Channel, Status

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Sheet names: fixed per language, so that formulas and scripts reading the workbook find them (31
# characters at most): (Vietnamese, English), the page's language picks one (`sheet_name`).
SHEET_FILTERS = ("Bộ lọc", "Filters")
SHEET_CARDS = ("Tổng quan", "Headline figures")
SHEET_CATEGORY = ("Theo lĩnh vực", "By category")
SHEET_CHANNEL = ("Theo kênh", "By channel")
SHEET_STATUS = ("Theo trạng thái", "By status")
SHEET_TREND = ("Xu hướng", "Trend")
SHEET_OVERDUE = ("Quá hạn theo đơn vị", "Overdue by unit")
SHEET_SATISFACTION = ("Hài lòng theo đơn vị", "Satisfaction by unit")
SHEET_LEAGUE = ("Xếp hạng đơn vị", "League table of units")
SHEET_MAP = ("Bản đồ phường xã", "Map of wards")
SHEETS = (
    SHEET_FILTERS,
    SHEET_CARDS,
    SHEET_CATEGORY,
    SHEET_CHANNEL,
    SHEET_STATUS,
    SHEET_TREND,
    SHEET_OVERDUE,
    SHEET_SATISFACTION,
    SHEET_LEAGUE,
    SHEET_MAP,
)


def sheet_name(names: tuple[str, str]) -> str:
    """A sheet's fixed name in the page's language (English on English pages, else Vietnamese)."""
    vietnamese, english = names
    return english if (get_language() or "").lower().startswith("en") else vietnamese


COUNT = "#,##0"
PCT = "0.0%"
DAYS = "0.0"  # handling times: in days, as the brief shows them (“9,2 ngày”)
DATE = "dd/mm/yyyy"
CHANGE_PCT = "+0.0%;-0.0%;0.0%"


# --- What the view shows, in words ----------------------------------------------------------------


def generated_text(context: dict[str, Any]) -> str:
    """When the export was made: dd/mm/yyyy HH:MM, Hồ Chí Minh City time."""
    at = context.get("generated_at") or timezone.now()
    return timezone.localtime(at, TZ).strftime("%d/%m/%Y %H:%M")


def period_text(context: dict[str, Any]) -> str:
    filters = context["filters"]
    dates = f"{filters.start:%d/%m/%Y} – {filters.end:%d/%m/%Y}"
    form = context.get("form")
    if form is None or form.data.get("start") or form.data.get("end"):
        return dates
    preset = PRESETS.get(form.cleaned_data.get("period") or "30d")
    return f"{preset} ({dates})" if preset else dates


def filter_rows(context: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of every filter, the scope and the generation time, in the page's words."""
    form = context.get("form")
    data = form.cleaned_data if form is not None else {}
    category = data.get("category")
    unit = data.get("unit")
    channel = data.get("channel") or ""
    status = data.get("status") or ""
    if status == "open":
        status_text = _("Open (all not finished)")
    elif status:
        status_text = str(Status(status).label) if status in Status.values else status
    else:
        status_text = _("All")
    return [
        (_("Scope"), context.get("scope_label") or _("the whole city")),
        (_("Period"), period_text(context)),
        (_("Category"), category_label(category) if category else _("All categories")),
        (_("Unit"), f"{unit.name} ({unit.code})" if unit else _("All my units")),
        (
            _("Channel"),
            (str(Channel(channel).label) if channel in Channel.values else channel)
            if channel
            else _("All channels"),
        ),
        (_("Status"), status_text),
        (_("Generated at"), generated_text(context)),
    ]


def filename(context: dict[str, Any], extension: str) -> str:
    filters = context["filters"]
    return f"dieu-hanh-{filters.start.isoformat()}_{filters.end.isoformat()}.{extension}"


# --- Excel ----------------------------------------------------------------------------------------


def _fraction(pct: float | None) -> float | None:
    return None if pct is None else pct / 100


def _days(hours: float | None) -> float | None:
    """A handling time in days of 24 hours, as the brief counts them (shown to one decimal)."""
    return None if hours is None else round(hours / 24, 3)


def _in_days(label: str) -> str:
    return _("%(figure)s (days)") % {"figure": label}


def _points_format() -> str:
    word = _("points").replace('"', "")
    return f'+0.0 "{word}";-0.0 "{word}";0.0 "{word}"'


class _Sheet:
    """One worksheet: a bold header row, typed cells with number formats, widths that fit."""

    def __init__(self, workbook: Any, title: str | tuple[str, str], headers: list[str]) -> None:
        from openpyxl.styles import Alignment, Font, PatternFill

        self.ws = workbook.create_sheet(sheet_name(title) if isinstance(title, tuple) else title)
        self.ws.append(headers)
        for cell in self.ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="E8EEF4")
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        self.ws.freeze_panes = "A2"
        self.widths = [len(h) for h in headers]

    def row(self, *cells: Any | tuple[Any, str]) -> None:
        """Cells are values, or (value, number format)."""
        values, formats = [], []
        for cell in cells:
            value, fmt = cell if isinstance(cell, tuple) else (cell, None)
            values.append(value)
            formats.append(fmt)
        self.ws.append(values)
        for i, (cell, fmt) in enumerate(zip(self.ws[self.ws.max_row], formats, strict=False)):
            if fmt and cell.value is not None:
                cell.number_format = fmt
            shown = _shown_length(cell.value)
            if i < len(self.widths):
                self.widths[i] = max(self.widths[i], shown)
            else:
                self.widths.append(shown)

    def empty(self) -> None:
        from openpyxl.styles import Font

        self.ws.append([_("Nothing to show for these filters.")])
        self.ws.cell(self.ws.max_row, 1).font = Font(italic=True)

    def finish(self) -> None:
        from openpyxl.utils import get_column_letter

        for i, width in enumerate(self.widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 10), 60)


def _shown_length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, (date, datetime)):
        return 10
    if isinstance(value, (int, float)):
        return 12
    return max(len(line) for line in str(value).splitlines() or [""])


def overview_xlsx(context: dict[str, Any]) -> bytes:
    """The overview as a workbook: the filters first, then one sheet per panel, numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = f"{_('Operations center: citizen reports')} – {period_text(context)}"
    workbook.properties.creator = "CityDesk"

    # The filters: what this workbook counts, and when it was made.
    sheet = workbook.create_sheet(sheet_name(SHEET_FILTERS))
    sheet.append([_("Operations center: citizen reports")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    for label, value in filter_rows(context):
        sheet.append([label, value])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = min(60, max(30, *(len(v) + 2 for _l, v in filter_rows(context))))

    _cards_sheet(workbook, context)
    _bars_sheet(
        workbook, SHEET_CATEGORY, [_("Category"), _("Code"), _("Received")], context.get("by_category")
    )
    _slices_sheet(workbook, SHEET_CHANNEL, _("Channel"), context.get("by_channel") or [])
    _slices_sheet(workbook, SHEET_STATUS, _("Status"), context.get("by_status") or [])
    _trend_sheet(workbook, context)
    _bars_sheet(workbook, SHEET_OVERDUE, [_("Unit"), _("Code"), _("Overdue")], context.get("overdue_by_unit"))
    _satisfaction_sheet(workbook, context)
    _league_sheet(workbook, context)
    _map_sheet(workbook, context)

    return workbook_bytes(workbook)


def _cards_sheet(workbook: Any, context: dict[str, Any]) -> None:
    sheet = _Sheet(
        workbook,
        SHEET_CARDS,
        [
            _("Figure"),
            _("This period"),
            _("Previous period"),
            _("vs previous period"),
            _("Same period last year"),
            _("vs same period last year"),
        ],
    )
    points = _points_format()
    for card in context.get("cards") or []:
        if card.unit == "%":
            value_format, change_format = PCT, points
            now, prev, year = _fraction(card.value), _fraction(card.previous), _fraction(card.last_year)
            label = card.label
        elif card.unit == "h":
            value_format, change_format = DAYS, CHANGE_PCT
            now, prev, year = _days(card.value), _days(card.previous), _days(card.last_year)
            label = _in_days(str(card.label))
        else:
            value_format, change_format = COUNT, CHANGE_PCT
            now, prev, year = (
                None if v is None else int(v) for v in (card.value, card.previous, card.last_year)
            )
            label = card.label
        vs_prev, vs_year = card.vs_previous, card.vs_last_year
        if card.unit != "%":  # a relative change, as a fraction for the percent format
            vs_prev, vs_year = _fraction(vs_prev), _fraction(vs_year)
        prev_format = year_format = change_format
        # A count compared with a small one (under SMALL_BASE, zero included): its difference, as the page
        # shows it ("▲ 32 (từ 1)"), not a percentage (+3200 %, or nothing against 0).
        if card.diff_previous is not None:
            vs_prev, prev_format = int(card.diff_previous), _difference_format(card.previous)
        if card.diff_last_year is not None:
            vs_year, year_format = int(card.diff_last_year), _difference_format(card.last_year)
        if not card.compare:  # as it stands today: earlier periods are not compared with it
            label = f"{label} ({_('As it stands now: not compared with earlier periods')})"
        sheet.row(
            label,
            (now, value_format),
            (prev, value_format),
            (vs_prev, prev_format),
            (year, value_format),
            (vs_year, year_format),
        )
        row = sheet.ws.max_row
        for column, diff in ((4, card.diff_previous), (6, card.diff_last_year)):
            if diff is not None:
                sheet.ws.cell(row, column).comment = _difference_comment()
    sheet.finish()


def _difference_format(base: float | None) -> str:
    """The number format of a count's difference from a small base: the cell holds the difference (a
    number), shown as the page's change tag shows it, "▲ 32 (từ 1)", "▼ 2 (từ 5)", "= 0 (từ 3)"."""
    base_text = number_format(round(base or 0), 0, force_grouping=True)

    def section(arrow: str) -> str:
        text = _("%(arrow)s %(n)s (from %(base)s)") % {"arrow": arrow, "n": "\x00", "base": base_text}
        before, _sep, after = text.replace('"', "").partition("\x00")
        return f'"{before}"#,##0"{after}"'

    return ";".join((section("▲"), section("▼"), section("=")))


def _difference_comment() -> Any:
    from openpyxl.comments import Comment

    return Comment(
        _(
            "A difference in reports, not a percentage: a count compared with fewer than %(n)s is "
            "compared by its difference, as on the page."
        )
        % {"n": SMALL_BASE},
        "CityDesk",
    )


def _bars_sheet(workbook: Any, title: tuple[str, str], headers: list[str], chart: Any) -> None:
    """A bar chart's rows: label, code, count (categories; overdue by unit)."""
    sheet = _Sheet(workbook, title, headers)
    bars = chart.bars if chart is not None else []
    for bar in bars:
        sheet.row(bar.label, str(bar.key), (int(bar.value), COUNT))
    if not bars:
        sheet.empty()
    sheet.finish()


def _slices_sheet(workbook: Any, title: tuple[str, str], header: str, slices: list[Any]) -> None:
    sheet = _Sheet(workbook, title, [header, _("Received"), _("Share")])
    for s in slices:
        sheet.row(s.label, (int(s.value), COUNT), (s.pct / 100, PCT))
    if not slices:
        sheet.empty()
    sheet.finish()


def _trend_sheet(workbook: Any, context: dict[str, Any]) -> None:
    sheet = _Sheet(
        workbook, SHEET_TREND, [_("From"), _("To"), _("Received"), _("Resolved"), _("Resolved on time")]
    )
    trend = context.get("trend")
    filters = context["filters"]
    points = trend.points if trend is not None else []
    for p in points:  # the first and last buckets clipped to the period (ioc/panels.py trend)
        sheet.row(
            (max(p["start"], filters.start), DATE),
            (min(p["end"], filters.end), DATE),
            (p["received"], COUNT),
            (p["resolved"], COUNT),
            (_fraction(p["on_time"]), PCT),
        )
    if not points:
        sheet.empty()
    sheet.finish()


def _satisfaction_sheet(workbook: Any, context: dict[str, Any]) -> None:
    sheet = _Sheet(workbook, SHEET_SATISFACTION, [_("Unit"), _("Code"), _("Satisfied"), _("Ratings")])
    chart = context.get("satisfaction_by_unit")
    bars = chart.bars if chart is not None else []
    ratings: dict[str, int] = {}
    if bars:  # the chart shows the number of ratings in its text: count them again, as numbers
        ids = dict(Organisation.objects.filter(code__in=[b.key for b in bars]).values_list("pk", "code"))
        for (unit_id,), m in totals(context["filters"], ("unit",)).items():
            if unit_id in ids:
                ratings[ids[unit_id]] = m.rated
    for bar in bars:
        sheet.row(bar.label, str(bar.key), (bar.value / 100, PCT), (ratings.get(bar.key), COUNT))
    if not bars:
        sheet.empty()
    sheet.finish()


def _league_sheet(workbook: Any, context: dict[str, Any]) -> None:
    """The whole ranking, best first, ranks 1, 2, 3… (units with the same figures share one): the page
    shows its two ends, the sheet every unit, each marked on or below the on-time target."""
    sheet = _Sheet(
        workbook,
        SHEET_LEAGUE,
        [
            _("Rank"),
            _("Unit"),
            _("Code"),
            _("On-time target"),
            _("Received"),
            _("Resolved on time"),
            _("Satisfied"),
            _in_days(_("Median handling time")),
        ],
    )
    league = context.get("league") or {}
    target = number_format(SLA_TARGET_PCT, 0)
    for row in league.get("ranking") or []:
        m = row["m"]
        sheet.row(
            row["rank"],
            row["unit"].name,
            row["unit"].code,
            (_("below %(target)s%%") if row["below_target"] else _("reached (%(target)s%%)"))
            % {"target": target},
            (int(m.n), COUNT),
            (_fraction(m.on_time_pct), PCT),
            (_fraction(m.satisfaction_pct), PCT),
            (_days(m.median_hours), DAYS),
        )
    if not league.get("ranking"):
        sheet.empty()
    sheet.finish()


def _map_sheet(workbook: Any, context: dict[str, Any]) -> None:
    sheet = _Sheet(
        workbook, SHEET_MAP, [_("Ward"), _("Code"), _("Received"), _("Resolved on time"), _("Satisfied")]
    )
    rows = context.get("map_rows") or []
    for w in rows:
        sheet.row(
            w["name"],
            w["code"],
            (w["n"], COUNT),
            (_fraction(w["on_time"]), PCT),
            (_fraction(w["satisfaction"]), PCT),
        )
    if not rows:
        sheet.empty()
    sheet.finish()


# --- PDF ------------------------------------------------------------------------------------------

# Debian packages of the libraries WeasyPrint loads (its error names the library, not the package);
# the first name found in the error wins, so the longer names come first.
LIBRARY_PACKAGES = (
    ("pangoft2", "libpangoft2-1.0-0"),
    ("pango", "libpango-1.0-0"),
    ("gobject", "libglib2.0-0"),
    ("harfbuzz-subset", "libharfbuzz-subset0"),
    ("harfbuzz", "libharfbuzz0b"),
    ("fontconfig", "libfontconfig1"),
)
PDF_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0"


class PdfUnavailable(Exception):
    """WeasyPrint (or a library it needs) is missing; the message says which package to install."""


def _import_weasyprint() -> Any:
    import weasyprint

    return weasyprint


def load_weasyprint() -> Any:
    """The weasyprint module, imported on first use; PdfUnavailable when it or its libraries are missing."""
    try:
        return _import_weasyprint()
    except ImportError as exc:
        raise PdfUnavailable(
            _(
                "The PDF brief is unavailable: the Python package “weasyprint” is not installed "
                "(pip install weasyprint). (%(error)s)"
            )
            % {"error": exc}
        ) from exc
    except OSError as exc:
        raise PdfUnavailable(
            _(
                "The PDF brief is unavailable: WeasyPrint cannot load the system library of the "
                "package %(package)s. Install it (apt-get install %(packages)s) and restart CityDesk. "
                "(%(error)s)"
            )
            % {"package": _missing_package(str(exc)), "packages": PDF_PACKAGES, "error": exc}
        ) from exc


def _missing_package(error: str) -> str:
    match = re.search(r"library '([^']+)'", error)
    name = match.group(1) if match else error
    for needle, package in LIBRARY_PACKAGES:
        if needle in name:
            return package
    return PDF_PACKAGES


def _static_roots() -> list[Path]:
    roots = [Path(settings.STATIC_ROOT)]
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location))
    return [r.resolve() for r in roots]


def _allowed(url: str, roots: list[Path]) -> bool:
    """Only files of the static directories: nothing from the network, nothing else on disk."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return False
    path = Path(unquote(parts.path)).resolve()
    return any(path.is_relative_to(root) for root in roots)


def url_fetcher(weasyprint: Any) -> Any:
    """A fetcher refusing every URL but the static files (WeasyPrint ≥ 66 wants a URLFetcher object,
    older versions a function)."""
    roots = _static_roots()
    urls = weasyprint.urls
    if hasattr(urls, "URLFetcher"):

        class StaticOnly(urls.URLFetcher):
            def fetch(self, url: str, headers: Any = None) -> Any:
                if not _allowed(url, roots):
                    raise ValueError(f"CityDesk's PDF brief fetches nothing from {url}")
                return super().fetch(url, headers)

        return StaticOnly(allowed_protocols=("file",))

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        if not _allowed(url, roots):
            raise ValueError(f"CityDesk's PDF brief fetches nothing from {url}")
        return urls.default_url_fetcher(url, *args, **kwargs)

    return fetch


def _stylesheet(name: str) -> str:
    path = finders.find(name)
    return Path(path).read_text(encoding="utf-8") if path else ""


# WeasyPrint styles an inline SVG with the SVG's own <style> only: the page's CSS for the charts
# (as in ioc.css) goes inside each one.
SVG_STYLE = (
    "text{font-family:'Noto Sans','DejaVu Sans',sans-serif}"
    ".bar-label,.bar-value{font-size:12px;fill:#222}"
    ".bar{fill:#0072B2}"
    ".sla{stroke:#D55E00;stroke-dasharray:6 4;stroke-width:1.5}"
    ".sla-label{fill:#D55E00;font-size:11px}"
    "polyline{fill:none;stroke:#0072B2;stroke-width:1.5}"
    ".ontime{fill:none;stroke:#009E73;stroke-width:2.5}"
    ".ontime-dot{fill:#009E73}"
    ".tick{font-size:11px;fill:#444}"
    ".tick.pct{fill:#00704a}"
    ".grid{stroke:#e5e7eb;stroke-width:1}"
    ".axis-line{stroke:#888;stroke-width:1}"
)
_SVG_OPEN = re.compile(r"(<svg\b[^>]*>)")


def brief_html(context: dict[str, Any], request: HttpRequest | None = None) -> str:
    """The brief's HTML, its CSS inlined (nothing to fetch)."""
    html = render_to_string(
        "ioc/brief.html",
        {
            **context,
            "filter_rows": filter_rows(context),
            "generated_text": generated_text(context),
            "period_text": period_text(context),
            "brief_css": _stylesheet("ioc/brief.css"),
        },
        request=request,
    )
    return _SVG_OPEN.sub(lambda m: f"{m.group(1)}<style>{SVG_STYLE}</style>", html)


def overview_pdf(context: dict[str, Any], request: HttpRequest | None = None) -> bytes:
    """The printable brief (A4 portrait). Raises PdfUnavailable without WeasyPrint's libraries."""
    weasyprint = load_weasyprint()
    css = finders.find("ioc/brief.css")
    base_url = Path(css).parent.parent.as_uri() + "/" if css else None
    html = weasyprint.HTML(
        string=brief_html(context, request), base_url=base_url, url_fetcher=url_fetcher(weasyprint)
    )
    return html.write_pdf()
