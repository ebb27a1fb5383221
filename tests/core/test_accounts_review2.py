"""The code review of the account codes: the owner is never locked out by one home connection, a stranger's
sign-up never opens the owner's account, and a resend never pretends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from citydesk.core import accounts
from citydesk.core.models import AccountCode, User
from citydesk.notifications.models import Notification
from tests.core.test_accounts_fixes import OWNER, OWNER_NET, STRANGER, codes_to, post, signup_body
from tests.web.test_accounts import CONFIRM, SIGNUP, html, sign_up_form

pytestmark = pytest.mark.django_db
ADDRESS = "lan.tran@example.vn"


def test_one_ipv6_home_connection_cannot_block_the_owners_reset(personas):
    # A home connection is given a /56 (256 /64 networks): it counts as one network.
    for n in range(4):
        for _ in range(accounts.CODES_PER_CONTACT_PER_DAY):
            post("password-reset", {"email": OWNER}, f"2001:db8:aa:bb{n:02x}::1")
    assert post("password-reset", {"email": OWNER}, OWNER_NET).status_code == 202


@pytest.mark.parametrize("first", ["stranger", "owner"])
def test_crossed_sign_ups_open_no_account_with_anyones_code(personas, first):
    victim = "binh@example.vn"
    stranger = ("signup", signup_body(full_name="Kẻ Lạ", password="stranger-pass-99"), STRANGER)
    owner = ("signup", signup_body(password="victim-pass-77"), OWNER_NET)
    for call in (stranger, owner) if first == "stranger" else (owner, stranger):
        assert post(*call).status_code == 202
    for code in codes_to(victim):
        refused = post("signup/confirm", {"email": victim, "code": code}, OWNER_NET)
        assert refused.status_code == 400 and refused.json()["field"] == "code"
    assert not User.objects.filter(email=victim).exists()
    # A new code asked for by the owner alone works, with the owner's password.
    assert post(*owner).status_code == 202
    done = post("signup/confirm", {"email": victim, "code": codes_to(victim)[-1]}, OWNER_NET)
    assert done.status_code == 201, done.content
    assert User.objects.get(email=victim).check_password("victim-pass-77")


def test_a_resend_after_the_sign_up_expired_says_so_and_sends_nothing(personas):
    client = Client()
    assert client.post(SIGNUP, sign_up_form()).status_code == 302
    AccountCode.objects.update(created_at=AccountCode.objects.get().created_at - timedelta(minutes=16))
    r = client.post(CONFIRM, {"resend": "1"})
    assert r.status_code == 400 and "hết hạn" in html(r)
    assert Notification.objects.filter(address=ADDRESS).count() == 1
    assert AccountCode.objects.filter(email=ADDRESS).count() == 1
    assert AccountCode.objects.get(email=ADDRESS).password == ""  # tidied, not revived
