"""Files kept from a refused online filing (staging): kept when the form is refused, used by the next
submission, removed on request, replaced by a new choice, useless to another browser, expired and purged.
And the one intake checker shared by the forms' listing and the service's enforcement."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from citydesk.core.errors import DomainError
from citydesk.dossiers import staging
from citydesk.dossiers.models import Dossier, DossierDocument
from citydesk.dossiers.services import Applicant, Upload, dossier_receive, intake, intake_problems

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% the declaration\n"
PNG = b"\x89PNG\r\n\x1a\n the ID card"
URL = "/ho-so/nop/HT-01/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def html(response: Any) -> str:
    return response.content.decode()


def pdf(name: str = "to-khai.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "unit": "phuong ben thanh",
        "applicant_name": "Ngô Thị Mai",
        "applicant_phone": "0903000111",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def papers(catalog: Any) -> tuple[int, int]:
    """The birth registration's required paper and its optional one (their ids)."""
    required = catalog.birth.documents.get(required=True).pk
    optional = catalog.birth.documents.get(required=False).pk
    return required, optional


def staged_id(response: Any, paper: int) -> str:
    found = re.search(rf'name="staged_{paper}" value="([^"]+)"', html(response))
    assert found, f"paper {paper} has no kept file on the page"
    return found.group(1)


