"""What each audit row's action and object type mean, in the reader's language.

The trail stores language-neutral codes ("report.resolve", "service_category.change"); the back office and
the API show these names beside them. A code written by one call site has its own name below; the codes
made from a table (a report's or a dossier's moves, a back-office change of any model, a payment's outcome,
an indicator submission's or finding's move) are named from their two halves. An unknown code is shown as
it is, so a row is never hidden.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

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
    "directive.follow_up": _("Directive sent back: not done yet"),
    "directive.cancel": _("Directive withdrawn"),
    "dossier.receive": _("Dossier received"),
    "dossier.apology": _("Apology and new appointment sent to the applicant"),
    "dossier.result_file": _("Signed result attached to a dossier"),
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
    "report.follow": _("Follower added"),
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
    "revoke": pgettext_lazy("audit", "revoked"),
    "change": pgettext_lazy("audit", "changed"),
    "delete": pgettext_lazy("audit", "deleted"),
    # Payments
    "paid": pgettext_lazy("audit", "paid"),
    "failed": pgettext_lazy("audit", "failed"),
    # Indicator submissions and findings
    "submission_submit": pgettext_lazy("audit", "sent"),
    "submission_approve": pgettext_lazy("audit", "approved"),
    "submission_return": pgettext_lazy("audit", "returned for correction"),
    "submission_withdraw": pgettext_lazy("audit", "withdrawn by the unit to correct it"),
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
    "dossier-sweep": _("dossier deadline sweep"),
    "set-password": _("command set-password"),
    "deactivate-user": _("command deactivate-user"),
    "kiosk": _("rating kiosk"),  # a rating given on a desk's tablet
    "password change": _("password change"),  # an account's app tokens ended with its old password
    "account deactivation": _("account deactivation"),  # … or when the account was deactivated
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


_PERIOD_ID = re.compile(r"^(?P<type>[MQY])(?P<year>\d{4})-(?P<month>\d{2})$")


def object_id_label(object_type: str, object_id: str) -> str:
    """A row's object as the reader names it where its id is a code of the platform's own: an indicator
    period ("M2026-10": its type, then its first month) as "Tháng 10/2026" ("October 2026" in English);
    any other id as stored."""
    match = _PERIOD_ID.match(object_id or "") if object_type == "indicators.period" else None
    if match is None or not 1 <= int(match["month"]) <= 12:
        return object_id
    from citydesk.indicators.periods import period_label

    return period_label(match["type"], date(int(match["year"]), int(match["month"]), 1))


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


def entry_action_label(entry: Any) -> str:
    """The action of a stored row, named from what it did where its code says less: the back office's
    revocation of an Open311 client is stored as a change of `revoked_at` (“Ứng dụng Open311: sửa”) and
    reads “…: thu hồi”."""
    action = entry.action
    head, _dot, verb = action.rpartition(".")
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    if (
        head
        and verb == "change"
        and set(after) == {"revoked_at"}
        and before.get("revoked_at") is None
        and after["revoked_at"] is not None
    ):
        return action_label(f"{head}.revoke")
    return action_label(action)


# --- What changed, for the reader --------------------------------------------------------------------
#
# A row's before and after are stored as written (field names, codes, ids, UTC times) and never rewritten
# (the hash chain); the pages show them through these functions: a model's field by its name, a choice
# by its label, an id by what it points to when that still exists, a moment at local time, day first.

# 2026-11-13T10:00:00+00:00 (isoformat) or 2026-11-24 13:45:30.275154+00:00 (str of a datetime).
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SHOWN_LENGTH = 120


@cache
def _model_classes() -> dict[str, type[models.Model]]:
    """ "service_category" -> ServiceCategory: the models whose rows the trail names by object type (some
    with their app's name first: "indicators.finding")."""
    from citydesk.core.admin_audit import object_type_of

    models_ = {f"{model._meta.app_label}.{object_type_of(model)}": model for model in apps.get_models()}
    models_.update({object_type_of(model): model for model in apps.get_models()})
    return models_


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


@cache
def _written_keys() -> dict[str, dict[str, models.Field]]:
    """The keys the services write that are no field of the object's model (a dossier's `step`, a report's
    `follower`, a user's `role`), each as a field that names it and its values: “Bước hiện tại: 2 → 3”, not
    “step: 2 → 3”. A key that points to rows is a relation, named as a model's fields are."""
    from citydesk.core.models import Organisation, User
    from citydesk.core.powers import Role
    from citydesk.dossiers.models import ProcedureDocument
    from citydesk.dossiers.payments import DESK_METHODS

    def text(label: Any, choices: Any = None) -> models.Field:
        return models.CharField(label, choices=choices)

    def link(model: type[models.Model], label: Any) -> models.Field:
        return models.ForeignKey(model, on_delete=models.CASCADE, verbose_name=label)

    note = text(_("note"))
    values = text(_("values"))
    return {
        "dossier": {
            "step": text(_("current step")),
            "note": note,
            "papers": link(ProcedureDocument, _("papers asked for")),
            "amount": text(_("amount")),
            "method": text(_("how the fee was paid"), list(DESK_METHODS.items())),
            "receipt": text(_("receipt number")),
        },
        "report": {
            "rating": text(_("rating")),
            "follower": link(User, _("follower")),
            "by": text(_("resumed because"), [("citizen reply", _("the citizen replied"))]),
            "files": text(_("files attached")),
            "resumed": text(_("clock resumed")),
            "file": text(_("file")),
            "type": text(_("file type")),
            "size": text(_("size (bytes)")),
            "told": text(_("people told")),  # an escalation's heads, deputies or heads above (user names)
            "auto_close_days": text(_("days without an answer")),
        },
        "procedure": {
            "documents": text(_("papers of the dossier")),
            "steps": text(_("steps of the process")),
        },
        "procedure_catalog": {"forms": text(_("blank forms"))},
        "kiosk": {"active": text(_("active"))},
        "rating_month": {
            "file": text(_("file")),
            "rows": text(_("rows imported")),
            "months": text(_("months")),
            "units": text(_("units")),
            "replaced": text(_("counts replaced")),
        },
        "indicators.submission": {
            "reminded": text(_("units reminded")),
            "nobody_to_remind": link(Organisation, _("units with nobody to remind")),
        },
        "indicators.finding": {"note": note},
        "indicators.unit_period": {"values": values},
        "indicators.period": {"values": values},
        "user": {
            "role": text(_("role"), Role.choices),
            "organisation": link(Organisation, _("organisation")),
        },
        "api_token": {"revoked": text(_("revoked"))},
        "calendar_override": {
            "days": text(_("days changed")),
            "dossiers": text(_("dossier deadlines moved")),
            "reports": text(_("report deadlines moved")),
        },
        "admin_unit": {"codes": text(_("unit codes")), "count": text(_("number of units"))},
    }


def _key_field(object_type: str, name: str) -> models.Field | None:
    """The field of the object's model named `name`, or the service's key of that name (`_written_keys`)."""
    field = _field(_model_classes().get(object_type), name)
    return field if field is not None else _written_keys().get(object_type, {}).get(name)


def field_label(object_type: str, name: str) -> str:
    """A changed field by its name in the reader's language (“Ngày làm việc” for `working_days` of a
    category, “Bước hiện tại” for a dossier's `step`); a key that is none of these, as stored."""
    field = _key_field(object_type, name)
    return capfirst(str(field.verbose_name)) if field is not None else name


def _moment_text(value: datetime) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def _pk_matches(model: type[models.Model], value: Any) -> bool:
    """Whether `value` can be a primary key of `model`: an id where ids are numbers, a text where they are
    texts. The services store some links by their code (a report's unit as "26743"), never an id."""
    pk = model._meta.pk
    if isinstance(pk, models.CharField):
        return isinstance(value, str)
    return isinstance(value, int) and not isinstance(value, bool)


def _code_matches(model: type[models.Model], value: Any) -> bool:
    """Whether `value` can be the unique code of a row of `model` whose ids are numbers: the services store
    a unit as its code ("26743", "79.SXD"), which names it as surely as its id."""
    if not isinstance(value, str) or isinstance(model._meta.pk, models.CharField):
        return False
    field = _field(model, "code")
    return isinstance(field, models.CharField) and field.unique


def _related_names(model: type[models.Model], values: list[Any]) -> dict[Any, str]:
    """What each id (or code) points to, in one query: “Sở Xây dựng (79.SXD)”, a category's name… (kept
    ids: rows since deleted are shown by their id)."""
    wanted = [v for v in values if _pk_matches(model, v)]
    codes = [v for v in values if _code_matches(model, v)]
    if not wanted and not codes:
        return {}
    from django.contrib.auth.models import Permission

    rows = model._default_manager.filter(
        models.Q(pk__in=wanted) | (models.Q(code__in=codes) if codes else models.Q())
    )
    if model is Permission:  # “Phản ánh, kiến nghị (1022) | Xem phản ánh…”, not Django's English
        from citydesk.core.admin_labels import permission_label

        return {p.pk: permission_label(p) for p in rows.select_related("content_type")}
    names = {}
    for obj in rows:
        code, name = getattr(obj, "code", None), getattr(obj, "name", None)
        label = f"{name} ({code})" if code and name and code != name else str(obj)
        if obj.pk in wanted:
            names[obj.pk] = label
        if code in codes:
            names[code] = label
    return names


def _scalar_text(field: models.Field | None, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, float):  # 17.451,5 in Vietnamese, 17,451.5 in English
        return number_format(value, use_l10n=True, force_grouping=True)
    if field is not None and field.choices and not isinstance(value, (list, dict)):
        labels = {str(code): label for code, label in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    if isinstance(value, str):
        if _ISO_MOMENT.match(value) and (moment := parse_datetime(value.replace(" ", "T", 1))):
            return _moment_text(moment)  # stored in UTC (the rows are never rewritten): read locally
        if _ISO_DAY.match(value) and (day := parse_date(value)):
            return day.strftime("%d/%m/%Y")
        return value
    if isinstance(value, datetime):
        return _moment_text(value)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return json.dumps(value, ensure_ascii=False, default=str)


def _shorten(text: str) -> str:
    """For a table: at most SHOWN_LENGTH characters, the keys of links hidden (a kept message's `?t=…`)."""
    from citydesk.core.access import mask_link_keys

    text = mask_link_keys(text)
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"


def _links(entry: Any) -> tuple[dict, dict, list[str], dict[str, Any], dict[str, list[Any]]]:
    """An audit row's two sides, the keys it changed, their fields, and the ids each relation holds."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    fields = {key: _key_field(entry.object_type, key) for key in keys}
    ids: dict[str, list[Any]] = {}
    for key, field in fields.items():
        if field is not None and field.is_relation and field.related_model is not None:
            values: list[Any] = []
            for side in (before, after):
                value = side.get(key)
                values.extend(value if isinstance(value, list) else [value])
            ids[key] = [v for v in values if v is not None]
    return before, after, keys, fields, ids


def related_names_of(entries: list[Any]) -> dict[Any, dict[Any, str]]:
    """The names of every id a page of audit rows links to, one query per related model for the whole
    page (`change_rows(entry, names)`); without it, each row looks its own up."""
    wanted: dict[Any, list[Any]] = {}
    for entry in entries:
        _before, _after, _keys, fields, ids = _links(entry)
        for key, values in ids.items():
            wanted.setdefault(fields[key].related_model, []).extend(values)
    return {model: _related_names(model, values) for model, values in wanted.items()}


def change_rows(entry: Any, names: dict[Any, dict[Any, str]] | None = None) -> list[tuple[str, str, str]]:
    """(field, before, after) of each field an audit row changed, for the reader: the field's name, the
    values by their labels, names and local times (each shortened for a table). A side the row does not
    have (a creation's before) is "". `names`: the page's links looked up at once (`related_names_of`)."""
    before, after, keys, fields, ids = _links(entry)
    related: dict[str, dict[Any, str]] = {}
    for key, values in ids.items():
        model = fields[key].related_model
        related[key] = names[model] if names is not None and model in names else _related_names(model, values)

    def text(key: str, value: Any) -> str:
        names = related.get(key, {})
        if isinstance(value, list):
            if not value:
                return "—"
            if all(not isinstance(item, (list, dict)) for item in value):
                return _shorten(", ".join(names.get(item) or _scalar_text(None, item) for item in value))
            return _shorten(json.dumps(value, ensure_ascii=False, default=str))
        if isinstance(value, (int, str)) and not isinstance(value, bool) and value in names:
            return _shorten(names[value])
        return _shorten(_scalar_text(fields[key], value))

    return [
        (
            field_label(entry.object_type, key),
            text(key, before.get(key)) if key in before else "",
            text(key, after.get(key)) if key in after else "",
        )
        for key in keys
    ]
