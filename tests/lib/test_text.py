"""Vietnamese text: NFC, accent-free search keys, alphabetical order of the Vietnamese alphabet."""

import unicodedata

from citydesk.lib.text import nfc, search_key, sort_key


def test_nfc_composes_and_collapses_spaces():
    decomposed = unicodedata.normalize("NFD", "Phường  Bến Thành ")
    assert decomposed != "Phường Bến Thành"
    assert nfc(decomposed) == "Phường Bến Thành"


def test_search_key_drops_accents_and_d_stroke():
    assert search_key("Phường Bến Thành") == "phuong ben thanh"
    assert search_key("ĐẶC KHU Côn Đảo") == "dac khu con dao"
    assert search_key(unicodedata.normalize("NFD", "Hồ Chí Minh")) == "ho chi minh"


def test_vietnamese_alphabetical_order():
    words = ["Đông", "Dương", "Ân", "Ăn", "An", "Bình", "Ô Môn", "Ơn", "Ong", "Ưu", "Uyên"]
    assert sorted(words, key=sort_key) == [
        "An",
        "Ăn",
        "Ân",
        "Bình",
        "Dương",
        "Đông",
        "Ong",
        "Ô Môn",
        "Ơn",
        "Uyên",
        "Ưu",
    ]


def test_tones_order_after_letters():
    assert sorted(["má", "ma", "mà", "mạ", "mả", "mã"], key=sort_key) == ["ma", "mà", "mả", "mã", "má", "mạ"]
