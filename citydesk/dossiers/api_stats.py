"""REST API of the campaign dashboard and the targets: /api/v1/campaigns/{id}/stats, /api/v1/dossier-targets.

Read by unit heads (their units) and the city's leaders (every unit): the operations-center power.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from citydesk.api import AUTH
from citydesk.core.errors import NotFound
from citydesk.dossiers import stats
from citydesk.dossiers.models import Campaign

router = Router(tags=["dossiers"])


class StatsErrorOut(Schema):
    detail: str
    field: str | None = None


class CountsOut(Schema):
    received: int
    resolved_same_day: int
    resolved_later: int
    refused: int
    withdrawn: int
    pending: int
    pending_overdue: int  # of the pending, past the same-day due time (not waiting for the applicant)
    share_same_day: float | None  # same day ÷ (same day + later + pending_overdue), in %


class CampaignRowOut(CountsOut):
    unit: str
    procedure: str
    procedure_name: str


class CampaignUnitOut(CountsOut):
    unit: str
    unit_name: str


class CampaignProcedureOut(CountsOut):
    procedure: str
    procedure_name: str


class CampaignOut(Schema):
    id: int
    name: str
    start_date: date
    end_date: date
    is_active: bool
    procedures: list[str]
    units: list[str]


class CampaignStatsOut(Schema):
    campaign: CampaignOut
    rows: list[CampaignRowOut]
    units: list[CampaignUnitOut]
    procedures: list[CampaignProcedureOut]
    total: CountsOut


class ShareOut(Schema):
    """A share: `count` of `of`. on_time_share: finished early or on time ÷ (finished + open_overdue),
    as the national public service portal counts it."""

    actual: float | None
    target: float | None
    met: bool | None
    count: int
    of: int


class TargetRowOut(Schema):
    unit: str
    unit_name: str
    received: int
    finished: int
    open_overdue: int  # open past their due time in the period: not on time
    online_share: ShareOut
    on_time_share: ShareOut
    one_stop_share: ShareOut


class TargetsOut(Schema):
    year: int
    period: str
    rows: list[TargetRowOut]
    total: TargetRowOut | None


_REFUSALS = {400: StatsErrorOut, 401: StatsErrorOut, 403: StatsErrorOut, 404: StatsErrorOut}


@router.get("/campaigns/{campaign_id}/stats", response={200: CampaignStatsOut, **_REFUSALS}, auth=AUTH)
def campaign_stats(request: HttpRequest, campaign_id: int, unit: str = "") -> dict[str, Any]:
    """A same-day campaign's figures per unit × procedure, per unit, per procedure and overall."""
    scope = stats.reader_scope(request.user, stats.CAMPAIGN_READERS)
    campaign = stats.visible_campaigns(scope).filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(_("No campaign %(id)s among yours.") % {"id": campaign_id}, field="campaign_id")
    unit_id = None
    if unit:
        # A unit taken off the campaign that received dossiers under it is still one of its units here.
        code = unit.strip()
        unit_id = next((u.pk for u in stats.campaign_units(campaign, scope) if u.code == code), None)
        if unit_id is None:
            raise NotFound(_("Unit %(code)s is not in this campaign.") % {"code": unit}, field="unit")
    board = stats.campaign_dashboard(campaign, scope=scope, unit_id=unit_id)
    return {
        "campaign": _campaign_out(campaign),
        "rows": [
            {
                "unit": row.unit.code,
                "procedure": row.procedure.code,
                "procedure_name": row.procedure.name,
                **row.counts.as_dict(),
            }
            for block in board.units
            for row in block.rows
        ],
        "units": [{"unit": b.unit.code, "unit_name": b.unit.name, **b.total.as_dict()} for b in board.units],
        "procedures": [
            {"procedure": p.code, "procedure_name": p.name, **c.as_dict()} for p, c in board.procedures
        ],
        "total": board.total.as_dict(),
    }


def _campaign_out(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "start_date": campaign.start_date,
        "end_date": campaign.end_date,
        "is_active": campaign.is_active,
        "procedures": sorted(p.code for p in campaign.procedures.all()),
        "units": sorted(u.code for u in campaign.units.all()),
    }


@router.get("/dossier-targets", response={200: TargetsOut, **_REFUSALS}, auth=AUTH)
def dossier_targets(
    request: HttpRequest, unit: str = "", year: int | None = None, period: str = "year"
) -> dict:
    """Shares filed online, resolved on time and handled through the one-stop system, actual against
    the yearly targets, per unit (heads: their unit; leaders: every unit and the city total).
    `period`: year (default), q1–q4, or a month 1–12. on_time_share: finished early or on time ÷
    (finished + open_overdue, the dossiers still open past their due time in the period), as the national
    public service portal counts it."""
    scope = stats.reader_scope(request.user, stats.TARGET_READERS)
    # Only a missing year means this year: `year=0` is a year out of range (400 naming it), not this one.
    table = stats.target_table(
        scope=scope, year=timezone.localdate().year if year is None else year, period=period, unit_code=unit
    )
    return {
        "year": table.year,
        "period": table.period,
        "rows": [r.as_dict() for r in table.rows],
        "total": table.total.as_dict() if table.total is not None else None,
    }
