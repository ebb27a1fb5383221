"""Behind a reverse proxy: the visitor's own address from X-Forwarded-For, only when the proxy is trusted."""

from __future__ import annotations

import logging
from ipaddress import ip_network

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import Client, RequestFactory

from citydesk.env import env_networks
from citydesk.web.middleware import ForwardedClientAddress


def _networks(text: str) -> tuple:
    return tuple(ip_network(item.strip(), strict=False) for item in text.split(",") if item.strip())


def _seen(settings, trusted: str, peer: str, forwarded: str | None) -> tuple[str, str | None]:
    """(REMOTE_ADDR, CITYDESK_PROXY_ADDR) as the views after the middleware see them."""
    settings.CITYDESK_TRUSTED_PROXIES = _networks(trusted)
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **extra)
    seen = {}

    def view(req):
        seen["addr"] = req.META["REMOTE_ADDR"]
        seen["proxy"] = req.META.get("CITYDESK_PROXY_ADDR")
        return HttpResponse()

    ForwardedClientAddress(view)(request)
    return seen["addr"], seen["proxy"]


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "expected"),
    [
        # Not configured: the header is the visitor's word, ignored.
        ("", "127.0.0.1", "203.0.113.5", "127.0.0.1"),
        # nginx on the same machine.
        ("127.0.0.1", "127.0.0.1", "203.0.113.5", "203.0.113.5"),
        # A visitor who sends their own header: nginx appends the real address, the rightmost is believed.
        ("127.0.0.1", "127.0.0.1", "1.2.3.4, 203.0.113.5", "203.0.113.5"),
        # Two proxies (a load balancer in 10.0.0.0/8, then nginx): both skipped.
        ("127.0.0.1, 10.0.0.0/8", "127.0.0.1", "198.51.100.7, 10.0.0.2", "198.51.100.7"),
        # A connection that does not come from a trusted proxy: its header is not believed.
        ("127.0.0.1", "198.51.100.9", "203.0.113.5", "198.51.100.9"),
        # Garbage in the header: stop there, keep the last address that could be placed.
        ("127.0.0.1", "127.0.0.1", "unknown", "127.0.0.1"),
        ("127.0.0.1", "127.0.0.1", "1.2.3.4, nonsense, 203.0.113.5", "203.0.113.5"),
        # IPv6, bracketed or not, and an IPv4 peer seen through a dual-stack socket.
        ("::1", "::1", "[2001:db8::5]", "2001:db8::5"),
        ("127.0.0.1", "::ffff:127.0.0.1", "2001:db8::5", "2001:db8::5"),
        # Every hop trusted (a request from inside the network): the leftmost.
        ("10.0.0.0/8", "10.0.0.1", "10.0.0.7, 10.0.0.3", "10.0.0.7"),
    ],
)
def test_the_visitor_address_behind_trusted_proxies(settings, trusted, peer, forwarded, expected):
    assert _seen(settings, trusted, peer, forwarded)[0] == expected


def test_without_the_header_nothing_changes(settings):
    assert _seen(settings, "127.0.0.1", "127.0.0.1", None) == ("127.0.0.1", None)


def test_the_connection_address_is_kept(settings):
    assert _seen(settings, "127.0.0.1", "127.0.0.1", "203.0.113.5") == ("203.0.113.5", "127.0.0.1")


def test_an_ignored_header_is_said_once_in_the_log(settings, caplog, monkeypatch):
    monkeypatch.setattr(ForwardedClientAddress, "_unset_said", False)
    with caplog.at_level(logging.WARNING, logger="citydesk.web.middleware"):
        _seen(settings, "", "127.0.0.1", "203.0.113.5")
        _seen(settings, "", "127.0.0.1", "203.0.113.6")
    said = [r.getMessage() for r in caplog.records if "CITYDESK_TRUSTED_PROXIES" in r.getMessage()]
    assert len(said) == 1 and "127.0.0.1" in said[0]


