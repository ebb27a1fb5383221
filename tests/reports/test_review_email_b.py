"""Review of the e-mail intake (b): a UTF-8 message without a charset, a place named in running text, and
no promise that a reply is read when no mailbox reads the replies."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from citydesk.core.errors import DomainError
from citydesk.core.models import ServiceCategory
from citydesk.notifications.models import Notification
from citydesk.reports.email_intake import ingest, parse, process
from citydesk.reports.models import Report
from tests.conftest import make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def trees(categories):
    return ServiceCategory.objects.create(
        code="trees", domain="report", name="Cây xanh", name_en="Trees", handled_by="ward", working_days=3
    )


# The reviewer's e6.eml: "Content-Type: text/plain" without a charset, an 8-bit UTF-8 body.
E6_HEAD = (
    "From: Le Van Nam <nam.le@example.com>\n"
    "To: 1022@citydesk.local\n"
    "Subject: [trees] =?utf-8?b?Q8OieSDEkeG7lSBjaOG6r24gbmdhbmcgxJHGsOG7nW5nIFBhc3RldXI=?=\n"
    "Message-ID: <e6@example.com>\n"
    "Date: Wed, 25 Nov 2026 07:10:00 +0700\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain{charset}\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
)
E6_BODY = (
    "Cây me lớn bị gãy đổ chắn ngang đường sau cơn mưa, xe không qua được.\n"
    "Địa chỉ: 92 Pasteur\n"
    "Phường/xã: Bến Thành\n"
)


def _e6(
    body: bytes = E6_BODY.encode("utf-8"), charset: str = "", message_id: str = "<e6@example.com>"
) -> bytes:
    head = E6_HEAD.format(charset=charset).replace("<e6@example.com>", message_id)
    return head.encode("ascii") + body


# The reviewer's e7.eml: no "Địa chỉ:" line, the ward named in the sentence (base64, UTF-8).
E7 = b"""From: =?utf-8?q?L=C3=AA_V=C4=83n?= Nam <nam.le2@example.com>
To: 1022@citydesk.local
Subject: [trees] =?utf-8?b?Q8OieSDEkeG7lSBjaOG6r24gbmdhbmcgxJHGsOG7nW5n?=
 Pasteur
Message-ID: <e7@example.com>
Date: Wed, 25 Nov 2026 07:10:00 +0700
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64
MIME-Version: 1.0

