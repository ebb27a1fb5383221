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
        page.goto("/thong-bao/")
        page.screenshot(path=str(OUT / "inbox.png"))
        browser.close()
        browser, page = _login(p, "inspector")
        page.goto("/nhat-ky/?object_type=report")
        page.screenshot(path=str(OUT / "audit.png"))
        browser.close()
        reports_pages(p)
        one_stop(p)
        operations_center(p)


def _login(p, username: str):
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
    page = browser.new_page(base_url=BASE, locale="vi-VN", viewport={"width": 1280, "height": 900})
    page.goto("/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", "citydesk-demo-2026")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{BASE}/")
    return browser, page


def reports_pages(p) -> None:
    """The citizens' home and report form, then the head's queue (with its map) and a report page."""
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
    page = browser.new_page(base_url=BASE, locale="vi-VN", viewport={"width": 1280, "height": 800})
    page.goto("/")
    page.screenshot(path=str(OUT / "home.png"), full_page=True)
    page.goto("/phan-anh/moi/")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / "report-form.png"))
    page.goto("/phan-anh/?period=365")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / "public-reports.png"))
    phone = browser.new_page(
        base_url=BASE, locale="vi-VN", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    phone.goto("/phan-anh/moi/")
    phone.wait_for_load_state("networkidle")
    phone.screenshot(path=str(OUT / "report-form-phone.png"))
    browser.close()
    browser, page = _login(p, "head")
    page.goto("/xu-ly/")
    page.locator("details.queue-map summary").click()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(OUT / "report-queue.png"))
    page.locator("td.code a").first.click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / "report.png"), full_page=True)
    browser.close()


def one_stop(p) -> None:
    """The one-stop desk, a dossier, the catalog, the kiosk and the leaders' figures (demo data)."""
    browser, page = _login(p, "officer")
    page.goto("/thu-tuc/?q=dat")
    page.screenshot(path=str(OUT / "procedures.png"))
    page.goto("/mot-cua/")
    page.fill("#desk-q", "HT-01")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.screenshot(path=str(OUT / "desk.png"))
    page.goto("/mot-cua/ho-so/")
    page.screenshot(path=str(OUT / "dossier-queue.png"))
    page.locator("a[href^='/mot-cua/ho-so/HS-']").first.click()
    page.wait_for_load_state()
    page.screenshot(path=str(OUT / "dossier.png"), full_page=True)
    page.goto("/danh-gia/giao-dich/")
    browser.close()
    browser, page = _login(p, "leader")
    page.goto("/mot-cua/chien-dich/")
    page.locator("a[href^='/mot-cua/chien-dich/']").filter(has_text="Tháng").first.click()
    page.wait_for_load_state()
    page.screenshot(path=str(OUT / "campaign.png"), full_page=True)
    page.goto("/danh-gia/thong-ke/?group=channel&from=2019-01")
    page.screenshot(path=str(OUT / "ratings.png"))
    page.goto("/chi-tieu-ktxh/?period=2026-03")
    page.screenshot(path=str(OUT / "indicators.png"))
    page.goto("/chi-tieu-ktxh/nhom/TM/?period=2026-03")
    page.screenshot(path=str(OUT / "indicator-group.png"))
    browser.close()


def operations_center(p) -> None:
    """The leader's operations center, then the queue it drills down to (the busiest category)."""
    browser, page = _login(p, "leader")
    page.goto("/dieu-hanh/")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / "ioc-overview.png"))
    page.locator("main a[href^='/xu-ly/?'][href*='category=']").first.click()
    page.wait_for_load_state()
    page.screenshot(path=str(OUT / "ioc-drilldown.png"))
    browser.close()


if __name__ == "__main__":
    main()
