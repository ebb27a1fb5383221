"""The URL sweep: every URL pattern of the site, filled from real objects, opened by every persona.

Each pattern of `get_resolver()` (the pages, the REST API under /api/v1/, Open311 under /open311/v2/ and
the back office under /quan-tri/) has an entry in ROUTES (the back office's model pages: admin_routes())
saying how to fill its converters; a new pattern without one fails `test_every_pattern_has_a_route`.

- GET sweep: each URL opened by an anonymous visitor, a citizen who owns nothing, an outsider (officer of
  another ward) and every staff persona. No 5xx; a URL not in PUBLIC_GET refuses the anonymous visitor
  (a page: 302 to a log-in page; the API: 401 or 403) and one in PUBLIC_GET does not (the list is exact:
  a new public URL is added deliberately); one in DEVICE_ONLY (the desk's tablet) refuses everyone
  without the paired tablet's cookie (403), and opens for the tablet; a URL of an object of Bến Thành ward (`scoped`) refuses the
  outsider (403 or 404); what the ward keeps to itself (a non-public report, the applicant's name, phone
  and e-mail, its directive, its finding) never shows to the strangers, nor the ward's case codes on the
  pages that are not public; every refusal of the REST API has the API's `Error` body.
- POST sweep: an empty POST to every URL as the anonymous visitor and the outsider (and, under /api/v1/,
  with the outsider's bearer token through a client that makes the CSRF check): no 5xx, no change to the
  data (the row count of every table and the `version` of every case, before and after).
- Bad input: unknown codes and ids past 64 bits in the path, values nobody expects (text, negative,
  overflowing, impossible dates, a NUL character, very long) in every query parameter a page's GET forms
  and links send or the OpenAPI schema lists, and JSON bodies of the schema's shape with the same: no 5xx.
- Forms replayed: every POST form of the ward's pages (and of the owner's tracking pages), filled as by
  its first button, sent by the strangers: nothing changes (but STRANGERS_MAY).
- Filters: the outsider and a citizen point every filter of the lists they may open at the ward.

The objects are built once for the module, in a transaction rolled back at its end.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urljoin, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from PIL import Image

from citydesk.core.audit import Actor
from citydesk.core.models import User
from citydesk.core.powers import Power
from citydesk.core.services import api_token_create, delegation_grant
from citydesk.dossiers import payments
from citydesk.dossiers.models import Campaign, Dossier, DossierDocument, Payment, Procedure, Status
from citydesk.dossiers.services import Applicant, Upload, dossier_receive
from citydesk.dossiers.services.campaigns import campaign_create
from citydesk.dossiers.services.common import rating_token
from citydesk.indicators.models import Finding, IndicatorGroup
from citydesk.indicators.services.values import values_set_many
from citydesk.ioc.directives import directive_issue
from citydesk.ioc.models import Directive
from citydesk.ratings.kiosk_views import KIOSK_COOKIE
from citydesk.ratings.services import desk_transaction_open, rating_submit_kiosk
from citydesk.reports.attachments import attachment_add
from citydesk.reports.models import Attachment, Report
from citydesk.reports.open311 import open311_client_create
from citydesk.reports.services import report_follow
from citydesk.reports.services.common import unfollow_key
from tests.conftest import Personas, _user, personas
from tests.dossiers.conftest import catalog
from tests.indicators.entry_fixtures import make_catalog
from tests.ratings.kiosks import pair_kiosk
from tests.reports.conftest import categories, submit_report

pytestmark = pytest.mark.django_db

KIOSK = "BT-QUAY-1"
PERIOD = "2026-03"
APPLICANT_PHONE = "0903123456"
OWNER_EMAIL = "chu.ho.so@example.vn"
PDF = b"%PDF-1.4\n% a small test file\n"


# --- The objects -----------------------------------------------------------------------------------


@dataclass
class World:
    p: Personas
    owner: User  # the citizen who filed the report and owns the finished dossier
    superuser: User
    report: Report  # public, at Bến Thành, handled by the ward
    hidden: Report  # not public: only its reporter and the ward see it
    attachment: Attachment
    follower_key: str
    dossier: Dossier  # received online at the ward, with an uploaded paper
    paper: DossierDocument
    fee_dossier: Dossier  # the land procedure (a fee), the owner's
    payment: Payment
    finished: Dossier  # returned to the owner: rateable
    procedure: Procedure
    campaign: Campaign
    directive: Directive
    group: IndicatorGroup
    indicator_code: str
    finding: Finding
    delegation_id: int
    outsider_token: str  # the outsider's API bearer token
    kiosk_secret: str  # the secret of the ward's paired tablet KIOSK (its cookie)
    sessions: dict[str, str] = field(default_factory=dict)

    def user(self, role: str) -> User | None:
        if role == "anonymous":
            return None
        if role == "superuser":
            return self.superuser
        if role == "owner":
            return self.owner
        return getattr(self.p, role)


ROLES = (
    "anonymous",
    "citizen",
    "outsider",
    "operator",
    "officer",
    "deputy",
    "head",
    "leader",
    "inspector",
    "admin",
    "department_head",
    "superuser",
)


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("o-ga.png", buffer.getvalue(), "image/png")


def build_world() -> World:
    # The suite's own fixtures, called as functions (`__wrapped__`): built once here, not per test.
    p = personas.__wrapped__(None)
    categories.__wrapped__(p)
    cat = catalog.__wrapped__(p)
    owner = _user("owner", "Chủ Hồ Sơ")
    owner.email = OWNER_EMAIL
    owner.save(update_fields=["email"])
    superuser = User.objects.create_superuser(username="root", password="pw-root", email="root@example.vn")

    report = submit_report(reporter=owner, contact_email=OWNER_EMAIL, contact_phone=APPLICANT_PHONE)
    hidden = submit_report(description="Phản ánh kín về cán bộ", is_public=False, reporter=owner)
    attachment = attachment_add(report=report, upload=_png(), actor=Actor.system("test"))
    follower = report_follow(code=report.code, email="nguoi.theo.doi@example.vn")

    documents = {d.name: d.pk for d in cat.birth.documents.all()}
    dossier = dossier_receive(
        user=None,
        procedure_code=cat.birth.code,
        unit_code=p.ward.code,
        channel="online",
        applicant=Applicant(name="Nguyễn Văn An", phone=APPLICANT_PHONE, email=OWNER_EMAIL),
        uploads=[Upload(document_id=documents["Tờ khai"], file=SimpleUploadedFile("to-khai.pdf", PDF))],
    ).dossier
    Dossier.objects.filter(pk=dossier.pk).update(applicant=owner)
    dossier.refresh_from_db()
    required = [d.pk for d in cat.land.documents.all() if d.required]
    fee_dossier = dossier_receive(
        user=p.officer,
        procedure_code=cat.land.code,
        unit_code=p.ward.code,
        channel="desk",
        applicant=Applicant(name="Nguyễn Văn An", phone=APPLICANT_PHONE),
        provided=required,
    ).dossier
    Dossier.objects.filter(pk=fee_dossier.pk).update(applicant=owner)
    payment = payments.payment_start(dossier=fee_dossier, user=owner)
    finished = dossier_receive(
        user=p.officer,
        procedure_code=cat.copy.code,
        unit_code=p.ward.code,
        channel="desk",
        applicant=Applicant(name="Nguyễn Văn An", phone=APPLICANT_PHONE),
        provided=[d.pk for d in cat.copy.documents.all() if d.required],
    ).dossier
    Dossier.objects.filter(pk=finished.pk).update(applicant=owner, status=Status.RETURNED)
    finished.refresh_from_db()

    today = timezone.localdate()
    campaign = campaign_create(
        user=p.leader,
        name="Tháng giải quyết trong ngày",
        start_date=today,
        end_date=today + timedelta(days=30),
        procedure_codes=[cat.copy.code],
        unit_codes=[p.ward.code],
    )
    kiosk_secret = pair_kiosk(KIOSK, p.ward)
    pair_kiosk("BT-QUAY-2", p.ward)
    rated = desk_transaction_open(user=p.officer, unit=p.ward, procedure=cat.birth, kiosk="BT-QUAY-2")
    rating_submit_kiosk(
        transaction_code=rated.code, level="satisfied", comment="Cán bộ tận tình", kiosk="BT-QUAY-2"
    )
    desk_transaction_open(user=p.officer, unit=p.ward, procedure=cat.birth, kiosk=KIOSK)  # waiting
    directive = directive_issue(p.leader, report_code=report.code, text="Khắc phục ngay ổ gà trước chợ")

    indicators = make_catalog(p)
    values_set_many(
        user=p.officer, unit_code=p.ward.code, period=PERIOD, values={"REV": "120", "FIRMS": "12"}
    )
    finding = Finding.objects.create(
        indicator=indicators.revenue,
        unit=p.ward,
        period_type="M",
        period=date(2026, 3, 1),
        value=126,
        expected=33,
        score=6.1,
        method="seasonal",
        explanation="Giá trị 126 tỷ đồng bằng 3,8 lần mức thường thấy.",
    )
    delegation = delegation_grant(
        user=p.department_head,
        organisation=p.department,
        powers=[Power.DOSSIER_APPROVE],
        start_date=today,
        end_date=today + timedelta(days=30),
        delegate_organisation=p.ward,
    )
    open311_client_create(actor=Actor.system("test"), name="Ứng dụng thử")  # the back office lists it
    return World(
        p=p,
        owner=owner,
        superuser=superuser,
        report=report,
        hidden=hidden,
        attachment=attachment,
        follower_key=unfollow_key(follower.pk, report.code),
        dossier=dossier,
        paper=dossier.documents.get(),
        fee_dossier=fee_dossier,
        payment=payment,
        finished=finished,
        procedure=cat.birth,
        campaign=campaign,
        directive=directive,
        group=indicators.group,
        indicator_code=indicators.revenue.code,
        finding=finding,
        delegation_id=delegation.pk,
        outsider_token=api_token_create(actor=Actor.system("test"), user=p.outsider),
        kiosk_secret=kiosk_secret,
    )


@pytest.fixture(scope="module")
def world(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The objects, built once for the module inside a transaction rolled back at its end (each test
    runs in a savepoint inside it, as with Django's `TestCase.setUpTestData`)."""
    overrides = override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("sweep-media"),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    with django_db_blocker.unblock(), overrides:
        atomic = transaction.atomic()
        atomic._from_testcase = True  # type: ignore[attr-defined]  # durable blocks may nest in it
        atomic.__enter__()
        try:
            built = build_world()
            for role in (*ROLES, "owner"):
                user = built.user(role)
                if user is not None:
                    login = Client()
                    login.force_login(user)
                    built.sessions[role] = login.cookies[settings.SESSION_COOKIE_NAME].value
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


