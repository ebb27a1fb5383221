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
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.core.errors import NotAllowed, NotFound
from citydesk.core.models import (
    AuditEntry,
    Delegation,
    DivisionLevel,
    Membership,
    Organisation,
    OrgKind,
    User,
)
from citydesk.core.powers import ROLE_POWERS, Power, Role
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


# --- What waits at a unit: one definition for the queue page, the API's queue and the backlog ------
#
# A dossier *waits at* a unit when its current step is that unit's (begun, not completed); a ward's
# one-stop desk (Bộ phận Một cửa) counts with its ward. Of those, it is *overdue* while its clock runs
# (not waiting for the applicant's papers) past its current step's due time or its own (the
# appointment). The queue page (its rows at a step of my units and its "overdue only"), the API's queue
# (GET /api/v1/dossiers) and the backlog's "waiting at the unit" all count with these functions.


def with_desks(unit_ids: Iterable[int]) -> dict[int, int]:
    """`unit_ids` and the one-stop desks right under them, each mapped to the unit it counts with (a desk:
    its ward; a unit: itself)."""
    rows = set(unit_ids)
    desks = Organisation.objects.filter(parent_id__in=rows, kind=OrgKind.ONE_STOP_DESK).values_list(
        "pk", "parent_id"
    )
    return {pk: pk for pk in rows} | {desk: parent for desk, parent in desks if desk not in rows}


def waiting_steps(units: Iterable[int]) -> QuerySet[DossierStep]:
    """The steps waiting at `units`: begun and not completed, each its dossier's current step (the partial
    index of active steps, dossierstep_active: unit, due_at)."""
    return DossierStep.objects.filter(
        unit_id__in=sorted(units), started_at__isnull=False, completed_at__isnull=True
    )


def waiting_q(units: Iterable[int], step: str = "current_step__") -> Q:
    """`waiting_steps` read from the dossiers (through their current step, `step`)."""
    return Q(
        **{
            f"{step}unit_id__in": sorted(units),
            f"{step}started_at__isnull": False,
            f"{step}completed_at__isnull": True,
        }
    )


def past_due_q(now: dt.datetime, *, step: str, dossier: str) -> Q:
    """Past the current step's due time (`step`: the path to the step's fields) or the dossier's own
    (`dossier`: the path to the dossier's): a dossier past its appointment is late even while its current
    step, started late, still has time."""
    return Q(**{f"{step}due_at__lt": now}) | Q(**{f"{dossier}due_at__lt": now})


def clock_running_q(dossier: str = "") -> Q:
    """The dossier's clock runs: open, and not waiting for the applicant's papers."""
    return Q(**{f"{dossier}status__in": RUNNING_STATUSES, f"{dossier}paused_at__isnull": True})


def overdue_q(now: dt.datetime, *, step: str = "current_step__", dossier: str = "") -> Q:
    """Overdue: the clock runs and the dossier is past its step's due time or its own. From the dossiers
    by default; from the steps with `step=""`, `dossier="dossier__"`."""
    return past_due_q(now, step=step, dossier=dossier) & clock_running_q(dossier)


def narrowed_units(units: set[int], code: str) -> set[int]:
    """The queue narrowed to the unit whose code is `code` (with its one-stop desks, as the backlog counts
    it), among `units`, the units the viewer's queue covers. NotFound (404) for an unknown code,
    NotAllowed (403) for a unit outside them: a refusal naming the code, nothing of that unit shown."""
    text = lookup_text(code)
    org_id = Organisation.objects.filter(code=text).values_list("pk", flat=True).first()
    if org_id is None:
        raise NotFound(_("Unknown organisation code “%(code)s”.") % {"code": text[:40]}, field="unit")
    if org_id not in units:
        raise NotAllowed(_("%(unit)s is not one of your units.") % {"unit": text[:40]}, field="unit")
    return {pk for pk in with_desks([org_id]) if pk in units}


# --- The officer queue ----------------------------------------------------------------------------

QUEUE_RELATED = ("procedure", "unit", "current_step", "current_step__unit")


@dataclass(frozen=True)
class QueueFilters:
    status: str = "active"  # "active", "all", "overdue" or a status
    procedure: str = ""
    overdue: bool = False
    q: str = ""