def staged_files(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "staged-uploads"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def refused_with_a_file(client: Client, catalog: Any, **files: Any) -> tuple[Any, int, str]:
    required, _ = papers(catalog)
    response = client.post(URL, form(applicant_name=None, **{f"doc_{required}": pdf()}, **files))
    assert response.status_code == 400 and 'data-field="applicant_name"' in html(response)
    return response, required, staged_id(response, required)


# --- Kept on a refusal, used on the next submission ------------------------------------------------


def test_a_refused_filing_keeps_the_checked_file_and_shows_it_back(client, personas, catalog, settings):
    response, required, _ = refused_with_a_file(client, catalog)
    page = html(response)
    assert f'data-testid="staged-{required}"' in page and "to-khai.pdf" in page
    assert f'name="unstage" value="{required}"' in page
    # The slot's file input is no longer required: the kept file stands for it.
    assert re.search(rf'<input type="file" id="file-{required}"[^>]*required', page) is None
    assert not Dossier.objects.exists() and not DossierDocument.objects.exists()
    [kept] = staged_files(settings)
    assert kept.read_bytes() == PDF
    assert "staged-uploads" not in page  # the storage path is never shown


def test_the_next_submission_uses_the_kept_file_without_choosing_it_again(
    client, personas, catalog, settings
):
    _, required, token = refused_with_a_file(client, catalog)
    response = client.post(URL, form(**{f"staged_{required}": token}))
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ho-so/da-nop/{dossier.code}/"
    paper = DossierDocument.objects.get(dossier=dossier)
    assert paper.requirement_id == required and paper.content_type == "application/pdf"
    assert paper.size == len(PDF) and paper.file.read() == PDF
    assert paper.file.name.rsplit("/", 1)[-1].startswith("to-khai")
    assert staged_files(settings) == []  # stored with the dossier, the kept copy is deleted
    assert client.session.get(staging.SESSION_STAGED) == {}


def test_a_file_that_fails_its_checks_is_not_kept(client, personas, catalog, settings):
    required, _ = papers(catalog)
    bad = SimpleUploadedFile("virus.pdf", b"MZ\x90 exe", content_type="application/pdf")
    response = client.post(URL, form(applicant_name=None, **{f"doc_{required}": bad}))
    assert response.status_code == 400 and 'data-field="documents"' in html(response)
    assert f'name="staged_{required}"' not in html(response) and staged_files(settings) == []


def test_the_good_files_are_kept_beside_an_empty_one(client, personas, catalog, settings):
    required, optional = papers(catalog)
    empty = SimpleUploadedFile("empty.png", b"", content_type="image/png")
    data = form(**{f"doc_{required}": pdf(), f"doc_{optional}": empty})
    response = client.post(URL, data)
    assert response.status_code == 400 and 'data-field="documents"' in html(response)
    staged_id(response, required)
    assert f'name="staged_{optional}"' not in html(response)


def test_a_new_choice_replaces_the_kept_file(client, personas, catalog, settings):
    _, required, token = refused_with_a_file(client, catalog)
    newer = b"%PDF-1.7\n% corrected declaration\n"
    response = client.post(
        URL, form(**{f"staged_{required}": token, f"doc_{required}": pdf("v2.pdf", newer)})
    )
    assert response.status_code == 302
    assert DossierDocument.objects.get().file.read() == newer
    assert staged_files(settings) == []


def test_a_bad_new_choice_is_refused_and_the_kept_file_stays(client, personas, catalog, settings):
    _, required, token = refused_with_a_file(client, catalog)
    gif = SimpleUploadedFile("a.gif", b"GIF89a....", content_type="image/gif")
    response = client.post(URL, form(**{f"staged_{required}": token, f"doc_{required}": gif}))
    assert response.status_code == 400 and 'data-field="documents"' in html(response)
    assert staged_id(response, required) == token and not Dossier.objects.exists()
    assert client.post(URL, form(**{f"staged_{required}": token})).status_code == 302


def test_a_second_refusal_keeps_the_file_and_adds_the_new_ones(client, personas, catalog, settings):
    _, required, token = refused_with_a_file(client, catalog)
    _, optional = papers(catalog)
    card = SimpleUploadedFile("cccd.png", PNG, content_type="image/png")
    data = form(applicant_phone="abc", **{f"staged_{required}": token, f"doc_{optional}": card})
    response = client.post(URL, data)
    assert response.status_code == 400 and 'data-field="applicant_phone"' in html(response)
    assert staged_id(response, required) == token
    second = staged_id(response, optional)
    response = client.post(URL, form(**{f"staged_{required}": token, f"staged_{optional}": second}))
    assert response.status_code == 302
    stored = {d.requirement_id: d.file.read() for d in DossierDocument.objects.all()}
    assert stored == {required: PDF, optional: PNG}
    assert staged_files(settings) == []


# --- Removed on request ------------------------------------------------------------------------------


def test_remove_deletes_the_kept_file_and_files_nothing(client, personas, catalog, settings):
    _, required, token = refused_with_a_file(client, catalog)
    response = client.post(URL, form(**{f"staged_{required}": token, "unstage": str(required)}))
    page = html(response)
    assert response.status_code == 200 and not Dossier.objects.exists()
    assert f'name="staged_{required}"' not in page and 'data-testid="staged-removed"' in page
    assert 'data-testid="error-summary"' not in page  # nothing was filed: nothing is refused
    assert re.search(rf'<input type="file" id="file-{required}"[^>]*autofocus', page)
    assert 'value="Ngô Thị Mai"' in page
    assert re.search(r'id="id_consent" name="consent"[^>]* checked', page)
    assert staged_files(settings) == []
    # The old id, sent again, is nothing any more: the paper is missing.
    response = client.post(URL, form(**{f"staged_{required}": token}))
    assert response.status_code == 400 and 'data-field="documents"' in html(response)
    assert not Dossier.objects.exists()


def test_remove_keeps_a_file_chosen_meanwhile(client, personas, catalog, settings):
    _, required, token = refused_with_a_file(client, catalog)
    _, optional = papers(catalog)
    card = SimpleUploadedFile("cccd.png", PNG, content_type="image/png")
    data = form(**{f"staged_{required}": token, f"doc_{optional}": card, "unstage": str(required)})
    response = client.post(URL, data)
    assert response.status_code == 200 and not Dossier.objects.exists()
    assert f'name="staged_{required}"' not in html(response)
    staged_id(response, optional)
    [kept] = staged_files(settings)
    assert kept.read_bytes() == PNG


# --- Tied to the session ------------------------------------------------------------------------------


def test_another_browser_cannot_use_the_kept_file(client, personas, catalog, settings):
    _, required, token = refused_with_a_file(client, catalog)
    other = Client()
    response = other.post(URL, form(**{f"staged_{required}": token}))
    assert response.status_code == 400 and 'data-field="documents"' in html(response)
    assert f'value="{token}"' not in html(response) and not Dossier.objects.exists()
    # Nor remove it; the applicant's own browser still can use it.
    other.post(URL, form(**{f"staged_{required}": token, "unstage": str(required)}))
    assert len(staged_files(settings)) == 1
    assert client.post(URL, form(**{f"staged_{required}": token})).status_code == 302


def test_another_logged_in_user_cannot_use_the_kept_file(client, personas, catalog, settings):
    _, required, token = refused_with_a_file(client, catalog)
    other = Client()
    other.force_login(personas.citizen)
    response = other.post(URL, form(**{f"staged_{required}": token}))
    assert response.status_code == 400 and not Dossier.objects.exists()


def test_a_kept_file_is_for_its_own_procedure_and_paper(client, personas, catalog, settings):
    _, _required, token = refused_with_a_file(client, catalog)
    _, optional = papers(catalog)
    # Sent as the optional paper, it stands for neither: the required one is missing.
    response = client.post(URL, form(**{f"staged_{optional}": token}))
    assert response.status_code == 400 and 'data-field="documents"' in html(response)
    land_paper = catalog.land.documents.get(required=True).pk
    response = client.post("/ho-so/nop/DD-01/", form(**{f"staged_{land_paper}": token}))
    assert response.status_code == 400 and not Dossier.objects.exists()


def test_kept_files_are_never_served_by_a_url(client, personas, catalog, settings):
    refused_with_a_file(client, catalog)
    [kept] = staged_files(settings)
    relative = kept.relative_to(settings.MEDIA_ROOT).as_posix()
    assert client.get(f"/media/{relative}").status_code == 404


def test_a_session_keeps_a_bounded_number_of_files(client, personas, catalog, settings):
    settings.CITYDESK_MAX_STAGED_UPLOADS = 2
    required, _ = papers(catalog)
    for n in range(3):  # three refusals in three tabs: the oldest file goes
        response = client.post(URL, form(applicant_name=None, **{f"doc_{required}": pdf(f"{n}.pdf")}))
        staged_id(response, required)
    assert len(staged_files(settings)) == 2
    assert sorted(f["name"] for f in client.session[staging.SESSION_STAGED].values()) == ["1.pdf", "2.pdf"]


# --- Expiry --------------------------------------------------------------------------------------------


def _age_session(client: Client, hours: int) -> None:
    session = client.session
    rows = session[staging.SESSION_STAGED]
    for row in rows.values():
        row["at"] = (dt.datetime.fromisoformat(row["at"]) - dt.timedelta(hours=hours)).isoformat()
    session[staging.SESSION_STAGED] = rows
    session.save()


def test_an_expired_kept_file_is_not_used_and_is_deleted(client, personas, catalog, settings):
    _, required, token = refused_with_a_file(client, catalog)
    _age_session(client, 25)
    response = client.post(URL, form(**{f"staged_{required}": token}))
    assert response.status_code == 400 and 'data-field="documents"' in html(response)
    assert not Dossier.objects.exists() and staged_files(settings) == []


def test_the_purge_deletes_expired_files_only(client, personas, catalog, settings):
    refused_with_a_file(client, catalog)
    assert staging.purge_expired(now=timezone.now() + dt.timedelta(hours=1)) == 0
    assert len(staged_files(settings)) == 1
    assert staging.purge_expired(now=timezone.now() + dt.timedelta(hours=26)) == 1
    assert staged_files(settings) == []
    assert not any((Path(settings.MEDIA_ROOT) / staging.ROOT).iterdir())  # its hour folder too
    assert staging.purge_expired() == 0


def test_the_purge_command_and_its_schedule(client, personas, catalog, settings, monkeypatch):
    refused_with_a_file(client, catalog)
    out = StringIO()
    call_command("purge-staged-uploads", stdout=out)
    assert re.search(r"\b0\b", out.getvalue()) and len(staged_files(settings)) == 1
    later = timezone.now() + dt.timedelta(hours=26)
    monkeypatch.setattr(staging.timezone, "now", lambda: later)
    out = StringIO()
    call_command("purge-staged-uploads", stdout=out)
    assert re.search(r"\b1\b", out.getvalue()) and staged_files(settings) == []


def test_scheduling_the_purge_twice_enqueues_one_run():
    from django_tasks_db.models import DBTaskResult

    call_command("purge-staged-uploads", "--schedule", stdout=StringIO())
    call_command("purge-staged-uploads", "--schedule", stdout=StringIO())
    pending = DBTaskResult.objects.filter(
        task_path="citydesk.dossiers.tasks.purge_staged_uploads_task", status="READY"
    )
    assert pending.count() == 1


def test_the_purge_task_purges_and_schedules_the_next_run(monkeypatch):
    from citydesk.dossiers import tasks

    calls: list[str] = []
    monkeypatch.setattr(tasks.staging, "purge_expired", lambda: calls.append("purge") or 3)
    monkeypatch.setattr(tasks, "schedule_purge_staged_uploads", lambda **kw: calls.append("next") or True)
    assert tasks.purge_staged_uploads_task.call() == {"removed": 3, "access_records_removed": 0}
    assert calls == ["purge", "next"]


# --- One checker for the forms and the service ----------------------------------------------------------


def test_the_forms_listing_and_the_service_use_the_one_checker(personas, catalog, monkeypatch):
    seen: list[bool] = []
    real = intake.intake_check

    def spy(**kwargs: Any) -> Any:
        seen.append(kwargs["enforce"])
        return real(**kwargs)

    monkeypatch.setattr(intake, "intake_check", spy)
    nobody = Applicant(name="")
    problems = intake_problems(
        procedure_code="HT-01", unit_code=personas.ward.code, channel="online", applicant=nobody
    )
    with pytest.raises(DomainError) as refused:
        dossier_receive(
            user=None,
            procedure_code="HT-01",
            unit_code=personas.ward.code,
            channel="online",
            applicant=nobody,
        )
    assert seen == [False, True]
    assert (refused.value.field, refused.value.message) == (problems[0].field, problems[0].message)


@pytest.mark.parametrize(
    ("procedure", "unit", "channel", "applicant", "files", "fields"),
    [
        ("", "ward", "online", Applicant(name=""), {}, ["procedure", "applicant_name", "applicant_phone"]),
        ("XX-99", "ward", "online", Applicant(name="An", phone="0903000111"), {}, ["procedure"]),
        (
            "HT-01",
            "nowhere",
            "online",
            Applicant(name="An", phone="x"),
            {},
            ["unit", "applicant_phone", "documents"],
        ),
        (
            "CT-01",
            "ward",
            "online",
            Applicant(name="An", email="an@example.vn"),
            {},
            ["procedure", "documents"],
        ),
        (
            "HT-01",
            "ward",
            "online",
            Applicant(name="An", phone="0903000111"),
            {"required": b"GIF89a"},
            ["documents"],
        ),
        (
            "HT-01",
            "ward",
            "online",
            Applicant(name="An", phone="0903000111"),
            {"other": PDF},
            ["documents", "documents"],
        ),
        ("HT-01", "ward", "online", Applicant(name="An", phone="0903000111"), {"required": PDF}, []),
    ],
)
def test_the_service_refuses_with_the_first_problem_the_forms_list(
    personas, catalog, procedure, unit, channel, applicant, files, fields
):
    units = {"ward": personas.ward.code, "nowhere": "XX.000"}
    ids = {
        "required": catalog.birth.documents.get(required=True).pk,
        "other": catalog.land.documents.get(required=True).pk,
    }

    def uploads() -> list[Upload]:
        return [Upload(document_id=ids[k], file=pdf(data=v)) for k, v in files.items()]

    common = {
        "procedure_code": procedure,
        "unit_code": units[unit],
        "channel": channel,
        "applicant": applicant,
    }
    problems = intake_problems(**common, uploads=uploads())
    assert [p.field for p in problems] == fields
    if not problems:
        assert dossier_receive(user=None, **common, uploads=uploads()).dossier.pk
        return
    with pytest.raises(DomainError) as refused:
        dossier_receive(user=None, **common, uploads=uploads())
    assert (refused.value.field, refused.value.message) == (problems[0].field, problems[0].message)
    assert not Dossier.objects.exists()


def test_the_desk_checker_lists_papers_and_the_service_checks_the_power_first(personas, catalog):
    bad = Applicant(name="")
    common = {"procedure_code": "HT-01", "unit_code": personas.ward.code, "channel": "desk", "applicant": bad}
    problems = intake_problems(**common, provided=[999_999])
    assert [p.field for p in problems] == ["applicant_name", "documents", "documents"]
    # An outsider is refused for the power before anything about the applicant is said.
    with pytest.raises(DomainError) as refused:
        dossier_receive(user=personas.outsider, **common, provided=[999_999])
    assert refused.value.status == 403
    with pytest.raises(DomainError) as refused:
        dossier_receive(user=None, **common, provided=[999_999])
    assert refused.value.status == 403
    with pytest.raises(DomainError) as refused:
        dossier_receive(user=personas.officer, **common, provided=[999_999])
    assert refused.value.field == "applicant_name"
