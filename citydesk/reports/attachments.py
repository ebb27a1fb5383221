"""Photos and files on reports: type and size checked, images re-encoded, metadata stripped from public copies."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import Conflict, DomainError, KeyReused
from citydesk.core.models import User
from citydesk.reports.models import Attachment, IdempotencyKey, Report, Status

# The handling unit's own files on a report (photos of the site and of the repair, official papers), counted
# apart from the reporter's CITYDESK_MAX_ATTACHMENTS: generous, yet bounded (each can be 10 MB).
UNIT_MAX_ATTACHMENTS = 20

IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MAX_PIXELS = 40_000_000  # refuse decompression bombs
PUBLIC_MAX_SIDE = 2048


def _public_copy(image: Image.Image, fmt: str) -> bytes:
    """A new image from the pixels only: no EXIF (GPS, camera, owner), rotation applied, size capped."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("P", "LA", "I;16"):
        image = image.convert("RGBA")
    image.thumbnail((PUBLIC_MAX_SIDE, PUBLIC_MAX_SIDE))
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")
    out = io.BytesIO()
    if fmt == "PNG":
        clean.save(out, format=fmt, optimize=True)
    else:
        clean.save(out, format=fmt, quality=85)
    return out.getvalue()


def check_upload(upload: UploadedFile) -> tuple[bytes, Image.Image | None]:
    """The file's bytes, and the decoded image unless it is a PDF; a DomainError (field "file") for
    anything too large or that is neither a photo (JPEG, PNG, WebP) nor a PDF. Leaves the upload
    readable again from the start, so a form can check its files before anything is stored."""
    limit_mb = settings.CITYDESK_MAX_ATTACHMENT_MB
    if upload.size is None or upload.size > limit_mb * 1024 * 1024:
        raise DomainError(_("The file is larger than %(n)s MB.") % {"n": limit_mb}, field="file")
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if data.startswith(b"%PDF-"):
        return data, None
    try:
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise DomainError(
            _("Only photos (JPEG, PNG, WebP) and PDF files are accepted."), field="file"
        ) from None
    if image.format not in IMAGE_FORMATS:
        raise DomainError(_("Only photos (JPEG, PNG, WebP) and PDF files are accepted."), field="file")
    return data, image


def unit_file_limit() -> int:
    """How many files the handling unit may add to one report (CITYDESK_MAX_UNIT_ATTACHMENTS, else 20)."""
    return int(getattr(settings, "CITYDESK_MAX_UNIT_ATTACHMENTS", UNIT_MAX_ATTACHMENTS))


def by_the_unit(report: Report, user: User | None) -> bool:
    """Is a file added by `user` the handling unit's? A file sent without an account (the reporter's token,
    e-mail, Open311, a reply) or from the reporter's own account is the reporter's; any other account
    adding one is an officer of the unit (the only others allowed to)."""
    return user is not None and user.pk is not None and user.pk != report.reporter_id


def unit_files(report: Report) -> Q:
    """The handling unit's files among a report's attachments (`by_the_unit`, as stored: `uploaded_by`)."""
    found = Q(uploaded_by__isnull=False)
    if report.reporter_id is not None:
        found &= ~Q(uploaded_by_id=report.reporter_id)
    return found


def is_unit_file(report: Report, attachment: Attachment) -> bool:
    """Is this stored file the handling unit's (`unit_files`, for one file in hand)?"""
    return attachment.uploaded_by_id is not None and attachment.uploaded_by_id != report.reporter_id


def file_refusal(report: Report) -> str:
    """Why the reporter may add no more files to this report ('' when they may): as for their answers
    (`replies.reply_refusal`), a merged, closed or rejected report takes none."""
    if report.duplicate_of_id:
        return _(
            "Report %(code)s was merged into %(master)s, which handles the same problem: add your files to "
            "%(master)s."
        ) % {"code": report.code, "master": report.duplicate_of.code}
    if report.status == Status.CLOSED:
        return _(
            "Report %(code)s is closed and takes no more files. If the problem is back, send a new report."
        ) % {"code": report.code}
    if report.status == Status.REJECTED:
        return _("Report %(code)s was not accepted for handling and takes no files.") % {"code": report.code}
    return ""


def reporter_files_room(report: Report) -> int:
    """How many more files the reporter may add to the report (the unit's files do not count)."""
    used = report.attachments.exclude(unit_files(report)).count()
    return max(settings.CITYDESK_MAX_ATTACHMENTS - used, 0)


def reporter_limit_message() -> str:
    return _(
        "At most %(n)s files from the reporter per report (the handling unit's files are not counted)."
    ) % {"n": settings.CITYDESK_MAX_ATTACHMENTS}


def unit_limit_message() -> str:
    return _(
        "At most %(n)s files from the handling unit per report (the reporter's files are not counted)."
    ) % {"n": unit_file_limit()}