S8OtbmggZ+G7rWkgMTAyMiwKQ8OieSBtZSBs4bubbiB0csaw4bubYyBz4buRIDkyIFBhc3RldXIs
IHBoxrDhu51uZyBC4bq/biBUaMOgbmgsIFRQLkhDTSBi4buLIGfDo3kgxJHhu5UgY2jhuq9uIG5n
YW5nIMSRxrDhu51uZyBzYXUgY8ahbiBtxrBhIHThu5FpIHF1YSwgeGUga2jDtG5nIHF1YSDEkcaw
4bujYy4KTW9uZyBjw6FjIGFuaCBjaOG7iyB44butIGzDvSBz4bubbS4K
"""


def _plain(body: str, message_id: str, subject: str = "[trees] Cây đổ") -> bytes:
    return (
        f"From: Nam <nam@example.com>\nTo: 1022@citydesk.local\nSubject: {subject}\n"
        f"Message-ID: {message_id}\nMIME-Version: 1.0\n"
        'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: 8bit\n\n'
    ).encode() + body.encode("utf-8")


# --- 1. A UTF-8 message without a declared charset --------------------------------------------------


def test_a_utf8_body_without_a_charset_is_read_as_utf8():
    parsed = parse(_e6())
    assert "Cây me lớn bị gãy đổ" in parsed.description and "\ufffd" not in parsed.description
    assert (parsed.address, parsed.ward_code) == ("92 Pasteur", "Bến Thành")


def test_the_e6_message_makes_a_report_in_its_ward(personas, trees):
    report, created = ingest(_e6())
    assert created and report.ward_id == "26743" and report.address == "92 Pasteur"
    assert report.description.startswith("Cây đổ chắn ngang đường Pasteur\nCây me lớn")


def test_a_wrongly_declared_ascii_charset_falls_back_to_utf8_and_a_declared_one_is_used():
    parsed = parse(_e6(charset='; charset="us-ascii"'))
    assert "Cây me lớn" in parsed.description and parsed.address == "92 Pasteur"
    assert "Cây me lớn" in parse(_e6(charset="; charset=x-unknown-8bit")).description
    body = "Cây me lớn bị gãy.\nĐịa chỉ: 92 Pasteur\n".encode("utf-16")
    head = E6_HEAD.format(charset="; charset=utf-16").replace("8bit", "binary")
    parsed = parse(head.encode("ascii") + body)
    assert "Cây me lớn" in parsed.description and parsed.address == "92 Pasteur"


def test_a_windows_1258_body_without_a_charset_is_read_and_normalised():
    # Windows-1258 writes tone marks as combining characters: "lớn" is l, ơ (F5), combining acute (EC), n.
    body = b"C\xe2y me l\xf5\xecn bi\xf2 ga\xdey.\n\xd0i\xf2a chi\xd2: 92 Pasteur\n"
    parsed = parse(_e6(body=body))
    assert "Cây me lớn bị gãy" in parsed.description  # NFC: the precomposed letters
    assert parsed.address == "92 Pasteur"


def test_a_western_body_without_a_charset_is_read_as_cp1252():
    parsed = parse(_e6(body=b"Caf\xe9 \x80 5\nAddress: 92 Pasteur\n"))
    assert "Café € 5" in parsed.description and parsed.address == "92 Pasteur"


# --- 2. A place named in running text ---------------------------------------------------------------


def test_the_e7_message_without_an_address_line_makes_a_report_in_the_ward_it_names(personas, trees):
    report, created = ingest(E7)
    assert created and report.ward_id == "26743" and report.unit == personas.ward
    assert report.address.startswith("Cây me lớn trước số 92 Pasteur, phường Bến Thành, TP.HCM")
    assert not Notification.objects.filter(address="nam.le2@example.com", subject__contains="could not")


@pytest.mark.parametrize(
    "sentence",
    [
        "Cây đổ trước số 5 Lê Lợi, P. Bến Thành.",
        "Cây đổ trước số 5 Lê Lợi P.Bến Thành, TP.HCM.",
        "Cây đổ ở phuong Ben Thanh gần chợ.",
        "Cây đổ ở Phường Bến Thành (gần chợ).",
    ],
)
def test_a_ward_written_in_the_text_in_other_ways(personas, trees, sentence):
    report, _ = ingest(_plain(f"Kính gửi 1022,\n{sentence}\nCảm ơn.\n", f"<w{hash(sentence)}@x>"))
    assert report.ward_id == "26743" and report.address == sentence.rstrip(".")


def test_a_ward_named_in_the_subject_is_enough(personas, trees):
    report, _ = ingest(_plain("Cây đổ chắn đường.\n", "<s1@x>", subject="[trees] Cây đổ ở phường Bến Thành"))
    assert report.ward_id == "26743" and report.address == "Cây đổ ở phường Bến Thành"


def _refusal() -> str:
    return Notification.objects.filter(address="nam@example.com").order_by("-pk").first().body


def test_only_one_ward_named_with_its_division_word_counts(personas, trees):
    report, _ = ingest(_plain("Cây đổ ở phường Bến Thành, gần chợ.\n", "<one@x>"))
    assert report.ward_id == "26743"
    with pytest.raises(DomainError) as caught:
        ingest(_plain("Cây đổ ở phường Bến Thành, lan sang phường Sài Gòn.\n", "<two@x>"))
    assert caught.value.field == "address"
    with translation.override("vi"):
        assert gettext("Your message does not say where the problem is.") in _refusal()
    for number, body in enumerate(
        [
            "Cây đổ trước chợ, xe không qua được.\n",  # no ward
            "Cây đổ gần chợ Bến Thành.\n",  # a name without its division word is no ward named
            "Cây đổ ở phường Không Có.\n",  # no such ward
            # The signature's address is the sender's home, not the problem's place.
            "Cây đổ chắn ngang đường, xe không qua được.\n\nTrân trọng,\nNam\n12 Lê Lợi, phường Bến Thành\n",
        ]
    ):
        with pytest.raises(DomainError):
            ingest(_plain(body, f"<refused{number}@x>"))
    assert Report.objects.count() == 1


def test_a_name_inside_a_longer_one_is_no_second_ward(personas, trees):
    make_unit("26744", "Phường Bến Thành Tây", personas.city.admin_unit)
    report, _ = ingest(_plain("Cây đổ ở phường Bến Thành Tây.\n", "<longer@x>"))
    assert report.ward_id == "26744"


# --- 3. No promise that a reply is read without the reply mailbox -----------------------------------

PROMISE_EN = "reply to our e-mail"
PROMISE_VI = "trả lời thư của chúng tôi"


def _how_to_in_refusal(settings, reply_to: str, message_id: str) -> str:
    settings.CITYDESK_REPLY_TO = reply_to
    outcome = process(_plain("Cây đổ trước chợ.\n", message_id))
    assert outcome.answered
    return _refusal()


def test_without_the_reply_mailbox_the_refusal_promises_no_reply_is_read(personas, trees, settings):
    body = _how_to_in_refusal(settings, "", "<r1@x>")
    assert PROMISE_EN not in body and PROMISE_VI not in body
    assert "/tra-cuu/" not in body  # no report: no link, but the way to answer is said
    with translation.override(settings.LANGUAGE_CODE):
        assert (
            gettext(
                "To answer about a report you already sent, use the link to its tracking page in our e-mail "
                "about it: replies to our e-mails are not read."
            )
            in body
        )


def test_with_the_reply_mailbox_the_refusal_invites_a_reply(personas, trees, settings):
    body = _how_to_in_refusal(settings, "1022@tphcm.example.vn", "<r2@x>")
    with translation.override(settings.LANGUAGE_CODE):
        assert gettext("To answer about a report you already sent, reply to our e-mail about it.") in body


def test_an_answer_from_another_address_is_not_told_to_reply_without_the_mailbox(personas, trees, settings):
    report, _ = ingest(E7)
    settings.CITYDESK_REPLY_TO = ""
    process(_plain("Thêm ảnh.\n", "<other@x>", subject=f"Re: {report.code}"))
    body = _refusal()
    assert "reply from the address" not in body and "hãy trả lời từ địa chỉ" not in body
    assert PROMISE_EN not in body and PROMISE_VI not in body
    settings.CITYDESK_REPLY_TO = "1022@tphcm.example.vn"
    process(_plain("Thêm ảnh.\n", "<other2@x>", subject=f"Re: {report.code}"))
    with translation.override(settings.LANGUAGE_CODE):
        said = gettext(
            "We have no report %(code)s sent from %(email)s. To answer about a report, reply from the "
            "address you used for it; to send a new report, write a new message without a tracking "
            "code in the subject."
        ) % {"code": report.code, "email": "nam@example.com"}
    assert said in _refusal()


def test_a_sender_address_longer_than_mail_allows_is_not_answered(db):
    """No column takes it (PostgreSQL refused the refusal's notification with a 500 before)."""
    from email import message_from_bytes, policy

    from citydesk.reports.email_intake import _sender

    long_address = "a" * 250 + "@x.vn"
    message = message_from_bytes(
        f"From: Dan <{long_address}>\r\nSubject: [road_damage] O ga\r\n\r\nText\r\n".encode(),
        policy=policy.default,
    )
    assert _sender(message) == ("", "Dan")
    short = message_from_bytes(
        b"From: Dan <dan@example.vn>\r\nSubject: x\r\n\r\nText\r\n", policy=policy.default
    )
    assert _sender(short) == ("dan@example.vn", "Dan")
