"""Review F on the one-stop desk: the standard slips of Circular 01/2018/TT-VPCP as PDFs (request for
additional papers, refusal, apology and new appointment), the apology for a late dossier (recorded, shown,
sent; the due time and the lateness stay), and the signed result's file of a dossier returned online."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from typing import Any
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from citydesk.core.errors import NotAllowed
from citydesk.core.models import AuditEntry
from citydesk.dossiers import slips
from citydesk.dossiers.models import (
    Channel,
    Dossier,
    DossierEvent,
    Punctuality,
    ResultFile,
    ResultMethod,
    ServiceLevel,
    Status,
)
from citydesk.dossiers.services import Applicant, Upload, dossier_receive, dossier_transition
from citydesk.notifications.models import Notification
from tests.dossiers.conftest import HCM, at, make_procedure

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 signed result"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
LATE = at(2026, 12, 21, 10, 0)  # a birth registration received on 7/12 is due on 10/12


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def clock(moment: dt.datetime) -> Any:
    return mock.patch("django.utils.timezone.now", return_value=moment)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fresh(dossier: Dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def pdf_title(data: bytes) -> bytes:
    """The PDF's metadata and streams, inflated (the title, the document's <title>, is in them)."""
    out = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        try:
            out.append(zlib.decompress(data[match.end() : end]))
        except zlib.error:
            continue
    return b"\n".join(out)


def apologise(client: Client, dossier: Dossier, **data: Any) -> Any:
    payload = {
        "version": fresh(dossier).version,
        "appointment": "2026-12-23T09:00",
        "reason": "Chờ ý kiến Sở",
    }
    payload.update(data)
    return client.post(
        f"/mot-cua/ho-so/{dossier.code}/xin-loi/", {k: v for k, v in payload.items() if v is not None}
    )


def attach(client: Client, dossier: Dossier, data: bytes | None = PDF, name: str = "quyet-dinh.pdf") -> Any:
    payload: dict[str, Any] = {"version": fresh(dossier).version}
    if data is not None:
        payload["file"] = SimpleUploadedFile(name, data, content_type="application/pdf")
    return client.post(f"/mot-cua/ho-so/{dossier.code}/ket-qua/dinh-kem/", payload)


def finish(personas, dossier: Dossier, note: str = "Đã cấp giấy khai sinh") -> Dossier:
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    return dossier_transition(user=personas.head, code=dossier.code, action="finish", note=note)


# --- 1. The slips -----------------------------------------------------------------------------------


def test_the_request_for_papers_slip_lists_the_papers_and_the_officers_words(personas, catalog, receive):
    dossier = receive()
    paper = catalog.birth.documents.get(name="Bản sao CCCD")
    url = f"/mot-cua/ho-so/{dossier.code}/phieu-bo-sung.pdf"
    officer = login(personas.officer)
    assert officer.get(url).status_code == 404  # nothing asked yet: no slip
    assert (
        'data-testid="slip-supplement"' not in officer.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    )
    dossier_transition(
        user=personas.officer,
        code=dossier.code,
        action="request_supplement",
        papers=[paper.pk],
        note="Bản sao có chứng thực",
    )
    page = slips.slip_html(fresh(dossier), slips.SUPPLEMENT)
    assert 'data-slip="supplement"' in page
    for text in (dossier.code, personas.ward.name, "Đăng ký khai sinh", "Nguyễn Văn An", "Trần Văn Minh"):
        assert text in page
    assert re.search(r'data-testid="slip-papers"><li>Bản sao CCCD</li></ol>', page)
    # The officer's words without the papers' names the note begins with (listed above them).
    assert re.search(r'data-testid="slip-words">Bản sao có chứng thực</p>', page)
    event = DossierEvent.objects.get(dossier=dossier, kind=DossierEvent.Kind.SUPPLEMENT_REQUESTED)
    assert f'data-testid="slip-date">{event.at.astimezone(HCM):%d/%m/%Y}<' in page
    response = officer.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and f"({dossier.code})".encode() in pdf_title(
        response.content
    )
    assert (
        f'href="{url}" data-testid="slip-supplement"'
        in officer.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    )


def test_the_refusal_slip_gives_the_reasons(personas, catalog, receive):
    dossier = receive()
    url = f"/mot-cua/ho-so/{dossier.code}/phieu-tu-choi.pdf"
    assert login(personas.officer).get(url).status_code == 404  # not refused
    dossier_transition(
        user=personas.officer, code=dossier.code, action="refuse", note="Không thuộc thẩm quyền"
    )
    page = slips.slip_html(fresh(dossier), slips.REFUSAL)
    assert 'data-slip="refusal"' in page and 'data-testid="slip-words">Không thuộc thẩm quyền<' in page
    assert 'data-testid="slip-officer">Trần Văn Minh<' in page and "Nguyễn Văn An" in page
    response = login(personas.head).get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert (
        'data-testid="slip-refusal"'
        in login(personas.officer).get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    )


@pytest.mark.parametrize(
    "persona", ["outsider", "other_head", "department_head", "inspector", "admin", "citizen"]
)
def test_the_slips_are_for_the_handling_officers_only(client, personas, catalog, receive, persona):
    dossier = receive(user=personas.officer)
    Dossier.objects.filter(pk=dossier.pk).update(applicant=personas.citizen)  # the applicant is refused too
    dossier_transition(user=personas.officer, code=dossier.code, action="refuse", note="Thiếu giấy tờ")
    url = f"/mot-cua/ho-so/{dossier.code}/phieu-tu-choi.pdf"
    assert client.get(url).status_code == 302  # anonymous: to the log-in page
    assert login(getattr(personas, persona)).get(url).status_code == 403
    assert login(personas.deputy).get(url).status_code == 200


# --- 2. The apology for a late dossier -------------------------------------------------------------


def test_an_apology_is_refused_for_a_dossier_that_is_not_late(personas, catalog, receive):
    dossier = receive()
    before = fresh(dossier)
    with clock(at(2026, 12, 8, 10, 0)):
        response = apologise(login(personas.officer), dossier)
        assert response.status_code == 409
        assert 'data-kind="not-now"' in response.content.decode()
        page = login(personas.officer).get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert 'id="form-apology"' not in page
    assert not DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.APOLOGY).exists()
    assert (
        fresh(dossier).version == before.version
        and not AuditEntry.objects.filter(action="dossier.apology").exists()
    )
    assert login(personas.officer).get(f"/mot-cua/ho-so/{dossier.code}/phieu-xin-loi.pdf").status_code == 404


def test_an_apology_keeps_the_due_time_and_the_lateness(client, personas, catalog, receive):
    dossier = receive()
    due = fresh(dossier).due_at
    with clock(LATE):  # logged in then: a session opened today would have expired by the 21st
        officer = login(personas.officer)
        assert 'id="form-apology"' in officer.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
        response = apologise(officer, dossier)
        assert response.status_code == 302
    after = fresh(dossier)
    assert after.due_at == due and after.version == dossier.version + 1  # the due time stays
    event = DossierEvent.objects.get(dossier=dossier, kind=DossierEvent.Kind.APOLOGY)
    assert event.public and event.note == "Chờ ý kiến Sở" and event.actor_label == "Trần Văn Minh"
    assert event.appointment_at == at(2026, 12, 23, 9, 0)
    assert after.new_appointment == at(2026, 12, 23, 9, 0)
    audit = AuditEntry.objects.get(action="dossier.apology")
    assert audit.after["appointment"].startswith("2026-12-23T09:00")
    # The applicant is told, with the reason and the new date.
    told = Notification.objects.filter(channel="email", subject__contains=dossier.code).order_by("id").last()
    assert "Chờ ý kiến Sở" in told.body and "23/12/2026 09:00" in told.body
    # The officer's page: the new appointment beside the due time, still overdue; the slip.
    with clock(LATE):
        page = officer.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert 'data-testid="new-appointment">23/12/2026 09:00' in page and "badge-overdue" in page
    assert 'data-testid="event-appointment"' in page and 'data-testid="slip-apology"' in page
    slip = slips.slip_html(after, slips.APOLOGY)
    assert 'data-slip="apology"' in slip and 'data-testid="slip-words">Chờ ý kiến Sở<' in slip
    assert re.search(r'data-testid="slip-appointment">[^<]*09:00[^<]*23/12/2026', slip)
    response = officer.get(f"/mot-cua/ho-so/{dossier.code}/phieu-xin-loi.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    # The applicant's page (their link): the new appointment, and the apology with its reason in the history.
    mine = client.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": dossier.citizen_token}).content.decode()
    assert 'data-testid="new-appointment"><strong>23/12/2026 09:00' in mine
    assert (
        'data-kind="apology"' in mine
        and "Chờ ý kiến Sở" in mine
        and 'data-testid="event-appointment"' in mine
    )
    # Finished later, it is late all the same: the apology hid nothing.
    with clock(at(2026, 12, 22, 15, 0)):
        done = finish(personas, dossier)
    assert done.punctuality == Punctuality.LATE and done.due_at == due


def test_an_apology_for_a_result_ready_late(personas, catalog, receive):
    dossier = receive()
    with clock(LATE):
        finish(personas, dossier)
    assert fresh(dossier).status == Status.RESULT_READY and fresh(dossier).punctuality == Punctuality.LATE
    with clock(LATE + dt.timedelta(hours=1)):
        assert apologise(login(personas.officer), dossier).status_code == 302
        dossier_transition(
            user=personas.officer, code=dossier.code, action="return_result", result_method="desk"
        )
        # Handed over: nothing left to appoint.
        assert apologise(login(personas.officer), dossier, appointment="2026-12-28T09:00").status_code == 409
    assert DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.APOLOGY).count() == 1


def test_no_apology_while_the_clock_is_stopped_on_time(personas, catalog, receive):
    """Waiting for the applicant's papers since before the due time: the wait is not counted, not late."""
    dossier = receive()
    with clock(at(2026, 12, 8, 10, 0)):
        dossier_transition(
            user=personas.officer, code=dossier.code, action="request_supplement", note="Tờ khai"
        )
    with clock(LATE):
        assert apologise(login(personas.officer), dossier).status_code == 409
    assert not DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.APOLOGY).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"appointment": ""}, "appointment"),
        ({"appointment": "abc"}, "appointment"),
        ({"appointment": "2026-13-40T09:00"}, "appointment"),
        ({"appointment": "2026-12-20T09:00"}, "appointment"),  # before now
        ({"appointment": "2028-01-05T09:00"}, "appointment"),  # more than a year ahead
        ({"reason": "  "}, "reason"),
        ({"reason": "x" * 4001}, "reason"),
        ({"version": None}, "version"),
    ],
)
def test_a_wrong_apology_changes_nothing(personas, catalog, receive, data, field):
    dossier = receive()
    with clock(LATE):
        response = apologise(login(personas.officer), dossier, **data)
    assert response.status_code == 400
    page = response.content.decode()
    if field in ("appointment", "reason"):
        assert f'id="err-apology-{field}"' in page and f'href="#apology-{field}"' in page
    assert fresh(dossier).version == dossier.version
    assert not DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.APOLOGY).exists()


