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

    from tests.ratings.kiosks import pair_kiosk

    pair_kiosk(KIOSK, personas.ward)  # registered by the head (with a tablet since lost), as in the demo
    # Not paired here: the tablet shows how to pair it, nothing of the desk.
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


# --- Accessibility audit part 2, K1 and K2 -------------------------------------------------------------

# The focused element: which screen's heading it is, or the test id of the control.
FOCUSED_JS = """() => { const e = document.activeElement;
  if (!e || e === document.body) return null;
  if (e.matches('main h1')) return 'h1 ' + e.closest('main').dataset.testid;
  return e.dataset.testid || e.id || e.tagName; }"""
# WCAG contrast in the page, of computed colours.
RATIO_JS = """
const parse = (c) => c.match(/rgba?\\(([^)]+)\\)/)[1].split(',').slice(0, 3).map(parseFloat);
const lum = (c) => { const [r, g, b] = c.map(v => { v /= 255;
  return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const ratio = (a, b) => { const [x, y] = [lum(parse(a)), lum(parse(b))].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05); };
const page = getComputedStyle(document.body).backgroundColor;
"""
# The focused level button's ring: the outline (outer tone) against the page, the box-shadow ring that
# fills the outline's offset (inner tone) against the button, and the two tones against each other.
RING_JS = (
    "() => {"
    + RATIO_JS
    + """
  const e = document.activeElement, s = getComputedStyle(e);
  const shadow = s.boxShadow.match(/^(rgba?\\([^)]+\\)) 0px 0px 0px (\\d+)px/);
  if (s.outlineStyle === 'none' || !shadow) return [e.dataset.testid, s.outlineColor, s.boxShadow];
  return [e.dataset.testid, ratio(s.outlineColor, page), ratio(shadow[1], s.backgroundColor),
    ratio(s.outlineColor, shadow[1]), parseFloat(shadow[2]) >= parseFloat(s.outlineOffset)];
}"""
)
CODE_JS = (
    "() => {" + RATIO_JS + "return ratio(getComputedStyle(document.querySelector('p.code')).color, page); }"
)
LAST_IN_READING_ORDER_JS = """() => { const main = document.querySelector('main');
  const button = document.getElementById('kiosk-fullscreen');
  return !!(main.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING); }"""


def test_each_kiosk_screen_has_its_title_and_focuses_its_heading_and_its_ring_and_code_contrast(
    tablet: Any, live_server: Any, personas, monkeypatch
):
    """K1: the screens come with a reload; each says which screen it is (its title) and its heading takes
    the focus, also when a transaction arrives by itself. The thank-you stays (10 s by default) but a
    transaction opened meanwhile shows at once. K2: the level buttons' ring is 3:1 on the page and on the
    button in both tones, the transaction code 4.5:1."""
    from django.utils import translation
    from django.utils.translation import gettext

    from citydesk.ratings.services import desk_transaction_open
    from tests.browser.conftest import Traffic as TrafficWatch
    from tests.ratings.kiosks import pair_kiosk, playwright_kiosk_cookie

    monkeypatch.setattr("citydesk.ratings.kiosk_views.KIOSK_POLL_SECONDS", 1)
    monkeypatch.setattr("citydesk.ratings.kiosk_views.THANKS_SECONDS", 60)
    procedure = Procedure.objects.create(
        code="1.001193", name="Đăng ký khai sinh", field="Hộ tịch", authority="ward", processing_time=1
    )
    with translation.override("vi"):
        welcome, thanks = gettext("Welcome"), gettext("Thank you")
        rate = gettext("Please rate our service – %(unit)s") % {"unit": personas.ward.name}
    secret = pair_kiosk(KIOSK, personas.ward)
    tablet.context.add_cookies([playwright_kiosk_cookie(live_server.url, KIOSK, secret)])
    watch = TrafficWatch(origin=live_server.url.rstrip("/"))
    tablet.on("console", watch.on_console)
    tablet.on("pageerror", watch.on_page_error)

    def screen_shown(testid: str, title: str) -> None:
        expect(tablet.get_by_test_id(testid)).to_be_visible(timeout=10_000)
        expect(tablet).to_have_title(f"{title} · CityDesk")
        tablet.wait_for_function(f"() => ({FOCUSED_JS})() === 'h1 {testid}'")
        assert tablet.evaluate(LAST_IN_READING_ORDER_JS), testid

    tablet.goto(f"/danh-gia/quay/{KIOSK}/")
    screen_shown("kiosk-waiting", welcome)

    # A transaction arrives: the kiosk reloads by itself, and says so.
    desk_transaction_open(user=personas.officer, unit=personas.ward, procedure=procedure, kiosk=KIOSK)
    screen_shown("kiosk-rate", rate)
    assert tablet.evaluate(CODE_JS) >= 4.5

    # The keyboard (or a switch) from the heading: the comment, then the three levels, each ringed.
    tablet.keyboard.press("Tab")
    assert tablet.evaluate(FOCUSED_JS) == "kiosk-comment"
    for level in ("satisfied", "normal", "unsatisfied"):
        tablet.keyboard.press("Tab")
        ring = tablet.evaluate(RING_JS)
        assert len(ring) == 5 and ring[0] == f"level-{level}", ring
        _, on_page, on_button, between, no_gap = ring
        assert min(on_page, on_button, between) >= 3 and no_gap, ring

    tablet.get_by_test_id("level-satisfied").tap()
    screen_shown("kiosk-thanks", thanks)

    # The next citizen's transaction, opened during the thank-you, shows at once (not after 60 s).
    desk_transaction_open(user=personas.officer, unit=personas.ward, procedure=procedure, kiosk=KIOSK)
    screen_shown("kiosk-rate", rate)
    assert Rating.objects.count() == 1
    assert not watch.problems(), watch.problems()
