"""Import of historical monthly rating counts from .xlsx or .csv: every row validated first, nothing
written if any row is wrong, the errors listed by row and column."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import DomainError
from citydesk.core.imports import ImportRejected, RowError
from citydesk.core.models import Membership, Organisation, User
from citydesk.core.powers import ROLE_POWERS, Power
from citydesk.core.selectors import descendant_ids
from citydesk.core.services import actor_for_system_power
from citydesk.dossiers.models import Procedure
from citydesk.lib.text import search_key, sort_key
from citydesk.ratings.models import Channel, RatingMonth
from citydesk.ratings.periods import is_year_total, period_label, year_total
from citydesk.ratings.services.common import grouped, month_rows_upsert
from citydesk.ratings.services.online import is_commune_committee, not_commune_message

MAX_ROWS = 100_000
# The defined name that marks the template's instructions sheet (import_template.py): that sheet (with its
# example row) is never imported, whatever it is called or whichever language it was downloaded in.
INSTRUCTIONS_NAME = "CityDesk_Instructions"
# The most ratings one row may give for one level: ten million (a big city's desks record a few hundred
# thousand a year; HCMC's whole 2019 is 381,922). A larger number is a typing or unit mistake, and beyond
# 2,147,483,647 the database's column cannot hold it at all.
MAX_COUNT = 10_000_000
COLUMNS = ("month", "unit", "channel", "satisfied", "normal", "unsatisfied", "officer", "procedure")
REQUIRED = COLUMNS[:6]
COUNTS = ("satisfied", "normal", "unsatisfied")
# The Vietnamese header of each column (docs/ratings.md), to name a missing column in the file's language.
COLUMN_TITLES = {
    "month": "tháng",
    "unit": "mã đơn vị",
    "channel": "kênh",
    "satisfied": "hài lòng",
    "normal": "bình thường",
    "unsatisfied": "không hài lòng",
    "officer": "cán bộ",
    "procedure": "mã thủ tục",
}

# Header names accepted for each column (compared accent-free, lower-case): English and Vietnamese.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "month": ("month", "thang", "ky", "period"),
    "unit": ("unit", "unit code", "unit_code", "don vi", "ma don vi"),
    "channel": ("channel", "kenh"),
    "satisfied": ("satisfied", "hai long"),
    "normal": ("normal", "binh thuong"),
    "unsatisfied": ("unsatisfied", "khong hai long"),
    "officer": ("officer", "officer username", "officer_username", "can bo", "tai khoan can bo"),
    "procedure": ("procedure", "procedure code", "procedure_code", "thu tuc", "ma thu tuc"),
}
CHANNEL_ALIASES: dict[str, str] = {
    "kiosk": Channel.KIOSK,
    "tablet": Channel.KIOSK,
    "desk": Channel.KIOSK,
    "quay": Channel.KIOSK,
    "tai quay": Channel.KIOSK,
    "web": Channel.WEB,
    "online": Channel.WEB,
    "truc tuyen": Channel.WEB,
    "app": Channel.APP,
    "ung dung": Channel.APP,
}
# A month as people type it (compared accent-free, lower-case): “2019-12”, “2019/12”; “12/2019”, “12-2019”,
# “12.2019”, “Tháng 12/2019”, “T12/2019”, “tháng 12 năm 2019”.
_MONTH = (
    re.compile(r"^(\d{4}) ?[-/.] ?(\d{1,2})$"),
    re.compile(r"^(?:(?:thang|t) ?)?(\d{1,2}) ?(?:[-/.]|nam) ?(\d{4})$"),
)
# A whole year's total (periods.py): “2019”, “năm 2019”, “cả năm 2019”, “year 2019” (compared accent-free).
_YEAR = re.compile(r"^(?:(?:ca )?nam |(?:whole )?year )?(\d{4})$")
_GROUPED = re.compile(r"^\d{1,3}([.,\s]\d{3})+$")


@dataclass
class ImportResult:
    rows: int  # every data row of the file, rows of zeros included
    counted: int = 0  # the rows that stored counts (not rows of zeros)
    satisfied: int = 0
    normal: int = 0
    unsatisfied: int = 0
    months: tuple[date, date] | None = None
    units: set[str] = field(default_factory=set)
    # What the import stored (rows of zeros left out: they are said below): its months (first days) and
    # whole years (periods.py), the units by code with their names; and of those rows, the ones that
    # replaced counts imported before (not added to them).
    periods: list[date] = field(default_factory=list)
    unit_names: dict[str, str] = field(default_factory=dict)
    replaced: int = 0
    replaced_periods: list[date] = field(default_factory=list)
    replaced_units: set[str] = field(default_factory=set)
    # A workbook of several sheets: the rows each one gave, in the workbook's order ([]: one sheet).
    sheets: list[tuple[str, int]] = field(default_factory=list)

    # Rows of zeros: the imported counts they removed (their periods and units), and how many found none.
    removed: int = 0
    removed_periods: list[date] = field(default_factory=list)
    removed_units: set[str] = field(default_factory=set)
    unmatched: int = 0

    @property
    def total(self) -> int:
        return self.satisfied + self.normal + self.unsatisfied

    @property
    def removed_periods_text(self) -> str:
        return periods_text(self.removed_periods)

    @property
    def removed_units_text(self) -> str:
        return self.units_text(removed=True)

    def period_text(self, replaced: bool = False) -> str:
        return periods_text(self.replaced_periods if replaced else self.periods)

    @property
    def replaced_periods_text(self) -> str:
        return self.period_text(replaced=True)

    @property
    def replaced_units_text(self) -> str:
        return self.units_text(replaced=True)

    def units_text(self, replaced: bool = False, limit: int = 5, removed: bool = False) -> str:
        """“UBND Phường Bến Thành (26743), … and 3 other units”."""
        codes = sorted(self.removed_units if removed else self.replaced_units if replaced else self.units)
        named = [f"{self.unit_names.get(c, c)} ({c})" for c in codes[:limit]]
        more = len(codes) - limit
        if more > 0:
            named.append(ngettext("%(n)s other unit", "%(n)s other units", more) % {"n": grouped(more)})
        return ", ".join(named)


def periods_text(periods: list[date]) -> str:
    """The months and whole years of an import, said briefly: “Cả năm 2019”, “01/2019 – 03/2019”,
    “12/2019”, or both kinds joined."""
    years = sorted({d.year for d in periods if is_year_total(d)})
    months = sorted(d for d in periods if not is_year_total(d))
    parts = [period_label(year_total(y)) for y in years]
    if months:
        first, last = months[0], months[-1]
        parts.append(f"{first:%m/%Y}" if first == last else f"{first:%m/%Y} – {last:%m/%Y}")
    return "; ".join(parts)


def column_label(key: str) -> str:
    """A column as the pages and the command name it in a list of errors: the file's own header when it
    wrote one (“Tháng”), else the Vietnamese header with the English key: “tháng (month)”."""
    title = COLUMN_TITLES.get(key)
    return f"{title} ({key})" if title else key


# --- Reading files --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """One table of a file: a worksheet of a workbook, by its name ("" for a CSV file), row by row."""

    name: str
    table: list[list[Any]]


def _blank_table(table: list[list[Any]]) -> bool:
    return all(_blank(v) for row in table for v in row)


def _read_xlsx(data: bytes) -> list[Sheet]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file, in English: the reader gets ours
        raise DomainError(
            _("The file is not a readable Excel workbook: open it in Excel and save it as .xlsx, or as CSV."),
            field="file",
        ) from None
    try:
        skipped = _instruction_sheets(workbook)
        return [
            Sheet(sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)])
            for sheet in workbook.worksheets
            if sheet.title not in skipped
        ]
    finally:
        workbook.close()


def _instruction_sheets(workbook: Any) -> set[str]:
    """The titles of the sheets the template marks as its instructions (INSTRUCTIONS_NAME)."""
    try:
        mark = workbook.defined_names.get(INSTRUCTIONS_NAME)
        return {title for title, _cells in mark.destinations} if mark is not None else set()
    except Exception:  # a mark broken by hand (its sheet deleted: #REF!) marks nothing
        return set()


def _read_csv(data: bytes) -> list[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(
            _(
                "The CSV file must be encoded in UTF-8. In Excel: Save As › CSV UTF-8 (Comma delimited) (*.csv)."
            ),
            field="file",
        ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def read_sheets(file: str | Path | IO[bytes] | bytes, filename: str = "") -> list[Sheet]:
    """The tables of a .xlsx file, one per worksheet that holds something (in the workbook's order; the
    first sheet when none does), or the one table of a .csv file. Every sheet is read: a workbook with one
    sheet per group or per year is imported whole, never cut to its first sheet without a word."""
    if isinstance(file, str | Path):
        path = Path(file)
        filename = filename or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DomainError(
                _("Cannot read %(f)s: %(e)s") % {"f": path, "e": exc.strerror}, field="file"
            ) from None
    elif isinstance(file, bytes):
        data = file
    else:
        filename = filename or getattr(file, "name", "") or ""
        data = file.read()
    name = filename.lower()
    if name.endswith(".xlsx") or (not name.endswith(".csv") and data[:2] == b"PK"):
        sheets = _read_xlsx(data)
        return [s for s in sheets if not _blank_table(s.table)] or sheets[:1] or [Sheet("", [])]
    if name.endswith(".csv") or not name:
        return [Sheet("", _read_csv(data))]
    raise DomainError(_("The file must be an Excel (.xlsx) or CSV (.csv) file."), field="file")


def read_table(file: str | Path | IO[bytes] | bytes, filename: str = "") -> list[list[Any]]:
    """The cells of a .xlsx file's first sheet that holds something, or of a .csv file, row by row (an
    import reads every sheet: `read_sheets`)."""
    return read_sheets(file, filename)[0].table


Numbered = list[tuple[int, dict[str, Any]]]


def rows_from_table(table: list[list[Any]]) -> tuple[Numbered, dict[str, str]]:
    """(line number, {column: value}) for each non-empty data row, by the header's names; and the
    header of each column as the file writes it ({"month": "Tháng", …}), to name it in errors."""
    while table and all(_blank(v) for v in table[0]):
        table = table[1:]
    if not table:
        raise ImportRejected(_("The file is empty."), [RowError(1, "", _("The file is empty."))])
    written = [str(v if v is not None else "").strip() for v in table[0]]
    header = [search_key(v) for v in written]
    positions: dict[str, int] = {}
    for column, aliases in HEADER_ALIASES.items():
        for i, name in enumerate(header):
            if name in aliases:
                positions.setdefault(column, i)
    headers = {column: written[i] for column, i in positions.items()}
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        # The column is named the way the file names the others (in Vietnamese or by its English key);
        # the message gives both headers the import takes.
        vietnamese = any(search_key(h) != c for c, h in headers.items())
        errors = [
            RowError(
                1,
                str(COLUMN_TITLES[c]) if vietnamese else c,
                _("Missing column “%(title)s” (or “%(key)s”).") % {"title": COLUMN_TITLES[c], "key": c},
            )
            for c in missing
        ]
        raise ImportRejected(_("The header row lacks required columns."), errors)
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if all(_blank(v) for v in cells):
            continue
        rows.append((number, {c: (cells[i] if i < len(cells) else None) for c, i in positions.items()}))
    return rows, headers


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- Validation -----------------------------------------------------------------------------------


def _whole_year(value: Any) -> int | None:
    """The year of a whole year's total (“2019”, “Cả năm 2019”, a number 2019 from Excel), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        return int(value)
    match = _YEAR.match(search_key(str(value or "")).strip())
    return int(match.group(1)) if match else None


