"""The 1022 pages in a real browser: a citizen reports with the keyboard only (address, no map click), an
operator enters a phone call, an officer resolves a report. Nothing is fetched from another host."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from django.utils import translation
from django.utils.translation import gettext

from citydesk.reports.models import Report, Status
from citydesk.reports.services import report_submit, report_transition
from tests.browser.helpers import expect, focused, log_in
from tests.reports.conftest import (
    BEN_THANH,
    categories,  # noqa: F401  (the fixture from tests/reports, used below)
)

if TYPE_CHECKING:
    from .conftest import Traffic

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("categories"),
]


def tab_to(page: Any, selector: str, limit: int = 60) -> None:
    """Press Tab until the element has the focus: proves it is reachable with the keyboard, in order."""
    for _ in range(limit):
        if focused(page, selector, within_ms=0):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} was not reached with the Tab key")


def choose_with_arrows(page: Any, selector: str, value: str, limit: int = 400) -> None:
    """Change the focused select with the arrow keys until it shows `value`."""
    assert focused(page, selector)
    for _ in range(limit):
        if page.input_value(selector) == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{value} not reachable in {selector}")


def status_label(status: str) -> str:
    with translation.override("vi"):
        return gettext(Status(status).label)


def test_citizen_reports_with_the_keyboard_and_follows_it(
    page: Any, traffic: Traffic, screenshot_dir: Path, personas: Any
) -> None:
    page.goto("/phan-anh/moi/")
    page.wait_for_load_state("networkidle")
    # The ward is a text field with suggestions (not a select: its type-ahead is accent-sensitive).
    expect(page.locator("#id_ward")).to_be_visible()
    assert page.locator("#id_ward").get_attribute("list") == "ward-list"

    tab_to(page, "#id_category")
    choose_with_arrows(page, "#id_category", "road_damage")
    # Only the chosen category's questions are shown.
    expect(page.locator("#id_a_road_damage__depth_cm")).to_be_visible()
    page.keyboard.press("Tab")
    assert focused(page, "#id_a_road_damage__depth_cm")
    page.keyboard.type("12")
    tab_to(page, "#id_description")
    page.keyboard.type("Ổ gà lớn giữa đường Lê Lợi, xe máy dễ ngã <b>nguy hiểm</b>")

    # Skip the map: the link jumps to the address fieldset, the next Tab is the street address.
    tab_to(page, "a.skip-link")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page, "#id_address"), "after skipping the map, Tab goes to the address"
    page.keyboard.type("12 Lê Lợi")
    tab_to(page, "#id_province")
    assert page.input_value("#id_province") == "79"
    page.keyboard.press("Tab")
    assert focused(page, "#id_ward")
    page.keyboard.type("ben thanh")  # without accents, as people type

    tab_to(page, "#id_contact_name")
    page.keyboard.type("Nguyễn Văn Dân")
    page.keyboard.press("Tab")
    page.keyboard.type("0901 234 567")
    page.keyboard.press("Tab")
    page.keyboard.type("dan@example.vn")
    tab_to(page, "#id_show_name_publicly")
    assert not page.is_checked("#id_show_name_publicly"), "the name is not shown publicly by default"
    page.screenshot(path=str(screenshot_dir / "reports-form.png"), full_page=True)

    tab_to(page, "#submit-report")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path.startswith("/phan-anh/da-gui/")
    code = page.get_by_test_id("report-code").inner_text().strip()
    report = Report.objects.get(code=code)
    assert report.lon is None and report.ward_id == "26743" and report.address == "12 Lê Lợi"
    assert report.answers == {"depth_cm": 12.0} and report.contact_phone == "0901234567"
    assert report.unit == personas.ward
    page.screenshot(path=str(screenshot_dir / "reports-sent.png"), full_page=True)

    tab_to(page, "[data-testid=track-link]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == f"/tra-cuu/{code}/"
    assert f"t={report.citizen_token}" in page.url
    expect(page.get_by_test_id("status")).to_have_text(status_label("received"))
    expect(page.get_by_test_id("description")).to_contain_text("<b>nguy hiểm</b>")  # shown as text
    # The reporter (with their token) sees their own contact details; the public page does not.
    expect(page.get_by_test_id("my-contact-phone")).to_have_text("0901234567")
    expect(page.get_by_test_id("my-contact-email")).to_have_text("dan@example.vn")
    page.screenshot(path=str(screenshot_dir / "reports-track.png"), full_page=True)
    page.context.clear_cookies()
    page.goto(f"/tra-cuu/{code}/")
    content = page.content()
    assert "0901234567" not in content and "dan@example.vn" not in content
    assert page.get_by_test_id("my-contact").count() == 0
    assert traffic.problems() == [], traffic.problems()


def test_operator_enters_a_phone_call(
    page: Any, traffic: Traffic, screenshot_dir: Path, personas: Any
) -> None:
    log_in(page, "operator", "pw-operator")
    page.goto("/tong-dai/")
    expect(page.locator("#id_contact_phone")).to_be_focused()  # autofocus: applied after `load`
    page.keyboard.type("0912 345 678")
    page.keyboard.press("Tab")
    page.keyboard.type("Bà Tư")
    page.keyboard.press("Tab")
    choose_with_arrows(page, "#id_category", "road_damage")
    page.keyboard.press("Tab")
    page.keyboard.type("Ổ gà trước số 5 Lê Thánh Tôn")
    page.keyboard.press("Tab")
    assert focused(page, "#id_province")
    page.keyboard.press("Tab")
    assert focused(page, "#id_ward")
    page.keyboard.type("ben thanh")
    page.keyboard.press("Tab")
    page.keyboard.type("5 Lê Thánh Tôn")
    page.keyboard.press("Tab")
    page.keyboard.type("Tổ dân phố 3")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    code_box = page.get_by_test_id("hotline-code")
    expect(code_box).to_be_visible()
    code = code_box.inner_text().strip()
    report = Report.objects.get(code=code)
    assert report.channel == "hotline" and report.entered_by == personas.operator
    assert report.contact_phone == "0912345678" and report.unit == personas.ward
    page.screenshot(path=str(screenshot_dir / "reports-hotline.png"), full_page=True)

    page.locator("#next-call").click()
    expect(page.get_by_test_id("hotline-code")).to_have_count(0)
    assert focused(page, "#id_contact_phone"), "next call: the phone field has the focus again"
    assert page.input_value("#id_description") == ""
    assert traffic.problems() == [], traffic.problems()


def test_officer_resolves_a_report_from_the_queue(
    page: Any, traffic: Traffic, screenshot_dir: Path, personas: Any
) -> None:
    report = report_submit(
        category="road_damage",
        description="Ổ gà sâu trước chợ Bến Thành",
        channel="web",
        lon=BEN_THANH[0],
        lat=BEN_THANH[1],
        contact_phone="0901234567",
    ).report
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    log_in(page, "officer", "pw-officer")
    page.locator("header nav a[href='/xu-ly/']").click()
    page.wait_for_load_state("networkidle")
    row = page.locator(f"[data-testid=queue-row][data-code='{report.code}']")
    expect(row).to_be_visible()
    page.locator("details.queue-map summary").click()  # the page's reports on a map, drawn when opened
    expect(page.locator("#queue-map .leaflet-interactive").first).to_be_attached()
    page.screenshot(path=str(screenshot_dir / "reports-queue.png"), full_page=True)

    with page.expect_navigation():
        row.locator("td.code a").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("contact-phone")).to_contain_text("0901234567")
    expect(page.locator("#report-map .leaflet-interactive").first).to_be_attached()
    page.fill("#resolve-resolution", "Đã vá ổ gà bằng bê tông nhựa.")
    with page.expect_navigation():
        page.locator("button[data-action=resolve]").click()
    expect(page.get_by_test_id("status")).to_have_text(status_label("resolved"))
    page.screenshot(path=str(screenshot_dir / "reports-officer.png"), full_page=True)
    report.refresh_from_db()
    assert report.status == "resolved" and report.resolution.startswith("Đã vá")
    assert traffic.problems() == [], traffic.problems()


def test_the_ward_suggestions_start_with_the_proper_names_in_the_pages_language(
    page: Any, traffic: Traffic, personas: Any
) -> None:
    """The ward suggestions show the proper name first ("Sài Gòn (phường)", QA R7), with the division word
    in the page's language ("Sài Gòn (ward)", QA-A11Y-2 E2), also when the script refills them for another
    province."""
    from tests.conftest import make_unit

    hanoi = make_unit("01", "Thành phố Hà Nội")
    make_unit("00070", "Phường Hoàn Kiếm", hanoi, 105.85, 21.03)
    values = "() => Array.from(document.querySelectorAll('#ward-list option')).map(o => o.value)"
    page.goto("/phan-anh/moi/")
    assert page.evaluate(values) == ["Bến Thành (phường)", "Sài Gòn (phường)"]
    with page.expect_navigation():
        page.locator("header form.lang button[value=en]").click()
    assert page.evaluate(values) == ["Bến Thành (ward)", "Sài Gòn (ward)"]
    page.locator("#id_province").select_option("01")
    page.wait_for_function("() => document.querySelector('#ward-list option').value.startsWith('Hoàn')")
    assert page.evaluate(values) == ["Hoàn Kiếm (ward)"]
    page.locator("#id_province").select_option("79")
    page.wait_for_function("() => document.querySelectorAll('#ward-list option').length === 2")
    assert page.evaluate(values) == ["Bến Thành (ward)", "Sài Gòn (ward)"]
    assert traffic.problems() == [], traffic.problems()


def test_operator_records_a_callers_answer(
    page: Any, traffic: Traffic, screenshot_dir: Path, personas: Any
) -> None:
    """A phone-only reporter calls 1022 back with their code (QA R2): the operator opens the report and
    records the answer with the keyboard; the clock runs again."""
    from citydesk.reports.services import report_pause

    report = report_submit(
        category="road_damage",
        description="Ổ gà trước số 5 Lê Thánh Tôn",
        channel="hotline",
        entered_by=personas.operator,
        ward_code="26743",
        contact_phone="0912345678",
        contact_name="Bà Tư",
    ).report
    report_pause(user=personas.officer, code=report.code, note="Bà vui lòng cho biết số nhà gần nhất.")
    log_in(page, "operator", "pw-operator")
    page.goto("/tong-dai/")
    page.locator("#id_lookup_code").focus()
    page.keyboard.type(report.code.lower())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == f"/tong-dai/phan-anh/{report.code}/"
    expect(page.get_by_test_id("information-asked")).to_have_text("Bà vui lòng cho biết số nhà gần nhất.")
    tab_to(page, "#id_answer_text")
    page.keyboard.type("Gần nhà số 5, cạnh tiệm tạp hóa.")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("not-waiting")).to_be_visible()
    # The outcome is said (QA-A11Y-2 H1): the success message has the focus, the title starts with it.
    expect(page.locator(".messages .msg-success")).to_be_focused()  # the recorded answer's message
    with translation.override("vi"):
        assert page.title().startswith(gettext("Answer recorded") + " · " + report.code)
    page.screenshot(path=str(screenshot_dir / "reports-hotline-answer.png"), full_page=True)
    report.refresh_from_db()
    assert report.paused_at is None
    reply = report.events.get(kind="reply")
    assert reply.actor_id == personas.operator.pk and reply.on_behalf_of == "Bà Tư"
    assert traffic.problems() == [], traffic.problems()


def test_a_us_english_browser_types_the_queue_dates_day_first(
    chromium: Any, live_server: Any, personas: Any
) -> None:
    """A native date field would write mm/dd/yyyy in this browser; ours say and take dd/mm/yyyy."""
    from datetime import datetime

    from django.utils import timezone

    def at(month: int, day: int) -> Any:
        return timezone.make_aware(datetime(2026, month, day, 10))

    common = {"category": "road_damage", "channel": "web", "lon": BEN_THANH[0], "lat": BEN_THANH[1]}
    march = report_submit(description="Ổ gà tháng ba", when=at(3, 4), **common).report
    april = report_submit(description="Ổ gà tháng tư", when=at(4, 3), **common).report
    context = chromium.new_context(base_url=live_server.url, locale="en-US", timezone_id="Asia/Ho_Chi_Minh")
    try:
        page = context.new_page()
        log_in(page, "officer", "pw-officer")
        page.goto("/xu-ly/?status=all")
        start = page.locator("#f-from")
        expect(start).to_have_attribute("placeholder", "dd/mm/yyyy")
        start.fill("04/03/2026")
        page.locator("#f-to").fill("04/03/2026")
        with page.expect_navigation():
            page.locator("#f-to").press("Enter")
        expect(page.locator(f"[data-testid=queue-row][data-code='{march.code}']")).to_be_visible()
        expect(page.locator(f"[data-testid=queue-row][data-code='{april.code}']")).to_have_count(0)
        expect(page.locator("#f-from")).to_have_value("04/03/2026")
    finally:
        context.close()


def test_the_file_fields_speak_the_pages_language(page: Any, tmp_path: Path) -> None:
    """The browser would label its file field in its own language (this Chromium's is English): the
    field shows a button and the chosen files' names in the page's, and stays the field the keyboard
    reaches and files are given to."""
    from PIL import Image

    photo = tmp_path / "o-ga.png"
    Image.new("RGB", (40, 30), (200, 80, 60)).save(photo)
    page.goto("/phan-anh/moi/")
    face = page.locator("#id_photos + .file-face")
    with translation.override("vi"):
        choose, none = gettext("Choose files…"), gettext("No file chosen")
    assert choose != "Choose files…"  # the page is in Vietnamese
    expect(face.locator(".button")).to_have_text(choose)
    expect(face.locator(".file-names")).to_have_text(none)
    page.locator("#id_photos").focus()
    assert page.evaluate("document.activeElement.id") == "id_photos"
    page.set_input_files("#id_photos", str(photo))
    expect(face.locator(".file-names")).to_have_text("o-ga.png")


def test_a_place_given_without_the_map_is_checked_for_duplicates_too(page: Any, personas: Any) -> None:
    earlier = report_submit(
        category="road_damage",
        description="Ổ gà sâu trước cổng chợ Bến Thành",
        channel="hotline",
        ward_code="26743",
        address="Cổng Nam chợ Bến Thành",
    ).report
    page.goto("/phan-anh/moi/")
    page.wait_for_load_state("networkidle")
    page.select_option("#id_category", "road_damage")
    page.fill("#id_description", "Ổ gà trước cổng chợ Bến Thành rất sâu")
    page.fill("#id_address", "Cổng Nam chợ Bến Thành")
    page.fill("#id_ward", "ben thanh")
    page.fill("#id_contact_email", "dan@example.vn")
    page.click("#submit-report")
    box = page.locator("#duplicates")
    expect(box.locator(f'[data-follow="{earlier.code}"]')).to_be_visible()
    expect(box).to_contain_text("Cùng xã/phường")
    assert urlsplit(page.url).path == "/phan-anh/moi/"  # nothing sent yet: the citizen chooses
    assert Report.objects.count() == 1


def test_a_citizen_on_a_phone_puts_the_point_where_they_stand(page: Any, personas: Any) -> None:
    """Without a street map (the default), a phone's position is the practical way to place the point;
    refused by the browser, the page says what to do instead."""
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 10.7714, "longitude": 106.6946})
    page.goto("/phan-anh/moi/")
    button = page.get_by_test_id("use-my-location")
    expect(button).to_be_visible()
    button.click()
    expect(page.locator("#point-status")).to_contain_text("10.7714")
    assert page.locator("#id_lat").input_value() == "10.7714"
    assert page.locator("#id_lon").input_value() == "106.6946"
    expect(page.locator("#clear-point")).to_be_visible()
    # A browser that was not allowed to tell its position.
    denied = page.context.browser.new_context(base_url=page.url.split("/phan-anh/")[0], locale="vi-VN")
    try:
        other = denied.new_page()
        other.goto("/phan-anh/moi/")
        other.get_by_test_id("use-my-location").click()
        expect(other.locator("#point-status")).to_contain_text("bản đồ")  # "…chọn … trên bản đồ…"
        assert other.locator("#id_lat").input_value() == ""
    finally:
        denied.close()
