"""The hotline operator screen and its live routing suggestions."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from citydesk.core.errors import DomainError, DomainErrors, NotAllowed
from citydesk.core.models import (
    AdminUnit,
    Membership,
    Organisation,
    ServiceCategory,
)
from citydesk.core.powers import Power
from citydesk.core.selectors import names_told_apart
from citydesk.core.services import holds_anywhere
from citydesk.core.units import typed_ward
from citydesk.core.validators import is_mobile_phone, organisation_province
from citydesk.reports import routing, selectors, services, system_notes
from citydesk.reports.forms import (
    HotlineForm,
    LookupForm,
    category_label,
    new_idempotency_key,
)
from citydesk.reports.models import Channel, RejectReason, Report, Status
from citydesk.reports.services.citizen import follow_refusal
from citydesk.reports.services.common import local_time, reopen_until
from citydesk.reports.services.replies import (
    hotline_reopen_refusal,
    report_follow_by_phone,
    report_reopen_by_phone,
)
from citydesk.reports.views.citizen import text_counter

try:  # routing suggestions are optional: no trained model, or the module is not installed
    from citydesk.reports.suggest import suggest as _suggest
except ImportError:  # pragma: no cover - depends on the installation
    _suggest = None

from citydesk.reports.views.common import (
    DEFAULT_PROVINCE,
    MERGED_AS_DUPLICATE,
    SESSION_HOTLINE,
    _code,
    _forbidden,
    _not_found,
    _provinces,
    _remember,
    _report_categories,
    _status_of,
    _unit_gloss,
    _ward_options,
    division_words,
    reporter_account,
)

log = logging.getLogger("citydesk.reports")

# The report whose caller's answer was just recorded: its page says so in its title and focuses the message.
SESSION_ANSWER_RECORDED = "reports_hotline_answer_recorded"
# The same after reopening a report for the caller, or signing them up: {"code": …, "what": "reopen"|"follow"}.
SESSION_HOTLINE_DONE = "reports_hotline_done"


def landline_warning(phone: str) -> str:
    """The warning beside a caller's number no SMS reaches (a landline, 02…): '' for a mobile number, or
    for none. A warning, not a refusal: the caller may have no mobile phone."""
    if not phone or is_mobile_phone(phone):
        return ""
    return _(
        "This is not a mobile number: it cannot receive SMS updates. Ask the caller for a mobile number or "
        "an e-mail address."
    )


def _typed_landline(form: HotlineForm) -> str:
    """`landline_warning` of the number typed on a form shown again (its errors elsewhere)."""
    if form.errors.get("contact_phone"):
        return ""
    try:
        phone = services.normalize_phone(str(form.data.get("contact_phone", "")))
    except DomainError:
        return ""
    return landline_warning(phone)


# --- Hotline operator screen ----------------------------------------------------------------------


def _operator_province(membership: Membership) -> str:
    org = membership.organisation
    unit = org.admin_unit
    if unit is not None:
        return unit.province_id or unit.code
    prefix = org.code.split(".", 1)[0]
    return prefix if len(prefix) == 2 and prefix.isdigit() else DEFAULT_PROVINCE


def _suggestions_available() -> bool:
    if _suggest is None:
        return False
    try:
        return bool(_suggest("", None, None, None, k=0).available)
    except Exception:  # a broken model must never stop the hotline
        log.exception("routing suggestions unavailable")
        return False


@login_required
@require_http_methods(["GET", "POST"])
def hotline(request: HttpRequest) -> HttpResponse:
    membership = holds_anywhere(request.user, Power.REPORT_RECEIVE)
    if membership is None:
        return _forbidden(request, _("Only hotline operators and officers enter reports for callers."))
    status = 200
    result = None
    categories = _report_categories()
    if request.method == "POST":
        form = HotlineForm(request.POST, categories=categories)
        if form.is_valid():
            data = form.cleaned_data
            try:
                intake = services.report_submit(
                    category=data["category"] or None,
                    description=data["description"],
                    channel=Channel.HOTLINE,
                    address=data["address"],
                    ward_code=data.get("ward_code") or None,
                    province_code=data.get("province") or None,  # an address without its ward
                    contact_name=form.contact_name_with_note(),
                    contact_phone=data["contact_phone"],
                    entered_by=request.user,
                    idempotency_scope=f"hotline:{request.user.pk}",
                    idempotency_key=data["idempotency_key"],
                )
            except NotAllowed as exc:
                return _forbidden(request, exc.message)
            except DomainError as exc:
                form.add_domain_error(exc)
                status = _status_of(exc)
            else:
                _remember(request, SESSION_HOTLINE, intake.report.code)
                return redirect(f"{reverse('reports:hotline')}?{urlencode({'code': intake.report.code})}")
        status = max(status, 400)
        idempotency_key = form.data.get("idempotency_key") or new_idempotency_key()
    else:
        form = HotlineForm(initial={"province": _operator_province(membership)}, categories=categories)
        idempotency_key = new_idempotency_key()
        code = _code(request.GET.get("code", ""))
        if code and code in request.session.get(SESSION_HOTLINE, []):
            result = Report.objects.select_related("unit", "category").filter(code=code).first()
    return _hotline_page(request, form, categories, idempotency_key, result=result, status=status)


def _hotline_page(
    request: HttpRequest,
    form: HotlineForm,
    categories: list[Any],
    idempotency_key: str,
    *,
    result: Report | None = None,
    lookup: LookupForm | None = None,
    lookup_error: str = "",
    caller_reports: list[Report] | None = None,
    status: int = 200,
) -> HttpResponse:
    province = form["province"].value() or DEFAULT_PROVINCE
    context = {
        "form": form,
        "categories": [(c.code, category_label(c)) for c in categories],
        "provinces": _provinces(),
        "province": province,
        "wards": _ward_options(province),
        "ward_words": division_words(),
        "idempotency_key": idempotency_key,
        "result": result,
        "result_category": category_label(result.category) if result else "",
        # Earlier reports of the same problem, to tell the caller (the handling unit merges them).
        "result_duplicates": selectors.duplicate_candidates(request.user, result) if result else [],
        "suggestions": _suggestions_available(),
        "suggest_texts": {
            "use": _("Use"),
            "none": _("No suggestion for this description."),
            "ready": _("Suggestions for the description so far:"),
            "percent": _("%(p)s%% likely"),
            # What the live region says: the most likely category (or unit), not only that there are some.
            "top_category": _("Suggestion: %(name)s (%(p)s%%)"),
            "top_unit": _("Suggested unit: %(name)s (%(p)s%%)"),
            # The button right under the description, the next stop of Tab: no reaching for the side panel.
            "use_top": _("Use the suggested category: %(name)s (%(p)s%%)"),
        },
        "non_field_errors": form.non_field_errors(),
        # The characters left as the operator types (a longer text is refused with the form, never cut).
        "description_count": text_counter(
            form["description"].value() or "", services.MAX_DESCRIPTION, "description"
        ),
        # A landline gets no SMS: said beside the field of a form shown again, and on the confirmation.
        "phone_warning": _typed_landline(form) if form.is_bound else "",
        "landline_text": landline_warning("02838291234"),  # the same words, for the script's live warning
        "result_phone_warning": landline_warning(result.contact_phone) if result else "",
        "lookup_code": lookup.data.get("code", "") if lookup is not None else "",
        "lookup_error": lookup_error,
        "caller_reports": [
            (r, category_label(r.category), _merged_into(request.user, r)) for r in caller_reports or ()
        ],
    }
    return render(request, "reports/hotline.html", context, status=status)


# --- A caller about an existing report ------------------------------------------------------------


def _hotline_refusal(request: HttpRequest) -> HttpResponse | None:
    if holds_anywhere(request.user, Power.REPORT_RECEIVE) is None:
        return _forbidden(request, _("Only hotline operators and officers enter reports for callers."))
    return None


@login_required
@require_GET
def hotline_lookup(request: HttpRequest) -> HttpResponse:
    """The code a caller reads out (a report's SMS asks them to): that report's hotline page, when it is
    one the operator takes calls about; else the hotline screen says no such report (another unit's
    report is not revealed)."""
    refusal = _hotline_refusal(request)
    if refusal is not None:
        return refusal
    lookup = LookupForm(request.GET)
    lookup.is_valid()
    typed = lookup.cleaned_data.get("code", "")
    caller_reports: list[Report] | None = None
    code = selectors.normalise_code(typed)
    if selectors.PHONE_LIKE.fullmatch(typed):  # a caller without the code: the number they call from
        try:
            phone = services.normalize_phone(typed, field="code")
        except DomainError as exc:
            error, status = exc.message, 400
        else:
            caller_reports = selectors.reports_from_caller(request.user, phone)  # type: ignore[arg-type]
            error, status = "", 200
            if not caller_reports:
                error = _("No report from %(phone)s found among the reports the hotline may see.") % {
                    "phone": phone
                }
                status = 404
    elif code:
        report = Report.objects.select_related("unit").filter(code=code).first()
        if report is not None and selectors.takes_calls_about(request.user, report):
            return redirect("reports:hotline_report", code=report.code)
        error, status = (
            _("No report %(code)s found among the reports the hotline may see.") % {"code": code},
            404,
        )
    else:
        error, status = _("Enter the tracking code, for example PA-26-000123."), 400
    membership = holds_anywhere(request.user, Power.REPORT_RECEIVE)
    categories = _report_categories()
    form = HotlineForm(initial={"province": _operator_province(membership)}, categories=categories)
    return _hotline_page(
        request,
        form,
        categories,
        new_idempotency_key(),
        lookup=lookup,
        lookup_error=error,
        caller_reports=caller_reports,
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def hotline_report(request: HttpRequest, code: str) -> HttpResponse:
    """A report a caller asks about: where it stands and what the caller can have done. While it waits for
    the citizen, the form to record the caller's answer (`services.report_reply_by_phone`); resolved and
    still within its reopening window, what was done and the form to reopen it for its reporter
    (`report_reopen_by_phone`); while updates are to come, the form to sign the caller's mobile number up
    for them (`report_follow_by_phone`). Each form posts its `action` ("answer" without one)."""
    refusal = _hotline_refusal(request)
    if refusal is not None:
        return refusal
    report = selectors.report_for_page(_code(code))
    if report is None:
        return _not_found(request, _("No report %(code)s.") % {"code": _code(code)})
    if not selectors.takes_calls_about(request.user, report):
        return _forbidden(request, _("This report is handled by another unit."))
    error = ""
    errors: dict[str, str] = {}  # the reopening's or the follow's refusals, by field
    status = 200
    text = ""
    action = request.POST.get("action", "answer") if request.method == "POST" else ""
    if action in ("reopen", "follow"):
        try:
            said = _hotline_act(request, report, action)
        except NotAllowed as exc:
            return _forbidden(request, exc.message)
        except DomainError as exc:
            problems = exc.problems if isinstance(exc, DomainErrors) else [exc]
            for problem in problems:
                errors.setdefault(problem.field or action, problem.message)
            status = _status_of(exc)
            report = selectors.report_for_page(report.code) or report
        else:
            request.session[SESSION_HOTLINE_DONE] = {"code": report.code, "what": action}
            messages.success(request, said)
            return redirect("reports:hotline_report", code=report.code)
    elif request.method == "POST":
        text = request.POST.get("text", "")
        try:
            result = services.report_reply_by_phone(
                user=request.user,
                code=report.code,
                text=text,
                idempotency_key=request.POST.get("idempotency_key", "").strip(),
            )
        except NotAllowed as exc:
            return _forbidden(request, exc.message)
        except DomainError as exc:
            error, status = exc.message, _status_of(exc)
            report = selectors.report_for_page(report.code) or report
        else:
            if result.created:
                request.session[SESSION_ANSWER_RECORDED] = report.code
                messages.success(
                    request,
                    _("The caller's answer was recorded and sent to %(unit)s; the deadline clock runs again.")
                    % {"unit": result.report.unit.name},
                )
            return redirect("reports:hotline_report", code=report.code)
    waiting = report.paused_at is not None and report.is_open
    recorded = request.method == "GET" and request.session.pop(SESSION_ANSWER_RECORDED, "") == report.code
    done = request.session.pop(SESSION_HOTLINE_DONE, None) if request.method == "GET" else None
    done_what = done["what"] if isinstance(done, dict) and done.get("code") == report.code else ""
    resolved = report.status in (Status.RESOLVED, Status.CLOSED) and not report.duplicate_of_id
    reopen_refusal = hotline_reopen_refusal(report) if resolved else ""
    can_reopen = resolved and not reopen_refusal
    can_follow = report.is_public and not follow_refusal(report)
    context = {
        "report": report,
        "answer_recorded": recorded,
        "done": done_what,
        "unit_gloss": _unit_gloss(report.unit),
        "category_name": category_label(report.category),
        "caller_phone": services.mask_phone(report.contact_phone) if report.contact_phone else "",
        # Filed from a citizen's account: its name and (masked) phone, to recognise the caller.
        "account": _account_for_call(report),
        "waiting": waiting,
        "request_text": _information_asked(report) if waiting else "",
        "error": error,
        "text": text if error else "",
        "errors": errors,
        "form_action": action if errors else "",
        "values": {k: request.POST.get(k, "") for k in ("caller_phone", "reason", "follow_phone")}
        if errors
        else {},
        "resolved": resolved,
        "reopen_until": reopen_until(report) if resolved else None,
        "reopen_refusal": reopen_refusal,
        "can_reopen": can_reopen,
        "can_follow": can_follow,
        # A refusal of a form the page no longer shows (the report changed meanwhile): said on top.
        "lost_error": next(iter(errors.values()), "")
        if (action == "reopen" and not resolved) or (action == "follow" and not can_follow)
        else "",
        "merged_into": _merged_into(request.user, report),
        "reject_reason": _reject_reason(report),
        # The first field to act in, focused on arrival (keyboard work; after an error, the field at fault).
        "focus": _first_field(
            error=bool(error),
            errors=errors,
            told=recorded or bool(done_what),
            waiting=waiting,
            can_reopen=can_reopen,
            can_follow=can_follow,
        ),
        "idempotency_key": new_idempotency_key(),
    }
    return render(request, "reports/hotline_report.html", context, status=status)


# The form fields of the hotline report page, by the service's field names.
_FIELD_IDS = {
    "caller_phone": "id_caller_phone",
    "reason": "id_reopen_reason",
    "reopen": "id_caller_phone",
    "follow_phone": "id_follow_phone",
    "follow": "id_follow_phone",
    "code": "id_follow_phone",
}


def _first_field(
    *, error: bool, errors: dict[str, str], told: bool, waiting: bool, can_reopen: bool, can_follow: bool
) -> str:
    """The id of the field the page focuses: the one at fault, else the first action's (none after a
    success: the script focuses its message)."""
    if error:
        return "id_answer_text"
    if errors:
        return next((_FIELD_IDS[f] for f in errors if f in _FIELD_IDS), "")
    if told:
        return ""
    if waiting:
        return "id_answer_text"
    if can_reopen:
        return "id_caller_phone"
    return "id_follow_phone" if can_follow else ""


def _hotline_act(request: HttpRequest, report: Report, action: str) -> str:
    """Reopen the report for the caller, or sign the caller up: what to say once done."""
    if action == "reopen":
        reopened = report_reopen_by_phone(
            user=request.user,
            code=report.code,
            phone=request.POST.get("caller_phone", ""),
            reason=request.POST.get("reason", ""),
            idempotency_key=request.POST.get("idempotency_key", "").strip(),
        ).report
        return _(
            "Report %(code)s is reopened and goes back to %(unit)s; new due time %(due)s. Tell the caller."
        ) % {
            "code": reopened.code,
            "unit": reopened.unit.name,
            "due": local_time(reopened.due_at) if reopened.due_at else "—",
        }
    outcome = report_follow_by_phone(
        user=request.user, code=report.code, phone=request.POST.get("follow_phone", "")
    )
    phone = services.mask_phone(outcome.follower.phone)
    if outcome.created:
        return _("%(phone)s now receives the SMS updates of %(code)s.") % {
            "phone": phone,
            "code": report.code,
        }
    return _("%(phone)s already receives the updates of %(code)s.") % {"phone": phone, "code": report.code}


def _merged_into(user: Any, report: Report) -> dict[str, str] | None:
    """A merged report as the hotline tells it: the report it was merged into, its status, and its
    hotline page when the operator takes calls about it (None when not merged)."""
    master = report.duplicate_of if report.duplicate_of_id else None
    if master is None:
        return None
    return {
        "badge": str(MERGED_AS_DUPLICATE),  # the merged report's own status, instead of a plain rejection
        "code": master.code,
        "status": master.status,
        "status_label": master.get_status_display(),
        "url": reverse("reports:hotline_report", args=[master.code])
        if selectors.takes_calls_about(user, master)
        else "",
    }


def _reject_reason(report: Report) -> str:
    """A rejection's reason as the citizen was told it ('' when not rejected, or merged)."""
    if report.status != Status.REJECTED or report.duplicate_of_id:
        return ""
    if report.reject_reason not in RejectReason.values:
        return report.reject_note
    return f"{RejectReason(report.reject_reason).label}. {report.reject_note}".strip()


