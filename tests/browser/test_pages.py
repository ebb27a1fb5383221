"""The pages in a real browser: log-in per demo role, errors, the deadline calculator, language, CSP."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from django.utils import translation
from django.utils.translation import gettext

from citydesk.core.demo import DEMO_PASSWORD, PEOPLE, seed_demo
from citydesk.core.models import User
from citydesk.core.powers import Role
from tests.browser.helpers import expect, log_in

if TYPE_CHECKING:
    from .conftest import Traffic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page: Any) -> None:
    with page.expect_navigation():
        page.locator("header form[action$='/dang-xuat/'] button[type=submit]").click()


def role_label(role: str) -> str:
    """What the home page shows for a role, in Vietnamese (the language the browser asks for)."""
    with translation.override("vi"):
        return gettext("Citizen account") if role == "citizen" else str(Role(role).label)


def test_every_demo_role_logs_in(page: Any, traffic: Traffic, screenshot_dir: Path) -> None:
    seed_demo()  # once: live_server tests are transactional, so the tables are emptied afterwards
    for username, role, _org, full_name, _title in PEOPLE:
        log_in(page, username, DEMO_PASSWORD)
        landing = "/tong-dai/" if role == "operator" else "/"  # an operator's shift starts on the calls
        assert urlsplit(page.url).path == landing, f"{username}: log-in did not reach {landing}"
        if landing != "/":
            page.goto("/")
        expect(page.get_by_test_id("who")).to_have_text(full_name)
        roles = [text.strip() for text in page.get_by_test_id("role").all_inner_texts()]
        assert role_label(role) in roles, (
            f"{username}: expected role {role_label(role)!r}, page shows {roles}"
        )
        page.screenshot(path=str(screenshot_dir / f"{username}.png"), full_page=True)
        log_out(page)
        expect(page.get_by_test_id("who")).to_have_count(0)
    assert traffic.problems() == []


def test_wrong_password_shows_an_error(page: Any) -> None:
    User.objects.create_user(username="officer", password=DEMO_PASSWORD, full_name="Trần Văn Minh")
    log_in(page, "officer", "not-the-password")
    assert urlsplit(page.url).path == "/dang-nhap/"
    expect(page.locator("main .error[role=alert]")).to_be_visible()
    expect(page.locator("#id_username")).to_have_value("officer")
    expect(page.get_by_test_id("who")).to_have_count(0)


def test_deadline_calculator_skips_tet(page: Any) -> None:
    # Received Friday 13 Feb 2026 before the cutoff; Tết closes offices 14–22 Feb.
    page.goto("/lich-lam-viec/?received=2026-02-13T10:00&working_days=1")
    expect(page.get_by_test_id("due")).to_contain_text("23/02/2026")


def test_language_switch_to_english_and_back(page: Any) -> None:
    page.goto("/lich-lam-viec/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    with page.expect_navigation():
        page.locator("header form.lang button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert urlsplit(page.url).path == "/lich-lam-viec/", "the language switch should stay on the page"
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    with page.expect_navigation():
        page.locator("header form.lang button[value=vi]").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/dang-nhap/",
        "/lich-lam-viec/?received=2026-02-13T10:00&working_days=1",
        "/don-vi-hanh-chinh/",
        "/api/v1/docs",
    ],
)
def test_page_uses_only_its_own_server_and_sends_csp(page: Any, traffic: Traffic, path: str) -> None:
    response = page.goto(path)
    page.wait_for_load_state("networkidle")
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    csp = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in csp, f"{path}: Content-Security-Policy header missing or weak: {csp!r}"
    assert traffic.problems() == [], f"{path}: {traffic.problems()}"
    if path != "/api/v1/docs":  # CityDesk's own pages: the stylesheet is applied
        rules = page.evaluate("Array.from(document.styleSheets).reduce((n, s) => n + s.cssRules.length, 0)")
        assert rules > 0, f"{path}: no CSS rules loaded"