def _month(value: Any, today: date) -> date:
    """The month of a row (its first day), or a whole year's total (31 December: periods.py)."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        month = value.replace(day=1)
    elif (year := _whole_year(value)) is not None:
        if not 2000 <= year <= 2100:
            raise ValueError(_("“%(v)s” is not a month.") % {"v": str(value).strip()})
        if year >= today.year:
            raise ValueError(
                _("A whole year's total is for a year that is over: %(y)s is not.") % {"y": year}
            )
        return year_total(year)
    else:
        text = str(value or "").strip()
        if isinstance(
            value, float
        ):  # “04.2025” typed in a cell Excel made a number: 4.2025 (10.2020: 10.202)
            text = f"{value:.4f}"
        typed = search_key(text)
        for pattern in _MONTH:
            match = pattern.match(typed)
            if match:
                a, b = (int(g) for g in match.groups())
                year, number = (a, b) if pattern is _MONTH[0] else (b, a)
                break
        else:
            raise ValueError(month_format_hint())
        if not 1 <= number <= 12 or not 2000 <= year <= 2100:
            raise ValueError(_("“%(v)s” is not a month.") % {"v": text})
        month = date(year, number, 1)
    if month > today.replace(day=1):
        raise ValueError(_("The month is in the future."))
    return month


def month_format_hint() -> str:
    return _(
        "Write the month as mm/yyyy or yyyy-mm (e.g. 12/2019), or the year alone (2019) for a whole "
        "year's total."
    )


def _count(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(_("Write a whole number of ratings (0 or more)."))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = str(value if value is not None else "").strip()
        if _GROUPED.match(text):
            text = re.sub(r"[.,\s]", "", text)
        if not text.isdigit():
            raise ValueError(_("Write a whole number of ratings (0 or more)."))
        digits = len(text.lstrip("0"))
        if digits > 15:  # never converted: Python refuses ints of thousands of digits, in English
            raise ValueError(_too_many(_("a number of %(n)s digits") % {"n": digits}))
        number = int(text)
    if number < 0:
        raise ValueError(_("Write a whole number of ratings (0 or more)."))
    if number > MAX_COUNT:
        digits = len(str(number))
        raise ValueError(
            _too_many(grouped(number) if digits <= 15 else _("a number of %(n)s digits") % {"n": digits})
        )
    return number


def _too_many(given: str) -> str:
    return _("At most %(max)s ratings per row and level (got %(n)s).") % {
        "max": grouped(MAX_COUNT),
        "n": given,
    }


def _channel(value: Any) -> str:
    key = search_key(str(value or ""))
    channel = CHANNEL_ALIASES.get(key) or (key if key in Channel.values else None)
    if channel is None:
        raise ValueError(
            _("Unknown channel “%(v)s”; use kiosk, web or app.") % {"v": str(value or "").strip()}
        )
    return channel


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a unit code typed as a number in Excel
    return "" if value is None else str(value).strip()


Parsed = tuple[date, int, int, int, str, int, int, int]


def _convert(
    row: Mapping[str, Any], column: str, number: int, errors: list[RowError], convert: Any, *args: Any
) -> Any:
    """`convert` the row's cell; a ValueError becomes an error of that row and column."""
    try:
        return convert(row.get(column), *args)
    except ValueError as exc:
        errors.append(RowError(number, column, str(exc)))
        return None


