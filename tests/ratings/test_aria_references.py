"""Every id an element of the ratings pages points to (aria-describedby, aria-labelledby, label for)
exists on the page: a hint named by a field but printed without its id is never read with the field."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r'\b(aria-describedby|aria-labelledby|for)="([^"]*)"')
ID = re.compile(r'\bid="([^"]+)"')


def broken_references(html: str) -> list[str]:
    ids = set(ID.findall(html))
    return [
        f"{attribute}={target}"
        for attribute, targets in REFERENCE.findall(html)
        for target in targets.split()
        if target not in ids
    ]


def test_the_desk_page_names_only_ids_it_prints(client, personas, tablets):
    tablets.pair("BT-QUAY-1", personas.ward)
    client.force_login(personas.officer)
    html = client.get("/danh-gia/giao-dich/").content.decode()
    assert 'aria-describedby="id_kiosk_helptext"' in html  # the kiosk field has its hint
    assert broken_references(html) == []


def test_the_pairing_page_names_only_ids_it_prints(client, personas):
    client.force_login(personas.head)  # a new kiosk code: the head's pairing form
    html = client.get("/danh-gia/quay/BT-QUAY-9/ghep/").content.decode()
    assert "_helptext" in html
    assert broken_references(html) == []


def test_the_rating_by_code_page_names_only_ids_it_prints(client):
    assert broken_references(client.get("/danh-gia/ma/").content.decode()) == []
