"""QA round D on the one-stop subsystem: a level-4 online dossier's result is online everywhere (D1); the
request for papers carries a scoped key that opens their upload only (D2); every message to the applicant
says “ông/bà”, and the desk's rating invitation points to the code page without a kiosk (D3); English
pages write “1 working day” (D4); a short wait for papers leaves a 17:00 deadline at 17:00 (D5)."""

from __future__ import annotations

import datetime as dt
import importlib
import re
import time
from typing import Any
from unittest import mock
from urllib.parse import unquote

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from citydesk.core.calendar import current_calendar
from citydesk.dossiers.models import Channel, Dossier, ResultMethod, Status
from citydesk.dossiers.receipt import receipt_html
from citydesk.dossiers.services import Applicant, Upload, dossier_receive, dossier_transition
from citydesk.dossiers.services.common import (
    SUPPLEMENT_LINK_DAYS,
    supplement_token,
    supplement_token_valid,
)
from citydesk.notifications.channels import sms_text
from citydesk.notifications.models import Notification
from citydesk.ratings.models import DeskTransaction
from tests.dossiers.conftest import at, make_procedure

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 test"
WORD_BAN = re.compile(r"\b[Bb]ạn\b")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf(name: str = "giay-to.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def file_online(personas, procedure, applicant: Applicant, *, user=None) -> Dossier:
    uploads = [Upload(document_id=d.pk, file=pdf()) for d in procedure.documents.filter(required=True)]
    return dossier_receive(
        user=user,
        procedure_code=procedure.code,
        unit_code=personas.ward.code,
        channel=Channel.ONLINE,
        applicant=applicant,
        uploads=uploads,
        received_at=at(2026, 12, 7, 9, 0),
    ).dossier


def messages_of(dossier: Dossier, channel: str = "email") -> list[Notification]:
    return list(Notification.objects.filter(channel=channel, subject__contains=dossier.code).order_by("id"))


def vi(msgid: str, **values: Any) -> str:
    with translation.override("vi"):
        text = gettext(msgid)
    return text % values if values else text


def finish_land(personas, catalog, dossier: Dossier) -> Dossier:
    """The 3-step land procedure to its end: ward reception, the department, the city's approval."""
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    dossier_transition(user=catalog.department_officer, code=dossier.code, action="forward")
    return dossier_transition(user=personas.leader, code=dossier.code, action="finish", note="Đã cho phép")


# --- D1. A level-4 online dossier's result is online: stored, on the receipt, in messages and pages -----


def test_a_level_4_online_dossier_gets_its_result_online_everywhere(client, personas, catalog):
    applicant = Applicant(name="Ngô Thị Mai", phone="0903123456", email="mai@example.vn")
    dossier = file_online(personas, catalog.land, applicant)
    assert dossier.result_method == ResultMethod.ONLINE
    assert Dossier.objects.get(pk=dossier.pk).result_method == ResultMethod.ONLINE
    with translation.override("en"):
        receipt = receipt_html(dossier, list(dossier.documents.all()))
        online_label = str(ResultMethod.ONLINE.label)
    assert f'data-testid="result-method">{online_label}<' in receipt
    api = client.get(f"/api/v1/dossiers/{dossier.code}", {"t": dossier.citizen_token}).json()
    assert api["result_method"] == "online"

    finish_land(personas, catalog, dossier)
    ready = messages_of(dossier)[-1].body
    online = vi(
        "The result of your dossier %(code)s is ready; it is delivered to you online.", code=dossier.code
    )
    at_desk = vi(
        "The result of your dossier %(code)s is ready at %(unit)s.",
        code=dossier.code,
        unit=personas.ward.name,
    )
    assert online in ready and at_desk not in ready
    page = client.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": dossier.citizen_token}).content.decode()
    delivery = re.search(r'data-testid="delivery">(.*?)</dd>', page, re.S)
    assert delivery and delivery.group(1).strip() == vi("It is delivered online.")


def test_a_level_4_dossier_of_a_phone_only_applicant_is_collected_at_the_desk(client, personas, catalog):
    """No account, no e-mail: an SMS carries no result, and handing it over online was refused at the end.
    The receipt and the pages said "online" all along; they now say the desk from the start."""
    dossier = file_online(personas, catalog.land, Applicant(name="Lê Văn Bưu", phone="0903123457"))
    assert dossier.result_method == ResultMethod.DESK
    with translation.override("en"):
        receipt = receipt_html(dossier, list(dossier.documents.all()))
        desk_label = str(ResultMethod.DESK.label)
    assert f'data-testid="result-method">{desk_label}<' in receipt
    # The form said so before filing.
    form = client.get(f"/ho-so/nop/{catalog.land.code}/").content.decode()
    assert 'data-testid="result-online-hint"' in form and "Bộ phận Một cửa" in form
    assert 'data-testid="result-online-hint"' not in client.get("/ho-so/nop/HT-01/").content.decode()
    # With an account (no e-mail), the result reaches them online.
    assert (
        file_online(
            personas, catalog.land, Applicant(name="Ngô Thị Mai", phone="0903123456"), user=personas.citizen
        ).result_method
        == ResultMethod.ONLINE
    )


def test_level_3_online_and_post_dossiers_keep_their_result_methods(personas, catalog, receive):
    level_3 = file_online(personas, catalog.birth, Applicant(name="Ngô Thị Mai", email="mai@example.vn"))
    assert level_3.result_method == ResultMethod.DESK  # filed online, collected at the desk
    sender = Applicant(name="Lê Văn Bưu", phone="0903123457", address="12 Lê Lợi, Phường Bến Thành")
    assert receive(channel=Channel.POST, applicant=sender).result_method == ResultMethod.POST
    assert receive().result_method == ResultMethod.DESK


def test_the_migration_sets_open_level_4_online_dossiers_to_online(personas, catalog):
    migration = importlib.import_module("citydesk.dossiers.migrations.0009_level4_online_results_online")
    applicant = Applicant(name="Ngô Thị Mai", email="mai@example.vn")
    stored_desk = file_online(personas, catalog.land, applicant)
    handed = file_online(personas, catalog.land, applicant)
    level_3 = file_online(personas, catalog.birth, applicant)
    Dossier.objects.filter(pk__in=[stored_desk.pk, handed.pk]).update(result_method="desk")  # as before
    Dossier.objects.filter(pk=handed.pk).update(returned_at=at(2026, 12, 20), status=Status.RETURNED)
    migration.level4_online_results_online(apps, None)
    methods = dict(Dossier.objects.values_list("pk", "result_method"))
    assert methods[stored_desk.pk] == "online"
    assert methods[handed.pk] == "desk"  # handed over at the desk: kept
    assert methods[level_3.pk] == "desk"


# --- D2. The request for papers carries a key that opens their upload, and nothing else --------------


def _request_papers(personas, dossier: Dossier, note: str = "Bổ sung giấy chứng sinh") -> str:
    dossier_transition(user=personas.officer, code=dossier.code, action="request_supplement", note=note)
    return note


def _key_in(body: str, code: str) -> str:
    found = re.search(rf"/ho-so/tra-cuu/{re.escape(code)}/\?k=(\S+)", body)
    assert found, body
    return unquote(found.group(1))


def test_an_email_only_applicant_sends_the_papers_from_the_request_message(personas, catalog):
    applicant = Applicant(name="Ngô Thị Mai", email="mai@example.vn")  # no account, no phone
    dossier = file_online(personas, catalog.birth, applicant)
    note = _request_papers(personas, dossier)
    message = messages_of(dossier)[-1]
    assert dossier.citizen_token not in message.body  # never the receipt's full key
    key = _key_in(message.body, dossier.code)
    track = f"/ho-so/tra-cuu/{dossier.code}/"
    anonymous = Client()
    page = anonymous.get(track, {"k": key}).content.decode()
    assert 'id="form-supplement"' in page and f'name="k" value="{key}"' in page
    assert note in page  # what is asked for
    assert 'data-status="supplement"' in page
    assert 'data-testid="personal"' not in page and applicant.email not in page  # no personal details
    # It opens no other move: withdrawing is refused, and so is the receipt.
    assert anonymous.post(f"{track}rut/", {"k": key, "version": 2}).status_code == 403
    assert anonymous.get(
        f"/mot-cua/ho-so/{dossier.code}/bien-nhan.pdf", {"k": key, "t": key}
    ).status_code in (
        302,
        403,
    )
    doc = next(d.pk for d in catalog.birth.documents.all() if d.required)
    sent = anonymous.post(
        f"{track}bo-sung/",
        {"k": key, "version": 2, "note": "Đã bổ sung", f"doc_{doc}": pdf("chung-sinh.pdf")},
    )
    assert sent.status_code == 302, sent.content.decode()[:1500]
    dossier.refresh_from_db()
    assert dossier.status == Status.IN_PROGRESS and dossier.documents.filter(is_supplement=True).count() == 1
    # Answered: the key opens nothing now, and says so.
    after = anonymous.get(track, {"k": key}).content.decode()
    assert 'id="form-supplement"' not in after and 'data-testid="supplement-key-stale"' in after
    assert not supplement_token_valid(dossier, key)


def test_the_sms_of_a_request_carries_the_key_link(personas, catalog):
    dossier = file_online(personas, catalog.birth, Applicant(name="Lê Văn Bưu", phone="0903123457"))
    _request_papers(personas, dossier)
    sms = messages_of(dossier, "sms")[-1]
    key = _key_in(sms_text(sms.subject, sms.body), dossier.code)  # the link survives the SMS's length
    assert supplement_token_valid(Dossier.objects.get(pk=dossier.pk), key)
    assert dossier.citizen_token not in sms.body


def test_the_supplement_key_is_scoped_to_its_dossier_its_request_and_its_time(personas, catalog, receive):
    dossier = receive()
    other = receive()
    _request_papers(personas, dossier)
    _request_papers(personas, other)
    dossier.refresh_from_db()
    other.refresh_from_db()
    key = supplement_token(dossier)
    assert supplement_token_valid(dossier, key) and not supplement_token_valid(other, key)
    assert not supplement_token_valid(dossier, key[:-2] + "xx")  # tampered
    assert not supplement_token_valid(dossier, dossier.citizen_token)
    later = time.time() + (SUPPLEMENT_LINK_DAYS + 1) * 86400
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert not supplement_token_valid(dossier, key)  # expired
    # The key moves the dossier in the service too, for sending the papers only.
    with pytest.raises(Exception):  # noqa: B017  (the refusal of any other applicant's move)
        dossier_transition(user=None, code=dossier.code, action="withdraw", token=key)
    paper = dossier.procedure.documents.first()
    pdf = SimpleUploadedFile("cccd.pdf", b"%PDF-1.4 test", "application/pdf")
    dossier_transition(
        user=None,
        code=dossier.code,
        action="supplement_received",
        token=key,
        uploads=[Upload(document_id=paper.pk, file=pdf)],
    )
    # A second request sends a new key; the first one no longer opens anything.
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 12, 8, 10, 0)):
        _request_papers(personas, dossier, "Bổ sung bản sao CCCD")
    dossier.refresh_from_db()
    assert not supplement_token_valid(dossier, key)
    assert supplement_token_valid(dossier, _key_in(messages_of(dossier)[-1].body, dossier.code))


