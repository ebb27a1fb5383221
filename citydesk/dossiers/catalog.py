"""The procedure catalog as an Excel workbook: export, and an all-or-nothing import.

The workbook has three sheets with fixed Vietnamese names and headers (a file format, not UI text):
"Thủ tục" (one row per procedure), "Giấy tờ" (its documents) and "Quy trình" (its process steps).
A header cell may also hold the column's machine key (`code`, `name`…), and columns may come in any
order. The English names of a procedure's field, its papers and its steps are optional columns, last in
each sheet: a file without them (made before they existed) still imports and leaves the stored English
names as they are, except that an English name goes when the Vietnamese text it translated changes.
Coded values (competent level, time unit, performer, role) are written as Vietnamese labels with
a drop-down list; the import reads those labels with or without accents, and the codes too. The import reads and checks every row first and lists every problem with its sheet, row and
column; with any problem nothing is changed. Otherwise it upserts by procedure code in one transaction
and writes one audit row. Documents and steps are updated in place by position, so documents keep their
template files and filed dossiers keep their links. Procedures absent from the file are left as they
are; a procedure's documents (steps) are replaced only when the file has rows for it in that sheet.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import DomainError, NotAllowed
from citydesk.core.models import (
    MAX_WORKING_DAYS,
    MAX_WORKING_HOURS,
    Organisation,
    OrgKind,
    max_working_days_validator,
)
from citydesk.core.powers import Power
from citydesk.core.services import actor_for_system_power
from citydesk.dossiers.catalog_values import CHOICES as _CHOICES
from citydesk.dossiers.catalog_values import choice_code, choice_label, choice_options
from citydesk.dossiers.models import (
    Authority,
    Performer,
    Procedure,
    ProcedureDocument,
    ProcedureStep,
    TimeUnit,
)
from citydesk.lib.text import nfc, nfc_lines, search_key
from citydesk.lib.xlsx import workbook_bytes

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_PROCEDURES = "Thủ tục"
SHEET_DOCUMENTS = "Giấy tờ"
SHEET_STEPS = "Quy trình"
YES, NO = "có", "không"
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,39}$")
_GROUPED = re.compile(r"^\d{1,3}([.,\s]\d{3})+$")

# (machine key, header, value kind, max length); the header order is the export's column order. Columns
# added later go last, so that the columns of older files and templates keep their letters. A "lines"
# column is a text written on several lines (a note, the legal basis: one document a line), whose line
# breaks are kept; in a "text" column (a name) they collapse into spaces.
COLUMNS: dict[str, list[tuple[str, str, str, int]]] = {
    SHEET_PROCEDURES: [
        ("code", "Mã thủ tục", "code", 40),
        ("name", "Tên thủ tục", "text!", 300),
        ("name_en", "Tên tiếng Anh", "text", 300),
        ("field", "Lĩnh vực", "text!", 120),
        ("authority", "Cấp thẩm quyền", "authority", 0),
        ("department_code", "Mã sở", "department", 40),
        ("fee", "Lệ phí (đồng)", "int0", 0),
        ("fee_note", "Ghi chú lệ phí", "lines", 300),
        # An integer column's fourth value is its largest value (0: no bound of its own); a time in working
        # days is bounded further in _validate.
        ("processing_time", "Thời hạn giải quyết", "int1", MAX_WORKING_HOURS),
        ("time_unit", "Đơn vị thời gian", "time_unit", 0),
        ("service_level", "Mức độ trực tuyến (2/3/4)", "service_level", 0),
        ("same_day", "Giải quyết trong ngày (có/không)", "bool", 0),
        ("legal_basis", "Căn cứ pháp lý", "lines", 500),
        ("is_active", "Đang áp dụng (có/không)", "bool+", 0),
        ("field_en", "Lĩnh vực tiếng Anh", "text", 120),
    ],
    SHEET_DOCUMENTS: [
        ("procedure_code", "Mã thủ tục", "code", 40),
        ("position", "STT", "int1", 0),
        ("name", "Tên giấy tờ", "text!", 300),
        ("copies", "Số lượng", "text", 60),
        ("required", "Bắt buộc (có/không)", "bool+", 0),
        ("name_en", "Tên giấy tờ tiếng Anh", "text", 300),
    ],
    SHEET_STEPS: [
        ("procedure_code", "Mã thủ tục", "code", 40),
        ("position", "Bước", "int1", 0),
        ("name", "Tên bước", "text!", 200),
        ("performer", "Đơn vị thực hiện", "performer", 0),
        ("department_code", "Mã sở", "department", 40),
        ("role", "Vai trò", "role", 0),
        ("share", "Tỷ lệ thời gian (%)", "share", 0),
        ("name_en", "Tên bước tiếng Anh", "text", 200),
    ],
}
# Columns a file may leave out (added after files were made without them): absent, the stored values stay.
OPTIONAL_COLUMNS: dict[str, frozenset[str]] = {
    SHEET_PROCEDURES: frozenset({"field_en"}),
    SHEET_DOCUMENTS: frozenset({"name_en"}),
    SHEET_STEPS: frozenset({"name_en"}),
}
# An English name translates the Vietnamese one beside it: when a file changes the Vietnamese one and has
# no column for the English one, the stored English name (of the old text) is cleared.
TRANSLATION_OF = {"field_en": "field", "name_en": "name"}
Rows = list[tuple[int, dict[str, Any]]]  # (row number, {key: raw cell value})
ABSENT: Any = object()  # the raw value of a column missing from the file (reported once, at its header)
Letters = dict[str, str]  # {key: column letter in the file}


def default_letters(sheet: str) -> Letters:
    return {key: get_column_letter(i) for i, (key, *_r) in enumerate(COLUMNS[sheet], start=1)}


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str  # the column letter ("" for a whole row or the file)
    field: str  # the machine key of the column ("" when none)
    message: str

    def __str__(self) -> str:
        if not self.row:
            return f"{self.sheet}: {self.message}" if self.sheet else self.message
        where = f"{self.sheet}!{self.column}{self.row}" if self.column else f"{self.sheet}, {self.row}"
        label = next((h for k, h, *_r in COLUMNS.get(self.sheet, []) if k == self.field), "")
        return f"{where} ({label}): {self.message}" if label else f"{where}: {self.message}"


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def search_name_of(name: str, code: str) -> str:
    return search_key(f"{name} {code}")[:300]


def performing_unit(step: ProcedureStep) -> tuple[str, str]:
    """Which unit performs a step, as a key: the one-stop desk belongs to the receiving unit."""
    performer = Performer.RECEIVING_UNIT if step.performer == Performer.DESK else step.performer
    return (performer, step.department_code)


def is_inter_agency(steps: Iterable[ProcedureStep]) -> bool:
    """A process crosses units when its steps are performed by more than one unit."""
    return len({performing_unit(s) for s in steps}) > 1


def known_department_codes() -> set[str]:
    from citydesk.core.demo import DEPARTMENTS  # lazily: core.demo imports the demo catalog

    codes = {code for code, _name, kind in DEPARTMENTS if kind == OrgKind.DEPARTMENT}
    for code in Organisation.objects.filter(kind=OrgKind.DEPARTMENT, code__contains=".").values_list(
        "code", flat=True
    ):
        codes.add(code.rsplit(".", 1)[1].upper())
    return codes


# --- Export ---------------------------------------------------------------------------------------


def _cell_value(kind: str, value: Any) -> Any:
    if kind.startswith("bool"):
        return YES if value else NO
    if kind == "share":
        return float(value)
    if kind in _CHOICES:
        return choice_label(kind, value)
    return value


def catalog_rows(queryset: QuerySet[Procedure] | None = None) -> dict[str, Rows]:
    """The catalog as sheet rows ({key: value}), in the form the import reads."""
    procedures = (Procedure.objects.all() if queryset is None else queryset).prefetch_related(
        "documents", "steps"
    )
    sheets: dict[str, Rows] = {SHEET_PROCEDURES: [], SHEET_DOCUMENTS: [], SHEET_STEPS: []}
    for p in sorted(procedures, key=lambda p: p.code):
        sheets[SHEET_PROCEDURES].append((0, {k: getattr(p, k) for k, *_r in COLUMNS[SHEET_PROCEDURES]}))
        for d in p.documents.all():
            values = {k: getattr(d, k) for k, *_r in COLUMNS[SHEET_DOCUMENTS] if k != "procedure_code"}
            sheets[SHEET_DOCUMENTS].append((0, {"procedure_code": p.code, **values}))
        for s in p.steps.all():
            values = {k: getattr(s, k) for k, *_r in COLUMNS[SHEET_STEPS] if k != "procedure_code"}
            sheets[SHEET_STEPS].append((0, {"procedure_code": p.code, **values}))
    return sheets


def catalog_export(queryset: QuerySet[Procedure] | None = None) -> bytes:
    """The catalog (or `queryset`'s part of it; `Procedure.objects.none()` gives a blank template)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_name, rows in catalog_rows(queryset).items():
        sheet = workbook.create_sheet(sheet_name)
        columns = COLUMNS[sheet_name]
        sheet.append([header for _k, header, *_r in columns])
        for index, (_key, header, kind, _max) in enumerate(columns, start=1):
            letter = get_column_letter(index)
            sheet[f"{letter}1"].font = Font(bold=True)
            sheet[f"{letter}1"].fill = PatternFill("solid", fgColor="EEF2F7")
            sheet.column_dimensions[letter].width = min(60, max(12, len(header) + 2))
            options = (
                choice_options(kind) if kind in _CHOICES else ((YES, NO) if kind.startswith("bool") else None)
            )
            if options:
                check = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
                check.error = "Chọn một trong: " + ", ".join(options)
                check.showErrorMessage = True
                sheet.add_data_validation(check)
                check.add(f"{letter}2:{letter}5000")
        for _row, values in rows:
            sheet.append([_cell_value(kind, values[key]) for key, _h, kind, _m in columns])
        for index, (key, *_r) in enumerate(columns, start=1):
            if key == "fee":  # đồng, grouped as Excel's locale groups them (2.000 in Vietnamese Excel)
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "#,##0"
        sheet.freeze_panes = "A2"
    return workbook_bytes(workbook)


# --- Reading and checking -------------------------------------------------------------------------


def _read_workbook(data: bytes, errors: list[RowError]) -> tuple[dict[str, Rows], dict[str, Letters]]:
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        errors.append(RowError("", 0, "", "file", _("The file is not an Excel workbook (.xlsx).")))
        return {}, {}
    sheets: dict[str, Rows] = {}
    letters: dict[str, Letters] = {}
    for sheet in workbook.worksheets:
        name = nfc(sheet.title)
        if name not in COLUMNS:
            message = _("Unknown sheet “%(name)s”; the sheets are: %(names)s.") % {
                "name": name,
                "names": ", ".join(COLUMNS),
            }
            errors.append(RowError(name, 0, "", "sheet", message))
            continue
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, ())
        keys = _header_keys(name, header, errors)
        absent = {key: ABSENT for key, *_r in COLUMNS[name] if key not in keys.values()}
        sheets[name] = []
        letters[name] = {key: get_column_letter(i + 1) for i, key in keys.items()}
        for number, cells in enumerate(rows, start=2):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            values = {k: cells[i] if i < len(cells) else None for i, k in keys.items()}
            sheets[name].append((number, {**values, **absent}))
    workbook.close()
    if not sheets and not errors:
        errors.append(RowError("", 0, "", "file", _("The workbook has none of the catalog's sheets.")))
    return sheets, letters


