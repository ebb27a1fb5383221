"""The coded columns of the procedure catalog workbook (citydesk.dossiers.catalog): their codes, the
Vietnamese labels the file shows for them, and how a cell's text is read back.

The labels are part of the file format, like the sheets' headers: fixed Vietnamese (not UI text), with no
commas, as Excel's drop-down lists separate their items with commas. A cell may hold a label (with or
without accents), one of a few short forms, or the code itself (files written before the labels).
"""

from __future__ import annotations

from citydesk.core.powers import Role
from citydesk.dossiers.models import Authority, Performer, ServiceLevel, TimeUnit
from citydesk.lib.text import search_key

STEP_ROLES = (Role.OFFICER, Role.DEPUTY, Role.HEAD, Role.LEADER)

CHOICES: dict[str, tuple[str, ...]] = {
    "authority": tuple(Authority.values),
    "time_unit": tuple(TimeUnit.values),
    "service_level": tuple(str(v) for v in ServiceLevel.values),
    "performer": tuple(Performer.values),
    "role": tuple(str(r) for r in STEP_ROLES),
}
LABELS: dict[str, dict[str, str]] = {
    "authority": {
        Authority.WARD: "UBND cấp xã",
        Authority.DEPARTMENT: "Sở ngành",
        Authority.CITY: "UBND Thành phố",
    },
    "time_unit": {TimeUnit.WORKING_DAYS: "ngày làm việc", TimeUnit.WORKING_HOURS: "giờ làm việc"},
    "performer": {
        Performer.RECEIVING_UNIT: "Đơn vị tiếp nhận",
        Performer.DESK: "Bộ phận Một cửa nơi tiếp nhận",
        Performer.DEPARTMENT: "Sở ngành",
        Performer.CITY: "UBND Thành phố",
    },
    "role": {
        Role.OFFICER: "Công chức",
        Role.DEPUTY: "Cấp phó",
        Role.HEAD: "Thủ trưởng đơn vị",
        Role.LEADER: "Lãnh đạo UBND Thành phố",
    },
}
# Short forms people type (compared by search key: lower case, without accents).
ALIASES: dict[str, dict[str, str]] = {
    "authority": {"cap xa": Authority.WARD, "xa": Authority.WARD, "so": Authority.DEPARTMENT},
    "time_unit": {"ngay": TimeUnit.WORKING_DAYS, "gio": TimeUnit.WORKING_HOURS},
    "performer": {"so": Performer.DEPARTMENT, "mot cua": Performer.DESK, "bo phan mot cua": Performer.DESK},
}


def choice_label(kind: str, code: object) -> str:
    """The text a coded cell is written with: the code's label, or the code where it has none."""
    return LABELS.get(kind, {}).get(str(code), str(code))


def choice_options(kind: str) -> tuple[str, ...]:
    """What a coded column offers (its drop-down list, and the list an error message gives)."""
    return tuple(choice_label(kind, code) for code in CHOICES[kind])


def _keys(kind: str) -> dict[str, str]:
    keys = {search_key(code): code for code in CHOICES[kind]}
    keys.update({search_key(label): str(code) for code, label in LABELS.get(kind, {}).items()})
    keys.update({alias: str(code) for alias, code in ALIASES.get(kind, {}).items()})
    return keys


def choice_code(kind: str, text: str) -> str | None:
    """The code a cell's text stands for (a label with or without accents, a short form, or the code
    itself), or None."""
    return _keys(kind).get(search_key(text))
