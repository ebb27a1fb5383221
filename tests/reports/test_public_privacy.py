"""What a citizen typed for the public: contacts hidden from everyone but the handling unit and the
reporter, and paragraphs kept."""

from __future__ import annotations

import pytest

from citydesk.reports.services import report_pause

from .conftest import submit_report

pytestmark = pytest.mark.django_db

TYPED = "Ổ gà sâu trước số 18/4.\r\n\r\nGọi tôi 0987 654 321 hoặc an.nguyen@gmail.com khi đến."


def test_contacts_typed_into_a_description_are_hidden_from_the_public(client, personas, categories):
    report = submit_report(description=TYPED)
    assert (
        report.description
        == "Ổ gà sâu trước số 18/4.\n\nGọi tôi 0987 654 321 hoặc an.nguyen@gmail.com khi đến."
    )

    public_page = client.get(f"/tra-cuu/{report.code}/").content.decode()
    assert "18/4" in public_page and "Ổ gà sâu trước số 18/4.<br><br>Gọi tôi" in public_page
    assert "654 321" not in public_page and "an.nguyen@" not in public_page
    reporter_page = client.get(f"/tra-cuu/{report.code}/", {"t": report.citizen_token}).content.decode()
    assert "0987 654 321" in reporter_page  # the reporter reads what they wrote

    for url in (f"/open311/v2/requests/{report.code}.json", f"/api/v1/reports/{report.code}"):
        body = client.get(url).content.decode()
        assert "18/4" in body and "654 321" not in body and "an.nguyen@" not in body, url
    found = client.get(
        "/api/v1/reports/duplicates",
        {"category": "road_damage", "lon": report.lon, "lat": report.lat, "description": "ổ gà"},
    ).json()
    assert [c["code"] for c in found] == [report.code]
    assert "654 321" not in found[0]["description"] and "18/4" in found[0]["description"]

    client.force_login(personas.officer)  # the handling unit reads it whole
    officer_page = client.get(f"/xu-ly/{report.code}/").content.decode()
    assert "0987 654 321" in officer_page and "an.nguyen@gmail.com" in officer_page
    assert "0987 654 321" in client.get(f"/api/v1/reports/{report.code}").json()["description"]


def test_officers_notes_and_resolutions_keep_their_paragraphs(personas, categories):
    report = submit_report(contact_phone="0901234567")
    report_pause(user=personas.officer, code=report.code, note="Xin thêm ảnh:\n- phía trước\n- phía sau")
    assert (
        report.events.filter(kind="sla").last().note_args["text"] == "Xin thêm ảnh:\n- phía trước\n- phía sau"
    )
