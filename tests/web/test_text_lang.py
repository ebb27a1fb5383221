"""What reads as Vietnamese (lang="vi" on English pages): a sentence's words, not the names it quotes."""

from __future__ import annotations

import pytest
from django.utils import translation

from citydesk.web.templatetags.text_lang import lang_attr, looks_vietnamese
from citydesk.web.templatetags.web_nav import linked_codes_filter


@pytest.mark.parametrize(
    ("text", "vietnamese"),
    [
        ("Hồ sơ HS-26-000127 đã được chuyển sang bước 2", True),
        ("Theo dõi tại trang PA-26-000001", True),
        ("Phường Bến Thành", True),  # a name alone
        ("PHƯỜNG BẾN THÀNH", True),
        ("ổ gà sâu", True),
        ("Dossier HS-26-000127 of Phan Thị Kép moved to step 2", False),
        ("Report at 12 Lê Thánh Tôn, Phường Bến Thành was resolved", False),
        ("Đã sửa xong.\nhttps://citydesk.hochiminhcity.gov.vn/tra-cuu/PA-26-000001/?t=abcdefgh", True),
        ("Report PA-26-000001 was transferred to Sở Xây dựng", False),
        ("OK", False),
        ("12", False),
        ("", False),
    ],
)
def test_looks_vietnamese(text, vietnamese):
    assert looks_vietnamese(text) is vietnamese
    with translation.override("en"):
        assert (lang_attr(text) == ' lang="vi"') is vietnamese


def test_an_english_message_naming_a_vietnamese_person_links_in_english(db):
    with translation.override("en"):
        html = linked_codes_filter(
            "Dossier HS-26-000127 of Phan Thị Kép is ready: see http://x.vn/ho-so/HS-26-000127/"
        )
    assert "trang" not in html
