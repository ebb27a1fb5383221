"""Citizen pages: filing online (with the sandbox payment), the confirmation, looking a dossier up by its
code, the phone check that opens the dossier's summary, uploading additional papers, withdrawing."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citydesk.core.errors import Conflict, DomainError, NotAllowed
from citydesk.core.models import Organisation, User
from citydesk.core.validators import normalize_phone
from citydesk.dossiers import payments, selectors, staging, workflow
from citydesk.dossiers.forms import (
    ACCEPT,
    APPLICANT_FIELDS,
    FILE_PREFIX,
    ActionForm,
    LookupForm,
    OnlineFilingForm,
    PaymentForm,
    PhoneCheckForm,
    uploads_from,
)
from citydesk.dossiers.models import (
    OPEN_STATUSES,
    Authority,
    Channel,
    Dossier,
    DossierEvent,
    IdempotencyKey,
    Payment,
    Procedure,
    ProcedureDocument,
    Status,
)
from citydesk.dossiers.services import (
    Upload,
    dossier_receive,
    dossier_transition,
    intake_problems,
    phone_checks,
)
from citydesk.dossiers.services.common import supplement_token_valid as supplement_key_ok
from citydesk.dossiers.services.moves import PAPERS_ASKED, papers_missing_error, papers_still_missing
from citydesk.dossiers.views.common import (
    FULL,
    PHONE_TRIES,
    SESSION_FILED,
    SESSION_TRIES,
    VIEW,
    applicant_access,
    check_confirmed,
    event_rows,
    forbidden,
    grant,
    masked_name,
    norm_code,
    not_found,
    papers_of,
    papers_uploaded,
    phone_check,
    rating_offer,
    remember_filed,
    requirements_asked_first,
    serve_document,
    status_of,
    step_rows,
)
from citydesk.lib.text import search_key

# --- Limits of online filing -----------------------------------------------------------------------
#
# Filing online needs no account, and each dossier starts a legal deadline in a unit's queue and sends a
# message to the phone number given. So, signed in or not (the web form and `POST /dossiers/online`
# alike): one network address files at most CITYDESK_DOSSIER_ONLINE_ADDRESS_LIMIT_PER_HOUR dossiers an
# hour (generous: a family or an office behind one address never reaches it), and one phone number is
# named by at most CITYDESK_DOSSIER_ONLINE_PHONE_LIMIT_PER_DAY online dossiers a day. Past either the
# filing is refused (429) and nothing is stored.
#
# Both are counted in the database, as the ratings count theirs. The phone: the online dossiers naming
# it. The address (REMOTE_ADDR, which `web.middleware.ForwardedClientAddress` sets from the trusted
# proxies' header; an IPv6 address counted by its /64, as the phone check counts it): a dossier has no
# column for it, so each online filing stores a keyed hash of it (never the address) as a row of the
# dossier's submission keys, scope `online-address:<hash>` and key the dossier's code, deleted with the
# dossier; one range of that table's (scope, key) index counts an address's filings. The check and the
# filing are not one lock: two filings sent at the same instant from one address may both pass the
# last place, as two ratings may.

ONLINE_ADDRESS_LIMIT_PER_HOUR = 20
ONLINE_PHONE_LIMIT_PER_DAY = 5
ONLINE_ADDRESS_SCOPE = "online-address:"
_ADDRESS_SALT = "citydesk.dossiers.online-address"


class FilingLimited(DomainError):
    """Too many online filings from one network address, or naming one phone number: HTTP 429."""

    status = 429


def online_address_limit_per_hour() -> int:
    return int(
        getattr(settings, "CITYDESK_DOSSIER_ONLINE_ADDRESS_LIMIT_PER_HOUR", ONLINE_ADDRESS_LIMIT_PER_HOUR)
    )


def online_phone_limit_per_day() -> int:
    return int(getattr(settings, "CITYDESK_DOSSIER_ONLINE_PHONE_LIMIT_PER_DAY", ONLINE_PHONE_LIMIT_PER_DAY))


def online_address_scope(address: str) -> str:
    """What an online filing from `address` is counted under: a keyed hash of its network (80 characters
    at most, the scope column's length)."""
    network = phone_checks.network_of(address) or "unknown"
    return ONLINE_ADDRESS_SCOPE + salted_hmac(_ADDRESS_SALT, network, algorithm="sha256").hexdigest()


def online_filing_limits(address: str, phone: str, *, now: dt.datetime | None = None) -> list[DomainError]:
    """Why an online filing from `address` naming `phone` (as typed) is refused now: the address's limit
    (no field: it is the sender's, not a field's) and the phone's (field `applicant_phone`); [] if not."""
    now = now or timezone.now()
    problems: list[DomainError] = []
    limit = online_address_limit_per_hour()
    filed_here = IdempotencyKey.objects.filter(
        scope=online_address_scope(address), created_at__gte=now - dt.timedelta(hours=1)
    ).count()
    if filed_here >= limit:
        problems.append(
            FilingLimited(
                _(
                    "Too many dossiers were filed online from this network address: at most %(n)s an hour. "
                    "Please try again later, or file at the one-stop desk."
                )
                % {"n": limit}
            )
        )
    try:
        number = normalize_phone(phone, field="applicant_phone", foreign=True) if phone else ""
    except DomainError:  # the intake says what is wrong with it
        number = ""
    if number:
        limit = online_phone_limit_per_day()
        named = Dossier.objects.filter(
            channel=Channel.ONLINE, applicant_phone=number, received_at__gte=now - dt.timedelta(days=1)
        ).count()
        if named >= limit:
            problems.append(
                FilingLimited(
                    _(
                        "Too many dossiers filed online today give the phone number %(phone)s (at most %(n)s a "
                        "day). Check the number, or try again tomorrow."
                    )
                    % {"phone": number, "n": limit},
                    field="applicant_phone",
                )
            )
    return problems


def online_filing_counted(address: str, dossier: Dossier) -> None:
    """Count an online filing from `address` (in the transaction that stored the dossier)."""
    IdempotencyKey.objects.create(
        scope=online_address_scope(address), key=dossier.code, dossier=dossier, created_at=timezone.now()
    )


# --- Filing online --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def file_online(request: HttpRequest, procedure_code: str) -> HttpResponse:
    procedure = selectors.online_procedure(procedure_code)
    if procedure is None:
        return render(
            request,
            "dossiers/_refusal.html",
            {
                "title": _("Not found"),
                "message": _("No procedure %(code)s in the catalog.") % {"code": procedure_code},
                "catalog_link": True,
            },
            status=404,
        )
    if not selectors.is_online(procedure):
        return render(
            request,
            "dossiers/_refusal.html",
            {
                "title": _("Not available online"),
                "message": _(
                    "%(p)s cannot be filed online (online service level %(l)s): file it at the desk."
                )
                % {"p": procedure.label, "l": procedure.service_level},
                "procedure_link": procedure.code,
            },
            status=400,
        )
    units = selectors.online_units(procedure)
    if procedure.authority == Authority.WARD:
        units = [u for u in units if selectors.is_commune(u)]
    documents = list(procedure.documents.all())
    user = request.user if request.user.is_authenticated else None
    status = 200
    staged: dict[int, staging.StagedFile] = {}  # files kept from a refused submission, by paper
    removed: int | None = None
    notice = ""
    at_fault: set[int] = set()  # the papers of the error on the papers (err-documents)
    if request.method == "POST":
        form = OnlineFilingForm(request.POST)
        form.is_valid()  # consent; every other problem is the service's, all said at once below
        staged = staging.kept(request, procedure.code, documents, form.staged_choice())
        removed = form.removed_paper()
        if removed is not None:  # “Remove” beside a kept file: nothing is filed, the form comes back
            form.errors.clear()
            gone = staged.pop(removed, None)
            if gone is not None:
                staging.discard(request, [gone])
                notice = _("The file “%(name)s” was removed.") % {"name": gone.name}
            chosen, file_problems = staging.candidates(request.FILES, documents)
            staged = staging.stage(request, procedure.code, chosen, staged)  # files chosen meanwhile
            form.add_domain_errors(file_problems)
            status = 400 if file_problems else 200
        else:
            outcome = _file(request, procedure, documents, units, form, staged, user)
            if isinstance(outcome, HttpResponse):
                return outcome
            status = outcome
            chosen, _problems = staging.candidates(request.FILES, documents)  # said by the service
            staged = staging.stage(request, procedure.code, chosen, staged)
        if "documents" in form.errors:  # the files refused (they are not kept) and the papers missing
            posted = {d.pk for d in documents if request.FILES.getlist(f"{FILE_PREFIX}{d.pk}")}
            at_fault = posted - set(staged)
            if removed is None:
                at_fault |= {d.pk for d in documents if d.required and d.pk not in staged}
    else:
        initial: dict[str, Any] = {}
        if user is not None:
            initial = {
                "applicant_name": user.full_name,
                "applicant_email": user.email,
                "applicant_phone": user.phone,
            }
        form = OnlineFilingForm(initial=initial)
    context = {
        "procedure": procedure,
        "documents": documents,
        "slots": [(d, staged.get(d.pk), d.pk in at_fault) for d in documents],
        "staged_any": bool(staged),
        "removed": removed,
        "notice": notice,
        "staged_hours": int(staging.lifetime().total_seconds() // 3600),
        "units": [(u, search_key(u.choice_label)) for u in units],
        "form": form,
        "applicant_fields": [form[name] for name in APPLICANT_FIELDS],
        "fee_text": payments.vnd(procedure.fee) if procedure.fee else "",
        "pays_online": procedure.service_level >= payments.ONLINE_LEVEL and procedure.fee > 0,
        "accept": ACCEPT,
        "max_mb": getattr(settings, "CITYDESK_MAX_DOSSIER_FILE_MB", 10),
    }
    return render(request, "dossiers/citizen_file.html", context, status=status)


def _file(
    request: HttpRequest,
    procedure: Procedure,
    documents: list[ProcedureDocument],
    units: list[Organisation],
    form: OnlineFilingForm,
    staged: dict[int, staging.StagedFile],
    user: User | None,
) -> HttpResponse | int:
    """File the dossier from the form, the files chosen now and the kept ones (a file chosen for a paper
    replaces its kept one): the redirect once filed (the kept files are then deleted), else the refusal's
    HTTP status, every problem put on the form."""
    status = 400
    unit_code = selectors.resolve_unit(form.cleaned_data.get("unit", ""), units)
    if not unit_code and "unit" not in form.errors:
        form.add_error("unit", _("Choose the receiving unit from the list."))
    uploads: list[Upload] = []
    try:
        uploads = papers_uploaded(request.FILES, documents)
    except DomainError as exc:
        form.add_domain_error(exc)
    chosen_now = {u.document_id for u in uploads}
    uploads += staging.uploads_of(s for pk, s in staged.items() if pk not in chosen_now)
    problems = intake_problems(
        procedure_code=procedure.code,
        unit_code=unit_code or None,
        channel="online",
        applicant=form.applicant(),
        uploads=uploads,
    )
    form.add_domain_errors(problems)
    if problems:
        status = status_of(problems[0])
    limited = online_filing_limits(_visitor(request), form.applicant().phone)
    form.add_domain_errors(limited)
    if limited:
        status = FilingLimited.status
    if not form.errors:
        try:
            with transaction.atomic():
                received = dossier_receive(
                    user=user,
                    procedure_code=procedure.code,
                    unit_code=unit_code,
                    channel="online",
                    applicant=form.applicant(),
                    uploads=uploads,
                )
                online_filing_counted(_visitor(request), received.dossier)
        except DomainError as exc:
            form.add_domain_error(exc)
            status = status_of(exc)
        else:
            staging.discard(request, staged.values())  # the papers are stored with the dossier
            dossier = received.dossier
            remember_filed(request, dossier.code)
            grant(request, dossier.code, FULL)
            if payments.pays_online(dossier):  # level 4 only: a level-3 fee is paid at the desk
                payment = payments.payment_start(dossier=dossier, user=user)
                messages.success(
                    request,
                    _("Dossier %(code)s is filed. Next step: the fee of %(fee)s.")
                    % {"code": dossier.code, "fee": payments.vnd(dossier.fee)},
                )
                return redirect(payments.adapter_for(payment.provider).checkout_url(payment))
            return redirect("dossiers:filed", code=dossier.code)
    return max(status, 400)


@require_GET
def filed(request: HttpRequest, code: str) -> HttpResponse:
    code = norm_code(code)
    if code not in request.session.get(SESSION_FILED, []):
        return redirect("dossiers:track", code=code)
    dossier = selectors.dossier_for_page(code)
    if dossier is None:
        return not_found(request, _("No dossier %(code)s.") % {"code": code})
    track_path = (
        reverse("dossiers:track", args=[dossier.code]) + "?" + urlencode({"t": dossier.citizen_token})
    )
    context = {
        "dossier": dossier,
        "track_path": track_path,
        "track_url": request.build_absolute_uri(track_path),
        "needs_payment": payments.pays_online(dossier),
        "fee_text": payments.vnd(dossier.fee) if dossier.fee else "",
    }
    return render(request, "dossiers/citizen_filed.html", context)


def _payer_may(request: HttpRequest, dossier: Dossier) -> bool:
    return applicant_access(request, dossier) == FULL


def _payment_key(request: HttpRequest) -> str:
    """The key of a checkout link handed to the applicant's app (`payments.checkout_link`), carried on by
    the gateway page's form."""
    return (request.POST.get("k") or request.GET.get("k") or "").strip()[:300]


def _payment_page_may(request: HttpRequest, payment: Payment) -> bool:
    """May this visitor use the gateway page of `payment`: the applicant (their session), or the holder
    of the key of that payment's checkout link (the app's web view, which has no session)."""
    return _payer_may(request, payment.dossier) or payments.payment_token_valid(
        payment, _payment_key(request)
    )


@require_POST
def pay_start(request: HttpRequest, code: str) -> HttpResponse:
    dossier = selectors.dossier_for_page(code)
    if dossier is None:
        return not_found(request, _("No dossier %(code)s.") % {"code": norm_code(code)})
    if not _payer_may(request, dossier):
        return forbidden(request, _("Only the applicant can pay the fee of this dossier."))
    try:
        payment = payments.payment_start(
            dossier=dossier, user=request.user if request.user.is_authenticated else None
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("dossiers:track", code=dossier.code)
    return redirect(payments.adapter_for(payment.provider).checkout_url(payment))


def _payment(reference: str) -> Payment | None:
    return Payment.objects.select_related("dossier", "dossier__procedure").filter(reference=reference).first()


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, reference: str) -> HttpResponse:
    """The sandbox payment gateway's page: “Pay” or “Cancel”; no money is taken. The fee is paid once: a
    dossier paid already (in another tab, at the desk) or ended offers no “Pay” and refuses one (409)."""
    payment = _payment(reference)
    if payment is None or payment.provider != "sandbox":
        return not_found(request, _("No payment %(ref)s.") % {"ref": reference})
    if not _payment_page_may(request, payment):
        return forbidden(request, _("Only the applicant can pay the fee of this dossier."))
    status = 200
    error = ""
    if request.method == "POST":
        form = PaymentForm(request.POST)
        if form.is_valid():
            user = request.user if request.user.is_authenticated else None
            try:
                payment = payments.payment_confirm(
                    reference=payment.reference, outcome=form.cleaned_data["outcome"], user=user
                )
            except Conflict as exc:  # paid meanwhile, or the dossier ended: this payment is cancelled
                return _pay_page(request, _payment(reference) or payment, exc.message, exc.status)
            if payment.state == Payment.State.PAID:
                messages.success(request, _("The fee is paid. Thank you."))
            else:
                messages.warning(request, _("The payment was cancelled: the fee is not paid."))
            target = (
                "dossiers:filed"
                if payment.dossier.code in request.session.get(SESSION_FILED, [])
                else "dossiers:track"
            )
            return redirect(target, code=payment.dossier.code)
        error = _("Choose “Pay now” or “Cancel the payment”.")
        status = 400
    return _pay_page(request, payment, error, status)


def _pay_page(request: HttpRequest, payment: Payment, error: str, status: int) -> HttpResponse:
    # A payment still pending whose dossier can no longer be paid: said, and no “Pay now”.
    closed = payments.payment_refusal(payment.dossier) if payment.state == Payment.State.PENDING else None
    key = _payment_key(request)
    context = {
        "payment": payment,
        "dossier": payment.dossier,
        "payment_key": key if payments.payment_token_valid(payment, key) else "",
        "adapter": payments.adapter_for(payment.provider),
        "amount_text": payments.vnd(payment.amount),
        "error": error,
        "closed": closed.message if closed is not None and not error else "",
        "may_pay": payment.state == Payment.State.PENDING and closed is None,
    }
    return render(request, "dossiers/citizen_pay.html", context, status=status)


# --- Lookup ---------------------------------------------------------------------------------------


def _report_code(code: str) -> bool:
    """Does `code` look like a citizen report's code (PA-26-000123) rather than a dossier's?"""
    prefix = re.escape(getattr(settings, "CITYDESK_REPORT_CODE_PREFIX", "PA"))
    return re.fullmatch(rf"{prefix}-\d{{2}}-\d+", code, flags=re.IGNORECASE) is not None


def _lookup_page(request: HttpRequest, code: str, error: str, status: int) -> HttpResponse:
    context: dict[str, Any] = {"code": code, "error": error, "report_link": ""}
    if status == 404 and _report_code(code):  # a report's code typed here: say where it is looked up
        context["error"] = _(
            "%(code)s is the code of a citizen report, not of a dossier: look it up among the reports."
        ) % {"code": code}
        context["report_link"] = reverse("reports:lookup") + "?" + urlencode({"code": code})
    return render(request, "dossiers/citizen_lookup.html", context, status=status)


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.GET)
    code = form.code_value()
    error = ""
    status = 200
    if code:
        if Dossier.objects.filter(code=code).exists():
            return redirect("dossiers:track", code=code)
        error = _("No dossier has the code %(code)s. Check the code on your receipt.") % {"code": code}
        status = 404
    elif "code" in request.GET:  # the form was sent empty
        error = _("Enter the dossier code, for example HS-26-000123.")
        status = 400
    return _lookup_page(request, code, error, status)


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest, code: str) -> HttpResponse:
    dossier = selectors.dossier_for_page(code)
    if dossier is None:
        if _report_code(norm_code(code)):
            return _lookup_page(request, norm_code(code), "", 404)
        return not_found(request, _("No dossier has the code %(code)s.") % {"code": norm_code(code)})
    if request.method == "POST":
        return _phone_check(request, dossier)
    return _track_page(request, dossier)


