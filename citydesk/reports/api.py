"""REST API of the 1022 system under /api/v1/reports (the citizen app, partner systems, officers)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Annotated, cast
from urllib.parse import urlencode

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, UploadedFile
from ninja.responses import Status
from ninja.utils import check_csrf
from pydantic import AfterValidator, Field

from citydesk.api import AUTH, IDEMPOTENCY_PARAMETER, REPLAYED_HEADER, BodyIn, idempotency_key
from citydesk.core.access import record_case_access
from citydesk.core.audit import Actor
from citydesk.core.errors import DomainError, DomainErrors, NotAllowed, NotAuthenticated, NotFound
from citydesk.core.models import User
from citydesk.core.powers import Power
from citydesk.core.services import api_token_user, authorize
from citydesk.core.units import typed_ward
from citydesk.core.validators import QUESTION_TYPES
from citydesk.reports import acting, selectors, services
from citydesk.reports.attachments import attachment_add_once, is_unit_file
from citydesk.reports.duplicates import find_candidates, find_in_ward
from citydesk.reports.forms import category_label
from citydesk.reports.models import Attachment, Channel, Rating, Report, ReportEvent, number_public_files
from citydesk.reports.models import Status as ReportStatus
from citydesk.reports.services import citizen as citizen_services
from citydesk.reports.services.common import reopen_until
from citydesk.reports.services.intake import ReportsLimited, valid_email
from citydesk.reports.services.replies import reply_refusal

router = Router(tags=["reports"])


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


# Every time this API gives is ISO 8601 in the city's time (Asia/Ho_Chi_Minh, +07:00), whatever the
# database or the calendar handed over (UTC from the database, local from deadline computations).
LocalDatetime = Annotated[datetime, AfterValidator(_local)]
# Figures are asked for years the service has data for, with room on both sides (no 0001 or 9999).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _optional_user(request: HttpRequest) -> User | None:
    """The caller if a token or a session identifies them; anonymous citizens may report too.

    A session rides along with any request the browser sends, a forged one from another site included:
    a write by the session user must pass Django's CSRF check (403), as the endpoints that require
    authentication do (`CsrfSessionAuth`). Bearer tokens and anonymous callers carry no such risk."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = api_token_user(header[7:].strip())
        if user is None:
            raise NotAuthenticated(_("The bearer token is not valid."))
        return user
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if request.method not in ("GET", "HEAD", "OPTIONS") and check_csrf(request) is not None:
        raise NotAllowed(_("The CSRF check failed: reload the page and try again."))
    return user


@contextmanager
def _unseen_is_not_found(user: User | None, code: str, token: str = "") -> Iterator[None]:
    """A refusal (403) to a caller who may not read the report either becomes the same 404 as
    `GET /reports/{code}`: “no power … in UBND Phường Bến Thành” would tell that a private report exists
    and which unit handles it. A caller who may read it keeps the refusal that says why."""
    try:
        yield
    except NotAllowed:
        report = selectors.report_for_page(code.strip().upper())
        if report is not None and (report.shown_to_public or _viewer(user, report, token) != PUBLIC):
            raise
        raise NotFound(_("No report %(code)s.") % {"code": code}, field="code") from None


def _error_response(description: str) -> dict:
    """A refusal an operation's shape does not tell, with the API's one error body (`Error`)."""
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {"description": description, "content": content}


# --- Schemas --------------------------------------------------------------------------------------


class ReportIn(BodyIn):
    category: str
    description: str
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    ward_code: str | None = None
    # The province of an address given without its commune/ward (a ward or a point decides it otherwise).
    province_code: str | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    show_name_publicly: bool = False
    is_public: bool = True
    answers: dict = {}
    channel: str | None = Field(
        None,
        description="`app` (default) or `web`; `hotline` for an operator or officer entering a caller's "
        "report (signed in).",
        json_schema_extra={"enum": [Channel.APP, Channel.WEB, Channel.HOTLINE, None]},
    )


class ReportEventOut(Schema):
    at: LocalDatetime
    kind: str
    from_status: str
    to_status: str
    note: str
    actor: str | None = None
    right: str | None = None


class AttachmentOut(Schema):
    id: int
    name: str = Field(
        description="The name the file came with, for the handling unit and the reporter; others read a "
        "neutral one (“Ảnh 1.jpg”), as the name often says who sent it."
    )
    content_type: str
    public_url: str | None = Field(
        description="A photo's copy without metadata (no GPS, no camera): of a public photo, for whoever may "
        "read the report (on a report that is not public: its reporter and the handling unit); of the "
        "reporter's own photos that are not public (sent with an answer), for the reporter too. The "
        "reporter's URL carries their `token` when they read the report with it. Null for a PDF (it has "
        "no such copy) and, for the handling unit, for an internal photo (see `private_url`)."
    )
    private_url: str | None = Field(
        None,
        description="The file as it was sent (`…/original`): the handling unit, for every file; the "
        "reporter, for their own PDF files (a photo's original keeps its metadata: the reporter opens "
        "its `public_url`). Null for anyone else.",
    )


class ReportFieldsOut(Schema):
    """What a report says in every list and view of it (`ReportOut`, the queue's `ReportQueueItemOut`)."""

    code: str
    category: str
    category_name: str
    status: str
    status_label: str
    description: str
    lon: float | None
    lat: float | None
    address: str
    ward_code: str | None
    unit_code: str
    unit_name: str
    created_at: LocalDatetime
    updated_at: LocalDatetime
    due_at: LocalDatetime | None
    overdue: bool
    resolution: str
    reject_reason: str
    duplicate_of: str | None
    reporter_name: str | None = Field(
        description="The reporter's name: for the handling unit and the reporter; for others only when the "
        "reporter asked for it to be shown. Null when not shown to the caller or not given."
    )
    version: int
    # Private fields: only for the handling unit and the reporter; null for others, and when not given.
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    answers: dict | None = None  # answers to the category's questions (see GET /categories), by code
    assignee: str | None = None  # the handling unit only
    channel: str | None = Field(
        None,
        description="How the report came in (`web`, `app`, `hotline`, …): the handling unit and the reporter.",
    )
    near_boundary: bool | None = None  # the handling unit only
    allowed_actions: list[str] | None = Field(
        None,
        description="What the caller may do now. The handling unit: the workflow moves of `POST "
        "/reports/{code}/actions` their powers allow. The reporter: among `reply` (`POST …/reply`), `rate` "
        "(`POST …/rating`) and `reopen` (an unsatisfied rating with `reopen: true`), as the tracking page "
        "offers them. Null for anyone else.",
    )


