"""Review fixes (A) in a real browser: a field's old error goes once the citizen changes that field, and
the question "which ward is right?" is answered and sent through the page's script."""

# ruff: noqa: F811  (the browser fixtures imported below are the tests' arguments)

from __future__ import annotations

from typing import Any

import pytest

from citydesk.reports.models import Report
from tests.browser.conftest import chromium, page, traffic  # noqa: F401  (the browser fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_a_fields_error_goes_when_the_field_is_changed(page: Any, traffic: Any, personas, categories) -> None:
    page.goto("/phan-anh/moi/")
    page.wait_for_load_state("networkidle")
    page.fill("#id_address", "5 Nguyễn Du")
    page.fill("#id_ward", "Bến Thành")
    with page.expect_navigation():
        page.click("#submit-report")  # no category, no description: refused by the server
    expect(page.locator("#err-category")).to_be_visible()
    expect(page.locator("#err-description")).to_be_visible()
    assert page.locator("#id_category").get_attribute("aria-invalid") == "true"
    summary = page.locator("#error-summary li")
    assert summary.count() == 2

    page.select_option("#id_category", "road_damage")
    expect(page.locator("#err-category")).to_have_count(0)
    assert page.locator("#id_category").get_attribute("aria-invalid") is None
    expect(summary).to_have_count(1)  # the description's line stays
    expect(page.locator("#err-description")).to_be_visible()

    page.fill("#id_description", "Ổ gà sâu")
    expect(page.locator("#err-description")).to_have_count(0)
    expect(page.locator("#error-summary")).to_have_count(0)  # its last line gone: the list goes
    # Nothing from another host, no script error, no CSP refusal (the refused sends are 400 pages).
    assert traffic.foreign == [] and traffic.errors == []


def test_the_ward_question_is_answered_through_the_script(
    page: Any, traffic: Any, personas, categories
) -> None:
    page.goto("/phan-anh/moi/")
    page.wait_for_load_state("networkidle")
    page.select_option("#id_category", "road_damage")
    page.fill("#id_description", "Ổ gà sâu trước số 5")
    page.fill("#id_address", "5 Nguyễn Du")
    page.fill("#id_ward", "Bến Thành")
    # A point in Phường Sài Gòn, as a click on the map would put it.
    page.evaluate(
        "() => { document.getElementById('id_lon').value = '106.703';"
        " document.getElementById('id_lat').value = '10.7788'; }"
    )
    with page.expect_navigation():
        page.click("#submit-report")
    question = page.get_by_test_id("place-question")
    expect(question).to_be_visible()
    expect(question).to_contain_text("Phường Sài Gòn")
    expect(question).to_contain_text("Phường Bến Thành")
    assert not Report.objects.exists()
    expect(page.locator("#id_address")).to_have_value("5 Nguyễn Du")
    page.check("#confirm-given")
    with page.expect_navigation():
        page.click("#submit-report")  # the script checks duplicates first, then sends the form itself
    report = Report.objects.get()
    assert report.ward_id == "26743" and report.near_boundary
    # Nothing from another host, no script error, no CSP refusal (the refused sends are 400 pages).
    assert traffic.foreign == [] and traffic.errors == []
