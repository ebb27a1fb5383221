"""Excel/CSV import of indicator values and plans: every row checked first, errors listed by row and
column, nothing imported when any row is wrong. Also the template a unit fills in."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from citydesk.core.audit import audit_record
from citydesk.core.errors import DomainError, NotAllowed
from citydesk.core.imports import ImportRejected
from citydesk.core.imports import RowError as CoreRowError
from citydesk.core.models import Organisation, User
from citydesk.core.powers import Power
from citydesk.core.services import authorize
from citydesk.indicators import catalog, running
from citydesk.indicators.models import Indicator, IndicatorGroup, Source, Submission, SubmissionState
from citydesk.indicators.services.common import check_value, resolve_period
from citydesk.indicators.services.plans import add_revision, authorize_plan, check_plan_period
from citydesk.indicators.services.values import (
    EDITABLE,
    ValueChange,
    _store,
    check_period,
    submission_for,
)
from citydesk.lib.text import nfc, search_key
from citydesk.lib.xlsx import workbook_bytes
from citydesk.ratings.services.imports import read_sheets

MAX_ROWS = 50_000
VALUE_COLUMNS = ("indicator", "name", "uom", "unit", "period", "value", "comment")
PLAN_COLUMNS = ("indicator", "name", "uom", "unit", "period", "value", "note")
REQUIRED = ("indicator", "unit", "period", "value")
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "indicator": ("indicator", "indicator code", "ma chi tieu", "chi tieu"),
    "name": ("name", "indicator name", "ten chi tieu"),
    "uom": ("unit of measure", "don vi tinh", "dvt"),
    "unit": ("unit", "unit code", "ma don vi", "don vi"),
    "period": ("period", "ky", "ky bao cao"),
    "value": ("value", "gia tri", "target", "ke hoach"),  # see VALUE_HEADERS and PLAN_HEADERS
    "comment": ("comment", "ghi chu"),
    "note": ("note", "ghi chu", "reason", "can cu"),
}
# A values file takes only the headers that mean the actual value: a plan's column ("Kế hoạch") or a
# header that does not say which figure it holds ("Số liệu") would turn targets into actuals unseen.
VALUE_HEADERS = ("value", "gia tri", "gia tri thuc hien", "thuc hien", "actual", "actual value")
PLAN_HEADERS = ("target", "ke hoach", "chi tieu ke hoach", "muc tieu", "plan")
UNCLEAR_HEADERS = ("so lieu",)


@dataclass(frozen=True)
class RowError(CoreRowError):
    """A row's error: `column` is the column's header as the user's file writes it ("Kỳ", "Giá trị"),
    `key` the column it was read as ("period", "value"); `sheet` the worksheet's name in a workbook of
    several sheets ("" otherwise)."""

    key: str = ""
    sheet: str = ""


@dataclass
class ImportResult:
    rows: int
    changed: int = 0
    units: set[str] = field(default_factory=set)
    # What the file went into, for the page to say: (group id, unit id, period type, period) of each
    # report a values file filled in; (unit id, period type, period) of each target a plans file set.
    reports: set[tuple[int, int, str, date]] = field(default_factory=set)
    targets: set[tuple[int, str, date]] = field(default_factory=set)
    # A workbook of several sheets: the rows each one gave, in the workbook's order ([]: one sheet).
    sheets: list[tuple[str, int]] = field(default_factory=list)

    @property
    def sheets_text(self) -> str:
        """ "NS: 2 rows; YT: 1 row" ("" for one sheet)."""
        return "; ".join(
            ngettext("%(sheet)s: %(n)s row", "%(sheet)s: %(n)s rows", n) % {"sheet": name, "n": n}
            for name, n in self.sheets
        )


def header_labels(kind: str) -> list[str]:
    labels = {
        "indicator": _("Indicator code"),
        "name": _("Indicator name"),
        "uom": _("Unit of measure"),
        "unit": _("Unit code"),
        "period": _("Period"),
        "value": _("Value") if kind == "values" else _("Target"),
        "comment": _("Comment"),
        "note": _("Reason / decision"),
    }
    return [labels[c] for c in (VALUE_COLUMNS if kind == "values" else PLAN_COLUMNS)]


def template_xlsx(*, group: IndicatorGroup, unit: Organisation, period_type: str, period: date) -> bytes:
    """A workbook listing the group's indicators the unit reports for the period, values left blank."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    indicators = Indicator.objects.filter(
        group=group, is_active=True, source=Source.ENTRY, periodicity=period_type, reporting_units=unit
    ).order_by("position", "code")
    book = Workbook()
    sheet = book.active
    sheet.title = group.code[:31]
    sheet.append(header_labels("values"))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    from citydesk.indicators import periods

    typed = periods.period_typed(
        period_type, period
    )  # as the pages write it ("11/2026"); "2026-11" is read too
    for indicator in indicators:
        sheet.append(
            [indicator.code, indicator.display_name, indicator.display_uom, unit.code, typed, None, None]
        )
        sheet.cell(row=sheet.max_row, column=5).number_format = "@"  # text: not turned into a date
    for column, width in zip("ABCDEFG", (16, 60, 14, 14, 10, 16, 40), strict=True):
        sheet.column_dimensions[column].width = width
    return workbook_bytes(book)


