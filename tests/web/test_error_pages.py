"""Error pages (404, 403, 400, the CSRF refusal, 500) in the site's layout and language, not Django's
English defaults; the 500 page renders without the database."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.utils import translation
from django.views import defaults
from django.views.csrf import csrf_failure

pytestmark = pytest.mark.django_db

DJANGO_DEFAULTS = (
    "Not Found",
    "Server Error (500)",
    "Bad Request (400)",
    "403 Forbidden",
    "CSRF verification",
)


def _is_site_page(html: str, lang: str = "vi") -> None:
    assert f'<html lang="{lang}">' in html
    assert 'class="topbar"' in html and "citydesk.css" in html
    assert 'data-testid="error-page"' in html
    for text in DJANGO_DEFAULTS:
        assert text not in html


def test_404_is_the_sites_page_in_vietnamese(client, personas):
    r = client.get("/khong-co-trang-nay/")
    assert r.status_code == 404
    html = r.content.decode()
    _is_site_page(html)
    assert "/khong-co-trang-nay/" in html
    assert "Đăng nhập" in html  # the site's menu and account bar


def test_404_in_english_when_chosen(client, personas):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    r = client.get("/no-such-page/")
    assert r.status_code == 404
    _is_site_page(r.content.decode(), lang="en")


def test_403_is_the_sites_page(personas):
    request = RequestFactory().get("/quan-tri/")
    request.user = personas.citizen
    r = defaults.permission_denied(request, PermissionDenied())
    assert r.status_code == 403
    _is_site_page(r.content.decode())


def test_csrf_refusal_is_the_sites_page(personas):
    client = Client(enforce_csrf_checks=True)
    r = client.post("/dang-nhap/", {"username": "head", "password": "pw-head"})
    assert r.status_code == 403
    _is_site_page(r.content.decode())


def test_400_is_the_sites_page():
    r = defaults.bad_request(RequestFactory().get("/"), Exception("bad"))
    assert r.status_code == 400
    _is_site_page(r.content.decode())


def test_500_renders_without_the_database_or_a_request(django_db_blocker):
    translation.activate("vi")
    with django_db_blocker.block():  # any query would raise
        r = defaults.server_error(RequestFactory().get("/"))
        csrf = csrf_failure(RequestFactory().post("/"), reason="no token")
    assert r.status_code == 500 and csrf.status_code == 403
    _is_site_page(r.content.decode())
    assert "/static/citydesk/citydesk.css" in r.content.decode()


def test_500_through_the_whole_stack(settings, personas):
    settings.ROOT_URLCONF = "tests.web.error_urls"
    client = Client(raise_request_exception=False)
    r = client.get("/__test__/boom/")
    assert r.status_code == 500
    _is_site_page(r.content.decode())


def test_an_action_address_opened_in_the_browser_is_the_sites_page(client, personas):
    """A POST-only address opened with GET (e.g. the next page after logging in again) answered 405 with
    no body: the browser's own English error page."""
    client.force_login(personas.head)
    r = client.get("/mot-cua/ho-so/HS-26-000001/thao-tac/")
    assert r.status_code == 405 and "POST" in r["Allow"]
    html = r.content.decode()
    _is_site_page(html)
    assert "Không có gì bị thay đổi" in html
    logout = client.get("/dang-xuat/")
    assert logout.status_code == 405
    assert 'action="/dang-xuat/" method="post"' in logout.content.decode()  # a button to log out
    api = client.get("/api/v1/reports/PA-26-000001/actions")
    assert api.status_code == 405 and api["Content-Type"].startswith("application/json")
