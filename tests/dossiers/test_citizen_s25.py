"""Citizens' dossier pages: the lookup's hint is read with the code field, the filing form marks its
consent box as required, and the tries left are counted in proper English."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_lookup_code_field_is_described_by_its_hint(client, personas, catalog):
    page = client.get("/ho-so/tra-cuu/").content.decode()
    field = re.search(r'<input id="id_code"[^>]*>', page).group(0)
    assert 'aria-describedby="hint-code"' in field
    assert 'id="hint-code"' in page and "giấy tiếp nhận" in page
    refused = client.get("/ho-so/tra-cuu/", {"code": ""}).content.decode()
    field = re.search(r'<input id="id_code"[^>]*>', refused).group(0)
    assert 'aria-describedby="hint-code err-code"' in field


def test_the_consent_box_is_marked_required(client, personas, catalog):
    page = client.get("/ho-so/nop/HT-01/").content.decode()
    box = re.search(r'<input type="checkbox" id="id_consent"[^>]*>', page).group(0)
    assert "required" in box
    label = re.search(r'<label for="id_consent">.*?</label>', page, re.S).group(0)
    assert 'class="req"' in label


def test_one_try_left_is_said_in_the_singular(client, personas, catalog, receive):
    dossier = receive()
    url = f"/ho-so/tra-cuu/{dossier.code}/"
    answers = [
        client.post(url, {"phone": "0000"}, HTTP_ACCEPT_LANGUAGE="en").content.decode() for _ in range(4)
    ]
    assert "(3 tries left)" in answers[1]
    assert "(1 try left)" in answers[3] and "1 tries" not in answers[3]
