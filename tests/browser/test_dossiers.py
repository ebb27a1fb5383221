"""The one-stop pages in a real browser: an officer receives a dossier at the desk with the keyboard and
opens its receipt (a PDF); a citizen looks the dossier up by its code. Nothing is fetched from another host."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from citydesk.dossiers.models import Dossier
from tests.browser.helpers import expect, focused, log_in
from tests.dossiers.conftest import catalog, receive  # noqa: F401  (the fixtures, used below)

if TYPE_CHECKING:
    from .conftest import Traffic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_receives_a_dossier_and_a_citizen_looks_it_up(
    page: Any,
    traffic: Traffic,
    screenshot_dir: Path,
    personas: Any,
    catalog: Any,  # noqa: F811
    chromium: Any,
    live_server: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    log_in(page, "officer", "pw-officer")
    page.goto("/mot-cua/")
    # The procedure search has the focus (autofocus, applied after `load`): typed without accents, Enter
    # finds the only match.
    expect(page.locator("#desk-q")).to_be_focused()
    page.keyboard.type("dang ky khai sinh")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("procedure")).to_contain_text("HT-01")
    # The checklist's first paper (the required form) has the focus: the space bar ticks it.
    required = catalog.birth.documents.get(required=True)
    expect(page.locator(f"#doc-{required.pk}")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator(f"#doc-{required.pk}")).to_be_checked()
    page.fill("#id_applicant_name", "Nguyễn Văn An")
    page.fill("#id_applicant_phone", "0903123456")
    page.fill("#id_applicant_address", "12 Lê Lợi, Phường Bến Thành")
    page.screenshot(path=str(screenshot_dir / "dossiers-desk.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_test_id("receive").click()

    code = page.get_by_test_id("dossier-code").inner_text().strip()
    dossier = Dossier.objects.get(code=code)
    assert dossier.applicant_name == "Nguyễn Văn An" and dossier.received_by_id == personas.officer.pk
    page.screenshot(path=str(screenshot_dir / "dossiers-received.png"), full_page=True)
    # “Print the receipt” opens the PDF in a new tab.
    link = page.get_by_test_id("receipt-link")
    assert link.get_attribute("href") == f"/mot-cua/ho-so/{code}/bien-nhan.pdf"
    with page.context.expect_event(
        "response", lambda r: r.url.endswith(f"/mot-cua/ho-so/{code}/bien-nhan.pdf")
    ) as caught:
        link.click()
    response = caught.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    # (Chromium hands the tab's body to its PDF viewer: read the bytes with the same session.)
    fetched = page.request.get(f"/mot-cua/ho-so/{code}/bien-nhan.pdf")
    assert fetched.headers["content-type"] == "application/pdf" and fetched.body()[:5] == b"%PDF-"
    # The dossier is first in the officer's queue; its page shows the applicant and the step's action.
    page.goto("/mot-cua/ho-so/")
    expect(page.locator(f"tr[data-code='{code}']")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "dossiers-queue.png"), full_page=True)
    with page.expect_navigation():
        page.locator(f"tr[data-code='{code}'] a").click()
    expect(page.get_by_test_id("applicant-name")).to_have_text("Nguyễn Văn An")
    expect(page.locator("button[data-action='forward']")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "dossiers-officer.png"), full_page=True)
    assert traffic.problems() == [], traffic.problems()

    # A citizen, in another browser, looks the dossier up by its code (typed in small letters).
    context = chromium.new_context(base_url=live_server.url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    try:
        citizen = context.new_page()
        citizen.goto("/ho-so/tra-cuu/")
        assert focused(citizen, "#id_code")
        citizen.keyboard.type(code.lower())
        with citizen.expect_navigation():
            citizen.keyboard.press("Enter")
        assert citizen.url.endswith(f"/ho-so/tra-cuu/{code}/")
        expect(citizen.get_by_test_id("status")).to_have_attribute("data-status", "received")
        expect(citizen.get_by_test_id("procedure")).to_have_text(catalog.birth.name)
        assert "Nguyễn V. A." not in citizen.content()  # the summary only after the phone check
        citizen.fill("#id_phone", "3456")
        with citizen.expect_navigation():
            citizen.keyboard.press("Enter")
        expect(citizen.get_by_test_id("applicant-name")).to_have_text("Nguyễn V. A.")
        assert "Nguyễn Văn An" not in citizen.content()  # the details open with the receipt's link
        citizen.screenshot(path=str(screenshot_dir / "dossiers-lookup.png"), full_page=True)
    finally:
        context.close()


# --- Withdrawing and refusing ask for a confirmation; the error summary takes the focus (QA-A11Y D1, D2) ---


def _not_the_refusal(traffic: Traffic, path: str) -> list[str]:
    """What the page fetched and complained about, but the form's own refusal (400, by design)."""
    return [p for p in traffic.problems() if not (p.startswith("failed response: 400 ") and path in p)]


