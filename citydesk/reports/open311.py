"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) on top of the 1022 intake service.

Plain Django views rather than the REST API: the standard wants form-encoded POSTs, `.json` / `.xml`
format suffixes and its own error format (a list of `{code, description}`). Nothing here writes a report
itself: intake goes through `report_submit(channel="open311")`. Contact details given by a client (e-mail,
phone, names) are stored for the handling unit and never appear in any Open311 answer.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import json
import logging
import math
import re
import secrets
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import unquote_to_bytes
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt

from citydesk.core import configcache
from citydesk.core.audit import Actor, audit_record
from citydesk.core.calendar import range_error
from citydesk.core.errors import Conflict, DomainError, DomainErrors
from citydesk.core.models import ServiceCategory
from citydesk.core.validators import usable_questions
from citydesk.lib.privacy import hide_contacts
from citydesk.lib.text import nfc, search_key
from citydesk.lib.workdays import OutOfRange, check_supported
from citydesk.reports.attachments import attachment_add, check_upload
from citydesk.reports.models import (
    OPEN_STATUSES,
    Attachment,
    Channel,
    Open311Client,
    RejectReason,
    Report,
    ReportEvent,
    Status,
)
from citydesk.reports.places import address_province, address_ward
from citydesk.reports.services import report_submit
from citydesk.reports.services.common import (
    LIST_ANSWER_TYPES,
    MAX_ANSWER_NUMBER,
    MAX_ANSWER_TEXT,
    _event,
    _load_categories,
    grouped,
    point_problems,
)
from citydesk.reports.services.intake import ReportsLimited

log = logging.getLogger("citydesk.open311")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-21T00:00:00+07:00"  # last change of this endpoint's behaviour
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MAX_RESULTS = 1000
WINDOW = timedelta(days=90)
KEY_PREFIX = "o311_"
MAX_IDEMPOTENCY_KEY = 120
MAX_MEDIA_URL = 1000
MEDIA_FIELD = "media"  # a photo sent with the request (multipart/form-data), as Open311 apps name it
# Browser-based Open311 clients call from other sites: no credentials (the api_key is a parameter).
CORS_ALLOW_HEADERS = "Content-Type, Idempotency-Key"
CORS_MAX_AGE = "86400"
# The longest value of each create_request parameter: the report's columns (the name is stored as
# "last_name first_name" in one 150-character column; the phone number as given, separators included).
MAX_LENGTHS = {
    "first_name": 150,
    "last_name": 150,
    "email": 254,
    "phone": 20,
    "address_string": 300,
    "description": 4000,
}
MAX_NAME = 150
# The create_request parameters of the standard: each is given once (a second value is not dropped
# silently). Other parameters (a client's own) are left alone.
SPEC_FIELDS = frozenset(
    {
        "api_key",
        "jurisdiction_id",
        "service_code",
        "lat",
        "long",
        "address_string",
        "address_id",
        "email",
        "device_id",
        "account_id",
        "first_name",
        "last_name",
        "phone",
        "description",
        "media_url",
    }
)
# The bodies a create_request may have: the standard's form, a form with a photo, or a JSON object.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
JSON_TYPE = "application/json"
# The internal note that keeps a client's `media_url` for the officers (never in the public description):
# its address is served back as the request's `media_url` when the report has no public photo.
MEDIA_URL_ARG = "media_url"

# Our intake's field names -> the Open311 parameter a client sent.
FIELD_NAMES = {
    "category": "service_code",
    "lon": "long",
    "lat": "lat",
    "address": "address_string",
    "ward_code": "address_string",
    "province_code": "address_string",
    "contact_email": "email",
    "contact_phone": "phone",
    "contact_name": "first_name",
    "description": "description",
    "answers": "attribute",
}
DATATYPES = {"number": "number", "text": "string", "choice": "singlevaluelist"}
# XML: the element name of a list's items, by the list's own element name.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# attribute[CODE], or attribute[CODE][] (the standard's syntax for a multivaluelist's values).
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_W3C_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_TRUE = {"true", "1", "yes"}
# An api_key in a query string (also percent-encoded "api%5Fkey"), up to the next parameter.
_API_KEY_IN_QUERY = re.compile(r"(?i)((?:^|[?&;])api(?:_|%5f)key=)[^&;#\s]*")
_UTF8 = codecs.lookup("utf-8").name


# --- Clients and keys -----------------------------------------------------------------------------


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def open311_client_create(*, actor: Actor, name: str) -> tuple[Open311Client, str]:
    """Register an Open311 client; returns it with its api_key in clear (only the hash is kept)."""
    name = nfc(name or "")
    if not name:
        raise DomainError(_("Give the client a name."), field="name")
    if len(name) > 100:
        raise DomainError(_("The name is too long (at most 100 characters)."), field="name")
    duplicate = Conflict(_("An Open311 client named “%(n)s” already exists.") % {"n": name}, field="name")
    if Open311Client.objects.filter(name=name).exists():
        raise duplicate
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    try:
        with transaction.atomic():
            client = Open311Client.objects.create(name=name, prefix=prefix, key_hash=hash_key(key))
            audit_record(
                actor=actor,
                action="open311_client.create",
                object_type="open311_client",
                object_id=client.pk,
                after={"name": name, "prefix": prefix},
            )
    except IntegrityError:
        raise duplicate from None
    return client, key


