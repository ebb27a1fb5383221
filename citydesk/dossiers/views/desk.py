"""The one-stop desk: receive a dossier (procedure, checklist, applicant), the receipt PDF, the kiosk rating."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citydesk.core.access import record_case_access
from citydesk.core.errors import DomainError
from citydesk.core.models import Organisation
from citydesk.dossiers import selectors
from citydesk.dossiers.forms import APPLICANT_FIELDS, DeskIntakeForm, new_form_token
from citydesk.dossiers.models import Channel, Dossier, IdempotencyKey, Procedure
from citydesk.dossiers.payments import vnd
from citydesk.dossiers.receipt import PdfUnavailable, fee_text, lookup_url, receipt_pdf
from citydesk.dossiers.services import dossier_receive, intake_problems
from citydesk.dossiers.services.replays import check_same_intake
from citydesk.dossiers.views.common import (
    FULL,
    SESSION_DESK,
    SESSION_KIOSK,
    applicant_access,
    forbidden,
    handled_dossier,
    login_or_forbidden,
    norm_code,
    not_found,
    papers_of,
    status_of,
)


def _rating_opener() -> Callable[..., Any] | None:
    """The ratings app's `desk_transaction_open`, when that app provides it."""
    try:
        from citydesk.ratings.services import desk_transaction_open
    except ImportError:
        return None
    return desk_transaction_open


def _desk_kiosk(request: HttpRequest, unit: Organisation) -> tuple[str, str]:
    """The kiosk beside this desk (set on the ratings' desk page) when it is a paired kiosk of `unit`, and
    else why not: ("BT-QUAY-1", "") or ("", "Kiosk BT-QUAY-1 is a kiosk of …")."""
    remembered = request.session.get(SESSION_KIOSK, "")
    if not remembered:
        return "", ""
    try:
        from citydesk.ratings.services import kiosk_problem
    except ImportError:
        return "", ""
    problem = kiosk_problem(unit, remembered)
    return ("", problem.message) if problem is not None else (remembered, "")


def _chosen_unit(units: list[Organisation], code: str) -> Organisation:
    return next((u for u in units if u.code == (code or "").strip()), units[0])


@login_required
@require_http_methods(["GET", "POST"])
def desk(request: HttpRequest) -> HttpResponse:
    units = selectors.receiving_units(request.user)
    if not units:
        return forbidden(request, _("The desk is for officers who receive dossiers at a one-stop desk."))
    if request.method == "POST":
        return _receive(request, units)
    unit = _chosen_unit(units, request.GET.get("unit", ""))
    q = (request.GET.get("q") or "").strip()
    code = (request.GET.get("procedure") or "").strip()
    all_procedures = selectors.receivable_procedures(unit)
    matches = selectors.receivable_procedures(unit, q) if q else []
    chosen = next((p for p in all_procedures if p.code == code), None)
    status = 200
    search_error = ""
    if code and chosen is None:
        search_error = _("No procedure %(code)s that %(unit)s can receive.") % {
            "code": code,
            "unit": unit.name,
        }
        status = 404
    elif chosen is None and q:
        exact = [p for p in matches if p.code.upper() == q.upper()]
        chosen = exact[0] if exact else (matches[0] if len(matches) == 1 else None)
        if chosen is None and not matches:
            search_error = _("No procedure matches “%(q)s”.") % {"q": q}
    form = DeskIntakeForm(initial={"unit": unit.code, "channel": Channel.DESK})
    return _render(
        request,
        form,
        units,
        unit,
        chosen,
        all_procedures,
        matches,
        q,
        search_error,
        ticked=set(),
        status=status,
    )


def _render(
    request: HttpRequest,
    form: DeskIntakeForm,
    units: list[Organisation],
    unit: Organisation,
    chosen: Procedure | None,
    all_procedures: list[Procedure],
    matches: list[Procedure],
    q: str,
    search_error: str,
    *,
    ticked: set[int],
    status: int,
) -> HttpResponse:
    documents = list(chosen.documents.all()) if chosen else []
    if chosen is None and form.is_bound:
        # Without a procedure the page shows its search only: the papers' and applicant's errors would
        # name fields that are not there (the summary linked to nothing).
        for name in [n for n in form.errors if n not in ("procedure", "unit", NON_FIELD_ERRORS)]:
            del form.errors[name]
    context = {
        "form": form,
        "units": units,
        "unit": unit,
        "procedure": chosen,
        "procedures": all_procedures,
        "matches": matches,
        "q": q,
        "search_error": search_error,
        "documents": documents,
        "ticked": ticked,
        "fee_text": vnd(chosen.fee) if chosen and chosen.fee else "",
        "channels": [(Channel.DESK, Channel.DESK.label), (Channel.POST, Channel.POST.label)],
        "channel": form.value("channel") or Channel.DESK,
        "applicant_fields": [form[name] for name in APPLICANT_FIELDS],
        # Kept when the form comes back with its problems (nothing was received), new for a new form.
        "form_token": (form.token() if form.is_bound else "") or new_form_token(),
    }
    return render(request, "dossiers/desk.html", context, status=status)