_CLIENTS: dict[bool, Client] = {}


def client_for(world: World, role: str, *, csrf_checks: bool = False) -> Client:
    """A client logged in as `role` (no cookie but the session's). The clients are kept: a new one loads
    the middleware again, and WhiteNoise's scans the static files (most of a short request's time)."""
    client = _CLIENTS.get(csrf_checks)
    if client is None:
        client = _CLIENTS[csrf_checks] = Client(enforce_csrf_checks=csrf_checks)
    client.cookies = SimpleCookie()
    if role in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def call(client: Client, method: str, path: str, problems: list[str], said: str, **extra: Any) -> Any:
    """The response, or None with the exception the view raised added to `problems` (a 500 for users)."""
    try:
        return getattr(client, method)(path, **extra)
    except Exception as exc:  # the test client re-raises what the view raised
        problems.append(f"{method.upper()} {path} as {said}: raised {type(exc).__name__}: {exc}")
        return None


# --- The patterns ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name", or "namespace:route" for an unnamed pattern
    route: str
    name: str | None


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            label = entry.name or route
            yield Pattern(key=f"{namespace}:{label}" if namespace else label, route=route, name=entry.name)


def all_patterns() -> dict[str, Pattern]:
    found: dict[str, Pattern] = {}
    for pattern in _walk(get_resolver()):
        found.setdefault(pattern.key, pattern)
    return found


# --- How to fill each pattern -------------------------------------------------------------------------

Fill = Callable[[World], dict[str, Any]]


Text = str | Callable[[World], str]


@dataclass(frozen=True)
class Route:
    """How to fill one pattern: `kwargs` for reverse() (or `path`, a ready path) and a query string;
    `scoped`: the object belongs to Bến Thành ward, so the outsider must be refused; `prime`: a path
    each visitor opens first (the citizen's link that grants a session its access); `also`: more
    concrete URLs of the same pattern (another object), checked the same way; `same_for_all`: the answer
    does not depend on who asks (opened by two personas only); `fuzz_like`: an export that takes the
    filters of that page."""

    kwargs: Fill = lambda w: {}
    path: Callable[[World], str] | None = None
    query: Text = ""
    scoped: bool = False
    prime: Callable[[World], str] | None = None
    also: tuple[Route, ...] = ()
    same_for_all: bool = False
    heavy: bool = False  # a PDF built for each reader: opened by the strangers and two staff personas
    fuzz_like: str = ""  # an export: the query parameters of this page's forms apply to it


def _text(value: Text, world: World) -> str:
    return value(world) if callable(value) else value


def _report(w: World) -> dict[str, Any]:
    return {"code": w.report.code}


def _hidden(w: World) -> dict[str, Any]:
    return {"code": w.hidden.code}


def _dossier(w: World) -> dict[str, Any]:
    return {"code": w.dossier.code}


NONE = Route()
REPORT = Route(kwargs=_report, scoped=True, also=(Route(kwargs=_hidden, scoped=True),))
PUBLIC_REPORT = Route(kwargs=_report, also=(Route(kwargs=_hidden),))
DOSSIER = Route(kwargs=_dossier, scoped=True)
OPEN311 = {"fmt": "json"}

