"""The dossier queue's "code or applicant" search finds the applicant whatever the case and accents typed,
on SQLite too, and by phone number; the upgrade fills the dossiers received before it."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps

from citydesk.dossiers.models import Dossier
from citydesk.dossiers.services import Applicant
from citydesk.lib.text import search_key

pytestmark = pytest.mark.django_db
QUEUE_PAGE = "/mot-cua/ho-so/"


def _codes(response) -> set[str]:
    assert response.status_code == 200
    return set(re.findall(r'data-code="([^"]+)" data-mine=', response.content.decode()))


def test_search_by_name_ignores_case_and_accents(client, personas, catalog, receive):
    an = receive(applicant=Applicant(name="Nguyễn Văn An", phone="0903123456"))
    dung = receive(catalog.copy, applicant=Applicant(name="Đặng Thị Dung", phone="0912000111"))
    client.force_login(personas.officer)
    for q in ("nguyễn văn an", "NGUYỄN VĂN AN", "nguyen van an", "Nguyen", "van an", "0903123456", "903123"):
        assert _codes(client.get(QUEUE_PAGE, {"status": "all", "q": q})) == {an.code}, q
    for q in ("đặng", "dang thi", "DUNG", "0912000111", "0912 000 111", "0912.000.111", "000-111"):
        assert _codes(client.get(QUEUE_PAGE, {"status": "all", "q": q})) == {dung.code}, q
    assert _codes(client.get(QUEUE_PAGE, {"status": "all", "q": an.code.lower()})) == {an.code}
    prefix, year, number = an.code.split("-")  # typed without its dashes or its zeros
    for q in (f"{prefix}{year}{number}".lower(), f"{prefix} {year} {int(number)}"):
        assert _codes(client.get(QUEUE_PAGE, {"status": "all", "q": q})) == {an.code}, q
    assert _codes(client.get(QUEUE_PAGE, {"status": "all", "q": "Trần"})) == set()
    assert _codes(client.get(QUEUE_PAGE, {"status": "all", "q": "  ·  "})) == set()  # nothing to match


def test_another_units_officer_does_not_find_the_applicant(client, personas, catalog, receive):
    receive(applicant=Applicant(name="Nguyễn Văn An", phone="0903123456"))
    client.force_login(catalog.department_officer)
    assert _codes(client.get(QUEUE_PAGE, {"status": "all", "q": "nguyen van an"})) == set()


def test_the_search_text_follows_every_save(personas, catalog, receive):
    dossier = receive(applicant=Applicant(name="Lê  Thị   Hoa", phone="0909 888 777"))
    assert dossier.search_text == "le thi hoa 0909888777"  # the phone as stored: its digits
    dossier.applicant_name = "Lê Thị Hoà"
    dossier.save()
    dossier.refresh_from_db()
    assert dossier.search_text == search_key("Lê Thị Hoà 0909888777")


def test_the_upgrade_fills_the_existing_dossiers(personas, catalog, receive):
    dossiers = [receive(applicant=Applicant(name=f"Phạm Đức {n}", phone=f"090000000{n}")) for n in range(3)]
    Dossier.objects.filter(pk__in=[d.pk for d in dossiers]).update(search_text=None)
    migration = importlib.import_module("citydesk.dossiers.migrations.0014_dossier_search_text")
    migration.fill(apps, None)
    for dossier in dossiers:
        dossier.refresh_from_db()
        assert dossier.search_text == search_key(f"{dossier.applicant_name} {dossier.applicant_phone}")


def test_the_api_queue_searches_the_same_way(client, bearer, personas, catalog, receive):
    an = receive(applicant=Applicant(name="Nguyễn Văn An", phone="0903123456"))
    dung = receive(catalog.copy, applicant=Applicant(name="Đặng Thị Dung", phone="0912000111"))
    headers = bearer(personas.officer)

    def codes(q: str) -> set[str]:
        response = client.get("/api/v1/dossiers", {"q": q}, **headers)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["count"] == len(body["items"])
        return {item["code"] for item in body["items"]}

    assert codes("") == {an.code, dung.code}
    assert codes("nguyen van an") == codes("NGUYỄN") == codes("0903 123 456") == {an.code}
    assert codes("dang thi dung") == codes(dung.code.lower()) == {dung.code}
    assert codes("Trần") == set()
    # Another ward's officer finds nothing of this ward, even by the applicant's exact name.
    outsider = client.get("/api/v1/dossiers", {"q": "Nguyễn Văn An"}, **bearer(personas.outsider))
    assert outsider.status_code == 200 and outsider.json()["count"] == 0