class ReportRatingOut(Schema):
    level: str = Field(json_schema_extra={"enum": list(Rating.Level.values)})
    level_label: str
    rated_at: LocalDatetime
    comment: str | None = Field(
        None, description="The reporter's comment: for the handling unit and the reporter only (else null)."
    )


class ReportOut(ReportFieldsOut):
    events: list[ReportEventOut] = []
    attachments: list[AttachmentOut] = []
    rating: ReportRatingOut | None = Field(
        None,
        description="The reporter's rating of the latest resolution (null before it is rated, and once it is "
        "resolved again after a reopening).",
    )
    rating_open: bool | None = Field(
        None,
        description="The reporter may rate the handling now (`POST …/rating`): for the reporter and the handling "
        "unit; null for others.",
    )


class ReportQueueItemOut(ReportFieldsOut):
    """A report in the officer's queue: no history and no files (`GET /reports/{code}` has them)."""

    attachment_count: int = Field(
        description="How many files the report has (the reporter's and the unit's)."
    )


class ReportCreatedOut(ReportOut):
    citizen_token: str
    acknowledged: bool = Field(
        description="An acknowledgement with the private tracking link went to the reporter: to "
        "`contact_email`, else `contact_phone` (SMS), and to the account signed in; that address receives "
        "the report's updates too. False without an address, or when the address given without an account "
        "already received its acknowledgements for the day (CITYDESK_REPORT_ACKS_PER_CONTACT_PER_DAY, 5 by "
        "default): the report is stored and handled, but nothing is sent there. Keep `citizen_token`: it "
        "opens the report's tracking page."
    )


PUBLIC, REPORTER, HANDLER = "public", "reporter", "handler"


def _viewer(user: User | None, report: Report, token: str = "") -> str:
    """Who is looking: the handling unit (everything), the reporter (their own contact details and the
    public history: no internal notes, no officer names, no officers' actions), or anyone (public)."""
    if selectors.handles(user, report):
        return HANDLER
    if (token and token == report.citizen_token) or (
        user is not None and user.is_authenticated and report.reporter_id == user.pk
    ):
        return REPORTER
    return PUBLIC


_UNKNOWN = object()  # a report's rating not yet read


def _rating_of(report: Report) -> Rating | None:
    try:
        return report.rating
    except ObjectDoesNotExist:
        return None


def reporter_actions(report: Report, rating: Rating | None, now: datetime) -> list[str]:
    """What the reporter may do on their report now, by the tracking page's rules: `reply` (not merged,
    closed or rejected), `rate` (a resolution not rated yet) and `reopen` (rating it unsatisfied, within
    CITYDESK_REOPEN_DAYS of the resolution). Following is not offered: the reporter gets the updates."""
    actions = []
    if not reply_refusal(report):
        actions.append("reply")
    if citizen_services.rating_open(report, rating):
        actions.append("rate")
        until = reopen_until(report)
        if until is not None and now <= until:
            actions.append("reopen")
    return actions


def _none_if_empty(value: str | None) -> str | None:
    """Not given reads null, in every view and list (never "" in one and null in another)."""
    return value or None


def _contact_of(report: Report) -> tuple[str, str, str]:
    """(name, phone, e-mail) of the reporter: those given with the report, each missing one taken from the
    account it was sent from, as the web form fills them in for a signed-in citizen (an app's report sent
    before the API filled them in too). Only when the account was read with the report (`report_for_page`):
    a list does not read an account per row."""
    name, phone, email = report.contact_name, report.contact_phone, report.contact_email
    if report.reporter_id and Report.reporter.is_cached(report) and report.reporter is not None:
        account = report.reporter
        name, phone, email = name or account.full_name, phone or account.phone, email or account.email
    return name, phone, email


def _fields(report: Report, *, view: str, powers: acting.PowerCheck | None, now: datetime) -> dict:
    """The fields of `ReportFieldsOut` for `view` (PUBLIC, REPORTER or HANDLER)."""
    handler = view == HANDLER
    contact = view in (HANDLER, REPORTER)
    contact_name, contact_phone, contact_email = _contact_of(report)
    if contact:
        name = contact_name
    elif report.show_name_publicly and not report.contact_name:  # the account's name, as asked
        from citydesk.lib.privacy import hide_contacts

        name = hide_contacts(contact_name)
    else:
        name = report.public_reporter_name
    data = dict(
        code=report.code,
        category=report.category.code,
        category_name=category_label(report.category),
        status=report.status,
        # A merged report reads as merged, as on the tracking page and in `GET /me/reports` (its status
        # is "rejected" underneath).
        status_label=_("Merged as a duplicate")
        if report.duplicate_of_id
        else str(ReportStatus(report.status).label),
        description=report.description if contact else report.public_description,
        lon=report.lon,
        lat=report.lat,
        address=report.address if contact else report.public_address,
        ward_code=report.ward_id,
        unit_code=report.unit.code,
        unit_name=report.unit.name,
        created_at=report.created_at,
        updated_at=report.updated_at,
        due_at=report.due_at,
        overdue=report.is_overdue(now),
        resolution=report.resolution if contact else report.public_resolution,
        reject_reason=report.reject_reason,
        duplicate_of=report.duplicate_of.code if report.duplicate_of_id else None,
        reporter_name=_none_if_empty(name),
        version=report.version,
    )
    if contact:  # never to the public, not even masked: "show my name" is about the name only
        data.update(
            contact_name=_none_if_empty(contact_name),
            contact_phone=_none_if_empty(contact_phone),
            contact_email=_none_if_empty(contact_email),
            answers=report.answers or {},
            channel=report.channel,
        )
    if handler:
        data.update(
            assignee=report.assignee.username if report.assignee_id else None,
            near_boundary=report.near_boundary,
            allowed_actions=acting.actions_open_to(report, powers) if powers is not None else [],
        )
    return data


def file_visible(report: Report, attachment: Attachment, view: str) -> bool:
    """Is the file listed for (and served to) `view`? The handling unit: every file. The reporter: their
    own (photos, PDF files, those sent with an answer) and the unit's public ones. Anyone: the public ones
    (of a report shown to the public)."""
    if view == HANDLER:
        return True
    if view == REPORTER:
        return attachment.public or not is_unit_file(report, attachment)
    return attachment.public


