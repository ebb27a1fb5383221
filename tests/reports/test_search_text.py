"""The queue's search finds words whatever their case and accents, on SQLite too (QA OPS-11, defect 5), and
the assignee list of a unit filter takes the members of the units below it."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from citydesk.lib.text import search_key
from citydesk.reports.models import Report
from tests.reports.conftest import submit_report

pytestmark = pytest.mark.django_db
QUEUE_API = "/api/v1/reports"


def _codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["code"] for item in response.json()["items"]}


def test_search_ignores_case_and_accents(client, personas, categories, bearer):
    pothole = submit_report(description="Ổ gà trước số 5", address="12 Đường Lê Lợi").code
    other = submit_report(description="Cây đổ chắn lối đi").code
    officer = bearer(personas.officer)
    prefix, year, number = pothole.split("-")
    typed_codes = (pothole.lower(), f"{prefix}{year}{number}".lower(), f"{prefix} {year} {int(number)}")
    for q in ("ổ gà", "Ổ GÀ", "o ga", "O GA", "lê lợi", "duong le loi", *typed_codes):
        assert _codes(client.get(QUEUE_API, {"status": "all", "q": q}, **officer)) == {pothole}, q
    assert _codes(client.get(QUEUE_API, {"status": "all", "q": "đổ"}, **officer)) == {other}
    assert _codes(client.get(QUEUE_API, {"status": "all", "q": "ổ gà xanh"}, **officer)) == set()


def test_the_search_text_follows_every_save(personas, categories):
    report = submit_report(description="Đèn  đường   tắt", address="")
    assert report.search_text == "den duong tat"
    report.address = "Phố Huế"
    report.save()
    report.refresh_from_db()
    assert report.search_text == search_key("Đèn đường tắt Phố Huế") == "den duong tat pho hue"


def test_the_upgrade_fills_the_existing_reports(personas, categories):
    reports = [
        submit_report(description=f"Rác thải ứ đọng số {n}", address="Chợ Bến Thành") for n in range(3)
    ]
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(search_text=None)
    migration = importlib.import_module("citydesk.reports.migrations.0015_report_search_text")
    migration.fill(apps, None)
    for report in reports:
        report.refresh_from_db()
        assert report.search_text == search_key(f"{report.description} {report.address}")


def test_the_page_search(client, personas, categories):
    submit_report(description="Ổ gà trước số 5")
    client.force_login(personas.officer)
    html = client.get("/xu-ly/", {"status": "all", "q": "o ga"}).content.decode()
    assert html.count('data-testid="queue-row"') == 1


def test_a_unit_filter_offers_the_members_of_the_units_below(client, personas, categories):
    submit_report()
    client.force_login(personas.leader)
    html = client.get("/xu-ly/", {"status": "all", "unit": "79"}).content.decode()
    # The ward's officer handles the ward's reports, listed under the city's People's Committee.
    assert f'value="{personas.officer.username}"' in html


def test_search_by_the_reporters_phone(client, personas, categories, bearer):
    called = submit_report(description="Cây đổ", contact_phone="0912 345 678").code
    submit_report(description="Ổ gà", contact_phone="0987654321")
    officer = bearer(personas.officer)
    for q in ("0912345678", "0912 345 678", "0912.345.678", "+84 912 345 678"):
        assert _codes(client.get(QUEUE_API, {"status": "all", "q": q}, **officer)) == {called}, q
    assert _codes(client.get(QUEUE_API, {"status": "all", "q": "0900 000 000"}, **officer)) == set()
    # Another ward's officer does not find the ward's report by its reporter's number.
    outsider = bearer(personas.outsider)
    assert _codes(client.get(QUEUE_API, {"status": "all", "q": "0912345678"}, **outsider)) == set()
    # The page's search box too.
    client.force_login(personas.officer)
    html = client.get("/xu-ly/", {"status": "all", "q": "0912 345 678"}).content.decode()
    assert html.count('data-testid="queue-row"') == 1 and called in html
