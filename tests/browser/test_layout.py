"""The shared layout in a real browser: the citizen pages fit a phone, the menu's labels never break inside,
and the flash messages of each level look different."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from citydesk.core.demo import seed_demo
from tests.browser.helpers import log_in

if TYPE_CHECKING:
    from .conftest import Traffic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
CITIZEN_PAGES = ["/", "/phan-anh/moi/", "/tra-cuu/", "/thu-tuc/", "/thu-tuc/HT-01/", "/ho-so/tra-cuu/"]

# Per link of the main menu: how many lines its label takes (a range over the text has one box per line).
MENU_LINES = """() => Array.from(document.querySelectorAll('header nav.menu a')).map(a => {
  const range = document.createRange();
  range.selectNodeContents(a);
  const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
  return [a.textContent.trim(), tops.size];
})"""
OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def test_citizen_pages_fit_a_phone(page: Any, traffic: Traffic) -> None:
    seed_demo()  # the demo catalog: HT-01 is a same-day procedure with a fee note
    page.set_viewport_size(PHONE)
    for path in CITIZEN_PAGES:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        scroll_width, inner_width = page.evaluate(OVERFLOW)
        assert scroll_width <= inner_width, f"{path} is {scroll_width}px wide on a {inner_width}px phone"
    assert traffic.problems() == []


@pytest.mark.parametrize("username", ["head", "deputy", "leader"])
def test_menu_labels_never_break_inside(page: Any, personas: Any, username: str) -> None:
    log_in(page, username, f"pw-{username}")
    for width in (1400, 1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/")
        toggle = page.get_by_test_id("menu-toggle")
        if width < 640:  # a phone: the menu is folded behind its button
            assert toggle.is_visible() and not page.locator("header nav.menu").is_visible()
            toggle.click()
        lines = page.evaluate(MENU_LINES)
        assert len(lines) >= 8, lines
        broken = [label for label, count in lines if count != 1]
        assert broken == [], f"{username} at {width}px: labels broken over lines: {broken}"
        scroll_width, inner_width = page.evaluate(OVERFLOW)
        assert scroll_width <= inner_width, f"{username} at {width}px: the page is {scroll_width}px wide"


@pytest.mark.urls("tests.web.message_urls")
def test_flash_messages_differ_by_level(page: Any, traffic: Traffic) -> None:
    page.goto("/__test__/flash/")
    styles = page.evaluate(
        """() => Array.from(document.querySelectorAll('main .messages .msg')).map(m => ({
          level: m.dataset.level,
          role: m.getAttribute('role'),
          background: getComputedStyle(m).backgroundColor,
          edge: getComputedStyle(m).borderLeftColor,
          icon: getComputedStyle(m, '::before').content,
          label: m.querySelector('.msg-label').textContent.trim(),
        }))"""
    )
    assert [s["level"] for s in styles] == ["success", "info", "warning", "error"]
    assert [s["role"] for s in styles] == ["status", "status", "alert", "alert"]
    assert len({s["background"] for s in styles}) == 4, styles
    assert len({s["edge"] for s in styles}) == 4, styles
    assert len({s["icon"] for s in styles}) == 4 and all(s["icon"] not in ("none", "normal") for s in styles)
    assert len({s["label"] for s in styles}) == 4, styles
    assert traffic.problems() == []


def test_a_long_name_in_the_header_fits_a_small_phone(page: Any, personas: Any) -> None:
    """The account's name wraps on a 360 px phone instead of pushing “Log out” off the screen."""
    personas.head.full_name = "Nguyễn Hoàng Phương Thảo Quỳnh"
    personas.head.save(update_fields=["full_name"])
    log_in(page, "head", "pw-head")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/")
    scroll_width, inner_width = page.evaluate(OVERFLOW)
    assert scroll_width <= inner_width, f"the page is {scroll_width}px wide on a {inner_width}px phone"


def test_the_focus_ring_leaves_the_fields_label_readable(page: Any) -> None:
    """The ring drawn around a focused field reaches 8 px beyond it: the label above keeps that room."""
    page.goto("/dang-nhap/")
    page.focus("#id_username")
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")  # focused from the keyboard: :focus-visible draws the ring
    gap = page.evaluate(
        """() => {
          const field = document.querySelector('#id_username');
          const label = document.querySelector('label[for="id_username"]');
          return field.getBoundingClientRect().top - label.getBoundingClientRect().bottom;
        }"""
    )
    assert gap >= 8, f"the ring covers {8 - gap:.1f}px of the label"
