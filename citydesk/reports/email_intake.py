"""Reports sent by e-mail (the 'email' channel): a new message becomes a report, an answer about a report
(its tracking code in the subject, or a reply in its thread) becomes the citizen's reply to it.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import email.utils
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor
from citydesk.core.errors import DomainError, NotAllowed
from citydesk.core.models import ServiceCategory
from citydesk.lib.html_text import html_to_text
from citydesk.lib.text import nfc
from citydesk.notifications.models import Notification
from citydesk.notifications.services import notification_queue
from citydesk.reports.attachments import attachment_add
from citydesk.reports.models import Channel, IdempotencyKey, RefusedEmail, Report
from citydesk.reports.places import address_province, province_in_address, ward_in_address
from citydesk.reports.services import report_submit
from citydesk.reports.services.replies import follows_only, may_reply, report_reply

_CATEGORY_TAG = re.compile(r"\[([a-z0-9_]+)\]")
# "10.7725, 106.698", "10.7725 106.698", or with Vietnamese decimal commas "10,7725, 106,698" / "10,7725; 106,698".
_NUMBER = r"-?\d{1,3}[.,]\d+"
_COORDS = re.compile(rf"(?<![\d.,])({_NUMBER})\s*(?:[;,]\s*|\s+)({_NUMBER})(?![\d.,]*\d)")
_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|tl|tr|sv|vs)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_MESSAGE_IDS = re.compile(r"<([^<>\s]+)>")
# Body labels (compared without accents or case), found anywhere in a line: "… Địa chỉ: 12 Lê Lợi."
_FIELDS = {
    "address": ("dia chi", "address"),
    "coords": ("toa do", "vi tri", "location", "coordinates"),
    "ward": ("phuong/xa", "phuong xa", "ma phuong", "ward"),
    "phone": ("so dien thoai", "dien thoai", "phone"),
    "name": ("ho va ten", "ho ten", "name"),
}
_FIELD_OF = {label: name for name, labels in _FIELDS.items() for label in labels}
_LABEL = re.compile(
    r"(?<![\w/])("
    + "|".join(
        r"\s*/\s*".join(r"\s+".join(map(re.escape, part.split())) for part in label.split("/"))
        for label in sorted(_FIELD_OF, key=len, reverse=True)
    )
    + r")\s*:"
)
# A value ends at the end of its sentence, except after the abbreviations addresses use ("P. Bến Thành").
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_ABBREVIATIONS = {"p", "q", "tp", "tx", "tt", "h", "x", "kp", "ql", "tl", "dt", "d", "so", "ap", "kdc", "f"}
# Where the quoted message of a reply starts ("On … wrote:", "Vào … đã viết:", Outlook's separators).
_QUOTE_START = re.compile(
    r"^(on\s.*wrote|vao\s.*viet|.*da viet)\s*:\s*$|^-{2,}\s*(original message|forwarded message|thu goc)|^_{10,}"
)


# What ends a message and is no part of the report: a mail app's line ("Sent from my iPhone", "Gửi từ iPhone
# của tôi", "Get Outlook for Android"), and a closing salutation ("Trân trọng,") with the name, phone and home
# address under it. Compared without accents or case, punctuation stripped.
_DEVICE_FOOTER = re.compile(
    r"^(sent from|sent with|sent via|sent using|get outlook for|(duoc )?gui tu|gui bang)\b.{0,40}"
    r"\b(iphone|ipad|android|samsung|galaxy|xiaomi|oppo|phone|mobile|device|outlook|gmail|yahoo|mail|ios"
    r"|dien thoai|thiet bi|may tinh bang)\b.{0,30}$"
)
_SALUTATION = re.compile(
    r"^(tran trong|kinh thu|than ai|than men|than|kinh chao|best regards|kind regards|warm regards|regards"
    r"|best wishes|best|sincerely|yours sincerely|yours faithfully|yours truly|cheers"
    r"|((xin )?(chan thanh |tran trong )?(cam on|cam ta)|many thanks|thanks|thank you)"
    r"( (anh chi|anh/chi|cac anh chi|quy co quan|quy vi|ban|cac ban|moi nguoi|trung tam|nhieu|rat nhieu"
    r"|a lot|very much|so much))?( nhieu)?)$"
)
_SIGNATURE_LINES = 6  # a closing block longer than this is no signature: kept
_SIGNATURE_LINE_LENGTH = 80


def _fold(text: str) -> str:
    """Lower case without accents, character for character (positions stay those of `text`)."""
    out = []
    for char in text:
        base = "d" if char in "đĐ" else unicodedata.normalize("NFD", char)[0].lower()
        out.append(base if len(base) == 1 else char)
    return "".join(out)


# --- Parsing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str  # the Message-ID, or a hash of the message when it has none
    sender: str
    category: str | None
    description: str
    lon: float | None
    lat: float | None
    address: str
    ward_code: str | None  # as written: a code or a name
    phone: str
    name: str
    attachments: list[tuple[str, bytes | None]]  # None: a part that could not be read
    subject: str = ""
    reply_text: str = ""  # the body without the quoted message, for an answer about a report
    unread_coords: str = ""  # a "Tọa độ:" value that could not be read (kept in the description)
    references: tuple[str, ...] = ()
    automatic: bool = False  # an auto-reply or a list message: never answered


# The longest address mail can be sent to (RFC 5321: a path of 256 octets, its brackets included).
MAX_SENDER = 254


def _sender(message: EmailMessage) -> tuple[str, str]:
    """The sender's address and name; no address when it is longer than any address mail can reach (such a
    message is refused unanswered: there is nobody to answer, and no column would take it)."""
    addr, name = _sender_as_written(message)
    return (addr, name) if len(addr) <= MAX_SENDER else ("", name)


def _sender_as_written(message: EmailMessage) -> tuple[str, str]:
    header: Any = message.get("From")
    if header is None:
        return "", ""
    for address in getattr(header, "addresses", ()):
        addr = address.addr_spec.strip()
        if "@" in addr:
            name = nfc(address.display_name or "")
            return addr, "" if name.lower() == addr.lower() else name
    name, addr = email.utils.parseaddr(str(header))
    return addr, nfc(name)


# What a text part without a usable charset is read as, after UTF-8: the Vietnamese Windows code page (its
# tone marks are combining characters: NFC puts them back on their letters), then the Western one.
_FALLBACK_CHARSETS = ("utf-8", "cp1258", "cp1252")


def _text(part: EmailMessage) -> str:
    """The text of a part, from its bytes: in its declared charset when Python knows it and the bytes fit
    it, else in the first fallback charset they fit, NFC-normalised.

    Not `get_content()`: without a charset it reads the part as US-ASCII and turns every byte above 127
    into "�", yet mail apps send Vietnamese as UTF-8 with a bare "Content-Type: text/plain" (an 8-bit
    body); and a declared "us-ascii" is as often wrong."""
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    for charset in (part.get_content_charset(), *_FALLBACK_CHARSETS):
        if not charset:
            continue
        try:
            return unicodedata.normalize("NFC", data.decode(charset))
        except (LookupError, UnicodeDecodeError):  # an unknown charset, or bytes it cannot hold
            continue
    return unicodedata.normalize("NFC", data.decode("utf-8", "replace"))


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = _text(part)
    if part.get_content_type() == "text/html":
        return html_to_text(text)
    return "\n".join(nfc(line) for line in text.splitlines())


def _until_sentence_end(value: str) -> tuple[str, str]:
    for end in _SENTENCE_END.finditer(value):
        words = value[: end.start()].split()
        if words and _fold(words[-1]).strip(".") in _ABBREVIATIONS:
            continue
        return value[: end.start()], value[end.end() :]
    return value, ""


def _label_field(label: re.Match[str]) -> str:
    """The field a label found by `_LABEL` names ("address" for "Địa  chỉ :")."""
    return _FIELD_OF[re.sub(r"\s*/\s*", "/", re.sub(r"\s+", " ", label.group(1)))]


def _fields(
    lines: list[str], sources: dict[str, tuple[int, str]] | None = None
) -> tuple[dict[str, str], list[str]]:
    """The labelled values, wherever they are in a line, and the text around them (one kept line per line).
    `sources`, if given, receives where each value was found: its line's number and the label with the
    value as written ("Tọa độ: 10,77 106,69")."""
    found: dict[str, str] = {}
    kept = []
    for number, line in enumerate(lines):
        labels = list(_LABEL.finditer(_fold(line)))
        if not labels:
            kept.append(line)
            continue
        pieces = [line[: labels[0].start()]]
        for i, label in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else len(line)
            value, rest = _until_sentence_end(line[label.end() : end])
            key = _label_field(label)
            if key not in found and sources is not None:
                sources[key] = (number, (line[label.start() : label.end()] + value).strip(" \t.;,"))
            found.setdefault(key, value.strip(" \t.;,"))
            pieces.append(rest)
        kept.append(" ".join(p.strip() for p in pieces if p.strip()))
    return found, kept


def _bare(line: str) -> str:
    """A line folded (no accents, lower case), without surrounding spaces and punctuation."""
    return re.sub(r"\s+", " ", _fold(line)).strip(" \t.,;:!?-–—~*_")


def _closing_block(lines: list[str]) -> int | None:
    """Where a closing salutation block starts (“Trân trọng,” and a few short lines under it: a name, a
    phone, a home address), when the message ends with one; None otherwise. Conservative: at most
    `_SIGNATURE_LINES` short lines, none of them a sentence or a place label (“Địa chỉ:” under “Cảm ơn!”
    says where the problem is: that is the report, not a signature)."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for start in filled[-_SIGNATURE_LINES:]:
        if len(lines[start].strip()) > 50 or not _SALUTATION.match(_bare(lines[start])):
            continue
        rest = [lines[i].strip() for i in filled if i > start]
        if all(
            len(line) <= _SIGNATURE_LINE_LENGTH
            and line[-1] not in ".!?"
            and not any(
                _label_field(m) in ("address", "coords", "ward") for m in _LABEL.finditer(_fold(line))
            )
            for line in rest
        ):
            return start
    return None


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    """The message's own lines and its signature: everything after the standard "-- " line, the mail app's
    last lines ("Sent from my iPhone"), and a closing salutation block at the very end. The signature holds
    the sender's name, phone and home address: it must never reach the report's public description."""
    main, signature = list(lines), []
    for i, line in enumerate(lines):
        if line.rstrip() == "--":  # RFC 3676's "-- " (some mail apps drop the space)
            main, signature = list(lines[:i]), list(lines[i + 1 :])
            break

    def trim() -> None:
        while main and (not main[-1].strip() or _DEVICE_FOOTER.match(_bare(main[-1]))):
            line = main.pop()
            if line.strip():
                signature.insert(0, line)

    trim()
    start = _closing_block(main)
    if start is not None:
        signature[:0] = main[start:]
        del main[start:]
        trim()
    return main, signature