def test_day_first_appointments_are_read_too(personas, catalog, receive):
    dossier = receive()
    with clock(LATE):
        assert apologise(login(personas.officer), dossier, appointment="24/12/2026 14:30").status_code == 302
    assert fresh(dossier).new_appointment == at(2026, 12, 24, 14, 30)


def test_only_the_handling_officers_apologise(client, personas, catalog, receive):
    dossier = receive()
    Dossier.objects.filter(pk=dossier.pk).update(applicant=personas.citizen)
    with clock(LATE):
        assert apologise(client, dossier).status_code == 302  # anonymous: to the log-in page
        for user in (personas.outsider, personas.other_head, personas.citizen, personas.inspector):
            assert apologise(login(user), dossier).status_code == 403
        with pytest.raises(NotAllowed):  # the service refuses them too
            slips.dossier_apologise(
                user=personas.outsider, code=dossier.code, appointment="2026-12-23T09:00", reason="x"
            )
    assert not DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.APOLOGY).exists()
    assert fresh(dossier).version == dossier.version


# --- 3. The signed result's file -------------------------------------------------------------------


def level_4(personas, *, user=None, email="mai@example.vn") -> Dossier:
    procedure = make_procedure("L4-01", "Cấp giấy phép", level=ServiceLevel.LEVEL_4)
    uploads = [
        Upload(document_id=d.pk, file=SimpleUploadedFile("to-khai.pdf", PDF, content_type="application/pdf"))
        for d in procedure.documents.filter(required=True)
    ]
    return dossier_receive(
        user=user,
        procedure_code=procedure.code,
        unit_code=personas.ward.code,
        channel=Channel.ONLINE,
        applicant=Applicant(name="Ngô Thị Mai", phone="0903123456", email=email),
        uploads=uploads,
        received_at=at(2026, 12, 7, 9, 0),
    ).dossier