def test_the_api_answers_a_supplement_key_with_the_public_view(client, personas, catalog, receive):
    dossier = receive()
    _request_papers(personas, dossier)
    key = _key_in(messages_of(dossier)[-1].body, dossier.code)
    assert client.get(f"/api/v1/dossiers/{dossier.code}", {"t": key}).json()["view"] == "public"
    withdraw = {"action": "withdraw", "version": 2, "token": key}
    refused = client.post(
        f"/api/v1/dossiers/{dossier.code}/actions", withdraw, content_type="application/json"
    )
    assert refused.status_code == 401
    paper = dossier.procedure.documents.first()
    pdf = SimpleUploadedFile("cccd.pdf", b"%PDF-1.4 test", "application/pdf")
    moved = client.post(  # the papers, with their files (API 1.10)
        f"/api/v1/dossiers/{dossier.code}/supplement", {"version": 2, "token": key, f"doc_{paper.pk}": pdf}
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["status"] == "in_progress" and moved.json()["view"] == "public"
    assert dossier.applicant_name not in moved.content.decode()


# --- D3. The applicant is addressed as “ông/bà” in every message and on the dossier pages ---------------


def test_every_message_to_the_applicant_says_ong_ba(personas, catalog, receive):
    applicant = Applicant(name="Nguyễn Văn An", phone="0903123456", email="an@example.vn")
    finished = receive(applicant=applicant)
    _request_papers(personas, finished)
    dossier_transition(user=personas.officer, code=finished.code, action="supplement_received")
    dossier_transition(user=personas.officer, code=finished.code, action="forward")
    dossier_transition(user=personas.officer, code=finished.code, action="forward")
    dossier_transition(user=personas.head, code=finished.code, action="finish", note="Đã cấp giấy khai sinh")
    dossier_transition(
        user=personas.officer, code=finished.code, action="return_result", result_method="desk"
    )
    refused = receive(applicant=applicant)
    dossier_transition(user=personas.officer, code=refused.code, action="refuse", note="Không đủ điều kiện")
    withdrawn = receive(applicant=applicant)
    dossier_transition(user=personas.officer, code=withdrawn.code, action="withdraw")
    sent = list(Notification.objects.all())
    assert len(sent) >= 9
    for message in sent:
        text = f"{message.subject}\n{message.body}"
        assert not WORD_BAN.search(text), text
    ready = next(m.body for m in sent if finished.code in m.subject and "/danh-gia/ho-so/" in m.body)
    assert "ông/bà" in ready.lower() and "Ông/bà có hài lòng" in ready


DOSSIER_PAGE_MSGIDS = [
    "How satisfied are you with the handling of your dossier?",
    "You rated this service: %(level)s. Thank you.",
    "Your rating: %(level)s. Thank you.",
    "You can rate the service once the dossier is finished.",
    "Thank you for rating this service.",
    "Only the applicant can rate this dossier (log in, or open the link you were sent).",
    "Give a phone number or an e-mail address so that we can reach you.",
    "You cannot act on dossier %(code)s.",
    "Dossier %(code)s has changed since this page was opened (by a colleague, or in another tab). "
    "Reload it to see the change, then try again.",
    "As the applicant of dossier %(code)s you may only withdraw it or send the additional papers asked for; "
    "the other moves are made by the officers handling it.",
]


@pytest.mark.parametrize("msgid", DOSSIER_PAGE_MSGIDS)
def test_the_dossier_pages_say_ong_ba(msgid):
    text = vi(msgid)
    assert text != msgid and not WORD_BAN.search(text), text


def test_without_a_kiosk_the_rating_invitation_points_to_the_code_page(client, personas, catalog, receive):
    dossier = receive()
    client.force_login(personas.officer)
    response = client.post(f"/mot-cua/ho-so/{dossier.code}/danh-gia/")
    assert response.status_code == 302
    said = " ".join(str(m) for m in get_messages(response.wsgi_request))
    transaction = DeskTransaction.objects.get()
    assert transaction.code in said and "http://testserver/danh-gia/ma/" in said
    kiosk_text = vi(
        "Rating transaction %(tx)s is open: the applicant can rate the service at the kiosk.",
        tx=transaction.code,
    )
    assert said != kiosk_text and "thiết bị" not in said


def test_with_a_kiosk_the_rating_invitation_names_the_kiosk(client, personas, catalog, receive):
    from tests.ratings.kiosks import pair_kiosk

    pair_kiosk("BT-QUAY-1", personas.ward)
    dossier = receive()
    client.force_login(personas.officer)
    session = client.session
    session["ratings_kiosk"] = "BT-QUAY-1"
    session.save()
    response = client.post(f"/mot-cua/ho-so/{dossier.code}/danh-gia/")
    said = " ".join(str(m) for m in get_messages(response.wsgi_request))
    transaction = DeskTransaction.objects.get()
    assert said == vi(
        "Rating transaction %(tx)s is open: the applicant can rate the service at the kiosk.",
        tx=transaction.code,
    )


# --- D4. English pages write the processing time with its plural ------------------------------------------


def test_english_pages_write_one_working_day_and_hours_with_their_plural(client, personas, catalog):
    one_day = make_procedure("HT-09", "Đăng ký kết hôn", days=1)
    filing = client.get(f"/ho-so/nop/{one_day.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Processing time: 1 working day " in filing or "Processing time: 1 working day<" in filing
    assert "1 working days" not in filing
    three = client.get(f"/ho-so/nop/{catalog.birth.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "3 working days" in three
    client.force_login(personas.officer)
    desk = client.get(
        "/mot-cua/", {"unit": personas.ward.code, "procedure": catalog.copy.code}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Processing time: 4 working hours" in desk
    desk_one = client.get(
        "/mot-cua/", {"unit": personas.ward.code, "procedure": one_day.code}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Processing time: 1 working day" in desk_one and "1 working days" not in desk_one


# --- D5. Resuming after a request for papers: a short wait leaves a close-of-day deadline alone -----------


def test_a_few_seconds_of_waiting_leave_a_17_00_deadline_at_17_00(personas, catalog, receive):
    dossier = receive(when=at(2026, 12, 7, 9, 0))
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    due, step_due = dossier.due_at, dossier.current_step.due_at
    assert due == at(2026, 12, 10, 17, 0)
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 12, 8, 10, 0)):
        dossier_transition(user=personas.head, code=dossier.code, action="request_supplement", note="Thiếu")
    with mock.patch(
        "django.utils.timezone.now", return_value=at(2026, 12, 8, 10, 0) + dt.timedelta(seconds=7)
    ):
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="supplement_received")
    assert dossier.due_at == at(2026, 12, 10, 17, 0)  # not 07:30 on the next working day
    dossier.current_step.refresh_from_db()
    assert dossier.current_step.due_at == step_due


def test_a_wait_moves_a_close_of_day_deadline_by_whole_working_days(personas, catalog, receive):
    dossier = receive(when=at(2026, 12, 7, 9, 0))
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 12, 9, 8, 0)):
        dossier_transition(
            user=personas.officer, code=dossier.code, action="request_supplement", note="Thiếu"
        )
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 12, 9, 13, 30)):
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="supplement_received")
    # Four office hours waited the same working day: a day-counted appointment moves by whole working
    # days (services.moves.due_after_wait), none here: Thursday 17:00 stands.
    assert dossier.due_at == at(2026, 12, 10, 17, 0)
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 12, 10, 9, 0)):
        dossier_transition(user=personas.officer, code=dossier.code, action="request_supplement", note="Ảnh")
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 12, 10, 18, 0)):  # after the close
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="supplement_received")
    assert dossier.due_at == at(2026, 12, 11, 17, 0)  # counted as received on Friday: one day later