def _without_quote(lines: list[str]) -> str:
    kept = []
    for line in lines:
        folded = _fold(line).strip()
        if folded == "--" or _QUOTE_START.match(folded):  # the quoted message, or the signature
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(line for line in kept if line.strip()).strip()


def _message_key(message: EmailMessage, sender: str, subject: str, body: str) -> str:
    message_id = str(message.get("Message-ID", "")).strip()[:120]
    if message_id:
        return message_id
    # No Message-ID: the same message delivered twice must still make one report.
    digest = hashlib.sha256(
        "\x1f".join([sender.lower(), str(message.get("Date", "")).strip(), subject, body]).encode()
    ).hexdigest()
    return f"sha256:{digest}"


def parse(raw: bytes) -> ParsedEmail:
    message: EmailMessage = email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[assignment]
    sender, display_name = _sender(message)
    subject = nfc(str(message.get("Subject", "")))
    body = _body(message)
    lines = body.splitlines()
    own_lines, signature = _split_signature(lines)
    sources: dict[str, tuple[int, str]] = {}
    found, text_lines = _fields(own_lines, sources)
    # The signature is the sender's: a phone or name labelled there is their contact (private), never
    # the problem's place (a home address) nor part of the public description.
    signed, _rest = _fields(signature)
    for key in ("phone", "name"):
        if key not in found and signed.get(key):
            found[key] = signed[key]
    lat, lon = _coordinates(found.get("coords", ""))
    unread_coords = ""
    if found.get("coords") and lat is None:
        # Kept as written, for the officers to read. The acknowledgement says coordinates could not be read
        # when they were meant as some ("Tọa độ:", or numbers): "Vị trí: trước chợ" is a place in words.
        number, written = sources["coords"]
        text_lines[number] = " ".join(part for part in (text_lines[number].strip(), written) if part)
        if _fold(written).startswith(("toa do", "coordinates")) or any(c.isdigit() for c in found["coords"]):
            unread_coords = found["coords"]
    tag = _CATEGORY_TAG.search(subject)
    subject_text = _REPLY_PREFIX.sub("", _CATEGORY_TAG.sub("", subject)).strip()
    description = "\n".join([subject_text, *[t for t in text_lines if t.strip()]]).strip()
    attachments: list[tuple[str, bytes | None]] = []
    for number, part in enumerate(message.iter_attachments(), start=1):
        payload = part.get_payload(decode=True)
        name = nfc(part.get_filename() or "") or f"attachment-{number}"
        attachments.append((name, payload if isinstance(payload, bytes) else None))
    references = tuple(
        dict.fromkeys(
            _MESSAGE_IDS.findall(f"{message.get('In-Reply-To', '')} {message.get('References', '')}")
        )
    )
    auto = str(message.get("Auto-Submitted", "no")).strip().lower() not in ("", "no")
    precedence = str(message.get("Precedence", "")).strip().lower() in ("bulk", "junk", "list", "auto_reply")
    return ParsedEmail(
        message_id=_message_key(message, sender, subject, body),
        sender=sender,
        category=tag.group(1) if tag else None,
        description=description,
        lon=lon,
        lat=lat,
        address=found.get("address", ""),
        ward_code=found.get("ward") or None,
        phone=found.get("phone", ""),
        name=found.get("name", "") or display_name,
        attachments=attachments,
        subject=subject,
        reply_text=_without_quote(lines),
        references=references,
        automatic=auto or precedence or bool(message.get("X-Autoreply")),
        unread_coords=unread_coords,
    )


