"""Review fix: following a report by e-mail or phone needs the code sent there. Before, anyone could sign
any phone number up for a report's SMS updates, with no confirmation and no limit (a loop over the codes
made 51 follows in seconds): a stranger could flood a person with SMS at the city's cost."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from citydesk.notifications.models import Notification
from citydesk.reports.models import Follower, FollowRequest
from citydesk.reports.services import report_note
from citydesk.reports.services.citizen import report_follow_outcome

from .conftest import submit_report

pytestmark = pytest.mark.django_db

PHONE = "0912000111"
NEIGHBOUR = "binh.le@example.com"
_PIN = re.compile(r"(?<![\w-])(\d{6})(?!\w)")  # standalone: not in a code PA-26-000001 nor in a link's key


def _report(**kwargs):
    return submit_report(**({"contact_email": "dan@example.vn"} | kwargs))


def _follow(client: Client, code: str, body: dict, address: str = "203.0.113.7"):
    return client.post(
        f"/api/v1/reports/{code}/follow", body, content_type="application/json", REMOTE_ADDR=address
    )


def _confirm(client: Client, code: str, body: dict):
    return client.post(f"/api/v1/reports/{code}/follow/confirm", body, content_type="application/json")


def _sent_to(address: str) -> list[Notification]:
    return list(Notification.objects.filter(address=address).order_by("pk"))


def _pin(message: Notification) -> str:
    return _PIN.findall(message.body)[-1]  # the code comes after the link in an e-mail


def _updates_reach(personas, report, address: str) -> bool:
    Notification.objects.all().delete()
    report_note(user=personas.head, code=report.code, text="Đội sẽ đến chiều nay.", public=True)
    return bool(_sent_to(address))


# --- The API ----------------------------------------------------------------------------------------


def test_a_phone_follows_only_once_its_owner_gives_back_the_code(client, personas, categories):
    report = _report()
    Notification.objects.all().delete()
    asked = _follow(client, report.code, {"phone": "0912 000 111"})
    assert asked.status_code == 202, asked.content
    body = asked.json()
    assert body["following"] is False and body["sent_to"] == "091****111" and "091****111" in body["detail"]
    assert not Follower.objects.filter(report=report, phone=PHONE).exists()
    (sms,) = _sent_to(PHONE)  # one short message with the code, nothing else
    assert sms.channel == "sms" and report.code in sms.body and f"/tra-cuu/{report.code}/" in sms.body
    assert not _updates_reach(personas, report, PHONE)  # pending: no updates yet

    wrong = "000000" if _pin(sms) != "000000" else "111111"
    refused = _confirm(client, report.code, {"phone": PHONE, "code": wrong})
    assert refused.status_code == 400 and refused.json()["field"] == "code"
    assert "4" in refused.json()["detail"]  # tries left
    assert _confirm(client, report.code, {"phone": PHONE, "code": "12a"}).json()["field"] == "code"
    done = _confirm(client, report.code, {"phone": "+84 912 000 111", "code": _pin(sms)})
    assert done.status_code == 201 and done.json()["following"] is True
    assert Follower.objects.filter(report=report, phone=PHONE).count() == 1
    assert _updates_reach(personas, report, PHONE)
    again = _confirm(client, report.code, {"phone": PHONE, "code": _pin(sms)})
    assert again.status_code == 200
    assert _follow(client, report.code, {"phone": PHONE}).status_code == 202  # a code, as for anyone
    assert FollowRequest.objects.filter(report=report).count() == 2
    assert Follower.objects.filter(report=report, phone=PHONE).count() == 1


def test_an_email_follow_gets_a_link_and_a_code(client, personas, categories):
    report = _report()
    Notification.objects.all().delete()
    assert _follow(client, report.code, {"email": "Binh.Le@Example.com"}).status_code == 202
    (mail,) = _sent_to(NEIGHBOUR)
    link = re.search(r"https?://[^/\s]+(/tra-cuu/\S+)", mail.body).group(1)
    assert "xac-nhan=" in link
    page = client.get(link)  # opening the link changes nothing (mail scanners open links)
    html = page.content.decode()
    assert page.status_code == 200 and not Follower.objects.filter(report=report, email=NEIGHBOUR).exists()
    assert 'data-testid="follow-confirm" open' in html
    assert f'value="{_pin(mail)}"' in html and f'value="{NEIGHBOUR}"' in html
    tampered = link.replace("xac-nhan=", "xac-nhan=x")
    assert f'value="{_pin(mail)}"' not in client.get(tampered).content.decode()
    assert _confirm(client, report.code, {"email": NEIGHBOUR, "code": _pin(mail)}).status_code == 201
    assert _updates_reach(personas, report, NEIGHBOUR)


def test_only_the_latest_code_counts_and_wrong_codes_are_limited(client, personas, categories):
    report = _report()
    Notification.objects.all().delete()
    _follow(client, report.code, {"phone": PHONE})
    _follow(client, report.code, {"phone": PHONE})
    first, latest = _sent_to(PHONE)
    if _pin(first) != _pin(latest):
        assert _confirm(client, report.code, {"phone": PHONE, "code": _pin(first)}).status_code == 400
    for _try in range(5):
        _confirm(client, report.code, {"phone": PHONE, "code": "999999" if _pin(latest) != "999999" else "0"})
    spent = _confirm(client, report.code, {"phone": PHONE, "code": _pin(latest)})
    assert spent.status_code == 429 and spent.json()["field"] == "code"
    assert not Follower.objects.filter(report=report, phone=PHONE).exists()
    unknown = _confirm(client, report.code, {"phone": "0987654321", "code": "123456"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "code"


def test_codes_to_one_phone_are_limited_across_reports(client, personas, categories):
    reports = [_report() for _ in range(4)]
    answers = [
        _follow(client, r.code, {"phone": PHONE}, address=f"198.51.100.{i}") for i, r in enumerate(reports)
    ]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    assert answers[-1].json()["field"] == "phone" and "3" in answers[-1].json()["detail"]
    assert 23 * 3600 < int(answers[-1]["Retry-After"]) <= 24 * 3600 + 1
    assert len(_sent_to(PHONE)) == 3
    email = _follow(client, reports[-1].code, {"email": NEIGHBOUR}, address="198.51.100.9")
    assert email.status_code == 202  # another address is not limited by this one


def test_follow_requests_from_one_network_address_are_limited(client, personas, categories, settings):
    settings.CITYDESK_FOLLOW_REQUESTS_PER_ADDRESS_PER_HOUR = 2
    report = _report()
    phones = ["0912000001", "0912000002", "0912000003"]
    answers = [_follow(client, report.code, {"phone": p}) for p in phones]
    assert [a.status_code for a in answers] == [202, 202, 429]
    # The sender's limit: no field is at fault, and it says how long to wait.
    assert "field" not in answers[-1].json() and 0 < int(answers[-1]["Retry-After"]) <= 3601
    assert _sent_to(phones[-1]) == []
    assert _follow(client, report.code, {"email": NEIGHBOUR}).status_code == 429
    assert _follow(client, report.code, {"phone": phones[-1]}, address="192.0.2.1").status_code == 202
    assert not FollowRequest.objects.filter(client="203.0.113.7").exists()  # the address is not stored


def test_an_account_follows_at_once_with_itself_or_its_own_address(client, personas, categories, bearer):
    report = _report()
    citizen = personas.citizen
    citizen.phone = PHONE
    citizen.save()
    Notification.objects.all().delete()
    assert _follow(client, report.code, {}).status_code == 400  # anonymous and no address
    mine = client.post(
        f"/api/v1/reports/{report.code}/follow", {}, content_type="application/json", **bearer(citizen)
    )
    assert mine.status_code == 201 and Follower.objects.filter(report=report, user=citizen).exists()
    other = _report()
    own_email = client.post(
        f"/api/v1/reports/{other.code}/follow",
        {"email": citizen.email.upper()},
        content_type="application/json",
        **bearer(citizen),
    )
    assert own_email.status_code == 201
    own_phone = client.post(
        f"/api/v1/reports/{other.code}/follow",
        {"phone": "+84912000111"},
        content_type="application/json",
        **bearer(citizen),
    )
    assert own_phone.status_code == 201 and Follower.objects.filter(report=other, phone=PHONE).exists()
    someone_else = client.post(
        f"/api/v1/reports/{other.code}/follow",
        {"phone": "0987654321"},
        content_type="application/json",
        **bearer(citizen),
    )
    assert someone_else.status_code == 202
    assert Notification.objects.filter(channel="sms").count() == 1  # the stranger's number: its code only


def test_followers_stored_before_stay_followers(personas, categories):
    report = _report()
    report_follow_outcome(code=report.code, phone=PHONE)  # as stored before the confirmation existed
    assert _updates_reach(personas, report, PHONE)


def test_a_private_or_closed_report_sends_no_code(client, personas, categories):
    private = _report(is_public=False)
    assert _follow(client, private.code, {"phone": PHONE}).status_code == 404
    assert _confirm(client, private.code, {"phone": PHONE, "code": "123456"}).status_code == 404
    assert _sent_to(PHONE) == []


def test_the_api_documents_the_confirmation(client):
    document = client.get("/api/v1/openapi.json").json()
    follow = document["paths"]["/api/v1/reports/{code}/follow"]["post"]
    confirm = document["paths"]["/api/v1/reports/{code}/follow/confirm"]["post"]
    assert {"202", "429"} <= set(follow["responses"]) and "confirm" in follow["description"]
    assert {"201", "400", "429"} <= set(confirm["responses"])
    assert "code" in document["components"]["schemas"]["FollowConfirmIn"]["properties"]


# --- The tracking page ------------------------------------------------------------------------------


def test_the_tracking_page_asks_for_the_code_and_then_follows(client, personas, categories):
    report = _report()
    page_url = f"/tra-cuu/{report.code}/"
    follow_url = f"/tra-cuu/{report.code}/theo-doi/"
    Notification.objects.all().delete()
    sent = client.post(follow_url, {"phone": "0912 000 111"})
    assert sent.status_code == 302 and sent["Location"].endswith("#follow")
    assert not Follower.objects.filter(report=report, phone=PHONE).exists()
    (sms,) = _sent_to(PHONE)
    html = client.get(page_url).content.decode()
    assert "091****111" in html and 'data-testid="follow-confirm" open' in html
    assert html.index('id="id_pin"') < html.index('id="id_follow_phone"')  # the code first, then
    assert f'id="id_confirm_phone" name="phone" type="tel" autocomplete="tel" value="{PHONE}"' in html

    wrong = "000000" if _pin(sms) != "000000" else "111111"
    refused = client.post(follow_url, {"phone": PHONE, "pin": wrong})
    html = refused.content.decode()
    assert refused.status_code == 400 and 'href="#field-pin"' in html and 'id="err-pin"' in html
    assert 'aria-invalid="true" aria-describedby="err-pin"' in html
    done = client.post(follow_url, {"phone": PHONE, "pin": _pin(sms)}, follow=True)
    html = done.content.decode()
    assert done.status_code == 200 and 'data-testid="following"' in html and "091****111" in html
    assert Follower.objects.filter(report=report, phone=PHONE).count() == 1
    assert 'data-testid="follow-confirm"' not in html


def test_the_tracking_page_says_when_the_limit_is_reached(client, personas, categories, settings):
    settings.CITYDESK_FOLLOW_CODES_PER_CONTACT_PER_DAY = 1
    report = _report()
    url = f"/tra-cuu/{report.code}/theo-doi/"
    assert client.post(url, {"phone": PHONE}).status_code == 302
    refused = client.post(url, {"phone": PHONE})
    html = refused.content.decode()
    assert refused.status_code == 429 and 'href="#field-phone"' in html and 'id="err-phone"' in html
    assert len(_sent_to(PHONE)) == 1


def test_a_signed_in_account_follows_from_the_page_without_a_code(client, personas, categories):
    report = _report()
    client.force_login(personas.citizen)
    assert client.post(f"/tra-cuu/{report.code}/theo-doi/").status_code == 302
    assert Follower.objects.filter(report=report, user=personas.citizen).exists()
    assert not FollowRequest.objects.exists() and not Notification.objects.filter(channel="sms").exists()


def test_following_from_the_report_form_opens_the_code_form_on_the_tracking_page(
    client, personas, categories
):
    """The report form's "follow this one instead" goes through the API from the browser: the tracking
    page the message links to then asks this browser for the code (its form open, the address filled in);
    a bearer-token app keeps no such state."""
    report = _report()
    page = client.get("/phan-anh/moi/")  # the browser's CSRF cookie, as the form's script sends it
    token = page.cookies["csrftoken"].value
    answer = client.post(
        f"/api/v1/reports/{report.code}/follow",
        {"phone": PHONE},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert answer.status_code == 202
    html = client.get(f"/tra-cuu/{report.code}/").content.decode()
    assert 'data-testid="follow-confirm" open' in html and PHONE in html
    other = Client().get(f"/tra-cuu/{report.code}/").content.decode()
    assert 'data-testid="follow-confirm" open' not in other