def open311_client_for_key(key: str) -> Open311Client | None:
    """The active client holding this api_key, or None."""
    key = (key or "").strip()
    if not key:
        return None
    return Open311Client.objects.filter(key_hash=hash_key(key), revoked_at__isnull=True).first()


# --- Rendering ------------------------------------------------------------------------------------


class Open311Error(Exception):
    """Answered as the standard's error list: `[{"code": status, "description": …}]`."""

    def __init__(self, status: int, description: str, more: list[str] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.more = more or []  # the other parameters at fault, each its own entry of the list


def _xml_text(value: str) -> str:
    return _XML_ILLEGAL.sub("", value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        tag = ITEM_TAGS.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, tag), child)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _xml_text(str(value))


def render(data: Any, root: str, fmt: str, *, status: int = 200) -> HttpResponse:
    """`data` as JSON, or as XML under the root element `root` (lists get ITEM_TAGS children)."""
    if fmt == "xml":
        element = ET.Element(root)
        _fill(element, data)
        body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    else:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8", "replace")
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["json"]))


def error_response(status: int, description: str, fmt: str, more: list[str] | None = None) -> HttpResponse:
    errors = [{"code": status, "description": text} for text in (description, *(more or []))]
    return render(errors, "errors", fmt, status=status)


@contextmanager
def _language(request: HttpRequest) -> Iterator[None]:
    """`?locale=en|vi` overrides the language chosen from Accept-Language; Vietnamese by default."""
    wanted = (request.GET.get("locale") or "").strip().lower()[:2]
    if wanted in dict(settings.LANGUAGES):
        with translation.override(wanted):
            yield
    else:
        yield


def _redact_api_key(request: HttpRequest) -> None:
    """Keep an api_key given in the query string (as the documentation allows) out of every log: only its
    hash is stored. The parameters are read first (`request.GET` keeps them); then the request's
    environment, which Django's request log (`repr(request)`) and gunicorn's access log (`%(r)s`,
    `%(q)s`: RAW_URI, QUERY_STRING) are written from, says `api_key=[redacted]`."""
    meta = request.META
    if "key" not in meta.get("QUERY_STRING", "").lower():
        return
    request.GET  # noqa: B018 - parsed (and cached) before the query string is rewritten
    for name in ("QUERY_STRING", "RAW_URI", "REQUEST_URI"):
        value = meta.get(name)
        if isinstance(value, str):
            meta[name] = _API_KEY_IN_QUERY.sub(r"\1[redacted]", value)


