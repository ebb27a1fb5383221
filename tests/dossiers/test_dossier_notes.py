"""Officers keep internal notes on a dossier, as on a report; the applicant never reads them."""

from __future__ import annotations

import pytest
from django.test import Client

from citydesk.dossiers.models import DossierEvent

pytestmark = pytest.mark.django_db


def test_an_officer_adds_an_internal_note_the_applicant_never_sees(personas, catalog, receive):
    dossier = receive()
    client = Client()
    client.force_login(personas.officer)
    response = client.post(
        f"/mot-cua/ho-so/{dossier.code}/ghi-chu/", {"text": "Đã gọi điện, hẹn bổ sung thứ Hai"}
    )
    assert response.status_code == 302
    note = DossierEvent.objects.get(dossier=dossier, kind=DossierEvent.Kind.NOTE)
    assert note.public is False and note.note == "Đã gọi điện, hẹn bổ sung thứ Hai"
    assert (
        "Đã gọi điện, hẹn bổ sung thứ Hai" in client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    )
    applicant = Client()
    applicant.post(f"/ho-so/tra-cuu/{dossier.code}/", {"phone": "0903123456"})
    assert "Đã gọi điện" not in applicant.get(f"/ho-so/tra-cuu/{dossier.code}/").content.decode()


def test_an_empty_note_is_named_and_an_outsider_is_refused(personas, catalog, receive):
    dossier = receive()
    client = Client()
    client.force_login(personas.officer)
    empty = client.post(f"/mot-cua/ho-so/{dossier.code}/ghi-chu/", {"text": "   "})
    assert empty.status_code == 400 and 'id="err-note-text"' in empty.content.decode()
    too_long = client.post(f"/mot-cua/ho-so/{dossier.code}/ghi-chu/", {"text": "x" * 4001})
    assert too_long.status_code == 400
    client.force_login(personas.outsider)
    assert client.post(f"/mot-cua/ho-so/{dossier.code}/ghi-chu/", {"text": "Xen vào"}).status_code == 403
    assert not DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.NOTE).exists()