ROUTES: dict[str, Route] = {
    # --- site root, i18n
    "healthz": NONE,
    "favicon": NONE,
    "set_language": NONE,
    # --- web
    "web:home": NONE,
    "web:login": NONE,
    "web:logout": NONE,
    "web:calendar": NONE,
    "web:units": NONE,
    "web:my_reports": NONE,
    "web:my_dossiers": NONE,
    "web:inbox": NONE,
    "web:audit": NONE,
    # --- reports (1022)
    "reports:new": NONE,
    "reports:public_list": NONE,
    "reports:sent": PUBLIC_REPORT,
    "reports:wards_geojson": Route(query="province=79"),
    "reports:lookup": Route(query="code=PA-26-999999"),
    "reports:track": PUBLIC_REPORT,
    "reports:rate": PUBLIC_REPORT,
    "reports:follow": PUBLIC_REPORT,
    "reports:reply": PUBLIC_REPORT,
    "reports:unfollow": Route(kwargs=lambda w: {"key": w.follower_key}),
    "reports:hotline": NONE,
    "reports:hotline_suggest": Route(query="q=o+ga"),
    "reports:hotline_lookup": Route(query=lambda w: f"code={w.report.code}"),
    "reports:hotline_report": REPORT,
    "reports:queue": NONE,
    "reports:bulk_assign": NONE,
    "reports:officer": REPORT,
    "reports:action": REPORT,
    "reports:note": REPORT,
    "reports:attach": REPORT,
    "reports:merge": REPORT,
    "reports:unmerge": REPORT,
    "reports:pause": REPORT,
    "reports:resume": REPORT,
    # --- operations center
    "ioc:overview": NONE,
    "ioc:overview_xlsx": Route(fuzz_like="ioc:overview"),
    "ioc:overview_pdf": Route(fuzz_like="ioc:overview", heavy=True),
    "ioc:directives": NONE,
    "ioc:directive_new": NONE,
    "ioc:directive_acknowledge": Route(kwargs=lambda w: {"pk": w.directive.pk}, scoped=True),
    "ioc:directive_complete": Route(kwargs=lambda w: {"pk": w.directive.pk}, scoped=True),
    "ioc:directive_cancel": Route(kwargs=lambda w: {"pk": w.directive.pk}, scoped=True),
    "ioc:directive_follow_up": Route(kwargs=lambda w: {"pk": w.directive.pk}, scoped=True),
    # --- procedure catalog
    "dossiers_catalog:list": NONE,
    "dossiers_catalog:manage": NONE,
    "dossiers_catalog:download": NONE,
    "dossiers_catalog:blank": NONE,
    "dossiers_catalog:detail": Route(kwargs=lambda w: {"code": w.procedure.code}),
    "dossiers_catalog:template": Route(kwargs=lambda w: {"code": w.procedure.code, "position": 1}),
    # --- campaigns, backlog, targets
    "dossiers_campaigns:list": NONE,
    "dossiers_campaigns:create": NONE,
    "dossiers_campaigns:detail": Route(kwargs=lambda w: {"pk": w.campaign.pk}),
    "dossiers_campaigns:edit": Route(kwargs=lambda w: {"pk": w.campaign.pk}),
    "dossiers_campaigns:export": Route(
        kwargs=lambda w: {"pk": w.campaign.pk}, fuzz_like="dossiers_campaigns:detail"
    ),
    "dossiers_campaigns:backlog": NONE,
    "dossiers_campaigns:targets": NONE,
    "dossiers_campaigns:target_save": NONE,
    # --- one-stop desk (officers)
    "dossiers:desk": NONE,
    "dossiers:queue": NONE,
    "dossiers:dossier": DOSSIER,
    "dossiers:action": DOSSIER,
    "dossiers:note": DOSSIER,
    "dossiers:received": DOSSIER,
    "dossiers:rating_open": DOSSIER,
    "dossiers:receipt": Route(kwargs=_dossier, scoped=True, heavy=True),
    "dossiers:slip_supplement": Route(kwargs=_dossier, scoped=True, heavy=True),
    "dossiers:slip_refusal": Route(kwargs=_dossier, scoped=True, heavy=True),
    "dossiers:slip_apology": Route(kwargs=_dossier, scoped=True, heavy=True),
    "dossiers:apology": DOSSIER,
    "dossiers:result_attach": DOSSIER,
    "dossiers:result_file": Route(kwargs=_dossier, scoped=True),
    "dossiers:applicant_result": Route(kwargs=_dossier),
    "dossiers:document": Route(kwargs=lambda w: {"code": w.dossier.code, "pk": w.paper.pk}, scoped=True),
    # --- one-stop (citizens)
    "dossiers:file": Route(kwargs=lambda w: {"procedure_code": w.procedure.code}),
    "dossiers:filed": Route(kwargs=_dossier),
    "dossiers:pay_start": Route(kwargs=lambda w: {"code": w.fee_dossier.code}),
    "dossiers:pay": Route(
        kwargs=lambda w: {"reference": w.payment.reference},
        prime=lambda w: f"/ho-so/tra-cuu/{w.fee_dossier.code}/?t={w.fee_dossier.citizen_token}",
    ),
    "dossiers:lookup": Route(query="code=HS-26-999999"),
    "dossiers:track": Route(kwargs=_dossier),
    "dossiers:supplement": Route(kwargs=_dossier),
    "dossiers:withdraw": Route(kwargs=_dossier),
    "dossiers:applicant_document": Route(
        kwargs=lambda w: {"code": w.dossier.code, "pk": w.paper.pk},
        query=lambda w: f"t={w.dossier.citizen_token}",
    ),
    # --- ratings
    "ratings:kiosk": Route(kwargs=lambda w: {"kiosk": KIOSK}),
    "ratings:kiosk_state": Route(kwargs=lambda w: {"kiosk": KIOSK}),
    # The ward's kiosk (its officers, head, leader and the administrators pair it) and a new code.
    "ratings:kiosk_pair": Route(
        kwargs=lambda w: {"kiosk": KIOSK}, scoped=True, also=(Route(kwargs=lambda w: {"kiosk": "QUAY-MOI"}),)
    ),
    "ratings:desk": NONE,
    "ratings:by_code": NONE,
    "ratings:dossier": Route(
        kwargs=lambda w: {"code": w.finished.code}, query=lambda w: f"t={rating_token(w.finished)}"
    ),
    "ratings:stats": NONE,
    "ratings:stats_xlsx": Route(fuzz_like="ratings:stats"),
    "ratings:import": NONE,
    # --- indicators
    "indicators_entry:choose": NONE,
    "indicators_entry:import": NONE,
    "indicators_entry:template": Route(query=f"group=G01&unit=26743&period={PERIOD}", scoped=True),
    "indicators_entry:findings": NONE,
    "indicators_entry:form": Route(
        kwargs=lambda w: {"group": w.group.code, "unit": w.p.ward.code, "period": PERIOD}, scoped=True
    ),
    "indicators_entry:progress": NONE,
    "indicators_entry:remind": NONE,
    "indicators_entry:remind_all": NONE,
    "indicators_entry:review": Route(
        kwargs=lambda w: {"group": w.group.code, "unit": w.p.ward.code, "period": PERIOD}, scoped=True
    ),
    "indicators:summary": NONE,
    "indicators:group": Route(kwargs=lambda w: {"code": w.group.code}),
    "indicators:indicator": Route(kwargs=lambda w: {"code": w.indicator_code}),
    "indicators:export_xlsx": Route(fuzz_like="indicators:summary"),
    "indicators:export_pdf": Route(fuzz_like="indicators:summary", heavy=True),
    "indicators:finding_action": Route(
        kwargs=lambda w: {"pk": w.finding.pk, "action": "explain"}, scoped=True
    ),
    # --- Open311 GeoReport v2
    "open311:discovery": Route(kwargs=lambda w: OPEN311),
    "open311:services": Route(kwargs=lambda w: OPEN311),
    "open311:service": Route(kwargs=lambda w: {**OPEN311, "service_code": "road_damage"}),
    "open311:requests": Route(kwargs=lambda w: OPEN311),
    "open311:request": Route(kwargs=lambda w: {**OPEN311, "service_request_id": w.report.code}),
    "open311:token": Route(kwargs=lambda w: {**OPEN311, "token": w.report.code}),
    "open311:no_format": Route(kwargs=lambda w: {"path": "requests"}),
    "open311:not_found": Route(kwargs=lambda w: {"path": "tokens.json"}),
    # --- REST API
    "api:api-root": NONE,
    "api:openapi-json": Route(same_for_all=True),  # the schema: slow to build, the same for everyone
    "api:openapi-view": Route(same_for_all=True),
    "api:unknown-path": Route(path=lambda w: "/api/v1/khong-co-duong-nay"),
    "api:calendar_due": Route(query="received=2026-03-02T09:00:00%2B07:00&working_days=5"),
    "api:calendar_holidays": Route(query="year=2026"),
    "api:calendar_override": NONE,
    "api:unit_list": Route(query="q=ben+thanh"),
    "api:unit_locate": Route(query="lon=106.694&lat=10.7713"),
    "api:unit_convert_legacy": Route(
        query=urlencode({"address": "Phường Bến Thành, Quận 1, TP Hồ Chí Minh"})
    ),
    "api:unit_detail": Route(kwargs=lambda w: {"code": w.p.ward.code}),
    "api:me": NONE,
    "api:me_update": NONE,
    "ratings:import_template": NONE,
    "api:token_create": NONE,
    "api:signup_request": NONE,
    "api:signup_confirm": NONE,
    "api:password_reset_request": NONE,
    "api:password_reset_confirm": NONE,
    "web:signup": NONE,
    "web:signup_confirm": NONE,
    "web:password_reset": NONE,
    "web:password_reset_confirm": NONE,
    "api:token_delete": NONE,
    "api:my_reports": NONE,
    "api:delegation_create": NONE,
    "api:delegation_list": NONE,
    "api:delegation_revoke": Route(kwargs=lambda w: {"delegation_id": w.delegation_id}),
    "api:authority_check": Route(query="power=dossiers.approve&organisation=26743"),
    "api:audit_list": NONE,
    "api:audit_access_list": NONE,
    "api:notification_inbox": NONE,
    "api:notification_read": Route(kwargs=lambda w: {"notification_id": 1}),
    "api:notification_read_all": NONE,
    "api:report_create": NONE,
    "api:category_list": NONE,
    "api:report_queue": NONE,
    "api:report_public_list": NONE,
    "api:report_duplicates": Route(query="category=road_damage&lon=106.6946&lat=10.7714"),
    "api:report_stats": NONE,
    "api:report_bulk_assign": NONE,
    "api:report_detail": PUBLIC_REPORT,  # public: the view without the reporter's data
    "api:report_action": REPORT,
    "api:report_add_note": REPORT,
    "api:report_merge": REPORT,
    "api:report_unmerge": REPORT,
    "api:report_pause": REPORT,
    "api:report_resume": REPORT,
    "api:report_rating": PUBLIC_REPORT,
    "api:report_follow": PUBLIC_REPORT,
    "api:reporter_reply": PUBLIC_REPORT,
    "api:report_follow_confirm": PUBLIC_REPORT,
    "api:report_attach": REPORT,
    "api:report_attachment_file": Route(
        kwargs=lambda w: {"code": w.report.code, "attachment_id": w.attachment.pk, "variant": "public"}
    ),
    "api:procedure_list": NONE,
    "api:procedure_detail": Route(kwargs=lambda w: {"code": w.procedure.code}),
    "api:dossier_receive_at_desk": NONE,
    "api:dossier_queue": NONE,
    "api:dossier_file_online": NONE,
    "api:dossier_detail": Route(kwargs=_dossier),  # public: the view without the applicant's data
    "api:dossier_action": DOSSIER,
    "api:dossier_supplement": DOSSIER,
    "api:my_follows": NONE,
    "api:report_unfollow": PUBLIC_REPORT,
    "api:my_dossiers": NONE,
    "api:dossier_payment": Route(kwargs=_dossier),
    "api:dossier_document_file": Route(
        kwargs=lambda w: {"code": w.dossier.code, "paper_id": w.paper.pk}, scoped=True
    ),
    "api:dossier_result_file": Route(kwargs=_dossier, scoped=True),
    "api:campaign_stats": Route(kwargs=lambda w: {"campaign_id": w.campaign.pk}),
    "api:dossier_targets": NONE,
    "api:rate_kiosk": NONE,
    "api:rate_dossier": Route(kwargs=lambda w: {"code": w.finished.code}),
    "api:rate_unit": NONE,
    "api:rating_stats": NONE,
    "api:indicator_list": NONE,
    "api:indicator_measures": Route(
        kwargs=lambda w: {"code": w.indicator_code}, query="unit=26743&period=2026-03"
    ),
    "api:indicator_series": Route(
        kwargs=lambda w: {"code": w.indicator_code}, query="unit=26743&from=2025&to=2026"
    ),
    "api:finding_list": NONE,
    "api:finding_action": Route(kwargs=lambda w: {"finding_id": w.finding.pk}, scoped=True),
    # --- back office: the site's own pages (each registered model's pages are in admin_routes())
    "admin:index": NONE,
    "admin:login": NONE,
    "admin:logout": NONE,
    "admin:password_change": NONE,
    "admin:password_change_done": NONE,
    "admin:autocomplete": Route(query="app_label=core&model_name=organisation&field_name=parent&term=ben"),
    "admin:jsi18n": NONE,
    "admin:view_on_site": Route(
        kwargs=lambda w: {
            "content_type_id": ContentType.objects.get_for_model(User).pk,
            "object_id": w.owner.pk,
        }
    ),
    "admin:auth_user_password_change": Route(kwargs=lambda w: {"id": w.owner.pk}),
    "admin:app_list": Route(kwargs=lambda w: {"app_label": "core"}),
    "admin:quan-tri/(?P<url>.*)$": Route(path=lambda w: "/quan-tri/khong-co-trang-nay/"),
}