def _preflight(methods: tuple[str, ...]) -> HttpResponse:
    """A browser's CORS preflight (OPTIONS) before a POST with a JSON body or an Idempotency-Key header."""
    response = HttpResponse(status=204)
    response["Allow"] = response["Access-Control-Allow-Methods"] = ", ".join((*methods, "OPTIONS"))
    response["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
    response["Access-Control-Max-Age"] = CORS_MAX_AGE
    return response


def _allow_any_origin(response: HttpResponse) -> HttpResponse:
    """Open311 is a public API that browser-based clients call from their own sites: any origin may read
    the answers (errors included), without credentials (no cookie is read here, the api_key is a
    parameter), and see whether a POST was a replay."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "Idempotent-Replayed"
    return response


def _open311(*methods: str) -> Callable:
    """Format suffix check, allowed methods, language, and Open311Error -> the standard's error list.

    Open311 clients authenticate with an api_key, never with a session cookie: the views are exempt
    from CSRF (a wrong method gets the standard's 405, not Django's CSRF page) and see no logged-in user.
    Every answer may be read by a page of any site (CORS), and OPTIONS answers a browser's preflight.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            request.user = AnonymousUser()  # a browser's session cookie grants nothing here
            _redact_api_key(request)
            with _language(request):
                if fmt not in CONTENT_TYPES:
                    response = error_response(
                        404, _("Unknown format “%(f)s”: use .json or .xml.") % {"f": fmt}, "json"
                    )
                elif request.method == "OPTIONS":
                    response = _preflight(methods)
                elif request.method not in methods and not (request.method == "HEAD" and "GET" in methods):
                    response = error_response(
                        405,
                        _("Method %(m)s is not allowed here.") % {"m": request.method},
                        fmt,
                    )
                    response["Allow"] = ", ".join(methods)
                else:
                    try:
                        response = view(request, fmt, **kwargs)
                    except Open311Error as exc:
                        response = error_response(exc.status, exc.description, fmt, exc.more)
                response["Content-Language"] = translation.get_language()
            return _allow_any_origin(response)

        return wrapper

    return decorate


# --- Serialisation --------------------------------------------------------------------------------


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _iso(moment: datetime | None) -> str | None:
    """ISO 8601 with the city's offset, e.g. 2026-02-13T10:00:00+07:00."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).isoformat(timespec="seconds")


def _local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%d/%m/%Y %H:%M")


def _service_name(category: ServiceCategory) -> str:
    return (category.name_en or category.name) if _english() else category.name


def _service(category: ServiceCategory) -> dict[str, Any]:
    # Each term once: the code ("public order") is often the start of the English name ("Public order,
    # pavement encroachment"), and the names list several terms.
    names = (category.code.replace("_", " "), search_key(category.name), category.name_en.lower())
    keywords = dict.fromkeys(term.strip() for name in names for term in name.split(",") if term.strip())
    return {
        "service_code": category.code,
        "service_name": _service_name(category),
        "description": (
            _("%(name)s: handled the same working day.")
            if category.working_days == 0
            else ngettext(
                "%(name)s: handled within %(n)s working day.",
                "%(name)s: handled within %(n)s working days.",
                category.working_days,
            )
        )
        % {"name": _service_name(category), "n": category.working_days},
        "metadata": bool(usable_questions(category.questions)),
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": str(category.get_handled_by_display()),
    }


def _values(question: dict[str, Any]) -> list[dict[str, str]]:
    """A choice question's values: the key is always the stored (Vietnamese) choice, so that it stays the
    same in every language; the name is the English one (`choices_en`) under English, when given."""
    choices = [str(c) for c in question.get("choices", [])]
    names = question.get("choices_en") if _english() else None
    if not (isinstance(names, list) and len(names) == len(choices)):
        names = choices
    return [{"key": key, "name": str(name or key)} for key, name in zip(choices, names, strict=True)]


def _attribute(question: dict[str, Any], order: int) -> dict[str, Any]:
    kind = question.get("type", "text")
    label = (question.get("label_en") if _english() else None) or question.get("label") or question["code"]
    descriptions = {
        "number": _("A number from %(min)s to %(max)s.") % {"min": 0, "max": grouped(MAX_ANSWER_NUMBER)},
        "text": _("Free text (at most %(n)s characters).") % {"n": grouped(MAX_ANSWER_TEXT)},
        "choice": _("One of the listed values (give its key)."),
    }
    attribute: dict[str, Any] = {
        "variable": True,
        "code": question["code"],
        "datatype": DATATYPES.get(kind, "string"),
        "required": bool(question.get("required")),
        "datatype_description": descriptions.get(kind, ""),
        "order": order,
        "description": label,
    }
    if kind == "choice":
        attribute["values"] = _values(question)
    return attribute


def _status_notes(report: Report) -> str:
    """The state, with what was done or why it was refused: officers' words, in which the phone numbers,
    e-mail addresses and identity numbers they quote are hidden, as in the description."""
    label = str(Status(report.status).label)
    if report.status in (Status.RESOLVED, Status.CLOSED) and report.resolution:
        return f"{label}: {hide_contacts(report.resolution)}"
    if report.status == Status.REJECTED:
        parts = [str(RejectReason(report.reject_reason).label)] if report.reject_reason else []
        if report.duplicate_of_id and report.duplicate_of is not None:
            parts.append(_("Same problem as %(code)s.") % {"code": report.duplicate_of.code})
        if report.reject_note:
            parts.append(hide_contacts(report.reject_note))
        parts = [p if p.endswith((".", "!", "?")) else f"{p}." for p in parts]
        return f"{label}: {' '.join(parts)}" if parts else label
    return label


def _service_notice(report: Report) -> str:
    if not report.is_open or report.due_at is None:
        return ""
    return _("Sent to %(unit)s; due by %(due)s.") % {"unit": report.unit.name, "due": _local(report.due_at)}


def _media_url(request: HttpRequest, report: Report) -> str:
    """The first public photo: its metadata-free copy, served by the REST API's public file endpoint; else
    the `media_url` the client gave with the request (`client_media_url`, from `_public_reports`)."""
    for attachment in getattr(report, "public_attachments", None) or []:
        if attachment.public_file:
            return request.build_absolute_uri(
                f"/api/v1/reports/{report.code}/attachments/{attachment.pk}/public"
            )
    return getattr(report, "client_media_url", None) or ""


def _media_url_notes() -> QuerySet[ReportEvent]:
    """The internal notes that keep a client's `media_url` (`_keep_media_url`), oldest first."""
    return (
        ReportEvent.objects.filter(
            kind=ReportEvent.Kind.NOTE,
            public=False,
            actor__isnull=True,
            note_args__has_key=MEDIA_URL_ARG,
        )
        .order_by("pk")
        .annotate(url=KT(f"note_args__{MEDIA_URL_ARG}"))
    )


def _updated(report: Report) -> datetime:
    """The last change the public can see: a status change, or a public note (which leaves the report's
    row, and so `updated_at`, as it was). `last_public_event` comes with the report (`_public_reports`)."""
    latest = getattr(report, "last_public_event", None)
    return max(report.updated_at, latest) if latest is not None else report.updated_at


def _request_item(request: HttpRequest, report: Report, *, extensions: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "service_request_id": report.code,
        "status": "open" if report.is_open else "closed",
        "status_notes": _status_notes(report),
        "service_name": _service_name(report.category),
        "service_code": report.category.code,
        "description": report.public_description,
        "agency_responsible": report.unit.name,
        "service_notice": _service_notice(report),
        "requested_datetime": _iso(report.created_at),
        "updated_datetime": _iso(_updated(report)),
        "expected_datetime": _iso(report.due_at),
        # What the citizen typed, as the description: "(nhà chị Lan, SĐT 0987654321)" is not for the public.
        "address": hide_contacts(report.address)
        if report.address
        else (report.ward.name if report.ward_id else ""),
        "address_id": "",
        "zipcode": "",
        "lat": report.lat,
        "long": report.lon,
        "media_url": _media_url(request, report),
    }
    if extensions:
        item["extended_attributes"] = {
            "citydesk_status": report.status,
            "citydesk_status_label": str(Status(report.status).label),
            "channel": report.channel,
            "ward_code": report.ward_id or "",
            "province_code": report.province_code,
            "agency_code": report.unit.code,
            "near_boundary": report.near_boundary,
            "duplicate_of": report.duplicate_of.code
            if report.duplicate_of_id and report.duplicate_of
            else "",
            "reopen_count": report.reopen_count,
        }
    return item


def _shown() -> QuerySet[Report]:
    """The reports the public may read (`Report.shown_to_public`): made public, and not rejected as spam
    (spam never reaches the public, whatever the channel). Every reading call, the token look-up
    included, answers 404 alike for the others: none of them confirms that such a report exists."""
    return Report.objects.filter(is_public=True).exclude(
        status=Status.REJECTED, reject_reason=RejectReason.SPAM
    )


def _public_reports() -> QuerySet[Report]:
    """Public reports with everything the list shows, in a fixed number of queries: the time of each one's
    latest public event and the `media_url` its client gave come in the same query (the (report, at)
    index serves both)."""
    attachments = Attachment.objects.filter(public=True).exclude(public_file="").order_by("pk")
    latest = ReportEvent.objects.filter(report=OuterRef("pk"), public=True).order_by("-at").values("at")[:1]
    media_url = _media_url_notes().filter(report=OuterRef("pk")).values("url")[:1]
    return (
        _shown()
        .select_related("category", "unit", "ward", "duplicate_of")
        .prefetch_related(Prefetch("attachments", queryset=attachments, to_attr="public_attachments"))
        .annotate(last_public_event=Subquery(latest), client_media_url=Subquery(media_url))
    )


def _code(value: str) -> str:
    """A tracking code as stored (PA-26-000301): clients may send it in lower case, as the REST API takes it."""
    return value.strip().upper()


# --- Input helpers --------------------------------------------------------------------------------


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def _w3c(value: str, field: str) -> tuple[datetime, datetime]:
    """A W3C date-time (YYYY, YYYY-MM, YYYY-MM-DD or a full time with offset) as [begin, end)."""
    text = value.strip()
    # A client that forgets to encode "+07:00" in the query string sends " 07:00".
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", text)
    zone = ZoneInfo(settings.TIME_ZONE)
    moment: datetime | None = None
    try:
        match = _W3C_DATE.match(text)
        if match:
            year, month, day = int(match[1]), match[2], match[3]
            begin = date(year, int(month or 1), int(day or 1))
            _in_range(begin, field)  # before the end is computed: 9999-12-31 has no next day
            if day:
                end = begin + timedelta(days=1)
            elif month:
                end = date(year + 1, 1, 1) if int(month) == 12 else date(year, int(month) + 1, 1)
            else:
                end = date(year + 1, 1, 1)
            return datetime.combine(begin, time(), zone), datetime.combine(end, time(), zone)
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(
            400,
            f"{field}: "
            + _("“%(v)s” is not a W3C date-time (e.g. 2026-02-13T10:00:00+07:00).") % {"v": value},
        )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=zone)
    _in_range(moment, field)
    return moment, moment + timedelta(microseconds=1)


