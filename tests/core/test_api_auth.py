"""Signing in from the citizen app (`POST /api/v1/auth/token`) and out (`DELETE /api/v1/auth/token`): the
CLI's kind of token, behind the web log-in's protections (the per-account lock-out, the per-address guard
against password spraying), answered in the API's JSON, never the web's HTML lock-out page."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from citydesk.core.models import ApiToken, AuditEntry

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token"


def sign_in(client: Client, username: str, password: str, **extra) -> object:
    body = {"username": username, "password": password, **extra}
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_a_citizen_signs_in_and_the_token_works(personas):
    client = Client()
    response = sign_in(client, "citizen", "pw-citizen", name="Điện thoại của Mai")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["token"].startswith("cd_") and body["expires_at"] is None
    assert body["user"] == {
        "username": "citizen",
        "full_name": "Ngô Thị Mai",
        "language": "vi",
        "memberships": [],
    }
    # The CLI's token: only its hash kept, named, audited as the user's own act.
    record = ApiToken.objects.get(user=personas.citizen)
    assert record.name == "Điện thoại của Mai" and record.key_hash != body["token"]
    entry = AuditEntry.objects.filter(action="api_token.create").latest("id")
    assert entry.actor_id == personas.citizen.pk and entry.object_id == str(record.pk)
    # No session was opened: the token is the app's credential.
    assert "_auth_user_id" not in client.session
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.status_code == 200 and me.json()["username"] == "citizen"
    personas.citizen.refresh_from_db()
    assert personas.citizen.last_login is not None  # a log-in, as on the web


def test_a_token_without_a_name_is_named_after_where_it_came_from(personas):
    assert sign_in(Client(), "citizen", "pw-citizen").status_code == 201
    assert ApiToken.objects.get(user=personas.citizen).name == "auth/token"


def test_an_officer_gets_the_memberships_of_get_me(personas):
    body = sign_in(Client(), "officer", "pw-officer").json()
    assert [m["organisation_code"] for m in body["user"]["memberships"]] == ["26743"]


def test_wrong_password_unknown_user_and_deactivated_account_get_one_message(personas):
    personas.outsider.is_active = False
    personas.outsider.save()
    answers = [
        sign_in(Client(), "citizen", "sai-mat-khau"),
        sign_in(Client(), "khong-co-ai", "pw-citizen"),
        sign_in(Client(), "outsider", "pw-outsider"),  # the right password of a deactivated account
    ]
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert len({a.json()["detail"] for a in answers}) == 1
    assert answers[0].json()["detail"] == "Sai tên đăng nhập hoặc mật khẩu. Vui lòng thử lại."
    assert "field" not in answers[0].json()  # says neither which part was wrong
    assert not ApiToken.objects.exists()


def test_five_wrong_passwords_lock_the_account_with_a_json_429(personas):
    client = Client(REMOTE_ADDR="198.51.100.7")
    statuses = [sign_in(client, "citizen", "sai-mat-khau").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]  # the fifth locks, as on the web log-in page
    locked = sign_in(client, "citizen", "pw-citizen")  # the right password too
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("application/json")  # not axes' HTML page
    assert "Đăng nhập sai quá nhiều lần" in locked.json()["detail"]
    assert int(locked["Retry-After"]) == 15 * 60
    assert not ApiToken.objects.exists()
    # The lock is the account's at that address, as on the web.
    assert sign_in(Client(REMOTE_ADDR="198.51.100.8"), "citizen", "pw-citizen").status_code == 201


def test_the_web_log_in_and_the_api_count_the_same_wrong_passwords(personas):
    web = Client(REMOTE_ADDR="198.51.100.9")
    for _ in range(5):
        web.post("/dang-nhap/", {"username": "citizen", "password": "sai-mat-khau"})
    assert sign_in(Client(REMOTE_ADDR="198.51.100.9"), "citizen", "pw-citizen").status_code == 429


def test_a_successful_sign_in_clears_the_wrong_attempts(personas):
    client = Client(REMOTE_ADDR="198.51.100.10")
    for _ in range(4):
        assert sign_in(client, "citizen", "sai-mat-khau").status_code == 401
    assert sign_in(client, "citizen", "pw-citizen").status_code == 201
    for _ in range(4):
        assert sign_in(client, "citizen", "sai-mat-khau").status_code == 401
    assert sign_in(client, "citizen", "pw-citizen").status_code == 201


def test_password_spraying_from_one_address_is_refused_for_every_account(personas, settings):
    settings.CITYDESK_LOGIN_ACCOUNTS_PER_ADDRESS = 3
    sprayer = Client(REMOTE_ADDR="203.0.113.50")
    for name in ("officer", "deputy", "head"):
        assert sign_in(sprayer, name, "Matkhau@2026").status_code == 401
    refused = sign_in(sprayer, "citizen", "pw-citizen")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused["Content-Type"].startswith("application/json")
    assert not ApiToken.objects.exists()
    assert sign_in(Client(REMOTE_ADDR="203.0.113.51"), "citizen", "pw-citizen").status_code == 201


def test_a_name_over_the_column_is_refused_before_any_password_is_tried(personas):
    response = sign_in(Client(), "citizen", "pw-citizen", name="x" * 101)
    assert response.status_code == 400 and response.json()["field"] == "name"
    assert not ApiToken.objects.exists()


def test_missing_fields_are_named(personas):
    response = Client().post(URL, json.dumps({"username": "citizen"}), content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "password"


def test_signing_out_revokes_only_this_token(personas):
    first = sign_in(Client(), "citizen", "pw-citizen", name="phone").json()["token"]
    second = sign_in(Client(), "citizen", "pw-citizen", name="tablet").json()["token"]
    client = Client(enforce_csrf_checks=True)
    out = client.delete(URL, HTTP_AUTHORIZATION=f"Bearer {first}")
    assert out.status_code == 204
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {first}").status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 200
    revoked = ApiToken.objects.get(name="phone")
    assert revoked.revoked_at is not None and ApiToken.objects.get(name="tablet").revoked_at is None
    entry = AuditEntry.objects.filter(action="api_token.revoke").latest("id")
    assert entry.actor_id == personas.citizen.pk and entry.object_id == str(revoked.pk)
    assert client.delete(URL, HTTP_AUTHORIZATION=f"Bearer {first}").status_code == 401  # already gone


def test_signing_out_needs_a_bearer_token(personas):
    client = Client()
    client.force_login(personas.citizen)
    assert client.delete(URL).status_code == 401  # a session has no token to revoke
    assert Client().delete(URL).status_code == 401


def test_the_document_lists_the_sign_in_refusals(client):
    document = json.loads(client.get("/api/v1/openapi.json").content)
    post = document["paths"][URL]["post"]
    assert {"201", "400", "401", "429"} <= set(post["responses"])
    assert "Retry-After" in post["responses"]["429"]["headers"]
    assert "security" not in post  # no token needed to get one
    assert "204" in document["paths"][URL]["delete"]["responses"]


def test_a_new_password_ends_the_accounts_app_tokens(client, personas):
    """A token taken with a leaked password must not outlive it: a password change (here the account's own,
    as a reset or the back office save it too) revokes every token of the account, audited."""
    token = sign_in(client, "citizen", "pw-citizen").json()["token"]
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    personas.citizen.full_name = "Ngô Thị Mai"
    personas.citizen.save()  # another change keeps the tokens
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    personas.citizen.set_password("a-new-long-password-2026")
    personas.citizen.save()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    entry = AuditEntry.objects.filter(action="api_token.revoke", object_id=str(personas.citizen.pk)).get()
    assert entry.after["reason"] == "password changed"


def test_a_body_that_is_not_an_object_is_named_as_the_body(personas):
    response = Client().post(URL, "[1]", content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "body"