def _first_pk(model: type) -> Callable[[World], str]:
    def fill(w: World) -> str:
        pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        return str(pk if pk is not None else 0)

    return fill


def admin_routes() -> dict[str, Route]:
    """The five pages of each model registered in the back office, on its first row (or a missing one)."""
    found: dict[str, Route] = {}
    for model in admin.site._registry:
        app, name = model._meta.app_label, model._meta.model_name
        prefix = f"/quan-tri/{app}/{name}/"
        pk = _first_pk(model)
        found[f"admin:{app}_{name}_changelist"] = NONE
        found[f"admin:{app}_{name}_add"] = NONE
        for view in ("history", "delete", "change"):
            found[f"admin:{app}_{name}_{view}"] = Route(kwargs=lambda w, pk=pk: {"object_id": pk(w)})
        # The bare object URL (unnamed) redirects to its change page.
        found[f"admin:quan-tri/{app}/{name}/<path:object_id>/"] = Route(
            path=lambda w, prefix=prefix, pk=pk: f"{prefix}{pk(w)}/"
        )
    return found


ALL_ROUTES: dict[str, Route] = {**ROUTES, **admin_routes()}


def concrete_paths(world: World, key: str) -> list[tuple[Route, str]]:
    """The URLs of a pattern: its route's, then those of its `also` routes."""
    found = []
    for route in (ALL_ROUTES[key], *ALL_ROUTES[key].also):
        path = route.path(world) if route.path is not None else reverse(key, kwargs=route.kwargs(world))
        query = _text(route.query, world)
        found.append((route, f"{path}?{query}" if query else path))
    return found