@transaction.atomic
def attachment_add(
    *,
    report: Report,
    upload: UploadedFile,
    actor: Actor,
    user: User | None = None,
    public: bool = True,
    by_unit: bool | None = None,
) -> Attachment:
    """Store a file on the report. The reporter's files count against CITYDESK_MAX_ATTACHMENTS, the
    handling unit's against `unit_file_limit()`: neither uses up the other's room. A full side is refused
    (field "file") before anything is stored.

    `by_unit`: whose file it is, as the caller knows it (the officer's page and API branch: True; the
    reporter's token, reply or form: False); None guesses from `user` (`by_the_unit`). A reporter's file
    sent from an account that is not the report's (a token used while signed in) is stored without that
    account, so that it is never counted as the unit's."""
    unit = by_the_unit(report, user) if by_unit is None else by_unit
    if not unit and user is not None and user.pk != report.reporter_id:
        user = None
    data, image = check_upload(upload)
    # One upload at a time per report: two at once cannot both take the last place.
    Report.objects.select_for_update().filter(pk=report.pk).values_list("pk", flat=True).first()
    if unit:
        if report.attachments.filter(unit_files(report)).count() >= unit_file_limit():
            raise DomainError(unit_limit_message(), field="file")
    elif reporter_files_room(report) <= 0:
        raise DomainError(reporter_limit_message(), field="file")
    name = PurePath(upload.name or "file").name[:150]
    if image is None:
        # Documents stay with the handling unit: never public.
        attachment = Attachment(
            report=report,
            original_name=name,
            content_type="application/pdf",
            size=len(data),
            public=False,
            uploaded_by=user,
        )
        attachment.file.save(f"{report.code}-{name}", ContentFile(data), save=False)
        attachment.save()
    else:
        content_type, ext = IMAGE_FORMATS[image.format]
        attachment = Attachment(
            report=report,
            original_name=name,
            content_type=content_type,
            size=len(data),
            public=public,
            uploaded_by=user,
        )
        stem = f"{report.code}-{len(name)}"
        attachment.file.save(f"{stem}-original.{ext}", ContentFile(data), save=False)
        attachment.public_file.save(
            f"{stem}-public.{ext}", ContentFile(_public_copy(image, image.format)), save=False
        )
        attachment.save()
    audit_record(
        actor=actor,
        action="report.attach",
        object_type="report",
        object_id=report.code,
        after={"file": name, "type": attachment.content_type, "size": attachment.size},
    )
    return attachment


# --- One upload per Idempotency-Key ---------------------------------------------------------------
#
# A retried upload (the app lost the answer) must not store the file twice. The key is kept as report
# creation keeps its own (`IdempotencyKey`): its scope names the report, the file it stored and a digest of
# the request (who sent it, how, the name and the bytes), so that the same key with another file is
# refused (422) instead of answering with the first one.

_FILE_SCOPE = "file"


@dataclass(frozen=True)
class Added:
    attachment: Attachment
    created: bool  # False: a replay of an earlier upload with the same Idempotency-Key


def _upload_digest(upload: UploadedFile, *, by_unit: bool, public: bool) -> str:
    upload.seek(0)
    digest = hashlib.sha256(f"{int(by_unit)}:{int(public)}:{PurePath(upload.name or 'file').name}:".encode())
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()[:32]


@transaction.atomic
def attachment_add_once(
    *,
    report: Report,
    upload: UploadedFile,
    actor: Actor,
    user: User | None = None,
    public: bool = True,
    by_unit: bool = False,
    idempotency_key: str = "",
) -> Added:
    """`attachment_add`, once per `idempotency_key` on the report: the same key with the same upload
    answers the file stored the first time (`created` False); with another upload, KeyReused (422). The
    reporter's files are refused on a report that takes no more (`file_refusal`, 409) — but a replay
    of a file stored before it was closed still answers that file."""
    prefix = f"{_FILE_SCOPE}:{report.pk}:"
    digest = _upload_digest(upload, by_unit=by_unit, public=public) if idempotency_key else ""
    if idempotency_key:
        # Under the report's lock: two copies of one upload at once cannot both store it.
        Report.objects.select_for_update().filter(pk=report.pk).values_list("pk", flat=True).first()
        earlier = IdempotencyKey.objects.filter(
            report=report, key=idempotency_key, scope__startswith=prefix
        ).first()
        if earlier is not None:
            stored_id, _sep, stored = earlier.scope.removeprefix(prefix).partition(":")
            if stored != digest:
                raise KeyReused(
                    _(
                        "This Idempotency-Key was already used for a different file: send a new key for a new "
                        "file."
                    ),
                    field="Idempotency-Key",
                )
            found = report.attachments.filter(pk=int(stored_id)).first() if stored_id.isdigit() else None
            if found is not None:
                return Added(found, False)
            earlier.delete()  # the file it stored is gone: this upload stores it again
    if not by_unit and (refusal := file_refusal(report)):
        raise Conflict(refusal, field="file")
    attachment = attachment_add(
        report=report, upload=upload, actor=actor, user=user, public=public, by_unit=by_unit
    )
    if idempotency_key:
        IdempotencyKey.objects.create(
            scope=f"{prefix}{attachment.pk}:{digest}", key=idempotency_key, report=report
        )
    return Added(attachment, True)