@dataclass
class _Table:
    rows: list[tuple[int, dict[str, Any]]]
    headers: dict[str, str]  # column key → its header in the file
    sheet: str = ""  # the worksheet's name, in a workbook of several sheets

    def error(self, row: int, key: str, message: str) -> RowError:
        return RowError(row, self.headers.get(key, key), message, key=key, sheet=self.sheet)


@dataclass
class _Sheets:
    """The sheets of a file with the header row, read as one table: each row known by (sheet, line)."""

    tables: list[_Table]

    @property
    def several(self) -> bool:
        return len(self.tables) > 1

    @property
    def rows(self) -> list[tuple[tuple[int, int], dict[str, Any]]]:
        return [((k, line), row) for k, table in enumerate(self.tables) for line, row in table.rows]

    def error(self, where: tuple[int, int], key: str, message: str) -> RowError:
        return self.tables[where[0]].error(where[1], key, message)

    def also_on(self, where: tuple[int, int]) -> str:
        """A duplicate's error, naming the row it repeats (and its sheet when there are several)."""
        if not self.several:
            return _("The same value is also on row %(n)d.") % {"n": where[1]}
        return _("The same value is also on row %(n)d of sheet “%(sheet)s”.") % {
            "n": where[1],
            "sheet": self.tables[where[0]].sheet,
        }

    @property
    def counts(self) -> list[tuple[str, int]]:
        return [(t.sheet, len(t.rows)) for t in self.tables] if self.several else []


def _file_rows(file: str | Path | IO[bytes] | bytes, filename: str, columns: tuple[str, ...]) -> _Sheets:
    """Every sheet of the file that holds something: a unit's template names its sheet after the group,
    so a workbook may hold one sheet per group; each must have the header row (a sheet with another one is
    refused, named, with what it lacks: nothing is imported). Rows per sheet and in all are limited."""
    sheets = read_sheets(file, filename)
    if len(sheets) == 1:
        return _Sheets([_rows(sheets[0].table, columns)])
    tables: list[_Table] = []
    refused: list[RowError] = []
    names: list[str] = []
    for sheet in sheets:
        try:
            tables.append(replace(_rows(sheet.table, columns), sheet=sheet.name))
        except ImportRejected as exc:
            names.append(sheet.name)
            refused += [replace(e, sheet=sheet.name) for e in exc.errors]
    if refused:
        raise ImportRejected(
            ngettext(
                "Sheet %(names)s does not have the template's header row: nothing was imported.",
                "Sheets %(names)s do not have the template's header row: nothing was imported.",
                len(names),
            )
            % {"names": ", ".join(f"“{n}”" for n in names)},
            refused,
        )
    found = _Sheets(tables)
    if len(found.rows) > MAX_ROWS:
        raise ImportRejected(
            _("Too many rows."), [RowError(1, "", _("At most %(n)d rows per file.") % {"n": MAX_ROWS})]
        )
    return found


