"""Reads of the one-stop pages: who handles which dossier, the officer queue, a dossier's page, the desk.

Who sees a dossier in full (personal data included): the officers of the receiving unit and of the units
whose step has begun (the current one and those done; a unit whose step is still to come sees it once it
arrives), and the heads and leaders above them in the organisation tree — the same rule as `authorize`
(a role in the unit or in a unit above it); plus delegates, a delegation to a unit covering only the
dossiers received at that unit or below it (`delegation_covers`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from citydesk.core.models import Delegation, DivisionLevel, Membership, Organisation, OrgKind, User
from citydesk.core.powers import ROLE_POWERS, Power
from citydesk.core.selectors import descendant_ids as _descendants
from citydesk.core.selectors import names_told_apart
from citydesk.core.services import active_delegation_for
from citydesk.core.validators import national_phone
from citydesk.dossiers.models import (
    OPEN_STATUSES,
    Authority,
    Dossier,
    DossierEvent,
    DossierStep,
    Performer,
    Procedure,
    ProcedureStep,
    ServiceLevel,
    Status,
)
from citydesk.dossiers.services.common import city_of
from citydesk.lib.text import nfc, rank_by_words, search_key, sort_key, tracking_code

DOSSIER_POWERS = frozenset({Power.DOSSIER_RECEIVE, Power.DOSSIER_APPROVE})
# Work still to do somewhere: open dossiers, and results waiting to be handed over at the desk.
ACTIVE_STATUSES = (*OPEN_STATUSES, Status.RESULT_READY)
DUE_SOON = dt.timedelta(hours=24)
# The statuses in which the dossier's clock runs (not waiting for the applicant's papers, not ended).
RUNNING_STATUSES = (Status.RECEIVED, Status.IN_PROGRESS)


def papers_asked(dossier: Dossier, events: list[DossierEvent]) -> set[int]:
    """While the dossier waits for additional papers, the ids of the procedure's papers the request being
    answered names (its latest one); none otherwise, or when the request named them in words only."""
    if dossier.status != Status.SUPPLEMENT:
        return set()
    kind = DossierEvent.Kind.SUPPLEMENT_REQUESTED
    request = next((e for e in reversed(events) if e.kind == kind), None)
    return set(request.papers) if request is not None else set()


_PHONE_LIKE = re.compile(r"\+?[\d\s.\-()]*\d[\d\s.\-()]*")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


def lookup_text(value: str | None) -> str:
    """A code or search text from a URL, a query string or a form, as looked up: trimmed and without NUL
    characters (no stored code holds one, and PostgreSQL refuses them in a query)."""
    return (value or "").replace("\x00", "").strip()


# --- Who handles what -----------------------------------------------------------------------------


def _roots(user: User, powers: frozenset[str] = DOSSIER_POWERS) -> set[int]:
    """The organisations where `user` holds one of `powers` through a role of their own."""
    if not user.is_authenticated or not user.is_active:
        return set()
    return {
        m.organisation_id
        for m in Membership.objects.filter(user=user, is_active=True).only("organisation_id", "role")
        if ROLE_POWERS.get(m.role, frozenset()) & powers
    }


def working_units(user: User) -> set[int]:
    """The organisations whose dossier work this officer sees: their own units and those below."""
    roots = _roots(user)
    return _descendants(roots) if roots else set()


def receiving_units(user: User) -> list[Organisation]:
    """The units where `user` may receive dossiers at the desk (a role with the receiving power there)."""
    roots = _roots(user, frozenset({Power.DOSSIER_RECEIVE}))
    units = Organisation.objects.filter(pk__in=roots, is_active=True).select_related("admin_unit")
    return sorted(units, key=lambda u: sort_key(u.name))


def step_begun(dossier: Dossier, step: DossierStep) -> bool:
    """Has the dossier reached `step` (the current step, or one done)?"""
    return step.started_at is not None or step.completed_at is not None or step.pk == dossier.current_step_id


def handling_units(dossier: Dossier, steps: list[DossierStep]) -> list[Organisation]:
    """The units whose officers read the dossier in full: the receiving unit, and the unit of each step the
    dossier has reached. A unit whose step is still to come has no need of the applicant's personal data
    yet (a department's step after the ward's): it reads them once the dossier arrives there, as its
    queue then lists it."""
    units = {dossier.unit_id: dossier.unit}
    for step in steps:
        if step_begun(dossier, step):
            units.setdefault(step.unit_id, step.unit)
    return list(units.values())


def delegation_covers(delegation: Delegation, dossier: Dossier) -> bool:
    """Does `delegation` reach `dossier`? One to a person lets them act for the giver over the giver's
    unit. One to a unit (its heads act) lends the giver's power for that unit's own dossiers: those
    received at the delegate unit or a unit below it — not every dossier of the city that passes through
    the giver's unit (a ward approving a department's steps of another ward's dossier)."""
    if delegation.delegate_organisation_id is None:
        return True
    return delegation.delegate_organisation_id in dossier.unit.ancestor_ids()