def import_roots(user: User) -> list[Organisation] | None:
    """The organisations where `user` holds the power to import ratings (None: every unit, for a
    superuser). They may import counts for these and the units below them."""
    if user.is_superuser:
        return None
    roots = {
        m.organisation_id: m.organisation
        for m in Membership.objects.filter(user=user, is_active=True).select_related("organisation")
        if Power.RATINGS_IMPORT in ROLE_POWERS.get(m.role, frozenset())
    }
    return sorted(roots.values(), key=lambda o: sort_key(o.name))


def import_scope(user: User) -> frozenset[int] | None:
    """The units `user` may import counts for (None: every unit). Re-importing replaces counts, so
    nobody may write the history of units outside their own (another city's)."""
    roots = import_roots(user)
    if roots is None:
        return None
    return frozenset(descendant_ids({o.pk for o in roots}))


def validate_rows(
    rows: list[tuple[int, Mapping[str, Any]]],
    *,
    unit_ids: frozenset[int] | None = None,
    where: Callable[[int], str] = str,
) -> tuple[list[Parsed], list[RowError]]:
    """Every row checked against the database: (parsed rows, errors). `unit_ids`: the units the
    importer may write (None: every unit). `where`: a row as a message names another one (its line; in a
    workbook of several sheets, the line and the sheet)."""
    errors: list[RowError] = []
    if len(rows) > MAX_ROWS:
        return [], [RowError(1, "", _("At most %(n)s rows per file.") % {"n": grouped(MAX_ROWS)})]
    codes = {_text(r.get("unit")) for _n, r in rows}
    units = {
        o.code: o
        for o in Organisation.objects.select_related("admin_unit").filter(
            code__in=codes | {padded for code in codes for padded in _zero_padded(code)}
        )
    }
    officers = dict(
        User.objects.filter(username__in={_text(r.get("officer")) for _n, r in rows}).values_list(
            "username", "pk"
        )
    )
    officer_units = _officer_units(set(officers.values()))
    procedures = dict(
        Procedure.objects.filter(code__in={_text(r.get("procedure")) for _n, r in rows}).values_list(
            "code", "pk"
        )
    )
    today = timezone.localdate()
    parsed: list[Parsed] = []
    lines: list[int] = []  # the file's row of each parsed row
    seen: dict[tuple, int] = {}
    for number, row in rows:
        row_errors: list[RowError] = []

        month = _convert(row, "month", number, row_errors, _month, today)
        channel = _convert(row, "channel", number, row_errors, _channel)
        counts = [_convert(row, c, number, row_errors, _count) for c in COUNTS]
        # A row of zeros removes what was imported for its key: the rules of what may be stored do not
        # apply to it (a row imported before they were, an officer who has left, can still be removed).
        removal = counts == [0, 0, 0]
        unit_code = _text(row.get("unit"))
        unit = units.get(unit_code)
        unit_id = unit.pk if unit is not None else None
        if not unit_code:
            row_errors.append(RowError(number, "unit", _("The unit code is missing.")))
        elif unit is None:
            row_errors.append(RowError(number, "unit", _unknown_unit(unit_code, units)))
        elif unit_ids is not None and unit.pk not in unit_ids:
            row_errors.append(
                RowError(
                    number,
                    "unit",
                    _("%(name)s (%(code)s) is outside the units you may import ratings for.")
                    % {"name": unit.name, "code": unit.code},
                )
            )
        elif channel == Channel.APP and not removal and not is_commune_committee(unit):
            row_errors.append(RowError(number, "channel", not_commune_message(unit)))
        officer = _text(row.get("officer"))
        officer_id = officers.get(officer, 0) if officer else 0
        if officer and not officer_id:
            row_errors.append(RowError(number, "officer", _("No user “%(u)s”.") % {"u": officer}))
        elif officer and not removal and channel is not None and channel != Channel.KIOSK:
            row_errors.append(RowError(number, "officer", _officer_off_desk()))
        elif (
            officer and not removal and unit is not None and unit.pk not in officer_units.get(officer_id, ())
        ):
            row_errors.append(
                RowError(
                    number,
                    "officer",
                    _(
                        "“%(u)s” is not an active officer of %(name)s (%(code)s) or of a unit below it: "
                        "ratings are credited only to the unit's own officers."
                    )
                    % {"u": officer, "name": unit.name, "code": unit.code},
                )
            )
        procedure = _text(row.get("procedure"))
        procedure_id = procedures.get(procedure, 0) if procedure else 0
        if procedure and not procedure_id:
            row_errors.append(
                RowError(number, "procedure", _("Unknown procedure code “%(c)s”.") % {"c": procedure})
            )
        if row_errors:
            errors += row_errors
            continue
        key = (month, unit_id, officer_id, procedure_id, channel)
        if key in seen:
            errors.append(
                RowError(
                    number,
                    "month",
                    _("Same month, unit, channel, officer and procedure as row %(r)s.")
                    % {"r": where(seen[key])},
                )
            )
            continue
        seen[key] = number
        parsed.append((month, unit_id, officer_id, procedure_id, channel, *counts))  # type: ignore[arg-type]
        lines.append(number)
    if not errors:
        by_pk = {unit.pk: unit for unit in units.values()}
        errors += _counted_twice(parsed, lines, where, by_pk)
    return parsed, errors


