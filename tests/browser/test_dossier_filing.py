"""Filing a dossier online in a real browser: a refused submission keeps the chosen file, and the next one
succeeds without choosing it again, with the keyboard only, with and without JavaScript. The kept file can
be removed with the keyboard."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from citydesk.dossiers.models import Dossier, DossierDocument
from tests.browser.helpers import expect, focused
from tests.dossiers.conftest import catalog  # noqa: F401  (the fixture, used below)

if TYPE_CHECKING:
    from .conftest import Traffic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n% to khai dang ky khai sinh\n"


def unexpected(traffic: Traffic) -> list[str]:
    """What the page fetched and complained about, but the form's own refusals (400, by design)."""
    return [
        p for p in traffic.problems() if not p.startswith("failed response: 400 ") or "/ho-so/nop/" not in p
    ]


@pytest.fixture
def declaration(tmp_path: Path) -> Path:
    path = tmp_path / "to-khai.pdf"
    path.write_bytes(PDF)
    return path


@pytest.fixture
def no_script_page(chromium: Any, live_server: Any) -> Iterator[Any]:
    context = chromium.new_context(
        base_url=live_server.url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", java_script_enabled=False
    )
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def paper(personas: Any, catalog: Any, settings: Any, tmp_path: Path) -> int:  # noqa: F811
    """The birth registration's required paper; uploads go to the test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return catalog.birth.documents.get(required=True).pk


def refused_without_the_name(page: Any, paper: int, declaration: Path) -> None:
    """Fill the form but the applicant's name, choose the declaration, and send it with Enter."""
    page.goto("/ho-so/nop/HT-01/")
    page.fill("#id_unit", "phuong ben thanh")
    page.fill("#id_applicant_phone", "0903000111")
    page.set_input_files(f"#file-{paper}", str(declaration))
    page.check("#id_consent")
    page.focus("#id_applicant_phone")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    expect(page.get_by_test_id(f"staged-{paper}")).to_contain_text("to-khai.pdf")


def _file_with_the_kept_paper(page: Any, paper: int, screenshot_dir: Path | None) -> None:
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "dossiers-file-kept.png"), full_page=True)
    # The name typed, Enter in its field files the dossier (never the “Remove” button beside the file).
    page.fill("#id_applicant_name", "Ngô Thị Mai")
    page.focus("#id_applicant_name")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/ho-so/da-nop/" in page.url, page.url
    dossier = Dossier.objects.get()
    paper_row = DossierDocument.objects.get(dossier=dossier)
    assert paper_row.requirement_id == paper and paper_row.file.read() == PDF
    expect(page.locator("main")).to_contain_text(dossier.code)


def test_a_refused_filing_keeps_the_file_for_the_next_try(
    page: Any,
    traffic: Traffic,
    screenshot_dir: Path,
    paper: int,
    declaration: Path,
) -> None:
    refused_without_the_name(page, paper, declaration)
    expect(page.locator("#err-applicant_name")).to_be_visible()
    assert page.locator(f"#file-{paper}").input_value() == ""  # nothing chosen: the kept file stands in
    _file_with_the_kept_paper(page, paper, screenshot_dir)
    assert unexpected(traffic) == [], unexpected(traffic)


def test_without_javascript_the_kept_file_is_used_too(
    no_script_page: Any,
    paper: int,
    declaration: Path,
) -> None:
    refused_without_the_name(no_script_page, paper, declaration)
    _file_with_the_kept_paper(no_script_page, paper, None)


def test_the_kept_file_is_removed_with_the_keyboard(
    page: Any,
    traffic: Traffic,
    paper: int,
    declaration: Path,
) -> None:
    refused_without_the_name(page, paper, declaration)
    page.fill("#id_applicant_name", "Ngô Thị Mai")
    # Tab from the last field before the papers reaches the kept file's “Remove” button.
    page.focus("#id_applicant_address")
    page.keyboard.press("Tab")
    assert focused(page, f"button[name=unstage][value='{paper}']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("staged-removed")).to_contain_text("to-khai.pdf")
    expect(page.get_by_test_id(f"staged-{paper}")).to_have_count(0)
    expect(page.locator(f"#file-{paper}")).to_be_focused()  # the paper's file field, to choose another
    assert page.input_value("#id_applicant_name") == "Ngô Thị Mai" and page.is_checked("#id_consent")
    assert not Dossier.objects.exists()
    # Sent now, the paper is missing: nothing is filed.
    with page.expect_navigation():
        page.get_by_test_id("file-submit").click()
    expect(page.locator("#err-documents")).to_be_visible()
    assert not Dossier.objects.exists()
    assert unexpected(traffic) == [], unexpected(traffic)


def test_the_missing_paper_error_is_read_with_its_file_input(
    page: Any,
    personas: Any,
    catalog: Any,  # noqa: F811
    settings: Any,
    tmp_path: Path,
) -> None:
    """QA-A11Y D3: on Tab to the file input of a missing required paper, its error is read with it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    required = catalog.birth.documents.get(required=True).pk
    optional = catalog.birth.documents.get(required=False).pk
    page.goto("/ho-so/nop/HT-01/")
    page.fill("#id_unit", "phuong ben thanh")
    page.fill("#id_applicant_name", "Ngô Thị Mai")
    page.fill("#id_applicant_phone", "0903000111")
    page.check("#id_consent")
    page.focus("#id_applicant_phone")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#error-summary")).to_be_focused()
    said = page.locator("#err-documents").inner_text().strip()
    missing = page.locator(f"#file-{required}")
    expect(missing).to_have_attribute("aria-invalid", "true")
    expect(missing).to_have_accessible_description(re.compile(re.escape(said)))
    expect(page.locator(f"#file-{optional}")).not_to_have_attribute("aria-invalid", "true")
    assert not Dossier.objects.exists()


def test_the_file_fields_script_keeps_the_focus_it_finds(
    page: Any,
    paper: int,
    declaration: Path,
) -> None:
    """The script that words the file fields wraps each field in a box, which moves it in the page. When it
    runs late (a slow network), the browser has already focused the field named by ``autofocus``: moving
    the field must not drop that focus to the page's top."""
    refused_without_the_name(page, paper, declaration)

    def late(route: Any) -> None:
        time.sleep(0.6)  # the parser finishes and the browser applies autofocus meanwhile
        route.continue_()

    page.route("**/files.js", late)
    page.focus(f"button[name=unstage][value='{paper}']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(f".file-field #file-{paper}")).to_have_count(1)  # the script did run
    expect(page.locator(f"#file-{paper}")).to_be_focused()