def _attachment_out(
    report: Report, attachment: Attachment, *, view: str, token: str = "", name: str | None = None
) -> AttachmentOut:
    """A file as `view` reads it (see `AttachmentOut`), with URLs that open for that reader: a reporter
    who read the report with their `token` gets it in the URLs (a signed-in one needs none)."""
    base = f"/api/v1/reports/{report.code}/attachments/{attachment.pk}"
    query = f"?{urlencode({'token': token})}" if view == REPORTER and token else ""
    own = view == REPORTER and not is_unit_file(report, attachment)
    copy = bool(attachment.public_file) and (attachment.public or own)
    original = view == HANDLER or (own and not attachment.public_file)
    return AttachmentOut(
        id=attachment.pk,
        name=name if name is not None else attachment.original_name,
        content_type=attachment.content_type,
        public_url=f"{base}/public{query}" if copy else None,
        private_url=f"{base}/original{query}" if original else None,
    )


def _reporters_token(report: Report, token: str) -> str:
    """The citizen token to put in a reporter's file URLs: theirs when they came with it."""
    return token if token and report.citizen_token and token == report.citizen_token else ""


def _out(
    report: Report,
    *,
    view: str,
    powers: acting.PowerCheck | None = None,
    known_events: list[ReportEvent] | None = None,
    known_attachments: list[Attachment] | None = None,
    known_rating: Rating | object | None = _UNKNOWN,
    token: str = "",
) -> dict:
    """The API view of a report for `view` (PUBLIC, REPORTER or HANDLER); `known_*` are its
    events/attachments/rating when already in hand. A handler's view lists in `allowed_actions` the moves
    the user whose `powers` are checked may make now (none without it); the reporter's, what they may do
    as the tracking page offers it (`reporter_actions`). `token`: the citizen token the reporter came
    with, carried in their file URLs."""
    now = timezone.now()
    handler = view == HANDLER
    contact = view in (HANDLER, REPORTER)
    events = []
    levels = selectors.rating_level_labels() if not contact else set()
    for e in report.events.all() if known_events is None else known_events:
        # The reporter reads their own answers too, as on the tracking page (they are not public).
        if e.public or handler or (view == REPORTER and e.kind == ReportEvent.Kind.REPLY):
            events.append(
                ReportEventOut(
                    at=e.at,
                    kind=e.kind,
                    from_status=e.from_status,
                    to_status=e.to_status,
                    note=selectors.event_note_for(e, sees_comment=contact, levels=levels),
                    actor=selectors.event_actor(e) if handler else None,
                    right=e.right if handler else None,
                )
            )
    files = list(report.attachments.all() if known_attachments is None else known_attachments)
    number_public_files(files)
    token = _reporters_token(report, token)
    attachments = [
        # The name it came with often names its sender: the public reads "Ảnh 1.jpg".
        _attachment_out(report, a, view=view, token=token, name=a.original_name if contact else a.public_name)
        for a in files
        if file_visible(report, a, view)
    ]
    rating = _rating_of(report) if known_rating is _UNKNOWN else cast(Rating | None, known_rating)
    # A rating of an earlier resolution (reopened and resolved again since) is in the history only.
    shown = None if citizen_services.rating_superseded(report, rating) else rating
    data = _fields(report, view=view, powers=powers, now=now)
    data.update(
        events=events,
        attachments=attachments,
        rating=ReportRatingOut(
            level=shown.level,
            level_label=str(Rating.Level(shown.level).label),
            rated_at=shown.created_at,
            comment=(shown.comment or None) if contact else None,
        )
        if shown is not None
        else None,
        rating_open=citizen_services.rating_open(report, rating) if contact else None,
    )
    if view == REPORTER:
        data["allowed_actions"] = reporter_actions(report, rating, now)
    return data


def _handler_out(request: HttpRequest, code: str) -> dict:
    """The report after an officer's move, as its handler sees it, with what they may do next."""
    return _out(_get(code), view=HANDLER, powers=acting.PowerCheck(request.user))


def _get(code: str) -> Report:
    report = selectors.report_for_page(code.strip().upper())
    if report is None:
        raise NotFound(_("No report %(code)s.") % {"code": code}, field="code")
    return report


# --- Intake and reading ---------------------------------------------------------------------------


_CREATE_REFUSALS = {
    "responses": {
        429: {
            **_error_response(
                "Too many reports from this network address within the hour (callers who are not staff): "
                "nothing was stored. `Retry-After` says in how many seconds the next one is taken."
            ),
            "headers": {
                "Retry-After": {
                    "description": "Seconds until a report from this network address is taken again.",
                    "schema": {"type": "integer"},
                }
            },
        }
    }
}


def too_many_reports(request: HttpRequest, exc: ReportsLimited) -> HttpResponse:
    """The 429 of `ReportsLimited`, with the API's error body and `Retry-After`."""
    from citydesk.api import api

    body: dict[str, object] = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    answer = api.create_response(request, body, status=exc.status)
    answer["Retry-After"] = str(exc.retry_after)
    return answer


def _account_contact(user: User, payload: ReportIn) -> tuple[str, str, str]:
    """(name, phone, e-mail) of a report sent from a citizen's account: those given, each left empty
    taken from the account, as the web form fills them in for a signed-in citizen (the handling unit
    reads who reported it; the name shows when `show_name_publicly`). An account's phone stored in an
    old form the intake would refuse is left out, not refused in a field the caller did not send."""
    name = payload.contact_name or (user.full_name or "")[: Report._meta.get_field("contact_name").max_length]
    email = payload.contact_email
    if not email and user.email:
        try:
            email = valid_email(user.email)
        except DomainError:
            email = ""
    phone = payload.contact_phone
    if not phone and user.phone:
        try:
            phone = services.normalize_phone(user.phone)
        except DomainError:
            phone = ""
    return name, phone, email


