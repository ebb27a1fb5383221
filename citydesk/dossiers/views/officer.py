"""Officer pages: the dossier queue of my units, a dossier's page with its workflow actions, its papers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from citydesk.core.access import record_case_access
from citydesk.core.errors import Conflict, DomainError, DomainErrors, NotAllowed
from citydesk.core.models import Organisation, User
from citydesk.core.powers import Role
from citydesk.dossiers import payments, selectors, slips, workflow
from citydesk.dossiers.forms import ACCEPT, ActionForm, QueueFilterForm
from citydesk.dossiers.models import Dossier, DossierStep, ResultMethod, Status
from citydesk.dossiers.payments import vnd
from citydesk.dossiers.services import dossier_transition
from citydesk.dossiers.services.acting import RECORD_PAYMENT, moves_open_to
from citydesk.dossiers.services.common import fee_unpaid
from citydesk.dossiers.views.common import (
    ACTION_FIELDS,
    ACTION_LABELS,
    check_confirmed,
    event_rows,
    forbidden,
    handled_dossier,
    not_found,
    papers_of,
    papers_uploaded,
    requirements_asked_first,
    serve_document,
    status_of,
    step_rows,
)
from citydesk.lib.text import nfc

SIGNING_ROLES = frozenset({Role.DEPUTY, Role.HEAD, Role.LEADER})
SIGNING_LABELS = {
    "forward": gettext_lazy("Approve and sign, then forward"),
    "finish": gettext_lazy("Approve and sign: the result is ready"),
}

PAGE_SIZE = 30
# The id of a field's control on the dossier page when it is not "<action>-<field>" (officer_dossier.html).
FIELD_IDS = {
    "payment_method": "payment-method",
    "receipt_number": "payment-receipt",
    "result_method": "return-method",
    "tracking_number": "return-tracking",
    "delivery_address": "return-address",
    "files": "",  # several file inputs: the action's form
}
# The controls of the forms that are not workflow moves (views/slips.py): the apology for a late dossier
# and the signed result's file; a refusal naming another field leads to the form.
OWN_FORM_FIELDS = {
    "apology": {"appointment": "apology-appointment", "reason": "apology-reason"},
    "result_file": {"file": "result-file"},
}


# --- Queue ----------------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    units = selectors.working_units(request.user)
    if not units:
        return forbidden(request, _("Only officers of a unit that handles dossiers have a dossier queue."))
    form = QueueFilterForm(request.GET)
    form.is_valid()
    unit_filter = None
    if code := form.value("unit") or "":
        # One unit's queue (the backlog's links): that unit and its one-stop desks, only among mine.
        try:
            units = selectors.narrowed_units(units, code)
        except NotAllowed as exc:
            return forbidden(request, exc.message)
        except DomainError as exc:
            return not_found(request, exc.message)
        unit = Organisation.objects.get(code=selectors.lookup_text(code))
        rest = request.GET.copy()
        for name in ("unit", "page"):
            rest.pop(name, None)
        unit_filter = {"code": unit.code, "name": unit.name, "remove_query": rest.urlencode()}
    filters = selectors.QueueFilters(
        status=form.value("status") or "active",
        procedure=form.value("procedure") or "",
        overdue=bool(form.value("overdue")),
        q=form.value("q") or "",
    )
    page = selectors.queue_page(units, filters, form.value("page") or 1, PAGE_SIZE)
    keep = request.GET.copy()
    keep.pop("page", None)
    context = {
        "page": page,
        "rows": page.object_list,
        "filters": filters,
        "statuses": Status.choices,
        "procedures": selectors.queue_procedures(units),
        "filters_query": keep.urlencode(),
        "may_receive": bool(selectors.receiving_units(request.user)),
        "unit_filter": unit_filter,
        # What the count counts: waiting at a step of these units (the backlog's figure), of those
        # overdue, the results to hand over, the dossiers now at other units' steps (read-only).
        "summary": selectors.queue_summary(units, filters),
    }
    return render(request, "dossiers/queue.html", context)


# --- One dossier ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageError:
    form: str  # the action whose form failed
    field: str | None
    message: str
    conflict: bool = False  # someone else moved the dossier since the page was loaded
    not_now: bool = False  # the move does not apply to the dossier's current status
    # Every input refused at once (a service's DomainErrors), each (field, message); () for one refusal.
    problems: tuple[tuple[str | None, str], ...] = ()

    @property
    def all(self) -> tuple[tuple[str | None, str], ...]:
        """Each refused input with its message: the problems, or the one refusal."""
        return self.problems or ((self.field, self.message),)

    @property
    def items(self) -> list[dict[str, str]]:
        """The error summary's lines: each message with the control it leads to."""
        return [{"message": m, "anchor": error_anchor(self.form, f)} for f, m in self.all]


