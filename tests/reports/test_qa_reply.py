"""QA defects: the citizen's answer to a request for information (tracking page and e-mail), and e-mail
intake (HTML bodies, labels inside sentences, refusals that explain e-mail reports, the sender's name,
refused attachments, messages without Message-ID), and wards named in addresses (e-mail and Open311)."""

import io
from email.message import EmailMessage
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from citydesk.core.audit import Actor
from citydesk.core.errors import Conflict, DomainError, NotAllowed
from citydesk.lib.html_text import html_to_text
from citydesk.notifications.models import Notification
from citydesk.reports.email_intake import ingest, parse, receive
from citydesk.reports.models import Attachment, Follower, Report, ReportEvent, Status
from citydesk.reports.open311 import open311_client_create
from citydesk.reports.places import ward_in_address
from citydesk.reports.services import report_pause, report_reply

from .conftest import submit_report

pytestmark = pytest.mark.django_db


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), "green").save(buffer, format="JPEG")
    return buffer.getvalue()


def _mail(
    subject: str = "[road_damage] Ổ gà trước chợ Bến Thành",
    body: str | None = "Ổ gà rất sâu.\nTọa độ: 10.7714, 106.6946\n",
    *,
    sender: str = "Nguyễn Văn Dân <dan@example.vn>",
    message_id: str | None = "<m1@example.vn>",
    html: str | None = None,
    files: list[tuple[str, bytes, str]] = (),
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "1022@hochiminhcity.gov.vn"
    message["Subject"] = subject
    message["Date"] = "Mon, 10 Nov 2025 09:00:00 +0700"
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    if html is not None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(body)
    for name, content, mime in files:
        maintype, subtype = mime.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def _paused(personas, **kwargs) -> Report:
    report = submit_report(contact_email="dan@example.vn", contact_name="Nguyễn Văn Dân", **kwargs)
    report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
    report.refresh_from_db()
    assert report.paused_at is not None
    return report


def _replies(report: Report) -> list[ReportEvent]:
    return list(report.events.filter(kind="reply"))


# --- 1. Answering a request for information: the tracking page ---------------------------------------


def test_tracking_page_with_token_offers_a_labelled_reply_form(client, personas, categories):
    report = _paused(personas)
    page = client.get(f"/tra-cuu/{report.code}/?t={report.citizen_token}").content.decode()
    assert f'action="/tra-cuu/{report.code}/tra-loi/"' in page
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="id_reply_text">' in page and 'id="id_reply_text" name="text"' in page
    assert '<label for="id_reply_files">' in page and 'name="files" type="file"' in page
    assert 'data-testid="reply-requested"' in page
    # Without the token (the public page) there is no reply form.
    public = client.get(f"/tra-cuu/{report.code}/").content.decode()
    assert "tra-loi/" not in public


def test_reporter_answers_with_text_and_photo_and_the_report_resumes(client, personas, categories):
    report = _paused(personas)
    due_before = report.due_at
    photo = SimpleUploadedFile("anh-ro.jpg", _jpeg(), content_type="image/jpeg")
    response = client.post(
        f"/tra-cuu/{report.code}/tra-loi/",
        {"t": report.citizen_token, "text": "Đây là ảnh rõ hơn.\nỔ gà sâu khoảng 20 cm.", "files": photo},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/tra-cuu/{report.code}/?{urlencode({'t': report.citizen_token})}"
    report.refresh_from_db()
    assert report.paused_at is None and report.due_at >= due_before
    (reply,) = _replies(report)
    assert not reply.public  # internal: the officers see it, the public page does not
    shown = reply.display_note
    assert shown.startswith("Đây là ảnh rõ hơn.\nỔ gà sâu khoảng 20 cm.") and "anh-ro.jpg" in shown
    assert reply.actor_label == "Nguyễn Văn Dân"
    attachment = Attachment.objects.get(report=report)
    assert attachment.original_name == "anh-ro.jpg" and not attachment.public
    # Nobody is assigned: the unit's handlers are told in the app.
    told = set(
        Notification.objects.filter(channel="in_app", subject__contains=report.code).values_list(
            "recipient__username", flat=True
        )
    )
    assert {"officer", "deputy", "head"} <= told and "citizen" not in told
    # The reporter's own page (with the key) shows what they sent, marked as not public; the public's
    # page does not.
    mine = client.get(f"/tra-cuu/{report.code}/", {"t": report.citizen_token}).content.decode()
    assert "Ổ gà sâu khoảng 20 cm." in mine and "anh-ro.jpg" in mine and 'data-testid="private-reply"' in mine
    public = client.get(f"/tra-cuu/{report.code}/").content.decode()
    assert "Ổ gà sâu khoảng 20 cm." not in public and "anh-ro.jpg" not in public
    # The officer's page shows the answer.
    client.force_login(personas.officer)
    assert "Ổ gà sâu khoảng 20 cm." in client.get(f"/xu-ly/{report.code}/").content.decode()


def test_the_assignee_alone_is_told(personas, categories):
    report = _paused(personas)
    Report.objects.filter(pk=report.pk).update(assignee=personas.officer)
    report_reply(code=report.code, text="Đã gửi thêm thông tin", channel="web", token=report.citizen_token)
    recipients = list(
        Notification.objects.filter(channel="in_app", subject__contains=report.code).values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == ["officer"]


def test_only_the_reporter_may_answer(client, personas, categories):
    report = _paused(personas)
    response = client.post(f"/tra-cuu/{report.code}/tra-loi/", {"t": "not-the-token", "text": "Xin chào"})
    assert response.status_code == 403
    client.force_login(personas.citizen)  # logged in, but not the reporter
    assert client.post(f"/tra-cuu/{report.code}/tra-loi/", {"text": "Xin chào"}).status_code == 403
    assert not _replies(report)
    # The logged-in reporter needs no token.
    mine = submit_report(reporter=personas.citizen)
    assert client.post(f"/tra-cuu/{mine.code}/tra-loi/", {"text": "Bổ sung"}).status_code == 302
    assert len(_replies(mine)) == 1


def test_a_bad_file_refuses_the_answer_and_keeps_the_text(client, personas, categories):
    report = _paused(personas)
    bad = SimpleUploadedFile("hong.jpg", b"not an image at all", content_type="image/jpeg")
    response = client.post(
        f"/tra-cuu/{report.code}/tra-loi/", {"t": report.citizen_token, "text": "Ảnh đây", "files": bad}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="err-reply-files"' in page and "hong.jpg" in page and ">Ảnh đây</textarea>" in page
    assert not _replies(report) and not Attachment.objects.exists()
    report.refresh_from_db()
    assert report.paused_at is not None
    empty = client.post(f"/tra-cuu/{report.code}/tra-loi/", {"t": report.citizen_token, "text": "  "})
    assert empty.status_code == 400 and 'id="err-reply-text"' in empty.content.decode()


@pytest.mark.parametrize("status", [Status.CLOSED, Status.REJECTED])
def test_a_closed_or_rejected_report_takes_no_answer(client, personas, categories, status):
    report = submit_report(contact_email="dan@example.vn")
    Report.objects.filter(pk=report.pk).update(status=status)
    response = client.post(f"/tra-cuu/{report.code}/tra-loi/", {"t": report.citizen_token, "text": "Còn nữa"})
    assert response.status_code == 409
    assert not _replies(report)
    page = client.get(f"/tra-cuu/{report.code}/?t={report.citizen_token}").content.decode()
    assert 'data-testid="reply-closed"' in page and "tra-loi/" not in page
    with pytest.raises(Conflict):
        report_reply(code=report.code, text="Còn nữa", channel="web", token=report.citizen_token)


def test_an_answer_on_an_open_report_does_not_need_a_pause(personas, categories):
    report = submit_report(contact_email="dan@example.vn")
    reply = report_reply(code=report.code, text="Thêm: có 2 ổ gà", channel="web", token=report.citizen_token)
    assert reply.created and not reply.resumed
    assert [e.note for e in _replies(report)] == ["Thêm: có 2 ổ gà"]


# --- 1. Answering by e-mail ----------------------------------------------------------------------------


def test_an_email_answer_with_the_code_in_the_subject_is_a_reply(personas, categories, capsys):
    report, _created = ingest(_mail())
    report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
    raw = _mail(
        subject=f"Re: Phản ánh {report.code}: cần bổ sung thông tin",
        body="Gửi anh chị ảnh rõ hơn.\n\nVào Th 2, 10 thg 11, CityDesk đã viết:\n> Xin ảnh chụp rõ hơn\n",
        message_id="<answer-1@example.vn>",
        files=[("o-ga.jpg", _jpeg(), "image/jpeg")],
    )
    result = receive(raw)
    assert result.kind == "reply" and result.created and result.report.pk == report.pk
    assert Report.objects.count() == 1
    report.refresh_from_db()
    assert report.paused_at is None
    (reply,) = _replies(report)
    shown = reply.display_note
    assert shown.startswith("Gửi anh chị ảnh rõ hơn.") and "Xin ảnh chụp" not in shown
    assert report.attachments.filter(original_name="o-ga.jpg").count() == 1
    assert Notification.objects.filter(
        channel="email", address="dan@example.vn", subject__contains=report.code
    ).exclude(subject__contains="cần bổ sung")
    # The same message again: nothing new.
    again = receive(raw)
    assert again.kind == "reply" and not again.created and len(_replies(report)) == 1


def test_the_command_reports_a_reply(personas, categories, tmp_path, capsys):
    report, _created = ingest(_mail())
    path = tmp_path / "re.eml"
    path.write_bytes(_mail(subject=f"Fwd: RE: {report.code}", body="Thêm thông tin", message_id="<a2@x.vn>"))
    call_command("ingest-email", str(path))
    assert f"Đã thêm câu trả lời vào phản ánh {report.code}" in capsys.readouterr().out
    assert Report.objects.count() == 1 and len(_replies(report)) == 1


def test_an_email_in_the_reports_thread_is_a_reply(personas, categories):
    report, _created = ingest(_mail(message_id="<first@example.vn>"))
    raw = _mail(
        subject="Re: Ổ gà trước chợ Bến Thành",
        body="Ổ gà đã rộng hơn.",
        message_id="<second@example.vn>",
        headers={"In-Reply-To": "<first@example.vn>", "References": "<first@example.vn>"},
    )
    result = receive(raw)
    assert result.kind == "reply" and result.report.pk == report.pk
    assert Report.objects.count() == 1


def test_a_follower_does_not_answer_for_the_reporter_by_email(personas, categories):
    report, _created = ingest(_mail())
    Follower.objects.create(report=report, email="hang.xom@example.vn")
    raw = _mail(
        subject=f"Re: {report.code}",
        body="Nhà tôi cũng thấy.",
        sender="Hàng Xóm <Hang.Xom@example.vn>",
        message_id="<f1@example.vn>",
    )
    with pytest.raises(NotAllowed):
        receive(raw)
    assert not _replies(report)
    assert report.code in Notification.objects.get(address__iexact="hang.xom@example.vn").subject
    raw = _mail(
        subject=f"Re: {report.code}",
        body="Ổ gà sâu hơn rồi.",
        sender="Nguyễn Văn Dân <DAN@example.vn>",
        message_id="<d2@example.vn>",
    )
    assert receive(raw).kind == "reply"
    assert _replies(report)[0].actor_label == "Nguyễn Văn Dân"


def test_an_answer_from_a_stranger_is_refused_and_told_why(personas, categories):
    report, _created = ingest(_mail())
    raw = _mail(
        subject=f"Re: {report.code}", body="Tôi là người khác", sender="la@example.vn", message_id="<s@x>"
    )
    with pytest.raises(NotAllowed):
        receive(raw)
    assert not _replies(report) and Report.objects.count() == 1
    answer = Notification.objects.get(address="la@example.vn")
    assert report.code in answer.subject and report.code in answer.body and "[road_damage]" in answer.body


def test_an_email_answer_to_a_closed_report_is_refused(personas, categories, tmp_path):
    report, _created = ingest(_mail())
    Report.objects.filter(pk=report.pk).update(status=Status.CLOSED)
    path = tmp_path / "re.eml"
    path.write_bytes(_mail(subject=f"Re: {report.code}", body="Vẫn còn", message_id="<c@x>"))
    call_command("ingest-email", str(path))  # refused and answered: handled (exit 0)
    assert not _replies(report) and Report.objects.count() == 1
    answer = Notification.objects.filter(address="dan@example.vn").order_by("-pk").first()
    assert report.code in answer.subject and report.code in answer.body


# --- 2. HTML bodies ----------------------------------------------------------------------------------


HTML = (
    "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
    "<p>R&aacute;c tr&agrave;n ra &quot;đường&quot; &amp; vỉa hè&nbsp;ở 12 Lê Thánh Tôn.</p>"
    "<div>Địa chỉ: 12 Lê Thánh Tôn, Phường Bến Thành<br>Điện thoại: 0901 234 567</div></body></html>"
)


def test_an_html_only_message_reads_as_text(personas, categories):
    parsed = parse(_mail(subject="[road_damage] Rác tràn ra đường", body=None, html=HTML))
    assert parsed.description == 'Rác tràn ra đường\nRác tràn ra "đường" & vỉa hè ở 12 Lê Thánh Tôn.'
    assert parsed.address == "12 Lê Thánh Tôn, Phường Bến Thành" and parsed.phone == "0901 234 567"
    report, created = ingest(_mail(subject="[road_damage] Rác tràn ra đường", body=None, html=HTML))
    assert created and "color" not in report.description and "&" in report.description


def test_html_to_text():
    text = html_to_text("<p>Một<br/>Hai</p><ul><li>Ba&#x20;&lt;4&gt;</li></ul><blockquote>cũ</blockquote>")
    assert text == "Một\nHai\nBa <4>\n> cũ"


# --- 3. Labels anywhere in a line ----------------------------------------------------------------------


def test_labels_inside_a_single_line_message(personas, categories):
    body = "Ổ gà rất sâu trước chợ. Địa chỉ: 12 Lê Lợi, P. Bến Thành. Điện thoại: 0901 234 567"
    parsed = parse(_mail(body=body))
    assert parsed.address == "12 Lê Lợi, P. Bến Thành"
    assert parsed.phone == "0901 234 567"
    assert parsed.description == "Ổ gà trước chợ Bến Thành\nỔ gà rất sâu trước chợ."
    report, created = ingest(_mail(body=body))
    assert created and report.ward_id == "26743" and report.unit == personas.ward


def test_a_value_ends_with_its_sentence(personas, categories):
    parsed = parse(_mail(body="Địa chỉ: 60 Lê Lợi. Rác nhiều lắm, xin xử lý."))
    assert parsed.address == "60 Lê Lợi"
    assert parsed.description.endswith("Rác nhiều lắm, xin xử lý.")


# --- 4. Refusals that explain how to write an e-mail report ----------------------------------------------


def test_refusal_without_category_explains_the_subject_tag(personas, categories, tmp_path):
    path = tmp_path / "m.eml"
    path.write_bytes(_mail(subject="Ổ gà", message_id="<nocat@x>"))
    call_command("ingest-email", str(path))
    body = Notification.objects.get(address="dan@example.vn").body
    assert "[road_damage]" in body and "[street_lighting]" in body and "Chiếu sáng công cộng" in body
    assert "[land]" not in body  # a dossier category, not a report one
    assert "Địa chỉ:" in body and "Phường/xã:" in body
    assert "Vui lòng chọn lĩnh vực" not in body


def test_refusal_without_place_uses_email_wording(personas, categories):
    with pytest.raises(DomainError):
        receive(_mail(body="Ổ gà ở đâu đó", message_id="<noplace@x>"))
    body = Notification.objects.get(address="dan@example.vn").body
    assert "chọn trên bản đồ" not in body and "Địa chỉ:" in body and "Phường/xã:" in body


def test_no_answer_to_an_automatic_message(personas, categories):
    raw = _mail(subject="Ổ gà", message_id="<auto@x>", headers={"Auto-Submitted": "auto-replied"})
    with pytest.raises(DomainError):
        receive(raw)
    assert not Notification.objects.exists()


# --- 5. The sender's name ------------------------------------------------------------------------------


def test_the_senders_display_name_is_the_contact_name(personas, categories):
    raw = _mail(sender="Trần Văn Bình <binh@example.vn>")
    assert b"=?utf-8?" in raw.lower()  # RFC 2047 encoded on the wire
    report, _created = ingest(raw)
    assert report.contact_name == "Trần Văn Bình" and report.contact_email == "binh@example.vn"
    named = _mail(body="Ổ gà.\nTọa độ: 10.7714, 106.6946\nHọ tên: Trần Thị B", message_id="<n2@x>")
    assert ingest(named)[0].contact_name == "Trần Thị B"


# --- 6. Refused attachments are told --------------------------------------------------------------------


def test_refused_attachments_are_listed_in_the_acknowledgement(personas, categories):
    raw = _mail(
        files=[
            ("anh.jpg", _jpeg(), "image/jpeg"),
            ("hong.jpg", b"\xff\xd8 broken", "image/jpeg"),
            ("don.docx", b"PK\x03\x04 word", "application/octet-stream"),
        ]
    )
    result = receive(raw)
    assert result.report.attachments.count() == 1
    assert {name for name, _why in result.refused} == {"hong.jpg", "don.docx"}
    (ack,) = Notification.objects.filter(channel="email", address="dan@example.vn")
    assert result.report.code in ack.subject
    assert "hong.jpg" in ack.body and "don.docx" in ack.body and "anh.jpg" not in ack.body


# --- 7. Messages without a Message-ID -------------------------------------------------------------------


def test_a_message_without_message_id_makes_one_report(personas, categories):
    raw = _mail(message_id=None)
    first, created = ingest(raw)
    again, created_again = ingest(raw)
    assert created and not created_again and again.pk == first.pk
    other, created_other = ingest(_mail(message_id=None, body="Ổ gà khác.\nTọa độ: 10.7714, 106.6946"))
    assert created_other and other.pk != first.pk
    assert Report.objects.count() == 2


# --- 8. The ward named in an address ---------------------------------------------------------------------


def test_ward_in_address(personas):
    assert ward_in_address("60 Lê Lợi, Phường Bến Thành").code == "26743"
    assert ward_in_address("60 Le Loi, phuong ben thanh, TP. Ho Chi Minh").code == "26743"
    assert ward_in_address("60 Lê Lợi, Bến Thành").code == "26743"
    assert ward_in_address("60 Lê Lợi") is None
    assert ward_in_address("Phường Bến Thành hay Phường Sài Gòn") is None  # two: none counts


def test_email_without_ward_line_routes_by_the_ward_in_the_address(personas, categories):
    report, _created = ingest(_mail(body="Ổ gà lớn.\nĐịa chỉ: 12 Lê Lợi, Phường Sài Gòn"))
    assert report.ward_id == "26740" and report.unit == personas.other_ward
    named = _mail(body="Ổ gà.\nĐịa chỉ: 5 Lê Lợi\nPhường/xã: Bến Thành", message_id="<w2@x>")
    assert ingest(named)[0].unit == personas.ward


def test_open311_address_names_the_ward(client, personas, categories):
    key = open311_client_create(actor=Actor.system("test"), name="Ứng dụng thử")[1]
    response = client.post(
        "/open311/v2/requests.json",
        urlencode(
            {
                "api_key": key,
                "service_code": "road_damage",
                "description": "Ổ gà",
                "address_string": "60 Lê Lợi, Phường Bến Thành",
            }
        ),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get(code=response.json()[0]["service_request_id"])
    assert report.ward_id == "26743" and report.unit == personas.ward