def _zero_padded(code: str) -> list[str]:
    """The codes a number-only `code` may have been before a spreadsheet dropped its leading zeros: a
    province's 2 digits, a district's 3, a ward's 5 (“4” → “04”, “004”, “00004”)."""
    if not code.isdigit():
        return []
    return [code.zfill(width) for width in (2, 3, 5) if width > len(code)]


def _unknown_unit(code: str, units: Mapping[str, Organisation]) -> str:
    """An unknown code; one that exists with leading zeros is named (never guessed: the importer checks)."""
    known = [padded for padded in _zero_padded(code) if padded in units]
    if not known:
        return _("Unknown organisation code “%(code)s”.") % {"code": code}
    return _(
        "Unknown organisation code “%(code)s”. Did you mean %(codes)s? Spreadsheet programs drop the "
        "leading zeros of a code stored as a number: format the column as text and type the code again."
    ) % {"code": code, "codes": ", ".join(f"{c} ({units[c].name})" for c in known)}


def _officer_off_desk() -> str:
    return _(
        "Only the desk's ratings (kiosk) name an officer: the online service's rate the service and "
        "residents' rate their ward. Leave the officer empty on this channel."
    )


def _officer_units(user_ids: set[int]) -> dict[int, set[int]]:
    """Each user's units as an officer: the organisations of their active memberships and every unit above
    them (a ward's desk officer may be a member of the ward's one-stop desk, a unit below it). A citizen has
    none."""
    memberships = list(
        Membership.objects.filter(user_id__in=user_ids, is_active=True).values_list(
            "user_id", "organisation_id"
        )
    )
    parents: dict[int, int | None] = {}
    frontier = {org for _user, org in memberships}
    while frontier:
        found = dict(Organisation.objects.filter(pk__in=frontier).values_list("pk", "parent_id"))
        parents.update(found)
        frontier = {p for p in found.values() if p is not None and p not in parents}
    places: dict[int, set[int]] = defaultdict(set)
    for user_id, org in memberships:
        node: int | None = org
        while node is not None and node not in places[user_id]:
            places[user_id].add(node)
            node = parents.get(node)
    return places