def test_an_hours_deadline_moves_by_the_minutes_waited(personas, catalog, receive):
    dossier = receive(catalog.copy, when=at(2026, 12, 7, 8, 0))  # 4 working hours
    due = dossier.due_at
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 12, 7, 9, 0)):
        dossier_transition(
            user=personas.officer, code=dossier.code, action="request_supplement", note="Thiếu"
        )
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 12, 7, 9, 20)):
        dossier = dossier_transition(user=personas.officer, code=dossier.code, action="supplement_received")
    assert dossier.due_at == current_calendar().add_working_hours(due, dt.timedelta(minutes=20))


def test_a_result_cannot_be_handed_over_online_to_an_applicant_with_no_way_to_receive_it(
    personas, catalog, receive
):
    from citydesk.core.errors import DomainError

    dossier = receive(applicant=Applicant(name="Lê Văn Tư", phone="0903123456"))  # at the desk, a phone only
    for action in ("forward", "forward"):
        dossier_transition(user=personas.officer, code=dossier.code, action=action)
    dossier_transition(user=personas.head, code=dossier.code, action="finish", note="Đã cấp")
    with pytest.raises(DomainError) as refused:
        dossier_transition(
            user=personas.officer, code=dossier.code, action="return_result", result_method="online"
        )
    assert refused.value.field == "result_method"
    assert Dossier.objects.get(pk=dossier.pk).status == Status.RESULT_READY  # nothing handed over
    done = dossier_transition(
        user=personas.officer, code=dossier.code, action="return_result", result_method="desk"
    )
    assert done.status == Status.RETURNED