def _visitor(request: HttpRequest) -> str:
    """The visitor's network address (the proxies' header already read by the middleware)."""
    return str(request.META.get("REMOTE_ADDR", ""))


def _phone_locked(request: HttpRequest, dossier: Dossier) -> bool:
    return (
        int(request.session.get(SESSION_TRIES, 0)) >= PHONE_TRIES
        or phone_checks.phone_checks_left(dossier) <= 0
        or phone_checks.address_checks_left(_visitor(request)) <= 0
    )


def _phone_check(request: HttpRequest, dossier: Dossier) -> HttpResponse:
    """The phone number (or its last 4 digits) opens the dossier's summary (`phone_check`). Wrong
    answers are limited per browser (its session), per dossier whatever the browser, and per network
    address whatever the dossier (`services.phone_checks`): one number tried against every code (they
    are sequential) costs each dossier one wrong answer only, but the address pays for all of them."""
    tries = int(request.session.get(SESSION_TRIES, 0))
    if tries >= PHONE_TRIES or phone_checks.phone_checks_left(dossier) <= 0:
        return _track_page(
            request,
            dossier,
            phone_error=_("Too many wrong answers. Open the link sent to you, or ask at the desk."),
            phone_locked=True,
            status=429,
        )
    if phone_checks.address_checks_left(_visitor(request)) <= 0:
        return _track_page(
            request,
            dossier,
            phone_error=_(
                "Too many wrong answers from your network. Try again in an hour, open the link sent to "
                "you, or ask at the desk."
            ),
            phone_locked=True,
            status=429,
        )
    form = PhoneCheckForm(request.POST)
    form.is_valid()
    typed = form.digits()
    if not typed:  # nothing to check: not a wrong answer
        return _track_page(
            request,
            dossier,
            phone_error=_("Enter the phone number on the dossier, or its last 4 digits."),
            status=400,
        )
    level = phone_check(dossier, typed)
    if not level:
        request.session[SESSION_TRIES] = tries + 1
        left = min(
            PHONE_TRIES - tries - 1,
            phone_checks.phone_check_failed(dossier=dossier),
            phone_checks.address_check_failed(_visitor(request)),
        )
        if left <= 0:
            message = _(
                "This is not the applicant's phone number, and no tries are left. Open the link sent to you, "
                "or ask at the desk."
            )
        else:
            message = ngettext(
                "This is not the applicant's phone number (%(n)s try left).",
                "This is not the applicant's phone number (%(n)s tries left).",
                left,
            ) % {"n": left}
        return _track_page(request, dossier, phone_error=message, phone_locked=left <= 0, status=400)
    grant(request, dossier.code, level)
    return redirect("dossiers:track", code=dossier.code)


