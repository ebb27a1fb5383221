"""REST endpoints of the app's sign-in: a bearer token for a user name and password, and its revocation.

The citizen app cannot run `citydesk issue-token` on the server: it signs the citizen in with the account's
password and keeps the token it is given. The same protections as the web log-in page apply (django-axes'
lock-out of a user name from one address after a few wrong passwords, and `core.login_guard`'s refusal of
an address that tried wrong passwords on many accounts), and the token is the CLI's: issued by
`services.api_token_issue` (only its hash stored, audited, listed and revocable in the back office).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from django.contrib.auth import authenticate, user_logged_in
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from citydesk.api import BodyIn, TokenAuth, api
from citydesk.core import accounts
from citydesk.core.accounts import AMBIGUOUS_FLAG
from citydesk.core.api import MeOut
from citydesk.core.api import me as me_view
from citydesk.core.audit import Actor
from citydesk.core.errors import NotAuthenticated
from citydesk.core.login_guard import address_blocked
from citydesk.core.models import ApiToken, User
from citydesk.core.services import _hash_token, api_token_issue, api_token_revoke

router = Router(tags=["identity"])

# What a token issued here is named when the app gives no name (the CLI's own default is "issue-token").
DEFAULT_NAME = "auth/token"


def _error(description: str, headers: dict | None = None) -> dict:
    """A refusal the operation's shape does not tell, with the API's one error body (`Error`)."""
    answer: dict = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        answer["headers"] = headers
    return answer


_SIGN_IN_REFUSALS = {
    "responses": {
        401: _error("A wrong user name or password, or a deactivated account (one message for all)."),
        429: _error(
            "Too many wrong passwords: for this user name from this network address, or for many accounts "
            "from this address. Sent again before `Retry-After` seconds, refused again.",
            {"Retry-After": {"description": "Seconds to wait at most.", "schema": {"type": "integer"}}},
        ),
    }
}


class TokenIn(BodyIn):
    username: str = Field(
        description="The account's user name, e-mail address or phone number (an e-mail address several "
        "accounts share is refused: give the user name)."
    )
    password: str
    name: str = Field(
        "",
        max_length=ApiToken._meta.get_field("name").max_length,
        description="What the token is for, shown in the back office (e.g. the device's name).",
    )


class TokenOut(Schema):
    token: str = Field(
        description="`Authorization: Bearer <token>`; shown this once (only its hash is kept)."
    )
    expires_at: datetime | None = Field(
        None,
        description="Always null: a token works until it is revoked (`DELETE /auth/token`, or in the back "
        "office) or its account is deactivated.",
    )
    user: MeOut


def _locked_out(request: HttpRequest) -> HttpResponse:
    """429 with the web log-in's own words, and how long to wait: the whole lock-out time, which a refused
    attempt starts again (axes counts it), and the longest an address's block can still last."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    detail = f"{_('Too many failed log-in attempts')}. " + _(
        "For your security, log-in is blocked for a while. Try again later or contact the system administrator."
    )
    response = api.create_response(request, {"detail": detail}, status=429)
    if cool_off is not None:
        response["Retry-After"] = str(max(1, int(cool_off.total_seconds())))
    return response