def _coordinates(text: str) -> tuple[float | None, float | None]:
    """(lat, lon) from "10.7725, 106.698", "10.7725 106.698" or "10,7725; 106,698"; (None, None) if none."""
    found = _COORDS.search(text)
    if not found:
        return None, None
    a, b = (float(group.replace(",", ".")) for group in found.groups())
    # People write "lat, lon" (Google Maps) or "lon, lat" (GeoJSON); in Vietnam lat < 30 < 100 < lon.
    lat, lon = (b, a) if a > b else (a, b)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


# --- Intake ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ingested:
    report: Report
    created: bool  # False: this message was received before
    kind: str  # "report" | "reply"
    refused: tuple[tuple[str, str], ...] = ()  # attachments not accepted: (name, why)


def _code_pattern() -> re.Pattern[str]:
    prefix = re.escape(settings.CITYDESK_REPORT_CODE_PREFIX)
    return re.compile(rf"(?<![A-Za-z0-9]){prefix}-\d{{2}}-\d{{6}}(?!\d)", re.IGNORECASE)


def reply_target(parsed: ParsedEmail) -> str | None:
    """The tracking code this message answers about: its thread (a message of ours or the report's own
    first message), else a code in its subject; None for a new report."""
    if parsed.references:
        keys = [f"<{ref}>" for ref in parsed.references]
        known = (
            IdempotencyKey.objects.filter(scope__in=("email", "reply:email"), key__in=keys)
            .values_list("report__code", flat=True)
            .first()
        )
        if known:
            return known
        for ref in parsed.references:
            code = _code_pattern().search(ref)
            if code:
                return code.group(0).upper()
    code = _code_pattern().search(parsed.subject)
    return code.group(0).upper() if code else None