def _confirm_from_the_summary(page: Any, box: str, button: str) -> None:
    """From the focused error summary, with the keyboard only: its link leads to the box, Space ticks it,
    Tab reaches the form's button, Enter sends it."""
    page.keyboard.press("Tab")
    assert focused(page, "#error-summary a")
    page.keyboard.press("Enter")
    assert focused(page, box)
    page.keyboard.press("Space")
    expect(page.locator(box)).to_be_checked()
    page.keyboard.press("Tab")
    assert focused(page, button)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_applicant_confirms_a_withdrawal_with_the_keyboard(
    page: Any,
    traffic: Traffic,
    screenshot_dir: Path,
    personas: Any,
    catalog: Any,  # noqa: F811
    receive: Any,  # noqa: F811
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    dossier = receive()
    page.goto(f"/ho-so/tra-cuu/{dossier.code}/?t={dossier.citizen_token}")
    expect(page.locator("#withdraw-confirm")).not_to_be_checked()
    # The audit's path: the withdraw button focused, Enter. Now nothing is withdrawn without the box.
    page.focus("#form-withdraw button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "received")
    assert Dossier.objects.get(pk=dossier.pk).status == "received"
    expect(page.locator("#error-summary")).to_be_focused()  # announced and read first
    expect(page.locator("#withdraw-confirm")).to_have_attribute("aria-invalid", "true")
    said = page.locator("#err-withdraw-confirm").inner_text().strip()
    expect(page.locator("#withdraw-confirm")).to_have_accessible_description(re.compile(re.escape(said)))
    page.screenshot(path=str(screenshot_dir / "dossiers-withdraw-confirm.png"), full_page=True)
    _confirm_from_the_summary(page, "#withdraw-confirm", "#form-withdraw button[type=submit]")
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "withdrawn")
    assert Dossier.objects.get(pk=dossier.pk).status == "withdrawn"
    assert _not_the_refusal(traffic, "/rut/") == [], traffic.problems()


def test_the_officer_confirms_a_refusal_with_the_keyboard(
    page: Any,
    traffic: Traffic,
    personas: Any,
    catalog: Any,  # noqa: F811
    receive: Any,  # noqa: F811
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    dossier = receive()
    log_in(page, "officer", "pw-officer")
    page.goto(f"/mot-cua/ho-so/{dossier.code}/")
    page.fill("#refuse-note", "Không thuộc thẩm quyền")
    page.focus("button[data-action='refuse']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Dossier.objects.get(pk=dossier.pk).status == "received"
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#refuse-note")).to_have_value("Không thuộc thẩm quyền")
    _confirm_from_the_summary(page, "#refuse-confirm", "button[data-action='refuse']")
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "refused")
    assert Dossier.objects.get(pk=dossier.pk).refusal_reason == "Không thuộc thẩm quyền"
    assert _not_the_refusal(traffic, "/thao-tac/") == [], traffic.problems()


def test_the_officer_pages_error_summary_takes_the_focus_and_leads_to_the_field(
    page: Any,
    personas: Any,
    catalog: Any,  # noqa: F811
    receive: Any,  # noqa: F811
) -> None:
    dossier = receive()
    log_in(page, "officer", "pw-officer")
    page.goto(f"/mot-cua/ho-so/{dossier.code}/")
    page.focus("button[data-action='request_supplement']")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # nothing asked for: refused
    expect(page.locator("#error-summary")).to_be_focused()
    page.keyboard.press("Tab")
    assert focused(page, "#error-summary a")
    page.keyboard.press("Enter")
    assert focused(page, "#request_supplement-note")
