"""The REST API (/api/v1/): django-ninja, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.schema import DjangoGetter
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf
from pydantic import model_validator
from pydantic_core import PydanticCustomError

from citydesk.core.errors import DomainError, DomainErrors
from citydesk.core.services import api_token_user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer cd_…` tokens created by `citydesk create-user`."""

    def authenticate(self, request: HttpRequest, token: str):  # type: ignore[override]
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


class LocalTimeEncoder(NinjaJSONEncoder):
    """Every time the API answers is in the platform's time zone (2026-11-22T08:30:00+07:00), as officers and
    citizens read it, whichever app's schema carries it: stored times are UTC, which read as the day before
    for anything done before 7 in the morning."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime) and timezone.is_aware(o):
            # Whole seconds, always: Django wrote milliseconds only when there were some, so one field came
            # in two shapes (…15:27:15.434+07:00 and …19:10:46+07:00), which strict parsers refuse.
            return timezone.localtime(o).replace(microsecond=0).isoformat()
        return super().default(o)


class Utf8JSONRenderer(JSONRenderer):
    """Vietnamese stays readable in responses: UTF-8, not \\u escapes; times in local time."""

    encoder_class = LocalTimeEncoder
    json_dumps_params = {"ensure_ascii": False}


class CsrfSessionAuth(SessionAuth):
    """The web pages' own calls: the logged-in session, with Django's CSRF check on writes.

    Without a logged-in session there is nothing for a forged request to ride on, so no CSRF check and
    no 403: the caller is simply not authenticated (401, like a missing or bad bearer token)."""

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if (
            self.csrf
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise HttpError(403, _("The CSRF check failed: reload the page and try again."))
        return request.COOKIES.get(self.param_name)


# Session log-in (with CSRF) for the web pages' own calls; bearer tokens for everything else.
AUTH = [TokenAuth(), CsrfSessionAuth(csrf=True)]
# What a 401 answers (RFC 9110 §11.6.1): the scheme a client should authenticate with.
WWW_AUTHENTICATE = 'Bearer realm="CityDesk API"'

# The creations that take an Idempotency-Key header (a key reused for another body: 422). A replay (the
# same key, the same request) answers 200 with the first one and says so in the header below, as Open311 does.
IDEMPOTENT_CREATES = ("/reports", "/dossiers", "/dossiers/online")
IDEMPOTENCY_KEY_MAX = 120  # the key columns (reports' and dossiers' IdempotencyKey.key)
REPLAYED_HEADER = "Idempotent-Replayed"


def idempotency_key(request: HttpRequest) -> str:
    """The request's Idempotency-Key ("" without one). A key over the columns' length is refused, never
    cut: two keys cut alike would be one, and a client would get another's report back."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise DomainError(
            _("Too long (at most %(n)s characters).") % {"n": IDEMPOTENCY_KEY_MAX}, field="Idempotency-Key"
        )
    if "\x00" in key:  # PostgreSQL cannot store it
        raise DomainError(_("Null characters are not allowed."), field="Idempotency-Key")
    return key