def test_the_signed_result_reaches_the_applicant_online(client, personas, catalog):
    dossier = level_4(personas, user=personas.citizen)
    assert dossier.result_method == ResultMethod.ONLINE
    officer = login(personas.officer)
    own = f"/ho-so/tra-cuu/{dossier.code}/ket-qua/"
    staff = f"/mot-cua/ho-so/{dossier.code}/ket-qua/"
    assert attach(officer, dossier).status_code == 409  # the result is not ready yet
    finish(personas, dossier, note="Đã cấp giấy phép")
    page = officer.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert 'id="form-result_file"' in page and 'data-testid="no-result-file"' in page
    assert officer.get(staff).status_code == 404
    assert attach(officer, dossier).status_code == 302
    stored = ResultFile.objects.get(dossier=dossier)
    assert (
        stored.content_type == "application/pdf"
        and stored.size == len(PDF)
        and stored.added_by == personas.officer
    )
    event = DossierEvent.objects.get(dossier=dossier, kind=DossierEvent.Kind.RESULT_FILE)
    assert not event.public and event.note == "quyet-dinh.pdf"
    assert AuditEntry.objects.filter(action="dossier.result_file", object_id=dossier.code).exists()
    response = officer.get(staff)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"
    # Ready, not handed over: the applicant cannot download it yet.
    applicant = login(personas.citizen)
    assert applicant.get(own).status_code == 404
    assert (
        'data-testid="result-download"'
        not in applicant.get(f"/ho-so/tra-cuu/{dossier.code}/").content.decode()
    )
    dossier_transition(
        user=personas.officer, code=dossier.code, action="return_result", result_method="online"
    )
    # Handed over online: the applicant (account, or the dossier's link) downloads it; nobody else.
    response = applicant.get(own)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    mine = applicant.get(f"/ho-so/tra-cuu/{dossier.code}/").content.decode()
    assert f'href="{own}"' in mine and 'data-testid="result-download"' in mine
    assert 'data-kind="result_file"' not in mine  # an internal line
    by_link = Client()
    assert by_link.get(own).status_code == 302  # anonymous: to the log-in page
    assert by_link.get(own, {"t": "wrong"}).status_code == 302
    response = by_link.get(own, {"t": dossier.citizen_token})
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    phone = Client()  # the phone check opens the summary, not the result's file
    phone.post(f"/ho-so/tra-cuu/{dossier.code}/", {"phone": "0903123456"})
    assert phone.get(own).status_code == 302
    assert (
        'data-testid="result-download"' not in phone.get(f"/ho-so/tra-cuu/{dossier.code}/").content.decode()
    )
    for user in (personas.outsider, personas.other_head):
        assert login(user).get(own).status_code == 403 and login(user).get(staff).status_code == 403
    # Handed over: the file stays as it was given.
    assert attach(officer, dossier, PNG, "khac.png").status_code == 409
    assert ResultFile.objects.get(dossier=dossier).content_type == "application/pdf"