def _header_keys(sheet: str, header: tuple[Any, ...], errors: list[RowError]) -> dict[int, str]:
    """The column index of each key found in the header. Unknown or repeated columns and missing ones
    are reported; the rows are still read with the columns found, so that their cells are checked too."""
    by_name: dict[str, str] = {}
    for key, label, *_r in COLUMNS[sheet]:
        by_name[key] = by_name[search_key(label)] = by_name[search_key(label.split(" (")[0])] = key
    keys: dict[int, str] = {}
    for index, cell in enumerate(header):
        if cell is None or not str(cell).strip():
            continue
        # A header with its hint in brackets (older files: "Vai trò (officer/deputy/head/leader)").
        key = by_name.get(search_key(str(cell))) or by_name.get(search_key(str(cell).split(" (")[0]))
        if key is None or key in keys.values():
            message = _("Unknown or repeated column “%(name)s”.") % {"name": nfc(str(cell))}
            errors.append(RowError(sheet, 1, get_column_letter(index + 1), "", message))
        else:
            keys[index] = key
    for key, label, *_r in COLUMNS[sheet]:
        if key not in keys.values() and key not in OPTIONAL_COLUMNS[sheet]:
            errors.append(RowError(sheet, 1, "", "", _("Missing column “%(name)s”.") % {"name": label}))
    return keys


