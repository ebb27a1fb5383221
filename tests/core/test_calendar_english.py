"""The working calendar in English: dates day first, and the administrators' entries with an English name
(theirs, else the package's for the same change)."""

from __future__ import annotations

import datetime as dt

import pytest

from citydesk.core.calendar_changes import calendar_override_set
from citydesk.lib.workdays import WorkCalendar, _day_first

pytestmark = pytest.mark.django_db


def test_the_packages_english_names_write_dates_day_first():
    assert _day_first("Day off (substituted from 08/22/2026)") == "Day off (substituted from 22/08/2026)"
    names = {h.date: h.name_en for h in WorkCalendar().holidays(2026)}
    assert names[dt.date(2026, 8, 31)].endswith("22/08/2026)")
    assert names[dt.date(2026, 8, 22)].endswith("31/08/2026)")


def test_an_entry_without_english_takes_the_packages_name_then_its_own(client, personas):
    # The demo's swapped Saturday, entered in Vietnamese only: the package knows the same swap.
    calendar_override_set(
        user=personas.admin,
        day=dt.date(2026, 8, 22),
        kind="working_day",
        name="Đi làm bù cho ngày nghỉ 31/08/2026",
    )
    calendar_override_set(user=personas.admin, day=dt.date(2026, 12, 4), kind="day_off", name="Nghỉ bù")
    entries = {e["date"]: e for e in client.get("/api/v1/calendar/holidays", {"year": 2026}).json()}
    assert entries["2026-08-22"]["name"] == "Đi làm bù cho ngày nghỉ 31/08/2026"
    assert entries["2026-08-22"]["name_en"] == "Working day (swapped with day off 31/08/2026)"
    assert entries["2026-12-04"]["name_en"] == "Nghỉ bù"  # nothing known: the name as entered
    calendar_override_set(
        user=personas.admin,
        day=dt.date(2026, 12, 4),
        kind="day_off",
        name="Nghỉ bù",
        name_en="Day off in lieu",
    )
    entries = {e["date"]: e for e in client.get("/api/v1/calendar/holidays", {"year": 2026}).json()}
    assert entries["2026-12-04"]["name_en"] == "Day off in lieu"


def test_the_api_takes_the_english_name(client, personas, bearer):
    r = client.post(
        "/api/v1/calendar/overrides",
        {"date": "2026-12-04", "kind": "day_off", "name": "Nghỉ bù", "name_en": "Day off in lieu"},
        content_type="application/json",
        **bearer(personas.admin),
    )
    assert r.status_code == 201, r.content
    assert r.json()["name_en"] == "Day off in lieu"
    too_long = client.post(
        "/api/v1/calendar/overrides",
        {"date": "2026-12-07", "kind": "day_off", "name": "Nghỉ", "name_en": "x" * 201},
        content_type="application/json",
        **bearer(personas.admin),
    )
    assert too_long.status_code == 400 and too_long.json()["field"] == "name_en"
