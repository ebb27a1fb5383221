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
    username: str
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
    """Sign in from an app: a new bearer token for an active account's user name and password (201).

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
