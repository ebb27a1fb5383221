"""A citizen's own account on the site: sign up (/dang-ky/, then the code at /dang-ky/xac-nhan/) and choose a
new password (/quen-mat-khau/, then the code with the new password at /quen-mat-khau/dat-lai/). The rules,
limits and messages are citydesk.core.accounts'; these views read the forms and say what happened.

The address a code went to is kept in the session, so that the second page asks only for the code; opened
without it (the link of the e-mail, on another device), the second page asks for the address too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from citydesk.core import accounts
from citydesk.core.errors import DomainError, DomainErrors

SIGNUP_SESSION = "citydesk.signup"
RESET_SESSION = "citydesk.reset"
BACKEND = "citydesk.core.accounts.IdentifierBackend"
# The fields of the pages, by the name a refusal gives them (`password2`: the password typed again).
_FIELDS = ("full_name", "email", "phone", "password", "password2", "consent", "code")


def _errors(exc: DomainError, hidden: tuple[str, ...] = ()) -> dict[str, str]:
    """A refusal as the form's errors, one per field; one naming no field the page shows is the form's."""
    problems = exc.problems if isinstance(exc, DomainErrors) else [exc]
    found: dict[str, str] = {}
    for problem in problems:
        key = problem.field if problem.field in _FIELDS and problem.field not in hidden else "form"
        found.setdefault(key, problem.message)
    return found


def _refused(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    exc: DomainError,
    hidden: tuple[str, ...] = (),
) -> HttpResponse:
    """The form again with its errors, answered with the refusal's status: a 429 always with Retry-After
    (0 when a new code can be asked for at once)."""
    context["errors"] = _errors(exc, hidden)
    status = exc.status if exc.status in (400, 409, 429) else 400
    response = render(request, template, context, status=status)
    if status == 429:
        response["Retry-After"] = str(max(int(getattr(exc, "retry_after", None) or 0), 0))
    return response


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _typed(request: HttpRequest, *names: str) -> dict[str, str]:
    """What was typed in the page's text fields (never the passwords: they are not shown again)."""
    return {name: request.POST.get(name, "").strip() for name in names}


def _signed_in_home(request: HttpRequest) -> HttpResponseRedirect | None:
    """Someone already logged in has an account: home, where their reports and dossiers are."""
    if request.user.is_authenticated:
        return redirect("web:home")
    return None


# --- Sign-up ---------------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """The sign-up form: full name, an e-mail address or a mobile number, the password twice, the consent."""
    home = _signed_in_home(request)
    if home is not None:
        return home
    template = "web/accounts/signup.html"
    if request.method != "POST":
        return render(request, template, {"errors": {}, "typed": {}})
    typed = _typed(request, "full_name", "email", "phone")
    context: dict[str, Any] = {"typed": typed, "consent": request.POST.get("consent") == "yes"}
    try:
        sent = accounts.signup_request(
            full_name=typed["full_name"],
            email=typed["email"],
            phone=typed["phone"],
            password=request.POST.get("password", ""),
            password2=request.POST.get("password2", ""),
            consent=context["consent"],
            client=_address(request),
        )
    except DomainError as exc:
        return _refused(request, template, context, exc)
    request.session[SIGNUP_SESSION] = {"email": sent.email, "phone": sent.phone}
    return redirect("web:signup_confirm")


def _code_page(pending: dict[str, str]) -> dict[str, Any]:
    """The context of a page that takes a code: where it was sent (masked) and how long it lasts."""
    return {
        "errors": {},
        "typed": {},
        "sent_to": accounts.mask_contact(pending.get("email", ""), pending.get("phone", ""))
        if pending
        else "",
        "minutes": accounts.CODE_VALID.seconds // 60,
    }


def _code_typed(
    request: HttpRequest, pending: dict[str, str], context: dict[str, Any]
) -> tuple[str, str, dict[str, str]]:
    """What a code page received (kept in `context` to show again) and the address the code went to: the
    one kept in this browser's session, else the one typed."""
    typed = _typed(request, "email", "phone", "code")
    context["typed"] = typed
    if pending:
        return pending["email"], pending["phone"], typed
    return typed["email"], typed["phone"], typed


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signup_confirm(request: HttpRequest) -> HttpResponse:
    """The code sent to the address: the account is opened and its owner logged in."""
    home = _signed_in_home(request)
    if home is not None:
        return home
    template = "web/accounts/signup_confirm.html"
    pending = request.session.get(SIGNUP_SESSION) or {}
    context = _code_page(pending)
    if request.method != "POST":
        return render(request, template, context)
    if request.POST.get("resend") and pending:
        try:
            accounts.signup_resend(email=pending["email"], phone=pending["phone"], client=_address(request))
        except DomainError as exc:
            return _refused(request, template, context, exc, ("email", "phone"))
        messages.success(request, _("A new code is on its way. The codes sent before still work."))
        return redirect("web:signup_confirm")
    email, phone, typed = _code_typed(request, pending, context)
    try:
        user = accounts.signup_confirm(email=email, phone=phone, pin=typed["code"], client=_address(request))
    except DomainError as exc:
        return _refused(request, template, context, exc, ("email", "phone") if pending else ())
    request.session.pop(SIGNUP_SESSION, None)
    login(request, user, backend=BACKEND)
    if user.email:
        welcome = _(
            "Welcome! Your account is open. Your user name is %(u)s; you can also log in with your e-mail "
            "address and your password."
        )
    else:
        welcome = _(
            "Welcome! Your account is open. Your user name is %(u)s; you can also log in with your phone "
            "number and your password."
        )
    messages.success(request, welcome % {"u": user.username})
    from citydesk.web.language import language_after_login

    response = redirect("web:home")
    language_after_login(request, response)
    return response


# --- Password recovery -----------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """The e-mail address or phone number of the account: a code is sent there if an account has it."""
    template = "web/accounts/password_reset.html"
    if request.method != "POST":
        return render(request, template, {"errors": {}, "typed": {}})
    typed = _typed(request, "email", "phone")
    context: dict[str, Any] = {"typed": typed}
    try:
        sent = accounts.reset_request(email=typed["email"], phone=typed["phone"], client=_address(request))
    except DomainError as exc:
        return _refused(request, template, context, exc)
    request.session[RESET_SESSION] = {"email": sent.email, "phone": sent.phone}
    return redirect("web:password_reset_confirm")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def password_reset_confirm(request: HttpRequest) -> HttpResponse:
    """The code and the new password (twice): set, then the log-in page."""
    template = "web/accounts/password_reset_confirm.html"
    pending = request.session.get(RESET_SESSION) or {}
    context = _code_page(pending)
    if request.method != "POST":
        return render(request, template, context)
    if request.POST.get("resend") and pending:
        try:
            accounts.reset_request(email=pending["email"], phone=pending["phone"], client=_address(request))
        except DomainError as exc:
            return _refused(request, template, context, exc, ("email", "phone"))
        messages.success(request, _("A new code is on its way. The codes sent before still work."))
        return redirect("web:password_reset_confirm")
    email, phone, typed = _code_typed(request, pending, context)
    try:
        accounts.reset_confirm(
            email=email,
            phone=phone,
            pin=typed["code"],
            password=request.POST.get("password", ""),
            password2=request.POST.get("password2", ""),
            client=_address(request),
        )
    except DomainError as exc:
        return _refused(request, template, context, exc, ("email", "phone") if pending else ())
    request.session.pop(RESET_SESSION, None)
    messages.success(request, _("Your new password is set: log in with it."))
    return HttpResponseRedirect(reverse("web:login"))
