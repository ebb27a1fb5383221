from __future__ import annotations

import pytest
from django.utils import translation

from citydesk.lib.privacy import hide_contacts


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


@pytest.mark.parametrize(
    "phone",
    [
        "0987654321",
        "0987 654 321",
        "0987.654.321",
        "0987-654-321",
        "+84 987 654 321",
        "+84987654321",
        "84987654321",
        "028 3829 1234",
        "(028) 3829 1234",
        "0903.123.457",
    ],
)
def test_a_phone_number_is_hidden(phone):
    shown = hide_contacts(f"Gọi tôi số {phone} khi đến, cảm ơn.")
    assert shown == "Gọi tôi số [đã ẩn số điện thoại] khi đến, cảm ơn."


@pytest.mark.parametrize(
    "text",
    [
        "Nhà số 18/4 Nguyễn Trãi, cạnh số 120.",
        "Từ ngày 24/11/2026 đến 30.11.2026 vẫn ngập.",
        "Thiệt hại khoảng 1.000.000 đồng, 25.000.000 đồng cả xóm.",
        "Đã gọi 1022 và 113 nhưng chưa ai đến.",
        "Ổ gà sâu 0,5 m, rộng 1,20 m.",
        "Cột điện số 0123456 trên đường.",  # seven digits: not a phone number
        "Mã hồ sơ HS-26-000074.",
        "Mã phản ánh PA-26-000123, thửa đất 123/45, tờ bản đồ số 12.",
        "Tọa độ 10,0987654321 và 106,6946.",  # the decimals of a number
        "Số 01234567890123456 trên công tơ.",  # longer than any phone number
    ],
)
def test_other_numbers_stay(text):
    assert hide_contacts(text) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # Two numbers joined by a slash, as they are often given.
        (
            "Liên hệ 0987654321/0912345678 giờ hành chính.",
            "Liên hệ [đã ẩn số điện thoại]/[đã ẩn số điện thoại] giờ hành chính.",
        ),
        ("Liên hệ 0987 654 321 / 0912 345 678.", "Liên hệ [đã ẩn số điện thoại] / [đã ẩn số điện thoại]."),
        # A number glued to its label, with or without a colon.
        ("sđt0903111222 chị Lan", "sđt[đã ẩn số điện thoại] chị Lan"),
        ("SĐT:0903111222, Zalo:0903111223", "SĐT:[đã ẩn số điện thoại], Zalo:[đã ẩn số điện thoại]"),
        ("ĐT(028) 3829 1234", "ĐT[đã ẩn số điện thoại]"),
    ],
)
def test_numbers_joined_or_glued_are_hidden(text, shown):
    assert hide_contacts(text) == shown


def test_an_email_address_is_hidden_and_the_rest_stays():
    text = "Liên hệ an.nguyen+pa@gmail.com hoặc 0912 345 678; nhà số 5."
    assert hide_contacts(text) == "Liên hệ [đã ẩn địa chỉ thư điện tử] hoặc [đã ẩn số điện thoại]; nhà số 5."


def test_empty_and_plain_texts_come_back_as_they_are():
    assert hide_contacts("") == ""
    assert hide_contacts("Đèn đường không sáng") == "Đèn đường không sáng"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("CCCD 079203001234 của tôi", "CCCD [đã ẩn số định danh] của tôi"),
        ("số định danh 079 203 001 234.", "số định danh [đã ẩn số định danh]."),
        ("Tôi tên An, 001099012345, nhà số 5", "Tôi tên An, [đã ẩn số định danh], nhà số 5"),
        ("CMND số 023456789 cấp năm 2010", "CMND số [đã ẩn số định danh] cấp năm 2010"),
        ("chứng minh nhân dân: 023456789", "chứng minh nhân dân: [đã ẩn số định danh]"),
    ],
)
def test_identity_card_numbers_are_hidden(text, shown):
    assert hide_contacts(text) == shown


def test_nine_digits_without_a_label_stay():
    assert hide_contacts("Đơn số 023456789 đã gửi") == "Đơn số 023456789 đã gửi"
