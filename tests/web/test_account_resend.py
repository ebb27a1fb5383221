"""The code pages send a new code for the pending sign-up or reset: nothing is typed again, and the codes
sent before still work."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from citydesk.core import accounts
from citydesk.notifications.models import Notification
from tests.web.test_accounts import CONFIRM, RESET, RESET_CONFIRM, SIGNUP, html, last_code, sign_up_form

pytestmark = pytest.mark.django_db
ADDRESS = "lan.tran@example.vn"


def test_a_new_sign_up_code_without_typing_the_form_again(client, personas):
    assert client.post(SIGNUP, sign_up_form()).status_code == 302
    first = last_code(ADDRESS)
    page = html(client.get(CONFIRM))
    assert 'data-testid="resend"' in page and 'name="resend"' in page
    r = client.post(CONFIRM, {"resend": "1"})
    assert r.status_code == 302 and r["Location"] == CONFIRM
    assert Notification.objects.filter(address=ADDRESS).count() == 2
    # The new code opens the account (a sign-up's latest code alone works), with the name and password
    # given at sign-up.
    second = last_code(ADDRESS)
    if first != second:  # (one chance in a million that they are equal)
        assert client.post(CONFIRM, {"code": first}).status_code == 400
    r = client.post(CONFIRM, {"code": second})
    assert r.status_code == 302, html(r)
    user = get_user_model().objects.get(email__iexact=ADDRESS)
    assert user.full_name == "Trần Thị Lan" and user.check_password(sign_up_form()["password"])


def test_resend_is_limited_and_needs_a_pending_sign_up(client, personas):
    # No sign-up in this browser: the button is not offered, and a forged request sends nothing.
    assert 'data-testid="resend"' not in html(client.get(CONFIRM))
    r = client.post(CONFIRM, {"resend": "1", "email": ADDRESS, "code": ""})
    assert r.status_code == 400 and not Notification.objects.exists()
    # The codes of the day from one network: the sign-up and two more, then 429 with how long to wait.
    client.post(SIGNUP, sign_up_form())
    for _ in range(accounts.CODES_PER_CONTACT_PER_DAY - 1):
        assert client.post(CONFIRM, {"resend": "1"}).status_code == 302
    refused = client.post(CONFIRM, {"resend": "1"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 3600
    assert Notification.objects.filter(address=ADDRESS).count() == accounts.CODES_PER_CONTACT_PER_DAY


def test_a_resend_for_an_address_with_an_account_sends_the_already_there_message(personas):
    taken = personas.citizen.email or "citizen@example.vn"
    get_user_model().objects.filter(pk=personas.citizen.pk).update(email=taken)
    client = Client()
    client.post(SIGNUP, sign_up_form(email=taken))
    assert client.post(CONFIRM, {"resend": "1"}).status_code == 302
    bodies = list(Notification.objects.filter(address=taken).values_list("body", flat=True))
    assert len(bodies) == 2 and not any(c.isdigit() and len(c) == 6 for b in bodies for c in b.split())


def test_a_new_reset_code_from_the_reset_page(client, personas):
    get_user_model().objects.filter(pk=personas.citizen.pk).update(email=ADDRESS)
    assert client.post(RESET, {"email": ADDRESS}).status_code == 302
    assert 'data-testid="resend"' in html(client.get(RESET_CONFIRM))
    assert client.post(RESET_CONFIRM, {"resend": "1"}).status_code == 302
    assert Notification.objects.filter(address=ADDRESS).count() == 2
