"""REST endpoints of the reporter in the citizen app: their own reports (the web's “Your reports”,
/cua-toi/phan-anh/) and their answer to the unit's question (the tracking page's reply form)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from citydesk.api import AUTH
from citydesk.reports import acting, selectors, services
from citydesk.reports.api import (
    LocalDatetime,
    ReportOut,
    _error_response,
    _get,
    _optional_user,
    _out,
    _unseen_is_not_found,
    _viewer,
)
from citydesk.reports.forms import category_label
from citydesk.reports.models import Channel, Report
from citydesk.reports.models import Status as ReportStatus
from citydesk.reports.services.citizen import rating_open

router = Router(tags=["reports"])


# --- The reporter's own reports -------------------------------------------------------------------


class MyReportOut(Schema):
    code: str
    category: str
    category_name: str
    status: str
    status_label: str = Field(description="As the web list says it: a merged report reads as merged.")
    duplicate_of: str | None = Field(None, description="The report this one was merged into.")
    unit_name: str
    created_at: LocalDatetime
    updated_at: LocalDatetime
    due_at: LocalDatetime | None
    overdue: bool
    awaiting_reply: bool = Field(
        description="The unit asked the reporter something and waits for the answer (`POST "
        "/reports/{code}/reply`); its clock is stopped meanwhile."
    )
    resolved_at: LocalDatetime | None
    rating_open: bool = Field(description="The reporter may rate the handling now (`POST …/rating`).")


class MyReportsOut(Schema):
    count: int
    page: int
    pages: int
    items: list[MyReportOut]


def _my_report(report: Report, now: datetime) -> dict:
    try:
        rating = report.rating
    except ObjectDoesNotExist:
        rating = None
    merged = report.duplicate_of_id is not None
    return {
        "code": report.code,
        "category": report.category.code,
        "category_name": category_label(report.category),
        "status": report.status,
        "status_label": _("Merged as a duplicate") if merged else str(ReportStatus(report.status).label),
        "duplicate_of": report.duplicate_of.code if merged else None,
        "unit_name": report.unit.name,
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "due_at": report.due_at,
        "overdue": report.is_overdue(now),
        "awaiting_reply": report.paused_at is not None and report.is_open,
        "resolved_at": report.resolved_at,
        "rating_open": rating_open(report, rating),
    }


@router.get("/me/reports", response=MyReportsOut, auth=AUTH)
def my_reports(
    request: HttpRequest,
    page: int = Query(1, ge=1),
    page_size: int = Query(50, ge=1, le=200),
) -> dict:
    """The reports I sent from this account (signed in in the app, or from the web), newest first, as the
    web's “Your reports” lists them; a page past the last one is refused (404 naming `page`). The full
    report: `GET /reports/{code}`."""
    paginator = Paginator(selectors.own_reports(request.user), page_size)
    result = selectors.page_or_not_found(paginator, page)
    now = timezone.now()
    return {
        "count": paginator.count,
        "page": result.number,
        "pages": paginator.num_pages,
        "items": [_my_report(r, now) for r in result.object_list],
    }


# --- The reporter's answer ------------------------------------------------------------------------


class ReplyIn(Schema):
    text: str = Field(description="The answer to the unit's question (at most 4,000 characters).")
    token: str = Field(
        "", description="The report's citizen token (`citizen_token`); not needed signed in as its reporter."
    )


# What the operation's shape does not tell (it takes no authentication of its own): a bearer token sent
# and invalid, and someone who is not the reporter.
_REPLY_REFUSALS = {
    "responses": {
        401: _error_response("The bearer token sent is not valid."),
        403: _error_response(
            "Not the reporter (a report the caller may not read: 404), or a signed-in session without its "
            "CSRF token."
        ),
    }
}


@router.post("/reports/{code}/reply", response=ReportOut, auth=None, openapi_extra=_REPLY_REFUSALS)
def reporter_reply(request: HttpRequest, code: str, payload: ReplyIn) -> dict:
    """The reporter answers the unit's question, as the tracking page's reply form does: the answer goes
    to the handling unit (internal, with a notice to the assignee), and a report waiting for it (paused,
    `awaiting_reply`) has its clock started again. Only the reporter: signed in (bearer token, or the
    session with its CSRF token) or with the report's `token`; anyone else is refused as for a rating
    (404 for a report they may not read, 403 otherwise). A merged, closed or rejected report takes no
    answer (409, `field: "text"`); an empty answer is refused (400, `field: "text"`). The answer is the
    report, as its reporter sees it."""
    user = _optional_user(request)
    with _unseen_is_not_found(user, code, payload.token):
        services.report_reply(
            code=code.strip().upper(),
            text=payload.text,
            channel=Channel.APP,
            user=user,
            token=payload.token,
        )
    report = _get(code)
    return _out(report, view=_viewer(user, report, payload.token), powers=acting.PowerCheck(user))
