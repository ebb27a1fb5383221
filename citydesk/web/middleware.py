"""What every request passes through, whichever view answers it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from ipaddress import IPv4Address, IPv6Address, ip_address

from django.conf import settings
from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import get_resolver, get_urlconf, reverse
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

# psycopg's words when a text holding a NUL character (0x00) is sent to PostgreSQL.
_NUL_REFUSED = "NUL (0x00)"


def is_nul_refusal(exc: BaseException) -> bool:
    """Is `exc` PostgreSQL's (psycopg's) refusal of a text holding a NUL character?"""
    return isinstance(exc, DataError | ValueError) and _NUL_REFUSED in str(exc)


def _address(text: str) -> IPv4Address | IPv6Address | None:
    """An X-Forwarded-For hop as an address: `203.0.113.5`, `2001:db8::1`, `[2001:db8::1]`; else None."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    # A dual-stack socket names an IPv4 peer as ::ffff:10.0.0.1: the IPv4 address is what the settings list.
    return address.ipv4_mapped or address if isinstance(address, IPv6Address) else address


class ForwardedClientAddress:
    """Behind a trusted reverse proxy, the visitor's address is the one the proxies name, not the proxy's.

    The log-in lock-out (django-axes) and the per-address limits read `REMOTE_ADDR`, which behind nginx is
    nginx's own: every visitor would count as one, and one person's wrong passwords would lock everyone out
    of that account. When the connection comes from an address of `CITYDESK_TRUSTED_PROXIES`, the
    X-Forwarded-For hops are read from the right (each proxy appends the address it was reached from),
    skipping the trusted ones: the first other address is the visitor's. Hops further left were written by
    the visitor and could be anything, so they are never believed. The connection's own address stays in
    `CITYDESK_PROXY_ADDR`. With no trusted proxy set (the default), the header is ignored, and the first
    request carrying one says once in the log which setting is missing."""

    _unset_said = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
        if forwarded:
            self._use_forwarded(request, forwarded)
        return self.get_response(request)

    def _use_forwarded(self, request: HttpRequest, forwarded: str) -> None:
        networks = settings.CITYDESK_TRUSTED_PROXIES
        peer_text = request.META.get("REMOTE_ADDR", "")
        if not networks:
            if not ForwardedClientAddress._unset_said:
                ForwardedClientAddress._unset_said = True
                log.warning(
                    "X-Forwarded-For from %s is ignored: CITYDESK_TRUSTED_PROXIES is not set, so every visitor "
                    "behind this proxy counts as one address (log-in lock-out, rating limits)",
                    peer_text,
                )
            return
        peer = _address(peer_text)
        if peer is None or not any(peer in network for network in networks):
            return
        client = peer_text
        for hop in reversed(forwarded.split(",")):
            address = _address(hop)
            if address is None:  # not an address (a word, garbage): nothing to its left can be placed
                break
            client = str(address)
            if not any(address in network for network in networks):
                break
        request.META["CITYDESK_PROXY_ADDR"] = peer_text
        request.META["REMOTE_ADDR"] = client


class NulCharacterRefusal:
    """A NUL character (0x00) that reached PostgreSQL is the caller's bad input: 400, not a server error.

    PostgreSQL neither stores nor compares text holding one, and psycopg refuses to send it. The pages and
    endpoints that read a query parameter or a JSON field into a look-up or a save without dropping it
    (a filter, a code, a comment) answered 500 on PostgreSQL (SQLite takes the character). Those that
    check it (a field-level error, a code not found) are left as they are: this only turns the database's
    refusal into the REST API's Error body under /api/ and the site's 400 page elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_nul_refusal(exception):
            return None
        message = _("The request holds a NUL character (0x00), which is not accepted.")
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
        return get_resolver(get_urlconf()).resolve_error_handler(400)(request, exception)  # the 400 page


class ApiHeadAsGet:
    """HEAD on the REST API answers as GET would, without the body (RFC 9110 §9.3.2).

    django-ninja routes GET only, so monitoring tools and caches that probe with HEAD got 405. The
    request is handed on as a GET (a safe method: nothing changes), then the body is dropped and its
    length kept in Content-Length."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "HEAD" or not request.path_info.startswith("/api/"):
            return self.get_response(request)
        request.method = "GET"
        try:
            response = self.get_response(request)
        finally:
            request.method = "HEAD"
        if not response.streaming:
            length = len(response.content)
            response.content = b""
            response["Content-Length"] = str(length)
        return response


class MethodNotAllowedPage:
    """A page address opened with a method it does not take: the site's own page, not an empty 405.

    `require_POST` views (an action's address: a directive reported done, a dossier move, log-out)
    answer 405 with no body, so the browser showed its own English error, e.g. after logging in again
    with the action's address as the next page. The REST API and Open311 keep their own bodies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code != 405
            or response.content
            or request.method == "HEAD"
            or request.path_info.startswith(("/api/", "/open311/"))
        ):
            return response
        page = render(
            request,
            "405.html",
            {"logout": request.path_info == reverse("web:logout")},
            status=405,
        )
        page["Allow"] = response.get("Allow", "")
        return page