def _rows(table: list[list[Any]], columns: tuple[str, ...]) -> _Table:
    while table and all(_blank(v) for v in table[0]):
        table = table[1:]
    if not table:
        raise ImportRejected(_("The file is empty."), [RowError(1, "", _("The file is empty."))])
    written = [nfc(str(v if v is not None else "")).strip() for v in table[0]]
    header = [search_key(v) for v in written]
    positions: dict[str, int] = {}
    kind = "values" if "comment" in columns else "plans"
    labels = dict(zip(columns, header_labels(kind), strict=True))
    for column in columns:
        aliases = HEADER_ALIASES[column]
        if column == "value":
            aliases = VALUE_HEADERS if kind == "values" else (*PLAN_HEADERS, "value", "gia tri")
        english = search_key(labels[column])
        for i, name in enumerate(header):
            if name in aliases or name == english:
                positions.setdefault(column, i)
                break
    missing = [c for c in REQUIRED if c not in positions]
    if missing:  # every missing column at once, named as the template names them, in the reader's language
        errors = [
            RowError(1, labels[c], _("Missing column “%(c)s”.") % {"c": labels[c]}, key=c) for c in missing
        ]
        if "value" in missing:
            errors = [e for e in errors if e.key != "value"] + _value_header_errors(
                written, header, labels, kind
            )
        unknown = [w for w, h in zip(written, header, strict=True) if w and not _known(h, kind, labels)]
        if unknown:
            errors.append(
                RowError(
                    1,
                    ", ".join(unknown),
                    _("Columns not recognised: %(names)s. The template's columns are: %(template)s.")
                    % {
                        "names": ", ".join(f"“{w}”" for w in unknown),
                        "template": ", ".join(f"“{v}”" for v in labels.values()),
                    },
                    key="columns",
                )
            )
        raise ImportRejected(
            _("The header row lacks required columns: %(names)s.")
            % {"names": ", ".join(f"“{labels[c]}”" for c in missing)},
            errors,
        )
    headers = {c: nfc(str(table[0][i])).strip() or labels[c] for c, i in positions.items()}
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if all(_blank(v) for v in cells):
            continue
        rows.append((number, {c: (cells[i] if i < len(cells) else None) for c, i in positions.items()}))
    if len(rows) > MAX_ROWS:
        raise ImportRejected(
            _("Too many rows."), [RowError(1, "", _("At most %(n)d rows per file.") % {"n": MAX_ROWS})]
        )
    return _Table(rows, headers)


def _known(name: str, kind: str, labels: dict[str, str]) -> bool:
    """Is a header (search key) one the import reads, or one it refuses by name?"""
    if name in {search_key(v) for v in labels.values()}:
        return True
    if name in PLAN_HEADERS + UNCLEAR_HEADERS + VALUE_HEADERS:
        return True
    return any(name in aliases for aliases in HEADER_ALIASES.values())


def _value_header_errors(
    written: list[str], header: list[str], labels: dict[str, str], kind: str
) -> list[RowError]:
    """Why a file has no value column: in a values file a plan's column is refused as such (its targets
    would become actual values); a header that does not say which figure it holds is asked to be renamed."""
    value = labels["value"]
    errors = []
    for shown, name in zip(written, header, strict=True):
        if name in PLAN_HEADERS and kind == "values":
            errors.append(
                RowError(
                    1,
                    shown,
                    _(
                        "“%(column)s” is the column of the targets workbook (plans): a file of values takes "
                        "the actual values in a column “%(value)s”. To import targets, choose “%(kind)s”."
                    )
                    % {"column": shown, "value": value, "kind": _("Targets (plans)")},
                    key="value",
                )
            )
        elif name in UNCLEAR_HEADERS:
            errors.append(
                RowError(
                    1,
                    shown,
                    _(
                        "“%(column)s” does not say whether it holds actual values or targets: name the "
                        "column of actual values “%(value)s”."
                    )
                    % {"column": shown, "value": value},
                    key="value",
                )
            )
    return errors or [RowError(1, value, _("Missing column “%(c)s”.") % {"c": value}, key="value")]


def _valid_value(indicator: Indicator, raw: Any) -> float:
    """The row's value parsed and checked against the indicator's type and its valid range (a % between 0
    and 100, a count not negative, unless the catalog sets other bounds)."""
    return catalog.check_range(indicator, check_value(indicator, raw))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return nfc(str(value if value is not None else "")).strip()


