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

from django.core.paginator import EmptyPage, Paginator
from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Max, Prefetch, Value, When
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Form, Query, Router, Schema
from ninja.errors import AuthenticationError
from ninja.responses import Status
from ninja.utils import check_csrf

from citydesk.api import AUTH, REPLAYED_HEADER, idempotency_key
from citydesk.core.access import record_case_access
from citydesk.core.errors import DomainError, NotAllowed, NotAuthenticated, NotFound
from citydesk.core.models import Membership, Organisation, User
from citydesk.core.power_check import PowerCheck
from citydesk.core.powers import ROLE_POWERS, Power
from citydesk.core.services import api_token_user
from citydesk.dossiers import payments, selectors
from citydesk.dossiers.api_schemas import (
    RATEABLE_STATUSES,
    ApplicantIn,
    CreatedOut,
    DossierActionIn,
    DossierIn,
    DossierOut,
    MyDossiersOut,
    PaymentIn,
    PaymentOut,
    ProcedureDetailOut,
    ProcedurePage,
    QueuePage,
    created_view,
    dossier_view,
    my_dossier_item,
    queue_item,
    queue_item_without_step,
    rating_open,
)
from citydesk.dossiers.models import (
    FINISHED_STATUSES,
    Channel,
    Dossier,
    DossierStep,
    IdempotencyKey,
    Procedure,
    ProcedureDocument,
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
from citydesk.dossiers.services.acting import RECORD_PAYMENT, applicant_may, moves_open_to
from citydesk.dossiers.services.replays import check_same_intake
from citydesk.dossiers.views.citizen import online_filing_counted, online_filing_limits
from citydesk.dossiers.views.common import serve_document
from citydesk.dossiers.views.slips import serve_result
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
) -> tuple[Dossier, bool, list[ProcedureDocument], list[DossierStep] | None]:
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

    def replay(dossier: Dossier) -> tuple[Dossier, bool, list[ProcedureDocument], None]:
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
        return received.dossier, True, received.missing_optional_papers, received.steps
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
    return received.dossier, True, received.missing_optional_papers, received.steps


def _optional_missing(dossier: Dossier) -> list[ProcedureDocument]:
    """The optional papers a dossier was received without (what a first answer listed)."""
    given = set(dossier.documents.values_list("requirement_id", flat=True))
    return [d for d in dossier.procedure.documents.all() if not d.required and d.pk not in given]


