"""The hotline's description box counts the characters left instead of cutting a long text silently."""

from __future__ import annotations

import uuid

import pytest

from citydesk.reports.models import Report
from citydesk.reports.services import MAX_DESCRIPTION
from tests.reports.test_review_hotline_b import HOTLINE

pytestmark = pytest.mark.django_db


def test_the_hotline_counts_and_refuses_an_overlong_description_keeping_the_text(
    client, personas, categories
):
    client.force_login(personas.operator)
    page = client.get("/tong-dai/").content.decode()
    assert 'maxlength="4000"' not in page
    assert 'data-counter="description-count"' in page and 'id="description-count"' in page
    assert "4.000" in page  # "còn 4.000 ký tự"

    text = "Ổ gà " * 801  # 4,005 characters
    r = client.post("/tong-dai/", {**HOTLINE, "description": text, "idempotency_key": uuid.uuid4().hex})
    assert r.status_code == 400
    html = r.content.decode()
    assert not Report.objects.exists()
    assert "err-description" in html and text.strip() in html  # kept to shorten, never cut
    assert f"{len(text.strip()) - MAX_DESCRIPTION}" in html  # "… ký tự quá giới hạn"
