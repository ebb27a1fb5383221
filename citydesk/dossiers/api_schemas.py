"""Shapes of the dossier API (citydesk/dossiers/api.py): what it reads, and what it answers — a
procedure, a dossier in its full or public view (the public one carries no personal data), a queue row."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Schema

from citydesk.dossiers.models import (
    FINISHED_STATUSES,
    Channel,
    Dossier,
    DossierEvent,
    DossierStep,
    Performer,
    Procedure,
    ProcedureDocument,
    Shipment,
)
from citydesk.dossiers.models import Status as DossierStatus
from citydesk.dossiers.selectors import papers_asked
from citydesk.dossiers.views_catalog import processing_time_label  # the catalog pages' wording

# --- Input ----------------------------------------------------------------------------------------


class ApplicantIn(Schema):
    """Fields of both intakes. All default to "" so that the service names the missing one."""

    procedure: str = ""
    unit: str = ""
    applicant_name: str = ""
    applicant_id_number: str = ""
    applicant_phone: str = ""
    applicant_email: str = ""
    applicant_address: str = ""


class DossierIn(ApplicantIn):
    channel: str = Channel.DESK
    documents: list[int] = Field([], description="ids of the procedure's papers checked at the desk")
    via_one_stop: bool = Field(
        True,
        description="false: received directly by the unit's specialists, not at the one-stop desk (recorded "
        "afterwards); it counts against the target share handled through the one-stop system",
    )


class DossierActionIn(Schema):
    action: str
    version: int = Field(
        ..., ge=1, description="required: the version of the dossier you saw (409 if it changed since)"
    )
    note: str = ""
    result_method: str = ""
    tracking_number: str = ""
    delivery_address: str = ""
    token: str = Field(
        "",
        description="the applicant's citizen token (withdraw; papers are sent to /dossiers/{code}/supplement)",
    )
    payment_method: str = Field("", description="record_payment: cash or transfer")
    receipt_number: str = Field("", description="record_payment: the number of the fee receipt")
    papers: list[int] = Field(
        [],
        description="request_supplement: ids of the procedure's papers to add or correct "
        "(GET /procedures/{code}); the note says anything else",
    )


# --- Procedures -----------------------------------------------------------------------------------


class ProcedureOut(Schema):
    code: str
    name: str
    name_en: str
    field: str
    field_en: str = Field(description="the field in English; empty when the catalog has none")
    authority: str
    fee: int
    processing_time: int
    time_unit: str
    time_label: str
    service_level: int
    same_day: bool

    @staticmethod
    def resolve_time_label(p: Procedure) -> str:
        return processing_time_label(p)


class ProcedurePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ProcedureOut]


class RequirementOut(Schema):
    id: int
    position: int
    name: str
    name_en: str = Field(description="the paper's name in English; empty when the catalog has none")
    copies: str
    required: bool
    template_url: str | None = Field(
        description="where the paper's blank form is downloaded (the catalog page's link); null without one"
    )

    @staticmethod
    def resolve_template_url(d: ProcedureDocument) -> str | None:
        """The catalog's download address: the stored file's own (/media/…) is not served."""
        if not d.template:
            return None
        return reverse("dossiers_catalog:template", args=[d.procedure.code, d.position])


class ProcessStepOut(Schema):
    position: int
    name: str
    name_en: str = Field(description="the step's name in English; empty when the catalog has none")
    performer: str
    performer_label: str
    department_code: str
    role: str
    share: float

    @staticmethod
    def resolve_performer_label(s: object) -> str:
        return str(Performer(s.performer).label)  # type: ignore[attr-defined]


class ProcedureDetailOut(ProcedureOut):
    fee_note: str
    legal_basis: str
    documents: list[RequirementOut]
    steps: list[ProcessStepOut]


# --- Dossiers -------------------------------------------------------------------------------------


class StepOut(Schema):
    position: int
    name: str
    name_en: str = Field(description="the step's name in English as the catalog had it; may be empty")
    unit: str
    unit_name: str
    role: str
    started_at: datetime | None
    due_at: datetime | None
    completed_at: datetime | None
    punctuality: str


class EventOut(Schema):
    at: datetime
    kind: str
    status_from: str
    status_to: str
    note: str | None = None
    actor: str | None = None
    papers: list[int] | None = Field(
        None, description="full view, a request for additional papers: the ids of the papers it asks for"
    )


class AskedPaperOut(Schema):
    id: int
    name: str
    name_en: str


class OptionalPaperOut(Schema):
    """An optional paper of the procedure the dossier was received without."""

    id: int = Field(description="the paper's id in the procedure (`GET /procedures/{code}`)")
    name: str = Field(description="its official (Vietnamese) name")
    name_en: str = Field(description="its name in English; empty when the catalog has none")


class PaperOut(Schema):
    id: int
    requirement: int | None
    name: str
    name_en: str = Field(description="the paper's name in English as the catalog had it; may be empty")
    has_file: bool
    content_type: str
    size: int
    is_supplement: bool
    url: str | None = Field(
        None,
        description="where its file is downloaded (`GET /dossiers/{code}/documents/{id}`), for the applicant "
        "and the handling officers: with `?t=` the citizen token when the dossier was read with it; null "
        "for a paper checked at the desk without a file",
    )


class ShipmentOut(Schema):
    carrier: str = Field(description="the carrier as recorded")
    carrier_label: str = Field(
        description="the carrier in the request's language (the public postal service's English name in "
        "English)"
    )
    tracking_number: str
    address: str
    sent_at: datetime


class DossierOut(Schema):
    code: str
    view: str = Field(description="full (handling officers, the applicant) or public (no personal data)")
    procedure: str
    procedure_name: str = Field(
        description="the procedure's name in the request's language (Accept-Language): its English name in "
        "English when the catalog has one, else the official Vietnamese name"
    )
    procedure_name_vi: str = Field(description="the procedure's official (Vietnamese) name")
    procedure_name_en: str = Field(
        description="the procedure's name in English; empty when the catalog has none"
    )
    unit: str
    unit_name: str
    channel: str
    status: str
    status_label: str
    version: int
    received_at: datetime
    due_at: datetime
    overdue: bool
    paused: bool
    same_day: bool
    current_step: int | None
    resolved_at: datetime | None
    punctuality: str
    returned_at: datetime | None
    result_method: str
    fee: int
    paid: bool
    lookup_url: str
    steps: list[StepOut]
    events: list[EventOut] = []
    # The full view only (None in the public view).
    applicant_name: str | None = None
    applicant_id_number: str | None = None
    applicant_phone: str | None = None
    applicant_email: str | None = None
    applicant_address: str | None = None
    documents: list[PaperOut] | None = None
    result_note: str | None = None
    refusal_reason: str | None = None
    allowed_actions: list[str] | None = Field(
        None,
        description="full view: the actions the caller could make now: the moves of "
        "`POST /dossiers/{code}/actions` (the applicant's `supplement_received` is sent with its files to "
        "`POST /dossiers/{code}/supplement`), and for the applicant `pay` (the fee is paid online now: "
        "`POST /dossiers/{code}/payment`) and `rate` (the service may be rated now: "
        "`POST /ratings/dossiers/{code}`)",
    )
    rating_open: bool | None = Field(
        None,
        description="full view: the applicant may rate the service now (a dossier processed to its end, "
        "not rated yet: `POST /ratings/dossiers/{code}`); null in the public view",
    )
    result_url: str | None = Field(
        None,
        description="full view: where the signed result's file is downloaded (`GET /dossiers/{code}/result`): "
        "for the handling officers once attached, for the applicant once the result is handed over online "
        "(with `?t=` the citizen token when the dossier was read with it); else null",
    )
    shipment: ShipmentOut | None = None  # the full view, once the result is sent by post
    papers_asked: list[AskedPaperOut] | None = Field(
        None,
        description="full view: while the dossier waits for additional papers, those the request names "
        "(the ids `supplement_received` uploads go to first)",
    )


class CreatedOut(Schema):
    code: str
    status: str
    status_label: str
    version: int
    procedure: str
    unit: str
    channel: str
    received_at: datetime
    due_at: datetime
    same_day: bool
    fee: int
    lookup_url: str
    steps: list[StepOut]
    missing_optional: list[str] = Field(
        description="the official (Vietnamese) names of the optional papers not given"
    )
    missing_optional_papers: list[OptionalPaperOut] = Field(
        description="the optional papers not given, by id, with their English names"
    )
    citizen_token: str | None = Field(None, description="online filing only: the key to follow the dossier")


class QueueItemOut(Schema):
    """One active step of a dossier in the caller's queue (the list is of steps, soonest due first), or a
    dossier with no step left (its result ready to hand over): then `step` is null."""

    code: str
    procedure: str
    procedure_name: str = Field(
        description="the procedure's name in the request's language (its official Vietnamese name when the "
        "catalog has no English one)"
    )
    receiving_unit: str = Field(
        description="code of the unit that received the dossier (`unit` in the full view)"
    )
    applicant_name: str
    channel: str
    status: str
    version: int
    received_at: datetime
    dossier_due_at: datetime = Field(description="the dossier's own due time (`due_at` in the full view)")
    same_day: bool
    paused: bool
    overdue: bool = Field(
        description="this step is past its own due time (`step.due_at`) and not paused; the dossier may still "
        "be on time (`dossier_due_at`, and `overdue` in the full view)"
    )
    step: StepOut | None = Field(
        description="the active step; null for a dossier with no step left (result ready, or ended)"
    )
    allowed_actions: list[str]


class QueuePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[QueueItemOut]


def step_out(s: DossierStep) -> dict:
    return {
        "position": s.position,
        "name": s.name,
        "name_en": s.name_en,
        "unit": s.unit.code,
        "unit_name": s.unit.name,
        "role": s.role,
        "started_at": s.started_at,
        "due_at": s.due_at,
        "completed_at": s.completed_at,
        "punctuality": s.punctuality,
    }


def lookup_url(dossier: Dossier) -> str:
    return f"{settings.CITYDESK_PUBLIC_URL}/ho-so/tra-cuu/{dossier.code}/"


# A dossier processed to its end can be rated by its applicant (a withdrawn one was not processed).
RATEABLE_STATUSES = frozenset(s for s in FINISHED_STATUSES if s != DossierStatus.WITHDRAWN)


def rating_open(d: Dossier) -> bool:
    """May the applicant rate the service of `d` now: processed to its end and not rated yet (one rating a
    dossier, `ratings.services.online.rating_submit_web`). False without the ratings app."""
    if d.status not in RATEABLE_STATUSES:
        return False
    ratings = getattr(d, "ratings", None)
    if ratings is None:  # the ratings app is not installed
        return False
    return not ratings.filter(channel="web").exists()


def _file_query(token: str) -> str:
    return f"?{urlencode({'t': token})}" if token else ""


def document_url(d: Dossier, paper_id: int, token: str = "") -> str:
    """Where a paper's file of `d` is downloaded through the API (`token`: the citizen token it was read with)."""
    return f"/api/v1/dossiers/{d.code}/documents/{paper_id}{_file_query(token)}"