def _in_range(value: date | datetime, field: str) -> None:
    """Dates outside the working-day calendar's years (1990-2100) are refused, as everywhere else."""
    try:
        check_supported(value, ZoneInfo(settings.TIME_ZONE))
    except OutOfRange as exc:
        raise Open311Error(400, f"{field}: {range_error(exc, field).message}") from None


def _unknown_service(service_code: str) -> str:
    """The one message for a service_code that names no service, whether read (`GET services/{code}`,
    `GET requests?service_code=`) or posted (`POST requests`)."""
    return "service_code: " + _("No service “%(c)s”.") % {"c": service_code}


def _describe(exc: DomainError, service_code: str = "") -> str:
    """The service's message, prefixed with the Open311 parameter at fault. A category the intake does not
    know is said in Open311's words, as the reading calls say it."""
    field = exc.field or ""
    if (
        field == "category"
        and service_code
        and not ServiceCategory.objects.filter(
            code=service_code, domain=ServiceCategory.Domain.REPORT
        ).exists()
    ):
        return _unknown_service(service_code)
    if field.startswith("answers."):
        name = f"attribute[{field.removeprefix('answers.')}]"
    else:
        name = FIELD_NAMES.get(field, field)
    return f"{name}: {exc.message}" if name else exc.message


def _clean(value: Any) -> str:
    """A parameter's text, NFC as every stored text (a windows-1258 form writes tone marks apart)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return unicodedata.normalize("NFC", _xml_text(str(value))).strip()


def _json_value(field: str, value: Any) -> str:
    """A JSON body's value: a text, a number, true/false or null, never an object or a list (whose Python
    spelling, "{'a': 1}", would be stored as the citizen's words)."""
    if isinstance(value, dict | list):
        raise Open311Error(
            400, f"{field}: " + _("Give one value (a text or a number), not a list or an object.")
        )
    return _clean(value)