def parse_value(sheet: str, key: str, raw: Any) -> Any:
    """The value of a column's cell as the import reads it (a code in capitals, a text in NFC…), or
    ValueError with the import's message. The back office holds its catalog forms to the same rules."""
    kind, max_length = next((kind, n) for k, _h, kind, n in COLUMNS[sheet] if k == key)
    return _parse(kind, raw, max_length)


def _parse(kind: str, raw: Any, max_length: int) -> Any:
    """The value of one cell, or ValueError with the message to show."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = "" if raw is None else (nfc_lines if kind == "lines" else nfc)(str(raw))
    if kind in ("text", "text!", "lines"):
        if kind == "text!" and not text:
            raise ValueError(_("This cell must not be empty."))
        if len(text) > max_length:
            raise ValueError(_("At most %(n)s characters.") % {"n": max_length})
        return text
    if kind in ("code", "department"):
        text = text.upper()
        if not text and kind == "department":
            return ""
        if not _CODE.match(text):
            raise ValueError(_("A code of letters A–Z, digits, “.”, “-” or “_” (at most 40) is required."))
        return text
    if kind.startswith("bool"):
        if isinstance(raw, bool):
            return raw
        key = search_key(text)
        if not key:
            return kind == "bool+"  # an empty cell: the column's default
        if key in ("co", "c", "x", "1", "true", "yes", "y"):
            return True
        if key in ("khong", "k", "0", "false", "no", "n"):
            return False
        raise ValueError(_("Write “có” or “không”."))
    if kind in ("int0", "int1"):
        value = _integer(raw, text)
        if value is not None and max_length and value > max_length:
            raise ValueError(_("At most %(n)s.") % {"n": max_length})
        if value is None or value < (1 if kind == "int1" else 0) or value > 2_000_000_000:
            if kind == "int1":
                raise ValueError(_("A whole number greater than 0 is required."))
            raise ValueError(_("A whole number, 0 or more, is required."))
        return value
    if kind == "share":
        try:
            value = Decimal(str(raw) if isinstance(raw, int | float) else text.rstrip("%").replace(",", "."))
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or not 0 < value <= 100 or value.as_tuple().exponent < -2:  # type: ignore[operator]
            raise ValueError(_("A percentage above 0 and at most 100, with at most two decimals."))
        return value.quantize(Decimal("0.01"))
    value = str(int(raw)) if isinstance(raw, int | float) and raw == int(raw) else text
    code = choice_code(kind, value)
    if code is None:
        raise ValueError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(choice_options(kind))})
    return int(code) if kind == "service_level" else code


def _integer(raw: Any, text: str) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float | Decimal):
        return int(raw) if raw == int(raw) else None
    digits = text.replace(" ", "")
    if _GROUPED.match(text) or digits.isdigit():
        return int(re.sub(r"[.,\s]", "", text))
    return None


@dataclass
class _Plan:
    procedures: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    steps: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


Checked = list[tuple[int, dict[str, Any]]]  # (row number, {key: value}) with the cells that could be read


class _Checker:
    """Collects the problems of every row in one pass. A bad cell is reported and left out of its row's
    values; the checks across rows use every value that could be read and skip only what depends on an
    unreadable one (a share total with an unreadable share), so that one import lists every problem."""

    def __init__(self, letters: dict[str, Letters], errors: list[RowError]) -> None:
        self.letters = letters
        self.errors = errors
        self.departments = known_department_codes()
        self.uncertain: set[str] = set()  # sheets with a row whose procedure is unknown (its code unreadable)

    def error(self, sheet: str, row: int, key: str, message: str) -> None:
        letter = self.letters.get(sheet, {}).get(key) or default_letters(sheet)[key]
        self.errors.append(RowError(sheet, row, letter, key, message))

    def rows(self, sheet: str, rows: Rows) -> Checked:
        """Every row with the values of its readable cells (a column missing from the file is skipped:
        its header is reported once)."""
        code_key = "code" if sheet == SHEET_PROCEDURES else "procedure_code"
        checked: Checked = []
        for number, raw in rows:
            values: dict[str, Any] = {}
            for key, _label, kind, max_length in COLUMNS[sheet]:
                cell = raw.get(key)
                if cell is ABSENT:
                    continue
                try:
                    values[key] = _parse(kind, cell, max_length)
                except ValueError as exc:
                    self.error(sheet, number, key, str(exc))
            if code_key not in values:
                self.uncertain.add(sheet)
            checked.append((number, values))
        return checked

    def department(
        self, sheet: str, row: int, values: dict[str, Any], needed: bool, *, step: bool = False
    ) -> None:
        if "department_code" not in values:
            return
        for message in department_problems(values["department_code"], needed, self.departments, step=step):
            self.error(sheet, row, "department_code", message)


def department_problems(code: str, needed: bool, known: Iterable[str], *, step: bool = False) -> list[str]:
    """What is wrong with a department code (as `parse_value` reads it) where a department is `needed` (a
    department-level procedure, a step performed by a department) or not, among the `known` codes. Only a
    `step` performed by a department may name one; a procedure of another level may keep its code."""
    known = set(known)
    problems = []
    if needed and not code:
        problems.append(_("Name the department (its code, e.g. SXD)."))
    elif code and code not in known:
        problems.append(
            _("Unknown department code “%(code)s”; known codes: %(codes)s.")
            % {"code": code, "codes": ", ".join(sorted(known))}
        )
    if step and code and not needed:
        problems.append(_("Only a step performed by a department names a department."))
    return problems


def _validate(sheets: dict[str, Rows], letters: dict[str, Letters], errors: list[RowError]) -> _Plan:
    plan = _Plan()
    check = _Checker(letters, errors)
    first_rows: dict[str, int] = {}
    for row, values in check.rows(SHEET_PROCEDURES, sheets.get(SHEET_PROCEDURES, [])):
        code = values.pop("code", None)
        if code is None:
            continue
        if code in first_rows:
            message = _("The code %(code)s is already used on row %(row)s.")
            check.error(SHEET_PROCEDURES, row, "code", message % {"code": code, "row": first_rows[code]})
            continue
        if "authority" in values:
            check.department(SHEET_PROCEDURES, row, values, values["authority"] == Authority.DEPARTMENT)
        _check_processing_time(check, row, values)
        plan.procedures[code] = values
        first_rows[code] = row
    children: dict[str, dict[str, Checked]] = {}
    for sheet in (SHEET_DOCUMENTS, SHEET_STEPS):
        children[sheet] = defaultdict(list)
        for row, values in check.rows(sheet, sheets.get(sheet, [])):
            code = values.pop("procedure_code", None)
            if code is not None:
                children[sheet][code].append((row, values))
    named = set(plan.procedures) | set(children[SHEET_DOCUMENTS]) | set(children[SHEET_STEPS])
    stored = set(Procedure.objects.filter(code__in=named).values_list("code", flat=True))
    for sheet, target in ((SHEET_DOCUMENTS, plan.documents), (SHEET_STEPS, plan.steps)):
        for code, items in children[sheet].items():
            if code not in plan.procedures and code not in stored:
                if SHEET_PROCEDURES not in check.uncertain:  # else it may be the unreadable code
                    message = _(
                        "No procedure has the code %(code)s (neither in this file nor in the catalog)."
                    )
                    for row, _values in items:
                        check.error(sheet, row, "procedure_code", message % {"code": code})
                continue
            target[code] = [values for _row, values in items]
            if sheet == SHEET_STEPS:
                for row, values in items:
                    _check_step(check, row, values)
            if sheet in check.uncertain:
                continue  # a row of this procedure may be the one with an unreadable code
            if all("position" in values for _row, values in items):
                items.sort(key=lambda item: item[1]["position"])
                if [v["position"] for _r, v in items] != list(range(1, len(items) + 1)):
                    message = _("The rows of %(code)s must be numbered 1, 2, 3… without gaps or repeats.")
                    check.error(sheet, items[0][0], "position", message % {"code": code})
            if sheet == SHEET_STEPS:
                _check_share_total(check, code, items)
    if SHEET_STEPS not in check.uncertain:
        for code, row in first_rows.items():
            if code not in children[SHEET_STEPS] and code not in stored:
                message = _("A new procedure needs its process steps in the sheet “%(sheet)s”.")
                check.error(SHEET_PROCEDURES, row, "code", message % {"sheet": SHEET_STEPS})
    _check_campaigns(check, plan, first_rows, children[SHEET_STEPS])
    return plan


def _check_campaigns(
    check: _Checker, plan: _Plan, first_rows: dict[str, int], step_rows: dict[str, Checked]
) -> None:
    """A procedure listed in a running or future same-day campaign may not come to pass to another agency
    (a step of a department or the city, or a department's procedure received at a commune): the campaign
    promises its dossiers the same day, which the receiving unit cannot keep for another agency's step.
    The row is refused, naming the campaign; the leader takes the procedure off it (or stops it) first.
    The back office refuses the same change (admin.StepFormSet). Checked with the values that could be
    read (an unreadable cell is reported on its own)."""
    # Imported when used: the services package (intake, notifications…) need not load with the catalog.
    from citydesk.dossiers.services.campaigns import catalog_change_problems

    codes = set(plan.procedures) | set(plan.steps)
    listed = (
        Procedure.objects.filter(code__in=codes, campaigns__is_active=True)
        .distinct()
        .prefetch_related("steps")
    )
    for stored in listed:
        code = stored.code
        values = plan.procedures.get(code, {})
        after = Procedure(
            pk=stored.pk,
            code=code,
            authority=values.get("authority", stored.authority),
            department_code=values.get("department_code", stored.department_code),
        )
        if code in plan.steps:
            rows = plan.steps[code]
            if not all("position" in v and "performer" in v and "department_code" in v for v in rows):
                continue
            steps = [
                ProcedureStep(
                    position=v["position"], performer=v["performer"], department_code=v["department_code"]
                )
                for v in sorted(rows, key=lambda v: v["position"])
            ]
        else:
            steps = list(stored.steps.all())
        for message in catalog_change_problems(after, steps):
            if code in plan.steps and step_rows.get(code):
                check.error(SHEET_STEPS, min(row for row, _v in step_rows[code]), "performer", message)
            else:
                check.error(SHEET_PROCEDURES, first_rows.get(code, 0), "authority", message)


def _check_processing_time(check: _Checker, row: int, values: dict[str, Any]) -> None:
    """A time in working days is bounded as the back office bounds it (the calendar counts no further)."""
    if (
        values.get("time_unit") == TimeUnit.WORKING_DAYS
        and values.get("processing_time", 0) > MAX_WORKING_DAYS
    ):
        message = str(max_working_days_validator().message) % {"limit_value": MAX_WORKING_DAYS}
        check.error(SHEET_PROCEDURES, row, "processing_time", message)


def _check_step(check: _Checker, row: int, values: dict[str, Any]) -> None:
    if "performer" not in values:
        return
    check.department(SHEET_STEPS, row, values, values["performer"] == Performer.DEPARTMENT, step=True)


def _check_share_total(check: _Checker, code: str, items: Checked) -> None:
    """The shares of a procedure's steps add up to 100% (checked when every share could be read)."""
    if not items or not all("share" in values for _row, values in items):
        return
    total = share_total_off([values["share"] for _row, values in items])
    if total is not None:
        message = _("The shares of the steps of %(code)s add up to %(total)s%%, not 100%%.")
        check.error(SHEET_STEPS, items[0][0], "share", message % {"code": code, "total": percent_text(total)})


def share_total_off(shares: Iterable[Decimal]) -> Decimal | None:
    """The total of a process's step shares when it is not 100% (give or take 0.01), else None."""
    total = sum(shares, Decimal(0))
    return total if abs(total - 100) > Decimal("0.01") else None


def percent_text(value: Decimal | float | int) -> str:
    """A percentage as the language writes it, without needless decimals: “115”, “112,5” in Vietnamese."""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    places = next(n for n in (0, 1, 2) if amount == amount.quantize(Decimal(1).scaleb(-n)))
    return number_format(amount, places)


# --- Writing --------------------------------------------------------------------------------------


def procedure_snapshot(procedure: Procedure) -> dict[str, Any]:
    values = {k: getattr(procedure, k) for k, *_r in COLUMNS[SHEET_PROCEDURES]}
    values["documents"] = [
        [d.position, d.name, d.copies, d.required, d.name_en] for d in procedure.documents.all()
    ]
    values["steps"] = [
        [s.position, s.name, s.performer, s.department_code, s.role, str(s.share), s.name_en]
        for s in procedure.steps.all()
    ]
    return values


def _untranslated(stored: Any, values: dict[str, Any]) -> dict[str, Any]:
    """`values` with the English names cleared whose Vietnamese text changes while the file has no
    column for them (the stored translation was of the old text)."""
    cleared = {
        english: ""
        for english, official in TRANSLATION_OF.items()
        if english not in values
        and official in values
        and hasattr(stored, english)
        and getattr(stored, official) != values[official]
    }
    return {**values, **cleared}


def _sync(procedure: Procedure, model: type, current: list[Any], wanted: list[dict[str, Any]]) -> bool:
    """Make a procedure's documents or steps equal to `wanted`, in place by position."""
    by_position = {item.position: item for item in current}
    changed = False
    for values in wanted:
        item = by_position.pop(values["position"], None)
        if item is None:
            model.objects.create(procedure=procedure, **values)
            changed = True
            continue
        values = _untranslated(item, values)
        diff = [k for k, v in values.items() if getattr(item, k) != v]
        if diff:
            for key in diff:
                setattr(item, key, values[key])
            item.save(update_fields=diff)
            changed = True
    if by_position:
        model.objects.filter(pk__in=[item.pk for item in by_position.values()]).delete()
        changed = True
    return changed


@transaction.atomic
def _apply(plan: _Plan, actor: Actor, result: ImportResult) -> None:
    codes = sorted(set(plan.procedures) | set(plan.documents) | set(plan.steps))
    existing = {
        p.code: p
        for p in Procedure.objects.select_for_update()
        .filter(code__in=codes)
        .prefetch_related("documents", "steps")
    }
    before: dict[str, Any] = {}
    now = timezone.now()
    for code in codes:
        procedure = existing.get(code)
        snapshot = procedure_snapshot(procedure) if procedure else None
        changed: list[str] = []
        if code in plan.procedures:
            values = {
                **plan.procedures[code],
                "search_name": search_name_of(plan.procedures[code]["name"], code),
            }
            if procedure is None:
                procedure = Procedure.objects.create(code=code, updated_at=now, **values)
                result.created.append(code)
            else:
                values = _untranslated(procedure, values)
                changed = [k for k, v in values.items() if getattr(procedure, k) != v]
                for key in changed:
                    setattr(procedure, key, values[key])
        assert procedure is not None  # checked by _validate
        is_new = code in result.created
        for wanted, model, related in (
            (plan.documents, ProcedureDocument, "documents"),
            (plan.steps, ProcedureStep, "steps"),
        ):
            current = [] if is_new else list(getattr(procedure, related).all())
            if code in wanted and _sync(procedure, model, current, wanted[code]) and not is_new:
                changed.append(related)
        if is_new:
            continue
        if not changed:
            result.unchanged.append(code)
            continue
        procedure.updated_at = now
        procedure.save(update_fields=[f for f in changed if f not in ("documents", "steps")] + ["updated_at"])
        result.updated.append(code)
        before[code] = snapshot
    if (result.created or result.updated) and not result.dry_run:
        fresh = Procedure.objects.filter(code__in=result.created + result.updated).prefetch_related(
            "documents", "steps"
        )
        audit_record(
            actor=actor,
            action="procedure_catalog.import",
            object_type="procedure_catalog",
            object_id="catalog",
            before=before,
            after={p.code: procedure_snapshot(p) for p in fresh},
        )
    if result.dry_run:
        transaction.set_rollback(True)


def catalog_load(
    sheets: dict[str, Rows],
    *,
    actor: Actor,
    dry_run: bool = False,
    letters: dict[str, Letters] | None = None,
    errors: list[RowError] | None = None,
) -> ImportResult:
    """Check every row of `sheets`; with no problem (`errors`: those already found in the file's
    sheets and headers), upsert them (unless `dry_run`)."""
    result = ImportResult(errors=list(errors or []), dry_run=dry_run)
    plan = _validate(sheets, letters or {}, result.errors)
    if not result.errors and not plan.procedures:  # e.g. the blank template sent back as it was
        result.errors.append(RowError("", 0, "", "file", _("The workbook has no procedure to import.")))
    # In the order of the workbook: sheet by sheet, row by row, column by column.
    sheet_order = {name: i for i, name in enumerate(COLUMNS)}
    result.errors.sort(key=lambda e: (sheet_order.get(e.sheet, -1), e.row, len(e.column), e.column))
    if not result.errors:
        _apply(plan, actor, result)
    return result


def catalog_import(
    data: bytes, *, user: Any = None, actor: Actor | None = None, dry_run: bool = False
) -> ImportResult:
    """Import a workbook as `user` (who needs the power to manage the catalog) or as a system `actor`."""
    if actor is None:
        if user is None or not user.is_authenticated:
            raise NotAllowed(_("You must log in to do this."))
        actor = actor_for_system_power(user, Power.MANAGE_PROCEDURES)
    if not data:
        raise DomainError(_("Choose an Excel file (.xlsx) to import."), field="file")
    errors: list[RowError] = []
    sheets, letters = _read_workbook(data, errors)
    if not sheets:  # not a workbook, or none of the catalog's sheets: no row to check
        return ImportResult(errors=errors, dry_run=dry_run)
    # The rows are checked even when a sheet or a header is wrong: one import lists every problem.
    return catalog_load(sheets, actor=actor, dry_run=dry_run, letters=letters, errors=errors)
