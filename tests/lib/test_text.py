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


def _search_key_by_definition(value: str) -> str:
    decomposed = unicodedata.normalize("NFD", value.lower().replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.split())


def test_search_key_fast_path_agrees_with_the_definition_for_every_character():
    # The fast path (decompose, keep ASCII) applies to text of ASCII and accented Latin letters only;
    # any other character must take the per-character path and keep what is not an accent.
    for code in range(0x3100):
        char = chr(code)
        if 0xD800 <= code < 0xE000 or char.isspace():
            continue
        for text in (f"A{char} b", f"{char.upper()}\u0301x", f"Đường {char}ệ"):
            assert search_key(text) == _search_key_by_definition(text), hex(code)
    assert search_key("Ꭰ ɓ ℃ ǅ \u212b ő") == _search_key_by_definition("Ꭰ ɓ ℃ ǅ \u212b ő")
    assert search_key("İstanbul ĐƯỜNG") == "istanbul duong"


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


def test_join_place_says_each_name_once():
    from citydesk.lib.text import join_place

    city = "Thành phố Hồ Chí Minh"
    assert (
        join_place("40 Lê Thị Riêng", "Phường Bến Thành", city)
        == f"40 Lê Thị Riêng, Phường Bến Thành, {city}"
    )
    typed = "40 Lê Thị Riêng, phuong Ben Thanh, TP HCM"
    assert join_place(typed, "Phường Bến Thành", city) == f"{typed}, {city}"
    assert join_place(
        "40 Lê Thị Riêng, Phường Bến Thành, Thành phố Hồ Chí Minh,", "Phường Bến Thành", city
    ) == ("40 Lê Thị Riêng, Phường Bến Thành, Thành phố Hồ Chí Minh")
    assert join_place("", "Phường Bến Thành", "") == "Phường Bến Thành"
    assert join_place("", "", "") == ""


def test_sort_key_puts_a_word_end_before_any_letter():
    from citydesk.lib.text import sort_key

    names = [
        "Phường Bảy Hiền",
        "Phường Bàn Cờ",
        "Phường Bà Rịa",
        "Phường Diên Hồng",
        "Phường Dĩ An",
        "Phường 10",
    ]
    assert sorted(names, key=sort_key) == [
        "Phường 10",
        "Phường Bà Rịa",
        "Phường Bàn Cờ",
        "Phường Bảy Hiền",
        "Phường Dĩ An",
        "Phường Diên Hồng",
    ]


def test_nfc_drops_control_characters_but_keeps_the_text():
    from citydesk.lib.text import nfc

    assert nfc("Ổ gà\x00 lớn\x07\x1b[31m\x7f") == "Ổ gà lớn[31m"
    assert nfc("dòng 1\r\ndòng\t2") == "dòng 1 dòng 2"


def test_sort_key_reads_past_punctuation_as_a_dictionary_does():
    names = ["Đăng ký thay đổi", "Đăng ký kết hôn", "Đăng ký, cấp Giấy chứng nhận", "Đăng ký biến động"]
    assert sorted(names, key=sort_key) == [
        "Đăng ký biến động",
        "Đăng ký, cấp Giấy chứng nhận",
        "Đăng ký kết hôn",
        "Đăng ký thay đổi",
    ]
    assert sorted(["UBND (cũ)", "UBND Bến Thành"], key=sort_key) == ["UBND Bến Thành", "UBND (cũ)"]


def test_nfc_lines_keeps_paragraphs_and_tidies_the_rest():
    from citydesk.lib.text import nfc_lines

    written = (
        "Kính gửi Tổng đài 1022,\r\n\r\n\r\n  Ổ ga\u0300   sâu\ttrước số 5.  \rĐề nghị sửa.\u2028Cảm ơn.\x00"
    )
    assert nfc_lines(written) == "Kính gửi Tổng đài 1022,\n\nỔ gà sâu trước số 5.\nĐề nghị sửa.\nCảm ơn."
    assert nfc_lines("  \n\n một dòng \n\n ") == "một dòng"
    assert nfc_lines("") == ""


def test_invisible_formatting_characters_are_dropped_from_stored_text():
    from citydesk.lib.text import nfc, nfc_lines, search_key

    pasted = "Nguyễn \u200bTrãi\ufeff \u202eAn\u202c"
    assert nfc(pasted) == "Nguyễn Trãi An"
    assert nfc_lines("Ổ gà\u200b\n\u2066đường\u2069 Lê Lợi") == "Ổ gà\nđường Lê Lợi"
    assert search_key(nfc("Trãi\u200b mùi")) == search_key("Trãi mùi")
    assert nfc("👨\u200d👩\u200d👧") == "👨\u200d👩\u200d👧"  # the joiners of an emoji sequence stay