@router.post(
    "/reports",
    response={201: ReportCreatedOut, 200: ReportCreatedOut},
    auth=None,
    openapi_extra=_CREATE_REFUSALS,
)
def report_create(request: HttpRequest, payload: ReportIn, response: HttpResponse) -> Status | HttpResponse:
    """Submit a report. Anonymous or authenticated; `Idempotency-Key` makes retries safe.

    An operator or officer entering a caller's report uses channel `hotline`; the caller's contact goes in
    the contact fields. Signed in as a citizen, the contact fields left empty are the account's (its
    name, e-mail and phone), as the web form fills them in.

    Callers who are not staff (anonymous, or a citizen's account) send at most
    CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR reports (30 by default) an hour from one network address (an
    IPv6 /64): past it, 429 with `Retry-After`, and nothing is stored. An e-mail address or phone number
    given without an account receives at most CITYDESK_REPORT_ACKS_PER_CONTACT_PER_DAY acknowledgements
    a day: past it the report is still taken (`acknowledged: false`), nothing is sent there.

    A retry with the same `Idempotency-Key` and the same body (every field, contact details and answers
    included) answers 200 with the first report and its `citizen_token`, from any network address (a
    phone moving from Wi-Fi to 4G gets its report back, not a second one); signed in, only to the same
    account. The same key with any field different answers 422 and tells nothing of the first report: a
    replay hands over only a report whose every detail the caller sent. Use a new random key (a UUID)
    for each new report.
    """
    user = _optional_user(request)
    channel = payload.channel or Channel.APP
    entered_by = None
    reporter = user
    contact_name, contact_phone, contact_email = (
        payload.contact_name,
        payload.contact_phone,
        payload.contact_email,
    )
    if channel == Channel.HOTLINE:
        if user is None:
            raise NotAllowed(
                _("Only hotline operators and officers enter reports for callers."), field="channel"
            )
        entered_by, reporter = user, None
    elif channel not in (Channel.APP, Channel.WEB):
        raise DomainError(_("Channel “%(c)s” cannot be used here.") % {"c": channel}, field="channel")
    elif user is not None:
        contact_name, contact_phone, contact_email = _account_contact(user, payload)
    key = idempotency_key(request)  # refused when too long: cut, two keys would be one
    # Not the network address: a retry comes from wherever the phone is now. The first report is handed
    # back only for the same body (`services.intake._same_request`), which holds its every detail.
    scope = f"user:{user.pk}" if user else "anon"
    try:
        intake = services.report_submit(
            category=payload.category,
            description=payload.description,
            channel=channel,
            lon=payload.lon,
            lat=payload.lat,
            address=payload.address,
            ward_code=payload.ward_code,
            province_code=payload.province_code,
            contact_name=contact_name,
            contact_phone=contact_phone,
            contact_email=contact_email,
            show_name_publicly=payload.show_name_publicly,
            is_public=payload.is_public,
            answers=payload.answers,
            reporter=reporter,
            entered_by=entered_by,
            idempotency_scope=scope,
            idempotency_key=key,
            network_address=request.META.get("REMOTE_ADDR", ""),
        )
    except ReportsLimited as exc:
        return too_many_reports(request, exc)
    report = intake.report  # already in hand: no re-read (it was a third of the intake time)
    view = HANDLER if selectors.handles(user, report) else REPORTER  # the caller made it, or entered it
    powers = acting.PowerCheck(user)
    if intake.created:  # a new report: its events are in hand and it has no attachments yet
        body = _out(
            report,
            view=view,
            powers=powers,
            known_events=intake.events,
            known_attachments=[],
            known_rating=None,
        )
    else:
        body = _out(report, view=view, powers=powers, token=report.citizen_token)
    body["citizen_token"] = report.citizen_token
    body["acknowledged"] = intake.acknowledged
    if not intake.created:
        response[REPLAYED_HEADER] = "true"
    return Status(201 if intake.created else 200, body)


class QueueOut(Schema):
    count: int
    page: int
    pages: int
    items: list[ReportQueueItemOut]


@router.get(
    "/reports",
    response=QueueOut,
    auth=AUTH,
    openapi_extra={"responses": {404: _error_response("A page past the last one (`field`: page).")}},
)
def report_queue(
    request: HttpRequest,
    status: str | None = Query(
        None,
        description="`open` (the default: every status not finished), `overdue`, `done` (resolved or closed: "
        "the reports resolved at least once and finished, those the operations center's on-time share and "
        "median handling time are computed from), `all`, or one status.",
    ),
    category: str | None = None,
    unit: str | None = Query(
        None, description="A unit's code: its reports and those of the units below it (see `unit_only`)."
    ),
    unit_only: bool = Query(
        False,
        description="With `unit`: only the reports of that unit itself, not of the units below it (the "
        "operations center's per-unit figures). Without `unit`: 400.",
    ),
    rated: bool = Query(
        False,
        description="Only the reports the citizen rated (those the operations center's satisfaction is "
        "computed from); false: every report.",
    ),
    assignee: str | None = None,
    q: str | None = None,
    page: int = Query(1, ge=1),
    page_size: int = Query(50, ge=1, le=200),
) -> dict:
    """My units' reports, most urgent first (officers). `status`: open (default), overdue, done (resolved or
    closed), all or a status; `unit`: a unit's code, for its reports and those of the units below it (as
    the operations center counts a unit), or with `unit_only` its own reports alone; `rated`: only the
    rated reports; `assignee`: a username, `me` or `none`. A filter value that cannot select anything of
    the caller's units (an unknown category, another unit, someone who is not an officer there, `unit_only`
    without a unit) is refused (400 naming it), and so is a page past the last one (404). Each item is the
    report as its handler reads it, without its history and files (`GET /reports/{code}`):
    `attachment_count` says how many files it has."""
    units = selectors.working_units(request.user)
    if not units:
        raise NotAllowed(_("Only officers of a unit have a work queue."))
    if status and status not in ("open", "overdue", selectors.DONE, "all", *ReportStatus.values):
        raise DomainError(_("Unknown status “%(s)s”.") % {"s": status}, field="status")
    filters = selectors.QueueFilters(
        status=status,
        category=category,
        unit=unit,
        unit_only=unit_only,
        rated=rated,
        q=q,
        assignee=assignee,
    )
    problems = selectors.queue_filter_problems(request.user, filters, units)
    if problems:
        name, message = problems[0]
        raise DomainError(message, field=name)
    result = selectors.queue_page(request.user, filters, page, page_size, units=units, strict=True)
    powers = acting.PowerCheck(request.user)
    rows = list(result.object_list)
    counts = dict(  # the whole page's files counted in one query
        Attachment.objects.filter(report_id__in=[r.pk for r in rows])
        .order_by()
        .values("report_id")
        .annotate(n=Count("pk"))
        .values_list("report_id", "n")
    )
    now = timezone.now()
    items = [
        _fields(r, view=HANDLER, powers=powers, now=now) | {"attachment_count": counts.get(r.pk, 0)}
        for r in rows
    ]
    return {
        "count": result.paginator.count,
        "page": result.number,
        "pages": result.paginator.num_pages,
        "items": items,
    }


class PublicOut(Schema):
    code: str
    category: str
    category_name: str
    status: str
    lon: float | None
    lat: float | None
    created_at: LocalDatetime
    unit_name: str


