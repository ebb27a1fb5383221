"""REST endpoints of the citizen in the app: their own reports (the web's “Your reports”, /cua-toi/phan-anh/),
the reports they follow, and their answer to the unit's question (the tracking page's reply form)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from citydesk.api import AUTH, REPLAYED_HEADER, idempotency_key
from citydesk.reports import acting, selectors, services
from citydesk.reports.api import (
    IDEMPOTENCY_HEADER,
    REPLAY_RESPONSE_HEADERS,
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
from citydesk.reports.services.citizen import followed_reports, rating_open

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


def _report_summary(report: Report, now: datetime) -> dict:
    """What the citizen's lists (sent, followed) say of a report."""
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
        "resolved_at": report.resolved_at,
    }


def _my_report(report: Report, now: datetime) -> dict:
    try:
        rating = report.rating
    except ObjectDoesNotExist:
        rating = None
    return {
        **_report_summary(report, now),
        "awaiting_reply": report.paused_at is not None and report.is_open,
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


# --- The reports the citizen follows -----------------------------------------------------------------


class FollowedReportOut(Schema):
    code: str
    category: str
    category_name: str
    status: str
    status_label: str = Field(description="As the web says it: a merged report reads as merged.")
    duplicate_of: str | None = Field(
        None, description="The report this one was merged into (its updates come from there: follow it)."
    )
    unit_name: str
    created_at: LocalDatetime
    updated_at: LocalDatetime
    due_at: LocalDatetime | None
    overdue: bool
    resolved_at: LocalDatetime | None
    followed_at: LocalDatetime = Field(description="When the account (or its e-mail or phone) followed it.")


class FollowedReportsOut(Schema):
    count: int
    page: int
    pages: int
    items: list[FollowedReportOut]


def _followed_report(report: Report, now: datetime) -> dict:
    return {
        **_report_summary(report, now),
        "followed_at": report.followed_at,  # type: ignore[attr-defined]  # annotated by the query
    }


@router.get(
    "/me/follows",
    response=FollowedReportsOut,
    auth=AUTH,
    openapi_extra={"responses": {404: _error_response("A page past the last one (`field`: page).")}},
)
def my_follows(
    request: HttpRequest,
    page: int = Query(1, ge=1),
    page_size: int = Query(50, ge=1, le=200),
) -> dict:
    """The reports this account follows (`POST /reports/{code}/follow`: as the account, or with its own
    e-mail address or phone number), the latest followed first, paged as `GET /me/reports` (a page past
    the last one: 404 naming `page`). The reports it sent are not among them (`GET /me/reports`), nor
    those no longer shown to the public (rejected as spam). Stop one: `DELETE /reports/{code}/follow`.
    The full report: `GET /reports/{code}`."""
    paginator = Paginator(followed_reports(request.user), page_size)
    result = selectors.page_or_not_found(paginator, page)
    now = timezone.now()
    return {
        "count": paginator.count,
        "page": result.number,
        "pages": paginator.num_pages,
        "items": [_followed_report(r, now) for r in result.object_list],
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
    "parameters": [IDEMPOTENCY_HEADER],
    "responses": {
        200: {"headers": REPLAY_RESPONSE_HEADERS},
        401: _error_response("The bearer token sent is not valid."),
        403: _error_response(
            "Not the reporter (a report the caller may not read: 404), or a signed-in session without its "
            "CSRF token."
        ),
        422: _error_response("The Idempotency-Key was already used for a different answer."),
    },
}


@router.post("/reports/{code}/reply", response=ReportOut, auth=None, openapi_extra=_REPLY_REFUSALS)
def reporter_reply(request: HttpRequest, response: HttpResponse, code: str, payload: ReplyIn) -> dict:
    """The reporter answers the unit's question, as the tracking page's reply form does: the answer goes
    to the handling unit (internal, with a notice to the assignee), and a report waiting for it (paused,
    `awaiting_reply`) has its clock started again. Only the reporter: signed in (bearer token, or the
    session with its CSRF token) or with the report's `token`; anyone else is refused as for a rating
    (404 for a report they may not read, 403 otherwise). A merged, closed or rejected report takes no
    answer (409, `field: "text"`); an empty answer is refused (400, `field: "text"`). The answer takes no
    file: a photo goes to `POST /reports/{code}/attachments`. The answer is the report, as its reporter
    sees it. With an `Idempotency-Key` header, the same answer sent again is stored once: the retry
    gets the report with `Idempotent-Replayed: true`; the same key with another text, 422."""
    user = _optional_user(request)
    key = idempotency_key(request)
    with _unseen_is_not_found(user, code, payload.token):
        reply = services.report_reply(
            code=code.strip().upper(),
            text=payload.text,
            channel=Channel.APP,
            user=user,
            token=payload.token,
            idempotency_key=key,
            takes_files=False,
        )
    if not reply.created:
        response[REPLAYED_HEADER] = "true"
    report = _get(code)
    return _out(
        report,
        view=_viewer(user, report, payload.token),
        powers=acting.PowerCheck(user),
        token=payload.token,
    )
