"""A duplicate candidate handled by another unit cannot be merged into from here: the officer's page says
so and offers the transfer to that unit (filled in, to check), never a merge button that is then refused."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from citydesk.reports.services import report_transition

from .conftest import submit_report

pytestmark = pytest.mark.django_db


def candidate_row(html: str, code: str) -> str:
    row = re.search(rf'data-testid="duplicate-candidate" data-code="{code}".*?</li>', html, re.S)
    assert row is not None, f"{code} is not among the candidates"
    return row.group(0)


def test_another_units_candidate_offers_the_transfer_not_the_merge(client, personas, categories):
    elsewhere = submit_report()
    report_transition(
        user=personas.head,
        code=elsewhere.code,
        action="transfer",
        target_unit="26740",
        note="Địa bàn Sài Gòn",
    )
    ours = submit_report()
    same_unit = submit_report(description="Ổ gà trước chợ Bến Thành, rất sâu")
    client.force_login(personas.head)
    html = client.get(reverse("reports:officer", args=[ours.code])).content.decode()
    other = candidate_row(html, elsewhere.code)
    assert "data-merge-into" not in other
    assert "UBND Phường Sài Gòn" in other and 'data-testid="candidate-other-unit"' in other
    assert 'name="transfer_to" value="26740"' in other
    assert f'data-merge-into="{same_unit.code}"' in candidate_row(html, same_unit.code)
    # The button's page: the transfer form filled with that unit, nothing done yet.
    page = client.get(reverse("reports:officer", args=[ours.code]), {"transfer_to": "26740"}).content.decode()
    assert re.search(r'id="transfer-target"[^>]*value="UBND Phường Sài Gòn \(26740\)"', page)
    ours.refresh_from_db()
    assert ours.unit_id == personas.ward.pk
    # A unit that is not a transfer target fills nothing.
    page = client.get(reverse("reports:officer", args=[ours.code]), {"transfer_to": "26743"}).content.decode()
    assert not re.search(r'id="transfer-target"[^>]*value="[^"]+"', page)
