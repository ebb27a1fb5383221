"""The REST API (/api/v1/): django-ninja, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, SessionAuth

from citydesk.core.errors import DomainError
from citydesk.core.services import api_token_user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer cd_…` tokens created by `citydesk create-user`."""

    def authenticate(self, request: HttpRequest, token: str):  # type: ignore[override]
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


class Utf8JSONRenderer(JSONRenderer):
    """Vietnamese stays readable in responses: UTF-8, not \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


# Session log-in (with CSRF) for the web pages' own calls; bearer tokens for everything else.
AUTH = [TokenAuth(), SessionAuth(csrf=True)]

api = NinjaAPI(
    title="CityDesk API",
    version="1",
    description="CityDesk REST API. Authenticate with `Authorization: Bearer <token>`.",
    urls_namespace="api",
    auth=AUTH,
    renderer=Utf8JSONRenderer(),
)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    body: dict[str, object] = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location = [
            str(part) for part in error.get("loc", ()) if part not in ("query", "body", "path", "payload")
        ]
        field = ".".join(location) or "request"
        errors.append({"field": field, "message": error.get("msg", "")})
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    body: dict[str, object] = {"detail": _("Invalid input — %(s)s") % {"s": summary}, "errors": errors}
    if errors:
        body["field"] = errors[0]["field"]  # like a domain error: the first input at fault
    return api.create_response(request, body, status=400)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Authentication required: send a valid bearer token or log in.")}, status=401
    )


def _register_routers() -> None:
    from citydesk.core.api import router as core_router
    from citydesk.dossiers.api import router as dossiers_router
    from citydesk.dossiers.api_stats import router as dossier_stats_router
    from citydesk.indicators.api import router as indicators_router
    from citydesk.ratings.api import router as ratings_router
    from citydesk.reports.api import router as reports_router

    api.add_router("/", core_router)
    api.add_router("/", reports_router)
    api.add_router("/", dossiers_router)
    api.add_router("/", dossier_stats_router)
    api.add_router("/", ratings_router)
    api.add_router("/", indicators_router)


_register_routers()