class QuestionOut(Schema):
    code: str
    label: str  # in the language asked
    type: str = Field(json_schema_extra={"enum": list(QUESTION_TYPES)})
    required: bool
    choices: list[str] = Field(
        [], description="A `choice` question's answers: `answers` takes one of them, as written here."
    )


class CategoryOut(Schema):
    code: str
    name: str  # in the language asked
    handled_by: str = Field(json_schema_extra={"enum": ["ward", "department"]})
    working_days: int
    questions: list[QuestionOut]


@router.get("/categories", response=list[CategoryOut], auth=None)
def category_list(request: HttpRequest) -> list[dict]:
    """The report categories in use, in Vietnamese order, each with the questions its form asks: what
    `category` and `answers` of `POST /reports` take. A required question binds the web form, the app
    (`channel: "app"`) and Open311 clients."""
    from citydesk.core.models import ServiceCategory
    from citydesk.core.validators import usable_questions
    from citydesk.lib.text import sort_key
    from citydesk.reports.forms import question_label

    categories = ServiceCategory.objects.filter(domain=ServiceCategory.Domain.REPORT, is_active=True)
    return [
        {
            "code": c.code,
            "name": category_label(c),
            "handled_by": c.handled_by,
            "working_days": c.working_days,
            "questions": [
                {
                    "code": q["code"],
                    "label": question_label(q),
                    "type": q.get("type", "text"),
                    "required": bool(q.get("required")),
                    "choices": [str(choice) for choice in q.get("choices", [])],
                }
                for q in usable_questions(c.questions)
            ],
        }
        for c in sorted(categories, key=lambda c: sort_key(category_label(c)))
    ]


@router.get("/reports/public", response=list[PublicOut], auth=None)
def report_public_list(
    request: HttpRequest,
    bbox: str | None = Query(None, description="west,south,east,north"),
    category: str | None = None,
    status: str | None = None,
    limit: int = Query(500, ge=1, le=2000),
) -> list[dict]:
    """Public reports for the map and the app (no personal data)."""
    box = None
    if bbox:
        try:
            box = tuple(float(v) for v in bbox.split(","))
            if len(box) != 4 or not all(math.isfinite(v) for v in box):
                raise ValueError
        except ValueError:
            raise DomainError(_("“bbox” is west,south,east,north in degrees."), field="bbox") from None
    if status and status not in ReportStatus.values:
        raise DomainError(_("Unknown status “%(s)s”.") % {"s": status}, field="status")
    return [
        {
            "code": r.code,
            "category": r.category.code,
            "category_name": category_label(r.category),
            "status": r.status,
            "lon": r.lon,
            "lat": r.lat,
            "created_at": r.created_at,
            "unit_name": r.unit.name,
        }
        for r in selectors.public_reports(bbox=box, category=category, status=status, limit=limit)
    ]


class CandidateOut(Schema):
    code: str
    description: str
    status: str
    distance_m: float | None = Field(description="Metres from the point; null when found by commune/ward")
    similarity: float
    score: float


@router.get("/reports/duplicates", response=list[CandidateOut], auth=None)
def report_duplicates(
    request: HttpRequest,
    category: str,
    lon: float | None = None,
    lat: float | None = None,
    ward_code: str = "",
    address: str = "",
    description: str = "",
) -> list:
    """“Is it one of these?” — open reports of the same category nearby, before submitting: within the
    category's distance of the point (`lon`, `lat`), or, for a place given without a point, in the commune/ward
    (`ward_code`) with much the same description and address."""
    cat = services._category(category)
    if lon is not None and lat is not None:
        found = find_candidates(category=cat, lon=lon, lat=lat, description=description)
    elif ward_code:
        ward = typed_ward(ward_code)
        if ward is None:
            raise DomainError(_("Unknown commune/ward code “%(c)s”.") % {"c": ward_code}, field="ward_code")
        found = find_in_ward(category=cat, ward_id=ward.code, text=f"{description} {address}")
    else:
        raise DomainError(_("Give the point (lon and lat) or the commune/ward code."), field="lon")
    return [
        {
            "code": c.report.code,
            "description": c.report.public_description if c.report.is_public else "",
            "status": c.report.status,
            "distance_m": c.distance_m,
            "similarity": c.similarity,
            "score": c.score,
        }
        for c in found
        if c.report.is_public
    ]


class FigureOut(Schema):
    unit_code: str
    unit_name: str
    volume: int
    open: int
    overdue: int
    resolved: int
    on_time_pct: float | None
    median_hours: float | None
    satisfied_pct: float | None
    ratings: int
    reopen_pct: float | None


def _bound(value: datetime | None, name: str) -> datetime | None:
    """A period bound within the years figures can exist for, aware (a date alone is local midnight)."""
    if value is None:
        return None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise DomainError(
            _("“%(f)s” must be between %(a)s and %(b)s.") % {"f": name, "a": FIRST_YEAR, "b": LAST_YEAR},
            field=name,
        )
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@router.get("/reports/stats", response=list[FigureOut], auth=AUTH)
def report_stats(request: HttpRequest, since: datetime | None = None, until: datetime | None = None) -> list:
    """Per-unit figures for my units (leaders: the whole city), over the reports received in [since,
    until) (default: the last 30 days). Each unit's own reports (not those of the units below it). The
    same definitions as the operations center (/dieu-hanh/): `volume` counts every report received,
    merged duplicates included; `reopen_pct` is the share of the reports resolved at least once that
    were reopened at least once; `on_time_pct` is over the resolved reports. `median_hours` is the exact
    median handling time (received → resolved) of the resolved reports; the operations center estimates
    its median from an hourly histogram, so its figure can differ within that histogram's bucket."""
    since, until = _bound(since, "since"), _bound(until, "until")
    until = until or timezone.now()
    since = since or until - timedelta(days=30)
    if since >= until:
        raise DomainError(_("“since” must be before “until”."), field="since")
    units = selectors.working_units(request.user)
    if not units:
        raise NotAllowed(_("Only officers of a unit can see its figures."))
    return [f.__dict__ for f in selectors.unit_figures(since=since, until=until, unit_ids=units)]


class BulkAssignIn(BodyIn):
    codes: list[str]
    assignee: str
    versions: dict[str, int] | None = Field(
        None,
        description="The `version` you saw of each report, by code (all, some or none): a report changed "
        "since then refuses the whole assignment (409 naming its code).",
    )