def _uploads(parsed: ParsedEmail) -> tuple[list[SimpleUploadedFile], list[tuple[str, str]]]:
    uploads, refused = [], []
    for name, content in parsed.attachments:
        if content is None:
            refused.append((name, _("The attachment could not be read.")))
        else:
            uploads.append(SimpleUploadedFile(name, content))
    return uploads, refused


@dataclass(frozen=True)
class Refused:
    """A message that made no report and no answer, and whether its sender was told why."""

    error: DomainError
    sender: str
    answered: bool  # the sender was told why now
    repeated: bool = False  # refused before (a redelivery): its sender was told then, not again


def process(raw: bytes, *, default_category: str | None = None) -> Ingested | Refused:
    """Turn one message into a report or a reply, or refuse it; a refusal is answered to the sender once,
    however many times the mail server delivers the same message (same Message-ID).

    Everything the sender reads (answers, refusals) is in the site's language, as the receipts of intake.
    """
    parsed = parse(raw)
    code = None
    with translation.override(settings.LANGUAGE_CODE):
        try:
            if not parsed.sender:
                raise DomainError(_("The message has no sender address."), field="from")
            code = reply_target(parsed)
            # One transaction: the receipt intake queues is completed (refused files) before it can be sent.
            with transaction.atomic():
                if code is not None:
                    return _reply(parsed, code)
                return _new_report(parsed, default_category)
        except DomainError as exc:
            if not parsed.sender or parsed.automatic:  # nobody to answer, or a machine: never answered
                return Refused(error=exc, sender=parsed.sender, answered=False)
            reference = refusal_reference(parsed.message_id or raw)
            with transaction.atomic():
                _record, new = RefusedEmail.objects.get_or_create(
                    reference=reference, defaults={"sender": parsed.sender[:254]}
                )
                if not new:  # delivered again: its sender was told why the first time
                    return Refused(error=exc, sender=parsed.sender, answered=False, repeated=True)
                subject, body = refusal(parsed, exc, code)
                body = "\n\n".join([body, _("Reference of your message: %(ref)s") % {"ref": reference}])
                notification_queue(channel="email", address=parsed.sender, subject=subject, body=body)
            return Refused(error=exc, sender=parsed.sender, answered=True)


