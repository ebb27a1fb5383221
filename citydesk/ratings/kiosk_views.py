"""The desk's tablet: its pairing (an officer signed in on the tablet), the kiosk page (full screen) and the
feed it polls. Both answer only the paired tablet, which proves itself with the secret in its cookie."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.ratings import services
from citydesk.ratings.forms import KioskPairForm, RatingForm
from citydesk.ratings.models import DeskTransaction, Kiosk
from citydesk.ratings.views import _levels, _refused, comment_words

KIOSK_POLL_SECONDS = 3
# Long enough to read the thank-you (a screen reader reads it all); a transaction opened meanwhile shows at once.
THANKS_SECONDS = 10
KIOSK_COOKIE = "citydesk_kiosk"
# Browsers keep a cookie 400 days at most; the kiosk page sets it again on each visit (a sliding expiry).
KIOSK_COOKIE_MAX_AGE = 400 * 24 * 3600


# --- The tablet's cookie --------------------------------------------------------------------------


def kiosk_cookie_path(code: str) -> str:
    """The cookie goes to this kiosk's own addresses only (its page, its feed, its pairing)."""
    return reverse("ratings:kiosk", args=[code])


def set_kiosk_cookie(response: HttpResponse, request: HttpRequest, code: str, secret: str) -> None:
    response.set_cookie(
        KIOSK_COOKIE,
        secret,
        max_age=KIOSK_COOKIE_MAX_AGE,
        path=kiosk_cookie_path(code),
        secure=request.is_secure(),
        httponly=True,
        samesite="Strict",
    )


def paired_kiosk(request: HttpRequest, code: str) -> Kiosk | None:
    """The active kiosk `code` when this device holds its secret (the cookie set at pairing), else None."""
    return services.kiosk_authenticate(code=code, secret=request.COOKIES.get(KIOSK_COOKIE, ""))


def unpaired_message(code: str) -> str:
    return _(
        "This device is not paired with desk %(kiosk)s. To pair it, a one-stop desk officer signs in on this "
        "tablet and opens the pairing link %(path)s."
    ) % {"kiosk": code, "path": services.kiosks.pair_path(code)}


def _unpaired(request: HttpRequest, code: str) -> HttpResponse:
    """403: a device without the kiosk's secret (never paired, paired again elsewhere, or unpaired)."""
    context = {
        "kiosk": code,
        "registered": Kiosk.objects.filter(code=code).exists(),
        "pair_url": services.kiosks.pair_path(code),
        "base_url": reverse("ratings:kiosk", args=[code]),
    }
    response = render(request, "ratings/kiosk_unpaired.html", context, status=403)
    patch_cache_control(response, no_store=True)
    return response


def _code_or_404(kiosk: str) -> tuple[str, DomainError | None]:
    try:
        return services.kiosks.normalize_kiosk(kiosk), None
    except DomainError as exc:
        return "", exc


# --- The kiosk page and its feed ------------------------------------------------------------------


def _kiosk_state(kiosk: str, desk: DeskTransaction | None) -> dict[str, Any]:
    if desk is None:
        last = (
            DeskTransaction.objects.filter(kiosk=kiosk, created_at__date=timezone.localdate())
            .select_related("officer")
            .order_by("-created_at")
            .first()
        )
        return {"kiosk": kiosk, "transaction": None, "officer": str(last.officer) if last else ""}
    return {
        "kiosk": kiosk,
        "transaction": desk.code,
        "officer": str(desk.officer),
        "unit": desk.unit.name,
        "kind": str(services.TRANSACTION_KINDS.get(desk.kind, desk.kind)),
        "procedure": desk.procedure.name if desk.procedure_id else "",
        # No dossier code: the tablet needs only what it shows.
        "expires_at": timezone.localtime(desk.expires_at).isoformat(),
    }