# --- Coverage ---------------------------------------------------------------------------------------


def test_every_pattern_has_a_route() -> None:
    patterns = all_patterns()
    missing = sorted(set(patterns) - set(ALL_ROUTES))
    stale = sorted(set(ALL_ROUTES) - set(patterns))
    assert not missing, "URL patterns the sweep cannot fill (add them to ROUTES):\n" + "\n".join(
        f"  {key}  ({patterns[key].route})" for key in missing
    )
    assert not stale, "ROUTES entries without a URL pattern (remove them):\n" + "\n".join(stale)


# --- What each answer must be --------------------------------------------------------------------------

# Opened without logging in (GET): a public page, document or endpoint. Exact: a URL listed here that asks
# to log in fails, and so does a URL not listed that opens for an anonymous visitor.
PUBLIC_GET = frozenset(
    {
        "healthz",
        "web:signup",
        "web:signup_confirm",
        "web:password_reset",
        "web:password_reset_confirm",
        "open311:not_found",
        "favicon",
        "set_language",
        "web:home",
        "web:login",
        "web:calendar",
        "web:units",
        "reports:new",
        "reports:public_list",
        "reports:sent",
        "reports:wards_geojson",
        "reports:lookup",
        "reports:track",
        "reports:unfollow",
        "dossiers_catalog:list",
        "dossiers_catalog:detail",
        "dossiers_catalog:template",
        "dossiers:file",
        "dossiers:filed",
        "dossiers:pay",
        "dossiers:lookup",
        "dossiers:track",
        "dossiers:applicant_document",
        "ratings:by_code",
        "ratings:dossier",
        "open311:discovery",
        "open311:services",
        "open311:service",
        "open311:requests",
        "open311:request",
        "open311:token",
        "open311:no_format",
        "api:api-root",
        "api:openapi-json",
        "api:openapi-view",
        "api:unknown-path",
        "api:calendar_due",
        "api:calendar_holidays",
        "api:unit_list",
        "api:unit_locate",
        "api:unit_convert_legacy",
        "api:unit_detail",
        "api:report_public_list",
        "api:category_list",
        "api:report_duplicates",
        "api:report_detail",
        "api:report_attachment_file",
        "api:procedure_list",
        "api:procedure_detail",
        "api:dossier_detail",
        "admin:login",
    }
)
# Opened by a paired device only (the desk's tablet, which holds its secret in a cookie): refused (403)
# to everyone else, logged in or not, and never sent to a log-in page.
DEVICE_ONLY = frozenset({"ratings:kiosk", "ratings:kiosk_state"})
# Sent without logging in (POST): forms and endpoints of citizens, kiosks and Open311 clients. An empty POST
# must not ask to log in (a missing citizen's key or code may still be refused).
PUBLIC_POST = frozenset(
    {
        "set_language",
        "web:signup",
        "web:signup_confirm",
        "web:password_reset",
        "web:password_reset_confirm",
        # the app opens an account / recovers a password with a code
        "api:signup_request",
        "api:signup_confirm",
        "api:password_reset_request",
        "api:password_reset_confirm",
        "web:login",
        "web:logout",
        "reports:new",
        "reports:rate",
        "reports:follow",
        "reports:reply",
        "reports:unfollow",
        "dossiers:file",
        "dossiers:pay_start",
        "dossiers:pay",
        "dossiers:track",
        "dossiers:supplement",
        "dossiers:withdraw",
        "ratings:kiosk",
        "ratings:by_code",
        "ratings:dossier",
        "open311:requests",
        "api:report_create",
        "api:report_queue",  # the same path as report_create
        "api:report_rating",
        "api:report_follow",
        "api:report_unfollow",
        "api:report_follow_confirm",  # the code sent to an e-mail or phone, given back
        "api:reporter_reply",  # the reporter answers with the citizen token
        "api:token_create",  # the app signs in
        "api:dossier_action",  # the applicant acts with the citizen token
        "api:dossier_supplement",  # the applicant sends papers with the citizen token
        "api:dossier_file_online",
        "api:rate_kiosk",
        "api:rate_dossier",
        "admin:login",
    }
)
LOGIN_PATHS = ("/dang-nhap/", "/quan-tri/login/")
# Django's back office sends a visitor who is not logged in from its log-out page to its index, which then
# asks to log in.
LOGIN_REDIRECTS = {"admin:logout": "/quan-tri/"}
# The back office admits staff only: every other persona meets the same redirect.
ADMIN_ROLES = ("anonymous", "outsider", "superuser")
# Who must never see what Bến Thành ward keeps to itself.
STRANGERS = ("anonymous", "citizen", "outsider")


def roles_for(key: str) -> tuple[str, ...]:
    """Who opens the URL: every persona; the back office's pages, the personas it tells apart; the
    superuser (who has no unit) only there; a URL whose answer is the same for all, two of them; a PDF,
    the strangers and two staff personas."""
    if key.startswith("admin:"):
        return ADMIN_ROLES
    if ALL_ROUTES[key].same_for_all:
        return ("anonymous", "outsider")
    if ALL_ROUTES[key].heavy:
        return (*STRANGERS, "officer", "leader")
    return tuple(role for role in ROLES if role != "superuser")


def secrets_of(world: World) -> dict[str, str]:
    return {
        "the non-public report's code": world.hidden.code,
        "the non-public report's text": world.hidden.description,
        "the reporter's and applicant's phone": APPLICANT_PHONE,
        "the reporter's and applicant's e-mail": OWNER_EMAIL,
        "a follower's e-mail": "nguoi.theo.doi@example.vn",
        "the ward's directive": world.directive.text,
        "the ward's finding": world.finding.explanation,
        "the applicant's name": "Nguyễn Văn An",
    }


def ward_codes_of(world: World) -> dict[str, str]:
    """Codes of the ward's cases: public where the case is (its tracking page), but no business of the
    outsider's or another citizen's pages that are not public (their queues, lists, dashboards)."""
    return {
        "the ward's report": world.report.code,
        "the ward's dossier": world.dossier.code,
        "the owner's fee dossier": world.fee_dossier.code,
        "the owner's finished dossier": world.finished.code,
    }


def sent_to_log_in(response: Any, key: str = "") -> bool:
    if response.status_code == 401:
        return True
    if response.status_code != 302:
        return False
    target = urlsplit(response["Location"]).path
    return target in LOGIN_PATHS or target == LOGIN_REDIRECTS.get(key)


def refused(response: Any, key: str = "") -> bool:
    return sent_to_log_in(response, key) or response.status_code == 403


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def is_page(path: str) -> bool:
    """An HTML page, by its path: not the REST API, Open311 or a file (…/receipt.pdf, …/export.xlsx)."""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return not (is_api(path) or path.startswith("/open311/")) and (path.endswith("/") or "." not in last)


def body_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        return ""  # a file: its bytes are the document itself
    return response.content.decode("utf-8", errors="replace")