def _track_page(
    request: HttpRequest,
    dossier: Dossier,
    *,
    phone_error: str = "",
    action_error: DomainError | None = None,
    action: str = "",
    note: str = "",
    confirmed: bool = False,
    phone_locked: bool | None = None,
    status: int = 200,
) -> HttpResponse:
    access = applicant_access(request, dossier, request.GET.get("t", ""))
    # The applicant's own view (account, token link) shows everything; the phone check the summary only:
    # progress, dates, the result's note, the papers asked for, a shortened name. No ID number, address,
    # papers' files, receipt, payment, rating or withdrawal: a phone number is known to many.
    full = access == FULL
    summary = access == VIEW
    # The key of a request's message opens the upload of the papers asked for, and nothing else.
    supplement_key = _supplement_key(request)
    key_opens = not full and supplement_key_ok(dossier, supplement_key)
    if phone_locked is None and not access:  # the phone check is offered: is it closed for now?
        phone_locked = _phone_locked(request, dossier)
    steps = list(dossier.steps.all())
    events = list(dossier.events.all())
    requirements = requirements_asked_first(dossier, events)
    kept = getattr(request, "supplement_kept", {})  # files of a refused upload of papers, kept
    for requirement in requirements:
        requirement.kept = kept.get(requirement.pk)  # type: ignore[attr-defined]
    may_supplement = (full or key_opens) and dossier.status == Status.SUPPLEMENT
    may_withdraw = full and dossier.status in OPEN_STATUSES
    request_event = next(  # the request being answered (the message said it too)
        (e for e in reversed(events) if e.kind == DossierEvent.Kind.SUPPLEMENT_REQUESTED), None
    )
    # The papers it names are listed in the reader's language (`asked_papers`): its note says the rest.
    asked = _request_words(dossier, request_event) if request_event is not None else ""
    context = {
        "dossier": dossier,
        "steps": step_rows(dossier, steps),
        "events": event_rows(events, public_only=True, with_notes=bool(access)),
        "full": full,
        "summary": summary,
        "masked_name": masked_name(dossier.applicant_name) if summary else "",
        "papers": papers_of(dossier) if full else [],
        "shipment": selectors.shipment_of(dossier) if full else None,
        "requirements": requirements,
        "asked_papers": [r for r in requirements if r.asked],  # type: ignore[attr-defined]
        "other_papers": [r for r in requirements if not r.asked],  # type: ignore[attr-defined]
        "may_supplement": may_supplement,
        "asked": asked if may_supplement or (summary and dossier.status == Status.SUPPLEMENT) else "",
        "supplement_key": supplement_key if key_opens else "",
        "supplement_key_stale": bool(supplement_key) and access != FULL and not key_opens,
        "may_withdraw": may_withdraw,
        "needs_payment": full and payments.pays_online(dossier),
        "fee_text": payments.vnd(dossier.fee) if dossier.fee else "",
        "phone_error": phone_error,
        "phone_locked": bool(phone_locked),
        "action_error": action_error,
        "action_not_now": isinstance(action_error, workflow.NotNow),
        "action_error_anchor": _error_anchor(
            action, action_error, requirements, supplement=may_supplement, withdraw=may_withdraw
        ),
        "action": action,
        "files_error": action == "supplement_received"
        and action_error is not None
        and action_error.field in ("files", "documents"),
        "note": note,  # what the applicant typed in the refused action's form
        "confirmed": confirmed,  # the box ticked in the refused withdrawal's form
        "accept": ACCEPT,
        "max_mb": getattr(settings, "CITYDESK_MAX_DOSSIER_FILE_MB", 10),
        "now": timezone.now(),
        "token": request.GET.get("t", ""),
        "rating_offer": rating_offer(dossier) if full else None,
    }
    return render(request, "dossiers/citizen_dossier.html", context, status=status)