def receive(raw: bytes, *, default_category: str | None = None) -> Ingested:
    """Turn one message into a report or a reply; a refusal is answered (see `process`), then raised."""
    outcome = process(raw, default_category=default_category)
    if isinstance(outcome, Refused):
        raise outcome.error
    return outcome


def refusal_reference(message_id: str | bytes) -> str:
    """The refused message's reference, written in the answer ("TH-3F9A2C1B7E40"): the same message
    delivered again has the same one (from its Message-ID, or from the whole message without one)."""
    data = message_id if isinstance(message_id, bytes) else message_id.encode("utf-8", "replace")
    return "TH-" + hashlib.sha256(data).hexdigest()[:12].upper()


def ingest(raw: bytes, *, default_category: str | None = None) -> tuple[Report, bool]:
    """The report the message made or answered, and whether it was new (see `receive`)."""
    result = receive(raw, default_category=default_category)
    return result.report, result.created


def _reply(parsed: ParsedEmail, code: str) -> Ingested:
    report = Report.objects.select_related("reporter", "unit").filter(code=code).first()
    if report is not None and follows_only(report, parsed.sender):
        raise NotAllowed(
            _(
                "Thank you for your message. You follow report %(code)s and receive its updates, but only "
                "the person who sent it can answer the handling unit's questions about it, so your message "
                "was not added to it. If you have a problem of your own to report, write a new message "
                "without a tracking code in the subject."
            )
            % {"code": code}
        )
    if report is None or not may_reply(report, email=parsed.sender):
        if settings.CITYDESK_REPLY_TO:
            message = _(
                "We have no report %(code)s sent from %(email)s. To answer about a report, reply from the "
                "address you used for it; to send a new report, write a new message without a tracking "
                "code in the subject."
            )
        else:  # no mailbox reads the replies to our e-mails: nothing may invite one
            message = _(
                "We have no report %(code)s sent from %(email)s. To answer about a report, use the link to "
                "its tracking page in our e-mails to the address you used for it; to send a new report, "
                "write a new message without a tracking code in the subject."
            )
        raise NotAllowed(message % {"code": code, "email": parsed.sender})
    uploads, unreadable = _uploads(parsed)
    reply = report_reply(
        code=code,
        text=parsed.reply_text,
        files=uploads,
        channel=Channel.EMAIL,
        email=parsed.sender,
        author=parsed.name or parsed.sender,
        skip_bad_files=True,
        idempotency_key=parsed.message_id,
    )
    refused = tuple(unreadable + reply.refused)
    if reply.created:
        lines = [
            _("Thank you. Your answer was added to report %(code)s and passed to %(unit)s.")
            % {"code": code, "unit": report.unit.name}
        ]
        if reply.resumed:
            lines.append(_("The unit was waiting for this information: the handling continues."))
        lines += _refused_lines(refused)
        lines.append(_track_link(report, parsed.sender))
        notification_queue(
            channel="email",
            address=parsed.sender,
            subject=_("Report %(code)s: your answer was received") % {"code": code},
            body="\n".join(lines),
        )
    return Ingested(report=reply.report, created=reply.created, kind="reply", refused=refused)


