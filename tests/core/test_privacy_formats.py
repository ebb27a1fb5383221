"""`hide_contacts` reads phone numbers by the platform's one rule (`core.validators.normalize_phone`): every
form a citizen or an officer types, and a number run into the digits around it."""

from __future__ import annotations

import pytest
from django.utils import translation

from citydesk.lib.privacy import hide_contacts

PHONE = "[đã ẩn số điện thoại]"


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


@pytest.mark.parametrize(
    "phone",
    [
        "0084 912 000 555",
        "0084912000555",
        "０９１２０００５５５",  # full-width digits
        "０９１２ ０００ ５５５",
        "＋８４ ９１２ ０００ ５５５",
        "+84-(0)-912-000-555",
        "+84 (0) 912 000 555",
        "+84(0)912000555",
        "＋84.912.000.555",
        "+33 6 12 34 56 78",  # another country's, after its "+"
    ],
)
def test_every_form_of_a_phone_number_is_hidden(phone):
    assert hide_contacts(f"Gọi {phone} nhé.") == f"Gọi {PHONE} nhé."


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Nhà 45 0903 123 456", f"Nhà 45 {PHONE}"),
        ("Nhà 18/4 (cạnh số 120) 0987.654.321", f"Nhà 18/4 (cạnh số 120) {PHONE}"),
        ("Gọi 0987654321 120 lần", f"Gọi {PHONE} 120 lần"),
        ("cạnh số 120 (028) 3829 1234", f"cạnh số 120 {PHONE}"),
        ("Số 12 079203001234 là CCCD", "Số 12 [đã ẩn số định danh] là CCCD"),
        ("Hẻm 5 Lê Lợi (nhà chị Lan, SĐT 0987654321)", f"Hẻm 5 Lê Lợi (nhà chị Lan, SĐT {PHONE})"),
    ],
)
def test_a_number_run_into_the_digits_around_it_is_hidden(text, shown):
    assert hide_contacts(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "Thiệt hại 1.000.000.000.000 đồng.",  # its last four groups are twelve digits, not a CCCD
        "Tổng 10.000.000.000 và 100.000.000.000 đồng.",
        "Từ 24/11/2026 - 30.11.2026 vẫn ngập.",
        "Ổ gà số 12 - 34, sâu 0,5 m.",
        "Mã 0123 4567 trên cột.",  # eight digits: not a phone number
        "Tăng +12 345 lượt.",  # too short for any country's number
    ],
)
def test_other_numbers_still_stay(text):
    assert hide_contacts(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "Chi phí sửa chữa khoảng 500.000.000 đồng",
        "Thửa đất số 312345678, tờ bản đồ số 9",
        "Tổng cộng 900000000 đồng",
        "Mã số thuế 2838291234",
    ],
)
def test_sums_and_other_numbers_without_a_leading_zero_stay(text):
    """A phone field reads "903 123 456" as a number missing its 0; a text's numbers without one are sums."""
    assert hide_contacts(text) == text