def _created(
    dossier: Dossier,
    created: bool,
    optional: list[ProcedureDocument],
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


# Actions a dossier's `allowed_actions` offers the applicant that are made elsewhere than
# `POST /dossiers/{code}/actions`: paying the fee online, and rating the service.
PAY, RATE = "pay", "rate"
PAYMENT_PATH = "/api/v1/dossiers/{code}/payment"
RATING_PATH = "/api/v1/ratings/dossiers/{code}"


def _own_token(user: User | None, dossier: Dossier, token: str) -> str:
    """The citizen token to carry in the files' URLs: the one the applicant read the dossier with, when
    they are not signed in to the account it was filed with (which needs none)."""
    if user is not None and user.is_authenticated and dossier.applicant_id == user.pk:
        return ""
    return token if token and dossier.citizen_token and token == dossier.citizen_token else ""


def _full_view(dossier: Dossier, user: User | None, token: str, *, handler: bool | None = None) -> dict:
    """The full view, with the actions this caller could make now: the moves of the workflow, and for the
    applicant paying the fee online (`pay`) and rating the service (`rate`) when they are open."""
    steps = list(dossier.steps.all())
    allowed = moves_open_to(
        user, dossier, last_position=max((s.position for s in steps), default=0), token=token
    )
    if _is_applicant(user, dossier, token):
        if payments.pays_online(dossier):
            allowed.append(PAY)
        if rating_open(dossier):
            allowed.append(RATE)
    if handler is None:
        handler = _is_handler(user, dossier)
    return dossier_view(
        dossier, full=True, allowed=allowed, handler=handler, token=_own_token(user, dossier, token)
    )


@router.get("/dossiers/{code}", response=DossierOut, auth=None)
def dossier_detail(request: HttpRequest, code: str, t: str = "") -> dict:
    """A dossier. Officers of its units and its applicant (bearer token, or `?t=` the citizen token) get
    the full view, with `allowed_actions`: what the caller could do now; everyone else the public one,
    without the applicant's personal data. The full view gives the URLs of the papers' files and of the
    signed result (`documents[].url`, `result_url`), whether the service may be rated (`rating_open`),
    and the applicant's `pay` and `rate` among `allowed_actions` when they are open."""
    user = _caller(request)
    dossier = _load(code)
    handler = _is_handler(user, dossier)
    if handler or _is_applicant(user, dossier, t):
        record_case_access(request, dossier, "api", user=user)  # staff only: not the applicant's reading
        return _full_view(dossier, user, t, handler=handler)
    return dossier_view(dossier, full=False)


# The applicant's own moves: someone else asking for one is told it is the applicant's (not which power
# of an officer they lack).
APPLICANT_MOVES = frozenset({"withdraw", "supplement_received"})


def _applicant_only(user: User | None, dossier: Dossier, action: str, token: str) -> None:
    """Refuse (403, field `token`) a signed-in person who is neither the dossier's applicant nor an
    officer (of any unit handling dossiers) an applicant's move: it is the applicant's, whoever else
    asks. Officers are left to the service, whose refusal names the unit or step they lack."""
    if action not in APPLICANT_MOVES or user is None or not user.is_authenticated:
        return
    if applicant_may(dossier, action, user, token) or officer_units(user) or _is_handler(user, dossier):
        return
    if action == "withdraw":
        message = _(
            "Only the applicant of dossier %(code)s can withdraw it: signed in to the account it was filed "
            "with, or with its citizen token."
        )
    else:
        message = _(
            "Only the applicant of dossier %(code)s can send it additional papers: signed in to the account "
            "it was filed with, with its citizen token, or with the key of the request's link."
        )
    raise NotAllowed(message % {"code": dossier.code}, field="token")


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
    (field `step`, another unit's step) or the receiving unit (field `unit`); someone signed in who is
    neither the applicant nor an officer asking for an applicant's move is told it is the applicant's
    (403, field `token`). `pay` and `rate` of `allowed_actions` are made at `POST /dossiers/{code}/payment`
    and `POST /ratings/dossiers/{code}` (400, field `action`, here)."""
    user = _caller(request)
    if payload.action in (PAY, RATE):  # offered in allowed_actions, made at their own endpoints
        path = (PAYMENT_PATH if payload.action == PAY else RATING_PATH).format(code=lookup_text(code).upper())
        raise DomainError(
            _("“%(action)s” is not made here: send it to %(path)s.")
            % {"action": payload.action, "path": path},
            field="action",
        )
    if payload.action in APPLICANT_MOVES:
        _applicant_only(user, _load(code), payload.action, payload.token)
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
    `documents`). The applicant's answer brings a file for every paper the request names (`papers_asked`
    of the full view; others may come beside them): without one, nothing is stored (400, field
    `documents`, naming those missing). The applicant sends them with their bearer token, the citizen
    token or the key `k` of the request's link as `token` (anyone else signed in who is no officer: 403,
    field `token`); the handling officers may send scanned papers too. The dossier's clock runs again:
    the time the applicant took is not counted. 409 if the dossier is not waiting for papers or its
    `version` changed."""
    user = _caller(request)
    loaded = _load(code)
    _applicant_only(user, loaded, "supplement_received", payload.token)
    uploads = _uploads(request.FILES.lists())
    if not uploads:
        raise DomainError(_("Choose the files of the additional papers."), field="files")
    known = set(loaded.procedure.documents.values_list("pk", flat=True))
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


# --- The applicant's own dossiers, their files and their fee ---------------------------------------


def _page(paginator: Paginator, page: int):  # type: ignore[no-untyped-def]
    """Page `page`, or NotFound naming `page` past the last one (as `GET /me/reports` answers)."""
    try:
        return paginator.page(page)
    except EmptyPage:
        raise NotFound(
            _("There is no page %(n)s: the last page is %(pages)s.")
            % {"n": page, "pages": paginator.num_pages},
            field="page",
        ) from None


def _error_response(description: str) -> dict:
    """A refusal an operation's shape does not tell, with the API's one error body (`Error`)."""
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {"description": description, "content": content}


@router.get(
    "/me/dossiers",
    response=MyDossiersOut,
    auth=AUTH,
    openapi_extra={"responses": {404: _error_response("A page past the last one (`field`: page).")}},
)
def my_dossiers(
    request: HttpRequest,
    page: int = Query(1, ge=1, le=MAX_OFFSET),
    page_size: int = Query(50, ge=1, le=200),
) -> dict:
    """The dossiers I filed with this account (online, signed in in the app or on the site), newest first,
    paged as `GET /me/reports` (a page past the last one: 404 naming `page`). Each says whether it waits
    for papers from me (`awaiting_papers`), whether its fee is to be paid online now (`payment_due`) and
    whether I may rate it (`rating_open`). The full dossier: `GET /dossiers/{code}`."""
    qs = (
        Dossier.objects.filter(applicant=request.user)  # type: ignore[misc]
        .select_related("procedure", "unit")
        .order_by("-received_at", "-pk")
    )
    paginator = Paginator(qs, page_size)
    result = _page(paginator, page)
    dossiers = list(result.object_list)
    finished = [d.pk for d in dossiers if d.status in RATEABLE_STATUSES]
    if finished and hasattr(Dossier, "ratings"):
        rated = set(
            Dossier.objects.filter(pk__in=finished, ratings__channel="web").values_list("pk", flat=True)
        )
    else:
        rated = set(finished)  # without the ratings app nothing is rated here
    now = timezone.now()
    return {
        "count": paginator.count,
        "page": result.number,
        "pages": paginator.num_pages,
        "items": [
            my_dossier_item(d, now=now, payment_due=payments.pays_online(d), rated=d.pk in rated)
            for d in dossiers
        ],
    }


_FILE_REFUSALS = {
    "parameters": [
        {
            "name": "t",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": "the dossier's citizen token; not needed with the applicant's or an officer's "
            "bearer token",
        }
    ],
    "responses": {
        200: {
            "description": "The file (PDF, JPEG or PNG), served privately (`Cache-Control: private, no-store`).",
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        401: _error_response("No credentials (or a bearer token that is not valid)."),
        403: _error_response("Not the applicant nor an officer handling the dossier."),
    },
}


def _reader(request: HttpRequest, dossier: Dossier, token: str) -> tuple[User | None, bool]:
    """Who reads a file of `dossier`: (the caller, whether they handle it); NotAuthenticated for a caller
    who proved nothing, NotAllowed for anyone but the applicant and the officers handling it."""
    user = _caller(request)
    handler = _is_handler(user, dossier)
    if handler or _is_applicant(user, dossier, token):
        return user, handler
    if user is None:
        if token:
            raise NotAuthenticated(
                _("This citizen token does not open dossier %(code)s.") % {"code": dossier.code}
            )
        raise NotAuthenticated(_("You must log in to do this."))
    raise NotAllowed(
        _("The papers and the result of dossier %(code)s are for its applicant and the officers handling it.")
        % {"code": dossier.code}
    )


@router.get("/dossiers/{code}/documents/{paper_id}", auth=None, openapi_extra=_FILE_REFUSALS)
def dossier_document_file(request: HttpRequest, code: str, paper_id: int) -> HttpResponse:
    """The file of one paper of the dossier (`documents[].url` of the full view): for its applicant (their
    bearer token, or `?t=` the citizen token) and the officers handling it (whose readings are recorded).
    A paper checked at the desk without a file, or not of this dossier: 404 naming `paper_id`."""
    dossier = _load(code)
    user, handler = _reader(request, dossier, request.GET.get("t", ""))
    response = serve_document(dossier, paper_id)
    if response is None:
        raise NotFound(_("No such paper in dossier %(code)s.") % {"code": dossier.code}, field="paper_id")
    if handler:
        record_case_access(request, dossier, "file", user=user)
    return response


@router.get("/dossiers/{code}/result", auth=None, openapi_extra=_FILE_REFUSALS)
def dossier_result_file(request: HttpRequest, code: str) -> HttpResponse:
    """The signed result's file (`result_url` of the full view): for the officers handling the dossier
    once it is attached, for its applicant (bearer token, or `?t=` the citizen token) once the result is
    handed over online, as the pages offer it; before that, 404 (field `code`)."""
    dossier = _load(code)
    user, handler = _reader(request, dossier, request.GET.get("t", ""))
    result = dossier.signed_result if handler else dossier.delivered_result_file
    response = serve_result(result) if result is not None else None
    if response is None:
        if handler:
            message = _("Dossier %(code)s has no signed result file.")
        else:
            message = _(
                "Dossier %(code)s has no result file to download: it is here once the result is handed over online."
            )
        raise NotFound(message % {"code": dossier.code}, field="code")
    if handler:
        record_case_access(request, dossier, "file", user=user)
    return response


@router.post(
    "/dossiers/{code}/payment",
    response=PaymentOut,
    auth=None,
    openapi_extra={
        "responses": {
            401: _error_response(
                "No credentials, a citizen token that does not open the dossier, or a "
                "bearer token that is not valid."
            ),
            403: _error_response("Not the dossier's applicant (`field`: token)."),
            409: _error_response("The fee is paid already, or the dossier is closed (`field`: payment)."),
        }
    },
)
def dossier_payment(request: HttpRequest, code: str, payload: PaymentIn) -> dict:
    """Pay the dossier's fee online, as a payment gateway is integrated: the applicant (bearer token, or
    `token` the citizen token) asks for the payment and is answered the gateway's page (`checkout_url`),
    which the app opens in a web view or the browser; the payer pays or cancels there, and the gateway
    lands on the dossier's lookup page. `paid` of `GET /dossiers/{code}` then says it. Offered as `pay`
    in `allowed_actions` while it is open: a level-4 procedure whose fee is due (a level-3 one is paid at
    the desk: 400, field `payment`; no fee: 400). The fee is paid once: asked again, the payment still
    pending is answered (another tab, a retry); paid already or closed: 409."""
    user = _caller(request)
    dossier = _load(code)
    if not _is_applicant(user, dossier, payload.token):
        if user is None:
            if payload.token:
                raise NotAuthenticated(
                    _("This citizen token does not open dossier %(code)s.") % {"code": dossier.code}
                )
            raise NotAuthenticated(_("You must log in to do this."))
        raise NotAllowed(_("Only the applicant can pay the fee of this dossier."), field="token")
    payer = user if user is not None and user.is_authenticated and dossier.applicant_id == user.pk else None
    payment = payments.payment_start(dossier=dossier, user=payer)
    return {
        "reference": payment.reference,
        "provider": payment.provider,
        "provider_label": payments.provider_label(payment.provider),
        "amount": payment.amount,
        "state": payment.state,
        "checkout_url": payments.checkout_link(payment),
    }


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
    `withdrawn`) or widens it (`all`); another value is a 400. `unit` narrows it to one unit's code and
    its one-stop desks (404 for an unknown code, 403 for a unit not yours); `overdue` to steps past their
    due time (waiting ones excepted); `q` to a dossier code (its number first), or an applicant's name
    (any case, accents optional) or phone."""
    units = officer_units(request.user)  # type: ignore[arg-type]
    if not units:
        raise NotAllowed(_("Only officers of a unit that handles dossiers have a queue."))
    at_step, ended = _queue_statuses(status)
    if unit:  # the unit with its one-stop desks, as the backlog and the queue page count it
        units = selectors.narrowed_units(units, unit)  # 404 for an unknown code, 403 for a unit not yours
    now = timezone.now()
    qs = selectors.waiting_steps(units)
    if at_step != STEP_STATUSES:  # one status of a dossier at a step, or none
        qs = qs.filter(dossier__status__in=at_step)
    # A dossier with no step left is nobody's work by its due time: not in the overdue list.
    done = Dossier.objects.filter(unit_id__in=units, status__in=() if overdue else ended)
    if overdue:  # the one definition of the queue page and the backlog
        qs = qs.filter(selectors.overdue_q(now, step="", dossier="dossier__"))
    order: list = [F("due_at").asc(nulls_last=True), "id"]
    if text := lookup_text(q):
        qs = qs.filter(code_or_applicant(text, "dossier__"))
        done = done.filter(code_or_applicant(text))
        if (number := selectors.code_number_q(text, "dossier__")) is not None:  # the code's number first
            qs = qs.annotate(
                code_first=Case(When(number, then=Value(0)), default=Value(1), output_field=IntegerField())
            )
            order = ["code_first", *order]
    steps_count = qs.count()
    page = list(
        qs.select_related("unit", "dossier__procedure", "dossier__unit").order_by(*order)[
            offset : offset + limit
        ]
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