def _new_report(parsed: ParsedEmail, default_category: str | None) -> Ingested:
    # The same message delivered (or fed to the command) again is the report it made, whatever
    # --default-category says this time: the category chosen the first time stays.
    earlier = (
        IdempotencyKey.objects.filter(scope="email", key=parsed.message_id).select_related("report").first()
    )
    if earlier is not None:
        return Ingested(report=earlier.report, created=False, kind="report")
    category = parsed.category or default_category
    if not parsed.address and not parsed.ward_code and parsed.lon is None:
        # No "Địa chỉ:" line: the sentence naming the place's ward, if the text names one.
        place = _place_in_text(parsed.description)
        if place is not None:
            parsed = dataclasses.replace(parsed, address=place[0], ward_code=place[1])
    ward_code = _ward_code(parsed)
    if category is None:
        try:
            from citydesk.reports.suggest import suggest

            guess = suggest(parsed.description, parsed.lon, parsed.lat, ward_code, k=1)
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
        ward_code=ward_code,
        # Without a ward, the province the address ends with (if one) triages it, or refuses it.
        province_code=address_province(parsed.address) if ward_code is None and parsed.lon is None else None,
        contact_name=parsed.name,
        contact_phone=parsed.phone,
        contact_email=parsed.sender,
        idempotency_scope="email",
        idempotency_key=parsed.message_id,
    )
    report = intake.report
    if not intake.created:
        return Ingested(report=report, created=False, kind="report")
    uploads, refused = _uploads(parsed)
    actor = Actor(user_id=None, label=parsed.name or parsed.sender)
    for upload in uploads:
        try:
            attachment_add(report=report, upload=upload, actor=actor)
        except DomainError as exc:  # a bad attachment must not lose the report: the sender is told
            refused.append((upload.name or "", exc.message))
    notes = _refused_lines(refused)
    if parsed.unread_coords:
        notes.insert(0, _unread_coords_line(parsed.unread_coords))
    if notes:
        _amend_acknowledgement(report, notes)
    return Ingested(report=report, created=True, kind="report", refused=tuple(refused))