def _naming(code: str, exc: DomainError) -> DomainError:
    """A refusal of one report of a bulk move, its message naming that report's code (same status, field).
    Not found stays as `GET /reports/{code}` says it (it names the code already): the same 404 whatever
    was asked of a report one may not read."""
    if isinstance(exc, NotFound):
        return exc

    def named(problem: DomainError) -> str:
        return _("Nothing was assigned. %(code)s: %(reason)s") % {"code": code, "reason": problem.message}

    if isinstance(exc, DomainErrors):
        problems = [type(p)(named(p), field=p.field) for p in exc.problems]
        return DomainErrors(problems)
    try:
        return type(exc)(named(exc), field=exc.field)
    except TypeError:  # pragma: no cover - a refusal of another shape: said as it is
        return exc


# Before /reports/{code}: Django resolves paths in order, and that one would take “bulk-assign”.
@router.post("/reports/bulk-assign", response=list[str], auth=AUTH)
def report_bulk_assign(request: HttpRequest, payload: BulkAssignIn) -> list[str]:
    """Assign several reports to one officer; all or nothing. A refusal names the report it is about."""
    from django.db import transaction

    if not payload.codes or len(payload.codes) > 200:
        raise DomainError(_("Give between 1 and 200 reports."), field="codes")
    codes = [c.strip().upper() for c in payload.codes]
    versions = {k.strip().upper(): v for k, v in (payload.versions or {}).items()}
    if unknown := sorted(set(versions) - set(codes)):
        raise DomainError(
            _("A version is given for %(codes)s, not among the reports to assign.")
            % {"codes": ", ".join(unknown)},
            field="versions",
        )
    done = []
    with transaction.atomic():
        for c in codes:
            try:
                with _unseen_is_not_found(request.user, c):
                    done.append(
                        services.report_transition(
                            user=request.user,
                            code=c,
                            action="assign",
                            assignee=payload.assignee,
                            version=versions.get(c),
                        ).code
                    )
            except DomainError as exc:
                raise _naming(c, exc) from exc
    return done


class NoteIn(BodyIn):
    text: str
    public: bool = False


@router.get("/reports/{code}", response=ReportOut, auth=None)
def report_detail(request: HttpRequest, code: str, token: str = "") -> dict:
    """A report: the public view for everyone; contact details and internal notes for its handlers."""
    user = _optional_user(request)
    report = _get(code)
    view = _viewer(user, report, token)
    if not report.shown_to_public and view == PUBLIC:
        raise NotFound(_("No report %(code)s.") % {"code": code}, field="code")
    if view == HANDLER:  # who among the staff read the reporter's contact details
        record_case_access(request, report, "api", user=user)
    return _out(report, view=view, powers=acting.PowerCheck(user), token=token)


# --- Officer actions ------------------------------------------------------------------------------


class ReportActionIn(BodyIn):
    action: str
    version: int = Field(
        description="The report's `version` you saw: a report changed since then is refused (409)."
    )
    note: str = ""
    assignee: str | None = None
    target_unit: str | None = None
    reason: str | None = None
    resolution: str = ""
    category: str | None = None
    public: bool = Field(
        False, description="Show the note of classify or start to the citizen (default: internal)."
    )


@router.post("/reports/{code}/actions", response=ReportOut, auth=AUTH)
def report_action(request: HttpRequest, code: str, payload: ReportActionIn) -> dict:
    """Move the report: classify, assign, start, resolve, reject, transfer. Send the `version` you saw.
    A report the caller may not read is not found (404, as for `GET /reports/{code}`)."""
    with _unseen_is_not_found(request.user, code):
        report = services.report_transition(user=request.user, code=code.upper(), **payload.dict())
    return _handler_out(request, report.code)


@router.post("/reports/{code}/notes", response={201: ReportEventOut}, auth=AUTH)
def report_add_note(request: HttpRequest, code: str, payload: NoteIn) -> Status:
    """Add a note to the report's history (officers of the handling unit). Internal by default; `public`
    shows it on the tracking page, where the phone numbers and e-mail addresses written in it are hidden
    (the reporter and the unit read it whole). A report the caller may not read is not found (404)."""
    with _unseen_is_not_found(request.user, code):
        event = services.report_note(
            user=request.user, code=code.upper(), text=payload.text, public=payload.public
        )
    return Status(
        201,
        ReportEventOut(
            at=event.at,
            kind=event.kind,
            from_status="",
            to_status="",
            note=event.display_note,
            actor=selectors.event_actor(event),
            right=event.right,
        ),
    )


_SEEN_VERSION = (
    "The report's `version` you saw (optional): a report changed since then is refused (409), as for the "
    "workflow moves."
)


class MergeIn(BodyIn):
    into: str
    version: int | None = Field(None, description=_SEEN_VERSION)


class VersionIn(BodyIn):
    version: int | None = Field(None, description=_SEEN_VERSION)


@router.post("/reports/{code}/merge", response=ReportOut, auth=AUTH)
def report_merge(request: HttpRequest, code: str, payload: MergeIn) -> dict:
    with _unseen_is_not_found(request.user, code):
        services.report_merge(
            user=request.user, code=code.upper(), into=payload.into, version=payload.version
        )
    return _handler_out(request, code)


@router.post("/reports/{code}/unmerge", response=ReportOut, auth=AUTH)
def report_unmerge(request: HttpRequest, code: str, payload: VersionIn | None = None) -> dict:
    with _unseen_is_not_found(request.user, code):
        services.report_unmerge(
            user=request.user, code=code.upper(), version=payload.version if payload else None
        )
    return _handler_out(request, code)


class PauseIn(BodyIn):
    note: str
    version: int | None = Field(None, description=_SEEN_VERSION)


@router.post("/reports/{code}/pause", response=ReportOut, auth=AUTH)
def report_pause(request: HttpRequest, code: str, payload: PauseIn) -> dict:
    """Ask the reporter for information and stop the deadline clock until they answer (or an officer
    resumes, `POST /reports/{code}/resume`). `note` is the request, sent to the reporter; the public reads
    only that the report waits for the reporter's information. A report the caller may not read is not
    found (404)."""
    with _unseen_is_not_found(request.user, code):
        services.report_pause(
            user=request.user, code=code.upper(), note=payload.note, version=payload.version
        )
    return _handler_out(request, code)


@router.post("/reports/{code}/resume", response=ReportOut, auth=AUTH)
def report_resume(request: HttpRequest, code: str, payload: VersionIn | None = None) -> dict:
    with _unseen_is_not_found(request.user, code):
        services.report_resume(
            user=request.user, code=code.upper(), version=payload.version if payload else None
        )
    return _handler_out(request, code)


