"""Officer pages: the work queue, bulk assign, the case page and its actions."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from citydesk.core.access import record_case_access
from citydesk.core.errors import DomainError, DomainErrors
from citydesk.core.history_notes import actor_text
from citydesk.core.models import (
    Membership,
    Organisation,
    User,
)
from citydesk.core.powers import Power
from citydesk.core.selectors import descendant_ids, names_told_apart
from citydesk.core.services import active_delegation_for, authorize, holds_anywhere
from citydesk.core.validators import organisation_province
from citydesk.ioc import directives as ioc_directives
from citydesk.lib.text import person_sort_key, sort_key
from citydesk.reports import acting, selectors, services, workflow
from citydesk.reports.attachments import attachment_add
from citydesk.reports.forms import (
    ActionForm,
    AttachForm,
    BulkAssignForm,
    MergeForm,
    NoteForm,
    PauseForm,
    QueueFilterForm,
    VersionForm,
    answer_rows,
    category_label,
)
from citydesk.reports.models import AWAITING_TRIAGE, Channel, RejectReason, Report, ReportEvent, Status
from citydesk.reports.services.cases import resumed_text
from citydesk.reports.services.common import no_way_to_reach_reporter, reporter_reachable

try:  # routing suggestions are optional: no trained model, or the module is not installed
    from citydesk.reports.suggest import suggest as _suggest
except ImportError:  # pragma: no cover - depends on the installation
    _suggest = None

from citydesk.reports.views.common import (
    ACTION_FIELDS,
    ACTION_LABELS,
    DEFAULT_PROVINCE,
    HANDLER_ROLES,
    _code,
    _forbidden,
    _map_settings,
    _not_found,
    _overdue,
    _report_categories,
    _status_of,
    event_statuses,
    reporter_account,
)
from citydesk.reports.views.hotline import MIN_SHOWN, _choice

log = logging.getLogger("citydesk.reports")

# --- Officer work queue ---------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    return _queue_response(request, request.GET)


def _queue_response(
    request: HttpRequest,
    params: QueryDict,
    *,
    error: str = "",
    error_field: str = "",
    error_code: str = "",
    status: int = 200,
    bulk: tuple[str, list[str]] = ("", []),
) -> HttpResponse:
    """The queue page; after a refused bulk assignment, `bulk` is (officer chosen, codes ticked), kept, and
    the error names what to fix: `error_field` "assignee" (the officer list) or "codes" (the tick boxes:
    `error_code`'s when given, else the first)."""
    units = selectors.working_units(request.user)
    if not units:
        return _forbidden(request, _("Only officers of a unit have a work queue."))
    form = QueueFilterForm(params)
    form.is_valid()
    filter_problems = form.problems()  # a bad filter is said, not silently dropped
    status_value = form.status_value(list(Status.values))
    assignee = form.value("assignee") or ""
    filters = selectors.QueueFilters(
        status=status_value,
        category=form.value("category") or None,
        unit=form.value("unit") or None,
        unit_only=bool(form.value("unit_only")),
        q=form.value("q") or None,
        assignee=assignee or None,
        channel=form.value("channel") or None,
        ward=form.value("ward") or None,
        near_boundary=bool(form.value("near_boundary")) or None,
        cell=form.value("cell"),
        received_from=form.value("received_from"),
        received_to=form.value("received_to"),
        rated=bool(form.value("rated")),
    )
    # A value that selects nothing of my units (unknown category, another unit, not our officer) is said
    # like a malformed one, and not applied.
    for name, message in selectors.queue_filter_problems(request.user, filters, units):
        filter_problems.append((name, str(form.fields[name].label), message))
        filters = dataclasses.replace(filters, **{name: False if name == "unit_only" else None})
    if filter_problems and status == 200:
        status = 400
    page = selectors.queue_page(request.user, filters, form.value("page") or 1, form.page_size(), units=units)
    now = timezone.now()
    rows = [
        {"report": r, "overdue": _overdue(r, now), "triage_late": r.triage_late(now)}
        for r in page.object_list
    ]
    unit_options = sorted(
        Organisation.objects.filter(pk__in=units).only("code", "name"), key=lambda o: sort_key(o.name)
    )
    # Who can be assigned: the members of the chosen unit and the units below it (the list shows their
    # reports too), else of the units on this page.
    if filters.unit:
        chosen = {u.pk for u in unit_options if u.code == filters.unit}
        member_units = sorted(descendant_ids(chosen) & set(units))
    else:
        member_units = sorted({r["report"].unit_id for r in rows})
    members = (
        Membership.objects.filter(
            organisation_id__in=member_units, is_active=True, user__is_active=True, role__in=HANDLER_ROLES
        )
        .select_related("user", "organisation")
        .order_by()
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    # Units and people in the Vietnamese order (the database's puts Â, Đ… after Z and sorts by family name).
    for m in sorted(
        members,
        key=lambda m: (sort_key(m.organisation.name), person_sort_key(m.user.full_name), m.user.username),
    ):
        options = groups.setdefault(m.organisation.name, [])
        if all(username != m.user.username for username, _n in options):
            options.append((m.user.username, str(m.user)))
    keep = params.copy()
    for name in ("page", "csrfmiddlewaretoken", "codes", "assignee_to", "next"):
        keep.pop(name, None)
    # The page's reports that have a point, for the map above the list (same rows, no extra query).
    map_points = [
        {
            "code": r["report"].code,
            "lat": r["report"].lat,
            "lon": r["report"].lon,
            "status": r["report"].get_status_display(),
            "overdue": r["overdue"],
            "url": reverse("reports:officer", args=[r["report"].code]),
        }
        for r in rows
        if r["report"].lat is not None and r["report"].lon is not None
    ]
    provinces = Counter(r["report"].province_code for r in rows if r["report"].province_code)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "map_points": map_points,
        "map_province": provinces.most_common(1)[0][0] if provinces else "",
        **_map_settings(),
        "statuses": Status.choices,
        "channels": Channel.choices,
        "status_value": status_value,
        "categories": [(c.code, category_label(c)) for c in _report_categories(retired=True)],
        "units": unit_options,
        "assignee": assignee,
        "member_groups": sorted(groups.items()),
        "per_page": form.page_size(),
        "page_sizes": QueueFilterForm.PAGE_SIZES,
        # "1.118 phản ánh": the count in the language's grouping (the template's {{ counter }} is not grouped).
        "count_text": ngettext("%(counter)s report", "%(counter)s reports", page.paginator.count)
        % {"counter": number_format(page.paginator.count, 0, force_grouping=True)},
        "filters_query": keep.urlencode(),
        "filters": filters,
        "hidden_filters": _hidden_filters(filters, keep),
        "bulk_error": error,
        "bulk_error_field": error_field,
        "bulk_error_href": _bulk_error_href(error_field, error_code, rows, request.user),
        "filter_problems": filter_problems,
        "bulk_assignee": bulk[0],
        "bulk_codes": set(bulk[1]),
        "may_enter_calls": holds_anywhere(request.user, Power.REPORT_RECEIVE) is not None,
        "may_assign": holds_anywhere(request.user, Power.REPORT_ASSIGN) is not None,
    }
    return render(request, "reports/queue.html", context, status=status)


def _hidden_filters(filters: selectors.QueueFilters, keep: QueryDict) -> list[dict[str, str]]:
    """The applied filters the form has no control for, or shows only in part (the operations center's
    links set them): each as `name`, a `label` the page shows above the list, and the `query` of the
    same queue without it. Without them a drill-down read "53 reports" under filters all reading "All"."""

    def without(name: str, **instead: str) -> str:
        query = keep.copy()
        query.pop(name, None)
        for key, value in instead.items():
            query[key] = value
        return query.urlencode()

    shown = []
    if filters.ward:
        ward = selectors.ward_name(filters.ward) or filters.ward
        shown.append({"name": "ward", "label": ward, "query": without("ward")})
    if filters.cell is not None:
        lat, lon, near = selectors.cell_place(filters.cell)
        label = (
            _("Heat-map square near %(ward)s") % {"ward": near}
            if near
            else _("Heat-map square at %(lat)s, %(lon)s") % {"lat": f"{lat:.5f}", "lon": f"{lon:.5f}"}
        )
        shown.append({"name": "cell", "label": label, "query": without("cell")})
    if filters.unit and filters.unit_only:
        label = _("Only this unit, not the units below it")
        shown.append({"name": "unit_only", "label": label, "query": without("unit_only")})
    if filters.status == selectors.DONE:  # without it: every status, not the open ones only
        shown.append(
            {"name": "status", "label": _("Resolved or closed"), "query": without("status", status="all")}
        )
    if filters.rated:
        shown.append({"name": "rated", "label": _("Rated by the citizen"), "query": without("rated")})
    return shown


def _bulk_error_href(field: str, code: str, rows: list[dict[str, Any]], user: User) -> str:
    """Where the refused bulk assignment's error summary leads: the officer list or a tick box of the page."""
    if not rows or holds_anywhere(user, Power.REPORT_ASSIGN) is None:
        return ""  # the page shows neither
    if field == "assignee":
        return "#bulk-assignee"
    if field == "codes":
        codes = [r["report"].code for r in rows]
        if code:  # the report the service refused, when this page lists it
            return f"#pick-{code}" if code in codes else ""
        return f"#pick-{codes[0]}"
    return ""


@login_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    form = BulkAssignForm(request.POST)
    form.is_valid()
    codes = form.codes()
    assignee = (form.cleaned_data.get("assignee") or "").strip()
    back = QueryDict(request.POST.get("next", ""), mutable=True)
    if not selectors.working_units(request.user):
        return _forbidden(request, _("Only officers of a unit have a work queue."))
    kept = (assignee, codes)
    if not codes:
        message = _("Tick at least one report.")
        return _queue_response(request, back, error=message, error_field="codes", status=400, bulk=kept)
    if not assignee:
        message = _("Choose the officer to assign.")
        return _queue_response(request, back, error=message, error_field="assignee", status=400, bulk=kept)
    versions = _bulk_versions(request.POST, codes)
    current = ""
    try:
        with transaction.atomic():
            for current in codes:
                services.report_transition(
                    user=request.user,
                    code=current,
                    action="assign",
                    assignee=assignee,
                    version=versions[current],
                )
    except DomainError as exc:
        message = _("Nothing was assigned. %(code)s: %(reason)s") % {"code": current, "reason": exc.message}
        field = "assignee" if exc.field == "assignee" else "codes"
        return _queue_response(
            request,
            back,
            error=message,
            error_field=field,
            error_code=current,
            status=_status_of(exc),
            bulk=kept,
        )
    person = User.objects.filter(username=assignee).first()
    messages.success(
        request,
        ngettext("%(n)s report assigned to %(name)s.", "%(n)s reports assigned to %(name)s.", len(codes))
        % {"n": len(codes), "name": person or assignee},
    )
    query = back.urlencode()
    return redirect(reverse("reports:queue") + (f"?{query}" if query else ""))


def _bulk_versions(data: QueryDict, codes: list[str]) -> dict[str, int | None]:
    """The version the queue page showed of each ticked report (its hidden field `version-<code>`): one
    changed since (a colleague reassigned it) refuses the whole assignment. None where the page sent none
    (a queue page from before that field: assigned as before, without the check)."""
    versions: dict[str, int | None] = {}
    for code in codes:
        sent = (data.get(f"version-{code}") or "").strip()
        # A value that is no version is refused by the service as one it never had (0).
        versions[code] = (int(sent) if re.fullmatch(r"[0-9]{1,9}", sent) else 0) if sent else None
    return versions


# --- Officer report page --------------------------------------------------------------------------


@dataclass(frozen=True)
class PageError:
    form: str  # which form on the page: an action, "note", "merge", "pause", …
    field: str | None
    message: str
    # Every input at fault, (field, message), the first one first: all said at once.
    problems: tuple[tuple[str | None, str], ...] = ()

    def all(self) -> tuple[tuple[str | None, str], ...]:
        return self.problems or ((self.field, self.message),)


def _may_handle(user: User, report: Report) -> bool:
    """The handling unit's officers (and delegates); a reporter who is not one gets the tracking page."""
    if not selectors.can_see_private(user, report):
        return False
    if report.reporter_id == user.pk:
        return (
            report.unit_id in selectors.working_units(user)
            or active_delegation_for(user, Power.REPORT_RESOLVE, report.unit) is not None
        )
    return True


def _handled_report(request: HttpRequest, code: str) -> tuple[Report | None, HttpResponse | None]:
    report = selectors.report_for_page(_code(code))
    if report is None:
        return None, _not_found(request, _("No report %(code)s.") % {"code": _code(code)})
    if not _may_handle(request.user, report):
        if report.is_public and selectors.working_units(request.user):
            # What its public page tells anyone: which unit has it (often just transferred by a colleague).
            message = _("%(code)s is handled by %(unit)s; it is not (or no longer) in your units' queue.") % {
                "code": report.code,
                "unit": report.unit.name,
            }
            return None, _forbidden(request, message, elsewhere=report)
        return None, _forbidden(request, _("This report is handled by another unit."))
    return report, None


@login_required
@require_GET
def officer_report(request: HttpRequest, code: str) -> HttpResponse:
    report, refusal = _handled_report(request, code)
    if refusal is not None:
        return refusal
    record_case_access(request, report, "page")  # who among the staff opened the reporter's data
    return _officer_response(request, report)


def _officer_response(
    request: HttpRequest,
    report: Report,
    *,
    error: PageError | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    values = values or {}
    unit = report.unit
    check = acting.PowerCheck(user)
    powers = {
        power: check.holds(power, unit)
        for power in (Power.REPORT_ASSIGN, Power.REPORT_RESOLVE, Power.REPORT_RECEIVE)
    }
    open_actions = acting.actions_open_to(report, check)  # the API's allowed_actions: the same rule
    actions = []
    blocked = []
    for action in workflow.allowed_actions(report.status):
        move = workflow.move_for(action)
        if move is None or move.power is None:
            continue
        if action not in open_actions:
            blocked.append(str(ACTION_LABELS.get(action, action)).lower())
            continue
        mine = error is not None and error.form == action
        field_errors: dict[str, str] = {}
        general = []
        if mine:
            for field, message in error.all():
                if field in ACTION_FIELDS.get(action, ()):
                    field_errors[field] = (
                        f"{field_errors[field]} {message}" if field in field_errors else message
                    )
                else:
                    general.append(message)
        actions.append(
            {
                "action": action,
                "label": ACTION_LABELS.get(action, action),
                "errors": field_errors,
                "error": " ".join(general),
                "values": values if mine else {},
            }
        )
    members = []
    if any(a["action"] == "assign" for a in actions):
        members = [
            (m.user.username, str(m.user))
            for m in sorted(
                Membership.objects.filter(
                    organisation=unit, is_active=True, user__is_active=True, role__in=HANDLER_ROLES
                ).select_related("user"),
                key=lambda m: (person_sort_key(m.user.full_name), m.user.username),
            )
        ]
        members = list(dict.fromkeys(members))
    organisations = []
    if any(a["action"] == "transfer" for a in actions):
        organisations = selectors.transfer_targets(report)
        # A duplicate candidate of another unit's button: the transfer form filled with that unit, to check.
        wanted = request.GET.get("transfer_to", "")[:40] if error is None else ""
        target = next((o for o in organisations if wanted and o.code == wanted), None)
        if target is not None:
            for a in actions:
                if a["action"] == "transfer":
                    a["values"] = {"target_unit": f"{target.name} ({target.code})"}
    events = [
        {
            "event": e,
            "kind": ReportEvent.Kind(e.kind).label if e.kind in ReportEvent.Kind.values else e.kind,
            # A merge reads as one ("Received → Merged as a duplicate"), not as a rejection.
            "from": event_statuses(e)[0],
            "to": event_statuses(e)[1],
            "actor": selectors.event_actor(e),
            # An answer taken on the hotline: the operator acted for the caller (a name, or "the reporter").
            "on_behalf_of": actor_text(e.on_behalf_of) if e.on_behalf_of and e.right != "delegated" else "",
        }
        for e in report.events.all()
    ]
    attachments = [
        {
            "attachment": a,
            "original": f"/api/v1/reports/{report.code}/attachments/{a.pk}/original",
            "public": f"/api/v1/reports/{report.code}/attachments/{a.pk}/public" if a.public_file else "",
        }
        for a in report.attachments.all()
    ]

    def form_error(name: str) -> dict[str, Any]:
        if error is None or error.form != name:
            return {}
        fields: dict[str, str] = {}
        for field, message in error.all():
            key = field or ""
            fields[key] = f"{fields[key]} {message}" if key in fields else message
        return {"field": error.field or "", "message": error.message, "fields": fields}

    merge_into = ""  # the merge form's code: as sent when refused, or a duplicate candidate's button's
    if error is not None and error.form == "merge":
        merge_into = str(values.get("into", ""))
    elif error is None and report.is_open and not report.duplicate_of_id and powers[Power.REPORT_ASSIGN]:
        merge_into = _code(request.GET.get("into", ""))[:40]
    context = {
        "report": report,
        "merge_into": merge_into,
        # For a report waiting to be classified, what the model learned from past reports suggests.
        "suggestions": _routing_suggestions(report)
        if report.status in AWAITING_TRIAGE and any(a["action"] == "classify" for a in actions)
        else None,
        "answers": answer_rows(report.category, report.answers),
        "category_name": category_label(report.category),
        "overdue": _overdue(report, timezone.now()),
        "triage_late": report.triage_late(timezone.now()),
        "paused_left": _hours_minutes(selectors.clock_left(report)),
        # Nobody to ask (no account, e-mail or phone): the page says so instead of offering the pause.
        "reporter_reachable": reporter_reachable(report),
        "no_way_to_reach_reporter": no_way_to_reach_reporter(),
        "reporter_account": reporter_account(report),
        # Replying to the request's e-mail reaches the report only where a mailbox feeds `ingest-email`.
        "reply_by_email": bool(settings.CITYDESK_REPLY_TO),
        "duplicate_candidates": selectors.duplicate_candidates(user, report)
        if powers[Power.REPORT_ASSIGN]
        else [],
        "may_transfer": any(a["action"] == "transfer" for a in actions),
        "actions": actions,
        "blocked_actions": ", ".join(blocked),
        "members": members,
        "organisations": organisations,
        "categories": [(c.code, category_label(c)) for c in _report_categories()],
        "reject_reasons": RejectReason.choices,
        "events": events,
        "attachments": attachments,
        "entered_by": report.entered_by if report.entered_by_id else None,
        "may_assign": powers[Power.REPORT_ASSIGN],
        "may_resolve": powers[Power.REPORT_RESOLVE],
        "may_note": powers[Power.REPORT_RECEIVE],
        "error": error,
        "values": values,
        "note_error": form_error("note"),
        "attach_error": form_error("attach"),
        "merge_error": form_error("merge"),
        # The merge form's two places for a refusal: the code (and anything else), and the confirmation box.
        "merge_into_error": " ".join(m for f, m in error.all() if f != "confirm")
        if error is not None and error.form == "merge"
        else "",
        "merge_confirm_error": " ".join(m for f, m in error.all() if f == "confirm")
        if error is not None and error.form == "merge"
        else "",
        "unmerge_error": form_error("unmerge"),
        "pause_error": form_error("pause"),
        "resume_error": form_error("resume"),
        "province": report.province_code or DEFAULT_PROVINCE,
        **_map_settings(),
        # Follow-up directives (operations center): the report's, and the form for who may issue one.
        "report_directives": ioc_directives.rows_for(
            user, report.directives.select_related("organisation", "issued_by")
        ),
        "may_direct": ioc_directives.may_issue(user, unit),
    }
    return render(request, "reports/officer_report.html", context, status=status)


def _routing_suggestions(report: Report) -> dict[str, list[dict[str, Any]]] | None:
    """The likely categories and handling units of the report's description and place, each with the
    model's confidence, as the hotline screen shows them (the same rounding; the units of the report's
    province only, a name two of them share told apart). None without a trained model: nothing is shown."""
    if _suggest is None:
        return None
    try:
        result = _suggest(report.description, report.lon, report.lat, report.ward_id)
    except Exception:  # a broken model must never stop the officer's page
        log.exception("routing suggestions failed")
        return None
    if not result.available:
        return None

    def shown(choices: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for c in choices:
            c["percent"] = _("%(p)s%% likely") % {"p": round(c["confidence"] * 100)}
        return choices

    categories = [c for c in map(_choice, result.categories) if c["confidence"] >= MIN_SHOWN]
    units = [c for c in map(_choice, result.units) if c["confidence"] >= MIN_SHOWN]
    orgs = {
        o.code: o
        for o in Organisation.objects.filter(code__in=[c["code"] for c in units]).select_related(
            "admin_unit", "parent__admin_unit"
        )
    }
    province = report.province_code or None
    units = [
        c
        for c in units
        if c["code"] in orgs and (not province or organisation_province(orgs[c["code"]]) == province)
    ]
    labels = names_told_apart(orgs[c["code"]] for c in units)
    for c in units:
        c["name"] = labels[orgs[c["code"]].pk]
    return {"categories": shown(categories), "units": shown(units)}


def _hours_minutes(span: timedelta | None) -> str:
    if span is None:
        return ""
    minutes = max(int(span.total_seconds() // 60), 0)
    return _("%(h)s h %(m)s min") % {"h": minutes // 60, "m": f"{minutes % 60:02d}"}


def _officer_post(
    request: HttpRequest, code: str, form_name: str, form: Any, call: Any, done: str | list[str]
) -> HttpResponse:
    """Shared POST handling of the officer page's forms: refuse, call the service, re-render or redirect."""
    report, refusal = _handled_report(request, code)
    if refusal is not None:
        return refusal
    form.is_valid()
    try:
        call(report, form.cleaned_data)
    except DomainError as exc:

        def field_of(problem: DomainError) -> str | None:
            return form.form_field_for(problem.field) if hasattr(form, "form_field_for") else problem.field

        found = exc.problems if isinstance(exc, DomainErrors) else [exc]
        problems = tuple((field_of(p), p.message) for p in found)
        report = selectors.report_for_page(report.code) or report
        return _officer_response(
            request,
            report,
            error=PageError(form=form_name, field=problems[0][0], message=exc.message, problems=problems),
            values=dict(form.data.items()),
            status=_status_of(exc),
        )
    messages.success(request, " ".join(done) if isinstance(done, list) else done)
    moved = selectors.report_for_page(report.code)
    if moved is not None and not _may_handle(request.user, moved):  # transferred away: back to my queue
        messages.info(
            request,
            _("%(code)s is now handled by %(unit)s and leaves your queue.")
            % {"code": moved.code, "unit": moved.unit.name},
        )
        return redirect("reports:queue")
    return redirect("reports:officer", code=report.code)


@login_required
@require_POST
def officer_action(request: HttpRequest, code: str) -> HttpResponse:
    form = ActionForm(request.POST)
    action = request.POST.get("action", "")

    def call(report: Report, data: dict[str, Any]) -> None:
        moved = services.report_transition(
            user=request.user,
            code=report.code,
            action=action,
            version=data.get("version"),
            note=data.get("note", ""),
            assignee=data.get("assignee") or None,
            target_unit=data.get("target_unit") or None,
            reason=data.get("reason") or None,
            resolution=data.get("resolution", ""),
            category=data.get("category") or None,
            public=forms.BooleanField(required=False).clean(request.POST.get("public")),
            # A rejected report cannot be reopened: the page asks once more (the API does not).
            confirmed=bool(data.get("confirm")) if action == "reject" else None,
        )
        done.append(
            _("%(code)s is now “%(status)s”.") % {"code": moved.code, "status": moved.get_status_display()}
        )

    done: list[str] = []
    return _officer_post(request, code, action, form, call, done)


@login_required
@require_POST
def officer_note(request: HttpRequest, code: str) -> HttpResponse:
    def call(report: Report, data: dict[str, Any]) -> None:
        services.report_note(
            user=request.user, code=report.code, text=data.get("text", ""), public=bool(data.get("public"))
        )

    return _officer_post(request, code, "note", NoteForm(request.POST), call, _("The note was added."))


@login_required
@require_POST
def officer_attach(request: HttpRequest, code: str) -> HttpResponse:
    """A photo of the site or of the repair, or a document, added by the handling unit."""
    form = AttachForm(request.POST, request.FILES)

    def call(report: Report, data: dict[str, Any]) -> None:
        upload = data.get("file")
        if not upload:
            raise DomainError(_("Choose the file to add."), field="file")
        actor = authorize(request.user, Power.REPORT_RECEIVE, report.unit)
        attachment_add(
            report=report,
            upload=upload,
            actor=actor,
            user=request.user,
            public=bool(data.get("public")),
            by_unit=True,
        )

    return _officer_post(request, code, "attach", form, call, _("The file was added."))


@login_required
@require_POST
def officer_merge(request: HttpRequest, code: str) -> HttpResponse:
    def call(report: Report, data: dict[str, Any]) -> None:
        # Its reporter and followers are told at once: the page asks to confirm (a candidate's button
        # opens the page with the code filled in and the box to tick: never a merge by itself).
        services.report_merge(
            user=request.user,
            code=report.code,
            into=_code(data.get("into", "")),
            version=data.get("version"),
            confirmed=bool(data.get("confirm")),
        )

    return _officer_post(
        request, code, "merge", MergeForm(request.POST), call, _("The report was merged as a duplicate.")
    )


@login_required
@require_POST
def officer_unmerge(request: HttpRequest, code: str) -> HttpResponse:
    def call(report: Report, data: dict[str, Any]) -> None:
        services.report_unmerge(user=request.user, code=report.code, version=data.get("version"))

    return _officer_post(
        request, code, "unmerge", VersionForm(request.POST), call, _("The report was separated again.")
    )


@login_required
@require_POST
def officer_pause(request: HttpRequest, code: str) -> HttpResponse:
    def call(report: Report, data: dict[str, Any]) -> None:
        services.report_pause(
            user=request.user, code=report.code, note=data.get("note", ""), version=data.get("version")
        )

    return _officer_post(
        request, code, "pause", PauseForm(request.POST), call, _("The deadline clock is stopped.")
    )


@login_required
@require_POST
def officer_resume(request: HttpRequest, code: str) -> HttpResponse:
    said: list[str] = []  # filled in once resumed: whether the due time moved, and to when

    def call(report: Report, data: dict[str, Any]) -> None:
        resumed = services.report_resume(user=request.user, code=report.code, version=data.get("version"))
        said.append(resumed_text(report.due_at, resumed.due_at))

    return _officer_post(request, code, "resume", VersionForm(request.POST), call, said)