class CityDeskAPI(NinjaAPI):
    """django-ninja, answering JSON `{"detail": …}` in the caller's language everywhere under /api/v1/:
    also for a method the path does not take (ninja's own answer is an English text/plain 405), for a
    path that is not the API's and for the API's root (Django's answer is its HTML 404 page). None of
    these answers changes anything, so none needs Django's CSRF check: a client with a bearer token that
    posts to a wrong path gets the JSON answer, not Django's HTML 403 page."""

    def _get_urls(self) -> list[URLPattern | URLResolver]:
        urls = super()._get_urls()
        for pattern in urls:
            if not isinstance(pattern, URLPattern):
                continue
            if pattern.name == "api-root":  # ninja's raises Http404, answered by Django's HTML page
                pattern.callback = csrf_exempt(self._unknown_path)
            elif pattern.name in ("openapi-json", "openapi-view"):  # they answered any method
                pattern.callback = csrf_exempt(require_safe(pattern.callback))
            pattern.callback = self._json_method_refusal(pattern.callback)
        urls.append(re_path(r"^.*$", csrf_exempt(self._unknown_path), name="unknown-path"))
        return urls

    def _json_method_refusal(self, view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)  # keeps csrf_exempt: ninja checks CSRF itself, per authentication
        def answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if not isinstance(response, HttpResponseNotAllowed):
                return response
            allowed = response.get("Allow", "")
            message = _("The method %(method)s is not allowed on %(path)s; use %(allowed)s.") % {
                "method": request.method,
                "path": request.path,
                "allowed": allowed,
            }
            refusal = self.create_response(request, {"detail": message}, status=405)
            refusal["Allow"] = allowed
            return refusal

        return answer

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """The schema, with the refusals every operation can give and their body (`Error`): ninja lists
        only the answers an operation declares, so clients could not know a 400 names the field at fault."""
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        for path, methods in schema.get("paths", {}).items():
            for method, operation in methods.items():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                responses = operation["responses"]
                if method.lower() == "post" and path.rstrip("/").endswith(IDEMPOTENT_CREATES):
                    _declare_idempotency(operation)
                for status in _refusals(path, method, operation):
                    if status in responses or str(status) in responses:  # declared by the operation
                        continue
                    responses.setdefault(
                        status,
                        {
                            "description": REFUSALS[status],
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                            },
                        },
                    )
        return schema

    def _unknown_path(self, request: HttpRequest) -> HttpResponse:
        message = _("There is no API endpoint %(path)s; the list is at %(docs)s.") % {
            "path": request.path,
            "docs": reverse(f"{self.urls_namespace}:openapi-view"),
        }
        return self.create_response(request, {"detail": message}, status=404)


IDEMPOTENCY_PARAMETER: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": IDEMPOTENCY_KEY_MAX},
    "description": "Makes a retry safe: the same key with the same request answers 200 with the first "
    f"creation (and `{REPLAYED_HEADER}: true`); with another request, 422. Longer than "
    f"{IDEMPOTENCY_KEY_MAX} characters: 400.",
}