def may_handle(user: User, dossier: Dossier, steps: list[DossierStep]) -> bool:
    """Officers of the receiving unit or of a unit whose step has begun, the heads and leaders above them,
    delegates whose delegation covers the dossier (`delegation_covers`)."""
    if not user.is_authenticated or not user.is_active:
        return False
    roots = _roots(user)
    units = handling_units(dossier, steps)
    if roots and any(roots.intersection(unit.ancestor_ids()) for unit in units):
        return True
    for unit in units:
        for power in DOSSIER_POWERS:
            covering = active_delegation_for(
                user, power, unit, covers=lambda d: delegation_covers(d, dossier)
            )
            if covering is not None:
                return True
    return False


def is_applicant(user: User | None, dossier: Dossier) -> bool:
    return bool(user is not None and user.is_authenticated and dossier.applicant_id == user.pk)


# --- The desk -------------------------------------------------------------------------------------


def is_commune(unit: Organisation) -> bool:
    admin_unit = unit.admin_unit
    return (
        unit.kind == OrgKind.PEOPLES_COMMITTEE
        and admin_unit is not None
        and admin_unit.level == DivisionLevel.WARD
    )


def receivable_procedures(unit: Organisation, q: str = "") -> list[Procedure]:
    """The active procedures `unit` may receive (the service's rule), matching `q` without accents."""
    qs = Procedure.objects.filter(is_active=True, steps__isnull=False).distinct()
    if not is_commune(unit):
        department = unit.code.rsplit(".", 1)[-1] if "." in unit.code else None
        allowed = Q(authority=Authority.CITY)
        if department:
            allowed |= Q(authority=Authority.DEPARTMENT, department_code=department)
        qs = qs.filter(allowed)
    # Not offered where it could not be received: a step (or, received at a commune, the decision) of a
    # department the unit's city does not have.
    city = city_of(unit)
    departments = [
        code.split(".", 1)[1]
        for code in Organisation.objects.filter(code__startswith=f"{city.code}.", is_active=True).values_list(
            "code", flat=True
        )
    ]
    department_steps = ProcedureStep.objects.filter(procedure=OuterRef("pk"), performer=Performer.DEPARTMENT)
    qs = qs.exclude(Exists(department_steps.exclude(department_code__in=departments))).filter(
        ~Q(authority=Authority.DEPARTMENT) | Q(department_code__in=departments) | Exists(department_steps)
    )
    procedures = sorted(qs, key=lambda p: (sort_key(p.label), p.code))
    q = lookup_text(q)
    if not search_key(q):
        return procedures
    # Word by word, as the public catalog searches ("đăng kí", "làm giấy khai sinh"), or by the code typed.
    exact = [p for p in procedures if p.code.lower() == q.lower()]
    return exact or rank_by_words(q, procedures, lambda p: (p.search_name,))


def online_procedure(code: str) -> Procedure | None:
    return (
        Procedure.objects.filter(code=lookup_text(code), is_active=True).prefetch_related("documents").first()
    )