def test_a_result_handed_over_at_the_desk_is_not_downloaded(personas, catalog):
    dossier = level_4(personas, user=personas.citizen)
    finish(personas, dossier)
    assert attach(login(personas.officer), dossier, PNG, "ket-qua.png").status_code == 302
    assert ResultFile.objects.get(dossier=dossier).content_type == "image/png"
    dossier_transition(user=personas.officer, code=dossier.code, action="return_result", result_method="desk")
    assert login(personas.citizen).get(f"/ho-so/tra-cuu/{dossier.code}/ket-qua/").status_code == 404


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"hello, not a scan", "ket-qua.pdf"), (b"", "rong.pdf"), (None, ""), (b"MZ\x90\x00", "virus.pdf")],
)
def test_a_wrong_result_file_is_refused(personas, catalog, data, name):
    dossier = level_4(personas)
    finish(personas, dossier)
    response = attach(login(personas.officer), fresh(dossier), data, name or "x.pdf")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="err-result-file"' in page and 'href="#result-file"' in page
    assert not ResultFile.objects.filter(dossier=dossier).exists()
    assert fresh(dossier).version == dossier.version + 3  # two forwards and the finish, nothing since


def test_a_result_file_over_the_limit_is_refused(settings, personas, catalog):
    settings.CITYDESK_MAX_DOSSIER_FILE_MB = 1
    dossier = level_4(personas)
    finish(personas, dossier)
    big = PDF + b"0" * (1024 * 1024)
    assert attach(login(personas.officer), dossier, big).status_code == 400
    assert not ResultFile.objects.exists()


