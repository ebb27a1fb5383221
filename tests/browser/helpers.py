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
