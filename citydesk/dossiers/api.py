"""REST API of the one-stop subsystem under /api/v1: the procedure catalog (public), receiving dossiers
(desk and post by officers; online with files), reading a dossier, moving it, and an officer's queue.

Endpoints parse input, call `dossier_receive` / `dossier_transition`, and render with the shapes of
`api_schemas`. Errors are the services' DomainError family: `{"detail", "field"}` with 400/403/404/409.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Form, Query, Router, Schema
from ninja.errors import AuthenticationError
from ninja.responses import Status
from ninja.utils import check_csrf

from citydesk.api import AUTH, REPLAYED_HEADER, idempotency_key
from citydesk.core.access import record_case_access
from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.core.models import Membership, Organisation, User
from citydesk.core.power_check import PowerCheck
from citydesk.core.powers import ROLE_POWERS, Power
from citydesk.core.services import api_token_user
from citydesk.dossiers.api_schemas import (
    ApplicantIn,
    CreatedOut,
    DossierActionIn,
    DossierIn,
    DossierOut,
    ProcedureDetailOut,
    ProcedurePage,
    QueuePage,
    created_view,
    dossier_view,
    queue_item,
    queue_item_without_step,
)
from citydesk.dossiers.models import (
    FINISHED_STATUSES,
    Channel,
    Dossier,
    DossierStep,
    IdempotencyKey,
    Procedure,
    ServiceLevel,
)
from citydesk.dossiers.models import Status as DossierStatus
from citydesk.dossiers.payments import payment_record_at_desk
from citydesk.dossiers.selectors import code_or_applicant, lookup_text, may_handle
from citydesk.dossiers.services import (
    Received,
    Upload,
    applicant_from,
    dossier_receive,
    dossier_transition,
)
from citydesk.dossiers.services.acting import RECORD_PAYMENT, moves_open_to
from citydesk.dossiers.services.replays import check_same_intake
from citydesk.dossiers.views.citizen import online_filing_counted, online_filing_limits
from citydesk.lib.text import rank_by_words, search_key

router = Router(tags=["dossiers"])

DOSSIER_POWERS = frozenset({Power.DOSSIER_RECEIVE, Power.DOSSIER_APPROVE})
ONLINE_PATH = "/api/v1/dossiers/online"
# Past this a page offset is no page at all (and past 2**63 the database refuses it: a 500).
MAX_OFFSET = 1_000_000_000


# --- Who is calling, and what they may see --------------------------------------------------------


def _caller(request: HttpRequest) -> User | None:
    """The caller of an endpoint open to anonymous people: a bearer token (an invalid one is a 401),
    else the session user (whose writes must pass the CSRF check), else None."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = api_token_user(header[7:].strip())
        if user is None:
            raise AuthenticationError()
        return user
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if request.method not in ("GET", "HEAD", "OPTIONS") and check_csrf(request) is not None:
        raise NotAllowed(_("The CSRF check failed: reload the page and try again."))
    return user


def _descendants(ids: set[int]) -> set[int]:
    found, frontier = set(ids), set(ids)
    while frontier:
        below = Organisation.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        frontier = set(below) - found
        found |= frontier
    return found


def officer_units(user: User | None) -> set[int]:
    """Organisations where `user` holds a dossier power in their own right: their units and those below."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    roots = {
        m.organisation_id
        for m in Membership.objects.filter(user=user, is_active=True).only("organisation_id", "role")
        if ROLE_POWERS[m.role] & DOSSIER_POWERS
    }
    return _descendants(roots) if roots else set()


def _is_handler(user: User | None, dossier: Dossier) -> bool:
    """Who reads the dossier whole, as its pages decide (selectors.may_handle): officers of the receiving
    unit or of a unit whose step has begun, the heads and leaders above them, delegates it reaches."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return may_handle(user, dossier, list(dossier.steps.all()))


def _is_applicant(user: User | None, dossier: Dossier, token: str) -> bool:
    if user is not None and user.is_authenticated and dossier.applicant_id == user.pk:
        return True
    return bool(token) and bool(dossier.citizen_token) and token == dossier.citizen_token


