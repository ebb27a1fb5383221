"""E-mail intake and the periodic deadline sweep."""

from email.message import EmailMessage

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from citydesk.notifications.models import Notification
from citydesk.reports.email_intake import ingest, parse
from citydesk.reports.models import Report

pytestmark = pytest.mark.django_db


def _mail(
    subject="[road_damage] Ổ gà trước chợ Bến Thành",
    body=None,
    message_id="<m1@example.vn>",
    photo: bytes | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = "Nguyễn Văn Dân <dan@example.vn>"
    message["To"] = "1022@hochiminhcity.gov.vn"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(
        body or "Ổ gà rất sâu, xe máy dễ ngã.\nTọa độ: 10.7714, 106.6946\nĐiện thoại: 0901 234 567\n"
    )
    if photo:
        message.add_attachment(photo, maintype="image", subtype="jpeg", filename="o-ga.jpg")
    return message.as_bytes()


def test_parse_reads_category_coordinates_and_phone():
    parsed = parse(_mail())
    assert parsed.category == "road_damage"
    assert (parsed.lat, parsed.lon) == (10.7714, 106.6946)
    assert parsed.phone == "0901 234 567"
    assert parsed.sender == "dan@example.vn"
    assert parsed.description.startswith("Ổ gà trước chợ Bến Thành")
    assert "Tọa độ" not in parsed.description


def test_email_creates_one_report_per_message(personas, categories):
    report, created = ingest(_mail())
    assert created and report.channel == "email" and report.unit == personas.ward
    again, created_again = ingest(_mail())
    assert not created_again and again.pk == report.pk
    assert Report.objects.count() == 1


def test_email_with_photo(personas, categories):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buffer, format="JPEG")
    report, _ = ingest(_mail(photo=buffer.getvalue(), message_id="<m2@example.vn>"))
    assert report.attachments.count() == 1


def test_command_refuses_a_message_without_place_and_answers_the_sender(personas, categories, tmp_path):
    path = tmp_path / "mail.eml"
    path.write_bytes(_mail(body="Ổ gà ở đâu đó", message_id="<m3@example.vn>"))
    call_command("ingest-email", str(path))  # refused and answered: handled, as a mail pipe needs (exit 0)
    assert not Report.objects.exists()
    reply = Notification.objects.get(address="dan@example.vn")
    assert "address" in reply.body or "địa chỉ" in reply.body.lower()


def test_command_without_category(personas, categories, tmp_path, capsys):
    path = tmp_path / "mail.eml"
    path.write_bytes(_mail(subject="Ổ gà", message_id="<m4@example.vn>"))
    call_command("ingest-email", str(path))
    assert "lĩnh vực" in capsys.readouterr().out and not Report.objects.exists()
    call_command("ingest-email", str(path), "--default-category", "road_damage")
    assert Report.objects.get().category.code == "road_damage"


def test_the_same_message_again_with_another_default_category_is_the_same_report(
    personas, categories, tmp_path, capsys
):
    path = tmp_path / "mail.eml"
    path.write_bytes(_mail(subject="Ổ gà", message_id="<m5@example.vn>"))
    call_command("ingest-email", str(path), "--default-category", "road_damage")
    report = Report.objects.get()
    sent = Notification.objects.count()
    capsys.readouterr()
    call_command("ingest-email", str(path), "--default-category", "street_lighting")
    out = capsys.readouterr().out
    assert report.code in out and "Idempotency" not in out
    assert Report.objects.get().category.code == "road_damage"  # the first choice stays
    assert Notification.objects.count() == sent  # nobody is written to twice


@pytest.mark.django_db(transaction=True)
def test_sla_sweep_is_scheduled_once_and_runs_in_the_worker(personas, categories):
    from django_tasks_db.models import DBTaskResult

    call_command("sla-sweep", "--schedule")
    call_command("sla-sweep", "--schedule")
    assert DBTaskResult.objects.filter(task_path__endswith="sla_sweep_task", status="READY").count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert DBTaskResult.objects.filter(task_path__endswith="sla_sweep_task", status="SUCCESSFUL").count() == 1
    # It rescheduled itself for the next run.
    assert DBTaskResult.objects.filter(task_path__endswith="sla_sweep_task", status="READY").count() == 1


def test_the_how_to_answer_shows_the_pothole_example_with_its_own_category(personas, categories):
    from citydesk.core.models import ServiceCategory
    from citydesk.reports.email_intake import how_to

    ServiceCategory.objects.create(code="aa_first", name="Đứng đầu bảng chữ cái", domain="report")
    text = how_to()
    assert "[road_damage] Ổ gà trước số 12 Lê Lợi" in text and "[aa_first] Ổ gà" not in text


def test_the_command_names_a_missing_or_unreadable_file_in_words(personas, categories, tmp_path):
    from django.utils import translation

    with translation.override("vi"):
        for path, words in ((tmp_path / "khong-co.eml", "không tìm thấy tệp"), (tmp_path, "thư mục")):
            with pytest.raises(CommandError) as err:
                call_command("ingest-email", str(path))
            assert err.value.returncode == 2
            assert str(path) in str(err.value) and words in str(err.value), str(err.value)
            assert "Errno" not in str(err.value)
    assert not Report.objects.exists()