@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, kiosk: str) -> HttpResponse:
    """The paired tablet at the desk: the waiting transaction and three big buttons, then a thank-you."""
    code, bad = _code_or_404(kiosk)
    if bad is not None:
        return HttpResponse(bad.message, status=404, content_type="text/plain; charset=utf-8")
    device = paired_kiosk(request, code)
    if device is None:  # nothing is read, nothing is recorded without the tablet's secret
        return _unpaired(request, code)
    services.kiosk_seen(device)
    base = reverse("ratings:kiosk", args=[code])
    form = RatingForm(request.POST or None)
    status = 200
    error = ""
    if request.method == "POST":
        if not form.is_valid():  # nothing is recorded from input the form refuses
            status, error = 400, " ".join(form.messages())
        else:
            data = form.cleaned_data
            try:
                services.rating_submit_kiosk(
                    transaction_code=data.get("transaction", ""),
                    level=data.get("level", ""),
                    comment=data.get("comment", ""),
                    device=code,
                    kiosk=code,
                )
            except DomainError as exc:
                status, error = exc.status, exc.message
            else:
                return redirect(f"{base}?{urlencode({'cam-on': 1})}")
    desk = services.waiting_transaction(code)
    context = {
        "kiosk": code,
        "state": _kiosk_state(code, desk),
        "desk": desk,
        "thanks": request.GET.get("cam-on") == "1" and status == 200,
        "error": error,
        "levels": _levels(),
        "comment_words": comment_words(),
        "form": form,
        "base_url": base,
        "state_url": reverse("ratings:kiosk_state", args=[code]),
        "poll_seconds": KIOSK_POLL_SECONDS,
        "thanks_seconds": THANKS_SECONDS,
    }
    response = render(request, "ratings/kiosk.html", context, status=status)
    patch_cache_control(response, no_store=True)
    set_kiosk_cookie(response, request, code, request.COOKIES[KIOSK_COOKIE])  # kept for 400 more days
    return response


@require_GET
def kiosk_state(request: HttpRequest, kiosk: str) -> JsonResponse:
    """What the paired tablet should show now (polled every few seconds)."""
    code, bad = _code_or_404(kiosk)
    if bad is not None:
        return JsonResponse({"detail": bad.message, "field": "kiosk"}, status=404)
    device = paired_kiosk(request, code)
    if device is None:
        response = JsonResponse(
            {"detail": unpaired_message(code), "field": "kiosk"},
            status=403,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        services.kiosk_seen(device)
        state = _kiosk_state(code, services.waiting_transaction(code))
        response = JsonResponse(state, json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, no_store=True)
    return response


# --- Pairing ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def kiosk_pair(request: HttpRequest, kiosk: str) -> HttpResponse:
    """Opened on the tablet by a desk officer signed in there: pair this tablet as kiosk `kiosk` of their
    unit, sign the officer out on it, and show the kiosk page."""
    code, bad = _code_or_404(kiosk)
    if bad is not None:
        return _refused(request, NotFound(bad.message, field="kiosk"))
    try:
        choice = services.kiosk_pair_choice(user=request.user, code=code)
    except NotAllowed as exc:
        return _refused(request, exc)
    units = [(unit.code, unit.name) for unit in choice.units]
    initial = {"unit": choice.kiosk.unit.code if choice.kiosk else (units[0][0] if len(units) == 1 else "")}
    if choice.kiosk is not None:
        initial["label"] = choice.kiosk.label
    form = KioskPairForm(request.POST or None, units=units, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            unit = next(u for u in choice.units if u.code == form.cleaned_data["unit"])
            try:
                pairing = services.kiosk_pair(
                    user=request.user, code=code, unit=unit, label=form.cleaned_data.get("label", "")
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status
            else:
                # The citizen in front of the tablet must not find the officer's session on it.
                logout(request)
                response = redirect("ratings:kiosk", kiosk=pairing.kiosk.code)
                set_kiosk_cookie(response, request, pairing.kiosk.code, pairing.secret)
                patch_cache_control(response, no_store=True)
                return response
    context = {
        "kiosk": code,
        "current": choice.kiosk,
        "form": form,
        "kiosk_url": reverse("ratings:kiosk", args=[code]),
    }
    response = render(request, "ratings/kiosk_pair.html", context, status=status)
    patch_cache_control(response, private=True, no_store=True)
    return response