def _request_words(dossier: Dossier, event: DossierEvent) -> str:
    """What a request for papers says beside the papers it names: the officer's own words (its stored note
    begins with the papers' official names, which the page lists apart in the reader's language). A
    request that named no paper: its whole note."""
    if event.note_key == PAPERS_ASKED:
        return str((event.note_args or {}).get("text") or "")
    wanted = set(event.papers or [])
    note = event.note or ""
    if not wanted:
        return note
    named = "; ".join(p.name for p in dossier.procedure.documents.all() if p.pk in wanted)
    if note == named:
        return ""
    if named and note.startswith(f"{named}. "):
        return note[len(named) + 2 :]
    return note


def _error_anchor(
    action: str,
    error: DomainError | None,
    requirements: list[ProcedureDocument],
    *,
    supplement: bool,
    withdraw: bool,
) -> str:
    """Where the error summary's link leads: the control at fault in the action's form, or the form; ""
    when the page no longer shows that form."""
    if error is None:
        return ""
    if action == "withdraw" and withdraw:
        return {"note": "withdraw-note", "confirm": "withdraw-confirm"}.get(
            error.field or "", "form-withdraw"
        )
    if action == "supplement_received" and supplement:
        if error.field in ("files", "documents") and requirements:
            return f"sup-{requirements[0].pk}"
        return "sup-note" if error.field == "note" else "form-supplement"
    return ""