def error_body_problem(response: Any) -> str:
    """What is wrong with a REST API refusal's body, against the `Error` schema ("" when nothing)."""
    if response.status_code < 400:
        return ""
    if not response["Content-Type"].startswith("application/json"):
        return f"not JSON ({response['Content-Type']})"
    try:
        body = json.loads(response.content)
    except ValueError:
        return "not valid JSON"
    if not isinstance(body, dict) or not isinstance(body.get("detail"), str) or not body["detail"]:
        return f"no `detail` text: {body!r:.200}"
    extra = set(body) - {"detail", "field", "errors"}
    if extra:
        return f"keys outside the Error schema: {sorted(extra)}"
    if "field" in body and not isinstance(body["field"], str):
        return "`field` is not text"
    errors = body.get("errors", [])
    if not isinstance(errors, list) or not all(
        isinstance(e, dict) and isinstance(e.get("field"), str) and isinstance(e.get("message"), str)
        for e in errors
    ):
        return "`errors` is not a list of {field, message}"
    return ""


def describe(response: Any) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        return f"{response.status_code} → {response['Location']}"
    return str(response.status_code)


_REFERENCE = re.compile(r'\s(aria-describedby|aria-labelledby|aria-controls|for|href)="(#?)([^"]*)"')
_ID = re.compile(r'\sid="([^"]+)"')


def broken_references(html: str) -> list[str]:
    """In-page references to ids the page does not print: a hint or error an input names but a screen
    reader never finds, a label for nothing, a link to an anchor that is not there."""
    ids = set(_ID.findall(html))
    broken = []
    for attribute, hash_sign, value in _REFERENCE.findall(html):
        # An href counts as an in-page link only ("#" alone is a button); the others name ids.
        targets = value.split() if attribute != "href" else [value] if hash_sign and value else []
        broken += [f'{attribute}="{hash_sign}{t}" names no element' for t in targets if t not in ids]
    return broken


def check_get(world: World, key: str, route: Route, path: str, role: str, response: Any) -> list[str]:
    problems = []
    status = response.status_code
    said = f"GET {path} as {role}: {describe(response)}"
    if status >= 500:
        problems.append(f"{said}: a server error")
    if is_api(path) and (problem := error_body_problem(response)):
        problems.append(f"{said}: the refusal's body: {problem}")
    if key in DEVICE_ONLY:
        if status != 403:
            problems.append(f"{said}: opened without the paired tablet's cookie")
    elif role == "anonymous":
        if key in PUBLIC_GET:
            if refused(response, key) or status == 405:
                problems.append(f"{said}: listed in PUBLIC_GET, but refused")
        elif status != 405:  # a POST-only URL is checked by the POST sweep
            expected = status in (401, 403) if is_api(path) else sent_to_log_in(response, key)
            if not expected:
                problems.append(f"{said}: not public, yet not refused (add it to PUBLIC_GET if deliberate)")
    if role == "outsider" and route.scoped and status not in (403, 404, 405):
        problems.append(f"{said}: an object of another ward, yet not refused")
    if status == 200 and response.get("Content-Type", "").startswith("text/html"):
        broken = broken_references(body_of(response))
        if key == "admin:core_user_change":  # Django's own password widget names a hint it prints elsewhere
            broken = [b for b in broken if b != 'aria-describedby="id_password_helptext" names no element']
        problems += [f"{said}: {b}" for b in broken]
    if role in STRANGERS:
        body = body_of(response)
        for label, text in secrets_of(world).items():
            if text in unquote_plus(path):
                continue  # the visitor typed it (a refusal may repeat the code asked for)
            if text in body or json.dumps(text)[1:-1] in body:
                problems.append(f"{said}: shows {label}")
        if key not in PUBLIC_GET and role != "anonymous":
            for label, text in ward_codes_of(world).items():
                if text not in unquote_plus(path) and text in body:
                    problems.append(f"{said}: shows {label}")
    return problems


@pytest.mark.parametrize("key", sorted(ALL_ROUTES))
def test_get_sweep(world: World, key: str) -> None:
    problems: list[str] = []
    for route, path in concrete_paths(world, key):
        for role in roles_for(key):
            client = client_for(world, role)
            if route.prime is not None:
                client.get(route.prime(world))
            response = call(client, "get", path, problems, role)
            if response is not None:
                problems += check_get(world, key, route, path, role, response)
    assert not problems, "\n".join(problems)


# --- The POST sweep ------------------------------------------------------------------------------------


def _state_sql() -> str:
    """One query: the row count of every CityDesk table (and users), and the sum of each `version`
    column (every change of a report, dossier, submission or finding raises it)."""
    parts = []
    models = [
        User,
        *(m for app in apps.get_app_configs() if app.name.startswith("citydesk.") for m in app.get_models()),
    ]
    for model in models:
        table = connection.ops.quote_name(model._meta.db_table)
        parts.append(f"(SELECT COUNT(*) FROM {table})")
        if any(f.name == "version" for f in model._meta.concrete_fields):
            parts.append(f"(SELECT COALESCE(SUM(version), 0) FROM {table})")
    return "SELECT " + ", ".join(parts)


def state() -> tuple[int, ...]:
    with connection.cursor() as cursor:
        cursor.execute(_state_sql())
        return tuple(cursor.fetchone())


# Empty POSTs that change data by design: a signed-in person follows a public report with the button alone
# (the form has no field for an account with an e-mail address); the signed "stop following" link stops it.
CHANGES_BY_DESIGN = {("reports:follow", "outsider"), ("reports:unfollow", "anonymous")}


def check_post(key: str, route: Route, path: str, role: str, response: Any, changed: bool) -> list[str]:
    """An empty POST: never a server error, never a change (but CHANGES_BY_DESIGN), a REST API refusal
    with the Error body; the anonymous visitor is refused (log-in, 401, 403, 405 or bad input) where the
    URL is not public, and the outsider wherever the object is the ward's."""
    problems = []
    status = response.status_code
    said = f"POST {path} (empty) as {role}: {describe(response)}"
    if status >= 500:
        problems.append(f"{said}: a server error")
    if changed and (key, role) not in CHANGES_BY_DESIGN:
        problems.append(f"{said}: the data changed")
    if is_api(path) and (problem := error_body_problem(response)):
        problems.append(f"{said}: the refusal's body: {problem}")
    if key in DEVICE_ONLY and status not in (403, 405):  # 405: a GET-only feed
        problems.append(f"{said}: sent without the paired tablet's cookie, yet not refused")
    if role == "anonymous":
        if key in PUBLIC_POST:
            if sent_to_log_in(response, key) or status == 405:
                problems.append(f"{said}: listed in PUBLIC_POST, but refused")
        elif key not in PUBLIC_GET and not (sent_to_log_in(response, key) or 400 <= status < 500):
            problems.append(f"{said}: not public, yet not refused (add it to PUBLIC_POST if deliberate)")
    if role == "outsider" and route.scoped and not 400 <= status < 500:
        problems.append(f"{said}: an object of another ward, yet not refused")
    if response.get("Content-Type", "").startswith("text/html"):  # a form shown again with its errors
        problems += [f"{said}: {broken}" for broken in broken_references(body_of(response))]
    return problems


@pytest.mark.parametrize("key", sorted(ALL_ROUTES))
def test_post_sweep(world: World, key: str) -> None:
    """An empty POST as the anonymous visitor and as the outsider (the test client skips Django's CSRF
    check, so that the views themselves answer); under /api/v1/ also as the outsider with a bearer token
    through a client that makes the CSRF check, as an API client does."""
    problems: list[str] = []
    for route, path in concrete_paths(world, key):
        for role in ("anonymous", "outsider"):
            before = state()
            response = call(client_for(world, role), "post", path, problems, role)
            if response is not None:
                problems += check_post(key, route, path, role, response, state() != before)
        if is_api(path):
            before = state()
            client = client_for(world, "anonymous", csrf_checks=True)
            bearer = {"Authorization": f"Bearer {world.outsider_token}"}
            response = call(client, "post", path, problems, "outsider (token)", headers=bearer)
            if response is not None:
                problems += check_post(key, route, path, "outsider", response, state() != before)
    assert not problems, "\n".join(problems)


