"""What each audit row's action and object type mean, in the reader's language.

The trail stores language-neutral codes ("report.resolve", "service_category.change"); the back office and
the API show these names beside them. A code written by one call site has its own name below; the codes
made from a table (a report's or a dossier's moves, a back-office change of any model, a payment's outcome,
an indicator submission's or finding's move) are named from their two halves. An unknown code is shown as
it is, so a row is never hidden.
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ACTIONS = {
    "api_token.create": _("API token created"),
    "api_token.revoke": _("API token revoked"),
    "boundaries.import": _("Unit boundaries imported"),
    "calendar.set": _("Working calendar: day set"),
    "calendar.delete": _("Working calendar: day withdrawn"),
    "calendar.deadlines_moved": _("Deadlines moved after a calendar change"),
    "campaign.create": _("Same-day campaign created"),
    "campaign.update": _("Same-day campaign changed"),
    "delegation.grant": _("Delegation granted"),
    "delegation.revoke": _("Delegation revoked"),
    "desk_transaction.open": _("Desk transaction opened"),
    "directive.issue": _("Directive issued"),
    "directive.acknowledge": _("Directive acknowledged"),
    "directive.complete": _("Directive completed"),
    "directive.cancel": _("Directive cancelled"),
    "dossier.receive": _("Dossier received"),
    "indicator.fill_platform": _("Indicator values computed from the platform"),
    "indicator.plan_set": _("Indicator plan set"),
    "indicator.plans_import": _("Indicator plans imported"),
    "indicator.reminders": _("Reminders to report indicator figures sent"),
    "indicator.submission_remind": _("Unit reminded to report its figures"),
    "indicator.values_set": _("Indicator values entered"),
    "kiosk.pair": _("Rating kiosk paired"),
    "kiosk.unpair": _("Rating kiosk unpaired"),
    "open311_client.create": _("Open311 client key created"),
    "payment.start": _("Online payment started"),
    "procedure.change": _("Procedure changed"),
    "procedure_catalog.import": _("Procedure catalog imported"),
    "procedure_catalog.english_names": _("Procedure catalog: English names filled in"),
    "procedure_catalog.demo_forms": _("Procedure catalog: demo blank forms added"),
    "rating.submit": _("Rating given"),
    "ratings.import": _("Historical rating counts imported"),
    "report.submit": _("Report submitted"),
    "report.attach": _("File attached to a report"),
    "report.escalate": _("Report escalated to the unit head"),
    "report.merge": _("Reports merged"),
    "report.unmerge": _("Reports unmerged"),
    "report.pause": _("Report's clock paused (waiting for the citizen)"),
    "report.resume": _("Report's clock resumed"),
    "report.rate": _("Report rated by the citizen"),
    "report.reply": _("Citizen replied"),
    "report.unfollow": _("Follower removed"),
    "target.set": _("One-stop target set"),
    "user.create": _("Account created"),
    "user.activate": _("Account activated"),
    "user.deactivate": _("Account deactivated"),
    "user.password": _("Password set"),
}

# The first half of a code made from a table.
OBJECTS = {
    "report": _("Report"),
    "dossier": _("Dossier"),
    "payment": _("Online payment"),
    "indicator.submission": _("Indicator figures of a unit"),
    "indicators.finding": _("Indicator finding"),
}

# The second half: moves of the workflow tables, back-office changes, outcomes.
VERBS = {
    # Reports
    "classify": pgettext_lazy("audit", "classified"),
    "assign": pgettext_lazy("audit", "assigned"),
    "start": pgettext_lazy("audit", "handling started"),
    "resolve": pgettext_lazy("audit", "resolved"),
    "reject": pgettext_lazy("audit", "rejected"),
    "transfer": pgettext_lazy("audit", "transferred"),
    "close": pgettext_lazy("audit", "closed"),
    "reopen": pgettext_lazy("audit", "reopened"),
    # Dossiers
    "forward": pgettext_lazy("audit", "step completed and forwarded"),
    "finish": pgettext_lazy("audit", "result ready"),
    "request_supplement": pgettext_lazy("audit", "additional papers asked for"),
    "supplement_received": pgettext_lazy("audit", "additional papers received"),
    "refuse": pgettext_lazy("audit", "refused"),
    "return_result": pgettext_lazy("audit", "result handed over"),
    "withdraw": pgettext_lazy("audit", "withdrawn"),
    "record_payment": pgettext_lazy("audit", "fee recorded at the desk"),
    # Back office
    "create": pgettext_lazy("audit", "added"),
    "change": pgettext_lazy("audit", "changed"),
    "delete": pgettext_lazy("audit", "deleted"),
    # Payments
    "paid": pgettext_lazy("audit", "paid"),
    "failed": pgettext_lazy("audit", "failed"),
    # Indicator submissions and findings
    "submission_submit": pgettext_lazy("audit", "sent"),
    "submission_approve": pgettext_lazy("audit", "approved"),
    "submission_return": pgettext_lazy("audit", "returned for correction"),
    "submission_lock": pgettext_lazy("audit", "locked"),
    "finding_flagged": pgettext_lazy("audit", "flagged"),
    "finding_explained": pgettext_lazy("audit", "explained"),
    "finding_corrected": pgettext_lazy("audit", "corrected"),
    "finding_closed": pgettext_lazy("audit", "closed"),
}

OBJECT_TYPES = {
    "report": _("report"),
    "dossier": _("dossier"),
    "rating": _("rating"),
    "rating_month": _("historical rating counts"),
    "payment": _("online payment"),
    "procedure_catalog": _("procedure catalog"),
    "calendar_override": _("working calendar"),
    "dossier_target": _("one-stop target"),
    "admin_unit": _("administrative units"),
    "kiosk": _("rating kiosk"),
    "indicators.finding": _("indicator finding"),
    "indicators.period": _("indicator period"),
    "indicators.plan": _("indicator plan"),
    "indicators.submission": _("indicator figures of a unit"),
    "indicators.unit_period": _("indicator figures of a unit"),
}


# The platform's own jobs and commands, as their audit rows name them (`Actor.system(...)`).
SYSTEM_ACTORS = {
    "anomaly-scan": _("indicator anomaly scan"),
    "entry-check": _("indicator entry check"),
    "fill-platform-indicators": _("indicators computed from the platform"),
    "indicator-reminders": _("indicator reminders"),
    "routing": _("report routing"),
    "seed-demo": _("demo and catalog loading"),
    "sla-sweep": _("deadline sweep"),
    "set-password": _("command set-password"),
    "deactivate-user": _("command deactivate-user"),
}


def system_actor_label(label: str) -> str:
    """A job's or command's audit label in the reader's language ("sla-sweep" → "quét hạn xử lý"); a
    command run as `cli:NAME` names its operator; anything else as stored."""
    if label in SYSTEM_ACTORS:
        return str(SYSTEM_ACTORS[label])
    if label.startswith("cli:"):
        return _("command line (%(who)s)") % {"who": label.removeprefix("cli:")}
    return label


@cache
def _models_by_object_type() -> dict[str, str]:
    """ "service_category" -> the model's name ("loại phản ánh"), for the back office's own rows."""
    from citydesk.core.admin_audit import object_type_of

    return {object_type_of(model): model._meta.verbose_name for model in apps.get_models()}


def object_type_label(object_type: str) -> str:
    label = OBJECT_TYPES.get(object_type) or _models_by_object_type().get(object_type)
    return capfirst(str(label)) if label else object_type


def action_label(action: str) -> str:
    """The action's name, e.g. "report.resolve" -> "Phản ánh: đã giải quyết"; the code itself if unknown."""
    if action in ACTIONS:
        return str(ACTIONS[action])
    for prefix in ("indicator.", "indicators."):  # "indicator.submission_lock", "indicators.finding_closed"
        if action.startswith(prefix) and "_" in action:
            kind, verb = action[len(prefix) :].split("_", 1)
            whole = f"{prefix}{kind}"
            if whole in OBJECTS and f"{kind}_{verb}" in VERBS:
                return f"{OBJECTS[whole]}: {VERBS[f'{kind}_{verb}']}"
            return action
    head, _dot, verb = action.rpartition(".")
    if not head or verb not in VERBS:
        return action
    subject = OBJECTS.get(head) or object_type_label(head)
    return f"{capfirst(str(subject))}: {VERBS[verb]}"