def _receive(request: HttpRequest, units: list[Organisation]) -> HttpResponse:
    form = DeskIntakeForm(request.POST)
    form.is_valid()
    unit = _chosen_unit(units, request.POST.get("unit", ""))
    all_procedures = selectors.receivable_procedures(unit)
    code = (request.POST.get("procedure") or "").strip()
    chosen = next((p for p in all_procedures if p.code == code), None)
    ticked: set[int] = set()
    status = 400
    try:
        ticked = set(form.document_ids())
    except DomainError as exc:
        form.add_domain_error(exc)
    token = form.token()
    if token and not form.errors and (earlier := _sent_before(request, form, token, unit, code, ticked)):
        return _replayed(request, earlier)  # the same form sent again: the dossier it received
    problems = intake_problems(  # every problem at once (the service stops at the first)
        procedure_code=code,
        unit_code=form.cleaned_data.get("unit") or unit.code,
        channel=form.channel_value(),
        applicant=form.applicant(),
        provided=sorted(ticked),
    )
    form.add_domain_errors(problems)
    if problems:
        status = status_of(problems[0])
    if not form.errors:
        try:
            with transaction.atomic():  # the dossier and its form's token together
                received = dossier_receive(
                    user=request.user,
                    procedure_code=code,
                    unit_code=form.cleaned_data["unit"] or unit.code,
                    channel=form.channel_value(),
                    applicant=form.applicant(),
                    provided=sorted(ticked),
                    via_one_stop=not form.cleaned_data.get("outside_one_stop"),
                )
                if token and not _token_used(request, token):
                    IdempotencyKey.objects.create(
                        scope=_token_scope(request), key=token, dossier=received.dossier
                    )
        except IntegrityError:
            # Two sends of the form at once: the other one stored its token first, this one is undone.
            earlier = _sent_before(request, form, token, unit, code, ticked)
            if earlier is None:
                raise
            return _replayed(request, earlier)
        except DomainError as exc:
            form.add_domain_error(exc)
            status = status_of(exc)
        else:
            dossier = received.dossier
            _invite_at_kiosk(request, dossier)
            if received.missing_optional:
                messages.info(
                    request,
                    _("Optional papers not given: %(list)s.")
                    % {"list": "; ".join(d.label for d in received.missing_optional_papers)},
                )
            return redirect("dossiers:received", code=dossier.code)
    return _render(
        request, form, units, unit, chosen, all_procedures, [], "", "", ticked=ticked, status=status
    )


def _token_scope(request: HttpRequest) -> str:
    return f"desk:{request.user.pk}"


def _token_used(request: HttpRequest, token: str) -> bool:
    return IdempotencyKey.objects.filter(scope=_token_scope(request), key=token).exists()


def _sent_before(
    request: HttpRequest,
    form: DeskIntakeForm,
    token: str,
    unit: Organisation,
    code: str,
    ticked: set[int],
) -> Dossier | None:
    """The dossier this very form (its one-time token, sent by this officer) already received, when it
    is sent again with the same content; None for a first send, or for a form changed since (Back, a
    new applicant typed over the old one: a new dossier, received as such)."""
    found = (
        IdempotencyKey.objects.select_related("dossier__procedure", "dossier__unit")
        .filter(scope=_token_scope(request), key=token)
        .first()
    )
    if found is None:
        return None
    try:
        check_same_intake(
            found.dossier,
            procedure_code=code,
            unit_code=form.cleaned_data.get("unit") or unit.code,
            channel=form.channel_value(),
            applicant=form.applicant(),
            provided=sorted(ticked),
            via_one_stop=not form.cleaned_data.get("outside_one_stop"),
        )
    except DomainError:
        return None
    return found.dossier


def _replayed(request: HttpRequest, dossier: Dossier) -> HttpResponse:
    messages.info(
        request,
        _("This form was already sent: dossier %(code)s was received with it, not a second one.")
        % {"code": dossier.code},
    )
    return redirect("dossiers:received", code=dossier.code)


@login_required
@require_GET
def received(request: HttpRequest, code: str) -> HttpResponse:
    """After the desk received a dossier: its code, the due time, the receipt and the kiosk rating."""
    dossier, _steps, refused = handled_dossier(request, code)
    if refused is not None:
        return refused
    assert dossier is not None
    transactions = request.session.get(SESSION_DESK, {})
    kiosk, kiosk_problem = _desk_kiosk(request, dossier.unit)
    context = {
        "dossier": dossier,
        "papers": papers_of(dossier),
        "missing_optional": [
            d.label
            for d in dossier.procedure.documents.all()
            if not d.required and d.pk not in {p.requirement_id for p in dossier.documents.all()}
        ],
        "fee_text": fee_text(dossier) if dossier.fee else "",  # paid or not, as the receipt says
        # Only an applicant standing at the desk rates it (not one who sent the papers by post).
        "may_rate": _rating_opener() is not None and dossier.channel == Channel.DESK,
        # Only a paired kiosk of the dossier's unit (else the applicant rates with the code).
        "kiosk": kiosk,
        "kiosk_problem": kiosk_problem,
        "desk_transaction": transactions.get(dossier.code, ""),
        "lookup_url": lookup_url(dossier),
    }
    return render(request, "dossiers/desk_received.html", context)


