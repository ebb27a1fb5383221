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
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt

from citydesk.core.audit import Actor, audit_record
from citydesk.core.calendar import range_error
from citydesk.core.errors import Conflict, DomainError, DomainErrors
from citydesk.core.models import ServiceCategory
from citydesk.core.numbers import parse_number
from citydesk.core.validators import usable_questions
from citydesk.lib.privacy import hide_contacts
from citydesk.lib.text import nfc, nfc_lines, search_key
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
from citydesk.reports.places import province_in_address, ward_in_address
from citydesk.reports.services import report_submit

log = logging.getLogger("citydesk.open311")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-21T00:00:00+07:00"  # last change of this endpoint's behaviour
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MAX_RESULTS = 1000
WINDOW = timedelta(days=90)
KEY_PREFIX = "o311_"
MAX_IDEMPOTENCY_KEY = 120
MAX_MEDIA_URL = 1000
MAX_ANSWER = 500  # a free-text attribute, as the service definitions say
# A number question's answer: the questions state no bounds (core.validators.QUESTION_KEYS) and every one
# asks a quantity (a depth, a water level, a count), so from 0 to a bound no real answer reaches.
MAX_NUMBER = 1_000_000
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
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\]$")
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


def _choice(choice: Any) -> dict[str, str]:
    if isinstance(choice, dict):
        key = choice.get("key", choice.get("value", ""))
        name = choice.get("name_en" if _english() else "name") or choice.get("name") or choice.get("label")
        return {"key": str(key), "name": str(name or key)}
    return {"key": str(choice), "name": str(choice)}


