"""Small steps the browser tests share."""

from __future__ import annotations

from typing import Any


def log_in(page: Any, username: str, password: str) -> None:
    """Log in through the page, as a person would, and wait for the next page."""
    page.goto("/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def focused(page: Any, selector: str, *, within_ms: int = 3000) -> bool:
    """Whether the element matching `selector` has (or gets, within `within_ms`) the keyboard focus.

    Chromium applies `autofocus` and a page's own focus() calls at its next rendering step, which can
    come a little after the `load` event on a busy machine: a one-shot check right after a navigation
    raced with it. This waits for the focus instead, and still answers False if it never arrives.
    `within_ms=0` asks once (a loop pressing Tab until an element has the focus must not wait at each
    element that has not).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if within_ms <= 0:  # now, without waiting: a Tab loop asks of each element in turn
        return page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector)
    try:
        page.wait_for_function(
            "(s) => !!document.activeElement && document.activeElement.matches(s)",
            arg=selector,
            timeout=within_ms,
        )
    except PlaywrightTimeout:
        return False
    return True


def expect(locator: Any) -> Any:
    """Playwright's `expect`, imported when a browser test runs (the module loads without Playwright)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)