def _supplement_key(request: HttpRequest) -> str:
    """The key of a request for papers' link (`?k=`), carried on by the upload form."""
    return (request.POST.get("k") or request.GET.get("k") or "").strip()[:200]


def _applicant_move(request: HttpRequest, code: str, action: str) -> HttpResponse:
    dossier = selectors.dossier_for_page(code)
    if dossier is None:
        return not_found(request, _("No dossier has the code %(code)s.") % {"code": norm_code(code)})
    token = dossier.citizen_token
    if applicant_access(request, dossier, request.POST.get("t", "")) != FULL:
        key = _supplement_key(request)
        if action != "supplement_received" or not supplement_key_ok(dossier, key):
            return forbidden(
                request, _("Only the applicant can do this: open the link sent to you, or log in.")
            )
        token = key  # the key of the request's message: it opens this upload only
    form = ActionForm(request.POST)
    form.is_valid()
    try:
        move = workflow.move_for(action)
        version = form.cleaned_data.get("version")
        if move is not None and dossier.status in move.sources and version in (None, dossier.version):
            check_confirmed(action, form.confirmed())  # else the service says why not
        uploads = None
        if action == "supplement_received":
            uploads = _supplement_uploads(request, dossier)
        dossier_transition(
            user=request.user if request.user.is_authenticated else None,
            code=dossier.code,
            action=action,
            version=form.cleaned_data.get("version"),
            note=form.cleaned_data.get("note") or "",
            token=token,
            uploads=uploads,
        )
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    except DomainError as exc:
        fresh = selectors.dossier_for_page(dossier.code) or dossier
        return _track_page(
            request,
            fresh,
            action_error=exc,
            action=action,
            note=request.POST.get("note", ""),
            confirmed=form.confirmed(),
            status=status_of(exc),
        )
    if action == "supplement_received":  # sent with the dossier: the kept copies go
        staging.discard(
            request,
            [
                f
                for f in staging.session_files(request).values()
                if f.procedure == _supplement_key_of(dossier)
            ],
        )
    done = {
        "supplement_received": _("Thank you: the additional papers were sent; handling goes on."),
        "withdraw": _("Your dossier was withdrawn."),
    }
    messages.success(request, done[action])
    return redirect("dossiers:track", code=dossier.code)