def result_url(d: Dossier, token: str = "") -> str:
    return f"/api/v1/dossiers/{d.code}/result{_file_query(token)}"


def _summary(d: Dossier) -> dict:
    return {
        "code": d.code,
        "procedure": d.procedure.code,
        "unit": d.unit.code,
        "channel": d.channel,
        "status": d.status,
        "status_label": str(DossierStatus(d.status).label),
        "version": d.version,
        "received_at": d.received_at,
        "due_at": d.due_at,
        "same_day": d.same_day,
        "fee": d.fee,
        "lookup_url": lookup_url(d),
    }


def dossier_view(
    d: Dossier,
    *,
    full: bool,
    allowed: list[str] | None = None,
    handler: bool = False,
    token: str = "",
) -> dict:
    """A dossier with its steps (prefetched), events and, in the full view, personal data, papers (with the
    URLs of their files), the postal shipment, `allowed` (the actions the caller could make now, see
    `moves_open_to`), whether it may be rated and the signed result's URL: the handling officers'
    (`handler`) once attached, the applicant's once handed over online. `token`: the citizen token the
    applicant read it with, carried in the files' URLs.

    Event notes and actors may name the applicant (an applicant's own move is signed with their name):
    the public view leaves them out."""
    data = {
        **_summary(d),
        "view": "full" if full else "public",
        "procedure_name": d.procedure.label,
        "procedure_name_vi": d.procedure.name,
        "procedure_name_en": d.procedure.name_en,
        "unit_name": d.unit.name,
        "overdue": d.is_open and d.paused_at is None and d.due_at < timezone.now(),
        "paused": d.paused_at is not None,
        "current_step": d.current_step.position if d.current_step_id else None,  # type: ignore[union-attr]
        "resolved_at": d.resolved_at,
        "punctuality": d.punctuality,
        "returned_at": d.returned_at,
        "result_method": d.result_method,
        "paid": d.paid_at is not None,
        "steps": [step_out(s) for s in d.steps.all()],
        "events": [
            {
                "at": e.at,
                "kind": e.kind,
                "status_from": e.status_from,
                "status_to": e.status_to,
                "note": e.display_note if full else None,  # in the reader's language
                "actor": e.display_actor if full else None,
                "papers": e.papers if full and e.kind == DossierEvent.Kind.SUPPLEMENT_REQUESTED else None,
            }
            for e in d.events.all()
            if e.public or full
        ],
    }
    if full:
        data.update(
            applicant_name=d.applicant_name,
            applicant_id_number=d.applicant_id_number,
            applicant_phone=d.applicant_phone,
            applicant_email=d.applicant_email,
            applicant_address=d.applicant_address,
            documents=[
                {
                    "id": p.pk,
                    "requirement": p.requirement_id,
                    "name": p.name,
                    "name_en": p.name_en,
                    "has_file": bool(p.file),
                    "content_type": p.content_type,
                    "size": p.size,
                    "is_supplement": p.is_supplement,
                    "url": document_url(d, p.pk, token) if p.file else None,
                }
                for p in d.documents.all()
            ],
            result_note=d.result_note,
            refusal_reason=d.refusal_reason,
            allowed_actions=allowed or [],
            rating_open=rating_open(d),
            result_url=_result_url(d, handler=handler, token=token),
            shipment=_shipment(d),
            papers_asked=_papers_asked(d),
        )
    return data