def _load(code: str) -> Dossier:
    dossier = (
        Dossier.objects.select_related("procedure", "unit", "current_step", "current_step__unit", "shipment")
        .prefetch_related(
            Prefetch("steps", queryset=DossierStep.objects.select_related("unit").order_by("position")),
            "events",
            "documents",
        )
        .filter(code=lookup_text(code).upper())
        .first()
    )
    if dossier is None:
        raise NotFound(_("No dossier %(code)s.") % {"code": code}, field="code")
    return dossier


# --- Procedures -----------------------------------------------------------------------------------


@router.get("/procedures", response=ProcedurePage, auth=None, tags=["procedures"])
def procedure_list(
    request: HttpRequest,
    q: str | None = None,
    field: str | None = None,
    level: int | None = None,
    same_day: bool | None = None,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict:
    """The active procedures. `q` matches name and code without accents (“khai sinh” finds “Khai sinh”);
    `field` (lĩnh vực, accents optional, or its English name), `level` (online service level 2/3/4) and
    `same_day` filter."""
    qs = Procedure.objects.filter(is_active=True)
    if field:
        key = search_key(field)
        names = Procedure.objects.values_list("field", "field_en").distinct()
        qs = qs.filter(
            field__in={
                name
                for name, english in names
                if key == search_key(name) or (english and key == search_key(english))
            }
        )
    if level is not None:
        if level not in ServiceLevel.values:
            raise DomainError(_("The online service level is 2, 3 or 4."), field="level")
        qs = qs.filter(service_level=level)
    if same_day is not None:
        qs = qs.filter(same_day=same_day)
    if search_key(lookup_text(q)):
        # Word by word, best first, as the catalog page searches ("đăng kí", "làm giấy khai sinh" find
        # "Đăng ký khai sinh"; "kí" no longer finds "kinh doanh"): a catalog of hundreds, ranked in Python.
        ranked = rank_by_words(lookup_text(q), qs.order_by("field", "code"), lambda p: (p.search_name,))
        return {
            "count": len(ranked),
            "limit": limit,
            "offset": offset,
            "items": ranked[offset : offset + limit],
        }
    items = list(qs.order_by("field", "code")[offset : offset + limit])
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": items}


@router.get("/procedures/{code}", response=ProcedureDetailOut, auth=None, tags=["procedures"])
def procedure_detail(request: HttpRequest, code: str) -> Procedure:
    """One procedure: the papers to bring (their ids are what an intake sends), the process steps, the
    fee and the legal processing time."""
    procedure = (
        Procedure.objects.prefetch_related("documents", "steps")
        .filter(code=lookup_text(code), is_active=True)
        .first()
    )
    if procedure is None:
        raise NotFound(_("No procedure %(code)s in the catalog.") % {"code": code}, field="code")
    return procedure


# --- Receiving ------------------------------------------------------------------------------------


def _receive_once(
    request: HttpRequest,
    *,
    scope: str,
    user: User | None,
    payload: ApplicantIn,
    channel: str,
    limited_from: str | None = None,
    **papers: object,
) -> tuple[Dossier, bool, list[str], list[DossierStep] | None]:
    """Receive a dossier once per `Idempotency-Key` header (within `scope`): a retry gets the first one;
    the key sent again with anything else (other papers, files, applicant…) is refused with 422.

    The key row is written in the intake's own transaction; two copies racing each other meet the
    unique constraint and the loser's whole intake is rolled back. `limited_from`: an online filing's
    network address, whose new dossiers the online filing limits hold (429); a replay is not a new one."""
    key = idempotency_key(request)  # the same check as the reports' (citydesk.api)

    def earlier() -> Dossier | None:
        found = (
            IdempotencyKey.objects.select_related("dossier__procedure", "dossier__unit")
            .filter(scope=scope, key=key)
            .first()
        )
        return found.dossier if found else None

    def receive() -> Received:
        if limited_from is not None and (
            limits := online_filing_limits(limited_from, payload.applicant_phone)
        ):
            raise limits[0]
        received = dossier_receive(
            user=user,
            procedure_code=payload.procedure,
            unit_code=payload.unit,
            channel=channel,
            applicant=applicant_from(payload.dict()),
            **papers,  # type: ignore[arg-type]
        )
        if limited_from is not None:
            online_filing_counted(limited_from, received.dossier)
        return received

    def replay(dossier: Dossier) -> tuple[Dossier, bool, list[str], None]:
        check_same_intake(
            dossier,
            procedure_code=payload.procedure,
            unit_code=payload.unit,
            channel=channel,
            applicant=applicant_from(payload.dict()),
            **papers,  # type: ignore[arg-type]
        )
        return dossier, False, _optional_missing(dossier), None

    if not key:
        with transaction.atomic():  # the dossier and its count together
            received = receive()
        return received.dossier, True, received.missing_optional, received.steps
    if (dossier := earlier()) is not None:
        return replay(dossier)
    try:
        with transaction.atomic():
            received = receive()
            IdempotencyKey.objects.create(scope=scope, key=key, dossier=received.dossier)
    except IntegrityError:
        if (dossier := earlier()) is None:
            raise
        return replay(dossier)
    return received.dossier, True, received.missing_optional, received.steps


def _optional_missing(dossier: Dossier) -> list[str]:
    """The optional papers a dossier was received without (what a first answer listed)."""
    given = set(dossier.documents.values_list("requirement_id", flat=True))
    return [d.name for d in dossier.procedure.documents.all() if not d.required and d.pk not in given]


def _created(
    dossier: Dossier,
    created: bool,
    optional: list[str],
    steps: list[DossierStep] | None,
    *,
    with_token: bool,
) -> Status:
    """The answer: the steps just planned by the intake, or read back for a replayed key."""
    if steps is None:
        steps = list(DossierStep.objects.filter(dossier=dossier).select_related("unit").order_by("position"))
    body = created_view(dossier, steps, missing_optional=optional, with_token=with_token)
    return Status(201 if created else 200, body)


@router.post("/dossiers", response={201: CreatedOut, 200: CreatedOut}, auth=AUTH)
def dossier_receive_at_desk(request: HttpRequest, payload: DossierIn, response: HttpResponse) -> Status:
    """Receive a dossier at the one-stop desk (`desk`) or by post (`post`): officers of the receiving unit.

    `documents`: ids of the procedure's papers checked off (`GET /procedures/{code}`); without a required
    one nothing is stored (400, field `documents`). Online filing with files: `POST /dossiers/online`.
    `Idempotency-Key` makes retries safe: the same key answers 200 with the first dossier."""
    if payload.channel == Channel.ONLINE:
        raise DomainError(
            _("Online dossiers are filed with their files at %(path)s (a multipart form).")
            % {"path": ONLINE_PATH},
            field="channel",
        )
    user: User = request.user  # type: ignore[assignment]
    dossier, created, optional, steps = _receive_once(
        request,
        scope=f"desk:{user.pk}",
        user=user,
        payload=payload,
        channel=payload.channel,
        provided=payload.documents,
        via_one_stop=payload.via_one_stop,
    )
    if not created:
        response[REPLAYED_HEADER] = "true"
    return _created(dossier, created, optional, steps, with_token=False)


def _online_scope(request: HttpRequest, user: User | None, payload: ApplicantIn) -> str:
    """Whose Idempotency-Key it is. Anonymous people are told apart by their address and what they
    filed: a key replayed from behind the same proxy with other data is another dossier, so guessing a
    key never hands someone else's dossier (and its citizen token) over."""
    if user is not None:
        return f"online:{user.pk}"
    seen = json.dumps([request.META.get("REMOTE_ADDR", ""), payload.dict()], sort_keys=True)
    return f"anon:{hashlib.sha256(seen.encode()).hexdigest()[:40]}"


def _uploads(files: Iterable[tuple[str, list]]) -> list[Upload]:
    uploads = []
    for name, items in files:
        number = name[4:] if name.startswith("doc_") else ""
        if not re.fullmatch(r"[0-9]{1,9}", number):  # ASCII digits: "²" is a digit to isdigit(), not to int()
            raise DomainError(
                _("Send each file as doc_<document id> (got “%(name)s”).") % {"name": name[:60]},
                field="documents",
            )
        if len(items) != 1:
            raise DomainError(_("Send one file for each paper."), field="documents")
        uploads.append(Upload(document_id=int(number), file=items[0]))
    return uploads


# The files have names made from the papers' ids, which a schema cannot list: describe them by pattern.
ONLINE_FORM = {
    "type": "object",
    "properties": ApplicantIn.model_json_schema()["properties"],
    "patternProperties": {
        r"^doc_[0-9]+$": {"type": "string", "format": "binary", "description": "the file of one paper"}
    },
}


@router.post(
    "/dossiers/online",
    response={201: CreatedOut, 200: CreatedOut},
    auth=None,
    openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": ONLINE_FORM}}}},
)
def dossier_file_online(request: HttpRequest, payload: Form[ApplicantIn], response: HttpResponse) -> Status:
    """File a dossier online (multipart form): the applicant's fields and one file (PDF, JPEG or PNG) per
    paper, named `doc_<document id>`. Anonymous, or with a citizen's bearer token. The answer carries
    `citizen_token`, the key to follow the dossier (`GET /dossiers/{code}?t=…`). One network address
    files a limited number of dossiers an hour, and one phone number is given in a limited number a day
    (429, field `applicant_phone` for the phone's)."""
    user = _caller(request)
    uploads = _uploads(request.FILES.lists())
    dossier, created, optional, steps = _receive_once(
        request,
        scope=_online_scope(request, user, payload),
        user=user,
        payload=payload,
        channel=Channel.ONLINE,
        limited_from=str(request.META.get("REMOTE_ADDR", "")),
        uploads=uploads,
    )
    if not created:
        response[REPLAYED_HEADER] = "true"
    return _created(dossier, created, optional, steps, with_token=True)


# --- Reading and moving ---------------------------------------------------------------------------


def _full_view(dossier: Dossier, user: User | None, token: str) -> dict:
    """The full view, with the actions this caller could make now."""
    steps = list(dossier.steps.all())
    allowed = moves_open_to(
        user, dossier, last_position=max((s.position for s in steps), default=0), token=token
    )
    return dossier_view(dossier, full=True, allowed=allowed)


@router.get("/dossiers/{code}", response=DossierOut, auth=None)
def dossier_detail(request: HttpRequest, code: str, t: str = "") -> dict:
    """A dossier. Officers of its units and its applicant (bearer token, or `?t=` the citizen token) get
    the full view, with `allowed_actions`: what the caller could do now; everyone else the public one,
    without the applicant's personal data."""
    user = _caller(request)
    dossier = _load(code)
    if _is_applicant(user, dossier, t) or _is_handler(user, dossier):
        record_case_access(request, dossier, "api", user=user)  # staff only: not the applicant's reading
        return _full_view(dossier, user, t)
    return dossier_view(dossier, full=False)


@router.post("/dossiers/{code}/actions", response=DossierOut, auth=None)
def dossier_action(request: HttpRequest, code: str, payload: DossierActionIn) -> dict:
    """Move the dossier: `forward`, `finish`, `request_supplement`, `supplement_received`, `refuse`,
    `return_result`, `withdraw`; or `record_payment`: the desk records the fee paid there
    (`payment_method` cash or transfer, `receipt_number`). `version`, the version you saw, is required
    (400 without it): 409 if someone moved it meanwhile, or if the move is impossible now (a result is
    handed over once its fee is paid); 401 without credentials, 403 if you cannot act on it. The
    applicant acts with their bearer token or `token` (the citizen token), and may only make the
    applicant's moves (withdraw, send additional papers): 403 for any other. The applicant sends the
    additional papers with their files at `POST /dossiers/{code}/supplement` (a multipart form):
    `supplement_received` from the applicant is refused here (400, field `files`); an officer recording
    papers handed in at the desk makes it here. A refusal of an officer names what they lack: the step
    (field `step`, another unit's step) or the receiving unit (field `unit`)."""
    user = _caller(request)
    if payload.action == RECORD_PAYMENT:
        payment_record_at_desk(
            user=user,
            code=code,
            method=payload.payment_method,
            receipt=payload.receipt_number,
            version=payload.version,
        )
        return _full_view(_load(code), user, payload.token)
    try:
        dossier = dossier_transition(
            user=user,
            code=code,
            action=payload.action,
            version=payload.version,
            note=payload.note,
            token=payload.token,
            result_method=payload.result_method,
            tracking_number=payload.tracking_number,
            delivery_address=payload.delivery_address,
            papers=payload.papers,
        )
    except DomainError as exc:
        if payload.action == "supplement_received" and exc.field == "files":  # the applicant, no files
            raise DomainError(
                _("The additional papers are sent with their files at %(path)s (a multipart form).")
                % {"path": SUPPLEMENT_PATH.format(code=lookup_text(code).upper())},
                field="files",
            ) from None
        raise
    return _answer(dossier, user, payload.token)


def _answer(dossier: Dossier, user: User | None, token: str) -> dict:
    """The dossier after a move: the full view for its applicant and its officers."""
    moved = _load(dossier.code)
    if _is_applicant(user, moved, token) or _is_handler(user, moved):
        return _full_view(moved, user, token)
    # The key of a request for papers' message sent them: it opens that move, not the personal view.
    return dossier_view(moved, full=False)


SUPPLEMENT_PATH = "/api/v1/dossiers/{code}/supplement"


class SupplementIn(Schema):
    """The fields of an upload of additional papers (the files are `doc_<document id>` parts)."""

    version: int = Field(
        ..., ge=1, description="required: the version of the dossier you saw (409 if it changed since)"
    )
    note: str = Field("", description="a message to the officers, optional")
    token: str = Field(
        "",
        description="the citizen token, or the key `k` of the request's link; not needed with the "
        "applicant's bearer token",
    )


SUPPLEMENT_FORM = {
    "type": "object",
    "properties": SupplementIn.model_json_schema()["properties"],
    "required": ["version"],
    "patternProperties": {
        r"^doc_[0-9]+$": {
            "type": "string",
            "format": "binary",
            "description": "the file of one paper of the procedure (PDF, JPEG or PNG)",
        }
    },
}


@router.post(
    "/dossiers/{code}/supplement",
    response=DossierOut,
    auth=None,
    openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": SUPPLEMENT_FORM}}}},
)
def dossier_supplement(request: HttpRequest, code: str, payload: Form[SupplementIn]) -> dict:
    """Send the additional papers a request asked for (multipart form), as the dossier's page does: one
    file (PDF, JPEG or PNG) per paper, named `doc_<document id>` (the ids of `GET /procedures/{code}`),
    at least one (400, field `files`); the files are checked as an online filing's are (400, field
    `documents`). The applicant sends them with their bearer token, the citizen token or the key `k` of
    the request's link as `token`; the handling officers may send scanned papers too. The dossier's clock
    runs again: the time the applicant took is not counted. 409 if the dossier is not waiting for papers
    or its `version` changed."""
    user = _caller(request)
    uploads = _uploads(request.FILES.lists())
    if not uploads:
        raise DomainError(_("Choose the files of the additional papers."), field="files")
    known = set(_load(code).procedure.documents.values_list("pk", flat=True))
    for item in uploads:
        if item.document_id not in known:
            raise DomainError(
                _("Document %(id)s is not a paper of this procedure.") % {"id": item.document_id},
                field="documents",
            )
    dossier = dossier_transition(
        user=user,
        code=code,
        action="supplement_received",
        version=payload.version,
        note=payload.note,
        token=payload.token,
        uploads=uploads,
    )
    return _answer(dossier, user, payload.token)


# --- The officer's queue --------------------------------------------------------------------------


# The statuses the queue's `status` takes: those of a dossier at a step (listed by its active step), and
# those of a dossier with no step left, listed at its receiving unit as the queue page lists it.
STEP_STATUSES = (DossierStatus.RECEIVED, DossierStatus.IN_PROGRESS, DossierStatus.SUPPLEMENT)
ENDED_STATUSES = tuple(FINISHED_STATUSES)
QUEUE_STATUSES = ("active", "all", *STEP_STATUSES, *ENDED_STATUSES)


def _queue_statuses(status: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The statuses of the dossiers at a step, and of those with none, that `status` lists: by default
    (“active”, the queue page's default) every dossier at a step and the results ready to hand over."""
    status = (status or "active").strip().lower()
    if status == "active":
        return STEP_STATUSES, (DossierStatus.RESULT_READY,)
    if status == "all":
        return STEP_STATUSES, ENDED_STATUSES
    if status in STEP_STATUSES:
        return (status,), ()
    if status in ENDED_STATUSES:
        return (), (status,)
    raise DomainError(
        _("Unknown status “%(s)s”: choose one of %(list)s.")
        % {"s": status[:40], "list": ", ".join(QUEUE_STATUSES)},
        field="status",
    )


@router.get("/dossiers", response=QueuePage, auth=AUTH)
def dossier_queue(
    request: HttpRequest,
    unit: str | None = None,
    status: str | None = None,
    overdue: bool = False,
    q: str | None = None,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict:
    """My queue, as the queue page lists it: the active steps in my units (and the units below them),
    soonest due first, then the dossiers my units received that have no step left, by their due time:
    by default (`status=active`) those whose result is ready to hand over (`step` null). `status` narrows
    it to one status (`received`, `in_progress`, `supplement`, `result_ready`, `returned`, `refused`,
    `withdrawn`) or widens it (`all`); another value is a 400. `unit` narrows it to one unit's code (404
    for an unknown code, 403 for a unit not yours); `overdue` to steps past their due time (waiting ones
    excepted); `q` to a dossier code, or an applicant's name (any case, accents optional) or phone."""
    units = officer_units(request.user)  # type: ignore[arg-type]
    if not units:
        raise NotAllowed(_("Only officers of a unit that handles dossiers have a queue."))
    at_step, ended = _queue_statuses(status)
    if unit:
        org_id = Organisation.objects.filter(code=lookup_text(unit)).values_list("pk", flat=True).first()
        if org_id is None:
            raise NotFound(_("Unknown organisation code “%(code)s”.") % {"code": unit}, field="unit")
        if org_id not in units:
            raise NotAllowed(_("%(unit)s is not one of your units.") % {"unit": unit}, field="unit")
        units = {org_id}
    now = timezone.now()
    qs = DossierStep.objects.filter(unit_id__in=units, started_at__isnull=False, completed_at__isnull=True)
    if at_step != STEP_STATUSES:  # one status of a dossier at a step, or none
        qs = qs.filter(dossier__status__in=at_step)
    # A dossier with no step left is nobody's work by its due time: not in the overdue list.
    done = Dossier.objects.filter(unit_id__in=units, status__in=() if overdue else ended)
    if overdue:  # the step's due time or the dossier's own (the appointment), as the queue page counts
        qs = qs.filter(Q(due_at__lt=now) | Q(dossier__due_at__lt=now), dossier__paused_at__isnull=True)
    if text := lookup_text(q):
        qs = qs.filter(code_or_applicant(text, "dossier__"))
        done = done.filter(code_or_applicant(text))
    steps_count = qs.count()
    page = list(
        qs.select_related("unit", "dossier__procedure", "dossier__unit").order_by(
            F("due_at").asc(nulls_last=True), "id"
        )[offset : offset + limit]
    )
    first_done = max(offset - steps_count, 0)
    rest = limit - len(page)
    finished = (
        list(
            done.select_related("procedure", "unit").order_by("due_at", "id")[first_done : first_done + rest]
        )
        if rest > 0
        else []
    )
    last = dict(
        DossierStep.objects.filter(dossier_id__in={s.dossier_id for s in page})
        .values("dossier_id")
        .annotate(last=Max("position"))
        .values_list("dossier_id", "last")
    )
    powers = PowerCheck(request.user)  # type: ignore[arg-type]
    items = []
    for step in page:
        step.dossier.current_step = step  # the queue lists the dossiers' current steps
        allowed = moves_open_to(
            request.user,  # type: ignore[arg-type]
            step.dossier,
            last_position=last.get(step.dossier_id, step.position),
            powers=powers,
        )
        items.append(queue_item(step, now, allowed))
    for dossier in finished:  # no step left: the step moves (forward, finish) are not theirs
        dossier.current_step = None
        allowed = moves_open_to(request.user, dossier, last_position=0, powers=powers)  # type: ignore[arg-type]
        items.append(queue_item_without_step(dossier, allowed))
    # Read from the start and short of the page: those are all of them (no count query).
    done_count = len(finished) if rest > 0 and first_done == 0 and len(finished) < rest else done.count()
    return {"count": steps_count + done_count, "limit": limit, "offset": offset, "items": items}
