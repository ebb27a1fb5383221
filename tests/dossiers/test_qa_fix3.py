"""Third QA round on the one-stop subsystem: a finished dossier's messages carry its result and the rating
link and its tracking page offers the rating; receiving at a desk with a kiosk opens its transaction;
the forms say every problem at once; the applicant hears of the moves that matter to them, once, with
day-first times; the history shows no status arrow that changes nothing; the API requires the version,
tells an applicant what they may do, and says an unknown unit is not found."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from citydesk.core.audit import Actor
from citydesk.dossiers.models import Dossier, DossierEvent, Status
from citydesk.dossiers.services import Applicant, dossier_transition
from citydesk.notifications.channels import sms_text
from citydesk.notifications.models import Notification
from citydesk.ratings.models import DeskTransaction, Kiosk, Rating
from citydesk.ratings.services import kiosk_unpair, rating_submit_web
from tests.ratings.kiosks import hold_kiosk_cookie, pair_kiosk

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 test"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def post_json(client: Any, path: str, data: dict, **headers: Any) -> Any:
    return client.post(path, json.dumps(data), content_type="application/json", **headers)


def messages_of(dossier: Dossier, channel: str = "email") -> list[Notification]:
    return list(Notification.objects.filter(channel=channel, subject__contains=dossier.code).order_by("id"))


def finish(personas: Any, dossier: Dossier, note: str = "Đã cấp giấy khai sinh số 123/2026") -> Dossier:
    """Move a dossier of the 3-step birth procedure to the end: its result is ready."""
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    return dossier_transition(user=personas.head, code=dossier.code, action="finish", note=note)


def type_client():
    from django.test import Client

    return Client()


# --- 1. The result message carries the result and the rating link; the tracking page offers it --------


def test_the_result_messages_carry_the_result_and_the_rating_link(personas, catalog, receive):
    from citydesk.dossiers.services.common import rating_token_valid
    from citydesk.ratings.services import dossier_for_rating

    dossier = receive()
    link = f"/danh-gia/ho-so/{dossier.code}/?t="
    finish(personas, dossier)
    ready = messages_of(dossier)[-1]
    assert "Đã cấp giấy khai sinh số 123/2026" in ready.body and link in ready.body
    # The message carries a key that opens the rating only, never the receipt's full key.
    assert dossier.citizen_token not in ready.body
    from urllib.parse import unquote

    key = unquote(re.search(r"\?t=([^\s&]+)", ready.body).group(1))
    assert rating_token_valid(dossier, key) and dossier_for_rating(dossier_code=dossier.code, token=key)
    lookup = type_client().get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": key}).content.decode()
    assert dossier.applicant_name not in lookup  # the rating key does not open the applicant's lookup
    dossier_transition(user=personas.officer, code=dossier.code, action="return_result", result_method="desk")
    returned = messages_of(dossier)[-1]
    assert returned.pk != ready.pk and link in returned.body


def test_a_rated_dossier_is_not_asked_again_and_a_refusal_may_be_rated(personas, catalog, receive):
    dossier = receive()
    finish(personas, dossier)
    rating_submit_web(dossier_code=dossier.code, level="satisfied", token=dossier.citizen_token)
    dossier_transition(user=personas.officer, code=dossier.code, action="return_result", result_method="desk")
    assert "/danh-gia/ho-so/" not in messages_of(dossier)[-1].body
    refused = receive()
    dossier_transition(user=personas.officer, code=refused.code, action="refuse", note="Không đủ điều kiện")
    assert f"/danh-gia/ho-so/{refused.code}/?t=" in messages_of(refused)[-1].body


def test_the_tracking_page_offers_the_rating_once_finished_then_says_it_was_given(
    client, personas, catalog, receive
):
    dossier = receive()
    track = f"/ho-so/tra-cuu/{dossier.code}/"
    mine = {"t": dossier.citizen_token}
    assert 'data-testid="rate-link"' not in client.get(track, mine).content.decode()  # still open
    finish(personas, dossier)
    page = client.get(track, mine).content.decode()
    rate = re.search(r'href="([^"]+)" data-testid="rate-link"', page)
    assert rate and rate.group(1).startswith(f"/danh-gia/ho-so/{dossier.code}/?t=")
    assert dossier.citizen_token not in rate.group(1)
    stranger = type(client)().get(track).content.decode()
    assert 'data-testid="rate-link"' not in stranger and dossier.citizen_token not in stranger
    assert client.post(rate.group(1).replace("&amp;", "&"), {"level": "normal"}).status_code == 302
    page = client.get(track, mine).content.decode()
    assert 'data-testid="rated"' in page and 'data-testid="rate-link"' not in page


def test_a_withdrawn_dossier_offers_no_rating(client, personas, catalog, receive):
    dossier = receive()
    dossier_transition(user=personas.officer, code=dossier.code, action="withdraw")
    page = client.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": dossier.citizen_token}).content.decode()
    assert 'data-testid="rating-offer"' not in page
    assert "/danh-gia/ho-so/" not in messages_of(dossier)[-1].body


# --- 4. Receiving at a desk with a kiosk opens the kiosk's transaction by itself -------------------------


def test_receiving_at_a_desk_with_a_kiosk_opens_its_transaction(client, personas, catalog):
    tablet = pair_kiosk("BT-QUAY-1", personas.ward)
    client.force_login(personas.officer)
    session = client.session
    session["ratings_kiosk"] = "BT-QUAY-1"
    session.save()
    doc = next(d.pk for d in catalog.birth.documents.all() if d.required)
    response = client.post(
        "/mot-cua/",
        {
            "unit": "26743",
            "procedure": "HT-01",
            "channel": "desk",
            "applicant_name": "Nguyễn Văn An",
            "documents": [doc],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get()
    desk = DeskTransaction.objects.get()
    assert (desk.dossier, desk.kiosk, desk.kind, desk.procedure) == (
        dossier,
        "BT-QUAY-1",
        "receive",
        catalog.birth,
    )
    page = client.get(response["Location"]).content.decode()
    assert f'data-code="{desk.code}"' in page
    tablet_client = hold_kiosk_cookie(Client(), tablet)
    state = tablet_client.get("/danh-gia/quay/BT-QUAY-1/trang-thai.json").json()
    assert state["transaction"] == desk.code  # the tablet shows it now
    assert desk.dossier_id == dossier.pk and "dossier" not in state  # the feed names no dossier


def test_a_dossier_received_by_post_does_not_call_the_kiosk(client, personas, catalog):
    """The applicant who posted the papers is not at the desk: the tablet must not ask whoever stands
    there to rate, nor close the walk-in citizen's open transaction."""
    pair_kiosk("BT-QUAY-1", personas.ward)
    client.force_login(personas.officer)
    session = client.session
    session["ratings_kiosk"] = "BT-QUAY-1"
    session.save()
    doc = next(d.pk for d in catalog.birth.documents.all() if d.required)
    walk_in = {"unit": "26743", "procedure": "HT-01", "channel": "desk", "applicant_name": "Trần Thị Bình"}
    assert client.post("/mot-cua/", {**walk_in, "documents": [doc]}).status_code == 302
    waiting = DeskTransaction.objects.get()
    posted = {
        **walk_in,
        "channel": "post",
        "applicant_name": "Nguyễn Văn An",
        "applicant_address": "12 Lê Lợi",
    }
    response = client.post("/mot-cua/", {**posted, "documents": [doc]})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(DeskTransaction.objects.all()) == [waiting]  # no new one; the walk-in's stays
    page = client.get(response["Location"]).content.decode()
    dossier = Dossier.objects.get(channel="post")
    assert 'data-code="' not in page and reverse("dossiers:rating_open", args=[dossier.code]) not in page