def _account_for_call(report: Report) -> dict[str, str] | None:
    account = reporter_account(report)
    if account is None:
        return None
    return {
        "name": account["name"],
        "phone": services.mask_phone(account["phone"]) if account["phone"] else "",
    }


def _information_asked(report: Report) -> str:
    """What the unit asked the citizen (the text of its last request for information)."""
    asked = [e for e in report.events.all() if e.note_key == system_notes.WAITING]
    return str(asked[-1].note_args.get("text", "")) if asked else ""


def _choice(item: Any) -> dict[str, Any]:
    if hasattr(item, "code"):
        code, name, confidence = item.code, item.name, item.confidence
    else:
        code, name, confidence = item
    return {"code": code, "name": name, "confidence": round(float(confidence), 3)}


@login_required
@require_GET
def hotline_suggest(request: HttpRequest) -> JsonResponse:
    """Routing suggestions for the description being typed (JSON for the hotline screen)."""
    if holds_anywhere(request.user, Power.REPORT_RECEIVE) is None:
        return JsonResponse({"detail": _("Only hotline operators and officers use suggestions.")}, status=403)
    description = request.GET.get("description", "")[:1500].strip()
    ward_code = request.GET.get("ward_code", "").strip()[:5] or None
    empty = {"available": False, "categories": [], "units": []}
    if _suggest is None:
        return JsonResponse(empty)
    if not description:
        return JsonResponse({**empty, "available": _suggestions_available()})
    try:
        result = _suggest(description, None, None, ward_code)
    except Exception:  # a broken model must never stop the hotline
        log.exception("routing suggestions failed")
        return JsonResponse(empty)
    ward = typed_ward(ward_code)
    province = ward.province_id if ward else (request.GET.get("province", "").strip()[:2] or None)
    return JsonResponse(
        {
            "available": bool(result.available),
            "categories": [c for c in map(_choice, result.categories) if c["confidence"] >= MIN_SHOWN],
            "units": _unit_choices(request, result.units, ward, province),
        }
    )