def _result_url(d: Dossier, *, handler: bool, token: str) -> str | None:
    """The signed result's URL for this reader: the handling officers' once it is attached, the
    applicant's once it is handed over online (as the pages offer it), else None."""
    if handler and d.signed_result is not None:
        return result_url(d)
    if d.delivered_result_file is not None:
        return result_url(d, token)
    return None


def _papers_asked(d: Dossier) -> list[dict]:
    wanted = papers_asked(d, list(d.events.all()))  # the pages' rule
    if not wanted:
        return []
    return [
        {"id": p.pk, "name": p.name, "name_en": p.name_en}
        for p in d.procedure.documents.all()
        if p.pk in wanted
    ]


def _shipment(d: Dossier) -> dict | None:
    try:
        shipment = d.shipment
    except Shipment.DoesNotExist:
        return None
    return {
        "carrier": shipment.carrier,
        "carrier_label": shipment.carrier_label,
        "tracking_number": shipment.tracking_number,
        "address": shipment.address,
        "sent_at": shipment.sent_at,
    }


def created_view(
    d: Dossier,
    steps: list[DossierStep],
    *,
    missing_optional: list[ProcedureDocument],
    with_token: bool,
) -> dict:
    return {
        **_summary(d),
        "steps": [step_out(s) for s in steps],
        "missing_optional": [p.name for p in missing_optional],
        "missing_optional_papers": [
            {"id": p.pk, "name": p.name, "name_en": p.name_en} for p in missing_optional
        ],
        "citizen_token": d.citizen_token if with_token else None,
    }


