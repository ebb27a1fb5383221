"""Notes the platform writes in a dossier's history are stored as keys and codes and read in the reader's
language; a person's note and a step's name stay as written."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from citydesk.dossiers import payments, system_notes
from citydesk.dossiers.models import DossierEvent
from citydesk.dossiers.services import common, dossier_transition

pytestmark = pytest.mark.django_db
migration = importlib.import_module("citydesk.dossiers.migrations.0008_system_notes_as_keys")


def paid_at_desk(language: str, receipt: str) -> str:
    with translation.override(language):
        return _("%(amount)s paid: %(method)s, receipt no. %(receipt)s.") % {
            "amount": common.vnd(100_000),
            "method": payments.DESK_METHODS["cash"],
            "receipt": receipt,
        }


def test_a_desk_payment_recorded_in_vietnamese_reads_in_english(client, personas, catalog, receive, bearer):
    dossier = receive(catalog.land)
    with translation.override("vi"):
        payments.payment_record_at_desk(
            user=personas.officer, code=dossier.code, method="cash", receipt="BL-7"
        )
    event = DossierEvent.objects.get(dossier=dossier, kind=DossierEvent.Kind.PAID)
    assert event.note == "" and event.note_key == system_notes.PAID_AT_DESK
    assert event.note_args == {"amount": 100_000, "method": "cash", "receipt": "BL-7"}
    english, vietnamese = paid_at_desk("en", "BL-7"), paid_at_desk("vi", "BL-7")
    assert english != vietnamese

    client.force_login(personas.officer)
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english in page and vietnamese not in page
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert vietnamese in page and english not in page

    for language, expected in (("en", english), ("vi", vietnamese)):
        full = client.get(
            f"/api/v1/dossiers/{dossier.code}", HTTP_ACCEPT_LANGUAGE=language, **bearer(personas.officer)
        ).json()
        assert expected in [e["note"] for e in full["events"]]


def test_an_online_payment_confirmed_in_english_reads_in_vietnamese(personas, catalog, receive):
    dossier = receive(catalog.land)
    payment = payments.payment_start(dossier=dossier)
    with translation.override("en"):
        payments.payment_confirm(reference=payment.reference, outcome="paid")
    event = DossierEvent.objects.get(dossier=dossier, kind=DossierEvent.Kind.PAID)
    assert event.note_args == {"amount": 100_000, "provider": "sandbox", "ref": payment.reference}
    with translation.override("vi"):
        shown = event.display_note
        assert shown == _("%(amount)s paid through %(provider)s (%(ref)s).") % {
            "amount": "100.000 đ",
            "provider": payments.provider_label("sandbox"),
            "ref": payment.reference,
        }
    with translation.override("en"):
        assert event.display_note != shown and payment.reference in event.display_note


def test_the_received_note_key_and_a_note_stored_as_text_both_show(personas, catalog, receive):
    """`common.system_note("dossier.received", ...)` is what intake stores; a row stored as text (before,
    or by an intake not yet changed) still shows as stored."""
    dossier = receive()
    received = DossierEvent.objects.get(dossier=dossier, kind=DossierEvent.Kind.RECEIVED)
    with translation.override("vi"):
        assert common.local_text(dossier.due_at) in received.display_note
    keyed = common.event(
        dossier,
        common.actor_for(personas.officer, ""),
        DossierEvent.Kind.NOTE,
        **common.system_note("dossier.received", channel="desk", due=dossier.due_at),
    )
    keyed.refresh_from_db()
    assert keyed.note == "" and keyed.note_args == {"channel": "desk", "due": dossier.due_at.isoformat()}
    shown = {}
    for language in ("vi", "en"):
        with translation.override(language):
            local = timezone.localtime(dossier.due_at)
            due = f"{local:%d/%m/%Y %H:%M}"  # as every page writes it, in either language
            expected = _("Received (%(channel)s); due %(due)s.") % {"channel": _("One-stop desk"), "due": due}
            assert keyed.display_note == expected
            shown[language] = expected
    assert shown["vi"] != shown["en"] and common.local_text(dossier.due_at) in shown["vi"]


def test_the_online_applicant_is_a_role_read_in_each_language(client, personas, catalog, receive):
    for language in ("vi", "en"):
        with translation.override(language):
            assert common.actor_for(None, _("Online applicant")).label == "role:applicant"
    assert common.actor_for(None, "Nguyễn Văn An").label == "Nguyễn Văn An"  # a person: as named
    dossier = receive()
    event = common.event(dossier, common.actor_for(None, _("Online applicant")), DossierEvent.Kind.NOTE)
    client.force_login(personas.officer)
    for language in ("vi", "en"):
        page = client.get(f"/mot-cua/ho-so/{dossier.code}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        with translation.override(language):
            assert f"— {_('Online applicant')}" in page and event.display_actor == _("Online applicant")


def test_a_persons_note_and_a_steps_name_stay_as_written(personas, catalog, receive):
    dossier = receive()
    with translation.override("en"):
        dossier_transition(
            user=personas.officer, code=dossier.code, action="request_supplement", note="Bản sao CCCD"
        )
    event = DossierEvent.objects.filter(dossier=dossier).order_by("-pk").first()
    assert (event.note, event.note_key) == ("Bản sao CCCD", "")
    with translation.override("en"):
        assert event.display_note == "Bản sao CCCD"


# --- Migration 0008: notes stored as text before ---------------------------------------------------

LEGACY = [
    (
        "received",
        "Đã tiếp nhận (Bộ phận Một cửa); hẹn trả kết quả 10/12/2026 17:00.",
        "dossier.received",
        {"channel": "desk", "due": "2026-12-10T17:00:00+07:00"},
        "vi",
    ),
    (
        "received",
        "Received (Online); due 10/12/2026 17:00.",
        "dossier.received",
        {"channel": "online", "due": "2026-12-10T17:00:00+07:00"},
        None,  # English dates are now written the English way
    ),
    (
        "paid",
        "100,000 VND paid through Sandbox payment gateway — no real money is taken (HS-26-000001-AB12).",
        "dossier.paid_online",
        {"amount": 100_000, "provider": "sandbox", "ref": "HS-26-000001-AB12"},
        "en",
    ),
    (
        "paid",
        "Đã nộp 100.000 đ: Tiền mặt tại Bộ phận Một cửa, biên lai số BL-0001234.",
        "dossier.paid_at_desk",
        {"amount": 100_000, "method": "cash", "receipt": "BL-0001234"},
        "vi",
    ),
]
UNCHANGED = [
    ("step_done", "Thẩm định hồ sơ đất"),  # a step's name
    ("paid", "Đã nộp 100.000 đ bằng séc."),  # not the wording
    ("received", "Received at the back door."),
]


def test_the_migration_turns_stored_texts_into_keys_and_leaves_the_rest(personas, catalog, receive):
    dossier = receive()

    def event(kind: str, note: str, actor_label: str = "Trần Thị Bình") -> DossierEvent:
        return DossierEvent.objects.create(dossier=dossier, kind=kind, note=note, actor_label=actor_label)

    legacy = [(event(kind, note), note, key, args, language) for kind, note, key, args, language in LEGACY]
    kept = [event(kind, note) for kind, note in UNCHANGED]
    applicant = event("received", "", actor_label="Người nộp trực tuyến")

    migration.notes_to_keys(apps, None)
    migration.notes_to_keys(apps, None)  # idempotent

    for row, note, key, args, language in legacy:
        row.refresh_from_db()
        assert (row.note_key, row.note_args, row.note) == (key, args, ""), note
        if language:
            with translation.override(language):
                assert row.display_note == note
    for row, (_kind, note) in zip(kept, UNCHANGED, strict=True):
        row.refresh_from_db()
        assert (row.note_key, row.note) == ("", note)
    applicant.refresh_from_db()
    assert applicant.actor_label == "role:applicant"
    with translation.override("en"):
        assert applicant.display_actor == _("Online applicant")

    migration.keys_to_notes(apps, None)  # backwards: the platform's language, as before
    assert DossierEvent.objects.get(pk=legacy[0][0].pk).note == LEGACY[0][1]
    assert DossierEvent.objects.get(pk=applicant.pk).actor_label == "Người nộp trực tuyến"