def _remember_transaction(request: HttpRequest, dossier_code: str, transaction_code: str) -> None:
    transactions = dict(request.session.get(SESSION_DESK, {}))
    transactions[dossier_code] = transaction_code
    request.session[SESSION_DESK] = dict(list(transactions.items())[-20:])


def _invite_at_kiosk(request: HttpRequest, dossier: Dossier) -> None:
    """A dossier just received at a desk with a kiosk: the kiosk asks the applicant to rate the service
    at once (the transaction of the citizen before is closed). Without a kiosk the officer opens a
    transaction on the next page, whose code the applicant types on the public rating page."""
    opener = _rating_opener()
    if opener is None or not request.session.get(SESSION_KIOSK, ""):
        return
    if dossier.channel != Channel.DESK:  # received by post: the applicant is not at the desk to rate
        return
    kiosk, problem = _desk_kiosk(request, dossier.unit)
    if problem:  # not a paired kiosk of this unit: the officer invites by code on the next page
        messages.warning(request, problem)
        return
    try:
        transaction = opener(
            user=request.user, unit=dossier.unit, dossier=dossier, kind="receive", kiosk=kiosk
        )
    except DomainError as exc:  # the dossier is received all the same; the officer can invite again
        messages.warning(request, exc.message)
        return
    _remember_transaction(request, dossier.code, transaction.code)


@login_required
@require_POST
def rating_open(request: HttpRequest, code: str) -> HttpResponse:
    """Open a rating transaction for the kiosk beside the desk (the ratings app)."""
    dossier, _steps, refused = handled_dossier(request, code)
    if refused is not None:
        return refused
    assert dossier is not None
    opener = _rating_opener()
    if opener is None:
        return not_found(request, _("Satisfaction ratings are not installed."))
    try:
        transaction = opener(
            user=request.user,
            unit=dossier.unit,
            dossier=dossier,
            kind="receive",
            kiosk=_desk_kiosk(request, dossier.unit)[0],  # as the page said: no usable kiosk, by code
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("dossiers:received", code=dossier.code)
    _remember_transaction(request, dossier.code, transaction.code)
    if transaction.kiosk:
        invite = _("Rating transaction %(tx)s is open: the applicant can rate the service at the kiosk.")
    else:  # no tablet at this desk: the applicant types the code on the public rating page
        invite = _(
            "Rating transaction %(tx)s is open: the applicant rates the service by typing this code on "
            "the rating page %(link)s."
        )
    link = request.build_absolute_uri(reverse("ratings:by_code"))
    messages.success(request, invite % {"tx": transaction.code, "link": link})
    return redirect("dossiers:received", code=dossier.code)


def _hands_over_the_key(request: HttpRequest, dossier: Dossier, access: str) -> bool:
    """Whether this print of the receipt carries the applicant's private link: the applicant's own, and the
    copy the receiving officer prints on the day of receipt to hand over. Any other officer's reprint (a
    department's, a head's, a later one) has the public lookup address only: the key opens the applicant's
    details, their rating and the withdrawal, which no officer may do in the applicant's name."""
    if access == FULL:
        return True
    return (
        dossier.received_by_id is not None
        and dossier.received_by_id == request.user.pk
        and timezone.localdate(dossier.received_at) == timezone.localdate()
    )


@require_GET
def receipt(request: HttpRequest, code: str) -> HttpResponse:
    """The printable receipt: for the handling officers and the applicant only."""
    dossier = selectors.dossier_for_page(code)
    if dossier is None:
        return not_found(request, _("No dossier %(code)s.") % {"code": norm_code(code)})
    steps = list(dossier.steps.all())
    access = applicant_access(request, dossier, request.GET.get("t", ""))
    if not selectors.may_handle(request.user, dossier, steps):
        if not access:
            return login_or_forbidden(
                request, _("The receipt is for the applicant and the handling officers.")
            )
        if access != FULL:  # it carries the whole phone and ID numbers: not for the last 4 digits
            return forbidden(
                request,
                _(
                    "To open the receipt, open the link sent to you (on the receipt, by SMS or e-mail), "
                    "or log in."
                ),
            )
    record_case_access(request, dossier, "receipt")  # staff only: the applicant's own reading is not logged
    papers = [p for p in papers_of(dossier) if not p.is_supplement]
    try:
        pdf = receipt_pdf(
            dossier, papers, request, with_private=_hands_over_the_key(request, dossier, access)
        )
    except PdfUnavailable as exc:
        return render(
            request,
            "dossiers/_refusal.html",
            {"title": _("PDF unavailable"), "message": str(exc)},
            status=503,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bien-nhan-{dossier.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