def _supplement_key_of(dossier: Dossier) -> str:
    """What the files kept from a refused upload of additional papers are filed under (the staging of the
    online form keys them by procedure; these belong to one dossier)."""
    return f"{dossier.code}/supplement"


def _supplement_uploads(request: HttpRequest, dossier: Dossier) -> list[Upload]:
    """The files of an upload of additional papers: those chosen now, and those kept from a refused try
    (`staged_<paper id>`). When one file is refused, the good ones are kept (as the online form keeps
    them) and shown back, so the applicant chooses only the refused one again."""
    documents = list(dossier.procedure.documents.all())
    key = _supplement_key_of(dossier)
    chosen = {
        int(name[len("staged_") :]): str(value)
        for name, value in request.POST.items()
        if name.startswith("staged_") and name[len("staged_") :].isdigit()
    }
    current = staging.kept(request, key, documents, chosen)
    fresh, problems = staging.candidates(request.FILES, documents)
    if problems:
        kept_now = staging.stage(request, key, fresh, current)
        request.supplement_kept = kept_now  # type: ignore[attr-defined]  # shown back by the page
        raise problems[0]
    replaced = {c.document_id for c in fresh}
    uploads_from(request.FILES, {d.pk for d in documents})  # a file for no paper of the procedure: refused
    uploads = staging.uploads_of(f for d, f in current.items() if d not in replaced)
    uploads += [Upload(document_id=c.document_id, file=c.upload) for c in fresh]
    if not uploads:
        raise DomainError(_("Choose the files of the additional papers."), field="files")
    missing = papers_still_missing(dossier, uploads)  # the service's rule, said before anything is sent
    if missing:  # the files chosen are kept: only the missing papers' files are chosen again
        request.supplement_kept = staging.stage(request, key, fresh, current)  # type: ignore[attr-defined]
        raise papers_missing_error(missing)
    return uploads


@require_POST
def supplement(request: HttpRequest, code: str) -> HttpResponse:
    return _applicant_move(request, code, "supplement_received")


@require_POST
def withdraw(request: HttpRequest, code: str) -> HttpResponse:
    return _applicant_move(request, code, "withdraw")


@require_GET
def applicant_document(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    dossier = selectors.dossier_for_page(code)
    if dossier is None:
        return not_found(request, _("No dossier has the code %(code)s.") % {"code": norm_code(code)})
    access = applicant_access(request, dossier, request.GET.get("t", ""))
    if not access:
        return forbidden(request, _("The papers are shown to the applicant only."))
    if access != FULL:  # the phone check shows the dossier's summary, not the ID papers in it
        return forbidden(
            request,
            _("To open the papers, open the link sent to you (on the receipt, by SMS or e-mail), or log in."),
        )
    response = serve_document(dossier, pk)
    if response is None:
        return not_found(request, _("No such paper in dossier %(code)s.") % {"code": dossier.code})
    return response
