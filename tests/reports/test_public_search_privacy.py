"""The public list's search finds only what the public reads: never a report by the e-mail address or the
phone number its page hides."""

from __future__ import annotations

import pytest

from .conftest import submit_report
from .test_public_list import URL, rows_of

pytestmark = pytest.mark.django_db


def test_the_search_never_finds_a_report_by_what_the_page_hides(client, personas, categories):
    hidden = submit_report(
        description="Ổ gà lớn, liên hệ tranvanbinh.1985@gmail.com hoặc 0903 123 456 để biết thêm"
    )
    plain = submit_report(description="Ổ gà lớn trước chợ")
    for q in ("tranvanbinh.1985", "gmail.com", "0903", "3 456", "123 4"):
        found = rows_of(client.get(URL, {"q": q}))
        assert hidden.code not in found, q
    # Words the public reads still find it.
    found = rows_of(client.get(URL, {"q": "o ga lon"}))
    assert hidden.code in found and plain.code in found
    assert rows_of(client.get(URL, {"q": "lien he"})) == [hidden.code]