def online_units(procedure: Procedure) -> list[Organisation]:
    """Where a procedure is filed online: the commune-level units, or the competent department.

    Each unit carries `choice_label`: its name, followed by its province's when another unit of the list
    has the same name (on a platform serving two cities, Hà Nội's "Sở Tư pháp" and Hồ Chí Minh City's)."""
    communes = list(
        Organisation.objects.filter(
            is_active=True,
            kind=OrgKind.PEOPLES_COMMITTEE,
            admin_unit__level=DivisionLevel.WARD,
        ).select_related("admin_unit")
    )
    extra: list[Organisation] = []
    if procedure.authority == Authority.DEPARTMENT and procedure.department_code:
        extra = list(
            Organisation.objects.filter(
                is_active=True, code__endswith=f".{procedure.department_code}"
            ).select_related("admin_unit", "parent__admin_unit")  # its province: the parent's unit
        )
    units = sorted(extra, key=lambda u: sort_key(u.name)) + sorted(communes, key=lambda u: sort_key(u.name))
    _label_choices(units)
    return units


def _label_choices(units: list[Organisation]) -> None:
    labels = names_told_apart(units)
    for unit in units:
        unit.choice_label = labels[unit.pk]  # type: ignore[attr-defined]


def resolve_unit(text: str, units: list[Organisation]) -> str:
    """A unit typed as its code, its label in the list, or (part of) its name, with or without accents →
    its code, or "" when nothing or more than one unit matches (two cities' "Sở Tư pháp")."""
    text = nfc(text or "").strip()
    if not text:
        return ""
    for unit in units:
        if text in (unit.code, getattr(unit, "choice_label", unit.name)):
            return unit.code
    words = search_key(text).split()  # each word typed, in any order: "xay dung ho chi minh"
    matches = [u for u in units if all(w in search_key(getattr(u, "choice_label", u.name)) for w in words)]
    return matches[0].code if len(matches) == 1 else ""


def is_online(procedure: Procedure) -> bool:
    return procedure.service_level >= ServiceLevel.LEVEL_3


# --- The officer queue ----------------------------------------------------------------------------

QUEUE_RELATED = ("procedure", "unit", "current_step", "current_step__unit")


@dataclass(frozen=True)
class QueueFilters:
    status: str = "active"  # "active", "all", "overdue" or a status
    procedure: str = ""
    overdue: bool = False
    q: str = ""


def queue(units: set[int], filters: QueueFilters) -> QuerySet[Dossier]:
    """Dossiers at a step of my units, and those my units received that are now elsewhere (read-only)."""
    qs = Dossier.objects.filter(Q(current_step__unit_id__in=units) | Q(unit_id__in=units))
    status = filters.status or "active"
    if status == "active":
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    elif status in Status.values:
        qs = qs.filter(status=status)
    elif status != "all":
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    # The earlier of the current step's due time and the dossier's own (its appointment): a dossier past
    # its appointment is late even while its current step, started late, still has time.
    # (Coalesce first: with a NULL argument SQLite's MIN is NULL, PostgreSQL's LEAST ignores it.)
    due = Least(Coalesce("current_step__due_at", "due_at"), "due_at")
    qs = qs.annotate(work_due=due)
    if filters.overdue or status == "overdue":
        qs = qs.filter(status__in=RUNNING_STATUSES, paused_at__isnull=True, work_due__lt=timezone.now())
    if filters.procedure:
        qs = qs.filter(procedure__code=lookup_text(filters.procedure))
    text = lookup_text(filters.q)
    if text:
        qs = qs.filter(code_or_applicant(text))
    return qs.order_by("work_due", "pk")


def code_or_applicant(text: str, path: str = "") -> Q:
    """Dossiers (through `path`, e.g. "dossier__") whose code is `text`, or whose applicant's name or phone
    holds it: "nguyen van a" and "NGUYỄN VĂN A" find "Nguyễn Văn A"; "0909 888 777", "+84 909 888 777"
    and "84909888777" the stored 0909888777 (phones are stored in their national form,
    `core.validators.national_phone`). A number in national form also finds a row stored before that rule with
    its "+84" (its digits after the 0 follow "84")."""
    keys = []
    if _PHONE_LIKE.fullmatch(text):
        phone = national_phone(_PHONE_SEPARATORS.sub("", text))
        keys = [phone]
        if phone.startswith("0") and len(phone) > 1:
            keys.append("84" + phone[1:])
    elif key := search_key(text):
        keys = [key]
    found = Q(**{f"{path}code": tracking_code(text)})  # "hs26000121", "HS 26 121": HS-26-000121
    for key in keys:
        found |= Q(**{f"{path}search_text__contains": key})
    return found