def test_public_lists_name_real_patterns() -> None:
    unknown = sorted((PUBLIC_GET | PUBLIC_POST | DEVICE_ONLY) - set(ALL_ROUTES))
    assert not unknown, f"PUBLIC_GET / PUBLIC_POST / DEVICE_ONLY name no URL pattern: {unknown}"


def test_the_paired_tablet_opens_its_kiosk_and_bad_input_there_changes_nothing(world: World) -> None:
    """What DEVICE_ONLY refuses to everyone else opens for the ward's paired tablet; values nobody
    expects, sent by it, are no server error and record nothing."""
    problems: list[str] = []
    page = reverse("ratings:kiosk", kwargs={"kiosk": KIOSK})
    feed = reverse("ratings:kiosk_state", kwargs={"kiosk": KIOSK})
    client = client_for(world, "anonymous")
    client.cookies[KIOSK_COOKIE] = world.kiosk_secret
    for path in (page, feed):
        response = call(client, "get", path, problems, "the tablet")
        if response is not None and response.status_code != 200:
            problems.append(f"GET {path} as the tablet: {describe(response)}")
    for value in BAD_VALUES:
        response = call(client, "get", f"{page}?{urlencode({'cam-on': value})}", problems, "the tablet")
        if response is not None:
            problems += check_bad(page, "the tablet", response)
        before = state()
        data = {"transaction": value, "level": value, "comment": value}
        response = call(client, "post", page, problems, "the tablet", data=data)
        if response is not None:
            problems += check_bad(page, "the tablet", response, "POST")
            if state() != before:
                problems.append(f"POST {page} {value[:20]!r} as the tablet: the data changed")
    assert not problems, "\n".join(problems)


# --- Bad input -----------------------------------------------------------------------------------------

# Values no form or endpoint expects: text for a number, a negative, past 64 bits, an impossible date, a
# NUL character (PostgreSQL refuses it in text), a very long text.
BAD_VALUES = ("zzz", "-1", "99999999999999999999", "2026-13-45", "a\x00b", "9" * 600)
BAD_ROLES = ("anonymous", "officer", "leader", "admin")
BAD_ADMIN_ROLES = ("superuser",)