def queue(units: set[int], filters: QueueFilters, now: dt.datetime | None = None) -> QuerySet[Dossier]:
    """Dossiers waiting at a step of my units, and those my units received that are now at another unit's
    step (read-only) or have no step left (a result to hand over, or ended). "Overdue only" lists the
    ones waiting at my units that are overdue (`overdue_q`): a dossier my unit received that waits at a
    department's step is the department's overdue work, counted there. Digits typed in the search find
    the dossier with that number first (`code_number_q`)."""
    mine = waiting_q(units)
    qs = Dossier.objects.filter(mine | Q(unit_id__in=units))
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
        qs = qs.filter(mine & overdue_q(now or timezone.now()))
    if filters.procedure:
        qs = qs.filter(procedure__code=lookup_text(filters.procedure))
    text = lookup_text(filters.q)
    if text:
        qs = qs.filter(code_or_applicant(text))
        number = code_number_q(text)
        if number is not None:  # the dossier with that number before the phones holding the digits
            first = Case(When(number, then=Value(0)), default=Value(1), output_field=IntegerField())
            return qs.annotate(code_first=first).order_by("code_first", "work_due", "pk")
    return qs.order_by("work_due", "pk")


@dataclass(frozen=True)
class QueueSummary:
    """What the queue lists, by kind, so that its count says what it counts."""

    total: int
    waiting: int  # at a step of my units: the backlog's "waiting at the unit"
    overdue: int  # of those, overdue: the queue's "overdue only", the backlog's and the API's count
    ready: int  # results ready to hand over at my units' desks
    elsewhere: int  # received by my units, now at another unit's step (read-only here)
    ended: int  # returned, refused or withdrawn (listed with the status "all" or one of those)


def queue_summary(units: set[int], filters: QueueFilters, now: dt.datetime | None = None) -> QueueSummary:
    """The queue's rows counted by kind, in one query."""
    now = now or timezone.now()
    mine = waiting_q(units)
    row = (
        queue(units, filters, now)
        .order_by()
        .aggregate(
            total=Count("pk"),
            waiting=Count("pk", filter=mine),
            overdue=Count("pk", filter=mine & overdue_q(now)),
            ready=Count("pk", filter=Q(status=Status.RESULT_READY)),
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        )
    )
    total, waiting, ready, open_ = row["total"], row["waiting"], row["ready"], row["open"]
    return QueueSummary(
        total=total,
        waiting=waiting,
        overdue=row["overdue"],
        ready=ready,
        elsewhere=open_ - waiting,
        ended=total - open_ - ready,
    )


# "26-000121", "26 121", "26000121": a year's two digits and a number; "000121", "121": a number.
_YEAR_AND_NUMBER = re.compile(r"(\d{2})\s*[-./\s]\s*(\d{1,6})|(\d{2})(\d{6})")
_NUMBER = re.compile(r"\d{1,6}")


def code_number_q(text: str, path: str = "") -> Q | None:
    """The dossiers whose code the digits typed stand for, or None for other text: a year and a number
    ("26-000121", "26000121") → HS-26-000121; a number alone ("000121", "121") → the dossier of that
    number, whatever its year (HS-26-000121, HS-25-000121…). The prefix is the platform's."""
    typed = (text or "").strip()
    if not typed.isascii():
        return None
    if match := _YEAR_AND_NUMBER.fullmatch(typed):
        year = match.group(1) or match.group(3)
        number = int(match.group(2) or match.group(4))
        prefix = getattr(settings, "CITYDESK_DOSSIER_CODE_PREFIX", "HS")
        return Q(**{f"{path}code": f"{prefix}-{year}-{number:06d}"}) if number else None
    if _NUMBER.fullmatch(typed) and int(typed):
        return Q(**{f"{path}code__endswith": f"-{int(typed):06d}"})
    return None


def code_or_applicant(text: str, path: str = "") -> Q:
    """Dossiers (through `path`, e.g. "dossier__") whose code is `text` (or whose number it is:
    `code_number_q`), or whose applicant's name or phone holds it: "nguyen van a" and "NGUYỄN VĂN A" find
    "Nguyễn Văn A"; "0909 888 777", "+84 909 888 777" and "84909888777" the stored 0909888777 (phones are
    stored in their national form, `core.validators.national_phone`). A number in national form also finds
    a row stored before that rule with its "+84" (its digits after the 0 follow "84")."""
    keys = []
    if _PHONE_LIKE.fullmatch(text):
        phone = national_phone(_PHONE_SEPARATORS.sub("", text))
        keys = [phone]
        if phone.startswith("0") and len(phone) > 1:
            keys.append("84" + phone[1:])
    elif key := search_key(text):
        keys = [key]
    found = Q(**{f"{path}code": tracking_code(text)})  # "hs26000121", "HS 26 121": HS-26-000121
    if (number := code_number_q(text, path)) is not None:
        found |= number
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
    """Does the dossier's clock run (open, not waiting for the applicant's papers)? (`clock_running_q`)"""
    return dossier.status in RUNNING_STATUSES and dossier.paused_at is None


