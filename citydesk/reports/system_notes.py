"""The notes the platform writes in a report's history, by key (see `core.history_notes`).

The services store `system_note(KEY, **args)` on the event: codes (a channel, a rating level, a reason),
ISO datetimes, numbers, unit names and what a person typed; `ReportEvent.display_note` renders them in
the reader's language. The msgids are the ones the services used to store already translated, so the
existing translations serve, and migration 0012 turns the notes stored that way back into keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from citydesk.core.history_notes import label, local_datetime, register, system_note
from citydesk.reports.models import Channel, Rating, RejectReason

if TYPE_CHECKING:
    from citydesk.reports.routing import Route

__all__ = ["route_reason", "system_note"]

# How routing chose the unit (`routing.Route.how`), worded; a rule's reason names the rule.
ROUTE_REASONS = {
    "department": _("sector department"),
    "committee": _("commune-level People's Committee"),
    "province": _("triage by the province"),
}
RULE_REASON = _("routing rule #%(n)s")
EARLIER_RATING = _("Earlier rating (%(date)s), before the report was reopened: %(level)s.")
ATTACHED = _("Attached: %(list)s")


def _reason(args: Mapping[str, Any]) -> str:
    reason = args["reason"]
    if reason == "rule":
        return str(RULE_REASON) % {"n": args["rule"]}
    return str(ROUTE_REASONS.get(reason, reason))


def _earlier_rating(args: Mapping[str, Any]) -> dict[str, str]:
    said = str(EARLIER_RATING) % {
        "date": local_datetime(args["at"]),
        "level": label(Rating.Level, args["level"]),
    }
    return {"said": said, "comment": args.get("comment", "")}


def _reply_files(args: Mapping[str, Any]) -> dict[str, str]:
    return {"text": args.get("text", ""), "attached": str(ATTACHED) % {"list": ", ".join(args["files"])}}


# Intake and routing.
RECEIVED = register(
    "report.received", _("Received via %(c)s."), lambda a: {"c": label(Channel, a["channel"])}
)
ROUTED = register(
    "report.routed", "%(unit)s (%(reason)s)", lambda a: {"unit": a["unit"], "reason": _reason(a)}
)
REROUTED = register(
    "report.rerouted",
    "%(from)s → %(to)s (%(reason)s)",
    lambda a: {"from": a["from"], "to": a["to"], "reason": _reason(a)},
)
# A point in another commune/ward than the one given (the given one decided the unit): for the officers.
WARD_MISMATCH = register(
    "report.ward_mismatch",
    _("The point on the map is in %(point)s, but the report names %(given)s: check the unit."),
)
# Officers' moves: the published part the platform words (the officer's own words are an argument).
TRANSFERRED = register("report.transferred", _("Transferred to %(org)s."))
REJECTED = register(
    "report.rejected",
    "%(reason)s. %(text)s",
    lambda a: {"reason": label(RejectReason, a["reason"]), "text": a.get("text", "")},
)
MERGED_INTO = register(
    "report.merged_into",
    _("Merged into %(code)s, a report of the same problem: you will receive its updates from now on."),
)
MERGED_HERE = register("report.merged_here", _("%(code)s merged into this report."))
UNMERGED = register("report.unmerged", _("Handled separately again: no longer merged into %(code)s."))
# The deadline clock.
WAITING = register("report.waiting", _("Waiting for the citizen: %(n)s"), lambda a: {"n": a["text"]})
RESUMED = register("report.resumed", _("Handling resumed."))
RESUMED_DUE_SAME = register(
    "report.resumed_due_same",
    _("Handling resumed; the due time stays %(d)s."),
    lambda a: {"d": local_datetime(a["due"])},
)
RESUMED_DUE_NEW = register(
    "report.resumed_due_new",
    _("Handling resumed; new due time %(d)s."),
    lambda a: {"d": local_datetime(a["due"])},
)
DEADLINE_WARNED = register("report.deadline_warned", _("Deadline warning sent."))
CALENDAR_MOVED = register(
    "report.calendar_moved",
    _("Due time moved to %(d)s: the working calendar changed (%(reason)s)."),
    lambda a: {"d": local_datetime(a["due"]), "reason": a["reason"]},
)
ESCALATED = register("report.escalated", _("Overdue: escalated to the head of the unit."))
AUTO_CLOSED = register(
    "report.auto_closed",
    _("Closed: no answer from the citizen within %(n)s days."),
    lambda a: {"n": a["days"]},
)
# The reporter's rating and answers.
RATED = register("report.rated", "%(level)s", lambda a: {"level": label(Rating.Level, a["level"])})
RATED_EARLIER = register("report.rated_earlier", "%(said)s %(comment)s", _earlier_rating)
RATING_COMMENT = register("report.rating_comment", _("Reporter's comment: %(c)s"), lambda a: {"c": a["text"]})
REPLY_FILES = register("report.reply_files", "%(text)s\n%(attached)s", _reply_files)


def route_reason(route: Route) -> dict[str, Any]:
    """A route's reason as stored: how routing chose (`Route.how`) and, for a rule, its number."""
    if route.rule is not None:
        return {"reason": route.how, "rule": route.rule.pk}
    return {"reason": route.how}