def _post_data(request: HttpRequest) -> tuple[dict[str, str], dict[str, Any], UploadedFile | None]:
    """Parameters, attribute answers and photo (`media`) of a create_request: form-encoded (the standard),
    multipart (with a photo) or JSON."""
    try:
        return _read_post_data(request)
    except RequestDataTooBig:
        from citydesk.api import too_big_message

        raise Open311Error(413, too_big_message()) from None
    except TooManyFieldsSent:
        raise Open311Error(400, _("The request has too many fields.")) from None
    except (BadRequest, MultiPartParserError):
        raise Open311Error(400, _("The body could not be read as a form.")) from None


def _field_at(body: bytes, offset: int) -> str:
    """The name of the form field whose text holds the byte at `offset` ("body" when it is in a name)."""
    start = body.rfind(b"&", 0, offset) + 1
    name, equals, _value = body[start:].partition(b"=")
    if not equals or start + len(name) >= offset:
        return "body"
    text = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace")
    if "\ufffd" in text or not text.isprintable() or len(text) > 60:
        return "body"
    return text


def _form(request: HttpRequest) -> QueryDict:
    """The fields of a form body. A form-encoded body is decoded here, strictly, as UTF-8 or in the charset
    it declares (ISO-8859-1, windows-1258 as cp1258…): Django would read a body that is not UTF-8 as
    ISO-8859-1 whole, so that one stray byte turned every "Rác thải" of the request into "RÃ¡c tháº£i".
    A byte that is no text in the charset, raw or percent-encoded (which comes out as U+FFFD), refuses the
    request naming its field, never stored as "R�c th�i"; an unknown charset refuses it too."""
    if request.content_type == "application/x-www-form-urlencoded":
        declared = (request.content_params.get("charset") or "").strip()
        try:
            encoding = codecs.lookup(declared).name if declared else _UTF8
        except LookupError:
            raise Open311Error(
                400,
                "Content-Type: "
                + _("Unknown charset “%(c)s”: send the form in UTF-8.") % {"c": _clean(declared)[:40]},
            ) from None
        body = request.body
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError as exc:
            raise Open311Error(400, f"{_field_at(body, exc.start)}: " + _not_text(encoding)) from None
        form = QueryDict(text, encoding=encoding)
    else:
        form = request.POST
        encoding = codecs.lookup(request.encoding or settings.DEFAULT_CHARSET).name
    for key, values in form.lists():
        if "\ufffd" in key:
            raise Open311Error(400, "body: " + _not_text(encoding))
        if any("\ufffd" in value for value in values):
            raise Open311Error(400, f"{key}: " + _not_text(encoding))
    return form


def _not_text(encoding: str) -> str:
    if encoding == _UTF8:
        return _("This text is not valid UTF-8: send the form in UTF-8 (or declare its charset).")
    return _("This text is not valid in %(charset)s, the charset the request declares.") % {
        "charset": encoding
    }


def _media(request: HttpRequest) -> UploadedFile | None:
    """The photo of a multipart request: one file, as `media`. Any other file is refused, not dropped."""
    if request.content_type != "multipart/form-data":
        return None
    for name, files in request.FILES.lists():
        if name != MEDIA_FIELD or len(files) > 1:
            raise Open311Error(
                400, f"{name}: " + _("Send one photo, as the “%(field)s” field.") % {"field": MEDIA_FIELD}
            )
    return request.FILES.get(MEDIA_FIELD)


