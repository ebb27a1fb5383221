"""A person's language: chosen on the site (or with `PATCH /api/v1/me`), kept on the account, and the
language the platform then writes to them in, whatever language the officer who acted used."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from citydesk.notifications.models import Notification
from citydesk.notifications.services import message_language

from .conftest import submit_report

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_switching_language_signed_in_is_kept_on_the_account(personas):
    client = signed_in(personas.citizen)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    personas.citizen.refresh_from_db()
    assert personas.citizen.language == "en"
    assert message_language(personas.citizen) == "en"
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    personas.citizen.refresh_from_db()
    assert personas.citizen.language == "vi"


def test_an_unknown_language_or_an_anonymous_switch_changes_no_account(personas):
    client = signed_in(personas.citizen)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    personas.citizen.refresh_from_db()
    assert personas.citizen.language == ""
    assert message_language(personas.citizen) == settings.LANGUAGE_CODE
    anonymous = Client()
    response = anonymous.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not type(personas.citizen).objects.exclude(language="").exists()


def test_messages_are_written_in_the_recipients_language(personas, categories):
    personas.citizen.language = "en"
    personas.citizen.save(update_fields=["language"])
    english = submit_report(reporter=personas.citizen)
    vietnamese = submit_report(reporter=personas.officer)
    en_subjects = set(
        Notification.objects.filter(recipient=personas.citizen).values_list("subject", flat=True)
    )
    vi_subjects = set(
        Notification.objects.filter(recipient=personas.officer).values_list("subject", flat=True)
    )
    assert f"Report {english.code} received" in en_subjects
    assert f"Đã tiếp nhận phản ánh {vietnamese.code}" in vi_subjects


def test_signing_in_takes_the_devices_choice_or_brings_the_accounts(personas):
    # Chosen on this device before signing in: the account takes it.
    device = Client()
    device.post("/i18n/setlang/", {"language": "en", "next": "/"})
    personas.citizen.set_password("pw-language")
    personas.citizen.save()
    response = device.post("/dang-nhap/", {"username": "citizen", "password": "pw-language"})
    assert response.status_code == 302
    personas.citizen.refresh_from_db()
    assert personas.citizen.language == "en"
    # A new device without a choice: signing in sets the account's language on it.
    fresh = Client()
    response = fresh.post("/dang-nhap/", {"username": "citizen", "password": "pw-language"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert fresh.get("/").content.decode().count('lang="en"') >= 1


def test_the_app_sets_the_language_through_the_api(personas, bearer):
    headers = bearer(personas.citizen)
    me = Client().get("/api/v1/me", **headers)
    assert me.json()["language"] == "vi"
    response = Client().patch(
        "/api/v1/me", json.dumps({"language": " EN "}), content_type="application/json", **headers
    )
    assert response.status_code == 200, response.content
    assert response.json()["language"] == "en"
    personas.citizen.refresh_from_db()
    assert personas.citizen.language == "en"
    refused = Client().patch(
        "/api/v1/me", json.dumps({"language": "fr"}), content_type="application/json", **headers
    )
    assert refused.status_code == 400 and refused.json()["field"] == "language"
    personas.citizen.refresh_from_db()
    assert personas.citizen.language == "en"
    anonymous = Client().patch("/api/v1/me", json.dumps({"language": "en"}), content_type="application/json")
    assert anonymous.status_code == 401