Key = tuple[date, int, int, int, str]  # month, unit, officer, procedure, channel: a row of the monthly counts
Breakdown = tuple[bool, bool]  # (per officer, per procedure): (False, False) is the unit's total


def _breakdown(key: Key) -> Breakdown:
    return bool(key[2]), bool(key[3])


def _breakdown_text(breakdown: Breakdown) -> str:
    return {
        (False, False): _("as the unit's total (no officer, no procedure)"),
        (True, False): _("per officer"),
        (False, True): _("per procedure"),
        (True, True): _("per officer and procedure"),
    }[breakdown]


class _Names:
    """The officers' usernames and the procedures' codes of stored rows, read once, to name those rows."""

    def __init__(self, keys: Iterable[Key]) -> None:
        keys = list(keys)
        self.officers = dict(
            User.objects.filter(pk__in={k[2] for k in keys if k[2]}).values_list("pk", "username")
        )
        self.procedures = dict(
            Procedure.objects.filter(pk__in={k[3] for k in keys if k[3]}).values_list("pk", "code")
        )

    def of(self, key: Key) -> str:
        names = [self.officers.get(key[2], str(key[2])) if key[2] else "", self.procedures.get(key[3], "")]
        return " / ".join(n for n in names if n)

    def stored(self, keys: list[Key], limit: int = 5) -> str:
        """“per officer (officer, deputy)”: how `keys` (stored rows of one breakdown) break the figures down."""
        text = _breakdown_text(_breakdown(keys[0]))
        names = sorted({self.of(k) for k in keys} - {""})
        if not names:
            return text
        listed = ", ".join(names[:limit]) + (", …" if len(names) > limit else "")
        return f"{text} ({listed})"


def _column(one: Breakdown, other: Breakdown) -> str:
    """The column where two breakdowns differ: the officer's, else the procedure's."""
    return "officer" if one[0] != other[0] else "procedure"


def _counted_twice(
    parsed: list[Parsed],
    numbers: list[int],
    row_text: Callable[[int], str] = str,
    units: Mapping[int, Organisation] | None = None,
) -> list[RowError]:
    """The rows that would count the same ratings twice once the file is imported, in the file or with the
    counts imported before (what the file replaces or removes left out). Every such row is named.

    - A unit, channel and month (or whole year) is given in one breakdown: the unit's total, per officer,
      per procedure, or per officer and procedure. Two breakdowns of the same ratings would add up to twice
      their number (a unit's total is the sum of its officers' rows).
    - A whole year's total goes with no month of that year for the same unit and channel, unless both are
      rows of the same breakdown about other officers or procedures.

    A breakdown imported before is replaced by another one when the same file removes each of its rows (a
    row of zeros): the file then holds the whole correction. Stored rows of no ratings count nothing (they
    were stored before a row of zeros removed) and are left out.

    - A unit's channel and month that holds live ratings (recorded by the platform) takes no imported
      counts, nor does a whole year with such a month: the statistics add imported counts to live ones."""
    written = {p[:5]: line for p, line in zip(parsed, numbers, strict=True) if any(p[5:])}
    if not written:
        return []
    removed = {p[:5] for p in parsed if not any(p[5:])}
    imported, live = _stored_rows(set(written))
    stored = [k for k in imported if k not in written and k not in removed]
    names = _Names(stored)
    errors: dict[int, RowError] = {}
    _live_clashes(written, live, units or {}, errors)
    # The rows after the import by unit, channel and year: the stored ones kept, then the file's by line.
    cells: dict[tuple, list[tuple[Key, int | None]]] = defaultdict(list)
    for key in stored:
        cells[(key[1], key[4], key[0].year)].append((key, None))
    for key, line in sorted(written.items(), key=lambda item: item[1]):
        cells[(key[1], key[4], key[0].year)].append((key, line))
    for (_unit, _channel, year), entries in cells.items():
        periods: dict[date, list[tuple[Key, int | None]]] = defaultdict(list)
        for entry in entries:
            periods[entry[0][0]].append(entry)
        for period, group in periods.items():
            _one_breakdown(period, group, names, errors, row_text)
        _year_or_months(year, entries, names, errors, row_text)
    return sorted(errors.values(), key=lambda e: e.row)