def page_error(form: str, exc: DomainError, field_for: Any = None) -> PageError:
    """The page's error for a service's refusal `exc` at the form of `form`: every problem of a
    DomainErrors (each beside its field, all in the summary), the field names mapped by `field_for`."""

    def name(field: str | None) -> str | None:
        return (field_for(field) or field) if field_for is not None else field

    problems = getattr(exc, "problems", None) or []
    listed = tuple((name(p.field), p.message) for p in problems) if len(problems) > 1 else ()
    return PageError(
        form=form,
        field=name(exc.field),
        message=" ".join(m for _f, m in listed) if listed else exc.message,
        conflict=isinstance(exc, Conflict) and not isinstance(exc, workflow.NotNow),
        not_now=isinstance(exc, workflow.NotNow),
        problems=listed,
    )


def error_anchor(action: str, field: str | None) -> str:
    """Where the error summary's link leads: the control of the field at fault, else the action's form."""
    if action in OWN_FORM_FIELDS:
        return OWN_FORM_FIELDS[action].get(field or "", f"form-{action}")
    if action == "return_result" and field == "file":  # the signed result's file, for an online hand-over
        return OWN_FORM_FIELDS["result_file"]["file"]
    if field and field in ACTION_FIELDS.get(action, ()):
        control = FIELD_IDS.get(field, f"{action}-{field}")
        if control:
            return control
    return f"form-{action}"


def available_actions(user: User, dossier: Dossier, steps: list[DossierStep]) -> list[str]:
    """The actions this officer may make on the dossier now (the rule of the API's allowed_actions)."""
    return moves_open_to(user, dossier, last_position=max((s.position for s in steps), default=0))


@login_required
@require_GET
def dossier_page(request: HttpRequest, code: str) -> HttpResponse:
    dossier, steps, refused = handled_dossier(request, code)
    if refused is not None:
        return refused
    assert dossier is not None
    record_case_access(request, dossier, "page")  # who among the staff opened the applicant's data
    return _page(request, dossier, steps)


ENDING = frozenset({"refuse", "withdraw"})  # cannot be undone: set apart, and not styled as the main move


