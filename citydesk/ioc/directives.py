"""Follow-up directives (chỉ đạo): a leader or a unit head flags a report or a unit below them for
follow-up; the unit's head or deputy acknowledges it and reports back. Every move is audited and
notifies the other side.

Who may issue: someone whose operations-center scope covers the target unit and who is a head or a
leader of a unit strictly above it, or a leader of the unit itself (a ward head directs the units below
the ward, never another ward nor their own ward; the city's leaders direct any unit of the city).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import Conflict, DomainError, NotAllowed, NotFound
from citydesk.core.models import AuditEntry, Membership, Organisation, User
from citydesk.core.powers import ROLE_POWERS, Power, Role
from citydesk.core.selectors import descendant_ids as _descendants
from citydesk.core.services import authorize
from citydesk.ioc.access import dashboard_scope
from citydesk.ioc.models import Directive
from citydesk.lib.text import nfc
from citydesk.notifications.services import notification_queue
from citydesk.reports.models import Report
from citydesk.reports.selectors import normalise_code

# Roles that direct the units below them (a deputy sees the dashboards but does not issue directives).
ISSUING_ROLES = frozenset({Role.HEAD, Role.LEADER})
# Roles that also direct their own unit.
SELF_DIRECTING_ROLES = frozenset({Role.LEADER})
# Roles that answer a directive addressed to their unit.
ANSWERING_ROLES = frozenset({Role.HEAD, Role.DEPUTY})

Status = Directive.Status
PENDING = (Status.OPEN, Status.ACKNOWLEDGED)


# --- Who may issue --------------------------------------------------------------------------------


def _issuing_memberships(user: User) -> list[Membership]:
    if not user.is_authenticated or not user.is_active:
        return []
    return [
        m
        for m in Membership.objects.filter(user=user, is_active=True, role__in=ISSUING_ROLES)
        if Power.VIEW_DASHBOARD in ROLE_POWERS.get(m.role, frozenset())
    ]


def _directs(memberships: list[Membership], target: Organisation) -> bool:
    ancestors = target.ancestor_ids()  # the target first, then the units above it
    for m in memberships:
        if m.organisation_id in ancestors[1:]:
            return True
        if m.role in SELF_DIRECTING_ROLES and m.organisation_id == target.pk:
            return True
    return False


def _may_issue(user: User, target: Organisation, scope: frozenset[int] | None) -> bool:
    in_scope = scope is None or target.pk in scope
    return in_scope and _directs(_issuing_memberships(user), target)


def may_issue(user: User, target: Organisation) -> bool:
    """May `user` issue a directive to `target` (or about one of its reports), and is there someone in
    `target` to answer it?"""
    if not _directs(_issuing_memberships(user), target):  # cheap: most officers stop here
        return False
    try:
        scope = dashboard_scope(user)
    except NotAllowed:
        return False
    return _may_issue(user, target, scope) and bool(answerers(target))


def _answering_memberships() -> QuerySet[Membership]:
    return Membership.objects.filter(is_active=True, user__is_active=True, role__in=ANSWERING_ROLES)


def answerers(organisation: Organisation) -> list[User]:
    """Who answers a directive to `organisation` and is told of it: its heads, or its deputies when it
    has no head. None: a unit nobody heads (a one-stop desk, the city's own committee) cannot act on one."""
    rows = list(_answering_memberships().filter(organisation=organisation).select_related("user"))
    heads = [m.user for m in rows if m.role == Role.HEAD]
    people = heads or [m.user for m in rows]
    return sorted({u.pk: u for u in people}.values(), key=lambda u: u.pk)


def issuable_units(user: User) -> QuerySet[Organisation]:
    """The active units `user` may direct and that have a head or deputy to answer, by name (the
    directives page's unit list)."""
    memberships = _issuing_memberships(user)
    above = {m.organisation_id for m in memberships}
    own = {m.organisation_id for m in memberships if m.role in SELF_DIRECTING_ROLES}
    children = set(Organisation.objects.filter(parent_id__in=above).values_list("pk", flat=True))
    ids = (_descendants(children) if children else set()) | own
    answered = _answering_memberships().filter(organisation_id__in=ids).values("organisation_id")
    return Organisation.objects.filter(pk__in=answered, is_active=True).order_by("name")


# --- Writes ---------------------------------------------------------------------------------------


def _clean_text(value: str | None, field: str) -> str:
    text = nfc(value or "")
    if not text:
        if field == "response":
            raise DomainError(_("Say what was done."), field=field)
        if field == "note":
            raise DomainError(_("Say what is still to be done."), field=field)
        raise DomainError(_("Write the directive."), field=field)
    if len(text) > Directive.TEXT_MAX:
        raise DomainError(
            _("At most %(max)s characters (this one has %(n)s).")
            % {
                "max": number_format(Directive.TEXT_MAX, force_grouping=True),  # 2.000, as the hint says
                "n": number_format(len(text), force_grouping=True),
            },
            field=field,
        )
    return text


class _OutOfSight(NotFound, NotAllowed):
    """A report or directive outside the person's scope: refused (a NotAllowed to the callers that test for
    one), and said as if it did not exist (a NotFound, with the message of one that does not): which unit
    handles a report or a directive is not told to outsiders, nor that it exists."""


def _in_scope(scope: frozenset[int] | None, organisation_id: int) -> bool:
    return scope is None or organisation_id in scope


def _target(
    unit_code: str | None, report_code: str | None, scope: frozenset[int] | None = None
) -> tuple[Organisation, Report | None]:
    """The unit a directive goes to, and its report. A report outside `scope` (the issuer's operations
    center) is answered as one that does not exist, before anything names its unit. A unit is named by
    the person themselves (the units' names are public): refused further on, by name."""
    unit_code = (unit_code or "").strip()
    report_code = normalise_code(report_code)  # "pa-24-531" as officers type it: PA-24-000531
    unit = None
    if unit_code:
        unit = Organisation.objects.filter(code=unit_code, is_active=True).first()
        if unit is None:
            raise NotFound(_("Unknown unit “%(code)s”.") % {"code": unit_code}, field="unit")
    if report_code:
        report = Report.objects.select_related("unit").filter(code=report_code).first()
        if report is None:
            raise NotFound(_("No report %(code)s.") % {"code": report_code}, field="report")
        if not _in_scope(scope, report.unit_id):
            raise _OutOfSight(_("No report %(code)s.") % {"code": report_code}, field="report")
        if unit is not None and unit.pk != report.unit_id:
            raise DomainError(
                _("Report %(code)s is handled by %(org)s: leave the unit empty or choose that unit.")
                % {"code": report.code, "org": report.unit.name},
                field="unit",
            )
        return report.unit, report
    if unit is None:
        raise DomainError(_("Choose the unit, or give a report's code."), field="unit")
    return unit, None


def _snapshot(directive: Directive) -> dict[str, Any]:
    return {
        "status": directive.status,
        "organisation": directive.organisation.code,
        "report": directive.report.code if directive.report_id else None,
        "issued_by": directive.issued_by_id,
        "text": directive.text,
        "due": directive.due.isoformat() if directive.due else None,
        "response": directive.response,
        "follow_up": directive.follow_up,
    }


def _notify(people: list[User], subject: str, body: str) -> None:
    for person in people:
        notification_queue(channel="in_app", recipient=person, subject=subject, body=body)
        if person.email:
            notification_queue(channel="email", recipient=person, subject=subject, body=body)


def _link(directive: Directive) -> str:
    return f"{settings.CITYDESK_PUBLIC_URL}{reverse('ioc:directives')}#directive-{directive.pk}"


def _about(directive: Directive) -> str:
    if directive.report_id:
        return _("report %(code)s") % {"code": directive.report.code}
    return directive.organisation.name


SUBJECT_WORDS = 60  # characters of a directive's text quoted in a message's subject


def excerpt(text: str, limit: int = SUBJECT_WORDS) -> str:
    """The text on one line, at most `limit` characters cut after a whole word, with "…" when cut (a
    single word longer than that is cut where it must)."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    head = words[: limit + 1]  # a space right after the limit: the last word is whole
    space = head.rfind(" ")
    head = head[:space] if space > 0 else words[:limit]
    return f"{head.rstrip(' ,;:.-–—')}…"


def _what(directive: Directive) -> str:
    """The directive as its issuer or its unit recognises it in a message's subject: its report, or its
    first words (“about Sở Xây dựng” named the unit that was answering)."""
    if directive.report_id:
        return _about(directive)
    return f"“{excerpt(directive.text)}”"


@transaction.atomic
def directive_issue(
    user: User,
    *,
    unit_code: str | None = None,
    report_code: str | None = None,
    text: str,
    due: date | None = None,
) -> Directive:
    """Issue a directive to a unit, or to the unit handling a report; its heads are told."""
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed(_("You must log in to do this."))
    scope = dashboard_scope(user)  # refuses people without the operations center before any look-up
    organisation, report = _target(unit_code, report_code, scope)
    if not _may_issue(user, organisation, scope):
        raise NotAllowed(
            _(
                "You cannot issue directives to %(org)s: only its leaders and the heads of the units above it can."
            )
            % {"org": organisation.name}
        )
    actor = authorize(user, Power.VIEW_DASHBOARD, organisation)
    recipients = answerers(organisation)
    if not recipients:
        field = "report" if report is not None else "unit"
        raise DomainError(
            _(
                "%(org)s has no head or deputy to answer a directive: direct the unit above it, or one "
                "that has a head."
            )
            % {"org": organisation.name},
            field=field,
        )
    text = _clean_text(text, "text")
    if due is not None and due < timezone.localdate():
        raise DomainError(_("The due date cannot be in the past."), field="due")
    directive = Directive.objects.create(
        issued_by=user, organisation=organisation, report=report, text=text, due=due
    )
    audit_record(
        actor=actor,
        action="directive.issue",
        object_type="directive",
        object_id=directive.pk,
        after=_snapshot(directive),
    )
    with translation.override(settings.LANGUAGE_CODE):  # the recipients read the platform's language
        if report is not None:
            subject = _("Directive from %(name)s about %(about)s") % {
                "name": actor.label,
                "about": _about(directive),
            }
        else:  # to the unit itself: "Chỉ đạo của … gửi UBND Phường …", not "về" its own name
            subject = _("Directive from %(name)s to %(org)s") % {
                "name": actor.label,
                "org": organisation.name,
            }
        due_line = _("Due by %(d)s.") % {"d": directive.due.strftime("%d/%m/%Y")} if directive.due else ""
        body = "\n".join(line for line in (directive.text, due_line, _link(directive)) if line)
        _notify(recipients, subject, body)
    return directive


def _locked(directive_id: int | str) -> Directive:
    try:
        pk = int(directive_id)
    except (TypeError, ValueError):
        pk = 0
    directive = (
        Directive.objects.select_for_update(of=("self",))
        .select_related("organisation", "report", "issued_by")
        .filter(pk=pk)
        .first()
    )
    if directive is None:
        raise NotFound(_("No directive %(id)s.") % {"id": directive_id})
    return directive


def _visible(user: User, directive: Directive) -> bool:
    """Does `user` see `directive`: its issuer, anyone whose operations center covers its unit, or a
    delegate of the unit's head (assigning reports by delegation, who answers for the head)?"""
    if directive.issued_by_id == user.pk:
        return True
    try:
        if _in_scope(dashboard_scope(user), directive.organisation_id):
            return True
    except NotAllowed:
        pass
    try:
        actor = authorize(user, Power.REPORT_ASSIGN, directive.organisation)
    except NotAllowed:
        return False
    return actor.right == AuditEntry.Right.DELEGATED


def _responder(user: User, directive: Directive) -> Actor:
    """The target unit's head or deputy (or their delegate for assigning reports)."""
    label = user.full_name or user.username
    if Membership.objects.filter(
        user=user, organisation=directive.organisation, role__in=ANSWERING_ROLES, is_active=True
    ).exists():
        return Actor(user_id=user.pk, label=label, right=AuditEntry.Right.OWN)
    try:
        actor = authorize(user, Power.REPORT_ASSIGN, directive.organisation)
    except NotAllowed:
        actor = None
    if actor is None or actor.right != AuditEntry.Right.DELEGATED:
        raise NotAllowed(
            _("Only the head or a deputy of %(org)s answers this directive.")
            % {"org": directive.organisation.name}
        )
    return actor


def _move(
    user: User,
    directive_id: int | str,
    *,
    action: str,
    allowed_from: tuple[str, ...],
    who: Callable[[User, Directive], Actor],
    change: Callable[[Directive], None],
    check: Callable[[Directive], None] | None = None,
) -> tuple[Directive, Actor]:
    """Lock the directive, then: is it there for `user` (outside their scope: as if it did not exist, the
    same answer as an unknown id), may they make this move (precise, inside the scope), is the directive
    where the move starts, and `check` (a confirmation)."""
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed(_("You must log in to do this."))
    directive = _locked(directive_id)
    if not _visible(user, directive):
        raise _OutOfSight(_("No directive %(id)s.") % {"id": directive_id})
    actor = who(user, directive)
    if directive.status not in allowed_from:
        raise Conflict(
            _("This directive is already “%(status)s”.") % {"status": directive.get_status_display()}
        )
    if check is not None:
        check(directive)
    before = _snapshot(directive)
    change(directive)
    directive.save()
    audit_record(
        actor=actor,
        action=action,
        object_type="directive",
        object_id=directive.pk,
        before=before,
        after=_snapshot(directive),
    )
    return directive, actor


def _notify_issuer(directive: Directive, subject: str, body: str) -> None:
    issuer = directive.issued_by
    if issuer.is_active:
        _notify([issuer], subject, "\n".join(line for line in (body, _link(directive)) if line))


@transaction.atomic
def directive_acknowledge(user: User, directive_id: int | str) -> Directive:
    """The unit takes note of the directive (open → acknowledged); the issuer is told."""

    def change(directive: Directive) -> None:
        directive.status = Status.ACKNOWLEDGED
        directive.acknowledged_at = timezone.now()

    directive, actor = _move(
        user,
        directive_id,
        action="directive.acknowledge",
        allowed_from=(Status.OPEN,),
        who=_responder,
        change=change,
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(org)s acknowledged your directive about %(about)s") % {
            "org": directive.organisation.name,
            "about": _what(directive),
        }
        _notify_issuer(directive, subject, _("Acknowledged by %(name)s.") % {"name": actor.label})
    return directive


@transaction.atomic
def directive_complete(user: User, directive_id: int | str, *, response: str) -> Directive:
    """The unit reports what was done (open or acknowledged → done); the issuer is told."""
    text = _clean_text(response, "response")

    def change(directive: Directive) -> None:
        directive.status = Status.DONE
        directive.done_at = timezone.now()
        directive.response = text

    directive, actor = _move(
        user,
        directive_id,
        action="directive.complete",
        allowed_from=PENDING,
        who=_responder,
        change=change,
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(org)s completed your directive about %(about)s") % {
            "org": directive.organisation.name,
            "about": _what(directive),
        }
        _notify_issuer(directive, subject, f"{actor.label}: {directive.response}")
    return directive


@transaction.atomic
def directive_follow_up(user: User, directive_id: int | str, *, note: str) -> Directive:
    """The issuer finds a reported completion wanting: the directive goes back to the unit (done →
    acknowledged) with what is still to be done; its heads are told. The unit's last response stays on
    the directive, and the audit trail keeps each one."""
    text = _clean_text(note, "note")

    def change(directive: Directive) -> None:
        directive.status = Status.ACKNOWLEDGED
        directive.done_at = None
        directive.follow_up = text

    directive, actor = _move(
        user,
        directive_id,
        action="directive.follow_up",
        allowed_from=(Status.DONE,),
        who=_issuer,
        change=change,
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Directive about %(about)s: not done yet") % {"about": _what(directive)}
        body = _("%(name)s asks for more: %(text)s") % {"name": actor.label, "text": text}
        _notify(
            answerers(directive.organisation),
            subject,
            "\n".join(line for line in (body, _link(directive)) if line),
        )
    return directive


def _canceller(user: User, directive: Directive) -> Actor:
    if not user.is_authenticated or directive.issued_by_id != user.pk:
        raise NotAllowed(_("Only the person who issued this directive can cancel it."))
    return Actor(user_id=user.pk, label=user.full_name or user.username, right=AuditEntry.Right.OWN)


def _issuer(user: User, directive: Directive) -> Actor:
    if not user.is_authenticated or directive.issued_by_id != user.pk:
        raise NotAllowed(_("Only the person who issued this directive can ask for more."))
    return Actor(user_id=user.pk, label=user.full_name or user.username, right=AuditEntry.Right.OWN)


@transaction.atomic
def directive_cancel(user: User, directive_id: int | str, *, confirmed: bool | None = None) -> Directive:
    """The issuer withdraws a directive that is not done yet; the unit's heads are told. It cannot be
    undone: a page asks for a ticked box (`confirmed` False: refused, naming the box; None: not asked)."""

    def check(directive: Directive) -> None:
        if confirmed is False:
            raise DomainError(
                _(
                    "Tick the box to confirm the withdrawal: the unit is told at once, and a withdrawn "
                    "directive cannot be reopened."
                ),
                field="confirm",
            )

    def change(directive: Directive) -> None:
        directive.status = Status.CANCELLED

    directive, actor = _move(
        user,
        directive_id,
        action="directive.cancel",
        allowed_from=PENDING,
        who=_canceller,
        change=change,
        check=check,
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Directive about %(about)s withdrawn") % {"about": _what(directive)}
        body = _("%(name)s withdrew the directive: %(text)s") % {"name": actor.label, "text": directive.text}
        _notify(answerers(directive.organisation), subject, body)
    return directive


# --- Reads ----------------------------------------------------------------------------------------


def answered_units(user: User) -> set[int]:
    """The units whose directives `user` answers (as their head or deputy)."""
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user=user, is_active=True, role__in=ANSWERING_ROLES).values_list(
            "organisation_id", flat=True
        )
    )


def directives_for(user: User) -> QuerySet[Directive]:
    """Directives issued by `user` or addressed to the units they head or deputise, newest first."""
    if not user.is_authenticated:
        return Directive.objects.none()
    return (
        Directive.objects.filter(Q(issued_by=user) | Q(organisation_id__in=answered_units(user)))
        .select_related("organisation", "report", "issued_by")
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class Step:
    """One move in a directive's exchange, as its page tells it: when, who, what (and the text they sent:
    the unit's response, or what the issuer says is still to be done)."""

    kind: str  # issue, acknowledge, complete, follow_up, cancel
    at: datetime
    who: str
    on_behalf_of: str  # the head a delegate answered for ('' in one's own right)
    text: str

    @property
    def label(self) -> str:
        return {
            "issue": pgettext("directive", "Issued"),
            "acknowledge": pgettext("directive", "Acknowledged"),
            "complete": pgettext("directive", "Reported done"),
            "follow_up": pgettext("directive", "Sent back to the unit: still to be done"),
            "cancel": pgettext("directive", "Withdrawn"),
        }.get(self.kind, self.kind)


_STEP_TEXT = {"complete": "response", "follow_up": "follow_up"}  # the snapshot's field each move wrote
IN_BATCH = 500  # directive ids per query of their audit entries (the database's limit on parameters)


def histories(directives: Iterable[Directive]) -> dict[int, list[Step]]:
    """The exchange of each directive, oldest first: its issue (from the directive), then each answer and
    decision from the audit trail, which keeps every one (the directive keeps only the last response).
    One query per 500 directives, whatever their number of moves."""
    steps: dict[int, list[Step]] = {}
    for d in directives:
        steps[d.pk] = [Step(kind="issue", at=d.created_at, who=str(d.issued_by), on_behalf_of="", text="")]
    ids = [str(pk) for pk in steps]
    for start in range(0, len(ids), IN_BATCH):
        entries = (
            AuditEntry.objects.filter(
                object_type="directive",
                object_id__in=ids[start : start + IN_BATCH],
                action__in=[
                    f"directive.{kind}" for kind in ("acknowledge", "complete", "follow_up", "cancel")
                ],
            )
            .only("at", "actor_label", "right", "on_behalf_of", "action", "object_id", "after")
            .order_by("at", "id")
        )
        for entry in entries:
            kind = entry.action.removeprefix("directive.")
            field = _STEP_TEXT.get(kind)
            text = str((entry.after or {}).get(field) or "") if field else ""
            delegated = entry.right == AuditEntry.Right.DELEGATED
            steps[int(entry.object_id)].append(
                Step(
                    kind=kind,
                    at=entry.at,
                    who=entry.actor_label,
                    on_behalf_of=entry.on_behalf_of if delegated else "",
                    text=text,
                )
            )
    return steps


@dataclass(frozen=True)
class Row:
    directive: Directive
    overdue: bool
    mine: bool  # issued by the viewer
    answerable: bool  # addressed to a unit the viewer heads or deputises
    steps: tuple[Step, ...] = ()  # the exchange, oldest first (with_history)

    @property
    def still_to_do(self) -> str:
        """What the issuer asked for when sending a completion back, while the unit still has to do it
        (once reported done again, or withdrawn, the history keeps it)."""
        d = self.directive
        return d.follow_up if d.is_pending else ""


def rows_for(user: User, directives: Any, *, with_history: bool = False) -> list[Row]:
    """Rows for a page: the overdue marker and what the viewer may do with each directive (and, with
    `with_history`, each one's exchange: one query for them all)."""
    today = timezone.localdate()
    units = answered_units(user)
    directives = list(directives)
    steps = histories(directives) if with_history else {}
    return [
        Row(
            directive=d,
            overdue=bool(d.is_pending and d.due and d.due < today),
            mine=d.issued_by_id == user.pk,
            answerable=d.organisation_id in units,
            steps=tuple(steps.get(d.pk, ())),
        )
        for d in directives
    ]