def _unread_coords_line(written: str) -> str:
    return _(
        "The coordinates “%(value)s” could not be read: they were kept in the description for the handling "
        "unit. Write them as two numbers, for example “Tọa độ: 10.7714, 106.6946”."
    ) % {"value": written}


# A commune-level unit named in running text: its division word, written out or abbreviated ("phường Bến
# Thành", "P. Bến Thành", "xã Bình Hưng", "TT. Cần Thạnh"), before a name. Searched in the folded text.
_WARD_MENTION = re.compile(r"(?<![\w.])(phuong|xa|thi tran|dac khu|p|x|tt)(?:\.\s*|\s+)(?=\w)")
_DIVISION_WORD = {"p": "phường", "x": "xã", "tt": "thị trấn"}
_CLAUSE_END = re.compile(r"[,;()]")


def _sentences(text: str) -> list[str]:
    """The sentences of a text, line by line; a dot after an address abbreviation ("P. Bến Thành") ends none."""
    found = []
    for line in text.splitlines():
        rest = line
        while rest.strip():
            sentence, rest = _until_sentence_end(rest)
            if sentence.strip():
                found.append(sentence.strip())
    return found


def _place_in_text(text: str) -> tuple[str, str] | None:
    """(the sentence, the unit's code) of the one commune-level unit a text names with its division word,
    as people write when they fill no "Địa chỉ:" line ("Cây me trước số 92 Pasteur, phường Bến Thành, TP.HCM
    bị gãy đổ…"); None when it names none, or several (the sender is then asked where the problem is).

    Each name is looked up as the e-mail's "Phường/xã:" line and an address's ward are (`ward_in_address`:
    accents and case aside, a name inside a longer one is no second match), with the province a later part
    of the same sentence names, if one."""
    found: dict[str, str] = {}
    for sentence in _sentences(text):
        for mention in _WARD_MENTION.finditer(_fold(sentence)):
            clause, *after = _CLAUSE_END.split(sentence[mention.end() :], maxsplit=1)
            word = _DIVISION_WORD.get(mention.group(1), mention.group(1))
            provinces = [p for p in _CLAUSE_END.split("".join(after)) if p.strip() and province_in_address(p)]
            ward = ward_in_address(", ".join([f"{word} {clause.strip()}", *provinces[:1]]))
            if ward is not None:
                found.setdefault(ward.code, sentence)
    if len(found) != 1:
        return None
    code, sentence = found.popitem()
    limit = Report._meta.get_field("address").max_length or 300
    return sentence.strip(" \t.;,")[:limit].strip(), code


def _ward_code(parsed: ParsedEmail) -> str | None:
    """The "Phường/xã:" line as a code or a name; without it, the ward the address names (if one)."""
    written = (parsed.ward_code or "").strip()
    if written.isdigit():
        return written
    if written:
        ward = ward_in_address(written)
        if ward is None:
            raise DomainError(
                _("We do not know a commune or ward named “%(name)s”.") % {"name": written}, field="ward_code"
            )
        return ward.code
    if parsed.lon is None and parsed.address:
        ward = ward_in_address(parsed.address)
        return ward.code if ward else None
    return None