def _attribute(question: dict[str, Any], order: int) -> dict[str, Any]:
    kind = question.get("type", "text")
    label = (question.get("label_en") if _english() else None) or question.get("label") or question["code"]
    descriptions = {
        "number": _("A number."),
        "text": _("Free text (at most 500 characters)."),
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
        attribute["values"] = [_choice(c) for c in question.get("choices", [])]
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
    """The first public photo: its metadata-free copy, served by the REST API's public file endpoint."""
    for attachment in getattr(report, "public_attachments", None) or []:
        if attachment.public_file:
            return request.build_absolute_uri(
                f"/api/v1/reports/{report.code}/attachments/{attachment.pk}/public"
            )
    return ""


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
    latest public event comes in the same query (the (report, at) index serves it)."""
    attachments = Attachment.objects.filter(public=True).exclude(public_file="").order_by("pk")
    latest = ReportEvent.objects.filter(report=OuterRef("pk"), public=True).order_by("-at").values("at")[:1]
    return (
        _shown()
        .select_related("category", "unit", "ward", "duplicate_of")
        .prefetch_related(Prefetch("attachments", queryset=attachments, to_attr="public_attachments"))
        .annotate(last_public_event=Subquery(latest))
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


def _post_data(request: HttpRequest) -> tuple[dict[str, str], dict[str, str], UploadedFile | None]:
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


def _form(request: HttpRequest) -> QueryDict:
    """The fields of a form body. Django reads form-encoded bodies as UTF-8 only (it refuses a declared
    charset with its HTML error page): one Python can decode (ISO-8859-1, windows-1258 as cp1258…) is read
    in it here. Bytes that are not text in the charset (Latin-1 sent without a charset, as UTF-8) come out
    as U+FFFD: refused naming the field, never stored as "R�c th�i"."""
    encoding = request.encoding
    if (
        request.content_type == "application/x-www-form-urlencoded"
        and encoding
        and codecs.lookup(encoding).name != _UTF8
    ):
        form = QueryDict(request.body, encoding=encoding)
    else:
        form = request.POST
    for key, values in form.lists():
        if "\ufffd" in key or any("\ufffd" in value for value in values):
            raise Open311Error(
                400,
                f"{key}: "
                + _("This text is not valid UTF-8: send the form in UTF-8 (or declare its charset)."),
            )
    return form


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


def _read_post_data(request: HttpRequest) -> tuple[dict[str, str], dict[str, str], UploadedFile | None]:
    params: dict[str, str] = {}
    attributes: dict[str, str] = {}
    media = None
    if request.content_type == "application/json":
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
        items = [(str(key), _json_value(str(key), value)) for key, value in body.items()]
    else:
        form = _form(request)
        items = [(key, _clean(form.get(key))) for key in form]
        media = _media(request)
    for key, value in items:
        match = _ATTRIBUTE.match(key)
        if match:
            attributes[match[1]] = value
        else:
            params[key] = value
    return params, attributes, media


def _too_long(field: str, limit: int) -> Open311Error:
    return Open311Error(400, f"{field}: " + _("Too long (at most %(n)s characters).") % {"n": limit})


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
            % {"n": MAX_NAME},
        )


def _check_attributes(service_code: str, attributes: dict[str, str]) -> None:
    """Number answers must be numbers from 0 to MAX_NUMBER (a quantity: 1e308 or -5 cm is no answer);
    free-text answers fit their 500 characters."""
    if not attributes or not service_code:
        return
    category = ServiceCategory.objects.filter(code=service_code, domain=ServiceCategory.Domain.REPORT).first()
    for question in (usable_questions(category.questions)) if category else []:
        code = question.get("code")
        value = attributes.get(code, "")
        if not code or value == "":
            continue
        kind = question.get("type", "text")
        label = (question.get("label_en") if _english() else None) or question.get("label") or code
        if kind == "number":
            try:
                number = parse_number(value)
            except ValueError:
                raise Open311Error(
                    400, f"attribute[{code}]: " + _("“%(q)s” must be a number.") % {"q": label}
                ) from None
            if not 0 <= number <= MAX_NUMBER:
                raise Open311Error(
                    400,
                    f"attribute[{code}]: "
                    + _("“%(q)s” must be a number from 0 to %(max)s.")
                    % {"q": label, "max": number_format(MAX_NUMBER, force_grouping=True)},
                )
        elif kind != "choice" and len(nfc(value)) > MAX_ANSWER:
            raise _too_long(f"attribute[{code}]", MAX_ANSWER)


def _coordinate(params: dict[str, str], field: str) -> float | None:
    raw = params.get(field, "")
    if raw == "":
        return None
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise Open311Error(400, f"{field}: " + _("“%(v)s” is not a number.") % {"v": raw})
    return value


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


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"})).rsplit("/", 1)[0]


@_open311("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    data = {
        "changeset": CHANGESET,
        "contact": getattr(
            settings,
            "CITYDESK_OPEN311_CONTACT",
            _("Citizen service hotline 1022; technical questions: the city's operations centre."),
        ),
        "key_service": getattr(
            settings,
            "CITYDESK_OPEN311_KEY_SERVICE",
            _("Ask the city's operations centre for an api_key (it runs `citydesk create-api-key`)."),
        ),
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
    lat = _coordinate(params, "lat")
    lon = _coordinate(params, "long")
    _check_lengths(params)
    _check_attributes(params.get("service_code", ""), attributes)
    description = params.get("description", "")
    media_url = params.get("media_url", "")
    if media_url:
        try:
            if len(media_url) > MAX_MEDIA_URL:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise Open311Error(400, "media_url: " + _("Give an http(s) address.")) from None
        if description:
            description = f"{description}\nmedia_url: {media_url}"
            if len(nfc_lines(description)) > MAX_LENGTHS["description"]:
                raise Open311Error(
                    400,
                    "media_url: "
                    + _(
                        "With the media_url appended, the description is too long (at most %(n)s characters)."
                    )
                    % {"n": MAX_LENGTHS["description"]},
                )
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
    address = params.get("address_string", "")
    # No point: the commune/ward the address names routes it (only when exactly one unit fits).
    ward = ward_in_address(address) if lat is None and lon is None and address else None
    # Else the province it names, if one ("…, Tỉnh Cao Bằng"): its People's Committee triages it, or a
    # province nobody here serves is refused, not sent to this city.
    province = province_in_address(address) if lat is None and lon is None and ward is None else None
    try:
        intake = report_submit(
            category=params.get("service_code") or None,
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
        )
    except DomainError as exc:
        problems = exc.problems if isinstance(exc, DomainErrors) else [exc]
        code = params.get("service_code", "")
        raise Open311Error(
            exc.status, _describe(problems[0], code), [_describe(p, code) for p in problems[1:]]
        ) from None
    report = intake.report
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
    return render([{"service_request_id": code, "token": token}], "service_requests", fmt)
