"""The citizen pages (/phan-anh/moi/, /tra-cuu/<code>/): the good photos of a refused form are kept (report form
and reply), a report can be kept private, a pause is titled as one, photos have a meaningful alt, numbers in
answers are grouped, long texts are counted and never cut, the follow code's status, and Vietnamese names
marked on English pages."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from citydesk.core.models import ServiceCategory
from citydesk.dossiers import staging
from citydesk.reports.forms import answer_rows
from citydesk.reports.models import Attachment, Rating, Report, ReportEvent
from citydesk.reports.services import report_pause, report_transition

from .conftest import submit_report
from .test_pages import FORM as PAGE_FORM

pytestmark = pytest.mark.django_db

# The report form of the page tests, without its answer to the depth question.
FORM = {name: value for name, value in PAGE_FORM.items() if not name.startswith("a_")}
PHONE = "0912000111"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


def png(name: str = "a.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def fake_pdf(name: str = "fake.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"this is not a PDF at all", content_type="application/pdf")


def post_form(client: Client, **changes):
    data = {"idempotency_key": uuid.uuid4().hex, **FORM, **changes}
    return client.post("/phan-anh/moi/", {k: v for k, v in data.items() if v is not None})


def staged_ids(html: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="staged" value="([^"]+)">', html)


def tag(html: str, element_id: str) -> str:
    match = re.search(rf'<[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert match, element_id
    return match.group(0)


def t(text: str, **values) -> str:
    with translation.override("vi"):
        return gettext(text) % values if values else gettext(text)


def resolved(personas) -> Report:
    report = submit_report(contact_email="dan@example.vn", contact_name="Nguyễn Văn Dân")
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=report.code, action="resolve", resolution="Đã vá.")
    return Report.objects.get(pk=report.pk)


def paused(personas) -> Report:
    report = submit_report(contact_email="dan@example.vn", contact_name="Nguyễn Văn Dân")
    report_pause(user=personas.officer, code=report.code, note="Xin ảnh chụp rõ hơn")
    return Report.objects.get(pk=report.pk)


# --- 1. The good photos of a refused form are kept ---------------------------------------------------


def test_a_refused_report_form_keeps_its_good_photo_and_sends_it_next_time(client, categories):
    refused = post_form(client, contact_phone="12ab", photos=[png("a.png"), fake_pdf()])
    html = refused.content.decode()
    assert refused.status_code == 400 and not Report.objects.exists()
    assert 'id="err-photos"' in html and "fake.pdf" in html and 'id="err-contact_phone"' in html
    # a.png is shown as attached, with its "Remove" button; nothing asks to choose it again.
    assert 'data-testid="staged-photo"' in html and "<strong>a.png</strong>" in html
    assert t("If you chose photos before, choose them again.") not in html
    assert 'data-testid="staged-hint"' in html and 'name="unstage"' in html
    (staged_id,) = staged_ids(html)
    # Enter in a field sends the report: the form's first submit button is not a "Remove".
    first_button = re.search(r'<form[^>]*id="report-form".*?(<button[^>]*>)', html, re.S).group(1)
    assert 'name="unstage"' not in first_button and 'type="submit"' in first_button
    session = client.session
    stored = session[staging.SESSION_STAGED][staged_id]
    assert stored["name"] == "a.png" and stored["procedure"] == "reports/new"
    assert default_storage.exists(stored["path"])

    sent = post_form(client, staged=staged_id)  # the phone corrected, no file chosen again
    assert sent.status_code == 302, sent.content.decode()[:2000]
    report = Report.objects.get()
    assert list(Attachment.objects.filter(report=report).values_list("original_name", flat=True)) == ["a.png"]
    assert not default_storage.exists(stored["path"])  # stored with the report: the kept copy goes
    assert staged_id not in client.session.get(staging.SESSION_STAGED, {})


def test_a_kept_photo_is_only_for_the_browser_that_sent_it(client, categories):
    html = post_form(client, contact_phone="12ab", photos=[png()]).content.decode()
    (staged_id,) = staged_ids(html)
    other = Client()
    assert post_form(other, staged=staged_id).status_code == 302
    assert not Attachment.objects.exists()  # another session's id is passed over
    # The first browser still has its copy (it may send it).
    assert default_storage.exists(client.session[staging.SESSION_STAGED][staged_id]["path"])


def test_remove_beside_a_kept_photo_deletes_it_and_sends_nothing(client, categories):
    html = post_form(client, contact_phone="12ab", photos=[png("a.png"), png("b.png")]).content.decode()
    first, second = staged_ids(html)
    path = client.session[staging.SESSION_STAGED][first]["path"]
    removed = post_form(client, contact_phone="12ab", staged=[first, second], unstage=first)
    html = removed.content.decode()
    assert removed.status_code == 200 and not Report.objects.exists()
    assert 'data-testid="staged-removed"' in html and "a.png" in html
    assert staged_ids(html) == [second] and not default_storage.exists(path)
    assert 'id="err-contact_phone"' not in html  # nothing was sent: no problems said yet
    assert post_form(client, staged=[second]).status_code == 302
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["b.png"]


def test_kept_photos_count_against_the_limit(client, categories, settings):
    settings.CITYDESK_MAX_ATTACHMENTS = 2
    html = post_form(client, contact_phone="12ab", photos=[png("a.png"), png("b.png")]).content.decode()
    kept = staged_ids(html)
    again = post_form(client, staged=kept, photos=[png("c.png")])
    assert again.status_code == 400 and 'id="err-photos"' in again.content.decode()
    assert staged_ids(again.content.decode()) == kept and not Report.objects.exists()


def test_a_refused_reply_keeps_its_good_photo(client, personas, categories):
    report = paused(personas)
    url = f"/tra-cuu/{report.code}/tra-loi/"
    refused = client.post(url, {"t": report.citizen_token, "text": "Ảnh đây", "files": [png(), fake_pdf()]})
    html = refused.content.decode()
    assert refused.status_code == 400 and 'id="err-reply-files"' in html and "fake.pdf" in html
    assert ">Ảnh đây</textarea>" in html and 'data-testid="reply-staged-file"' in html
    assert "<strong>a.png</strong>" in html
    assert t("If you chose photos before, choose them again.") not in html
    (staged_id,) = staged_ids(html)
    assert client.session[staging.SESSION_STAGED][staged_id]["procedure"] == f"{report.code}/reply"
    # Someone without the reporter's link cannot take it off (nor keep files there).
    assert client.post(url, {"t": "wrong", "staged": staged_id, "unstage": staged_id}).status_code == 403
    sent = client.post(url, {"t": report.citizen_token, "text": "Ảnh đây", "staged": staged_id})
    assert sent.status_code == 302
    assert list(Attachment.objects.filter(report=report).values_list("original_name", flat=True)) == ["a.png"]
    assert staged_id not in client.session.get(staging.SESSION_STAGED, {})


def test_remove_beside_a_kept_reply_photo(client, personas, categories):
    report = paused(personas)
    url = f"/tra-cuu/{report.code}/tra-loi/"
    html = client.post(
        url, {"t": report.citizen_token, "text": "x", "files": [png(), fake_pdf()]}
    ).content.decode()
    (staged_id,) = staged_ids(html)
    removed = client.post(
        url, {"t": report.citizen_token, "text": "x", "staged": staged_id, "unstage": staged_id}
    )
    html = removed.content.decode()
    assert removed.status_code == 200 and 'data-testid="reply-staged-removed"' in html
    assert not staged_ids(html) and not ReportEvent.objects.filter(report=report, kind="reply").exists()


# --- 2. A report kept private ------------------------------------------------------------------------


def test_the_form_offers_to_keep_the_report_private_off_by_default(client, categories):
    html = client.get("/phan-anh/moi/").content.decode()
    box = tag(html, "id_keep_private")
    assert 'type="checkbox"' in box and "checked" not in box and 'aria-describedby="hint-keep-private"' in box
    assert '<label for="id_keep_private">' + t("Do not publish this report") + "</label>" in html
    assert 'id="hint-keep-private"' in html


def test_a_private_report_is_handled_but_not_published(client, categories):
    assert post_form(client, keep_private="on").status_code == 302
    report = Report.objects.get()
    assert report.is_public is False and report.unit_id is not None  # routed, handled as usual
    sent = client.get(f"/phan-anh/da-gui/{report.code}/")
    assert 'data-testid="not-published"' in sent.content.decode()
    assert Client().get(f"/tra-cuu/{report.code}/").status_code == 404
    mine = client.get(f"/tra-cuu/{report.code}/", {"t": report.citizen_token}).content.decode()
    assert 'data-testid="not-published"' in mine
    # A public one (the box left empty) is published as before.
    assert post_form(Client(), description="Đèn đường hỏng").status_code == 302
    assert Report.objects.get(description="Đèn đường hỏng").is_public is True


# --- 3. A pause reads as one -------------------------------------------------------------------------


def test_the_public_history_titles_a_pause(client, personas, categories):
    report = paused(personas)
    html = client.get(f"/tra-cuu/{report.code}/").content.decode()
    history = re.search(r'data-testid="history">(.*?)</ol>', html, re.S).group(1)
    *_earlier, pause = re.findall(r"<li>.*?</li>", history, re.S)  # the latest step: the pause
    assert f"<strong>{t('Paused – waiting for more information')}</strong>" in pause
    assert f"<strong>{t('Deadline')}</strong>" not in pause


# --- 4. Photos: a meaningful alt -------------------------------------------------------------------------


def test_public_photos_have_an_alt_without_a_file_extension(client, categories):
    assert post_form(client, photos=[png("Anh_0901234567.png")]).status_code == 302
    report = Report.objects.get()
    html = Client().get(f"/tra-cuu/{report.code}/").content.decode()
    alts = re.findall(r'<img src="/api/v1/reports/[^"]+" alt="([^"]*)"', html)
    assert alts == [t("Photo %(n)s of report %(code)s", n=1, code=report.code)]
    assert ".png" not in alts[0] and "0901234567" not in html


# --- 5. Numbers in answers ---------------------------------------------------------------------------------


def test_a_number_answer_is_shown_with_its_thousands_grouped(client, categories):
    assert post_form(client, a_road_damage__depth_cm="1.234,5").status_code == 302
    report = Report.objects.get()
    assert report.answers == {"depth_cm": 1234.5}
    url = f"/tra-cuu/{report.code}/"
    vi = client.get(url, {"t": report.citizen_token}, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "<dd>1.234,5</dd>" in vi
    en = client.get(url, {"t": report.citizen_token}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<dd>1,234.5</dd>" in en
    with translation.override("vi"):
        assert answer_rows(categories["road"], {"depth_cm": 12000.0}) == [("Độ sâu (cm)", "12.000")]


# --- 6. Long texts: counted, never cut ----------------------------------------------------------------


def test_the_long_texts_have_a_counter_and_no_maxlength(client, personas, categories):
    form = client.get("/phan-anh/moi/").content.decode()
    description = tag(form, "id_description")
    assert "maxlength" not in description and 'data-max="4000"' in description
    assert "description-count" in description  # tied to the counter (aria-describedby)
    assert 'id="description-count"' in form and t("%(n)s characters left", n="4.000") in form
    report = resolved(personas)
    page = client.get(f"/tra-cuu/{report.code}/", {"t": report.citizen_token}).content.decode()
    comment = tag(page, "id_comment")
    assert "maxlength" not in comment and 'data-max="2000"' in comment
    assert 'id="comment-count"' in page
    reply = tag(paused_page(client, personas), "id_reply_text")
    assert "maxlength" not in reply and 'data-max="4000"' in reply and "reply-count" in reply


def paused_page(client: Client, personas) -> str:
    report = paused(personas)
    return client.get(f"/tra-cuu/{report.code}/", {"t": report.citizen_token}).content.decode()


def test_a_too_long_description_is_refused_and_kept_whole(client, categories):
    text = "Ổ gà " + "x" * 4000
    refused = post_form(client, description=text)
    html = refused.content.decode()
    assert refused.status_code == 400 and not Report.objects.exists()
    assert f">{text}</textarea>" in html and 'id="err-description"' in html
    assert t("%(n)s characters too many: shorten the description", n="5") in html
    # Counted as stored: the spaces that collapse do not count.
    assert post_form(client, description="Ổ gà" + " " * 5000 + "to").status_code == 302


def test_a_too_long_rating_comment_is_refused_and_kept_whole(client, personas, categories):
    report = resolved(personas)
    comment = "Làm ẩu " + "y" * 2000
    refused = client.post(
        f"/tra-cuu/{report.code}/danh-gia/",
        {"t": report.citizen_token, "level": "satisfied", "comment": comment},
    )
    html = refused.content.decode()
    assert refused.status_code == 400 and not Rating.objects.filter(report=report).exists()
    assert f">{comment}</textarea>" in html and 'id="err-comment"' in html
    assert t("%(n)s characters too many: shorten the comment", n="7") in html


# --- 7. The code sent to follow: a status that takes the focus ------------------------------------------


def test_after_follow_the_page_says_where_the_code_went_and_focuses_it(client, personas, categories):
    report = submit_report()
    page_url = f"/tra-cuu/{report.code}/"
    first = client.get(page_url).content.decode()
    assert 'aria-describedby="hint-follow"' in tag(first, "id_follow_email")
    assert 'aria-describedby="hint-follow"' in tag(first, "id_follow_phone")
    assert 'id="hint-follow"' in first and 'id="hint-follow-code"' in first
    assert "hint-follow-code" in tag(first, "id_pin")
    sent = client.post(f"/tra-cuu/{report.code}/theo-doi/", {"phone": PHONE})
    assert sent.status_code == 302 and sent["Location"].endswith("#follow")
    html = client.get(page_url).content.decode()
    # The page opens at #follow: the section takes the focus, described by the status saying where the code went.
    section = tag(html, "follow")
    assert 'tabindex="-1"' in section and 'aria-describedby="follow-sent"' in section
    assert 'role="status"' in tag(html, "follow-sent")
    assert "091****111" in html and PHONE not in re.sub(r'value="[^"]*"', "", html)
    assert 'aria-describedby="follow-sent hint-follow-code"' in tag(html, "id_pin")
    # Said again on the next visit, without taking the focus again.
    again = client.get(page_url).content.decode()
    assert "091****111" in tag(again, "follow-sent") + again and "tabindex" not in tag(again, "follow")


def test_an_email_follow_code_is_said_masked(client, personas, categories):
    report = submit_report()
    client.post(f"/tra-cuu/{report.code}/theo-doi/", {"email": "binh.le@example.com"})
    html = client.get(f"/tra-cuu/{report.code}/").content.decode()
    assert "bi***@example.com" in tag(html, "follow-sent") + html


# --- 8. Vietnamese names on English pages --------------------------------------------------------------


def test_provinces_are_marked_vietnamese_on_english_pages(client, categories):
    ServiceCategory.objects.create(
        code="trees", domain="report", name="Cây xanh đô thị", handled_by="ward", working_days=5
    )  # no English name: shown in Vietnamese
    english = client.get("/phan-anh/moi/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'<option value="79" lang="vi"[^>]*>Thành phố Hồ Chí Minh</option>', english)
    assert re.search(r'<option value="trees" lang="vi"[^>]*>Cây xanh đô thị</option>', english)
    assert re.search(r'<option value="road_damage" >Road damage</option>', english)
    vietnamese = client.get("/phan-anh/moi/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'lang="vi"' not in re.search(r'<select id="id_province".*?</select>', vietnamese, re.S).group(0)
