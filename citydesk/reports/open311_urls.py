"""Open311 GeoReport v2 endpoints under /open311/v2/: every path ends with a format, .json or .xml."""

from django.urls import re_path

from citydesk.reports import open311

app_name = "open311"

_FORMAT = r"\.(?P<fmt>[^./]+)$"

urlpatterns = [
    re_path(r"^discovery" + _FORMAT, open311.discovery, name="discovery"),
    re_path(r"^services" + _FORMAT, open311.services, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+?)" + _FORMAT, open311.service_definition, name="service"),
    re_path(r"^requests" + _FORMAT, open311.requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+?)" + _FORMAT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + _FORMAT, open311.token_lookup, name="token"),
    # The same paths without a format: a client's mistake, answered in the specification's error list.
    re_path(
        r"^(?P<path>(discovery|services|requests|tokens)(/[^./]+)?)/?$", open311.no_format, name="no_format"
    ),
    # Anything else (the root, tokens.json, a final slash…): the specification's error list, not the
    # site's HTML page.
    re_path(r"^(?P<path>.*)$", open311.not_found, name="not_found"),
]