def test_the_setting_is_read_and_checked(monkeypatch):
    monkeypatch.setenv("CITYDESK_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8 ,::1")
    assert [str(n) for n in env_networks("CITYDESK_TRUSTED_PROXIES")] == [
        "127.0.0.1/32",
        "10.0.0.0/8",
        "::1/128",
    ]
    monkeypatch.setenv("CITYDESK_TRUSTED_PROXIES", "127.0.0.1, nginx")
    with pytest.raises(ImproperlyConfigured, match="CITYDESK_TRUSTED_PROXIES: 'nginx' không phải địa chỉ IP"):
        env_networks("CITYDESK_TRUSTED_PROXIES")
    monkeypatch.delenv("CITYDESK_TRUSTED_PROXIES")
    assert env_networks("CITYDESK_TRUSTED_PROXIES") == ()


def _fail_five_times(client: Client, username: str) -> None:
    for _ in range(5):
        client.post("/dang-nhap/", {"username": username, "password": "sai-mat-khau"})


@pytest.mark.parametrize("trusted", [True, False])
def test_one_visitors_wrong_passwords_lock_only_that_visitor(settings, personas, trusted):
    """Behind nginx, someone guessing the head's password must not lock the head out of their own account
    from another address; without the setting, everyone behind the proxy is one address (the old way)."""
    settings.CITYDESK_TRUSTED_PROXIES = _networks("127.0.0.1" if trusted else "")
    guesser = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    _fail_five_times(guesser, "head")
    locked = guesser.post("/dang-nhap/", {"username": "head", "password": "pw-head"})
    assert locked.status_code == 429
    owner = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    answer = owner.post("/dang-nhap/", {"username": "head", "password": "pw-head"})
    if trusted:
        assert answer.status_code == 302, answer.content.decode()[:500]
    else:
        assert answer.status_code == 429


def test_the_settings_read_the_proxies_and_the_rating_limits(monkeypatch, tmp_path):
    import runpy
    from pathlib import Path

    monkeypatch.setenv("CITYDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CITYDESK_TRUSTED_PROXIES", "127.0.0.1,10.0.0.0/8")
    monkeypatch.setenv("CITYDESK_RATING_DEVICE_LIMIT_PER_HOUR", "3")
    monkeypatch.setenv("CITYDESK_RATING_ADDRESS_LIMIT_PER_HOUR", "500")
    values = runpy.run_path(str(Path(__file__).resolve().parents[2] / "citydesk" / "settings.py"))
    assert [str(n) for n in values["CITYDESK_TRUSTED_PROXIES"]] == ["127.0.0.1/32", "10.0.0.0/8"]
    assert values["CITYDESK_RATING_DEVICE_LIMIT_PER_HOUR"] == 3
    assert values["CITYDESK_RATING_ADDRESS_LIMIT_PER_HOUR"] == 500
    # First but for the health check (which reads no address, and answers before the host check).
    assert values["MIDDLEWARE"][:2] == [
        "citydesk.web.health_middleware.HealthCheckAnyHost",
        "citydesk.web.middleware.ForwardedClientAddress",
    ]


def test_one_password_tried_on_many_accounts_from_one_address_is_stopped(settings, personas):
    """Password spraying: one wrong password on each of many accounts never trips the per-account lock;
    the address is refused once it has tried the limit's number of accounts, another address is not."""
    settings.CITYDESK_LOGIN_ACCOUNTS_PER_ADDRESS = 4
    sprayer = Client(REMOTE_ADDR="203.0.113.99")
    for name in ("an", "binh", "cuong", "dung"):
        assert sprayer.post("/dang-nhap/", {"username": name, "password": "Matkhau@2026"}).status_code == 200
    refused = sprayer.post("/dang-nhap/", {"username": "head", "password": "pw-head"})
    assert refused.status_code == 429 and "Đăng nhập sai quá nhiều lần" in refused.content.decode()
    # The back office's log-in goes through the same backends: refused too.
    admin = sprayer.post("/quan-tri/login/", {"username": "head", "password": "pw-head"})
    assert "_auth_user_id" not in sprayer.session and admin.status_code in (200, 429)
    elsewhere = Client(REMOTE_ADDR="198.51.100.5")
    assert elsewhere.post("/dang-nhap/", {"username": "head", "password": "pw-head"}).status_code == 302
