"""Fixes to the citizen's own account (core.accounts) through the app's API (`/api/v1/auth/*`) and the pages
(/dang-ky/, /quen-mat-khau/):

1. a stranger cannot keep the owner from resetting the password: reset codes are counted apart from sign-up
   codes, per requesting network (an IPv6 address by its /64), a later request does not void an earlier
   code, and what one address receives stays bounded — without telling anyone which addresses have an
   account;
2. the "already has an account" message is written in the account's language;
3. "1 try left" / "2 tries left" in English;
4. every 429 carries Retry-After, and names a field only when an input is at fault.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.utils import translation

from citydesk.core import accounts
from citydesk.core.models import AccountCode, User
from citydesk.notifications.models import Notification

pytestmark = pytest.mark.django_db

PASSWORD = "mot-mat-khau-dai-7"
OWNER = "citizen@example.vn"  # personas.citizen
STRANGER, OWNER_NET = "203.0.113.5", "198.51.100.7"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def post(path: str, body: object, address: str = "127.0.0.1", **extra):
    return Client(REMOTE_ADDR=address).post(
        f"/api/v1/auth/{path}", json.dumps(body), content_type="application/json", **extra
    )


def codes_to(address: str) -> list[str]:
    found = []
    for body in Notification.objects.filter(address=address).order_by("pk").values_list("body", flat=True):
        match = re.search(r"\b(\d{6})\b", body)
        if match:
            found.append(match.group(1))
    return found


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def signup_body(**changes) -> dict:
    body = {"full_name": "Lê Văn Bình", "email": "binh@example.vn", "password": PASSWORD, "consent": True}
    body.update(changes)
    return body


def reset_confirm(code: str, address: str = OWNER_NET, email: str = OWNER, **extra):
    return post(
        "password-reset/confirm", {"email": email, "code": code, "password": PASSWORD}, address, **extra
    )


# --- 1. No stranger can lock the owner out of a password reset ----------------------------------------------


def test_a_stranger_cannot_use_up_the_owners_reset_codes(personas):
    answers = [
        post("password-reset", {"email": OWNER}, STRANGER) for _ in range(accounts.CODES_PER_CONTACT_PER_DAY)
    ]
    assert [a.status_code for a in answers] == [202] * accounts.CODES_PER_CONTACT_PER_DAY
    refused = post("password-reset", {"email": OWNER}, STRANGER)
    assert refused.status_code == 429 and refused.json()["field"] == "email"
    assert int(refused["Retry-After"]) > 23 * 3600
    # The owner, from their own network, still gets a code, and it works.
    mine = post("password-reset", {"email": OWNER}, OWNER_NET)
    assert mine.status_code == 202, mine.content
    done = reset_confirm(codes_to(OWNER)[-1])
    assert done.status_code == 200, done.content
    personas.citizen.refresh_from_db()
    assert personas.citizen.check_password(PASSWORD)


def test_the_recovery_page_cannot_be_locked_by_a_stranger_either(personas):
    stranger = Client(REMOTE_ADDR=STRANGER)
    for _ in range(accounts.CODES_PER_CONTACT_PER_DAY):
        assert stranger.post("/quen-mat-khau/", {"email": OWNER}).status_code == 302
    refused = stranger.post("/quen-mat-khau/", {"email": OWNER}, **EN)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 23 * 3600
    owner = Client(REMOTE_ADDR=OWNER_NET)
    assert owner.post("/quen-mat-khau/", {"email": OWNER}).status_code == 302
    code = codes_to(OWNER)[-1]
    done = owner.post("/quen-mat-khau/dat-lai/", {"code": code, "password": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/dang-nhap/"


def test_sign_up_codes_are_counted_apart_from_reset_codes(personas):
    for _ in range(accounts.CODES_PER_CONTACT_PER_DAY):
        assert post("signup", signup_body(email=OWNER), STRANGER).status_code == 202
    assert post("signup", signup_body(email=OWNER), STRANGER).status_code == 429
    # The sign-ups ("already has an account" messages) left the reset codes untouched, from anywhere.
    assert post("password-reset", {"email": OWNER}, STRANGER).status_code == 202
    assert post("password-reset", {"email": OWNER}, OWNER_NET).status_code == 202


def test_a_later_request_does_not_void_the_code_the_owner_holds(personas):
    assert post("password-reset", {"email": OWNER}, OWNER_NET).status_code == 202
    first = codes_to(OWNER)[-1]
    assert post("password-reset", {"email": OWNER}, STRANGER).status_code == 202
    assert len(codes_to(OWNER)) == 2
    done = reset_confirm(first)
    assert done.status_code == 200, done.content
    # Every code of the address is spent with the change.
    assert not AccountCode.objects.filter(email=OWNER, used_at__isnull=True).exists()
    assert reset_confirm(codes_to(OWNER)[-1]).status_code == 400


def test_a_sign_up_crossed_by_a_strangers_opens_nothing(personas):
    """Two sign-ups with one address from two networks: neither code opens an account (the owner cannot tell
    which is theirs); every code is spent, no password hash kept (tests/core/test_accounts_review2.py)."""
    assert post("signup", signup_body(full_name="Lê Văn Bình"), OWNER_NET).status_code == 202
    mine = codes_to("binh@example.vn")[-1]
    assert post("signup", signup_body(full_name="Kẻ Lạ"), STRANGER).status_code == 202
    done = post("signup/confirm", {"email": "binh@example.vn", "code": mine}, OWNER_NET)
    assert done.status_code == 400, done.content
    assert not User.objects.filter(email="binh@example.vn").exists()
    again = post(
        "signup/confirm", {"email": "binh@example.vn", "code": codes_to("binh@example.vn")[-1]}, STRANGER
    )
    assert again.status_code == 400
    assert not AccountCode.objects.exclude(password="").exists()


def test_several_live_codes_give_no_more_guesses_than_one(personas):
    for address in (OWNER_NET, STRANGER):
        post("password-reset", {"email": OWNER}, address)
    codes = codes_to(OWNER)
    guess = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in codes)
    answers = [reset_confirm(guess, STRANGER).status_code for _ in range(accounts.CODE_TRIES)]
    assert answers == [400] * (accounts.CODE_TRIES - 1) + [429]
    assert reset_confirm(codes[0]).status_code == 429 and reset_confirm(codes[1]).status_code == 429
    assert set(AccountCode.objects.values_list("attempts", flat=True)) == {accounts.CODE_TRIES}


def test_what_one_address_receives_stays_bounded_and_tells_nothing(personas):
    networks = [f"10.0.{n}.1" for n in range(11)]  # more networks than the bound needs
    answers: dict[str, list[int]] = {OWNER: [], "nobody@example.vn": []}
    for address in answers:
        for network in networks:
            for _ in range(accounts.CODES_PER_CONTACT_PER_DAY):
                answers[address].append(post("password-reset", {"email": address}, network).status_code)
    assert answers[OWNER] == answers["nobody@example.vn"]  # the same answers with or without an account
    assert answers[OWNER].count(202) == accounts.MESSAGES_PER_CONTACT_PER_DAY
    assert Notification.objects.filter(address=OWNER).count() == accounts.MESSAGES_PER_CONTACT_PER_DAY
    assert not Notification.objects.filter(address="nobody@example.vn").exists()
    refused = post("password-reset", {"email": OWNER}, "10.9.9.9")
    assert refused.status_code == 429 and refused.json()["field"] == "email"
    assert int(refused["Retry-After"]) > 23 * 3600


def test_the_addresses_of_one_ipv6_network_count_as_one(personas):
    for n in range(1, accounts.CODES_PER_CONTACT_PER_DAY + 1):
        assert post("password-reset", {"email": OWNER}, f"2001:db8:1:{n}::{n}").status_code == 202
    assert post("password-reset", {"email": OWNER}, "2001:db8:1:ff:ffff::9").status_code == 429
    assert post("password-reset", {"email": OWNER}, "2001:db8:2:3::1").status_code == 202
    assert accounts.network_of("2001:db8:1:2:abcd::1") == "2001:db8:1::/48"
    assert accounts.network_of("::ffff:192.0.2.7") == "192.0.2.7"
    assert accounts.network_of("192.0.2.7") == "192.0.2.7"
    assert accounts.client_key("2001:db8:1:2::1") == accounts.client_key("2001:db8:1:2::2")


# --- 2. The "already has an account" message speaks the account's language --------------------------------


@pytest.mark.parametrize(
    ("chosen", "asked_in", "expected"), [("vi", "en", "vi"), ("en", "vi", "en"), ("", "en", "vi")]
)
def test_the_already_there_message_is_in_the_accounts_language(personas, chosen, asked_in, expected):
    personas.citizen.language = chosen
    personas.citizen.save(update_fields=["language"])
    post("signup", signup_body(email=OWNER), HTTP_ACCEPT_LANGUAGE=asked_in)
    message = Notification.objects.get(address=OWNER)
    with translation.override(expected):
        subject = translation.gettext("Someone tried to open a CityDesk account with this address")
    with translation.override("en" if expected == "vi" else "vi"):
        other = translation.gettext("Someone tried to open a CityDesk account with this address")
    assert subject != other
    assert message.subject == subject
    assert "/quen-mat-khau/" in message.body


def test_the_already_there_message_on_the_page_too(personas):
    personas.citizen.language = "vi"
    personas.citizen.save(update_fields=["language"])
    form = {
        "full_name": "Ai Đó",
        "email": OWNER,
        "password": PASSWORD,
        "password2": PASSWORD,
        "consent": "yes",
    }
    assert Client().post("/dang-ky/", form, **EN).status_code == 302
    message = Notification.objects.get(address=OWNER)
    with translation.override("vi"):
        assert message.subject == translation.gettext(
            "Someone tried to open a CityDesk account with this address"
        )


# --- 3. Tries left, counted in proper English --------------------------------------------------------------


def test_tries_left_read_in_proper_english(personas):
    post("signup", signup_body())
    code = codes_to("binh@example.vn")[-1]
    details = [
        post("signup/confirm", {"email": "binh@example.vn", "code": wrong(code)}, **EN).json()["detail"]
        for _ in range(accounts.CODE_TRIES - 1)
    ]
    assert "(3 tries left)" in details[1] and "(2 tries left)" in details[2]
    assert "(1 try left)" in details[3] and "1 tries" not in details[3]


# --- 4. Every 429 says how long to wait, and names a field only when an input is at fault ---------------------


def test_the_network_address_limit_names_no_field(personas, settings):
    settings.CITYDESK_ACCOUNT_REQUESTS_PER_ADDRESS_PER_HOUR = 2
    post("password-reset", {"email": "a@example.vn"})
    post("signup", signup_body(email="b@example.vn"))
    for refused in (
        post("password-reset", {"email": "c@example.vn"}),
        post("signup", signup_body(email="d@example.vn")),
    ):
        assert refused.status_code == 429
        assert "field" not in refused.json() and 0 < int(refused["Retry-After"]) <= 3600
    page = Client().post("/quen-mat-khau/", {"email": "c@example.vn"}, **EN)
    assert page.status_code == 429 and 0 < int(page["Retry-After"]) <= 3600
    assert 'id="err-email"' not in page.content.decode() and "network address" in page.content.decode()


def test_a_code_spent_by_wrong_tries_is_429_with_retry_after(personas):
    post("password-reset", {"email": OWNER}, OWNER_NET)
    code = codes_to(OWNER)[-1]
    for _ in range(accounts.CODE_TRIES - 1):
        assert reset_confirm(wrong(code)).status_code == 400
    last = reset_confirm(wrong(code))
    assert last.status_code == 429 and last.json()["field"] == "code" and last["Retry-After"] == "0"
    spent = reset_confirm(code)
    assert spent.status_code == 429 and spent.json()["field"] == "code" and spent["Retry-After"] == "0"
    # When no new code can be asked for from here yet, it says how long until one can.
    for _ in range(accounts.CODES_PER_CONTACT_PER_DAY - 1):
        post("password-reset", {"email": OWNER}, OWNER_NET)
    AccountCode.objects.update(attempts=accounts.CODE_TRIES)
    waiting = reset_confirm(code)
    assert waiting.status_code == 429 and int(waiting["Retry-After"]) > 23 * 3600


def test_the_pages_429_after_wrong_codes_carries_retry_after(personas):
    client = Client(REMOTE_ADDR=OWNER_NET)
    client.post(
        "/dang-ky/",
        {
            "full_name": "Ai Đó",
            "email": "ai@example.vn",
            "password": PASSWORD,
            "password2": PASSWORD,
            "consent": "yes",
        },
    )
    code = codes_to("ai@example.vn")[-1]
    for _ in range(accounts.CODE_TRIES - 1):
        assert client.post("/dang-ky/xac-nhan/", {"code": wrong(code)}).status_code == 400
    refused = client.post("/dang-ky/xac-nhan/", {"code": wrong(code)})
    assert refused.status_code == 429 and refused["Retry-After"] == "0"