def _page(
    request: HttpRequest,
    dossier: Dossier,
    steps: list[DossierStep],
    *,
    error: PageError | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    values = values or {}
    events = list(dossier.events.all())
    actions = []
    step = dossier.current_step
    # A step of a deputy, a head or a leader is their review and signature: its buttons say so.
    signing = step is not None and step.role in SIGNING_ROLES
    for action in available_actions(request.user, dossier, steps):
        mine = error is not None and error.form == action
        field_errors: dict[str, str] = {}
        general = []
        if mine and error is not None:
            for field, message in error.all:
                if field in ACTION_FIELDS.get(action, ()):
                    field_errors[field] = message  # type: ignore[index]
                else:
                    general.append(message)
        actions.append(
            {
                "action": action,
                "label": SIGNING_LABELS[action]
                if signing and action in SIGNING_LABELS
                else ACTION_LABELS[action],
                "errors": field_errors,
                "error": " ".join(general),
                "values": values if mine else {},
                "ticked": request.POST.getlist("papers") if mine else [],
            }
        )
    # The fee first (the applicant may be at the desk to pay), the moves that end the dossier last.
    actions.sort(key=lambda a: 0 if a["action"] == RECORD_PAYMENT else 2 if a["action"] in ENDING else 1)
    # The apology's form is there for a late dossier, the signed result's while the result is ready.
    apology_open = slips.apology_problem(dossier) is None
    result_open = dossier.status == Status.RESULT_READY
    own_open = {"apology": apology_open, "result_file": result_open}
    shown = error is not None and (
        any(a["action"] == error.form for a in actions) or own_open.get(error.form, False)
    )
    own_errors: dict[str, dict[str, str]] = {form: {} for form in OWN_FORM_FIELDS}
    if error is not None and error.form in OWN_FORM_FIELDS and own_open[error.form]:
        fields = OWN_FORM_FIELDS[error.form]
        for field, message in error.all:
            key = field if field in fields else ""
            own_errors[error.form][key] = " ".join(filter(None, [own_errors[error.form].get(key), message]))
    if error is not None and error.form == "return_result" and result_open:
        # An online hand-over without the signed result's file: said at the file's form too.
        for field, message in error.all:
            if field == "file":
                own_errors["result_file"]["file"] = message
    # The step is someone else's to do: say whose, rather than leave the officer with "withdraw" alone.
    moves = {a["action"] for a in actions}
    whose_step = ""
    if dossier.is_open and step is not None and not moves & {"forward", "finish"}:
        whose_step = _("The current step, “%(step)s”, is done by the %(role)s of %(unit)s.") % {
            "step": step.label,
            "role": Role(step.role).label.lower(),
            "unit": step.unit.name,
        }
    # A move made under a delegation (ủy quyền) says on whose behalf, on its step and its history line.
    acts = selectors.acts_of(dossier, events)
    step_list = step_rows(dossier, steps)
    for row in step_list:
        acted = acts.steps.get(row.step.position)
        row.on_behalf_of = acted.on_behalf_of if acted is not None and row.done else ""  # type: ignore[attr-defined]
    event_list = event_rows(events, public_only=False, with_notes=True)
    for item in event_list:
        acted = acts.events.get(item["event"].pk)
        item["on_behalf_of"] = acted.on_behalf_of if acted is not None else ""
    context = {
        "dossier": dossier,
        "steps": step_list,
        "papers": papers_of(dossier),
        "requirements": requirements_asked_first(dossier, events),
        "events": event_list,
        "payments": [
            {
                "payment": p,
                "provider": payments.provider_label(p.provider),
                "amount": vnd(p.amount),
                "receipt": payments.receipt_number(p),
            }
            for p in dossier.payments.all()
        ],
        "payment_methods": list(payments.DESK_METHODS.items()),
        "fee_unpaid": fee_unpaid(dossier),
        "shipment": selectors.shipment_of(dossier),
        "actions": actions,
        "whose_step": whose_step,
        "note_error": error.message if error is not None and error.form == "note" else "",
        "note_text": values.get("text", "") if error is not None and error.form == "note" else "",
        "result_methods": ResultMethod.choices,
        # Past the dossier's own due time (its appointment) or its current step's, as in the queue.
        "overdue": selectors.is_overdue(dossier),
        "fee_text": vnd(dossier.fee) if dossier.fee else "",
        "error": error,
        "error_anchor": error_anchor(error.form, error.field) if error is not None and shown else "",
        "accept": ACCEPT,
        "slips": slips.available_slips(dossier, events),
        "apology_open": apology_open,
        "apology_errors": own_errors["apology"],
        "apology_values": values if error is not None and error.form == "apology" else {},
        "signed_result": dossier.signed_result,
        "result_open": result_open,
        "result_errors": own_errors["result_file"],
        "max_mb": getattr(settings, "CITYDESK_MAX_DOSSIER_FILE_MB", 10),
    }
    return render(request, "dossiers/officer_dossier.html", context, status=status)


@login_required
@require_POST
def dossier_action(request: HttpRequest, code: str) -> HttpResponse:
    dossier, steps, refused = handled_dossier(request, code)
    if refused is not None:
        return refused
    assert dossier is not None
    form = ActionForm(request.POST)
    valid = form.is_valid()
    action = form.cleaned_data.get("action") or request.POST.get("action", "")
    values = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    try:
        if not valid:  # every field the form refused, at once
            refused = [
                DomainError(" ".join(str(e) for e in errs), field=n) for n, errs in form.errors.items()
            ]
            raise refused[0] if len(refused) == 1 else DomainErrors(refused)
        if form.cleaned_data.get("version") is None:
            raise DomainError(_("The page did not say which version you saw: reload it."), field="version")
        if form.cleaned_data["version"] == dossier.version and action in available_actions(
            request.user, dossier, steps
        ):  # else the service says why not (someone acted first, not your move, not now)
            check_confirmed(action, form.confirmed())
            if action == "return_result":  # every missing input of the hand-over at once
                problems = workflow.handover_problems(
                    dossier,
                    form.cleaned_data.get("result_method") or dossier.result_method,
                    tracking_number=form.cleaned_data.get("tracking_number") or "",
                    address=form.cleaned_data.get("delivery_address") or dossier.applicant_address,
                )
                if problems:
                    raise problems[0] if len(problems) == 1 else DomainErrors(problems)
        if action == RECORD_PAYMENT:
            payments.payment_record_at_desk(
                user=request.user,
                code=dossier.code,
                method=request.POST.get("payment_method", ""),
                receipt=nfc(request.POST.get("receipt_number", "")),
                version=form.cleaned_data["version"],
            )
            messages.success(request, _("%(code)s: the fee is recorded as paid.") % {"code": dossier.code})
            return redirect("dossiers:dossier", code=dossier.code)
        uploads = None
        if action == "supplement_received":
            uploads = papers_uploaded(request.FILES, list(dossier.procedure.documents.all()))
        moved = dossier_transition(
            user=request.user,
            code=dossier.code,
            action=action,
            version=form.cleaned_data["version"],
            note=form.note_text(),
            result_method=form.cleaned_data.get("result_method") or "",
            tracking_number=form.cleaned_data.get("tracking_number") or "",
            delivery_address=form.cleaned_data.get("delivery_address") or "",
            uploads=uploads,
            papers=form.papers(),
        )
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    except DomainError as exc:
        fresh = selectors.dossier_for_page(dossier.code) or dossier
        return _page(
            request,
            fresh,
            list(fresh.steps.all()),
            error=page_error(action, exc, form.form_field_for),
            values=values,
            status=status_of(exc),
        )
    next_step = moved.current_step if action == "forward" else None
    if next_step is not None:  # the status stays "in progress": say where the dossier went
        messages.success(
            request,
            _("%(code)s: step done; it now waits at step %(n)s “%(step)s”, for the %(role)s of %(unit)s.")
            % {
                "code": moved.code,
                "n": next_step.position,
                "step": next_step.label,
                "role": next_step.get_role_display().lower(),
                "unit": next_step.unit.name,
            },
        )
    else:
        messages.success(
            request,
            _("%(code)s is now “%(status)s”.") % {"code": moved.code, "status": moved.get_status_display()},
        )
    return redirect("dossiers:dossier", code=moved.code)


@login_required
@require_GET
def officer_document(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    dossier, _steps, refused = handled_dossier(request, code)
    if refused is not None:
        return refused
    assert dossier is not None
    response = serve_document(dossier, pk)
    if response is not None:
        record_case_access(request, dossier, "file")
    if response is None:
        return not_found(request, _("No such paper in dossier %(code)s.") % {"code": dossier.code})
    return response


@login_required
@require_POST
def dossier_note_view(request: HttpRequest, code: str) -> HttpResponse:
    """An internal note of a handling officer (the applicant never reads it)."""
    from citydesk.dossiers.services.notes import dossier_note

    dossier, steps, refused = handled_dossier(request, code)
    if refused is not None:
        return refused
    assert dossier is not None
    text = request.POST.get("text", "")
    try:
        dossier_note(user=request.user, code=dossier.code, text=text)
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    except DomainError as exc:
        return _page(
            request,
            dossier,
            steps,
            error=PageError(form="note", field="text", message=exc.message),
            values={"text": text},
            status=400,
        )
    messages.success(request, _("%(code)s: the note is added to the history.") % {"code": dossier.code})
    return redirect("dossiers:dossier", code=dossier.code)