def _queue_fields(d: Dossier, allowed: list[str]) -> dict:
    """A queue row's dossier fields, whatever its step."""
    return {
        "code": d.code,
        "procedure": d.procedure.code,
        "procedure_name": d.procedure.label,
        "receiving_unit": d.unit.code,
        "applicant_name": d.applicant_name,
        "channel": d.channel,
        "status": d.status,
        "version": d.version,
        "received_at": d.received_at,
        "dossier_due_at": d.due_at,
        "same_day": d.same_day,
        "paused": d.paused_at is not None,
        "allowed_actions": allowed,
    }


def queue_item(step: DossierStep, now: datetime, allowed: list[str]) -> dict:
    d = step.dossier
    overdue = d.paused_at is None and step.due_at is not None and step.due_at < now
    return {**_queue_fields(d, allowed), "overdue": overdue, "step": step_out(step)}


def queue_item_without_step(d: Dossier, allowed: list[str]) -> dict:
    """A dossier of the queue with no step left (its result ready to hand over, or ended): listed at its
    receiving unit, as the queue page lists it; nothing of it is overdue any more."""
    return {**_queue_fields(d, allowed), "overdue": False, "step": None}


# --- The applicant's own dossiers, and paying their fees --------------------------------------------


class MyDossierOut(Schema):
    """One of the citizen's own dossiers (filed online signed in to their account)."""

    code: str
    procedure: str
    procedure_name: str = Field(
        description="the procedure's name in the request's language (its official Vietnamese name when the "
        "catalog has no English one)"
    )
    procedure_name_vi: str = Field(description="the procedure's official (Vietnamese) name")
    procedure_name_en: str = Field(
        description="the procedure's name in English; empty when the catalog has none"
    )
    unit: str
    unit_name: str
    channel: str
    status: str
    status_label: str
    version: int
    received_at: datetime
    due_at: datetime
    overdue: bool
    awaiting_papers: bool = Field(
        description="the dossier waits for additional papers from the applicant (its clock is stopped): "
        "`papers_asked` of `GET /dossiers/{code}` names them, `POST /dossiers/{code}/supplement` sends them"
    )
    resolved_at: datetime | None
    returned_at: datetime | None
    fee: int
    paid: bool
    payment_due: bool = Field(
        description="the fee is paid online now (a level-4 procedure, not paid yet): `POST /dossiers/{code}/payment`"
    )
    rating_open: bool = Field(description="the service may be rated now (`POST /ratings/dossiers/{code}`)")


