"""Follow-up directives pages: the list (issued by me / addressed to my units), issuing one, and the
unit's answers (acknowledge, complete) or the issuer's withdrawal. Errors name the field, nothing stored."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from citydesk.core.errors import Conflict, DomainError, NotAllowed, NotFound
from citydesk.ioc import directives as services
from citydesk.ioc.access import dashboard_scope
from citydesk.web.templatetags.date_fields import DayFirstDateField

FIELDS = ("unit", "report", "text", "due")
# The label of each input a refusal may name, as the form shows it (never the raw field name).
FIELD_LABELS = {
    "unit": gettext_lazy("Unit"),
    "report": gettext_lazy("Report code"),
    "text": gettext_lazy("Directive"),
    "due": gettext_lazy("Due date"),
    "response": gettext_lazy("What was done"),
    "note": gettext_lazy("Still to be done"),
}


def field_label(field: str) -> str:
    return str(FIELD_LABELS.get(field, ""))


class DirectiveForm(forms.Form):
    """Shape only (the date); the service checks the rest and names the field at fault."""

    unit = forms.CharField(required=False, max_length=40)
    report = forms.CharField(required=False, max_length=20)
    text = forms.CharField(required=False, strip=False)
    due = DayFirstDateField(  # also 20112026 from a phone's keypad
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": gettext_lazy("Enter the due date as dd/mm/yyyy.")},
    )

    def clean(self) -> dict[str, Any]:
        """What the service would refuse one at a time, said at once (it still checks everything)."""
        data = super().clean()
        if not (data.get("unit") or "").strip() and not (data.get("report") or "").strip():
            self.add_error("unit", _("Choose the unit, or give a report's code."))
        if "text" not in self.errors and not (data.get("text") or "").strip():
            self.add_error("text", _("Write the directive."))
        due = data.get("due")
        if due is not None and due < timezone.localdate():
            self.add_error("due", _("The due date cannot be in the past."))
        return data


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "reports/forbidden.html", {"message": message}, status=403)


def _refusal(request: HttpRequest) -> HttpResponse | None:
    """Directives belong to the operations center: heads, deputies and leaders."""
    try:
        dashboard_scope(request.user)
    except NotAllowed as exc:
        return _forbidden(request, str(exc))
    return None


def _page(
    request: HttpRequest,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    action_error: dict[str, Any] | None = None,
    next_url: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    rows = services.rows_for(user, services.directives_for(user), with_history=True)
    sections = [
        {
            "key": "issued",
            "title": _("Issued by me"),
            "empty": _("You have not issued any directive."),
            "rows": [r for r in rows if r.mine and not r.answerable],  # else listed once, below
        },
        {
            "key": "received",
            "title": _("Addressed to my units"),
            "empty": _("No directive was addressed to your units."),
            "rows": [r for r in rows if r.answerable],
        },
    ]
    units = list(services.issuable_units(user).only("code", "name"))
    if action_error is not None:
        action_error = {**action_error, "label": field_label(action_error.get("field") or "")}
    error_rows = [
        {"field": field, "label": field_label(field), "message": message}
        for field, messages_ in (errors or {}).items()
        for message in messages_
    ]
    context = {
        # "Issued by me" only for those who issue (or did): a ward head without units below sees one list.
        "sections": [s for s in sections if s["rows"] or s["key"] != "issued" or units],
        "directive_units": units,
        "directive_values": values or {},
        "directive_errors": errors or {},
        "directive_error_rows": error_rows,
        "action_error": action_error,
        # Where a refused directive from a case page goes back to once it is sent (the form carries it).
        "next": next_url,
    }
    return render(request, "ioc/directives.html", context, status=status)


@login_required
@require_GET
def directive_list(request: HttpRequest) -> HttpResponse:
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    return _page(request)


def _next(request: HttpRequest) -> str:
    """The `next` the form carries, if it is an address of this site (else '': the directives page)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@login_required
@require_POST
def directive_new(request: HttpRequest) -> HttpResponse:
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    form = DirectiveForm(request.POST)
    values = {name: request.POST.get(name, "") for name in FIELDS}
    next_url = _next(request)
    if not form.is_valid():
        errors = {field: list(messages_) for field, messages_ in form.errors.items()}
        return _page(request, values=values, errors=errors, next_url=next_url, status=400)
    data = form.cleaned_data
    try:
        directive = services.directive_issue(
            request.user,
            unit_code=data["unit"],
            report_code=data["report"],
            text=data["text"],
            due=data["due"],
        )
    except DomainError as exc:
        # An input naming a unit or report that does not exist is a bad form (400), like an empty text.
        # A report outside one's scope is refused as one that does not exist: the same 400.
        status = 403 if isinstance(exc, NotAllowed) and not exc.field else 400
        return _page(
            request,
            values=values,
            errors={exc.field or "general": [exc.message]},
            next_url=next_url,
            status=status,
        )
    messages.success(request, _("The directive was sent to %(org)s.") % {"org": directive.organisation.name})
    return redirect(next_url or reverse("ioc:directives") + f"#directive-{directive.pk}")


def _answer(request: HttpRequest, pk: int, call: Any, done: str) -> HttpResponse:
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    try:
        call()
    except DomainError as exc:
        if isinstance(exc, NotFound):  # outside one's scope too: as if there were no such directive
            status = 404
        elif isinstance(exc, NotAllowed):
            status = 403
        elif isinstance(exc, Conflict):
            status = 409
        else:
            status = 400
        error = {
            "id": pk,
            "field": exc.field or "",
            "message": exc.message,
            "response": request.POST.get("response", ""),
            "note": request.POST.get("note", ""),
            "confirm": bool(request.POST.get("confirm")),
        }
        return _page(request, action_error=error, status=status)
    messages.success(request, done)
    return redirect(reverse("ioc:directives") + f"#directive-{pk}")


@login_required
@require_POST
def directive_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request,
        pk,
        lambda: services.directive_acknowledge(request.user, pk),
        _("The directive was acknowledged; its issuer is told."),
    )


@login_required
@require_POST
def directive_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request,
        pk,
        lambda: services.directive_complete(request.user, pk, response=request.POST.get("response", "")),
        _("The directive is done; its issuer is told."),
    )


@login_required
@require_POST
def directive_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request,
        pk,
        lambda: services.directive_follow_up(request.user, pk, note=request.POST.get("note", "")),
        _("The directive went back to the unit, with what is still to be done."),
    )


@login_required
@require_POST
def directive_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request,
        pk,
        lambda: services.directive_cancel(request.user, pk, confirmed=bool(request.POST.get("confirm"))),
        _("The directive was withdrawn."),
    )