# --- Citizen actions ------------------------------------------------------------------------------


class ReportRatingIn(BodyIn):
    level: str = Field(json_schema_extra={"enum": list(Rating.Level.values)})
    comment: str = ""
    reopen: bool = False
    token: str = ""


@router.post("/reports/{code}/rating", response=ReportOut, auth=None)
def report_rating(request: HttpRequest, code: str, payload: ReportRatingIn) -> dict:
    """The reporter rates the result (with their account or the token from the acknowledgement). The
    answer is the report as its reporter reads it (`rating`, `allowed_actions`)."""
    user = _optional_user(request)
    with _unseen_is_not_found(user, code, payload.token):
        report = services.report_rate(
            code=code.upper(),
            level=payload.level,
            comment=payload.comment,
            reopen=payload.reopen,
            user=user,
            token=payload.token,
        )
    report = _get(report.code)
    return _out(
        report, view=_viewer(user, report, payload.token), powers=acting.PowerCheck(user), token=payload.token
    )


class FollowIn(BodyIn):
    email: str = ""
    phone: str = ""


class FollowConfirmIn(BodyIn):
    email: str = ""
    phone: str = ""
    code: str = Field(description="The 6-digit code sent to the e-mail address or the phone number.")


class FollowOut(Schema):
    detail: str
    following: bool = Field(description="True: the updates go there now; false: waiting for the code.")
    sent_to: str | None = Field(None, description="Where the code was sent (masked), while waiting for it.")


_FOLLOW_RESPONSES = {201: FollowOut, 200: FollowOut}
_FOLLOW_REFUSALS = {
    "responses": {
        403: _error_response("A signed-in session without its CSRF token."),
        429: _error_response(
            "Too many codes sent to this address today, too many requests from this network address, or "
            "too many wrong codes: `field` names the input."
        ),
    }
}


def _following_out(code: str, outcome: citizen_services.FollowOutcome) -> Status:
    if outcome.created:
        detail = _("You will receive updates on %(code)s.") % {"code": code}
    else:
        detail = _("You already follow %(code)s: nothing changed.") % {"code": code}
    return Status(201 if outcome.created else 200, {"detail": detail, "following": True, "sent_to": None})


@router.post(
    "/reports/{code}/follow",
    response={**_FOLLOW_RESPONSES, 202: FollowOut},
    auth=None,
    openapi_extra=_FOLLOW_REFUSALS,
)
def report_follow(request: HttpRequest, code: str, payload: FollowIn) -> Status:
    """Follow a report (“it's the same problem as mine”): updates by e-mail, SMS or in the app.

    Signed in (bearer token, or the session with its CSRF token) without `email` and `phone`, or with the
    account's own: the account follows at once (201; 200 when it already did). Any other `email` or
    `phone` is sent a 6-digit code (an e-mail also a link), answered 202 with `sent_to`: it receives the
    updates only once the code is given back to `POST /reports/{code}/follow/confirm`; an address that
    already follows is sent a code too (the answer tells nobody who follows what). At most 3 codes a day
    to one address, across all reports, and 20 requests an hour from one network address: 429 naming the
    field (`email` or `phone`). Give one address: `email` and `phone` together are refused (400, `errors`
    naming both), as the code goes to one of them. From the site's own page (a browser session), the
    report's tracking page then opens on the code's form."""
    code = code.upper()
    asked = citizen_services.report_follow_request(
        code=code,
        user=_optional_user(request),
        email=payload.email,
        phone=payload.phone,
        client=request.META.get("REMOTE_ADDR", ""),
    )
    if asked.outcome is not None:
        return _following_out(code, asked.outcome)
    if asked.email:
        detail = _(
            "We sent a confirmation link and code to %(to)s: the updates on %(code)s start once you confirm."
        )
    else:
        detail = _(
            "We sent a 6-digit code by SMS to %(to)s: the updates on %(code)s start once you enter it."
        )
    body = {
        "detail": detail % {"to": asked.sent_to, "code": code},
        "following": False,
        "sent_to": asked.sent_to,
    }
    if hasattr(request, "session") and not request.headers.get("Authorization"):
        # The report form's "follow this one instead": the tracking page asks this browser for the code.
        from citydesk.reports.views.citizen import remember_pending_follow

        remember_pending_follow(
            request, code, {"email": asked.email} if asked.email else {"phone": asked.phone}
        )
    return Status(202, body)


@router.post(
    "/reports/{code}/follow/confirm", response=_FOLLOW_RESPONSES, auth=None, openapi_extra=_FOLLOW_REFUSALS
)
def report_follow_confirm(request: HttpRequest, code: str, payload: FollowConfirmIn) -> Status:
    """Give back the code sent by `POST /reports/{code}/follow` with the same `email` or `phone` (one of
    them: both are refused, 400): that address receives the updates from now on (201; 200 when it
    already did). Only the latest code sent there counts, for 24 hours; a wrong code is refused (400,
    field `code`), and after 5 wrong ones the code is spent (429): ask for a new one."""
    _optional_user(request)  # a session's write passes the CSRF check, as everywhere
    outcome = citizen_services.report_follow_confirm(
        code=code.upper(), pin=payload.code, email=payload.email, phone=payload.phone
    )
    return _following_out(code.upper(), outcome)


@router.delete(
    "/reports/{code}/follow",
    response={204: None},
    auth=AUTH,
    openapi_extra={
        "responses": {
            403: _error_response("A signed-in session without its CSRF token."),
            404: _error_response("The account does not follow this report, or there is no such report."),
            409: _error_response(
                "The account sent this report: its updates come to the reporter, not to a follower."
            ),
        }
    },
)
def report_unfollow(request: HttpRequest, code: str) -> Status:
    """Stop following a report (signed in: bearer token, or the session with its CSRF token): the
    account's follows of it end, whether it followed as the account or with its own e-mail address or
    phone number (`GET /me/follows` lists them); 204. An address followed without an account stops with
    the link at the end of each update e-mail (or SMS). Not following it (or no such report): 404 naming
    `code`. The account's own report: 409 (the reporter's updates are not a follow)."""
    citizen_services.report_unfollow_account(code=code.strip().upper(), user=request.user)
    return Status(204, None)


# --- Attachments ----------------------------------------------------------------------------------


