"""The desk kiosk in a real browser on a touch tablet: unpaired it shows nothing but how to pair it; the
officer signs in on it and pairs it (and is signed out there); it then waits, picks up the transaction the
officer opens on their own computer (without a reload by hand), offers three buttons at least 96 px tall,
records one rating on a tap, thanks the citizen and goes back to waiting. Nothing is fetched from another
host, no CSP violation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from citydesk.dossiers.models import Procedure
from citydesk.ratings.models import Rating, RatingMonth
from tests.browser.helpers import log_in
from tests.browser.test_reports import expect

if TYPE_CHECKING:
    from .conftest import Traffic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KIOSK = "BT-QUAY-1"


@pytest.fixture
def tablet(chromium: Any, live_server: Any) -> Any:
    """A touch tablet in landscape, as the desks have."""
    from tests.browser.conftest import TIMEOUT_MS

    context = chromium.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport={"width": 1024, "height": 768},
        has_touch=True,
        is_mobile=False,
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def test_kiosk_records_one_rating_with_touch_sized_buttons(
    page: Any, tablet: Any, traffic: Traffic, personas, monkeypatch, screenshot_dir
):
    from tests.browser.conftest import Traffic as TrafficWatch

    monkeypatch.setattr("citydesk.ratings.kiosk_views.KIOSK_POLL_SECONDS", 1)
    monkeypatch.setattr("citydesk.ratings.kiosk_views.THANKS_SECONDS", 2)
    Procedure.objects.create(
        code="1.001193", name="Đăng ký khai sinh", field="Hộ tịch", authority="ward", processing_time=1
    )

    # Not paired yet: the tablet shows how to pair it, nothing of the desk.
    unpaired = tablet.goto(f"/danh-gia/quay/{KIOSK}/")
    assert unpaired is not None and unpaired.status == 403
    expect(tablet.get_by_test_id("kiosk-unpaired")).to_be_visible()

    kiosk_traffic = TrafficWatch(origin=traffic.origin)  # the tablet's own watch: same rules
    tablet.on("request", kiosk_traffic.on_request)
    tablet.on("response", kiosk_traffic.on_response)
    tablet.on("console", kiosk_traffic.on_console)
    tablet.on("pageerror", kiosk_traffic.on_page_error)

    # The officer signs in on the tablet through the pairing link, and pairs it.
    with tablet.expect_navigation():
        tablet.get_by_test_id("kiosk-pair-link").click()
    tablet.fill("#id_username", "officer")
    tablet.fill("#id_password", "pw-officer")
    with tablet.expect_navigation():
        tablet.locator("main form button[type=submit]").click()
    expect(tablet.get_by_test_id("pair-form")).to_be_visible()
    tablet.fill("#id_label", "Quầy 1 – Hộ tịch")
    with tablet.expect_navigation():
        tablet.get_by_test_id("pair-submit").click()
    expect(tablet.get_by_test_id("kiosk-waiting")).to_be_visible()
    cookies = {c["name"]: c for c in tablet.context.cookies()}
    device = cookies["citydesk_kiosk"]
    assert (
        device["httpOnly"] and device["sameSite"] == "Strict" and device["path"] == f"/danh-gia/quay/{KIOSK}/"
    )
    assert "sessionid" not in cookies  # the officer is signed out on the tablet

    # The officer opens a transaction for this kiosk on their own computer.
    log_in(page, "officer", "pw-officer")
    page.goto("/danh-gia/giao-dich/")
    page.select_option("#id_kiosk", KIOSK)
    page.fill("#id_procedure", "1.001193")
    with page.expect_navigation():
        page.get_by_test_id("desk-open").click()
    expect(page.get_by_test_id("desk-recent").locator("tbody tr")).to_have_count(1)

    # The tablet notices by itself and asks for a rating, with big touch targets.
    expect(tablet.get_by_test_id("kiosk-rate")).to_be_visible(timeout=10_000)
    expect(tablet.get_by_test_id("kiosk-officer")).to_contain_text("Trần Văn Minh")
    for level in ("satisfied", "normal", "unsatisfied"):
        box = tablet.get_by_test_id(f"level-{level}").bounding_box()
        assert box is not None and box["height"] >= 96 and box["width"] >= 96, (level, box)
    tablet.screenshot(path=str(screenshot_dir / "ratings-kiosk.png"))

    tablet.get_by_test_id("level-satisfied").tap()
    expect(tablet.get_by_test_id("kiosk-thanks")).to_be_visible()
    rating = Rating.objects.get()
    assert (rating.channel, rating.level, rating.device) == ("kiosk", "satisfied", KIOSK)
    assert rating.officer == personas.officer and rating.transaction.kiosk == KIOSK
    assert list(RatingMonth.objects.values_list("satisfied", "normal", "unsatisfied")) == [(1, 0, 0)]

    # Back to waiting by itself; the transaction cannot be rated again.
    expect(tablet.get_by_test_id("kiosk-waiting")).to_be_visible(timeout=10_000)
    assert Rating.objects.count() == 1
    assert not traffic.problems(), traffic.problems()
    assert not kiosk_traffic.problems(), kiosk_traffic.problems()


def test_a_tablet_paired_again_elsewhere_shows_that_it_is_no_longer_paired(
    tablet: Any, live_server: Any, personas, monkeypatch
):
    """Pairing another tablet as the same kiosk: the old one notices at its next poll and says so."""
    from tests.ratings.kiosks import pair_kiosk, playwright_kiosk_cookie

    monkeypatch.setattr("citydesk.ratings.kiosk_views.KIOSK_POLL_SECONDS", 1)
    secret = pair_kiosk(KIOSK, personas.ward)
    tablet.context.add_cookies([playwright_kiosk_cookie(live_server.url, KIOSK, secret)])
    tablet.goto(f"/danh-gia/quay/{KIOSK}/")
    expect(tablet.get_by_test_id("kiosk-waiting")).to_be_visible()
    pair_kiosk(KIOSK, personas.ward)  # another tablet takes the desk
    expect(tablet.get_by_test_id("kiosk-unpaired")).to_be_visible(timeout=10_000)
