"""The platform's one phone-number rule (`core.validators.normalize_phone`), and the places that use it: a
number typed in any of the usual ways is stored in one form, so the hotline, the dossier search and the
phone check find it whichever way it was typed."""

from __future__ import annotations

import pytest

from citydesk.core.errors import DomainError
from citydesk.core.validators import national_phone, normalize_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0912 000 555", "0912000555"),
        ("0912.000.555", "0912000555"),
        ("(028) 3829 6052", "02838296052"),  # a landline: 0, the area code, the subscriber
        ("+84 912 000 555", "0912000555"),
        ("+84 (0) 912 000 555", "0912000555"),
        ("0084 912 000 555", "0912000555"),
        ("84912000555", "0912000555"),
        (
            "０９１２０００５５５",
            "0912000555",
        ),  # full-width digits, as a Japanese or Chinese keyboard types them
        ("903 123 456", "0903123456"),  # a caller ID without the leading 0
        ("2838291234", "02838291234"),
        ("845123456", "0845123456"),  # a mobile number starting 084…, not the country code
        ("  ", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_a_vietnamese_number_is_stored_in_its_national_form(typed, stored):
    assert normalize_phone(typed) == stored
    assert normalize_phone(typed, foreign=True) == stored


@pytest.mark.parametrize(
    "typed", ["abc", "12", "0912 34", "+84 912 000 55x", "0912-000-555-1234", "+33 6 12 34 56 78"]
)
def test_anything_else_is_refused_naming_the_field(typed):
    with pytest.raises(DomainError) as caught:
        normalize_phone(typed, field="contact_phone")
    assert caught.value.field == "contact_phone"
    assert typed.strip() in caught.value.message


def test_another_countrys_number_is_accepted_only_where_asked_for():
    assert normalize_phone("+33 6 12 34 56 78", foreign=True) == "+33612345678"
    assert normalize_phone("+1 (202) 555-0143", foreign=True) == "+12025550143"
    for typed in ("+0 123 4567", "+33 12", "+1234567890123456", "0033612345678x"):
        with pytest.raises(DomainError):
            normalize_phone(typed, foreign=True)


def test_the_national_form_alone():
    assert national_phone("+84912000555") == national_phone("0084912000555") == "0912000555"
    assert national_phone("+33612345678") == "+33612345678"
    assert national_phone("0912000555") == "0912000555"


def test_a_dossier_and_a_report_store_the_same_number_the_same_way():
    from citydesk.dossiers.services.applicants import Applicant, applicant_problems
    from citydesk.reports.services import normalize_phone as report_phone

    cleaned, problems = applicant_problems(
        Applicant(name="Nguyễn Văn An", phone="0084 (0) 912-000-555"), "desk"
    )
    assert problems == []
    assert cleaned.phone == report_phone("0084 (0) 912-000-555") == "0912000555"


def test_only_a_mobile_number_receives_an_sms():
    from citydesk.core.validators import is_mobile_phone

    assert is_mobile_phone("0903123456") and is_mobile_phone("0345000111") and is_mobile_phone("0845123456")
    assert not is_mobile_phone("02838291234")  # a landline in Hồ Chí Minh City
    assert not is_mobile_phone("+33612345678")
    assert not is_mobile_phone("")