def is_overdue(dossier: Dossier, now: dt.datetime | None = None) -> bool:
    """Past its own due time or its current step's, while its clock runs (`overdue_q`, in Python)."""
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


# --- Who made each move, and in what right (the audit trail behind the history) -------------------

# The history line each audited dossier action writes (services.moves.EVENT_OF, the intake, the fee at
# the desk, the apology, the signed result's file).
AUDITED_EVENTS = {
    "dossier.receive": DossierEvent.Kind.RECEIVED,
    "dossier.forward": DossierEvent.Kind.STEP_DONE,
    "dossier.finish": DossierEvent.Kind.RESULT_READY,
    "dossier.request_supplement": DossierEvent.Kind.SUPPLEMENT_REQUESTED,
    "dossier.supplement_received": DossierEvent.Kind.SUPPLEMENT_RECEIVED,
    "dossier.refuse": DossierEvent.Kind.REFUSED,
    "dossier.return_result": DossierEvent.Kind.RETURNED,
    "dossier.withdraw": DossierEvent.Kind.WITHDRAWN,
    "dossier.record_payment": DossierEvent.Kind.PAID,
    "dossier.apology": DossierEvent.Kind.APOLOGY,
    "dossier.result_file": DossierEvent.Kind.RESULT_FILE,
}
# The moves that complete the current step (and sign it, at a step of a deputy, a head or a leader).
STEP_COMPLETING = frozenset({"dossier.forward", "dossier.finish", "dossier.refuse"})


@dataclass(frozen=True)
class ActedAs:
    """Who made one move of a dossier, as the audit trail recorded it."""

    user_id: int | None
    label: str
    on_behalf_of: str  # the giver's name when the move was made under a delegation (ủy quyền), else ""
    step: int | None  # the position of the dossier's current step when the move was made


@dataclass
class Acts:
    events: dict[int, ActedAs]  # history line's id → who made the move that wrote it
    steps: dict[int, ActedAs]  # step position → who completed it


def acts_of(dossier: Dossier, events: list[DossierEvent]) -> Acts:
    """Each audited history line of `dossier` with who made its move and in what right, and each step
    with who completed it (one query on the audit trail's index by object). The history keeps a name only;
    the audit entry of the same move, written in the same transaction just after the history line, keeps
    the right (own or delegated) and on whose behalf. A line is matched to the latest unmatched line of
    its kind written at or before its audit entry (entries read from the newest)."""
    entries = list(
        AuditEntry.objects.filter(
            object_type="dossier", object_id=dossier.code, action__in=list(AUDITED_EVENTS)
        )
        .order_by("-id")
        .values("action", "at", "actor_id", "actor_label", "right", "on_behalf_of", "before")
    )
    by_kind: dict[str, list[DossierEvent]] = {}
    for event in events:
        by_kind.setdefault(event.kind, []).append(event)
    taken: set[int] = set()
    acts = Acts(events={}, steps={})
    for entry in entries:
        before = entry["before"] if isinstance(entry["before"], dict) else {}
        position = before.get("step")
        acted = ActedAs(
            user_id=entry["actor_id"],
            label=entry["actor_label"],
            on_behalf_of=entry["on_behalf_of"] if entry["right"] == AuditEntry.Right.DELEGATED else "",
            step=position if isinstance(position, int) else None,
        )
        if entry["action"] in STEP_COMPLETING and acted.step is not None:
            acts.steps.setdefault(acted.step, acted)
        candidates = [
            e
            for e in by_kind.get(AUDITED_EVENTS[entry["action"]], [])
            if e.pk not in taken and e.at <= entry["at"]
        ]
        if candidates:
            event = max(candidates, key=lambda e: (e.at, e.pk))
            taken.add(event.pk)
            acts.events[event.pk] = acted
    return acts


def signer_title(user_id: int | None, unit: Organisation) -> str:
    """The title under which a person signs for `unit`: their title (or role) in that unit or a unit
    above it; else (a delegate from another unit) their title where they hold one, with that unit's name.
    "" for nobody known."""
    if user_id is None:
        return ""
    rank = {"head": 0, "leader": 1, "deputy": 2, "officer": 3}
    memberships = sorted(
        Membership.objects.filter(user_id=user_id, is_active=True).select_related("organisation"),
        key=lambda m: (rank.get(m.role, 9), m.pk),
    )
    above = set(unit.ancestor_ids())
    own = [m for m in memberships if m.organisation_id in above]
    chosen = (own or memberships or [None])[0]
    if chosen is None:
        return ""
    title = chosen.title or (Role(chosen.role).label if chosen.role in Role.values else chosen.role)
    if not own and not chosen.title:
        return f"{title}, {chosen.organisation.name}"
    return str(title)