class MyDossiersOut(Schema):
    count: int
    page: int
    pages: int
    items: list[MyDossierOut]


def my_dossier_item(d: Dossier, *, now: datetime, payment_due: bool, rated: bool) -> dict:
    return {
        "code": d.code,
        "procedure": d.procedure.code,
        "procedure_name": d.procedure.label,
        "procedure_name_vi": d.procedure.name,
        "procedure_name_en": d.procedure.name_en,
        "unit": d.unit.code,
        "unit_name": d.unit.name,
        "channel": d.channel,
        "status": d.status,
        "status_label": str(DossierStatus(d.status).label),
        "version": d.version,
        "received_at": d.received_at,
        "due_at": d.due_at,
        "overdue": d.is_open and d.paused_at is None and d.due_at < now,
        "awaiting_papers": d.status == DossierStatus.SUPPLEMENT,
        "resolved_at": d.resolved_at,
        "returned_at": d.returned_at,
        "fee": d.fee,
        "paid": d.paid_at is not None,
        "payment_due": payment_due,
        "rating_open": d.status in RATEABLE_STATUSES and not rated,
    }


class PaymentIn(Schema):
    token: str = Field(
        "", description="the dossier's citizen token; not needed with the applicant's bearer token"
    )


class PaymentOut(Schema):
    """A payment of a dossier's fee through the payment gateway, pending until the payer settles it on the
    gateway's page."""

    reference: str = Field(description="the payment's reference, as the gateway and the receipt show it")
    provider: str = Field(description="the payment adapter's code (`sandbox`: the built-in test gateway)")
    provider_label: str
    amount: int = Field(description="in đồng")
    state: str = Field(json_schema_extra={"enum": ["pending", "paid", "failed"]})
    checkout_url: str = Field(
        description="the gateway's payment page, to open in a web view or the browser: the payer pays (or "
        "cancels) there, and the gateway then lands on the dossier's lookup page. The built-in sandbox "
        "gateway's address carries a key that opens this payment's page only (no session needed). Read "
        "`paid` of `GET /dossiers/{code}` afterwards"
    )
