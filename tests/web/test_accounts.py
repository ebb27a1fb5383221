"""A citizen's own account on the site (SPEC S0: "Citizens have accounts (phone or e-mail)"): sign-up with a
6-digit code sent to an e-mail address or a mobile number, log-in by user name, e-mail or phone, password
recovery, and what a citizen's list says of a report waiting for their answer."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from citydesk.core import accounts
from citydesk.core.audit import Actor
from citydesk.core.models import AccountCode, ApiToken, AuditEntry, ServiceCategory, User
from citydesk.core.services import api_token_create
from citydesk.notifications.models import Notification
from citydesk.reports.models import Report
from citydesk.reports.models import Status as ReportStatus

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PASSWORD = "mot-mat-khau-dai-7"
SIGNUP, CONFIRM = "/dang-ky/", "/dang-ky/xac-nhan/"
RESET, RESET_CONFIRM = "/quen-mat-khau/", "/quen-mat-khau/dat-lai/"


def html(response) -> str:
    return response.content.decode()


def sign_up_form(**changes) -> dict[str, str]:
    form = {
        "full_name": "Trần Thị Lan",
        "email": "Lan.Tran@Example.vn",
        "phone": "",
        "password": PASSWORD,
        "password2": PASSWORD,
        "consent": "yes",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def last_code(address: str) -> str:
    message = Notification.objects.filter(address=address).latest("pk")
    found = re.search(r"\b(\d{6})\b", message.body)
    assert found, message.body
    return found.group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# --- The pages -------------------------------------------------------------------------------------------


def test_home_and_log_in_page_lead_to_sign_up_and_recovery(client):
    home = html(client.get("/", **EN))
    assert f'href="{reverse("web:signup")}"' in home and f'href="{reverse("web:login")}"' in home
    assert "follow all your reports and dossiers in one place" in home
    login = html(client.get("/dang-nhap/", **EN))
    assert "Username, e-mail or phone number" in login
    assert f'href="{reverse("web:signup")}"' in login and f'href="{reverse("web:password_reset")}"' in login
    assert login.count("<form") == 2  # the language switch, and the log-in form alone in the page


@pytest.mark.parametrize("path", [SIGNUP, CONFIRM, RESET, RESET_CONFIRM])
def test_account_pages_are_labelled_with_autocomplete_and_no_inline_code(client, path):
    response = client.get(path, **EN)
    assert response.status_code == 200
    page = html(response)
    main = page[page.index("<main") : page.index("</main>")]
    assert "<script" not in main and " style=" not in page and "<style" not in page  # CSP: self only
    for input_id in re.findall(r'<input id="(id_[a-z_0-9]+)"', main):
        assert f'<label for="{input_id}"' in main, input_id
    assert 'autocomplete="one-time-code"' in main or path in (SIGNUP, RESET)
    if path == SIGNUP:
        for value in ("name", "email", "tel", "new-password"):
            assert f'autocomplete="{value}"' in main, value
        assert "13/2023" in main  # the consent names the decree
    assert main.count("<form") == 1


def test_signed_in_people_are_sent_home_from_the_sign_up(client, personas):
    client.force_login(personas.citizen)
    assert client.get(SIGNUP)["Location"] == "/"
    assert client.post(SIGNUP, sign_up_form())["Location"] == "/"
    assert not AccountCode.objects.exists()


# --- Sign-up ---------------------------------------------------------------------------------------------


def test_sign_up_by_e_mail_opens_a_citizen_account_once_the_code_comes_back(client, personas):
    response = client.post(SIGNUP, sign_up_form(), **EN)
    assert response.status_code == 302 and response["Location"] == CONFIRM
    assert not User.objects.filter(full_name="Trần Thị Lan").exists()  # nothing before the code
    code = last_code("lan.tran@example.vn")
    row = AccountCode.objects.get()
    assert code not in row.code_hash and row.password.startswith("md5$")  # hashes only
    page = html(client.get(CONFIRM, **EN))
    assert "la***@example.vn" in page and 'id="id_email"' not in page  # the session knows the address

    refused = client.post(CONFIRM, {"code": wrong(code)}, **EN)
    assert refused.status_code == 400
    assert "4 tries left" in html(refused) and 'aria-describedby="err-code"' in html(refused)

    done = client.post(CONFIRM, {"code": code}, **EN)
    assert done.status_code == 302 and done["Location"] == "/"
    user = User.objects.get(full_name="Trần Thị Lan")
    assert user.email == "lan.tran@example.vn" and user.phone == ""
    assert user.username.startswith("nd-") and user.check_password(PASSWORD)
    assert not user.memberships.exists() and user.language == "en"
    home = html(client.get("/", **EN))
    assert "Citizen account" in home and user.username in home  # logged in, told the user name
    entry = AuditEntry.objects.filter(action="user.create", object_id=str(user.pk)).get()
    assert entry.actor_id == user.pk
    assert entry.after["via"] == "sign-up" and entry.after["consent"] == accounts.CONSENT
    assert "lan.tran" not in str(entry.after)  # no personal data in the trail
    assert AccountCode.objects.get().used_at is not None and AccountCode.objects.get().password == ""
    # The code is spent: the same code again opens nothing.
    again = Client().post(CONFIRM, {"email": "lan.tran@example.vn", "code": code})
    assert again.status_code == 400 and User.objects.filter(full_name="Trần Thị Lan").count() == 1


def test_sign_up_by_mobile_number_in_any_form(client, personas):
    response = client.post(SIGNUP, sign_up_form(email="", phone="+84 912 345 678"))
    assert response.status_code == 302
    sms = Notification.objects.get(channel="sms")
    assert sms.address == "0912345678" and sms.status == Notification.Status.PENDING
    code = last_code("0912345678")
    assert client.post(CONFIRM, {"code": code}).status_code == 302
    assert User.objects.get(phone="0912345678").full_name == "Trần Thị Lan"


def test_the_second_page_opened_on_another_device_asks_for_the_address(client, personas):
    client.post(SIGNUP, sign_up_form())
    code = last_code("lan.tran@example.vn")
    other = Client()
    page = html(other.get(CONFIRM, **EN))
    assert 'autocomplete="email"' in page and 'autocomplete="tel"' in page
    assert other.post(CONFIRM, {"email": "LAN.TRAN@example.vn", "code": code}).status_code == 302
    assert User.objects.filter(email="lan.tran@example.vn").count() == 1


def test_every_problem_is_named_at_once_and_nothing_is_kept(client, personas):
    response = client.post(
        SIGNUP,
        sign_up_form(full_name="", email="khong-phai-email", password="123", password2="456", consent=None),
        **EN,
    )
    assert response.status_code == 400
    page = html(response)
    for field in ("full_name", "email", "password", "password2", "consent"):
        assert f'id="err-{field}"' in page, field
        assert re.search(rf'id="id_{field}"[^>]*aria-describedby="[^"]*err-{field}', page), field
    assert 'value="khong-phai-email"' in page and "123" not in page.split("<main")[1]  # passwords not shown
    assert not AccountCode.objects.exists() and not Notification.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "0912345678"}, "email"),  # both: one address receives the code
        ({"email": "", "phone": "(028) 3829 1234"}, "phone"),  # a landline: no SMS reaches it
        ({"email": "", "phone": "12"}, "phone"),
        ({"email": ""}, "email"),  # none
        ({"password2": "khac-mat-khau-99"}, "password2"),
        ({"password": "matkhau", "password2": "matkhau"}, "password"),  # the validators: too short
        ({"password": "tranthilan", "password2": "tranthilan"}, "password"),  # like the name
        ({"consent": None}, "consent"),
    ],
)
def test_refusals_name_the_field(client, personas, changes, field):
    response = client.post(SIGNUP, sign_up_form(**changes))
    assert response.status_code == 400
    assert f'id="err-{field}"' in html(response)
    assert not AccountCode.objects.exists()


def test_an_address_already_used_answers_the_same_and_its_owner_is_told(client, personas):
    fresh = client.post(SIGNUP, sign_up_form(email="moi@example.vn"), **EN)
    taken = Client().post(SIGNUP, sign_up_form(email="CITIZEN@example.vn"), **EN)
    assert (fresh.status_code, fresh["Location"]) == (taken.status_code, taken["Location"])
    message = Notification.objects.get(address="citizen@example.vn")
    assert "/quen-mat-khau/" in message.body and not re.search(r"\b\d{6}\b", message.body)
    row = AccountCode.objects.get(email="citizen@example.vn")
    assert row.password == "" and row.full_name == ""
    # Whatever code is tried, no second account with that address is opened.
    for _ in range(accounts.CODE_TRIES):
        Client().post(CONFIRM, {"email": "citizen@example.vn", "code": "123456"})
    assert User.objects.filter(email__iexact="citizen@example.vn").count() == 1


def test_three_codes_a_day_to_one_address(client, personas):
    for _ in range(accounts.CODES_PER_CONTACT_PER_DAY):
        assert Client().post(SIGNUP, sign_up_form()).status_code == 302
    refused = client.post(SIGNUP, sign_up_form(), **EN)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 23 * 3600
    assert "at most 3 a day" in html(refused) and 'id="err-email"' in html(refused)
    assert Notification.objects.count() == 3
    # A password reset to the same address is counted apart: sign-ups by a stranger never block it.
    assert client.post(RESET, {"email": "lan.tran@example.vn"}).status_code == 302


def test_requests_from_one_network_address_are_limited(client, personas, settings):
    settings.CITYDESK_ACCOUNT_REQUESTS_PER_ADDRESS_PER_HOUR = 2
    client.post(SIGNUP, sign_up_form(email="a@example.vn"))
    client.post(RESET, {"email": "b@example.vn"})
    refused = client.post(SIGNUP, sign_up_form(email="c@example.vn"))
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3600
    other_address = Client(REMOTE_ADDR="10.0.0.9").post(SIGNUP, sign_up_form(email="c@example.vn"))
    assert other_address.status_code == 302
    assert AccountCode.objects.count() == 3


def test_five_wrong_codes_spend_the_code(client, personas):
    client.post(SIGNUP, sign_up_form())
    code = last_code("lan.tran@example.vn")
    for _ in range(accounts.CODE_TRIES - 1):
        assert client.post(CONFIRM, {"code": wrong(code)}).status_code == 400
    assert client.post(CONFIRM, {"code": wrong(code)}).status_code == 429
    assert client.post(CONFIRM, {"code": code}).status_code == 429  # even the right one now
    assert not User.objects.filter(email="lan.tran@example.vn").exists()


def test_a_code_lasts_fifteen_minutes(client, personas):
    client.post(SIGNUP, sign_up_form())
    code = last_code("lan.tran@example.vn")
    AccountCode.objects.update(created_at=timezone.now() - accounts.CODE_VALID - dt.timedelta(seconds=1))
    response = client.post(CONFIRM, {"code": code}, **EN)
    assert response.status_code == 400 and "expired" in html(response)
    assert not User.objects.filter(email="lan.tran@example.vn").exists()
    client.post(SIGNUP, sign_up_form(email="x@example.vn"))  # the next request tidies
    assert AccountCode.objects.get(email="lan.tran@example.vn").password == ""


def test_the_code_message_is_in_the_visitors_language(personas):
    Client().post(SIGNUP, sign_up_form(email="en@example.vn"), **EN)
    assert "Your code to open your CityDesk account" in Notification.objects.get(address="en@example.vn").body


# --- Log-in by user name, e-mail or phone ----------------------------------------------------------------


def log_in(client: Client, name: str, password: str, **extra):
    return client.post("/dang-nhap/", {"username": name, "password": password}, **extra)


def test_log_in_with_e_mail_in_any_case_or_phone_in_any_form(personas):
    personas.citizen.phone = "0912000555"
    personas.citizen.save(update_fields=["phone"])
    for name in ("citizen", "CITIZEN@example.vn", " citizen@example.vn ", "+84 912 000 555", "0912.000.555"):
        client = Client()
        assert log_in(client, name, "pw-citizen").status_code == 302, name
        assert client.session["_auth_user_id"] == str(personas.citizen.pk)
    assert log_in(Client(), "citizen@example.vn", "sai-mat-khau").status_code == 200


def test_a_shared_e_mail_logs_in_nobody_and_asks_for_the_user_name(personas):
    User.objects.create_user(username="officer2", password="pw-other", email="OFFICER@example.vn")
    page = html(log_in(Client(), "officer@example.vn", "pw-officer", **EN))
    assert "log in with your user name" in page
    wrong_password = html(log_in(Client(), "officer@example.vn", "khong-dung", **EN))
    assert (
        "log in with your user name" not in wrong_password and "Wrong username or password" in wrong_password
    )
    assert log_in(Client(), "officer", "pw-officer").status_code == 302


def test_a_deactivated_account_does_not_log_in_by_e_mail(personas):
    personas.outsider.is_active = False
    personas.outsider.save(update_fields=["is_active"])
    assert log_in(Client(), "outsider@example.vn", "pw-outsider").status_code == 200


def test_the_lock_out_counts_an_accounts_names_together(personas):
    personas.citizen.phone = "0912000555"
    personas.citizen.save(update_fields=["phone"])
    client = Client()
    for name in ("citizen@example.vn", "0912000555", "citizen", "CITIZEN@example.vn", "+84912000555"):
        assert log_in(client, name, "sai-mat-khau").status_code in (200, 429)
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"citizen"}
    locked = log_in(client, "citizen", "pw-citizen")
    assert locked.status_code == 429 and "Đăng nhập sai quá nhiều lần" in html(locked)
    assert log_in(Client(), "citizen@example.vn", "pw-citizen").status_code == 429


# --- Password recovery -----------------------------------------------------------------------------------


def test_a_forgotten_password_is_replaced_and_the_old_sessions_and_tokens_end(personas):
    citizen = personas.citizen
    old_session = Client()
    old_session.force_login(citizen)
    token = api_token_create(actor=Actor(user_id=citizen.pk, label="x"), user=citizen, name="phone")

    client = Client()
    assert client.post(RESET, {"email": "Citizen@Example.vn"})["Location"] == RESET_CONFIRM
    code = last_code("citizen@example.vn")
    page = html(client.get(RESET_CONFIRM, **EN))
    assert "ci***@example.vn" in page and 'autocomplete="new-password"' in page
    mismatch = client.post(RESET_CONFIRM, {"code": code, "password": PASSWORD, "password2": "khac-nua-99"})
    assert mismatch.status_code == 400 and 'id="err-password2"' in html(mismatch)
    weak = client.post(RESET_CONFIRM, {"code": code, "password": "12345678901", "password2": "12345678901"})
    assert weak.status_code == 400 and 'id="err-password"' in html(weak)
    done = client.post(RESET_CONFIRM, {"code": code, "password": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/dang-nhap/"
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)
    assert old_session.get("/cua-toi/phan-anh/").status_code == 302  # logged out there
    assert ApiToken.objects.get(user=citizen).revoked_at is not None
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    entry = AuditEntry.objects.filter(action="user.password", object_id=str(citizen.pk)).latest("id")
    assert entry.actor_id == citizen.pk and entry.after["via"] == "reset code"
    assert log_in(Client(), "citizen@example.vn", PASSWORD).status_code == 302
    # The code is spent.
    again = client.post(RESET_CONFIRM, {"email": "citizen@example.vn", "code": code, "password": PASSWORD})
    assert again.status_code == 400


def test_the_recovery_page_never_tells_whether_an_account_exists(personas):
    personas.outsider.is_active = False
    personas.outsider.save(update_fields=["is_active"])
    answers = {}
    for address in ("citizen@example.vn", "nobody@example.vn", "outsider@example.vn"):
        response = Client().post(RESET, {"email": address})
        answers[address] = (response.status_code, response["Location"])
    assert len(set(answers.values())) == 1
    assert list(Notification.objects.values_list("address", flat=True)) == ["citizen@example.vn"]
    assert AccountCode.objects.count() == 3  # counted alike
    # Any code for the address without an account is just a wrong code.
    refused = Client().post(
        RESET_CONFIRM,
        {"email": "nobody@example.vn", "code": "123456", "password": PASSWORD, "password2": PASSWORD},
    )
    assert refused.status_code == 400 and 'id="err-code"' in html(refused)


def test_a_deactivated_account_cannot_use_a_code_sent_before(personas):
    client = Client()
    client.post(RESET, {"email": "citizen@example.vn"})
    code = last_code("citizen@example.vn")
    personas.citizen.is_active = False
    personas.citizen.save(update_fields=["is_active"])
    refused = client.post(RESET_CONFIRM, {"code": code, "password": PASSWORD, "password2": PASSWORD})
    assert refused.status_code == 400
    personas.citizen.refresh_from_db()
    assert not personas.citizen.check_password(PASSWORD)


def test_a_reset_lifts_the_accounts_lock_out(personas):
    for _ in range(5):
        log_in(Client(), "citizen", "sai-mat-khau")
    assert log_in(Client(), "citizen", "pw-citizen").status_code == 429
    client = Client()
    client.post(RESET, {"email": "citizen@example.vn"})
    code = last_code("citizen@example.vn")
    client.post(RESET_CONFIRM, {"code": code, "password": PASSWORD, "password2": PASSWORD})
    assert log_in(Client(), "citizen", PASSWORD).status_code == 302


# --- A report waiting for the citizen's answer -----------------------------------------------------------


@pytest.fixture
def waiting_report(personas) -> Report:
    category = ServiceCategory.objects.create(
        code="road_damage",
        domain="report",
        name="Hư hỏng mặt đường",
        name_en="Road damage",
        handled_by="ward",
    )
    return Report.objects.create(
        code="PA-26-000777",
        category=category,
        description="Ổ gà trước chợ",
        unit=personas.ward,
        channel="web",
        reporter=personas.citizen,
        status=ReportStatus.IN_PROGRESS,
        paused_at=timezone.now(),
    )


@pytest.mark.parametrize("path", ["/", "/cua-toi/phan-anh/"])
def test_the_citizens_list_shows_a_report_waiting_for_their_answer(client, personas, waiting_report, path):
    client.force_login(personas.citizen)
    page = html(client.get(path, **EN))
    row = page[page.index('data-testid="my-report"') :]
    row = row[: row.index("</li>")]
    assert "In progress" in row and "Waiting for your answer" in row
    link = reverse("reports:track", args=[waiting_report.code]) + "#reply"
    assert f'href="{link}"' in row
    api = client.get("/api/v1/me/reports").json()["items"][0]
    assert api["awaiting_reply"] is True  # the same as the app says


def test_a_report_not_waiting_or_closed_has_no_badge(client, personas, waiting_report):
    client.force_login(personas.citizen)
    Report.objects.filter(pk=waiting_report.pk).update(paused_at=None)
    assert "Waiting for your answer" not in html(client.get("/", **EN))
    Report.objects.filter(pk=waiting_report.pk).update(paused_at=timezone.now(), status=ReportStatus.CLOSED)
    assert "Waiting for your answer" not in html(client.get("/", **EN))