def _receive_at_desk(client, catalog):
    doc = next(d.pk for d in catalog.birth.documents.all() if d.required)
    data = {
        "unit": "26743",
        "procedure": "HT-01",
        "channel": "desk",
        "applicant_name": "Nguyễn Văn An",
        "documents": [doc],
    }
    return client.post("/mot-cua/", data)


@pytest.mark.parametrize("kiosk", ["BT-KHONG-GHEP", "SG-QUAY-1", "BT-DA-GO"])
def test_a_desk_whose_kiosk_is_not_paired_with_the_unit_invites_by_code(client, personas, catalog, kiosk):
    """The remembered kiosk is unknown, a kiosk of another ward, or unpaired: receiving opens nothing
    for it (and says why), and the invitation opens a transaction rated with its code."""
    pair_kiosk("SG-QUAY-1", personas.other_ward)
    pair_kiosk("BT-DA-GO", personas.ward)
    kiosk_unpair(actor=Actor.system("test"), kiosk=Kiosk.objects.get(code="BT-DA-GO"))
    client.force_login(personas.officer)
    session = client.session
    session["ratings_kiosk"] = kiosk
    session.save()
    response = _receive_at_desk(client, catalog)
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    warned = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(kiosk in m for m in warned), warned
    assert not DeskTransaction.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="kiosk-problem"' in page and 'href="/danh-gia/ma/"' in page
    assert client.post(f"/mot-cua/ho-so/{dossier.code}/danh-gia/").status_code == 302
    assert DeskTransaction.objects.get().kiosk == ""  # rated with its code, not at a stranger's tablet