def _declare_idempotency(operation: dict[str, Any]) -> None:
    """The Idempotency-Key header among the operation's parameters, and the replay's header on its 200."""
    parameters = operation.setdefault("parameters", [])
    if not any(p.get("in") == "header" and p.get("name") == "Idempotency-Key" for p in parameters):
        parameters.append(dict(IDEMPOTENCY_PARAMETER))
    replay = operation["responses"].get(200) or operation["responses"].get("200")
    if isinstance(replay, dict):
        replay.setdefault("headers", {})[REPLAYED_HEADER] = {
            "description": "`true`: a replay of an earlier request with the same Idempotency-Key.",
            "schema": {"type": "string", "enum": ["true"]},
        }


ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": "A refusal, in the caller's language (Accept-Language; Vietnamese by default).",
    "properties": {
        "detail": {"type": "string", "description": "What is wrong and what to do."},
        "field": {
            "type": "string",
            "description": "The input at fault (a body field, query parameter or header).",
        },
        "errors": {
            "type": "array",
            "description": "Every input at fault (400 for malformed input).",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "required": ["detail"],
}
REFUSALS = {
    400: "Bad input: `field` names it, `errors` lists every problem.",
    401: "Not authenticated: a missing or invalid bearer token (or no session).",
    403: "Not allowed for this user, or in this unit.",
    404: "Unknown code or id (`field` names it).",
    405: "The method is not allowed on this path.",
    409: "Conflict: the state or the version changed since it was read, or the action does not fit the state.",
    413: "The request body is over the upload limit (`field`: body).",
    422: "The Idempotency-Key was already used for a different request.",
    429: "Too many requests from this address, device or phone number: try again later (`field` names it).",
}


def _refusals(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """The refusals an operation can give, from its shape: input → 400, authentication → 401/403,
    an object in the path → 404, a change to an existing object → 409, a body → 413, a creation taking
    an Idempotency-Key → 422."""
    found = []
    if operation.get("parameters") or operation.get("requestBody"):
        found.append(400)
    if operation.get("security"):
        found += [401, 403]
    if "{" in path:
        found.append(404)
    if method.lower() in ("post", "put", "patch", "delete") and "{" in path:
        found.append(409)
    if operation.get("requestBody"):
        found.append(413)  # a body over the upload limit
    if method.lower() == "post" and path.rstrip("/").endswith(IDEMPOTENT_CREATES):
        found.append(422)  # an Idempotency-Key already used for a different request
    found += OTHER_REFUSALS.get((method.lower(), path.removeprefix("/api/v1")), ())
    if method.lower() == "post" and "{" in path and path.rstrip("/").endswith("/read"):
        found.remove(409)  # marking a message read changes no versioned state
    return sorted(set(found))


# What an operation's shape does not tell: an optional bearer token that, sent and invalid, is a 401; a
# citizen's key or role refused (403); a code in the body or the query that names nothing (404).
OTHER_REFUSALS: dict[tuple[str, str], tuple[int, ...]] = {
    ("post", "/reports"): (401, 403),
    ("get", "/reports/{code}"): (401,),
    ("post", "/reports/{code}/rating"): (401, 403),
    ("post", "/reports/{code}/follow"): (401,),
    ("post", "/reports/{code}/attachments"): (401, 403),
    ("post", "/dossiers"): (404,),
    ("post", "/dossiers/online"): (401, 404, 429),
    ("get", "/dossiers"): (404,),
    ("get", "/dossiers/{code}"): (401,),
    ("post", "/dossiers/{code}/actions"): (401, 403),
    ("post", "/dossiers/{code}/supplement"): (401, 403),
    ("post", "/ratings/dossiers/{code}"): (401,),
    ("get", "/units/locate"): (404,),
}


# The latest entry of docs/api-changes.md (a test keeps the two equal).
API_VERSION = "1.15"


class BodyIn(Schema):
    """A JSON body: an object. Anything else (a list, a number) is refused as the body's fault ("must be a
    JSON object", field `body`), not as a first field missing from it."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        sent = data._obj if isinstance(data, DjangoGetter) else data  # ninja hands the body over wrapped
        if isinstance(sent, list | str | int | float | bool):
            raise PydanticCustomError("model_type", "Input should be a JSON object")
        return data


api = CityDeskAPI(
    title="CityDesk API",
    version=API_VERSION,
    description="CityDesk REST API. Authenticate with `Authorization: Bearer <token>`.",
    urls_namespace="api",
    auth=AUTH,
    renderer=Utf8JSONRenderer(),
)


def _refusal(request: HttpRequest, body: dict[str, object], status: int) -> HttpResponse:
    """A refusal's JSON answer; a 401 names the scheme to authenticate with (`WWW-Authenticate`)."""
    response = api.create_response(request, body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


def _sentence(message: str) -> str:
    """A message as a sentence of a longer text: ended by its full stop (or its own ! ? …)."""
    message = message.strip()
    return message if message.endswith((".", "!", "?", "…")) else f"{message}."


def joined_messages(messages: list[str]) -> str:
    """Several messages as one text, each its own sentence: "Không có lĩnh vực “x”. Vui lòng nhập …" (a
    semicolon before a capital letter read wrong, and lower-casing would spoil a name that starts one)."""
    return " ".join(_sentence(m) for m in messages if m.strip())


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    body: dict[str, object] = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    if isinstance(exc, DomainErrors):  # every input at fault, the first one first
        body["errors"] = [{"field": p.field or "body", "message": p.message} for p in exc.problems]
        body["detail"] = joined_messages([p.message for p in exc.problems])
    response = _refusal(request, body, exc.status)
    retry_after = getattr(exc, "retry_after", None)
    if exc.status == 429 and retry_after is not None and not response.has_header("Retry-After"):
        response["Retry-After"] = str(max(int(retry_after), 0))  # every limit says how long to wait
    return response


def _message(error: dict) -> str:
    """pydantic's English message for one input error, said in the user's language."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind.startswith(("float_", "int_", "decimal_")) or kind in ("finite_number",):
        return _("Must be a number.") if "parsing" in kind or "type" in kind else _("Not a valid number.")
    if kind.startswith("bool_"):
        return _("Must be true or false.")
    if kind.startswith("string_") and "max_length" in ctx:
        return _("Too long (at most %(n)s characters).") % {"n": ctx["max_length"]}
    if kind.startswith("string_") and "min_length" in ctx:
        return _("Too short (at least %(n)s characters).") % {"n": ctx["min_length"]}
    if kind.startswith("string_"):
        return _("Must be text.")
    if kind.startswith("datetime_"):
        return _("Not a valid date and time (ISO 8601, e.g. 2026-11-22T08:30:00+07:00).")
    if kind.startswith("date_"):
        return _("Not a valid date (YYYY-MM-DD).")
    if kind.startswith("time_"):
        return _("Not a valid time (HH:MM).")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("Must be a JSON object.")
    if kind in ("list_type", "tuple_type", "set_type"):
        return _("Must be a list.")
    if kind in ("enum", "literal_error") and "expected" in ctx:
        return _("Not one of the allowed values: %(v)s.") % {"v": ctx["expected"]}
    for bound, text in (
        ("ge", _("Must be at least %(n)s.")),
        ("gt", _("Must be more than %(n)s.")),
        ("le", _("Must be at most %(n)s.")),
        ("lt", _("Must be less than %(n)s.")),
    ):
        if bound in ctx:
            limit = ctx[bound]
            if isinstance(limit, int | float) and not isinstance(limit, bool):  # 1.000 in Vietnamese
                limit = number_format(limit, force_grouping=True)
            return text % {"n": limit}
    if kind == "json_invalid":
        return _("Not valid JSON.")
    return _("Not a valid value.")


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("query", "body", "path", "payload", "file", "form")
        ]
        if not location and error.get("type") == "missing":  # no body at all
            errors.append(
                {"field": "body", "message": _("Send the data as a JSON object in the request body.")}
            )
            continue
        errors.append({"field": ".".join(location) or "body", "message": _message(error)})
    summary = "; ".join(f"{e['field']}: {e['message'].rstrip('.')}" for e in errors) + "."
    body: dict[str, object] = {"detail": _("Invalid input — %(s)s") % {"s": summary}, "errors": errors}
    if errors:
        body["field"] = errors[0]["field"]  # like a domain error: the first input at fault
    return api.create_response(request, body, status=400)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own refusals; the body it cannot parse is the only one a client meets in practice."""
    body: dict[str, object] = {"detail": str(exc)}
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        body = {"detail": _("The request body is not valid JSON."), "field": "body"}
    return _refusal(request, body, exc.status_code)


def too_big_message() -> str:
    mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return _("The request body is too large (at most %(n)s MB).") % {"n": f"{mb:g}"}


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413 naming the body (it was a server error)."""
    return api.create_response(request, {"detail": too_big_message(), "field": "body"}, status=413)


@api.exception_handler(TooManyFieldsSent)
def on_too_many_fields(request: HttpRequest, exc: TooManyFieldsSent) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("The request has too many fields."), "field": "body"}, status=400
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found")}, status=404)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _refusal(
        request, {"detail": _("Authentication required: send a valid bearer token or log in.")}, 401
    )


def _register_routers() -> None:
    from citydesk.core.api import router as core_router
    from citydesk.core.api_auth import router as auth_router
    from citydesk.dossiers.api import router as dossiers_router
    from citydesk.dossiers.api_stats import router as dossier_stats_router
    from citydesk.indicators.api import router as indicators_router
    from citydesk.ratings.api import router as ratings_router
    from citydesk.reports.api import router as reports_router
    from citydesk.reports.api_citizen import router as reports_citizen_router

    api.add_router("/", core_router)
    api.add_router("/", auth_router)
    api.add_router("/", reports_router)
    api.add_router("/", reports_citizen_router)
    api.add_router("/", dossiers_router)
    api.add_router("/", dossier_stats_router)
    api.add_router("/", ratings_router)
    api.add_router("/", indicators_router)


_register_routers()