def _one_breakdown(
    period: date,
    group: list[tuple[Key, int | None]],
    names: _Names,
    errors: dict[int, RowError],
    row_text: Callable[[int], str],
) -> None:
    """A unit's channel and `period` (month or year) after the import: one breakdown, else each row of the
    file that brings another one is an error."""
    kept: dict[Breakdown, list[Key]] = defaultdict(list)
    for key, line in group:
        if line is None:
            kept[_breakdown(key)].append(key)
    first = next(((key, line) for key, line in group if line is not None), None)
    if first is None:
        return
    label = period_label(period)
    for key, line in group:
        if line is None:
            continue
        given = _breakdown(key)
        others = [b for b in kept if b != given]
        if others:
            message = _(
                "%(period)s is already imported for this unit and channel %(stored)s; this row gives it "
                "%(given)s: the statistics would count the same ratings twice. To replace the figures "
                "imported before, give each of those rows with 0, 0, 0 in this file: a row of zeros "
                "removes what was imported."
            ) % {
                "period": label,
                "stored": "; ".join(names.stored(kept[b]) for b in others),
                "given": _breakdown_text(given),
            }
            errors.setdefault(line, RowError(line, _column(given, others[0]), message))
        elif given != _breakdown(first[0]):
            message = _(
                "Row %(r)s gives %(period)s for the same unit and channel %(other)s; this row gives it "
                "%(given)s: the statistics would count the same ratings twice. Give a unit's month and "
                "channel in one breakdown."
            ) % {
                "r": row_text(first[1]),  # type: ignore[arg-type]
                "period": label,
                "other": _breakdown_text(_breakdown(first[0])),
                "given": _breakdown_text(given),
            }
            errors.setdefault(line, RowError(line, _column(given, _breakdown(first[0])), message))


def _year_or_months(
    year: int,
    entries: list[tuple[Key, int | None]],
    names: _Names,
    errors: dict[int, RowError],
    row_text: Callable[[int], str],
) -> None:
    """A whole year's total and months of that year (same unit and channel) after the import: they may
    stand together only as rows of one breakdown about other officers or procedures."""
    years = [e for e in entries if is_year_total(e[0][0])]
    months = [e for e in entries if not is_year_total(e[0][0])]
    if not years or not months:
        return
    by_breakdown: dict[Breakdown, list[tuple[Key, int | None]]] = defaultdict(list)
    by_subject: dict[tuple[int, int], list[tuple[Key, int | None]]] = defaultdict(list)
    for entry in months:
        by_breakdown[_breakdown(entry[0])].append(entry)
        by_subject[entry[0][2:4]].append(entry)
    for key, line in years:
        same = by_subject.get(key[2:4], [])
        clashing = [e for b, es in by_breakdown.items() if b != _breakdown(key) for e in es] + same
        if not clashing:
            continue
        if line is None:  # the year imported before: each month of the file is an error
            stored_year = names.stored([key])
            for _month_key, month_line in clashing:
                if month_line is not None:
                    errors.setdefault(
                        month_line, RowError(month_line, "month", _year_stored(year, stored_year))
                    )
            continue
        in_file = sorted(month_line for _k, month_line in clashing if month_line is not None)
        same_in_file = sorted(month_line for _k, month_line in same if month_line is not None)
        if same_in_file:
            message = _(
                "Row %(r)s gives a month of %(y)s for the same unit, channel, officer and procedure: "
                "the year's total and its months would be counted twice."
            ) % {"r": row_text(same_in_file[0]), "y": year}
        elif in_file:
            message = _(
                "Row %(r)s gives a month of %(y)s for the same unit and channel %(other)s; this row gives the "
                "whole year %(given)s: the year's total and its months would be counted twice."
            ) % {
                "r": row_text(in_file[0]),
                "y": year,
                "other": _breakdown_text(_breakdown(next(k for k, ml in clashing if ml == in_file[0]))),
                "given": _breakdown_text(_breakdown(key)),
            }
        else:
            stored_months = sorted({k[0] for k, _ml in clashing})
            message = _months_stored(year, ", ".join(f"{m:%m/%Y}" for m in stored_months))
        errors.setdefault(line, RowError(line, "month", message))


Live = dict[tuple[int, str, date], int]  # (unit, channel, month) → the live ratings recorded there


def _stored_rows(written: set[Key]) -> tuple[list[Key], Live]:
    """The imported rows (with ratings) of the units, channels and years the file writes, and the live
    ratings (those the platform recorded) there, counted by unit, channel and month: one query."""
    cells = {(k[1], k[4], k[0].year) for k in written}
    years = {c[2] for c in cells}
    rows = (
        RatingMonth.objects.filter(
            unit_id__in={c[0] for c in cells},
            channel__in={c[1] for c in cells},
            month__gte=date(min(years), 1, 1),
            month__lte=year_total(max(years)),
        )
        .exclude(satisfied=0, normal=0, unsatisfied=0)
        .values_list(
            "month",
            "unit_id",
            "officer_id",
            "procedure_id",
            "channel",
            "imported",
            "satisfied",
            "normal",
            "unsatisfied",
        )
    )
    imported: list[Key] = []
    live: Live = defaultdict(int)
    for month, unit_id, officer_id, procedure_id, channel, is_imported, *counts in rows:
        if (unit_id, channel, month.year) not in cells:
            continue
        if is_imported:
            imported.append((month, unit_id, officer_id, procedure_id, channel))
        else:
            live[(unit_id, channel, month)] += sum(counts)
    return imported, dict(live)


