"""A test-only URLconf: the site, plus a page that fails (for the 500 page)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [
    path("__test__/boom/", boom),
    path("", include("citydesk.urls")),
]
