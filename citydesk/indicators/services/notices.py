"""Who hears of a report's moves: the approvers when a unit sends (or withdraws) its report, the unit's
officers, deputy heads and head when it is returned to them. In-app, and by e-mail to whoever has an address, in the
platform's language (as the reminders and the directives write them), each with a link to the page
where the reader acts."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from citydesk.core.models import Membership, Organisation, User
from citydesk.core.powers import ROLE_POWERS, Power
from citydesk.indicators.models import Submission
from citydesk.indicators.services.common import approver_scope
from citydesk.notifications.models import Channel
from citydesk.notifications.services import notification_queue

# Whoever may enter the unit's figures: its officers, deputy heads and head (not hotline operators).
UNIT_ROLES = tuple(role for role, powers in ROLE_POWERS.items() if Power.INDICATOR_ENTER in powers)


def unit_people(unit: Organisation) -> list[User]:
    """The unit's members who enter and send its figures (see UNIT_ROLES), in a fixed order."""
    return list(
        User.objects.filter(
            memberships__organisation=unit,
            memberships__role__in=UNIT_ROLES,
            memberships__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def units_with_people(unit_ids: Iterable[int]) -> set[int]:
    """Those of the units with somebody to hear of their reports (`unit_people`), in one query: a unit
    without accounts yet is told nothing, and the pages say so instead of "reminded"."""
    return set(
        Membership.objects.filter(
            organisation_id__in=list(unit_ids), role__in=UNIT_ROLES, is_active=True, user__is_active=True
        ).values_list("organisation_id", flat=True)
    )


def approvers(unit: Organisation) -> list[User]:
    """Those who approve the unit's reports: the members holding the power in the unit above it, or, when
    nobody there does, in the nearest unit further up."""
    roles = [role for role, powers in ROLE_POWERS.items() if Power.INDICATOR_APPROVE in powers]
    for org_id in approver_scope(unit).ancestor_ids():
        ids = Membership.objects.filter(
            organisation_id=org_id, role__in=roles, is_active=True, user__is_active=True
        ).values_list("user_id", flat=True)
        people = list(User.objects.filter(pk__in=list(ids)).order_by("pk"))
        if people:
            return people
    return []


def _link(name: str, submission: Submission) -> str:
    from citydesk.indicators import periods

    path = reverse(
        name,
        args=[
            submission.group.code,
            submission.unit.code,
            periods.period_key(submission.period_type, submission.period),
        ],
    )
    return f"{settings.CITYDESK_PUBLIC_URL}{path}"


def _send(people: list[User], subject: str, body: str, *, skip: User | None = None) -> int:
    sent = 0
    for person in people:
        if skip is not None and person.pk == skip.pk:
            continue
        notification_queue(channel=Channel.IN_APP, subject=subject, body=body, recipient=person)
        sent += 1
        if person.email:
            notification_queue(channel=Channel.EMAIL, subject=subject, body=body, recipient=person)
    return sent


def _names(submission: Submission) -> dict[str, str]:
    from citydesk.indicators import periods

    return {
        "group": submission.group.display_name,
        "unit": submission.unit.name,
        "period": periods.period_label(submission.period_type, submission.period),
    }


def submitted(submission: Submission, *, by: User) -> int:
    """The approvers hear that the unit sent its report, with the link to review it."""
    with translation.override(settings.LANGUAGE_CODE):
        names = _names(submission)
        subject = _("Indicator report to review: %(group)s, %(unit)s, %(period)s") % names
        lines = [
            _(
                "%(unit)s has sent its report “%(group)s” for %(period)s: review it and approve it or return it."
            )
            % names,
            _("Sent by %(name)s on %(when)s.")
            % {
                "name": by.full_name or by.username,
                "when": timezone.localtime(submission.submitted_at or timezone.now()).strftime(
                    "%d/%m/%Y %H:%M"
                ),
            },
        ]
        if submission.note:
            lines.append(
                _("The unit's explanation of the unusual values: %(note)s") % {"note": submission.note}
            )
        lines.append(_("Review: %(link)s") % {"link": _link("indicators_entry:review", submission)})
        return _send(approvers(submission.unit), subject, "\n".join(lines), skip=by)


def withdrawn(submission: Submission, *, by: User) -> int:
    """The approvers hear that the unit took its report back to correct it: nothing to review now."""
    with translation.override(settings.LANGUAGE_CODE):
        names = _names(submission)
        subject = _("Indicator report withdrawn: %(group)s, %(unit)s, %(period)s") % names
        body = _(
            "%(unit)s has withdrawn its report “%(group)s” for %(period)s to correct it: there is nothing "
            "to review until it is sent again. Withdrawn by %(name)s."
        ) % {**names, "name": by.full_name or by.username}
        return _send(approvers(submission.unit), subject, body, skip=by)


def returned(submission: Submission, *, by: User, note: str) -> int:
    """The unit's officers and head hear that their report came back, why, and where to correct it."""
    with translation.override(settings.LANGUAGE_CODE):
        names = _names(submission)
        subject = _("Indicator report returned for correction: %(group)s, %(period)s") % names
        lines = [
            _(
                "The report “%(group)s” of %(unit)s for %(period)s has been returned for correction by %(name)s."
            )
            % {**names, "name": by.full_name or by.username},
            _("What to correct: %(note)s") % {"note": note},
            _("Correct the figures and send the report again: %(link)s")
            % {"link": _link("indicators_entry:form", submission)},
        ]
        return _send(unit_people(submission.unit), subject, "\n".join(lines), skip=by)