@router.post("/auth/token", response={201: TokenOut}, auth=None, openapi_extra=_SIGN_IN_REFUSALS)
def token_create(request: HttpRequest, payload: TokenIn) -> Status | HttpResponse:
    """Sign in from an app: a new bearer token for an active account's user name (or its e-mail address or
    phone number) and password (201).

    Refused as the web log-in page refuses: a wrong user name or password, or a deactivated account, is
    one 401 that does not say which; a few wrong passwords for a user name from one network address (5 by
    default) lock it there, and wrong passwords on many accounts from one address (20 by default) lock the
    address: 429 with `Retry-After`, the right password included. Tokens issued before keep working."""
    if address_blocked(request):  # as the web log-in view: refused before any password is tried
        return _locked_out(request)
    # As the log-in form reads the user name (Django's UsernameField): NFKC, without surrounding spaces.
    username = unicodedata.normalize("NFKC", payload.username).strip()
    user = authenticate(request, username=username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        # django-axes refused (locked) or has just locked the name; its middleware would answer the web
        # page's HTML lock-out page instead of the API's JSON.
        request.axes_locked_out = False
        return _locked_out(request)
    if user is None:
        if getattr(request, AMBIGUOUS_FLAG, False):
            raise NotAuthenticated(
                _("Several accounts use this e-mail address: log in with your user name instead."),
                field="username",
            )
        raise NotAuthenticated(_("Wrong username or password. Please try again."))
    actor = Actor(user_id=user.pk, label=user.full_name or user.username)
    token = api_token_issue(actor=actor, username=user.username, name=payload.name.strip() or DEFAULT_NAME)
    # A log-in like the web's: axes clears the name's wrong attempts and keeps it in the log-in log, and
    # Django notes the last log-in.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    request.user = user  # as django.contrib.auth.login does: the answer's `user` is GET /me's
    return Status(201, {"token": token, "expires_at": None, "user": me_view(request)})


@router.delete("/auth/token", response={204: None}, auth=[TokenAuth()])
def token_delete(request: HttpRequest) -> Status:
    """Sign out from an app: the bearer token of this request stops working (204). Only a bearer token
    is revoked here; the account's other tokens (other devices) keep working."""
    user: User = request.user
    token = request.headers.get("Authorization", "").partition(" ")[2]  # as TokenAuth read it
    record = ApiToken.objects.select_related("user").get(key_hash=_hash_token(token), user=user)
    api_token_revoke(actor=Actor(user_id=user.pk, label=user.full_name or user.username), token=record)
    return Status(204, None)


# --- A citizen's own account: sign-up and password recovery with a 6-digit code (core.accounts) ---------------

_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait at most.", "schema": {"type": "integer"}}}
_CODE_REFUSALS = {
    "responses": {
        429: _error(
            "Too many requests from this network address (20 an hour; no `field`: no input is at fault), "
            "too many codes of the kind (sign-up and password reset are counted apart) to this e-mail address "
            "or phone number today (3 a day asked from one network address, 10 a day in all; `field` names "
            "it), or too many wrong codes (5 tries: ask for a new one; `field`: `code`). `Retry-After` is "
            "always given: how long to wait (after wrong codes, until a new code can be asked for: 0 when "
            "at once).",
            _RETRY_AFTER,
        ),
    }
}
_CONFIRM_REFUSALS = {
    "responses": {
        409: _error("An account was opened with this address meanwhile: log in, or reset the password."),
        429: _CODE_REFUSALS["responses"][429],
    }
}


@api.exception_handler(accounts.AccountLimited)
def on_account_limited(request: HttpRequest, exc: accounts.AccountLimited) -> HttpResponse:
    """The API's refusal (429, the Error body), always with how long to wait (`Retry-After`; 0 when a new
    code can be asked for at once)."""
    from citydesk.api import on_domain_error

    response = on_domain_error(request, exc)
    response["Retry-After"] = str(max(int(exc.retry_after or 0), 0))
    return response


class SignupIn(BodyIn):
    full_name: str
    email: str = Field("", description="The e-mail address the code goes to; or give `phone`, not both.")
    phone: str = Field("", description="A Vietnamese mobile number the code goes to by SMS; or `email`.")
    password: str = Field(description="Checked by the platform's password rules (at least 10 characters…).")
    consent: bool = Field(
        description="Must be true: the person agrees to the processing of their personal data (name, e-mail "
        "or phone) to run the account and handle their reports and dossiers (Decree 13/2023/NĐ-CP)."
    )


class CodeSentOut(Schema):
    detail: str
    sent_to: str = Field(description="Where the message went, masked (ma***@example.vn, 091****555).")


class SignupConfirmIn(BodyIn):
    email: str = ""
    phone: str = ""
    code: str = Field(description="The 6-digit code sent to the e-mail address or the phone number.")
    name: str = Field(
        "",
        max_length=ApiToken._meta.get_field("name").max_length,
        description="What the token is for, shown in the back office (e.g. the device's name).",
    )


class PasswordResetIn(BodyIn):
    email: str = ""
    phone: str = ""


class PasswordResetConfirmIn(BodyIn):
    email: str = ""
    phone: str = ""
    code: str = Field(description="The 6-digit code sent to the e-mail address or the phone number.")
    password: str = Field(description="The new password, checked by the platform's password rules.")


class DoneOut(Schema):
    detail: str


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


@router.post("/auth/signup", response={202: CodeSentOut}, auth=None, openapi_extra=_CODE_REFUSALS)
def signup_request(request: HttpRequest, payload: SignupIn) -> Status:
    """Open a citizen's account (1/2): `full_name`, ONE of `email` or `phone` (a Vietnamese mobile
    number), `password` and `consent: true`. Every field at fault is refused at once (400, `errors`). A
    6-digit code is sent to the address, in the caller's language (Accept-Language), valid 15 minutes:
    give it to `POST /auth/signup/confirm`. 202 whether or not an account already uses the address (that
    address is sent a message saying so instead of a code): the answer tells nobody who has an account."""
    sent = accounts.signup_request(
        full_name=payload.full_name,
        email=payload.email,
        phone=payload.phone,
        password=payload.password,
        consent=payload.consent,
        client=_client(request),
    )
    detail = _(
        "We sent a message to %(sent_to)s. Enter the 6-digit code it gives (valid %(minutes)s minutes)."
    )
    minutes = int(accounts.CODE_VALID.total_seconds() // 60)
    return Status(
        202, {"detail": detail % {"sent_to": sent.sent_to, "minutes": minutes}, "sent_to": sent.sent_to}
    )


@router.post("/auth/signup/confirm", response={201: TokenOut}, auth=None, openapi_extra=_CONFIRM_REFUSALS)
def signup_confirm(request: HttpRequest, payload: SignupConfirmIn) -> Status:
    """Open a citizen's account (2/2): the `code` sent to the same `email` or `phone`. The account is made
    (a citizen, with a user name of its own) and signed in: 201 with a bearer token, as `POST /auth/token`
    answers. Every code sent there in the last 15 minutes counts (a later request does not void an earlier
    code); a wrong one is refused (400, field `code`), and after 5 tries the codes are spent (429): ask
    for a new one."""
    user = accounts.signup_confirm(
        email=payload.email, phone=payload.phone, pin=payload.code, client=_client(request)
    )
    actor = Actor(user_id=user.pk, label=user.full_name or user.username)
    token = api_token_issue(actor=actor, username=user.username, name=payload.name.strip() or DEFAULT_NAME)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    request.user = user
    return Status(201, {"token": token, "expires_at": None, "user": me_view(request)})


@router.post("/auth/password-reset", response={202: CodeSentOut}, auth=None, openapi_extra=_CODE_REFUSALS)
def password_reset_request(request: HttpRequest, payload: PasswordResetIn) -> Status:
    """Forgot the password (1/2): ONE of `email` or `phone`. If an active account has it, a 6-digit code is
    sent there (valid 15 minutes; a code sent before stays valid too): give it with the new password to
    `POST /auth/password-reset/confirm`. The answer is the same 202 whether an account has the address or
    not. Reset codes are counted apart from sign-up codes, and per requesting network address: requests
    from elsewhere cannot use up the owner's."""
    sent = accounts.reset_request(email=payload.email, phone=payload.phone, client=_client(request))
    detail = _(
        "If an account uses %(sent_to)s, we sent it a 6-digit code (valid %(minutes)s minutes). Enter it with "
        "your new password."
    )
    minutes = int(accounts.CODE_VALID.total_seconds() // 60)
    return Status(
        202, {"detail": detail % {"sent_to": sent.sent_to, "minutes": minutes}, "sent_to": sent.sent_to}
    )


@router.post(
    "/auth/password-reset/confirm",
    response={200: DoneOut},
    auth=None,
    openapi_extra={"responses": _CODE_REFUSALS["responses"]},
)
def password_reset_confirm(request: HttpRequest, payload: PasswordResetConfirmIn) -> Status:
    """Forgot the password (2/2): the `code` sent to the same `email` or `phone`, and the new `password`
    (400 naming `password` when the rules refuse it; the code stays valid then). The account's sessions and
    app tokens end; sign in again with `POST /auth/token`. A wrong code: 400 (field `code`); after 5, 429."""
    accounts.reset_confirm(
        email=payload.email,
        phone=payload.phone,
        pin=payload.code,
        password=payload.password,
        client=_client(request),
    )
    return Status(200, {"detail": _("Your new password is set: log in with it.")})
