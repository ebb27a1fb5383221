"""Shared parsing and lookups of the indicator entry services."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.core.models import Membership, Organisation, User
from citydesk.core.numbers import parse_number as _parse_any
from citydesk.core.powers import Power, Role
from citydesk.core.services import holds_own
from citydesk.indicators import display
from citydesk.indicators.models import Indicator, IndicatorGroup, Periodicity, Source
from citydesk.lib.text import nfc

PeriodArg = str | tuple[str, date]

_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$")  # 1.234.567: dots between groups of three digits
_DIGITS = re.compile(r"^\d+$")
_VIETNAMESE = re.compile(r"^(\d{1,3}(\.\d{3})+|\d*),\d*$")  # 1.234,5 · 12,5 · ,5
_ENGLISH = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")  # 1,234.5 · 1,234,567
_NUMBER = re.compile(r"^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(raw: Any) -> float:
    """A value typed into an indicator's field or a CSV cell, read by one rule (the entry form's hint
    says it):

    - plain digits: "1234", "-5";
    - the Vietnamese way: a dot between thousands, a comma before the decimals ("1.234.567", "1.234,5",
      "12,5", "0,4");
    - a dot as the decimal mark only where it cannot be a thousands dot ("2.5", "3.14", "1234.567");
    - refused, saying how to write it: a single dot followed by exactly three digits ("1.234", "0.400":
      a thousand or a decimal?), and commas between thousands ("1,234.5", "1,234,567": the comma is the
      decimal mark here).

    Numbers (a spreadsheet's cells, the API's JSON) are taken as they are. Raises ValueError with a
    message for the user.
    """
    if isinstance(raw, bool) or not isinstance(raw, str):
        return _parse_any(raw)
    text = nfc(raw).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    text = text.replace("\u2212", "-").removesuffix("%")
    sign = text[:1] if text[:1] in "+-" else ""
    body = text[len(sign) :]
    shown = raw.strip()[:40]
    if "," in body:
        if _ENGLISH.match(body) and ("." in body or body.count(",") > 1):
            raise ValueError(
                _(
                    "“%(typed)s” is written with commas between thousands, but the comma is the decimal "
                    "mark here: write %(example)s (a dot between thousands, a comma before the decimals) "
                    "or plain digits."
                )
                % {"typed": shown, "example": sign + _swap_marks(body)}
            )
        if not _VIETNAMESE.match(body):
            raise ValueError(_("“%(v)s” is not a number.") % {"v": shown})
        whole, _comma, decimals = body.partition(",")
        body = whole.replace(".", "") + "." + decimals
    elif body.count(".") > 1:
        if not _GROUPED.match(body):
            raise ValueError(_("“%(v)s” is not a number.") % {"v": shown})
        body = body.replace(".", "")
    elif "." in body:
        whole, _dot, decimals = body.partition(".")
        if len(decimals) == 3 and _DIGITS.match(decimals) and 1 <= len(whole) <= 3 and _DIGITS.match(whole):
            raise ValueError(
                _(
                    "“%(typed)s” can be read two ways: write %(thousands)s for the whole number, or "
                    "%(decimal)s for the decimal (the comma is the decimal mark)."
                )
                % {
                    "typed": shown,
                    "thousands": sign + ((whole + decimals).lstrip("0") or "0"),
                    "decimal": sign + whole + "," + decimals,
                }
            )
    if not _NUMBER.match(body):
        if not body:
            raise ValueError(_("Enter a number."))
        raise ValueError(_("“%(v)s” is not a number.") % {"v": shown})
    return _parse_any(float(sign + body))


def _swap_marks(text: str) -> str:
    """ "1,234.5" written the Vietnamese way: "1.234,5"."""
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def check_value(indicator: Indicator, raw: Any) -> float:
    """The value normalised and checked against the indicator's type and bounds (DomainError "value")."""
    try:
        number = parse_number(raw)
    except ValueError as exc:
        raise DomainError(str(exc), field="value") from None
    if indicator.integer_only and number != int(number):
        raise DomainError(
            _("%(name)s takes whole numbers only.") % {"name": indicator.display_name}, field="value"
        )
    if indicator.min_value is not None and number < indicator.min_value:
        raise DomainError(
            _("The value must be at least %(min)s %(uom)s.")
            % {"min": display.exact(indicator.min_value, vietnamese=None), "uom": indicator.display_uom},
            field="value",
        )
    if indicator.max_value is not None and number > indicator.max_value:
        raise DomainError(
            _("The value must be at most %(max)s %(uom)s.")
            % {"max": display.exact(indicator.max_value, vietnamese=None), "uom": indicator.display_uom},
            field="value",
        )
    from citydesk.indicators.catalog import check_range

    # The bounds the catalog leaves unsaid: a percentage is 0 to 100, a count is never negative.
    return check_range(indicator, number)


def resolve_period(period: PeriodArg) -> tuple[str, date]:
    from citydesk.indicators import periods

    if isinstance(period, tuple):
        kind, day = period
        if kind not in Periodicity.values:
            raise DomainError(_("Unknown period type."), field="period")
        return kind, day
    try:
        return periods.parse_period(nfc(str(period or "")).strip())
    except DomainError:
        raise
    except (ValueError, TypeError):
        raise DomainError(
            _("Write the period as 03/2026 (month), Q2/2026 (quarter) or 2026 (year)."), field="period"
        ) from None


def period_text(period_type: str, day: date) -> str:
    from citydesk.indicators import periods

    return periods.period_key(period_type, day)


def indicator_by_code(code: str) -> Indicator:
    indicator = Indicator.objects.filter(code=nfc(str(code or "")).strip(), is_active=True).first()
    if indicator is None:
        raise NotFound(_("Unknown indicator “%(c)s”.") % {"c": code}, field="indicator")
    return indicator


def group_by_code(code: str) -> IndicatorGroup:
    group = IndicatorGroup.objects.filter(code=nfc(str(code or "")).strip()).first()
    if group is None:
        raise NotFound(_("Unknown indicator group “%(c)s”.") % {"c": code}, field="group")
    return group


def unit_by_code(code: str) -> Organisation:
    unit = Organisation.objects.filter(code=nfc(str(code or "")).strip(), is_active=True).first()
    if unit is None:
        raise NotFound(_("Unknown organisation code “%(code)s”.") % {"code": code}, field="unit")
    return unit


def check_enterable(indicator: Indicator) -> None:
    if indicator.source != Source.ENTRY:
        raise DomainError(
            _("%(code)s is computed (%(source)s) and is not entered by hand.")
            % {"code": indicator.code, "source": Source(indicator.source).label},
            field="indicator",
        )


def check_reports(indicator: Indicator, unit: Organisation) -> None:
    if not indicator.reporting_units.filter(pk=unit.pk).exists():
        raise NotAllowed(
            _("%(unit)s is not assigned to report %(code)s.") % {"unit": unit.name, "code": indicator.code},
            field="unit",
        )


def approver_scope(unit: Organisation) -> Organisation:
    """Reports of a unit are approved by the unit above it (the top unit approves its own)."""
    return unit.parent if unit.parent_id else unit


def is_leader_over(user: User, unit: Organisation) -> bool:
    return (
        user.is_active
        and Membership.objects.filter(
            user=user, is_active=True, role=Role.LEADER, organisation_id__in=unit.ancestor_ids()
        ).exists()
    )


def can_enter(user: User, unit: Organisation) -> bool:
    return user.is_authenticated and holds_own(user, Power.INDICATOR_ENTER, unit)
