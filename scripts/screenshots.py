"""Regenerate the README screenshots from a running CityDesk (scripts/run) with Debian's Chromium.

.venv/bin/python scripts/screenshots.py [http://127.0.0.1:8000]
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(base_url=BASE, locale="vi-VN", viewport={"width": 1280, "height": 800})
        page.goto("/dang-nhap/")
        page.screenshot(path=str(OUT / "login.png"))
        page.goto("/lich-lam-viec/?received=2026-02-13T10:00&working_days=1&year=2026")
        page.screenshot(path=str(OUT / "calendar.png"))
        page.goto("/don-vi-hanh-chinh/?province=79&q=phuong+ben")
        page.screenshot(path=str(OUT / "units.png"))
        page.goto("/dang-nhap/")
        page.fill("#id_username", "head")
        page.fill("#id_password", "citydesk-demo-2026")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{BASE}/")
        page.screenshot(path=str(OUT / "head.png"))
        browser.close()


if __name__ == "__main__":
    main()
