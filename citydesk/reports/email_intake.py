"""Reports sent by e-mail: parse an RFC 822 message into a report (the 'email' channel)."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor
from citydesk.core.errors import DomainError
from citydesk.lib.text import search_key
from citydesk.reports.attachments import attachment_add
from citydesk.reports.models import Channel, Report
from citydesk.reports.services import report_submit

_CATEGORY_TAG = re.compile(r"\[([a-z0-9_]+)\]")
_COORDS = re.compile(r"(-?\d{1,3}\.\d+)\s*[,;]\s*(-?\d{1,3}\.\d+)")
_FIELDS = {
    "address": ("dia chi", "address"),
    "coords": ("toa do", "vi tri", "location", "coordinates"),
    "ward": ("phuong/xa", "phuong xa", "ma phuong", "ward"),
    "phone": ("dien thoai", "so dien thoai", "phone"),
    "name": ("ho ten", "ho va ten", "name"),
}


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str
    sender: str
    category: str | None
    description: str
    lon: float | None
    lat: float | None
    address: str
    ward_code: str | None
    phone: str
    name: str
    attachments: list[tuple[str, bytes]]


def parse(raw: bytes) -> ParsedEmail:
    message: EmailMessage = email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[assignment]
    sender = email.utils.parseaddr(str(message.get("From", "")))[1]
    subject = str(message.get("Subject", "")).strip()
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = body_part.get_content() if body_part is not None else ""
    if body_part is not None and body_part.get_content_type() == "text/html":
        body = re.sub(r"<[^>]+>", " ", body)
    found: dict[str, str] = {}
    text_lines = []
    for line in body.splitlines():
        label, sep, value = line.partition(":")
        key = search_key(label)
        field = next((f for f, names in _FIELDS.items() if sep and key in names), None)
        if field:
            found[field] = value.strip()
        else:
            text_lines.append(line)
    lon = lat = None
    coords = _COORDS.search(found.get("coords", ""))
    if coords:
        a, b = float(coords.group(1)), float(coords.group(2))
        # People write "lat, lon" (Google Maps) or "lon, lat" (GeoJSON); in Vietnam lat < 30 < 100 < lon.
        lat, lon = (b, a) if a > b else (a, b)
    tag = _CATEGORY_TAG.search(subject)
    subject_text = _CATEGORY_TAG.sub("", subject).strip()
    description = "\n".join([subject_text, *[t for t in text_lines if t.strip()]]).strip()
    attachments = [
        (part.get_filename() or "anh", part.get_content())
        for part in message.iter_attachments()
        if part.get_content_maintype() == "image" or part.get_content_type() == "application/pdf"
    ]
    return ParsedEmail(
        message_id=str(message.get("Message-ID", "")).strip()[:120],
        sender=sender,
        category=tag.group(1) if tag else None,
        description=description,
        lon=lon,
        lat=lat,
        address=found.get("address", ""),
        ward_code=found.get("ward") or None,
        phone=found.get("phone", ""),
        name=found.get("name", ""),
        attachments=attachments,
    )


def ingest(raw: bytes, *, default_category: str | None = None) -> tuple[Report, bool]:
    """Create the report (idempotent on Message-ID). Raises DomainError naming what is missing."""
    parsed = parse(raw)
    if not parsed.sender:
        raise DomainError(_("The message has no sender address."), field="from")
    category = parsed.category or default_category
    if category is None:
        try:
            from citydesk.reports.suggest import suggest

            guess = suggest(parsed.description, parsed.lon, parsed.lat, parsed.ward_code, k=1)
            if guess.available and guess.categories and guess.categories[0].confidence >= 0.5:
                category = guess.categories[0].code
        except ImportError:
            pass
    intake = report_submit(
        category=category,
        description=parsed.description,
        channel=Channel.EMAIL,
        lon=parsed.lon,
        lat=parsed.lat,
        address=parsed.address,
        ward_code=parsed.ward_code,
        contact_name=parsed.name,
        contact_phone=parsed.phone,
        contact_email=parsed.sender,
        idempotency_scope="email",
        idempotency_key=parsed.message_id,
    )
    if intake.created:
        actor = Actor(user_id=None, label=parsed.sender)
        for name, content in parsed.attachments[:5]:
            try:
                attachment_add(report=intake.report, upload=SimpleUploadedFile(name, content), actor=actor)
            except DomainError:
                continue  # a bad attachment must not lose the report
    return intake.report, intake.created
