"""A step of a head (or deputy, or leader) is their review and signature: its buttons say so, and an officer
looking at it is told whose step it is instead of being left with "withdraw" alone."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from citydesk.dossiers.services import dossier_transition

pytestmark = pytest.mark.django_db


def buttons(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-action="([^"]+)">([^<]+)</button>', page))


def test_the_heads_step_reads_as_signing_and_the_officer_is_told_whose_it_is(personas, catalog, receive):
    dossier = receive()
    for _ in range(2):  # Tiếp nhận, Thẩm định: the officer's steps
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward", note="Đủ")
    client = Client()
    client.force_login(personas.head)
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert buttons(page)["finish"] == "Phê duyệt, ký: có kết quả"
    assert 'data-testid="whose-step"' not in page
    client.force_login(personas.officer)
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert "finish" not in buttons(page) and "forward" not in buttons(page)
    hint = re.search(r'data-testid="(?:whose-step|no-actions)">([^<]+)<', page).group(1)
    assert "“Phê duyệt”" in hint and "thủ trưởng" in hint.lower() and personas.ward.name in hint


def test_an_officers_own_step_keeps_its_plain_label(personas, catalog, receive):
    dossier = receive()
    client = Client()
    client.force_login(personas.officer)
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert buttons(page)["forward"] == "Hoàn thành bước này và chuyển tiếp"
    assert 'data-testid="whose-step"' not in page


NOT_A_PHONE = (
    "không phải là số điện thoại: số trong nước bắt đầu bằng 0 (hoặc +84), số nước ngoài bắt đầu bằng dấu +"
    " và mã quốc gia."
)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", f"“abc” {NOT_A_PHONE}"),
        ("12", f"“12” {NOT_A_PHONE}"),
        ("0912 34", f"“0912 34” {NOT_A_PHONE}"),  # too short for a Vietnamese number
        ("+84 912 000 55x", f"“+84 912 000 55x” {NOT_A_PHONE}"),
    ],
)
def test_a_bad_phone_at_the_desk_is_named_as_the_hotline_names_it(typed, message):
    from citydesk.dossiers.services.applicants import Applicant, applicant_problems

    _cleaned, problems = applicant_problems(Applicant(name="Nguyễn Văn An", phone=typed), "desk")
    assert [(p.field, p.message) for p in problems] == [("applicant_phone", message)]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("nguyễn văn bình", "Nguyễn Văn Bình"),
        ("  trần   thị  ánh  ", "Trần Thị Ánh"),
        ("NGUYỄN VĂN AN", "NGUYỄN VĂN AN"),  # written in capitals on purpose: kept
        ("Lê Văn McDonald", "Lê Văn McDonald"),
    ],
)
def test_an_applicants_name_typed_in_lower_case_is_capitalised(typed, stored):
    from citydesk.dossiers.services.applicants import Applicant, applicant_problems

    cleaned, problems = applicant_problems(Applicant(name=typed, phone="0903123456"), "desk")
    assert problems == [] and cleaned.name == stored