def test_without_a_kiosk_the_received_page_points_to_the_public_code_page(client, personas, catalog, receive):
    dossier = receive()
    client.force_login(personas.officer)
    assert not DeskTransaction.objects.exists()  # nothing opened by itself without a kiosk
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/da-tiep-nhan/").content.decode()
    assert 'href="/danh-gia/ma/"' in page
    client.post(f"/mot-cua/ho-so/{dossier.code}/danh-gia/")
    desk = DeskTransaction.objects.get()
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/da-tiep-nhan/").content.decode()
    assert f'href="/danh-gia/ma/?ma={desk.code}" data-testid="by-code-link"' in page
    assert client.get(f"/danh-gia/ma/?ma={desk.code}").status_code == 200


# --- 5. The forms say every problem at once --------------------------------------------------------------


def test_the_online_form_lists_every_problem_at_once(client, personas, catalog):
    data = {
        "unit": "Phường Không Có",
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": "12345",
        "applicant_phone": "abc",
    }
    response = client.post("/ho-so/nop/HT-01/", data)
    page = response.content.decode()
    assert response.status_code == 400
    for field in ("unit", "applicant_id_number", "applicant_phone", "documents", "consent"):
        assert f'id="err-{field}"' in page, field
    assert not Dossier.objects.exists()


def test_the_online_form_names_a_bad_file_and_the_other_problems_together(client, personas, catalog):
    doc = next(d.pk for d in catalog.birth.documents.all() if d.required)
    data = {
        "unit": personas.ward.code,
        "applicant_name": "",
        "applicant_email": "khong-phai-email",
        "consent": "on",
        f"doc_{doc}": SimpleUploadedFile("anh.gif", b"GIF89a...."),
    }
    page = client.post("/ho-so/nop/HT-01/", data).content.decode()
    for field in ("applicant_name", "applicant_email", "documents"):
        assert f'id="err-{field}"' in page, field
    assert 'id="err-unit"' not in page and 'id="err-consent"' not in page
    assert not Dossier.objects.exists()
    data = {**data, "applicant_name": "Nguyễn Văn An", "applicant_email": "an@example.vn"}
    data[f"doc_{doc}"] = SimpleUploadedFile("to-khai.pdf", PDF)
    assert client.post("/ho-so/nop/HT-01/", data).status_code == 302  # all said, all fixed: filed
    assert Dossier.objects.count() == 1