def _read_post_data(request: HttpRequest) -> tuple[dict[str, str], dict[str, Any], UploadedFile | None]:
    params: dict[str, str] = {}
    attributes: dict[str, Any] = {}
    media = None
    content_type = request.content_type or ""
    if content_type == JSON_TYPE:
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise Open311Error(400, _("The body is not valid JSON.")) from None
        if not isinstance(body, dict):
            raise Open311Error(400, _("The JSON body must be an object."))
        nested = body.pop("attribute", None)
        if nested is not None:
            if not isinstance(nested, dict):
                raise Open311Error(400, "attribute: " + _("Give the answers as an object."))
            attributes.update({str(k): _json_value(f"attribute[{k}]", v) for k, v in nested.items()})
        items = [(str(key), [_json_value(str(key), value)]) for key, value in body.items()]
    elif content_type in FORM_TYPES:
        form = _form(request)
        items = [(key, [_clean(v) for v in values]) for key, values in form.lists()]
        media = _media(request)
    elif request.body:
        # A body of another type (text/plain…) would be read as no parameters at all, and refused for a
        # missing api_key that is there: its type is the fault.
        raise Open311Error(
            400,
            "Content-Type: "
            + _(
                "A body of type “%(type)s” cannot be read: send the parameters form-encoded "
                "(application/x-www-form-urlencoded, or multipart/form-data with a photo) or as a JSON object "
                "(application/json)."
            )
            % {"type": _clean(content_type)[:80] or "—"},
        )
    else:
        items = []
    questions = _question_types(items)
    for key, values in items:
        match = _ATTRIBUTE.match(key)
        if match:
            code, many = match[1], bool(match[2])
            if code in attributes:
                raise Open311Error(400, f"{key}: " + _("Give attribute[%(code)s] once.") % {"code": code})
            if many and questions.get(code, "") in LIST_ANSWER_TYPES:
                attributes[code] = [v for v in values if v != ""]
            elif many and code in questions:
                raise Open311Error(
                    400,
                    f"{key}: "
                    + _("This attribute takes a single value: send attribute[%(code)s]=… once, without “[]”.")
                    % {"code": code},
                )
            elif len(values) > 1 and not many:
                raise Open311Error(400, f"{key}: " + _("Give attribute[%(code)s] once.") % {"code": code})
            else:  # one value, or an unknown code (the intake names it)
                attributes[code] = values[-1]
        elif key == "attribute" or key.startswith("attribute["):
            raise Open311Error(400, f"{_clean(key)[:60]}: " + _("Give each answer as attribute[CODE]=value."))
        elif key in SPEC_FIELDS and len(values) > 1:
            raise Open311Error(
                400,
                f"{key}: " + _("Give this parameter once (it was given %(n)s times).") % {"n": len(values)},
            )
        else:
            params[key] = values[-1]
    return params, attributes, media


def _question_types(items: list[tuple[str, list[str]]]) -> dict[str, str]:
    """The question codes of the service a request names, with their types (from the cached categories)."""
    codes = [values[-1] for key, values in items if key == "service_code" and values]
    category = configcache.cached("report_categories", _load_categories).get(codes[0]) if codes else None
    if category is None:
        return {}
    return {q["code"]: q.get("type", "text") for q in usable_questions(category.questions)}


def _too_long(field: str, limit: int) -> Open311Error:
    return Open311Error(400, f"{field}: " + _("Too long (at most %(n)s characters).") % {"n": grouped(limit)})


def _check_lengths(params: dict[str, str]) -> None:
    """Refuse, naming the parameter, what the report could only store cut short."""
    for field, limit in MAX_LENGTHS.items():
        if len(nfc(params.get(field, ""))) > limit:
            raise _too_long(field, limit)
    name = " ".join(p for p in (params.get("last_name", ""), params.get("first_name", "")) if p)
    if len(nfc(name)) > MAX_NAME:
        raise Open311Error(
            400,
            "first_name: "
            + _("The family name and the given name together are too long (at most %(n)s characters).")
            % {"n": grouped(MAX_NAME)},
        )


def _coordinates(params: dict[str, str]) -> tuple[float | None, float | None]:
    """(lat, long) as numbers; each one that is no number is said, one error each."""
    values: dict[str, float | None] = {}
    faults = []
    for field in ("lat", "long"):
        raw = params.get(field, "")
        values[field] = None
        if raw == "":
            continue
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            value = math.nan
        if math.isfinite(value):
            values[field] = value
        else:
            faults.append(f"{field}: " + _("“%(v)s” is not a number.") % {"v": raw[:40]})
    if faults:
        raise Open311Error(400, faults[0], faults[1:])
    return values["lat"], values["long"]


# --- Views ----------------------------------------------------------------------------------------


@csrf_exempt  # a client's POST without the format gets the same answer, not the CSRF page
def no_format(request: HttpRequest, path: str) -> HttpResponse:
    """A path of the API without its format (".json" or ".xml"): the specification's error list, in JSON,
    rather than the site's HTML page not found."""
    _redact_api_key(request)
    response = error_response(
        404,
        _("Add the format to the address: %(path)s.json or %(path)s.xml.")
        % {"path": request.path.rstrip("/")},
        "json",
    )
    return _allow_any_origin(response)


PATHS = (
    "discovery, services, services/{service_code}, requests, requests/{service_request_id}, tokens/{token}"
)


@csrf_exempt
def not_found(request: HttpRequest, path: str) -> HttpResponse:
    """Any other path under /open311/v2/: the specification's error list (XML for a path ending in .xml,
    else JSON) rather than the site's HTML page not found. A known path with a final slash is told so."""
    _redact_api_key(request)
    bare = request.path.rstrip("/")
    fmt = "xml" if bare.lower().endswith(".xml") else "json"
    with _language(request):
        known = False
        if request.path.endswith("/") and bare:
            try:
                match = resolve(bare)
            except Resolver404:
                match = None
            views = {"no_format", "not_found"}
            known = match is not None and match.namespace == "open311" and match.url_name not in views
        if known:
            description = _("Remove the final slash: %(path)s.") % {"path": bare}
        else:
            description = _(
                "No Open311 path %(path)s. The paths are %(paths)s, each ending in .json or .xml."
            ) % {"path": request.path, "paths": PATHS}
        response = error_response(404, description, fmt)
        response["Content-Language"] = translation.get_language()
    return _allow_any_origin(response)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"})).rsplit("/", 1)[0]


