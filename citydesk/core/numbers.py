"""Numbers typed by people: the Vietnamese way ("1.234,5", "12,5") or the English way ("1234.5")."""

from __future__ import annotations

import math
import re
from typing import Any

from django.utils.translation import gettext as _

from citydesk.lib.text import nfc

_THOUSANDS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_THOUSANDS_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3}){2,}$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(raw: Any) -> float:
    """A number typed the Vietnamese way ("1.234,5", "12,5") or the English way ("1234.5").

    A dot followed by groups of exactly three digits and no comma ("1.234") is a thousands separator,
    as Vietnamese writes it. Raises ValueError with a message for the user.
    """
    if isinstance(raw, bool):
        raise ValueError(_("Enter a number."))
    if isinstance(raw, int | float):
        number = float(raw)
    else:
        text = nfc(str(raw or "")).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        text = text.replace("\u2212", "-")  # the minus sign the pages write
        text = text.removesuffix("%")
        if not text:
            raise ValueError(_("Enter a number."))
        if "," in text and "." in text:
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")
            else:
                text = text.replace(",", "")
        elif "," in text:
            text = text.replace(",", "") if _THOUSANDS_COMMA.match(text) else text.replace(",", ".")
        elif _THOUSANDS_DOT.match(text):
            text = text.replace(".", "")
        if not _NUMBER.match(text):
            raise ValueError(_("“%(v)s” is not a number.") % {"v": str(raw)[:40]})
        number = float(text)
    if math.isnan(number) or math.isinf(number):
        raise ValueError(_("Enter a finite number."))
    return number