def test_the_desk_intake_lists_every_problem_at_once(client, personas, catalog):
    client.force_login(personas.officer)
    response = client.post(
        "/mot-cua/",
        {
            "unit": "26743",
            "procedure": "HT-01",
            "applicant_name": "",
            "applicant_phone": "x",
            "channel": "desk",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    for field in ("applicant_name", "applicant_phone", "documents"):
        assert f'id="err-{field}"' in page, field
    assert not Dossier.objects.exists()


# --- 7. Messages: what matters, said once, day first ------------------------------------------------------


def test_an_internal_step_sends_the_applicant_nothing(personas, catalog, receive):
    dossier = receive()
    before = Notification.objects.count()
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    assert Notification.objects.count() == before
    dossier_transition(
        user=personas.officer, code=dossier.code, action="request_supplement", note="Bản sao CCCD"
    )
    assert Notification.objects.count() == before + 1  # a request for papers is theirs to answer


def test_the_sms_says_the_code_once_and_times_are_day_first(personas, catalog, receive):
    applicant = Applicant(name="Nguyễn Văn An", phone="0903123456")
    dossier = receive(applicant=applicant)
    received = messages_of(dossier, "sms")[-1]
    text = sms_text(received.subject, received.body)
    assert text.count(dossier.code) == 2  # in the sentence and in the tracking link, not a third time
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", received.body), received.body
    assert not re.search(r"\d{2}:\d{2} \d{2}/\d{2}/\d{4}", received.body)
    event = DossierEvent.objects.get(dossier=dossier, kind=DossierEvent.Kind.RECEIVED)
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", event.display_note)


def test_an_sms_whose_body_does_not_name_the_code_keeps_the_subject():
    assert sms_text("Hồ sơ HS-26-000001: cần bổ sung", "Vui lòng bổ sung.") == (
        "Hồ sơ HS-26-000001: cần bổ sung: Vui lòng bổ sung."
    )
    body = "Hồ sơ HS-26-000001 của bạn cần bổ sung.\nhttps://x.vn/ho-so/tra-cuu/HS-26-000001/"
    assert sms_text("Hồ sơ HS-26-000001: cần bổ sung", body) == body
    # The code only in the link is not the code said: the subject stays.
    assert sms_text("Hồ sơ HS-26-000001", "Đã nhận.\nhttps://x.vn/HS-26-000001/").startswith(
        "Hồ sơ HS-26-000001: "
    )


# --- 8. The history shows no arrow between a status and itself -------------------------------------------


def test_the_history_shows_no_status_arrow_that_changes_nothing(client, personas, catalog, receive):
    dossier = receive()
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    page = client.get(f"/ho-so/tra-cuu/{dossier.code}/").content.decode()
    in_progress = str(Status.IN_PROGRESS.label)
    assert f"{in_progress} → {in_progress}" not in page
    assert f"{Status.RECEIVED.label} → {in_progress}" in page  # a real change still shows


# --- 13–15. The API: version required, the applicant's moves, unknown units --------------------------------


def test_an_action_without_the_version_is_400_and_changes_nothing(client, bearer, personas, catalog, receive):
    dossier = receive()
    url = f"/api/v1/dossiers/{dossier.code}/actions"
    for payload in ({"action": "forward"}, {"action": "forward", "version": None}):
        r = post_json(client, url, payload, **bearer(personas.officer))
        assert r.status_code == 400 and r.json()["field"] == "version", r.content
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert (fresh.version, fresh.current_step.position) == (1, 1)
    r = post_json(client, url, {"action": "forward", "version": 1}, **bearer(personas.officer))
    assert r.status_code == 200


def test_the_applicant_asking_an_officers_move_is_403_saying_what_they_may_do(
    client, personas, catalog, receive
):
    dossier = receive()
    url = f"/api/v1/dossiers/{dossier.code}/actions"
    for action in ("forward", "refuse"):
        r = post_json(
            client, url, {"action": action, "version": 1, "token": dossier.citizen_token, "note": "x"}
        )
        assert r.status_code == 403 and r.json()["field"] == "action", r.content
    r = post_json(client, url, {"action": "forward", "version": 1, "token": "sai"})
    assert r.status_code == 401  # no credentials at all is still 401
    assert Dossier.objects.get(pk=dossier.pk).version == 1
    r = post_json(client, url, {"action": "withdraw", "version": 1, "token": dossier.citizen_token})
    assert r.status_code == 200


def test_an_unknown_unit_in_the_queue_is_404(client, bearer, personas, catalog):
    r = client.get("/api/v1/dossiers", {"unit": "99999"}, **bearer(personas.officer))
    assert r.status_code == 404 and r.json()["field"] == "unit"
    r = client.get("/api/v1/dossiers", {"unit": personas.other_ward.code}, **bearer(personas.officer))
    assert r.status_code == 403 and r.json()["field"] == "unit"  # a known unit that is not yours


def test_rating_is_offered_only_through_the_applicants_own_access(client, personas, catalog, receive):
    dossier = receive()
    finish(personas, dossier)
    assert not Rating.objects.exists()
    client.post(f"/ho-so/tra-cuu/{dossier.code}/", {"phone": "3456"})  # last 4 digits: a view, not the key
    page = client.get(f"/ho-so/tra-cuu/{dossier.code}/").content.decode()
    assert 'data-testid="rate-link"' not in page and dossier.citizen_token not in page


def test_the_rating_link_of_the_result_message_rates_through_the_web_page(personas, catalog, receive):
    """The signed key the message carries (about 70 characters) is accepted by the page's form."""
    from urllib.parse import unquote

    from citydesk.ratings.models import Rating

    dossier = receive()
    finish(personas, dossier)
    key = unquote(re.search(r"\?t=([^\s&]+)", messages_of(dossier)[-1].body).group(1))
    assert len(key) > 64
    response = type_client().post(
        f"/danh-gia/ho-so/{dossier.code}/", {"t": key, "level": "satisfied", "comment": "Nhanh gọn"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert Rating.objects.filter(dossier=dossier, level="satisfied").exists()


@pytest.mark.parametrize("action", ["refuse", "withdraw"])
def test_a_refused_or_withdrawn_dossier_does_not_read_as_finished(client, personas, catalog, receive, action):
    """Its end is not labelled "result ready", and the step it stopped at is not "completed"."""
    dossier = receive()
    dossier_transition(user=personas.officer, code=dossier.code, action=action, note="Không đủ điều kiện")
    dossier.refresh_from_db()
    page = client.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": dossier.citizen_token}).content.decode()
    assert 'data-testid="step-stopped"' in page
    assert "Hoàn thành" not in page  # "Completed": nobody did the step
    if dossier.resolved_at:
        assert "Đã có kết quả" not in page  # "Result ready"
    client.force_login(personas.officer)
    officer = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert 'data-testid="step-stopped"' in officer and "Đã có kết quả" not in officer


def test_the_applicant_on_the_officers_address_is_sent_to_their_own_page(client, personas, catalog, receive):
    dossier = receive()
    Dossier.objects.filter(pk=dossier.pk).update(applicant=personas.citizen)
    client.force_login(personas.citizen)
    r = client.get(f"/mot-cua/ho-so/{dossier.code}/")
    assert r.status_code == 302 and r["Location"] == f"/ho-so/tra-cuu/{dossier.code}/"
    client.force_login(personas.outsider)  # an officer of another unit: still refused, as before
    assert client.get(f"/mot-cua/ho-so/{dossier.code}/").status_code == 403


def test_the_result_message_says_an_unpaid_fee_is_due_before_the_hand_over(personas, catalog, receive):
    paid, unpaid = receive(), receive()
    Dossier.objects.filter(pk__in=[paid.pk, unpaid.pk]).update(fee=150000)
    Dossier.objects.filter(pk=paid.pk).update(paid_at=paid.received_at)
    finish(personas, paid)
    finish(personas, unpaid)
    assert "150.000" in messages_of(unpaid)[-1].body and "chưa được nộp" in messages_of(unpaid)[-1].body
    assert "chưa được nộp" not in messages_of(paid)[-1].body