_UPLOAD_FORM = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "The photo or PDF."},
                        "token": {
                            "type": "string",
                            "description": "The reporter's `citizen_token` (without an account).",
                        },
                        "public": {
                            "type": "boolean",
                            "default": False,
                            "description": "An officer's photo: show it on the public page too (default: "
                            "internal). A reporter's photos are always public with the report; PDF files "
                            "never are.",
                        },
                    },
                    "required": ["file"],
                }
            }
        },
        "required": True,
    }
}


# Retries made safe, as report creation does (`citydesk.api.IDEMPOTENT_CREATES`): the header and the replay.
IDEMPOTENCY_HEADER = dict(IDEMPOTENCY_PARAMETER)
REPLAY_RESPONSE_HEADERS = {
    REPLAYED_HEADER: {
        "description": "`true`: a replay of an earlier request with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}

_ATTACH_REFUSALS = {
    **_UPLOAD_FORM,
    "parameters": [IDEMPOTENCY_HEADER],
    "responses": {
        200: {"headers": REPLAY_RESPONSE_HEADERS},
        401: _error_response("A bearer token that is not valid."),
        403: _error_response(
            "Neither the reporter nor the handling unit (a report the caller may not read: 404), or a "
            "signed-in session without its CSRF token."
        ),
        409: _error_response(
            "The reporter adds no files to a merged, closed or rejected report (`field`: file), as they "
            "send it no answer."
        ),
        422: _error_response("The Idempotency-Key was already used for a different file."),
    },
}


@router.post(
    "/reports/{code}/attachments",
    response={201: AttachmentOut, 200: AttachmentOut},
    auth=None,
    openapi_extra=_ATTACH_REFUSALS,
)
def report_attach(
    request: HttpRequest,
    response: HttpResponse,
    code: str,
    file: File[UploadedFile] = None,  # type: ignore[assignment]  # missing: refused below, naming `file`
    token: str = Form(""),
    public: bool = Form(False),
) -> Status:
    """Add a photo (JPEG, PNG, WebP) or a PDF: the reporter (signed in, or with the `token`) or an officer
    of the handling unit.

    An officer's photo is internal unless `public` is true, as on the officer's page; the reporter's
    photos are shown with the report (`public` is not theirs to set); a PDF is never public. The reporter
    adds no files to a merged, closed or rejected report (409, `field: "file"`), as they send it no
    answer. The answer's URLs open for the caller (see `AttachmentOut`). With an `Idempotency-Key`
    header, a retry of the same upload (the same file, name and `public`) answers 200 with the file
    stored the first time and `Idempotent-Replayed: true`; the same key with another file, 422."""
    user = _optional_user(request)
    report = _get(code)
    with _unseen_is_not_found(user, code, token):
        if user is not None and selectors.can_see_private(user, report) and report.reporter_id != user.pk:
            actor = authorize(user, Power.REPORT_RECEIVE, report.unit)
            officer = True
        elif (user is not None and report.reporter_id == user.pk) or (
            token and token == report.citizen_token
        ):
            actor = Actor(user_id=user.pk if user else None, label=_("reporter"))
            officer, public = False, True
        else:
            raise NotAllowed(_("Only the reporter or the handling unit can add files."), field="token")
    key = idempotency_key(request)
    if file is None:
        raise DomainError(_("Choose the file to add."), field="file")
    added = attachment_add_once(
        report=report,
        upload=file,
        actor=actor,
        user=user,
        public=public,
        by_unit=officer,
        idempotency_key=key,
    )
    view = HANDLER if officer else REPORTER
    body = _attachment_out(
        report, added.attachment, view=view, token="" if officer else _reporters_token(report, token)
    )
    if not added.created:
        response[REPLAYED_HEADER] = "true"
    return Status(201 if added.created else 200, body)


_ORIGINAL_REFUSALS = {
    "responses": {
        401: _error_response("A bearer token that is not valid."),
        403: _error_response(
            "A photo's original (`original`, with its metadata) is for the handling unit: others open its "
            "copy without metadata (`public`). The reporter opens the original of their own PDF files."
        ),
    }
}


# The forms a file is served in: its public copy (no metadata) and the original (the handling unit's).
FILE_VARIANTS = ("public", "original")


@router.get(
    "/reports/{code}/attachments/{attachment_id}/{variant}", auth=None, openapi_extra=_ORIGINAL_REFUSALS
)
def report_attachment_file(
    request: HttpRequest,
    code: str,
    attachment_id: int,
    variant: str,
    token: str = Query("", description="The reporter's `citizen_token` (without an account)."),
) -> FileResponse:
    """A file of the report: `variant` is `public` (a photo's copy without metadata) or `original` (the
    file as sent). Anyone who may read the report opens the copies of its public photos; the reporter
    (signed in, or with `token`) the copies of their own photos and of the unit's public ones, also on
    a report that is not public, and the originals of their own PDF files; the handling unit every file
    in both forms. Another variant: 404 naming `variant`; a file the caller may not see: 404 naming
    `attachment_id`; a photo's original asked by anyone but the handling unit: 403."""
    user = _optional_user(request)
    report = _get(code)
    view = _viewer(user, report, token)
    if not report.shown_to_public and view == PUBLIC:
        raise NotFound(_("No report %(code)s.") % {"code": code}, field="code")
    if variant not in FILE_VARIANTS:
        raise NotFound(
            _("No file variant “%(variant)s”: use %(variants)s.")
            % {"variant": variant, "variants": ", ".join(FILE_VARIANTS)},
            field="variant",
        )
    attachment = next((a for a in report.attachments.all() if a.pk == attachment_id), None)
    if attachment is None or not file_visible(report, attachment, view):
        raise NotFound(_("No such file."), field="attachment_id")
    if variant == "public":
        if not attachment.public_file:
            raise NotFound(_("No such file."), field="attachment_id")
        handle = attachment.public_file
    else:
        own = view == REPORTER and not is_unit_file(report, attachment)
        if not (view == HANDLER or (own and not attachment.public_file)):
            raise NotAllowed(
                _(
                    "Only the handling unit opens a photo's original, which keeps its metadata (place, "
                    "camera): open its copy without metadata (public_url) instead."
                )
            )
        handle = attachment.file
        if view == HANDLER:  # the reporter's own readings are not recorded
            record_case_access(request, report, "file", user=user)
    try:
        stream = handle.open("rb")
    except OSError:  # the stored file is gone (a restore without the uploaded files, a lost disk)
        raise NotFound(
            _(
                "The file of this attachment is missing on the server; the administrator must restore the "
                "uploaded files."
            ),
            field="attachment_id",
        ) from None
    response = FileResponse(stream, content_type=attachment.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    return response
