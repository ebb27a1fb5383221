"""Open311 reports are held to the per-network report limit: a browser client's key is public."""

from __future__ import annotations

import pytest
from django.test import Client

from citydesk.reports.models import Report

from .test_open311_s25 import api_key, errors_of, post  # noqa: F401  (api_key: the fixture)

pytestmark = pytest.mark.django_db


def test_open311_requests_from_one_network_are_limited(categories, api_key, settings):  # noqa: F811
    settings.CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR = 2
    client = Client(REMOTE_ADDR="198.51.100.40")
    answers = [post(client, api_key, description=f"Ổ gà số {n}") for n in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert "30" not in errors_of(answers[-1])[0] and "2" in errors_of(answers[-1])[0]
    assert Report.objects.count() == 2
    assert post(Client(REMOTE_ADDR="198.51.100.41"), api_key).status_code == 201