def _refused_lines(refused: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> list[str]:
    if not refused:
        return []
    return [_("These attachments were not accepted:")] + [f"- {name}: {why}" for name, why in refused]


def _amend_acknowledgement(report: Report, lines: list[str]) -> None:
    """Add to the acknowledgement intake queued (same transaction: not sent yet) what was not accepted."""
    ack = (
        Notification.objects.filter(
            channel="email",
            address=report.contact_email,
            status=Notification.Status.PENDING,
            subject__contains=report.code,
        )
        .order_by("-pk")
        .first()
    )
    text = "\n".join(lines)
    if ack is None:
        subject = _("Report %(code)s received") % {"code": report.code}
        notification_queue(channel="email", address=report.contact_email, subject=subject, body=text)
    else:
        ack.body = f"{ack.body}\n\n{text}"
        ack.save(update_fields=["body"])


def _track_link(report: Report, sender: str) -> str:
    link = f"{settings.CITYDESK_PUBLIC_URL}/tra-cuu/{report.code}/"
    if sender.lower() == (report.contact_email or "").lower():
        link += f"?t={report.citizen_token}"
    return link


# --- Refusals -----------------------------------------------------------------------------------------


def refusal(parsed: ParsedEmail, exc: DomainError, code: str | None) -> tuple[str, str]:
    """The answer to a message we could not accept: what is wrong, in e-mail terms, and how to write it."""
    if code is not None:
        subject = _("Report %(code)s: your answer could not be accepted") % {"code": code}
        # Not the reporter's address: maybe a new report that quotes a code; say how to send one.
        return subject, "\n\n".join([exc.message, how_to()] if isinstance(exc, NotAllowed) else [exc.message])
    if exc.field == "category" and not parsed.category:
        reason = _("Your message does not say which kind of problem it is.")
    elif exc.field == "address" and not parsed.address and parsed.unread_coords:
        reason = _(
            "The coordinates “%(value)s” could not be read, and your message gives no address of the problem."
        ) % {"value": parsed.unread_coords}
    elif exc.field == "address" and not parsed.address:
        reason = _("Your message does not say where the problem is.")
    else:
        reason = exc.message
    body = "\n\n".join([_("We could not create a report from your message: %(m)s") % {"m": reason}, how_to()])
    return _("Your report could not be accepted"), body


def how_to() -> str:
    """How to write a report by e-mail, with the category codes; how to answer about a report already
    sent: by a reply only when `CITYDESK_REPLY_TO` is set (its mailbox feeds this intake), for without it
    our e-mails come from an address nobody reads."""
    from citydesk.reports.forms import category_label

    categories = ServiceCategory.objects.filter(
        domain=ServiceCategory.Domain.REPORT, is_active=True
    ).order_by("code")
    codes = "\n".join(f"  [{c.code}] {category_label(c)}" for c in categories)
    return _(
        "How to send a report by e-mail:\n"
        "1. Start the subject with the category code in square brackets, then a short title, for example:\n"
        "   [%(example)s] Ổ gà trước số 12 Lê Lợi\n"
        "2. In the message, describe the problem, then say where it is, on lines of their own:\n"
        "   Địa chỉ: 12 Lê Lợi\n"
        "   Phường/xã: Bến Thành\n"
        "   You may add “Tọa độ: 10.7714, 106.6946” (from your phone's map) and “Điện thoại: …”.\n"
        "3. Attach photos (JPEG, PNG, WebP) or a PDF if you have them: at most %(n)s files of %(mb)s MB each.\n"
        "%(answer)s\n\n"
        "Category codes:\n%(codes)s"
    ) % {
        "answer": _("To answer about a report you already sent, reply to our e-mail about it.")
        if settings.CITYDESK_REPLY_TO
        else _(
            "To answer about a report you already sent, use the link to its tracking page in our e-mail "
            "about it: replies to our e-mails are not read."
        ),
        # The example's title is a pothole: its code, where the platform has that category.
        "example": next((c.code for c in categories if c.code == "road_damage"), None)
        or (categories[0].code if categories else "road_damage"),
        "n": settings.CITYDESK_MAX_ATTACHMENTS,
        "mb": settings.CITYDESK_MAX_ATTACHMENT_MB,
        "codes": codes,
    }