class _Checker:
    """Looks up indicators, units and rights once per file, not once per row."""

    def __init__(self, user: User, power_check: Any) -> None:
        self.user = user
        self.power_check = power_check
        self.indicators = {
            i.code: i for i in Indicator.objects.filter(is_active=True).prefetch_related("reporting_units")
        }
        self.units = {u.code: u for u in Organisation.objects.filter(is_active=True)}
        self.actors: dict[int, Any] = {}

    def indicator(self, raw: Any) -> Indicator:
        code = _text(raw)
        if not code:
            raise DomainError(_("The indicator code is missing."), field="indicator")
        indicator = self.indicators.get(code)
        if indicator is None:
            raise DomainError(_("Unknown indicator “%(c)s”.") % {"c": code}, field="indicator")
        return indicator

    def unit(self, raw: Any) -> Organisation:
        code = _text(raw)
        unit = self.units.get(code)
        if unit is None:
            raise DomainError(_("Unknown organisation code “%(code)s”.") % {"code": code}, field="unit")
        if unit.pk not in self.actors:
            try:
                self.actors[unit.pk] = self.power_check(self.user, unit)
            except NotAllowed as exc:
                self.actors[unit.pk] = exc
        if isinstance(self.actors[unit.pk], NotAllowed):
            raise DomainError(self.actors[unit.pk].message, field="unit")
        return unit


def _period(raw: Any) -> tuple[str, date]:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = _text(raw)
    if hasattr(raw, "year") and hasattr(raw, "month"):
        raw = f"{raw.year:04d}-{raw.month:02d}"
    return resolve_period(_text(raw))


class _RowProblems(Exception):
    """Every problem of one row, so that a refused unit does not hide a bad value on the same row."""

    def __init__(self, problems: list[DomainError]) -> None:
        super().__init__(problems)
        self.problems = problems


