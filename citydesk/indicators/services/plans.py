"""Targets (kế hoạch): each change adds a revision; the newest one is in force, the others stay."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from citydesk.core.audit import audit_record
from citydesk.core.errors import NotAllowed
from citydesk.core.models import Organisation, User
from citydesk.core.powers import Power
from citydesk.core.services import authorize
from citydesk.indicators.models import Indicator, Plan
from citydesk.indicators.services.common import (
    PeriodArg,
    approver_scope,
    check_value,
    indicator_by_code,
    period_text,
    resolve_period,
    unit_by_code,
)
from citydesk.lib.text import nfc


def check_plan_period(indicator: Indicator, period_type: str, day: date) -> None:
    """A plan is set for the indicator's own periodicity or a coarser one (annual plan, quarterly and
    monthly breakdowns)."""
    from citydesk.indicators import periods

    periods.check_fits(indicator, period_type, day, derived=True)


def authorize_plan(user: User, unit: Organisation) -> Any:
    """Targets of a unit are set by those who approve its reports: the unit above it (the top unit sets
    its own). The refusal says what is missing for what, not only the power's name."""
    scope = approver_scope(unit)
    try:
        return authorize(user, Power.INDICATOR_APPROVE, scope)
    except NotAllowed as exc:
        if not user.is_authenticated or not user.is_active:
            raise
        raise NotAllowed(
            _(
                "You may not set the targets of %(unit)s: that needs the power to approve its indicator "
                "reports (“%(power)s”) in %(scope)s."
            )
            % {"unit": unit.name, "power": Power(Power.INDICATOR_APPROVE).label, "scope": scope.name},
            field=exc.field,
        ) from exc


def add_revision(
    *,
    user: User | None,
    indicator: Indicator,
    unit: Organisation,
    period_type: str,
    day: date,
    value: float,
    note: str,
) -> Plan:
    last = Plan.objects.filter(indicator=indicator, unit=unit, period_type=period_type, period=day).aggregate(
        n=Max("revision")
    )["n"]
    return Plan.objects.create(
        indicator=indicator,
        unit=unit,
        period_type=period_type,
        period=day,
        revision=(last or 0) + 1,
        value=value,
        note=note,
        created_by=user,
    )


@transaction.atomic
def plan_set(
    *, user: User, indicator_code: str, unit_code: str, period: PeriodArg, value: Any, note: str = ""
) -> Plan:
    """Set the target of an indicator for a unit and a period: a new revision, the old ones kept."""
    indicator = indicator_by_code(indicator_code)
    unit = unit_by_code(unit_code)
    actor = authorize_plan(user, unit)
    period_type, day = resolve_period(period)
    check_plan_period(indicator, period_type, day)
    number = check_value(indicator, value)
    note = nfc(note or "").strip()[:300]
    plan = add_revision(
        user=user, indicator=indicator, unit=unit, period_type=period_type, day=day, value=number, note=note
    )
    audit_record(
        actor=actor,
        action="indicator.plan_set",
        object_type="indicators.plan",
        object_id=plan.pk,
        after={
            "indicator": indicator.code,
            "unit": unit.code,
            "period": period_text(period_type, day),
            "revision": plan.revision,
            "value": number,
            "note": note,
        },
    )
    return plan


def plan_history(*, indicator_code: str, unit_code: str, period: PeriodArg) -> list[Plan]:
    """Every revision of a target, newest first."""
    indicator = indicator_by_code(indicator_code)
    unit = unit_by_code(unit_code)
    period_type, day = resolve_period(period)
    return list(
        Plan.objects.filter(indicator=indicator, unit=unit, period_type=period_type, period=day)
        .select_related("created_by")
        .order_by("-revision")
    )