@_open311("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    data = {
        "changeset": CHANGESET,
        "contact": getattr(settings, "CITYDESK_OPEN311_CONTACT", "")
        or _("Citizen service hotline 1022; technical questions: the city's operations centre."),
        "key_service": getattr(settings, "CITYDESK_OPEN311_KEY_SERVICE", "") or _key_service(),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": _base_url(request),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(data, "discovery", fmt)


def _key_service() -> str:
    """How a client gets an api_key, in words for the people who write the client."""
    contact = getattr(settings, "CITYDESK_OPEN311_CONTACT", "")
    if contact:
        return _(
            "Ask the city's IT department for an api_key (%(contact)s), giving your application's name and "
            "a contact person."
        ) % {"contact": contact}
    return _(
        "Ask the city's IT department for an api_key, giving your application's name and a contact person."
    )


@_open311("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    categories = ServiceCategory.objects.filter(
        domain=ServiceCategory.Domain.REPORT, is_active=True
    ).order_by("code")
    return render([_service(c) for c in categories], "services", fmt)


@_open311("GET")
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    category = ServiceCategory.objects.filter(
        code=service_code, domain=ServiceCategory.Domain.REPORT, is_active=True
    ).first()
    if category is None:
        raise Open311Error(404, _unknown_service(service_code))
    data = {
        "service_code": category.code,
        "attributes": [_attribute(q, i) for i, q in enumerate(usable_questions(category.questions), start=1)],
    }
    return render(data, "service_definition", fmt)


@_open311("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    return _search(request, fmt)


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    params, attributes, media = _post_data(request)
    client = open311_client_for_key(params.get("api_key") or request.GET.get("api_key", ""))
    if client is None:
        raise Open311Error(403, "api_key: " + _("Missing or invalid api_key; ask the city for one."))
    lat, lon = _coordinates(params)
    _check_lengths(params)
    description = params.get("description", "")
    address = params.get("address_string", "")
    if params.get("address_id") and lat is None and lon is None and not address:
        raise Open311Error(
            400,
            "address_id: "
            + _("Address ids are not used here: give the place as lat and long, or as address_string."),
        )
    media_url = params.get("media_url", "")
    if media_url:
        try:
            if len(media_url) > MAX_MEDIA_URL:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise Open311Error(400, "media_url: " + _("Give an http(s) address.")) from None
    if media is not None:
        # Checked before anything is stored, as the REST API's upload checks it: a bad file refuses the
        # request (400 media), it never leaves a report without the photo its sender believes it has.
        try:
            check_upload(media)
        except DomainError as exc:
            raise Open311Error(400, f"{MEDIA_FIELD}: {exc.message}") from None
        if settings.CITYDESK_MAX_ATTACHMENTS < 1:  # refused before anything is stored, not after
            raise Open311Error(
                400,
                f"{MEDIA_FIELD}: "
                + _("At most %(n)s files per report.") % {"n": settings.CITYDESK_MAX_ATTACHMENTS},
            )
    idempotency_key = request.headers.get("Idempotency-Key", "").strip()
    if len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
        raise Open311Error(
            400,
            "Idempotency-Key: " + _("At most %(n)s characters.") % {"n": MAX_IDEMPOTENCY_KEY},
        )
    # Vietnamese order: family name (last_name) first.
    name = " ".join(p for p in (params.get("last_name", ""), params.get("first_name", "")) if p)
    # No point: the commune/ward the address names routes it (only when exactly one unit fits: one of the
    # city's, or the only one so named, or the one an old ward went into whole).
    ward = address_ward(address) if lat is None and lon is None and address else None
    # Else the province it ends with, or that an old district or a commune it names lies in ("20 Cầu Gỗ,
    # quận Hoàn Kiếm": Hà Nội): its People's Committee triages it, or a province nobody here serves is
    # refused, not sent to this city's.
    province = address_province(address) if lat is None and lon is None and ward is None else None
    code = params.get("service_code", "")
    try:
        intake = report_submit(
            category=code or None,
            description=description,
            channel=Channel.OPEN311,
            lon=lon,
            lat=lat,
            address=address,
            ward_code=ward.code if ward else None,
            province_code=province,
            contact_name=name,
            contact_phone=params.get("phone", ""),
            contact_email=params.get("email", ""),
            answers=attributes,
            open311_client=client,
            idempotency_scope=f"open311:{client.pk}" if idempotency_key else "",
            idempotency_key=idempotency_key,
            # A browser client calls from people's own devices with a key anyone can read: its reports are
            # held to the app's per-network limit (429), a partner's server relaying many users is not
            # (`CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR` is per address: raise it for such a partner).
            network_address=request.META.get("REMOTE_ADDR", ""),
        )
    except ReportsLimited as exc:
        raise Open311Error(429, exc.message) from None
    except DomainError as exc:
        problems = exc.problems if isinstance(exc, DomainErrors) else [exc]
        point = point_problems(lon, lat) if type(exc) in (DomainError, DomainErrors) else []
        if point:  # each coordinate at fault, the latitude first (the intake names the first one only)
            problems = [*point, *(p for p in problems if p.field not in ("lon", "lat"))]
        # The standard's errors are 400, 403 and 404: a key reused for another request is a bad input.
        status = 403 if exc.status == 403 else 400
        raise Open311Error(
            status, _describe(problems[0], code), [_describe(p, code) for p in problems[1:]]
        ) from None
    report = intake.report
    _keep_media_url(report, media_url, client=client, replayed=not intake.created)
    # A replay adds the photo only if the first request's was lost (below).
    if media is not None and (intake.created or not report.attachments.exists()):
        # After the report exists, as the web form adds its photos: the image work stays outside the
        # intake's write transaction. The public copy (no metadata) is the request's `media_url`. The
        # photo was checked before the intake; should storing it still fail (a full disk), the report
        # stands — the client's retry with its Idempotency-Key adds the photo then.
        try:
            attachment_add(report=report, upload=media, actor=Actor(user_id=None, label=client.name))
        except (DomainError, OSError):
            log.exception("open311 photo not stored", extra={"report": report.code})
    data = [
        {
            "service_request_id": report.code,
            "service_notice": _service_notice(report),
            "account_id": None,
        }
    ]
    response = render(data, "service_requests", fmt, status=201)
    if not intake.created:
        response["Idempotent-Replayed"] = "true"
    return response


def _keep_media_url(report: Report, media_url: str, *, client: Open311Client, replayed: bool) -> None:
    """A client's `media_url` is kept for the handling unit as an internal note (never in the public
    description), and served back as the request's `media_url` while the report has no public photo.

    A replay must carry the same `media_url` as the first request (else its Idempotency-Key was reused for
    another request: 400, nothing added); one whose first request's note was lost adds it, as a photo."""
    stored = None
    if replayed:
        stored = _media_url_notes().filter(report=report).values_list("url", flat=True).first()
        if stored is not None and stored != media_url:
            raise Open311Error(
                400,
                "Idempotency-Key: "
                + _(
                    "This Idempotency-Key was already used for a different report: send a new key for a "
                    "new report."
                ),
            )
    if media_url and stored is None:
        _event(
            report,
            Actor(user_id=None, label=client.name),
            ReportEvent.Kind.NOTE,
            note=f"media_url: {media_url}",
            note_args={MEDIA_URL_ARG: media_url},
            public=False,
        )


def _search(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    reports = _public_reports()
    ids = _csv(params.get("service_request_id"))
    if ids:
        # The standard: a list of ids overrides every other argument.
        reports = reports.filter(code__in=[_code(i) for i in ids[:MAX_RESULTS]])
    else:
        codes = _csv(params.get("service_code"))
        if codes:
            known = set(
                ServiceCategory.objects.filter(
                    code__in=codes, domain=ServiceCategory.Domain.REPORT
                ).values_list("code", flat=True)
            )
            unknown = [c for c in codes if c not in known]
            if unknown:  # a typo is said, as by the service definition, not answered with an empty list
                raise Open311Error(400, _unknown_service(unknown[0]))
            reports = reports.filter(category__code__in=codes)
        statuses = {s.lower() for s in _csv(params.get("status"))}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status: " + _("Use open, closed or both (comma-separated)."))
        if statuses == {"open"}:
            reports = reports.filter(status__in=OPEN_STATUSES)
        elif statuses == {"closed"}:
            reports = reports.exclude(status__in=OPEN_STATUSES)
        start = _w3c(params["start_date"], "start_date")[0] if params.get("start_date") else None
        end = _w3c(params["end_date"], "end_date")[1] if params.get("end_date") else None
        if start is None and end is None:
            start = timezone.now() - WINDOW
        elif start is None:
            start = end - WINDOW
        elif end is None:
            end = start + WINDOW
        if end is not None:
            if end <= start:
                raise Open311Error(400, "end_date: " + _("The end date is before the start date."))
            # One day of grace: a date-only end_date counts its whole day.
            if end - start > WINDOW + timedelta(days=1):
                raise Open311Error(
                    400, "end_date: " + _("A search may not span more than %(n)s days.") % {"n": WINDOW.days}
                )
            reports = reports.filter(created_at__lt=end)
        reports = reports.filter(created_at__gte=start)
    reports = reports.order_by("-created_at", "-pk")[:MAX_RESULTS]
    extensions = _flag(params.get("extensions"))
    data = [_request_item(request, r, extensions=extensions) for r in reports]
    return render(data, "service_requests", fmt)


@_open311("GET")
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    report = _public_reports().filter(code=_code(service_request_id)).first()
    if report is None:
        raise Open311Error(
            404, "service_request_id: " + _("No service request %(id)s.") % {"id": service_request_id}
        )
    data = [_request_item(request, report, extensions=_flag(request.GET.get("extensions")))]
    return render(data, "service_requests", fmt)


@_open311("GET")
def token_lookup(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """Requests are created synchronously, so a token is never pending: it is the tracking code."""
    code = _shown().filter(code=_code(token)).values_list("code", flat=True).first()
    if code is None:
        raise Open311Error(404, "token: " + _("No request for token %(t)s.") % {"t": token})
    # The token as it is written (a tracking code, in capitals), whatever the case it was asked in.
    return render([{"service_request_id": code, "token": code}], "service_requests", fmt)