class _Row:
    """Checks one row field by field, keeping each problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[DomainError] = []

    def check(self, function: Any, *args: Any) -> Any:
        try:
            return function(*args)
        except DomainError as exc:
            self.problems.append(exc)
            return None

    def done(self) -> None:
        if self.problems:
            raise _RowProblems(self.problems)


def _collect(table: _Sheets, check_row: Any) -> list[Any]:
    errors: list[RowError] = []
    checked: list[Any] = []
    for number, row in table.rows:
        try:
            checked.append(check_row(row))
        except (DomainError, _RowProblems) as exc:
            problems = exc.problems if isinstance(exc, _RowProblems) else [exc]
            for problem in problems:
                key = {"indicator": "indicator", "unit": "unit", "period": "period"}.get(
                    problem.field or "", "value"
                )
                errors.append(table.error(number, key, problem.message))
    if errors:
        raise ImportRejected(
            _("%(n)d rows have errors: nothing was imported.")
            % {"n": len({(e.sheet, e.row) for e in errors})},
            errors,
        )
    return checked


def _enter_power(user: User, unit: Organisation) -> Any:
    return authorize(user, Power.INDICATOR_ENTER, unit)


@transaction.atomic
def values_import(*, user: User, file: str | Path | IO[bytes] | bytes, filename: str = "") -> ImportResult:
    """Import values: every row checked, then all written (or none)."""
    table = _file_rows(file, filename, VALUE_COLUMNS)
    checker = _Checker(user, _enter_power)
    seen: dict[tuple[int, int, str, date], tuple[int, int]] = {}
    submissions = {
        (s.group_id, s.unit_id, s.period_type, s.period): s.state
        for s in Submission.objects.all().only("group_id", "unit_id", "period_type", "period", "state")
    }

    def entered_indicator(raw: Any) -> Indicator:
        indicator = checker.indicator(raw)
        if indicator.source != Source.ENTRY:
            raise DomainError(
                _("%(code)s is computed and is not entered by hand.") % {"code": indicator.code},
                field="indicator",
            )
        return indicator

    def assigned(indicator: Indicator, unit: Organisation) -> None:
        if unit.pk not in {u.pk for u in indicator.reporting_units.all()}:
            raise DomainError(
                _("%(unit)s is not assigned to report %(code)s.")
                % {"unit": unit.name, "code": indicator.code},
                field="unit",
            )

    def open_period(indicator: Indicator, unit: Organisation, period_type: str, day: date) -> None:
        check_period(indicator, period_type, day)
        state = submissions.get((indicator.group_id, unit.pk, period_type, day))
        if state is not None and state not in EDITABLE:
            raise DomainError(
                _("This period's report is %(state)s: it can no longer be changed.")
                % {"state": SubmissionState(state).label.lower()},
                field="period",
            )
        key = (indicator.pk, unit.pk, period_type, day)
        if key in seen:
            raise DomainError(table.also_on(seen[key]), field="indicator")

    def check_row(row: dict[str, Any]) -> tuple[Organisation, str, date, ValueChange]:
        checks = _Row()
        indicator = checks.check(entered_indicator, row.get("indicator"))
        unit = checks.check(checker.unit, row.get("unit"))
        period = checks.check(_period, row.get("period"))
        if indicator is not None and unit is not None:
            checks.check(assigned, indicator, unit)
            if period is not None:
                checks.check(open_period, indicator, unit, *period)
        value = checks.check(_valid_value, indicator, row.get("value")) if indicator is not None else None
        checks.done()
        period_type, day = period
        seen[(indicator.pk, unit.pk, period_type, day)] = row["_line"]
        comment = _text(row.get("comment"))[:500]
        return unit, period_type, day, ValueChange(indicator, value, comment)

    for number, row in table.rows:
        row["_line"] = number
    checked = _collect(table, check_row)
    result = ImportResult(rows=len(checked), sheets=table.counts)
    batches: dict[tuple[int, str, date], list[ValueChange]] = {}
    units: dict[int, Organisation] = {}
    for unit, period_type, day, change in checked:
        batches.setdefault((unit.pk, period_type, day), []).append(change)
        units[unit.pk] = unit
        result.units.add(unit.code)
    with running.batch():  # the running totals once for the whole file, not per value
        for (unit_id, period_type, day), changes in batches.items():
            unit = units[unit_id]
            for group_id in {c.indicator.group_id for c in changes}:
                submission_for(group_id, unit, period_type, day)
                result.reports.add((group_id, unit_id, period_type, day))
            diff = _store(
                actor=checker.actors[unit_id],
                user=user,
                unit=unit,
                period_type=period_type,
                period=day,
                changes=changes,
            )
            result.changed += len(diff)
    return result


@transaction.atomic
def plans_import(*, user: User, file: str | Path | IO[bytes] | bytes, filename: str = "") -> ImportResult:
    """Import targets: each row adds a revision; every row checked first, nothing written on error."""
    table = _file_rows(file, filename, PLAN_COLUMNS)
    checker = _Checker(user, authorize_plan)

    def check_row(row: dict[str, Any]) -> tuple[Indicator, Organisation, str, date, float, str]:
        checks = _Row()
        indicator = checks.check(checker.indicator, row.get("indicator"))
        unit = checks.check(checker.unit, row.get("unit"))
        period = checks.check(_period, row.get("period"))
        if indicator is not None and period is not None:
            checks.check(check_plan_period, indicator, *period)
        value = checks.check(_valid_value, indicator, row.get("value")) if indicator is not None else None
        checks.done()
        period_type, day = period
        return indicator, unit, period_type, day, value, _text(row.get("note"))[:300]

    checked = _collect(table, check_row)
    result = ImportResult(rows=len(checked), sheets=table.counts)
    for indicator, unit, period_type, day, value, note in checked:
        add_revision(
            user=user,
            indicator=indicator,
            unit=unit,
            period_type=period_type,
            day=day,
            value=value,
            note=note,
        )
        result.units.add(unit.code)
        result.targets.add((unit.pk, period_type, day))
        result.changed += 1
    if checked:
        audit_record(
            actor=checker.actors[checked[0][1].pk],
            action="indicator.plans_import",
            object_type="indicators.plan",
            object_id="*",
            after={"rows": len(checked), "units": sorted(result.units)},
        )
    return result
