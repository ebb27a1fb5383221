"""The citizen app opens an account and recovers a password (`POST /api/v1/auth/signup`, `…/signup/confirm`,
`…/password-reset`, `…/password-reset/confirm`), and signs in with an e-mail address or phone number
(`POST /api/v1/auth/token`): 400 naming the field, 429 with Retry-After on the limits."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from citydesk.core import accounts
from citydesk.core.models import AccountCode, ApiToken, AuditEntry, User
from citydesk.notifications.models import Notification

pytestmark = pytest.mark.django_db

PASSWORD = "mot-mat-khau-dai-7"


def post(path: str, body: object, client: Client | None = None, **extra):
    return (client or Client()).post(
        f"/api/v1/auth/{path}", json.dumps(body), content_type="application/json", **extra
    )


def last_code(address: str) -> str:
    body = Notification.objects.filter(address=address).latest("pk").body
    return re.search(r"\b(\d{6})\b", body).group(1)


def signup_body(**changes) -> dict:
    body = {"full_name": "Lê Văn Bình", "phone": "0987 654 321", "password": PASSWORD, "consent": True}
    body.update(changes)
    return body


def test_sign_up_by_phone_and_get_a_token(personas):
    sent = post("signup", signup_body())
    assert sent.status_code == 202, sent.content
    assert sent.json()["sent_to"] == "098****321"
    assert Notification.objects.get().channel == "sms"
    code = last_code("0987654321")
    done = post("signup/confirm", {"phone": "+84987654321", "code": code, "name": "Điện thoại của Bình"})
    assert done.status_code == 201, done.content
    body = done.json()
    assert body["user"]["full_name"] == "Lê Văn Bình" and body["user"]["memberships"] == []
    user = User.objects.get(phone="0987654321")
    assert body["user"]["username"] == user.username and user.last_login is not None
    assert ApiToken.objects.get(user=user).name == "Điện thoại của Bình"
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.status_code == 200
    assert AuditEntry.objects.filter(action="user.create", object_id=str(user.pk)).exists()
    # The app then signs in with the phone number, in any form.
    token = post("token", {"username": "0987.654.321", "password": PASSWORD})
    assert token.status_code == 201 and token.json()["user"]["username"] == user.username


def test_an_address_already_used_gets_the_same_answer(personas):
    fresh = post("signup", signup_body(phone="", email="moi@example.vn"))
    taken = post("signup", signup_body(phone="", email="citizen@example.vn"))
    assert fresh.status_code == taken.status_code == 202
    assert set(fresh.json()) == set(taken.json())
    assert "/quen-mat-khau/" in Notification.objects.get(address="citizen@example.vn").body


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (signup_body(email="a@example.vn"), ["email", "phone"]),
        (signup_body(phone="02838291234"), ["phone"]),
        (signup_body(full_name="  ", password="short", consent=False), ["full_name", "password", "consent"]),
        ({"phone": "0987654321", "password": PASSWORD, "consent": True}, ["full_name"]),
    ],
)
def test_bad_input_is_400_naming_every_field(personas, body, fields):
    response = post("signup", body)
    assert response.status_code == 400, response.content
    answer = response.json()
    named = [e["field"] for e in answer.get("errors", [])] or [answer["field"]]
    assert named == fields
    assert not AccountCode.objects.exists()


def test_the_limits_are_429_with_retry_after(personas, settings):
    for _ in range(accounts.CODES_PER_CONTACT_PER_DAY):
        assert post("signup", signup_body()).status_code == 202
    refused = post("signup", signup_body())
    assert refused.status_code == 429 and refused.json()["field"] == "phone"
    assert int(refused["Retry-After"]) > 23 * 3600
    settings.CITYDESK_ACCOUNT_REQUESTS_PER_ADDRESS_PER_HOUR = 3
    refused = post("password-reset", {"email": "someone@example.vn"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 3600


def test_wrong_codes_then_the_code_is_spent(personas):
    post("signup", signup_body())
    code = last_code("0987654321")
    other = f"{(int(code) + 7) % 10**6:06d}"
    for left in range(accounts.CODE_TRIES - 1, 0, -1):
        response = post("signup/confirm", {"phone": "0987654321", "code": other})
        assert response.status_code == 400 and response.json()["field"] == "code"
        assert f"{left}" in response.json()["detail"]
    assert post("signup/confirm", {"phone": "0987654321", "code": other}).status_code == 429
    assert post("signup/confirm", {"phone": "0987654321", "code": code}).status_code == 429
    bad = post("signup/confirm", {"phone": "0987654321", "code": "12ab"})
    assert bad.status_code == 400 and bad.json()["field"] == "code"


def test_password_reset_through_the_api_ends_the_tokens(personas):
    first = post("token", {"username": "citizen@example.vn", "password": "pw-citizen"}).json()["token"]
    sent = post("password-reset", {"email": "citizen@example.vn"})
    unknown = post("password-reset", {"email": "nobody@example.vn"})
    assert sent.status_code == unknown.status_code == 202
    assert sent.json()["detail"].replace("ci***", "") == unknown.json()["detail"].replace("no***", "")
    code = last_code("citizen@example.vn")
    weak = post("password-reset/confirm", {"email": "citizen@example.vn", "code": code, "password": "12345"})
    assert weak.status_code == 400 and weak.json()["field"] == "password"
    done = post("password-reset/confirm", {"email": "citizen@example.vn", "code": code, "password": PASSWORD})
    assert done.status_code == 200, done.content
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {first}").status_code == 401
    assert post("token", {"username": "citizen", "password": PASSWORD}).status_code == 201
    assert post("token", {"username": "citizen", "password": "pw-citizen"}).status_code == 401


def test_a_shared_e_mail_is_refused_naming_the_user_name(personas):
    User.objects.create_user(username="officer2", password="x-other-1", email="officer@example.vn")
    response = post("token", {"username": "officer@example.vn", "password": "pw-officer"})
    assert response.status_code == 401 and response.json()["field"] == "username"
    assert post("token", {"username": "officer", "password": "pw-officer"}).status_code == 201


def test_the_lock_out_holds_for_every_name_of_the_account(personas):
    for _ in range(5):
        post("token", {"username": "CITIZEN@example.vn", "password": "sai"})
    locked = post("token", {"username": "citizen", "password": "pw-citizen"})
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0


def test_the_document_lists_the_refusals():
    from citydesk.api import api

    paths = api.get_openapi_schema()["paths"]
    for path in ("signup", "signup/confirm", "password-reset", "password-reset/confirm"):
        responses = {str(code) for code in paths[f"/api/v1/auth/{path}"]["post"]["responses"]}
        assert {"400", "429"} <= responses, path
    limited = paths["/api/v1/auth/signup"]["post"]["responses"][429]
    assert "Retry-After" in limited["headers"]