def _live_clashes(
    written: Mapping[Key, int], live: Live, units: Mapping[int, Organisation], errors: dict[int, RowError]
) -> None:
    """Each row of the file for a unit's channel and month that holds live ratings (a whole year: any of
    its months) is an error naming the unit, the channel and the months: imported counts would be added
    to the platform's own."""
    if not live:
        return
    by_year: dict[tuple[int, str, int], list[date]] = defaultdict(list)
    for unit_id, channel, month in live:
        by_year[(unit_id, channel, month.year)].append(month)
    for key, line in sorted(written.items(), key=lambda item: item[1]):
        month, unit_id, _officer, _procedure, channel = key
        if is_year_total(month):
            months = sorted(by_year.get((unit_id, channel, month.year), []))
            period = f"{period_label(month)} ({', '.join(f'{m:%m/%Y}' for m in months)})" if months else ""
        else:
            months = [month] if (unit_id, channel, month) in live else []
            period = period_label(month)
        if not months:
            continue
        unit = units.get(unit_id)
        message = _(
            "%(unit)s already holds ratings recorded by the platform for the channel “%(channel)s” in "
            "%(period)s (%(n)s live ratings): imported counts would be added to them and counted twice. "
            "Leave this row out: the platform's own ratings count that period."
        ) % {
            "unit": f"{unit.name} ({unit.code})" if unit is not None else str(unit_id),
            "channel": Channel(channel).label,
            "period": period,
            "n": grouped(sum(live[(unit_id, channel, m)] for m in months)),
        }
        errors.setdefault(line, RowError(line, "month", message))


def _year_stored(year: int, stored: str) -> str:
    return _(
        "The whole year %(y)s is already imported for this unit and channel %(stored)s: its months would be "
        "counted twice. To import the months instead, give the year's rows with 0, 0, 0 in this file: a row "
        "of zeros removes what was imported."
    ) % {"y": year, "stored": stored}


def _months_stored(year: int, months: str) -> str:
    return _(
        "Months of %(y)s are already imported for this unit and channel (%(months)s): the year's total would "
        "count them twice. To import the year's total instead, give each of those rows with 0, 0, 0 in this "
        "file: a row of zeros removes what was imported."
    ) % {"y": year, "months": months}


@dataclass
class _SheetRows:
    """The data rows of a file's sheets, numbered for `validate_rows`: by their line when there is one
    sheet; in a workbook of several, one after the other (each number maps to its sheet and line)."""

    numbered: Numbered
    headers: dict[str, dict[str, str]]  # by sheet: each column's header as the sheet writes it
    places: dict[int, tuple[str, int]] = field(default_factory=dict)  # several sheets: number → (sheet, line)
    counts: list[tuple[str, int]] = field(default_factory=list)  # several sheets: (sheet, data rows)

    @property
    def several(self) -> bool:
        return bool(self.counts)

    @classmethod
    def of_rows(cls, rows: Iterable[Mapping[str, Any]]) -> _SheetRows:
        return cls([(i, dict(r)) for i, r in enumerate(rows, start=2)], {"": {}})

    @classmethod
    def of_file(cls, file: str | Path | IO[bytes] | bytes, filename: str) -> _SheetRows:
        """Every sheet with the header row (`rows_from_table`); a sheet with another header row is refused,
        named, with the others' problems: nothing is imported."""
        sheets = read_sheets(file, filename)
        if len(sheets) == 1:
            numbered, headers = rows_from_table(sheets[0].table)
            return cls(numbered, {"": headers})
        out = cls([], {})
        refused: list[RowError] = []
        for sheet in sheets:
            try:
                numbered, headers = rows_from_table(sheet.table)
            except ImportRejected as exc:
                refused += [replace(e, column=_in_sheet(e.column, sheet.name)) for e in exc.errors]
                continue
            out.headers[sheet.name] = headers
            out.counts.append((sheet.name, len(numbered)))
            for line, row in numbered:
                number = len(out.numbered) + 2
                out.places[number] = (sheet.name, line)
                out.numbered.append((number, row))
        if refused:
            names = list(dict.fromkeys(s.name for s in sheets if s.name not in out.headers))
            raise ImportRejected(
                ngettext(
                    "Sheet %(names)s lacks the header row of the import: nothing was imported.",
                    "Sheets %(names)s lack the header row of the import: nothing was imported.",
                    len(names),
                )
                % {"names": ", ".join(f"“{n}”" for n in names)},
                refused,
            )
        return out

    def where(self, number: int) -> str:
        """A row as a message names it: its line; in a workbook of several sheets, with its sheet."""
        if number not in self.places:
            return str(number)
        sheet, line = self.places[number]
        return _("%(row)s (sheet “%(sheet)s”)") % {"row": line, "sheet": sheet}

    def placed(self, error: RowError) -> RowError:
        """The error at its sheet's line, its column named by the sheet's own header."""
        sheet, line = self.places.get(error.row, ("", error.row))
        column = self.headers.get(sheet, {}).get(error.column) or error.column
        return replace(error, row=line, column=_in_sheet(column, sheet) if sheet else column)


def _in_sheet(column: str, sheet: str) -> str:
    """A column of a workbook's sheet, as a list of errors names it: “Tháng (sheet “YT”)”."""
    return _("%(column)s (sheet “%(sheet)s”)") % {"column": column, "sheet": sheet} if column else sheet


