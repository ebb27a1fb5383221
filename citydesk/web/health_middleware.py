"""/healthz answered before Django validates the Host header.

Load balancers and monitoring probe a backend by its address (`Host: 10.0.0.5:8000`), which is not in
CITYDESK_ALLOWED_HOSTS: Django would answer 400 and log a DisallowedHost error at every probe. The health
check reads nothing of the request (no host, no cookie, no link built from it), so it is safe to answer
whatever the Host header says; every other address still goes through the host validation.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

HEALTH_PATH = "/healthz"


class HealthCheckAnyHost:
    """First in MIDDLEWARE: GET or HEAD /healthz gets the health check (citydesk.web.views.health_response),
    never reaching the middleware and views that call `request.get_host()`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != HEALTH_PATH or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        from citydesk.web.views import health_response  # the views import the models: loaded on first use

        response = health_response()
        add_never_cache_headers(response)
        if request.method == "HEAD":
            response.content = b""  # the status and headers alone
        return response