class _GetFields(HTMLParser):
    """The names a page sends in its query strings: the fields of its GET forms, the keys of its links."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self._get_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._get_form = values.get("method", "get").lower() == "get"
        elif tag in ("input", "select", "textarea") and self._get_form and values.get("name"):
            if values.get("type") not in ("submit", "button"):
                self.names.add(values["name"])
        elif tag == "a" and values.get("href", "").startswith("?"):
            self.names.update(name for name, _value in parse_qsl(values["href"][1:], keep_blank_values=True))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._get_form = False


def page_query_names(response: Any) -> set[str]:
    if not response["Content-Type"].startswith("text/html"):
        return set()
    parser = _GetFields()
    parser.feed(body_of(response))
    return parser.names


_SCHEMA: dict[str, Any] = {}


def api_schema() -> dict[str, Any]:
    if not _SCHEMA:
        _SCHEMA.update(Client().get("/api/v1/openapi.json").json())
    return _SCHEMA


def api_operation(path: str, method: str) -> dict[str, Any]:
    """The OpenAPI operation of `path` (a concrete path) and `method`, or {}."""
    for template, methods in api_schema()["paths"].items():
        if re.match("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$", path):
            return dict(methods.get(method, {}))
    return {}


def api_query_names(path: str) -> set[str]:
    """The query parameters the OpenAPI schema gives the GET operation of `path`."""
    return {p["name"] for p in api_operation(path, "get").get("parameters", []) if p["in"] == "query"}


def sample_body(schema: dict[str, Any], text: Any, number: Any, depth: int = 0) -> Any:
    """A JSON body of the schema's shape: every text `text`, every number `number` (an enum keeps its
    first value, a date a real date, so that the bad values reach further)."""
    components = api_schema()["components"]["schemas"]
    if "$ref" in schema:
        return sample_body(components[schema["$ref"].rsplit("/", 1)[-1]], text, number, depth)
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            return sample_body(schema[combined][0], text, number, depth)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "string" and schema.get("format") == "date":
        return "2026-03-02"
    if kind == "string" and schema.get("format") == "date-time":
        return "2026-03-02T09:00:00+07:00"
    if kind == "string":
        return text
    if kind in ("integer", "number"):
        return number
    if kind == "boolean":
        return True
    if kind == "array":
        return [sample_body(schema.get("items", {}), text, number, depth + 1)] if depth < 3 else []
    if kind == "object" or "properties" in schema:
        return {k: sample_body(v, text, number, depth + 1) for k, v in schema.get("properties", {}).items()}
    return text


# JSON bodies for the REST API's writes: a NUL in every text, numbers past 64 bits, the wrong types.
BAD_BODIES = (("a\x00b", 1), ("zzz", 99999999999999999999), (12, "zzz"))


def api_bad_bodies(path: str) -> list[str]:
    operation = api_operation(path, "post")
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return []
    return [json.dumps(sample_body(schema, text, number)) for text, number in BAD_BODIES]


def bad_kwargs(world: World, key: str) -> list[str]:
    """The pattern filled with unknown values: each text converter an unknown code, each number past 64
    bits (a ready `path` is left out: it is not filled from converters)."""
    route = ALL_ROUTES[key]
    if route.path is not None:
        return []
    kwargs = route.kwargs(world)
    if not kwargs:
        return []
    found = []
    for name, value in kwargs.items():
        bad = dict(kwargs)
        bad[name] = "99999999999999999999" if isinstance(value, int) else "KHONG-CO-%00"
        try:
            found.append(reverse(key, kwargs=bad))
        except NoReverseMatch:  # a converter that refuses the value: Django answers 404 itself
            continue
    return found


@pytest.mark.parametrize("key", sorted(ALL_ROUTES))
def test_bad_input_sweep(world: World, key: str) -> None:
    """Unknown codes and ids in the path, and values nobody expects in every query parameter a page's GET
    forms and links send (the OpenAPI schema's, for the REST API): never a server error; the REST API
    refuses with its Error body."""
    problems: list[str] = []
    if key.startswith("admin:") and not key.endswith("_changelist"):
        return  # the back office's other pages take no filter
    roles = BAD_ADMIN_ROLES if key.startswith("admin:") else BAD_ROLES
    for role in roles:
        client = client_for(world, role)
        for path in bad_kwargs(world, key):
            response = call(client, "get", path, problems, role)
            if response is not None:
                problems += check_bad(path, role, response)
        for route, path in concrete_paths(world, key):
            base, _sep, query = path.partition("?")
            if not (is_api(base) or query or route.fuzz_like or is_page(base)):
                continue  # a file with no parameter (a receipt, a template): nothing to vary
            response = call(client, "get", path, problems, role)
            if response is None or refused(response):
                continue  # the bad values would meet the same refusal
            if route.fuzz_like:  # an export: the filters of its page
                like = concrete_paths(world, route.fuzz_like)[0][1]
                response = call(client, "get", like, problems, role)
                if response is None:
                    continue
            if is_api(base):
                for body in api_bad_bodies(base):
                    sent = call(
                        client, "post", base, problems, role, data=body, content_type="application/json"
                    )
                    if sent is not None:
                        problems += check_bad(f"{base} {body[:120]}", role, sent, "POST")
            names = api_query_names(base) if is_api(base) else page_query_names(response)
            names |= {name for name, _value in parse_qsl(query, keep_blank_values=True)}
            for value in BAD_VALUES if names else ():
                bad = f"{base}?{urlencode(dict.fromkeys(sorted(names), value))}"
                response = call(client, "get", bad, problems, role)
                if response is not None:
                    problems += check_bad(bad, role, response)
    assert not problems, "\n".join(problems)


def check_bad(path: str, role: str, response: Any, method: str = "GET") -> list[str]:
    problems = []
    said = f"{method} {path[:300]} as {role}: {describe(response)}"
    if response.status_code >= 500:
        problems.append(f"{said}: a server error")
    if is_api(path) and (problem := error_body_problem(response)):
        problems.append(f"{said}: the refusal's body: {problem}")
    return problems


# --- The forms of the ward's pages, sent by strangers --------------------------------------------------

# Who works on Bến Thành ward's cases (or above them): the pages they see hold the forms to replay.
HANDLERS = ("operator", "officer", "head", "leader", "admin")
# Forms of every page (the header's), not of the page's case.
SITE_FORMS = ("/dang-xuat/", "/i18n/setlang/")


@dataclass(frozen=True)
class Form:
    action: str
    fields: tuple[tuple[str, str], ...]
    seen_on: str  # "GET path as role"


class _PostForms(HTMLParser):
    """The POST forms of a page, each with the values a person would send by pressing its first button
    (and to its `formaction`): hidden values as they are, the preselected or first option, the first
    radio, every box ticked, a short text in empty text fields; no file."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[list[Any]] = []  # [action, fields]
        self._form: list[Any] | None = None
        self._button = False
        self._select: str | None = None
        self._option: str | None = None
        self._radios: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = None
            if values.get("method", "get").lower() == "post":
                self._form = [urljoin(self.page, values.get("action") or self.page), []]
                self._button, self._radios = False, set()
                self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "option" and self._select is not None:
            value = values.get("value", "")
            if "selected" in values or (self._option is None and value):
                self._option = value
            return
        name = values.get("name", "")
        kind = values.get("type", "text").lower() if tag == "input" else tag
        fields: list[tuple[str, str]] = self._form[1]
        if tag == "button" or kind in ("submit", "button", "image"):
            if self._button or values.get("type", "submit").lower() != "submit":
                return
            self._button = True  # the first button says what the form does
            if values.get("formaction"):
                self._form[0] = urljoin(self.page, values["formaction"])
            if name:
                fields.append((name, values.get("value", "")))
            return
        if not name or name == "csrfmiddlewaretoken" or kind == "file":
            return
        if tag == "select":
            self._select, self._option = name, None
        elif kind == "checkbox":  # ticked: a list's boxes choose the cases the form acts on
            fields.append((name, values.get("value", "on")))
        elif kind == "radio":
            if name not in self._radios:
                self._radios.add(name)
                fields.append((name, values.get("value", "on")))
        elif kind == "number":
            fields.append((name, values.get("value") or "1"))
        elif kind == "date":
            fields.append((name, values.get("value") or timezone.localdate().isoformat()))
        elif kind == "hidden":
            fields.append((name, values.get("value", "")))
        else:  # text, textarea, e-mail, phone…
            fields.append((name, values.get("value") or "Kiểm tra"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._form is not None and self._select is not None:
            self._form[1].append((self._select, self._option or ""))
            self._select = None
        elif tag == "form":
            self._form = None


def harvest_forms(world: World) -> list[Form]:
    """The POST forms the ward's handlers see on the pages that are not public, and those the owner of
    the report and the dossiers sees on every page (their tracking pages, their ratings), once each."""
    found: dict[tuple[str, tuple[tuple[str, str], ...]], Form] = {}
    for key in sorted(ROUTES):
        for _route, path in concrete_paths(world, key):
            if not is_page(path.partition("?")[0]):
                continue
            for role in ("owner",) if key in PUBLIC_GET else (*HANDLERS, "owner"):
                response = client_for(world, role).get(path)
                if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                    continue
                parser = _PostForms(path)
                parser.feed(body_of(response))
                for action, fields in parser.forms:
                    target = urlsplit(action).path
                    if target in SITE_FORMS:
                        continue
                    form = Form(action=action, fields=tuple(fields), seen_on=f"GET {path} as {role}")
                    found.setdefault((action, form.fields), form)
    return list(found.values())


# Forms that change data whoever sends them, by design: what they carry is the proof.
STRANGERS_MAY = {
    "ratings:dossier": "the form carries the rating link's key (t), which opens the dossier's rating",
    "reports:unfollow": "the signed link of the update e-mail stops the updates, with no log-in",
}


def test_strangers_replaying_the_wards_forms_change_nothing(world: World) -> None:
    """Every POST form on the ward's pages (the officer's, the head's, the leader's…), sent as it would be
    by its first button, by the anonymous visitor, a citizen and the outsider: refused, nothing changes."""
    forms = harvest_forms(world)
    assert len(forms) >= 20, f"only {len(forms)} forms found on the ward's pages"
    problems: list[str] = []
    for form in forms:
        target = urlsplit(form.action).path
        for role in STRANGERS:
            before = state()
            response = call(client_for(world, role), "post", target, problems, role, data=dict(form.fields))
            if response is None:
                continue
            said = f"POST {target} {dict(form.fields)} (a form of {form.seen_on}) as {role}: {describe(response)}"
            if response.status_code >= 500:
                problems.append(f"{said}: a server error")
            if state() != before and resolve(target).view_name not in STRANGERS_MAY:
                problems.append(f"{said}: the data changed")
    assert not problems, "\n".join(problems)


# --- Filters naming the ward ----------------------------------------------------------------------------


def ward_probes(world: World) -> tuple[str, ...]:
    """Values that point a list's filters at the ward: its unit code, its cases' codes, the applicant."""
    return (world.p.ward.code, world.report.code, world.hidden.code, world.dossier.code, "Nguyễn Văn An")


@pytest.mark.parametrize("key", sorted(key for key in ROUTES if key not in PUBLIC_GET))
def test_filters_naming_the_ward_open_nothing_to_strangers(world: World, key: str) -> None:
    """The outsider and a citizen point every filter of the lists they may open (unit, search, code…) at
    the ward's unit and cases: the answer still shows nothing of the ward's."""
    problems: list[str] = []
    for role in ("citizen", "outsider"):
        client = client_for(world, role)
        for route, path in concrete_paths(world, key):
            base, _sep, query = path.partition("?")
            response = call(client, "get", path, problems, role)
            if response is None or refused(response) or response.status_code in (404, 405):
                continue
            names = api_query_names(base) if is_api(base) else page_query_names(response)
            names |= {name for name, _value in parse_qsl(query, keep_blank_values=True)}
            for value in ward_probes(world) if names else ():
                probe = f"{base}?{urlencode(dict.fromkeys(sorted(names), value))}"
                response = call(client, "get", probe, problems, role)
                if response is not None:
                    problems += check_get(world, key, route, probe, role, response)
    assert not problems, "\n".join(problems)
