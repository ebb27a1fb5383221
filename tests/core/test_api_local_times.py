"""Every time the API answers is local (+07:00), whichever app's schema carries it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from citydesk.api import LocalTimeEncoder
from citydesk.core.audit import Actor, audit_record

pytestmark = pytest.mark.django_db


def test_encoder_writes_aware_times_in_local_time():
    moment = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)
    assert json.dumps({"at": moment}, cls=LocalTimeEncoder) == '{"at": "2026-11-22T06:30:00+07:00"}'


def test_audit_times_are_local(client, personas, bearer):
    audit_record(actor=Actor.system("test"), action="thing.make", object_type="thing", object_id="1")
    response = client.get("/api/v1/audit", **bearer(personas.admin))
    assert response.status_code == 200, response.content
    text = response.content.decode()
    assert "+07:00" in text and '"Z"' not in text and 'Z"' not in text


def test_every_time_has_one_shape_whole_seconds_and_the_offset(client, personas, bearer):
    """A client parsing times with one fixed pattern read some with milliseconds and some without."""
    from citydesk.core.audit import Actor, audit_record

    audit_record(
        actor=Actor.system("test"), action="calendar.set", object_type="calendar_override", object_id="1"
    )
    with_fraction = datetime(2026, 11, 24, 8, 27, 15, 434_000, tzinfo=UTC)
    assert json.dumps(with_fraction, cls=LocalTimeEncoder) == '"2026-11-24T15:27:15+07:00"'
    times = [row["at"] for row in client.get("/api/v1/audit", **bearer(personas.admin)).json()]
    assert times and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00", t) for t in times), times
