"""Files kept from a refused online filing (staged uploads), so the applicant need not choose them again.

On a refused submission, each file that passed its own checks (size, not empty, type: the intake
service's `read_upload`) is stored privately in the default storage under
`staged-uploads/dossiers/<UTC hour>/<random id>` (never served: nothing routes MEDIA_URL) and listed in the
browser's session. The form shows it back (“already attached: name (size) — remove”) and carries its id
in a hidden field `staged_<document id>`; the next submission uses it unless the applicant removes it or
chooses another file for that paper. An id is only looked up in the session that staged it, for the same
procedure and paper: another browser, or another user, cannot use it.

Limits: one file per paper (as the service keeps one), at most `CITYDESK_MAX_STAGED_UPLOADS` (20) per
session (the oldest go first), each within the upload size limit. Entries expire after
`CITYDESK_STAGED_UPLOAD_HOURS` (24); `purge_expired` deletes the expired files (the task worker runs it
every hour, see `citydesk purge-staged-uploads --schedule`). A filed dossier's staged files are deleted at
once: its papers are stored with the dossier.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.http import HttpRequest
from django.utils import timezone

from citydesk.core.errors import DomainError
from citydesk.dossiers.forms import FILE_PREFIX
from citydesk.dossiers.models import ProcedureDocument
from citydesk.dossiers.services import Upload
from citydesk.dossiers.services.intake import empty_file, read_upload

SESSION_STAGED = "dossiers_staged_uploads"  # {staged id: the file's row (StagedFile.row)}
ROOT = "staged-uploads/dossiers"  # in the default storage, beside the dossiers' papers (private too)
HOUR_FOLDER = "%Y%m%d%H"  # one folder per UTC hour: the purge removes whole expired folders


def lifetime() -> dt.timedelta:
    return dt.timedelta(hours=settings.CITYDESK_STAGED_UPLOAD_HOURS)


def session_limit() -> int:
    return settings.CITYDESK_MAX_STAGED_UPLOADS


@dataclass(frozen=True)
class StagedFile:
    """A file kept for one paper (`document_id`, a ProcedureDocument id) of one procedure."""

    id: str
    procedure: str
    document_id: int
    name: str  # the file's name as chosen
    size: int
    content_type: str
    path: str  # in the default storage
    at: dt.datetime

    def row(self) -> dict[str, Any]:
        return {
            "procedure": self.procedure,
            "document": self.document_id,
            "name": self.name,
            "size": self.size,
            "type": self.content_type,
            "path": self.path,
            "at": self.at.isoformat(),
        }

    @classmethod
    def from_row(cls, staged_id: str, row: Any) -> StagedFile | None:
        try:
            return cls(
                id=staged_id,
                procedure=str(row["procedure"]),
                document_id=int(row["document"]),
                name=str(row["name"]),
                size=int(row["size"]),
                content_type=str(row["type"]),
                path=str(row["path"]),
                at=dt.datetime.fromisoformat(row["at"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass
class Candidate:
    """A file posted for a paper that passed its own checks: it may be staged."""

    document_id: int
    upload: UploadedFile
    data: bytes
    content_type: str


def _delete(path: str) -> None:
    with contextlib.suppress(OSError):
        default_storage.delete(path)


def session_files(request: HttpRequest, *, now: dt.datetime | None = None) -> dict[str, StagedFile]:
    """This session's staged files that have not expired; expired or unreadable rows are dropped from
    the session and their files deleted."""
    rows = request.session.get(SESSION_STAGED) or {}
    if not isinstance(rows, dict):
        rows = {}
    oldest = (now or timezone.now()) - lifetime()
    alive: dict[str, StagedFile] = {}
    for staged_id, row in rows.items():
        staged = StagedFile.from_row(str(staged_id), row)
        if staged is not None and staged.at > oldest:
            alive[staged.id] = staged
        elif staged is not None:
            _delete(staged.path)
    if len(alive) != len(rows):
        _save(request, alive)
    return alive


def _save(request: HttpRequest, files: Mapping[str, StagedFile]) -> None:
    request.session[SESSION_STAGED] = {staged_id: f.row() for staged_id, f in files.items()}


def kept(
    request: HttpRequest,
    procedure_code: str,
    documents: Iterable[ProcedureDocument],
    chosen: Mapping[int, str],
) -> dict[int, StagedFile]:
    """The staged files the form carries back (`chosen`: paper id → staged id), by paper: only those
    this session staged for that paper of this procedure, not expired, and still stored."""
    if not chosen:
        return {}
    mine = session_files(request)
    papers = {d.pk for d in documents}
    found: dict[int, StagedFile] = {}
    for document_id, staged_id in chosen.items():
        staged = mine.get(staged_id)
        if (
            staged is not None
            and document_id in papers
            and staged.document_id == document_id
            and staged.procedure == procedure_code
            and default_storage.exists(staged.path)
        ):
            found[document_id] = staged
    return found


def candidates(
    files: Any, documents: Iterable[ProcedureDocument]
) -> tuple[list[Candidate], list[DomainError]]:
    """The files posted as `doc_<paper id>` that pass their own checks (the last one of a paper, the one
    the service would keep), and the refusal of each file that does not."""
    found: dict[int, Candidate] = {}
    problems: list[DomainError] = []
    for document in documents:
        for item in files.getlist(f"{FILE_PREFIX}{document.pk}"):
            if not isinstance(item, UploadedFile):
                continue
            try:
                if not item.size:
                    raise empty_file(document.label, item)
                data, content_type = read_upload(item, document.label)
            except DomainError as exc:
                problems.append(exc)
                continue
            finally:
                item.seek(0)
            found[document.pk] = Candidate(document.pk, item, data, content_type)
    return list(found.values()), problems


def stage(
    request: HttpRequest,
    procedure_code: str,
    new: Iterable[Candidate],
    current: Mapping[int, StagedFile],
) -> dict[int, StagedFile]:
    """Keep each new file for its paper (it replaces the paper's file kept before, which is deleted);
    returns the files now kept, by paper. The session keeps at most `session_limit()` files: the
    oldest are deleted first."""
    now = timezone.now()
    shown = dict(current)
    mine = session_files(request, now=now)
    folder = f"{ROOT}/{now.astimezone(dt.UTC).strftime(HOUR_FOLDER)}"
    for item in new:
        staged_id = secrets.token_urlsafe(18)
        path = default_storage.save(f"{folder}/{staged_id}", ContentFile(item.data))
        staged = StagedFile(
            id=staged_id,
            procedure=procedure_code,
            document_id=item.document_id,
            name=PurePath(item.upload.name or "file").name[:120],
            size=len(item.data),
            content_type=item.content_type,
            path=path,
            at=now,
        )
        previous = shown.get(item.document_id)
        if previous is not None:
            mine.pop(previous.id, None)
            _delete(previous.path)
        shown[item.document_id] = staged
        mine[staged_id] = staged
    while len(mine) > session_limit():
        oldest = min(mine.values(), key=lambda f: f.at)
        del mine[oldest.id]
        _delete(oldest.path)
        if shown.get(oldest.document_id) == oldest:
            del shown[oldest.document_id]
    _save(request, mine)
    return shown


def discard(request: HttpRequest, files: Iterable[StagedFile]) -> None:
    """Forget these staged files and delete them (removed by the applicant, or used by a filed dossier)."""
    gone = list(files)
    if not gone:
        return
    mine = session_files(request)
    for staged in gone:
        mine.pop(staged.id, None)
        _delete(staged.path)
    _save(request, mine)


def uploads_of(files: Iterable[StagedFile]) -> list[Upload]:
    """The staged files as uploads for the intake service (a file deleted meanwhile is left out: the
    paper is then said to be missing)."""
    uploads: list[Upload] = []
    for staged in files:
        try:
            with default_storage.open(staged.path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        uploads.append(
            Upload(
                document_id=staged.document_id,
                file=SimpleUploadedFile(staged.name, data, content_type=staged.content_type),
            )
        )
    return uploads


def purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete the staged files older than their lifetime (whole hour folders); returns how many."""
    oldest = (now or timezone.now()) - lifetime()
    try:
        folders, _ = default_storage.listdir(ROOT)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    removed = 0
    for folder in folders:
        try:
            hour = dt.datetime.strptime(folder, HOUR_FOLDER).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
        if hour + dt.timedelta(hours=1) > oldest:  # a file in it may still be alive
            continue
        path = f"{ROOT}/{folder}"
        _, names = default_storage.listdir(path)
        for name in names:
            _delete(f"{path}/{name}")
            removed += 1
        # A remote storage has no folders to remove; a local one may have got a new file meanwhile.
        with contextlib.suppress(NotImplementedError, OSError):
            os.rmdir(default_storage.path(path))
    return removed
