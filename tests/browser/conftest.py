"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Chromium is /usr/bin/chromium, never a browser downloaded by Playwright. Without it the tests are
skipped, except under CI=true where a missing browser is a failure.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test import testcases

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000


class _OneRequestAtATime(ThreadedWSGIServer):
    """The live server, answering one request at a time. On SQLite its threads share the test's in-memory
    connection (Django's rule for in-memory databases), which is not safe from two threads at once: a
    kiosk page loading while its poll came in hung the run there."""

    _lock = threading.Lock()

    def set_app(self, application: Any) -> None:
        lock = self._lock

        def one_at_a_time(environ: dict[str, Any], start_response: Any) -> Any:
            with lock:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


testcases.LiveServerThread.server_class = _OneRequestAtATime


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true, so the browser tests must run", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-core)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is missing (pip install -e '.[test]')")
    # Playwright's sync API runs an event loop in this thread, so Django would refuse the tests' own
    # ORM calls ("You cannot call this from an async context"). Only while the browser tests run: a
    # leftover variable would leak into other tests' subprocesses (and fail `check --deploy`).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(chromium: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) whose relative URLs go to the live server.

    The browser asks for Vietnamese like most of CityDesk's users; the header's EN button switches.
    """
    context = chromium.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport={"width": 1280, "height": 800},
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@dataclass
class Traffic:
    """What a page fetched and complained about, to prove every asset comes from CityDesk itself."""

    origin: str
    foreign: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def on_request(self, request: Any) -> None:
        url = request.url
        scheme = urlsplit(url).scheme
        if scheme in ("http", "https", "ws", "wss") and _origin(url) != self.origin:
            self.foreign.append(url)

    def on_response(self, response: Any) -> None:
        if response.status >= 400 and not urlsplit(response.url).path.endswith("/favicon.ico"):
            self.failed.append(f"{response.status} {response.url}")

    def on_console(self, message: Any) -> None:
        # Chromium reports CSP violations (blocked scripts, styles, fetches) on the console.
        if message.type == "error" and "Content Security Policy" in message.text:
            self.errors.append(f"console: {message.text}")

    def on_page_error(self, error: Any) -> None:
        self.errors.append(f"page error: {error}")

    def problems(self) -> list[str]:
        return (
            [f"request to another host: {url}" for url in self.foreign]
            + [f"failed response: {line}" for line in self.failed]
            + self.errors
        )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".replace("ws://", "http://").replace("wss://", "https://")


@pytest.fixture
def traffic(page: Any, live_server: Any) -> Traffic:
    watch = Traffic(origin=_origin(live_server.url))
    page.on("request", watch.on_request)
    page.on("response", watch.on_response)
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    return watch


@pytest.fixture(scope="session")
def screenshot_dir(pytestconfig: pytest.Config) -> Path:
    path = Path(pytestconfig.rootpath) / "test-artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