MIN_SHOWN = 0.01  # a suggestion that rounds to 0 % says nothing


def _unit_choices(
    request: HttpRequest, suggested: list[Any], ward: AdminUnit | None, province: str | None
) -> list[dict[str, Any]]:
    """The handling unit: once the category is chosen and the place known, the one routing will choose
    (certain, 100 %); else the model's likely units of the place's province only, a name shared by two
    provinces' units followed by its province."""
    category = ServiceCategory.objects.filter(
        code=request.GET.get("category", "").strip()[:40],
        domain=ServiceCategory.Domain.REPORT,
        is_active=True,
    ).first()
    if category is not None and (ward is not None or province):
        try:
            chosen = routing.route(category, ward, province_code=None if ward else province)
        except LookupError:
            chosen = None
        if chosen is not None:
            return [{"code": chosen.unit.code, "name": chosen.unit.name, "confidence": 1.0}]
    choices = [_choice(u) for u in suggested]
    orgs = {
        o.code: o
        for o in Organisation.objects.filter(code__in=[c["code"] for c in choices]).select_related(
            "admin_unit", "parent__admin_unit"
        )
    }
    kept = [
        c
        for c in choices
        if c["confidence"] >= MIN_SHOWN
        and c["code"] in orgs
        and (not province or organisation_province(orgs[c["code"]]) == province)
    ]
    labels = names_told_apart(orgs[c["code"]] for c in kept)
    for c in kept:
        c["name"] = labels[orgs[c["code"]].pk]
    return kept
