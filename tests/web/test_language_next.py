"""Where the language switch returns to, and the language of a message's link labels in the inbox."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from citydesk.notifications.models import Notification

pytestmark = pytest.mark.django_db


def switch_next(html: str) -> str:
    form = re.search(r'<form action="/i18n/setlang/".*?</form>', html, re.S)
    assert form is not None
    return re.search(r'name="next" type="hidden" value="([^"]*)"', form.group(0)).group(1)


def test_a_page_returns_to_itself(personas):
    client = Client()
    client.force_login(personas.citizen)
    assert (
        switch_next(client.get("/cua-toi/phan-anh/?page=1").content.decode()) == "/cua-toi/phan-anh/?page=1"
    )


def test_a_page_answering_a_form_returns_to_the_page_the_form_was_on(personas):
    client = Client()
    # A refused log-in is a page answering a POST: its own address would be fine here, but a POST-only
    # address (a rating, a follow) answers 405 to the switch's GET, so the form's page is used.
    html = client.post(
        "/dang-nhap/?next=/cua-toi/",
        {"username": "citizen", "password": "wrong"},
        HTTP_REFERER="http://testserver/dang-nhap/?next=/cua-toi/",
    ).content.decode()
    assert switch_next(html) == "/dang-nhap/?next=/cua-toi/"
    foreign = client.post(
        "/dang-nhap/", {"username": "citizen", "password": "wrong"}, HTTP_REFERER="https://evil.example/x"
    ).content.decode()
    assert switch_next(foreign) == "/"
    bare = client.post("/dang-nhap/", {"username": "citizen", "password": "wrong"}).content.decode()
    assert switch_next(bare) == "/"
    assert 'data-posted="true"' in bare


def in_app(user, body: str) -> None:
    Notification.objects.create(
        channel="in_app", subject="Tin", body=body, recipient=user, status=Notification.Status.SENT
    )


def test_link_labels_follow_the_messages_language(personas):
    public = settings.CITYDESK_PUBLIC_URL.rstrip("/")
    in_app(personas.citizen, f"Theo dõi tại {public}/tra-cuu/PA-26-000041/?k=abc")
    in_app(personas.citizen, f"Chỉ đạo mới: {public}/dieu-hanh/chi-dao/#chi-dao-3")
    client = Client()
    client.force_login(personas.citizen)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/thong-bao/").content.decode()
    assert 'lang="en"' in html
    assert ">trang PA-26-000041</a>" in html and ">page PA-26-000041</a>" not in html
    assert ">Xem chỉ đạo</a>" in html
