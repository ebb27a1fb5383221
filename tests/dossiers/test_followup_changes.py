"""Follow-up of the officer review: the API's queue of one unit with its one-stop desks and the code's
number first; an online hand-over through the API needs the signed result's file, a post one names every
missing field; the apology page shows every error; the targets' rows carry the open overdue dossiers; a
refusal of a step names it in the reader's language; the apology is written in the applicant's."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from citydesk.core.models import Organisation, OrgKind
from citydesk.dossiers.models import Dossier, DossierStep, ResultMethod, Status
from citydesk.dossiers.services import Applicant, dossier_transition
from citydesk.notifications.models import Notification
from tests.dossiers.conftest import at

pytestmark = pytest.mark.django_db

QUEUE = "/mot-cua/ho-so/"
NOW = at(2026, 12, 21, 10, 0)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def clock(moment: dt.datetime) -> Any:
    return mock.patch("django.utils.timezone.now", return_value=moment)


def fresh(dossier: Dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def finish(personas: Any, dossier: Dossier, when: dt.datetime) -> Dossier:
    with clock(when):
        dossier_transition(user=personas.officer, code=dossier.code, action="forward")
        dossier_transition(user=personas.officer, code=dossier.code, action="forward")
        return dossier_transition(user=personas.head, code=dossier.code, action="finish", note="Đã cấp")


def act_api(bearer: Any, user: Any, dossier: Dossier, action: str, headers: Any = None, **data: Any) -> Any:
    payload = {"action": action, "version": fresh(dossier).version, **data}
    return Client().post(
        f"/api/v1/dossiers/{dossier.code}/actions",
        json.dumps(payload),
        content_type="application/json",
        **(headers or {}),
        **bearer(user),
    )


# --- A. The API's queue: one unit with its one-stop desks; the code's number first ----------------


def test_the_api_queue_of_a_ward_counts_its_one_stop_desks_steps(personas, receive, bearer):
    at_ward = receive(when=at(2026, 12, 1, 9, 0))
    at_desk = receive(when=at(2026, 12, 1, 9, 0))
    desk = Organisation.objects.create(
        code="26743.MC", name="Bộ phận Một cửa", kind=OrgKind.ONE_STOP_DESK, parent=personas.ward
    )
    DossierStep.objects.filter(pk=fresh(at_desk).current_step_id).update(unit=desk)
    with clock(NOW):
        client = login(personas.officer)
        listed = client.get("/api/v1/dossiers", {"unit": personas.ward.code}, **bearer(personas.officer))
        overdue = client.get(
            "/api/v1/dossiers", {"unit": personas.ward.code, "overdue": "true"}, **bearer(personas.officer)
        )
        summary = client.get(QUEUE, {"unit": personas.ward.code}).context["summary"]
    assert listed.status_code == 200, listed.content
    codes = [item["code"] for item in listed.json()["items"]]
    assert sorted(codes) == sorted([at_ward.code, at_desk.code])
    assert listed.json()["count"] == summary.waiting == 2
    assert overdue.json()["count"] == summary.overdue == 2


def test_the_api_queue_lists_the_dossier_of_the_codes_number_first(personas, receive, bearer):
    # The phone digits' dossier is due first: only the code's number puts the other before it.
    phone = receive(applicant=Applicant(name="Lê Văn Cường", phone="0903121555"), when=at(2026, 12, 1, 9, 0))
    target = receive(
        applicant=Applicant(name="Trần Thị Bích", phone="0912345678"), when=at(2026, 12, 7, 9, 0)
    )
    Dossier.objects.filter(pk=target.pk).update(code="HS-26-000121")
    with clock(NOW):
        client = Client()
        for typed in ("121", "000121", "26-000121"):
            found = client.get("/api/v1/dossiers", {"q": typed}, **bearer(personas.officer)).json()
            codes = [item["code"] for item in found["items"]]
            assert codes and codes[0] == "HS-26-000121", (typed, codes)
        found = client.get("/api/v1/dossiers", {"q": "121"}, **bearer(personas.officer)).json()
    assert phone.code in [item["code"] for item in found["items"]]  # the phone digits still match, after


# --- B1. The hand-over through the API --------------------------------------------------------------


def test_an_online_hand_over_through_the_api_needs_the_signed_file(personas, receive, bearer):
    dossier = finish(personas, receive(), at(2026, 12, 8, 9, 0))
    response = act_api(bearer, personas.officer, dossier, "return_result", result_method=ResultMethod.ONLINE)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "file"
    assert fresh(dossier).status == Status.RESULT_READY


def test_a_post_hand_over_through_the_api_names_both_missing_fields(personas, receive, bearer):
    dossier = finish(personas, receive(), at(2026, 12, 8, 9, 0))  # the applicant gave no address
    response = act_api(bearer, personas.officer, dossier, "return_result", result_method=ResultMethod.POST)
    assert response.status_code == 400, response.content
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["tracking_number", "delivery_address"]
    assert fresh(dossier).status == Status.RESULT_READY


# --- C. The apology page shows every error ----------------------------------------------------------


def test_the_apology_page_shows_both_errors_at_once(personas, receive):
    dossier = receive(when=at(2026, 12, 7, 9, 0))
    with clock(NOW):
        response = login(personas.officer).post(
            f"{QUEUE}{dossier.code}/xin-loi/", {"version": dossier.version, "appointment": "", "reason": ""}
        )
    text = response.content.decode()
    assert response.status_code == 400
    assert 'id="err-apology-appointment"' in text and 'id="err-apology-reason"' in text


# --- F. The targets' rows carry the open overdue dossiers -------------------------------------------


def test_the_targets_rows_carry_the_open_overdue(personas, receive, bearer):
    receive(when=at(2026, 12, 1, 9, 0))  # open, due 4/12: past due
    with clock(NOW):
        api = Client().get(
            "/api/v1/dossier-targets", {"unit": personas.ward.code, "year": 2026}, **bearer(personas.leader)
        )
    assert api.status_code == 200, api.content
    row = api.json()["rows"][0]
    assert row["open_overdue"] == 1 and row["on_time_share"]["of"] == row["finished"] + 1


# --- The refusal of a step names it in the reader's language ----------------------------------------


def test_an_english_refusal_names_the_english_step(personas, catalog, receive, bearer):
    dossier = receive(catalog.land)
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")  # to the department
    step = fresh(dossier).current_step
    step.name_en = "Appraisal of the land dossier"
    step.save(update_fields=["name_en"])
    english = act_api(bearer, personas.officer, dossier, "forward", headers={"HTTP_ACCEPT_LANGUAGE": "en"})
    vietnamese = act_api(bearer, personas.officer, dossier, "forward", headers={"HTTP_ACCEPT_LANGUAGE": "vi"})
    assert english.status_code == 403, english.content
    assert "“Appraisal of the land dossier”" in english.json()["detail"]
    assert "Thẩm định hồ sơ đất" not in english.json()["detail"]
    assert vietnamese.status_code == 403 and "“Thẩm định hồ sơ đất”" in vietnamese.json()["detail"]


# --- The apology is written in the applicant's language ---------------------------------------------


def test_the_apology_reaches_an_english_speaking_applicant_in_english(personas, receive):
    from citydesk.dossiers import slips

    personas.citizen.language = "en"
    personas.citizen.save()
    dossier = receive(when=at(2026, 12, 7, 9, 0))
    Dossier.objects.filter(pk=dossier.pk).update(applicant=personas.citizen)
    with clock(NOW):
        slips.dossier_apologise(
            user=personas.officer, code=dossier.code, appointment="2026-12-23T09:00", reason="Chờ ý kiến"
        )
    sent = Notification.objects.filter(recipient=personas.citizen, subject__contains=dossier.code).get()
    assert sent.subject == f"Dossier {dossier.code}: apology and new appointment"
    assert "apologises" in sent.body and "xin lỗi" not in sent.body