def test_replacing_the_result_file_deletes_the_old_one(personas, catalog, django_capture_on_commit_callbacks):
    dossier = level_4(personas)
    finish(personas, dossier)
    officer = login(personas.officer)
    assert attach(officer, dossier).status_code == 302
    old = ResultFile.objects.get(dossier=dossier).file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert attach(officer, dossier, PNG, "ban-moi.png").status_code == 302
    now = ResultFile.objects.get(dossier=dossier)
    assert ResultFile.objects.count() == 1 and now.content_type == "image/png" and now.file.name != old
    assert not default_storage.exists(old) and default_storage.exists(now.file.name)
    assert DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.RESULT_FILE).count() == 2


@pytest.mark.parametrize("persona", ["outsider", "other_head", "citizen"])
def test_only_the_handling_officers_attach_the_result(client, personas, catalog, persona):
    dossier = level_4(personas, user=personas.citizen)
    finish(personas, dossier)
    assert attach(client, dossier).status_code == 302 and not ResultFile.objects.exists()  # to log in
    assert attach(login(getattr(personas, persona)), dossier).status_code == 403
    assert not ResultFile.objects.exists()


def test_a_strange_link_key_is_refused_not_a_server_error(client, personas, catalog):
    dossier = level_4(personas)
    assert client.get(f"/ho-so/tra-cuu/{dossier.code}/ket-qua/", {"t": "khóa\x00"}).status_code == 302


def test_a_version_int_cannot_read_is_refused_not_a_server_error(personas, catalog, receive):
    """ "²" passes str.isdigit() and not int(): the apology and attach forms gave a 500 for it."""
    dossier = receive()
    with clock(LATE):
        officer = login(personas.officer)
        assert apologise(officer, dossier, version="²").status_code == 400
    assert not DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.APOLOGY).exists()