def work_due(dossier: Dossier) -> dt.datetime | None:
    """When the dossier's work is due: the earlier of its current step's due time and its own (the
    queue's `work_due`, in Python)."""
    step = dossier.current_step
    times = [t for t in (step.due_at if step is not None else None, dossier.due_at) if t is not None]
    return min(times, default=None)


def is_running(dossier: Dossier) -> bool:
    """Does the dossier's clock run (open, not waiting for the applicant's papers)?"""
    return dossier.status in RUNNING_STATUSES and dossier.paused_at is None


def is_overdue(dossier: Dossier, now: dt.datetime | None = None) -> bool:
    """Past its own due time or its current step's, while its clock runs (the queue's "overdue only")."""
    due = work_due(dossier)
    return is_running(dossier) and due is not None and due < (now or timezone.now())


@dataclass
class QueueRow:
    dossier: Dossier
    due: dt.datetime | None
    mine: bool  # the current step is at one of my units
    elsewhere: Organisation | None  # the unit of the current step, when it is not one of mine
    overdue: bool
    due_soon: bool
    paused: bool


def queue_page(units: set[int], filters: QueueFilters, page: int | str = 1, page_size: int = 30) -> Page:
    """One page of the queue in a constant number of queries (ids first, then that page's rows)."""
    ordered = queue(units, filters)
    paginator = Paginator(ordered.values_list("pk", flat=True), page_size)
    result = paginator.get_page(page)
    ids = list(result.object_list)
    rows = Dossier.objects.select_related(*QUEUE_RELATED).in_bulk(ids)
    now = timezone.now()
    out = []
    for pk in ids:
        dossier = rows.get(pk)
        if dossier is None:
            continue
        step = dossier.current_step
        due = work_due(dossier)
        running = is_running(dossier)
        out.append(
            QueueRow(
                dossier=dossier,
                due=due,
                mine=step is not None and step.unit_id in units,
                elsewhere=step.unit if step is not None and step.unit_id not in units else None,
                overdue=bool(running and due and due < now),
                due_soon=bool(running and due and now <= due < now + DUE_SOON),
                paused=dossier.status == Status.SUPPLEMENT,
            )
        )
    result.object_list = out
    return result


def queue_procedures(units: set[int]) -> list[tuple[str, str]]:
    """The procedures for the queue's filter, (code, name in the active language): those of my units'
    active dossiers."""
    rows = (
        Procedure.objects.filter(
            Q(dossiers__unit_id__in=units) | Q(dossiers__current_step__unit_id__in=units),
            dossiers__status__in=ACTIVE_STATUSES,
        )
        .values_list("code", "name", "name_en")
        .distinct()
    )
    labels = {code: Procedure(code=code, name=name, name_en=name_en).label for code, name, name_en in rows}
    return sorted(labels.items(), key=lambda r: sort_key(r[1]))


# --- One dossier ----------------------------------------------------------------------------------


def dossier_for_page(code: str) -> Dossier | None:
    return (
        Dossier.objects.select_related(
            "procedure", "unit", "unit__parent", "current_step", "current_step__unit", "received_by"
        )
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=DossierStep.objects.select_related("unit", "unit__parent", "completed_by").order_by(
                    "position"
                ),
            ),
            "documents",
            "events",
            "payments",
            "procedure__documents",
        )
        .filter(code=lookup_text(code).upper())
        .first()
    )


def shipment_of(dossier: Dossier) -> Any:
    from citydesk.dossiers.models import Shipment

    return Shipment.objects.filter(dossier=dossier).first()


def is_last_step(dossier: Dossier, steps: list[DossierStep]) -> bool:
    step = dossier.current_step
    return step is not None and not any(s.position > step.position for s in steps)
