"""A retried intake (the same Idempotency-Key) must be the same request as the first one.

The key answers with the first dossier (and, online, its citizen token) only when everything sent is
what was received then: the procedure, the unit, the channel, the applicant as stored, and the papers —
the ids checked off at the desk, or online each file's paper, size and SHA-256. A key reused for anything
else is refused (422, like the reports' intake), so that it never hands over someone else's dossier.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.utils.translation import gettext as _

from citydesk.core.errors import DomainError, KeyReused
from citydesk.dossiers.models import Channel, Dossier, DossierDocument
from citydesk.dossiers.services.intake import Applicant, Upload, clean_applicant

PaperKey = tuple[int | None, int, str]  # the paper's requirement id, the file's size and SHA-256


def _digest(chunks: Iterable[bytes]) -> str:
    sha = hashlib.sha256()
    for chunk in chunks:
        sha.update(chunk)
    return sha.hexdigest()


def _upload_key(upload: Upload) -> PaperKey:
    file = upload.file
    file.seek(0)
    key = (upload.document_id, file.size or 0, _digest(file.chunks()))
    file.seek(0)
    return key


def _stored_key(paper: DossierDocument) -> PaperKey:
    if not paper.file:
        return (paper.requirement_id, paper.size, "")
    try:
        with paper.file.open("rb") as handle:
            digest = _digest(iter(lambda: handle.read(1 << 16), b""))
    except OSError:  # the stored file is gone: nothing to compare it with
        digest = "?"
    return (paper.requirement_id, paper.size, digest)


def _same_applicant(dossier: Dossier, applicant: Applicant, channel: str) -> bool:
    try:
        person = clean_applicant(applicant, channel)
    except DomainError:
        return False  # the first request passed these checks: this one is another
    return (
        person.name,
        person.id_number,
        person.phone,
        person.email,
        person.address,
    ) == (
        dossier.applicant_name,
        dossier.applicant_id_number,
        dossier.applicant_phone,
        dossier.applicant_email,
        dossier.applicant_address,
    )


def check_same_intake(
    dossier: Dossier,
    *,
    procedure_code: str,
    unit_code: str,
    channel: str,
    applicant: Applicant,
    provided: Iterable[int] = (),
    uploads: Iterable[Upload] = (),
    via_one_stop: bool = True,
) -> None:
    """KeyReused unless this request is the one that received `dossier`."""
    papers = [p for p in dossier.documents.all() if not p.is_supplement]
    same = (
        (procedure_code or "").strip() == dossier.procedure.code
        and (unit_code or "").strip() == dossier.unit.code
        and channel == dossier.channel
        and _same_applicant(dossier, applicant, channel)
        and via_one_stop == dossier.via_one_stop
    )
    if same and channel == Channel.ONLINE:
        sent = sorted((_upload_key(u) for u in uploads), key=repr)
        same = sent == sorted((_stored_key(p) for p in papers), key=repr)
    elif same:
        same = {int(i) for i in provided} == {p.requirement_id for p in papers}
    if not same:
        raise KeyReused(
            _(
                "This Idempotency-Key was already used for a different dossier: send a new key for a "
                "new dossier."
            ),
            field="Idempotency-Key",
        )