@transaction.atomic
def ratings_import(
    *,
    user: User | None = None,
    actor: Actor | None = None,
    rows: Iterable[Mapping[str, Any]] | None = None,
    file: str | Path | IO[bytes] | bytes | None = None,
    filename: str = "",
) -> ImportResult:
    """Import historical monthly counts (`RatingMonth(imported=True)`), all or nothing.

    Give `rows` ({column: value}, numbered from line 2 as under a header) or a .xlsx/.csv `file`.
    An imported row sets the counts of its month × unit × channel × officer × procedure: importing the
    same file twice changes nothing. `user` needs the power to import ratings, and every row's unit must
    be one they may import for (`import_scope`: where they hold that power, and below). The command line
    and the demo pass their own `actor` instead of a user: a system operator imports for every unit."""
    if actor is None:
        if user is None:
            raise DomainError(_("Log in to import ratings."), field="user")
        actor = actor_for_system_power(user, Power.RATINGS_IMPORT)
    unit_ids = import_scope(user) if user is not None else None
    sheets = _SheetRows.of_rows(rows) if rows is not None else None
    if sheets is None and file is not None:
        sheets = _SheetRows.of_file(file, filename)
    if sheets is None:
        raise DomainError(_("Choose a file to import."), field="file")
    numbered = sheets.numbered
    if not numbered:
        raise ImportRejected(
            _("The file has no data rows."), [RowError(2, "", _("The file has no data rows."))]
        )
    parsed, errors = validate_rows(numbered, unit_ids=unit_ids, where=sheets.where)
    if errors:
        # Each column named by the file's own header (“Tháng”, “Hài lòng”…), not by our key; each row by
        # its line (and its sheet).
        rows_wrong = len({e.row for e in errors})
        errors = [sheets.placed(e) for e in errors]
        raise ImportRejected(_("Nothing was imported: %(n)s row(s) have errors.") % {"n": rows_wrong}, errors)
    before = _stored_keys(parsed)
    # A row of zeros removes the counts imported for its key (a mistaken row, or a breakdown replaced by
    # another): it is not kept at 0, and a whole year's total removed blocks its months no longer.
    counted = [p for p in parsed if any(p[5:])]
    removed = [p for p in parsed if not any(p[5:]) and p[:5] in before]
    _imported_delete({p[:5] for p in removed})
    _empty_rows_delete(counted)
    month_rows_upsert(counted, imported=True)
    result = ImportResult(
        rows=len(parsed),
        counted=len(counted),
        sheets=sheets.counts,
        satisfied=sum(p[5] for p in parsed),
        normal=sum(p[6] for p in parsed),
        unsatisfied=sum(p[7] for p in parsed),
        months=(min(p[0] for p in parsed), max(p[0] for p in parsed)),
    )
    names = {
        pk: (code, name)
        for code, name, pk in Organisation.objects.filter(pk__in={p[1] for p in parsed}).values_list(
            "code", "name", "pk"
        )
    }
    codes = {pk: code for pk, (code, _name) in names.items()}
    # Only what changed is named: a row of zeros that matched nothing changed no month and no unit.
    result.units = {codes[p[1]] for p in counted}
    result.unit_names = dict(names.values())
    result.periods = sorted({p[0] for p in counted})
    replaced = [p for p in counted if p[:5] in before]
    result.replaced = len(replaced)
    result.replaced_periods = sorted({p[0] for p in replaced})
    result.replaced_units = {codes[p[1]] for p in replaced}
    result.removed = len(removed)
    result.removed_periods = sorted({p[0] for p in removed})
    result.removed_units = {codes[p[1]] for p in removed}
    result.unmatched = len(parsed) - len(counted) - len(removed)
    audit_record(
        actor=actor,
        action="ratings.import",
        object_type="rating_month",
        object_id=f"{len(parsed)} rows",
        after={
            "file": filename or (str(file) if isinstance(file, str | Path) else ""),
            "rows": len(parsed),
            "satisfied": result.satisfied,
            "normal": result.normal,
            "unsatisfied": result.unsatisfied,
            "months": [result.months[0].isoformat(), result.months[1].isoformat()],
            "units": sorted(result.units | result.removed_units)[:50],
            "replaced": result.replaced,
            "removed": result.removed,
        },
    )
    return result


def _stored_keys(parsed: list[Parsed]) -> set[tuple]:
    """The keys (month, unit, officer, procedure, channel) among `parsed` that imported counts already have."""
    wanted = {p[:5] for p in parsed}
    stored = RatingMonth.objects.filter(
        imported=True, unit_id__in={p[1] for p in parsed}, month__in={p[0] for p in parsed}
    ).values_list("month", "unit_id", "officer_id", "procedure_id", "channel")
    return {key for key in stored if key in wanted}


def _imported_delete(keys: set[tuple]) -> None:
    """Delete the imported rows of these keys (month, unit, officer, procedure, channel)."""
    if not keys:
        return
    stored = RatingMonth.objects.filter(
        imported=True, unit_id__in={k[1] for k in keys}, month__in={k[0] for k in keys}
    ).values_list("pk", "month", "unit_id", "officer_id", "procedure_id", "channel")
    pks = [pk for pk, *key in stored if tuple(key) in keys]
    for start in range(0, len(pks), 500):
        RatingMonth.objects.filter(pk__in=pks[start : start + 500]).delete()


def _empty_rows_delete(counted: list[Parsed]) -> None:
    """Imported rows of no ratings in the units, channels and years the import writes: rows of zeros kept
    by imports before they removed (a whole year at 0 named “Cả năm 2024” in the statistics). They count
    nothing, and the check of the import leaves them out."""
    if not counted:
        return
    cells = {(p[1], p[4], p[0].year) for p in counted}
    years = {c[2] for c in cells}
    empty = RatingMonth.objects.filter(
        imported=True,
        satisfied=0,
        normal=0,
        unsatisfied=0,
        unit_id__in={c[0] for c in cells},
        channel__in={c[1] for c in cells},
        month__gte=date(min(years), 1, 1),
        month__lte=year_total(max(years)),
    ).values_list("pk", "unit_id", "channel", "month")
    pks = [pk for pk, unit_id, channel, month in empty if (unit_id, channel, month.year) in cells]
    if pks:
        RatingMonth.objects.filter(pk__in=pks).delete()
