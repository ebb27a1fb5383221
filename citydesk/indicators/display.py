"""How the indicators are written for people: names and numbers in the reader's language.

- `localized(vi, en)` picks the English text when the active language is English and there is one; the
  names of groups and indicators (`name` / `name_en`), their units of measure and the exports' fixed sheet
  names all go through it (`IndicatorGroup.display_name`, `Indicator.display_name`,
  `Indicator.display_uom`), on the pages, in the Excel workbooks and in the PDF brief.
- `number(value, decimals)` writes every figure of the indicator pages (and of their Excel and PDF
  exports) the reader's way: "574.572,5" in Vietnamese, "574,572.5" in English, with the decimals the
  indicator declares (none for whole-number indicators) and one minus sign (−).
- `exact(value)` is a stored value as a form's input holds it: always the Vietnamese way, which the entry
  forms' parser reads without doubt ("1.234" is one thousand two hundred and thirty-four there).

Pure functions: no database.
"""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import get_language

MINUS = "\u2212"  # the one minus sign of the indicator pages (typed values may use "-" or "−")
DASH = "—"  # no value

# Units of measure of the catalog, in English. A unit not listed here keeps its Vietnamese text; a
# compound one ("giường/vạn dân") is translated part by part.
UOM_EN: dict[str, str] = {
    "%": "%",
    "ca": "cases",
    "chợ": "markets",
    "con": "head",
    "công trình": "structures",
    "căn hộ": "apartments",
    "doanh nghiệp": "enterprises",
    "dự án": "projects",
    "giường": "beds",
    "giấy phép": "permits",
    "ha": "ha",
    "học sinh": "pupils",
    "hồ sơ": "dossiers",
    "hộ": "households",
    "hộ kinh doanh": "household businesses",
    "lớp": "classes",
    "lượt": "times",
    "lượt khách": "visits",
    "m² sàn": "m² of floor space",
    "nghìn lượt": "thousand times",
    "nghìn tấn": "thousand tonnes",
    "ngày": "days",
    "người": "people",
    "phản ánh": "reports",
    "triệu USD": "million USD",
    "triệu kWh": "million kWh",
    "triệu lượt": "million times",
    "triệu đồng": "million VND",
    "tấn": "tonnes",
    "tỷ đồng": "billion VND",
    "vạn dân": "10,000 people",
    "vụ": "cases",
    "điểm": "spots",  # places (flooding spots), not score or percentage points
    "ổ dịch": "outbreaks",
    # The part after "/" of a compound unit: "per …".
    "/người": "person",
    "/lượt": "visit",
}


def is_english() -> bool:
    return (get_language() or "").lower().startswith("en")


def localized(vietnamese: str, english: str = "") -> str:
    """The English text when the page is in English and there is one, else the Vietnamese one."""
    return english if english and is_english() else vietnamese


def name_of(obj: Any) -> str:
    """A group's or an indicator's name in the reader's language (`name_en` when English and filled)."""
    return localized(getattr(obj, "name", "") or "", getattr(obj, "name_en", "") or "")


# English units that change for one: "1 structure", "2 structures" (Vietnamese nouns do not).
UOM_EN_ONE: dict[str, str] = {
    "cases": "case",
    "markets": "market",
    "structures": "structure",
    "apartments": "apartment",
    "enterprises": "enterprise",
    "projects": "project",
    "beds": "bed",
    "permits": "permit",
    "pupils": "pupil",
    "dossiers": "dossier",
    "households": "household",
    "household businesses": "household business",
    "classes": "class",
    "times": "time",
    "visits": "visit",
    "days": "day",
    "people": "person",
    "reports": "report",
    "tonnes": "tonne",
    "spots": "spot",
    "outbreaks": "outbreak",
}


def uom_of(obj_or_text: Any, value: float | None = None) -> str:
    """An indicator's unit of measure in the reader's language ("tỷ đồng" → "billion VND"); in English, the
    singular when it follows `value` 1 ("1 structure")."""
    text = obj_or_text if isinstance(obj_or_text, str) else getattr(obj_or_text, "unit_of_measure", "")
    text = (text or "").strip()
    if not text or not is_english():
        return text
    if text in UOM_EN:
        english = UOM_EN[text]
        return UOM_EN_ONE.get(english, english) if value is not None and abs(value) == 1 else english
    if "/" in text:
        head, _slash, tail = text.partition("/")
        head_en = UOM_EN.get(head.strip(), head.strip())
        tail_en = UOM_EN.get("/" + tail.strip()) or UOM_EN.get(tail.strip(), tail.strip())
        return f"{head_en} per {tail_en}"
    return text


def decimals_of(indicator: Any) -> int:
    """The decimals an indicator's figures are written with: none for whole numbers."""
    if getattr(indicator, "integer_only", False):
        return 0
    return max(0, int(getattr(indicator, "decimals", 1) or 0))


def separators(*, vietnamese: bool | None = None) -> tuple[str, str]:
    """(thousands, decimal) separators of the reader's language (or of Vietnamese when asked)."""
    if vietnamese is None:
        vietnamese = not is_english()
    return (".", ",") if vietnamese else (",", ".")


def number(
    value: float | None, decimals: int = 1, *, signed: bool = False, vietnamese: bool | None = None
) -> str:
    """1234.5 → "1.234,5" in Vietnamese, "1,234.5" in English; -3.75 → "−3,8" / "−3.8" (one decimal);
    `signed` puts "+" before a positive value; `vietnamese=True` writes the Vietnamese way whatever the
    page's language.

    A value that rounds to zero has no sign; no value is "—"."""
    if value is None:
        return DASH
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return DASH
    decimals = max(0, int(decimals))
    thousands, point = separators(vietnamese=vietnamese)
    text = f"{abs(value):,.{decimals}f}"
    text = text.replace(",", "\x00").replace(".", point).replace("\x00", thousands)
    if not any(ch in "123456789" for ch in text):
        return text  # rounds to zero: no sign
    if value < 0:
        return MINUS + text
    return f"+{text}" if signed else text


def exact(value: float | None, *, vietnamese: bool | None = True) -> str:
    """A stored value written without rounding it. By default the Vietnamese way, as a form's input holds
    it (saving the form again must not change it); `vietnamese=None` writes it the reader's way (a
    message quoting a bound)."""
    if value is None:
        return ""
    value = float(value)
    if value == int(value) and abs(value) < 1e15:
        return number(value, 0, vietnamese=vietnamese)
    digits = repr(abs(value))
    if "e" in digits or "E" in digits:
        digits = f"{abs(value):.12f}".rstrip("0")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    text = number(value, min(decimals, 12), vietnamese=vietnamese)
    point = separators(vietnamese=vietnamese)[1]
    return text.rstrip("0").rstrip(point) if point in text else text


def percent(value: float | None, *, signed: bool = True) -> str:
    """A percentage with one decimal: "+9,8%", "−3,8%", "95,0%" ("+9.8%" in English); no value is "—"."""
    if value is None:
        return DASH
    text = number(value, 1, signed=signed)
    return text if text == DASH else f"{text}%"
