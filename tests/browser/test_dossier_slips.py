"""The one-stop slips in a real browser: an officer apologises for a late dossier with a new appointment
(the date-time control of the page), prints the slip, attaches the signed result of an online dossier;
the applicant downloads it by their own link once it is handed over online."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from citydesk.dossiers.models import DossierEvent, ResultFile
from citydesk.dossiers.services import dossier_transition
from tests.browser.helpers import expect, log_in
from tests.dossiers.conftest import catalog, receive  # noqa: F401  (the fixtures, used below)

if TYPE_CHECKING:
    from .conftest import Traffic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4 signed result"


def test_an_officer_apologises_and_delivers_the_signed_result(
    page: Any,
    traffic: Traffic,
    screenshot_dir: Path,
    personas: Any,
    catalog: Any,  # noqa: F811
    receive: Any,  # noqa: F811
    chromium: Any,
    live_server: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    late = receive(when=timezone.now() - dt.timedelta(days=14))  # due well before today
    log_in(page, "officer", "pw-officer")
    page.goto(f"/mot-cua/ho-so/{late.code}/")
    appointment = timezone.localtime() + dt.timedelta(days=3)
    while appointment.weekday() >= 5:  # within office hours on a working day, or refused
        appointment += dt.timedelta(days=1)
    page.fill("#apology-appointment", f"{appointment:%Y-%m-%d}T09:00")
    page.fill("#apology-reason", "Chờ ý kiến của Sở Tư pháp")
    with page.expect_navigation():
        page.get_by_test_id("apologise").click()
    expect(page.get_by_test_id("new-appointment")).to_contain_text(f"{appointment:%d/%m/%Y} 09:00")
    assert DossierEvent.objects.filter(dossier=late, kind=DossierEvent.Kind.APOLOGY).count() == 1
    page.screenshot(path=str(screenshot_dir / "dossiers-apology.png"), full_page=True)
    slip = page.get_by_test_id("slip-apology").get_attribute("href")
    fetched = page.request.get(slip)
    assert fetched.headers["content-type"] == "application/pdf" and fetched.body()[:5] == b"%PDF-"

    # An online dossier whose result is ready: the officer attaches the signed result, then hands it over.
    ready = receive(user=personas.officer)
    ready.result_method = "online"
    ready.save(update_fields=["result_method"])
    dossier_transition(user=personas.officer, code=ready.code, action="forward")
    dossier_transition(user=personas.officer, code=ready.code, action="forward")
    dossier_transition(user=personas.head, code=ready.code, action="finish", note="Đã cấp")
    page.goto(f"/mot-cua/ho-so/{ready.code}/")
    page.set_input_files(
        "#result-file", files=[{"name": "ket-qua.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    with page.expect_navigation():
        page.get_by_test_id("attach-result").click()
    expect(page.get_by_test_id("result-file")).to_contain_text("ket-qua")
    assert ResultFile.objects.filter(dossier=ready).exists()
    assert traffic.problems() == [], traffic.problems()
    dossier_transition(user=personas.officer, code=ready.code, action="return_result", result_method="online")

    context = chromium.new_context(base_url=live_server.url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    try:
        citizen = context.new_page()
        citizen.goto(f"/ho-so/tra-cuu/{ready.code}/?t={ready.citizen_token}")
        link = citizen.get_by_test_id("result-download").locator("a")
        expect(link).to_be_visible()
        download = citizen.request.get(link.get_attribute("href"))
        assert download.status == 200 and download.body() == PDF
    finally:
        context.close()
