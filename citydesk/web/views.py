"""Server-rendered pages: home, log-in, calendar, units. Views parse input, call selectors, render."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.core.validators import MaxLengthValidator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from citydesk.core.calendar import current_calendar, range_error
from citydesk.core.models import AdminUnit, DivisionLevel, LegacyMapping, LegacyUnit, Membership, User
from citydesk.core.powers import ROLE_POWERS, Power, Role
from citydesk.core.schema import unapplied_migrations
from citydesk.dossiers.models import Dossier
from citydesk.dossiers.models import Status as DossierStatus
from citydesk.dossiers.views_catalog import display_name as procedure_name
from citydesk.lib.text import search_key, sort_key
from citydesk.lib.workdays import OutOfRange
from citydesk.reports import selectors as report_selectors
from citydesk.reports.forms import category_label
from citydesk.reports.models import Report
from citydesk.reports.models import Status as ReportStatus
from citydesk.web.templatetags.date_fields import typed_moment

# How many of a citizen's own reports and dossiers the home page lists (newest first).
CITIZEN_RECENT = 10
# Rows per page of "all my reports" / "all my dossiers".
MY_PAGE_SIZE = 25

# The colour of a status on the citizen's lists (its label is always written out too).
REPORT_TONES = {ReportStatus.RESOLVED: "done", ReportStatus.CLOSED: "done", ReportStatus.REJECTED: "stopped"}
DOSSIER_TONES = {
    DossierStatus.SUPPLEMENT: "action",  # the citizen has papers to bring
    DossierStatus.RESULT_READY: "done",
    DossierStatus.RETURNED: "done",
    DossierStatus.REFUSED: "stopped",
    DossierStatus.WITHDRAWN: "stopped",
}

HOLIDAY_KINDS = {
    "public": gettext_lazy("Public holiday"),
    "compensatory": gettext_lazy("Compensatory day off"),
    "official_day_off": gettext_lazy("Official day off"),
    "working_day": gettext_lazy("Swapped working day"),
}

log = logging.getLogger(__name__)


class IdentifierLoginForm(AuthenticationForm):
    """Django's log-in form, whose name field also takes an e-mail address (up to 254 characters) or a phone
    number (citydesk.core.accounts.IdentifierBackend)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.max_length = 254
        field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
        field.validators.append(MaxLengthValidator(254))
        field.widget.attrs["maxlength"] = "254"


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True
    authentication_form = IdentifierLoginForm

    def form_invalid(self, form: Any) -> HttpResponse:
        """An e-mail address shared by several accounts, with the password of one of them: the page asks
        for the user name (core.accounts.IdentifierBackend does not guess which account is meant)."""
        from citydesk.core.accounts import AMBIGUOUS_FLAG

        context = self.get_context_data(form=form)
        context["login_ambiguous"] = bool(getattr(self.request, AMBIGUOUS_FLAG, False))
        return self.render_to_response(context)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Wrong passwords on many accounts from this address (core.login_guard): the lock-out page, as
        django-axes answers for one account."""
        from citydesk.core.login_guard import address_blocked

        if address_blocked(request):
            return render(request, "web/locked_out.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        from citydesk.web.language import language_after_login

        response = super().form_valid(form)
        language_after_login(self.request, response)
        return response

    def get_default_redirect_url(self) -> str:
        """A hotline operator starts the shift on the call screen; everybody else on the home page."""
        user = self.request.user
        roles = set(Membership.objects.filter(user=user, is_active=True).values_list("role", flat=True))
        if roles == {Role.OPERATOR}:
            return reverse("reports:hotline")
        return super().get_default_redirect_url()


# Powers exercised on a page of their own, which no menu leads to: the home page links them.
_POWER_PAGES = {
    Power.MANAGE_PROCEDURES: reverse_lazy("dossiers_catalog:manage"),
    Power.RATINGS_IMPORT: reverse_lazy("ratings:import"),
    Power.REPORT_RECEIVE: reverse_lazy("reports:hotline"),
    Power.REPORT_ASSIGN: reverse_lazy("reports:queue"),
    Power.REPORT_RESOLVE: reverse_lazy("reports:queue"),
    Power.DOSSIER_RECEIVE: reverse_lazy("dossiers:desk"),
    Power.DOSSIER_APPROVE: reverse_lazy("dossiers:queue"),
    Power.VIEW_DASHBOARD: reverse_lazy("ioc:overview"),
    Power.VIEW_AUDIT: reverse_lazy("web:audit"),
}


def _attention(user: User) -> list[dict[str, object]]:
    """What needs the officer's or leader's action now, with the page listing it: the overdue reports and
    dossiers of their units (counted on the indexes of open items)."""
    from citydesk.dossiers import selectors as dossier_selectors
    from citydesk.reports import selectors as report_selectors

    items: list[dict[str, object]] = []
    report_units = report_selectors.working_units(user)
    if report_units:
        overdue = report_selectors.queue(
            user, report_selectors.QueueFilters(status="overdue"), units=report_units
        )
        items.append(
            {
                "key": "reports-overdue",
                "count": overdue.count(),
                "label": _("overdue reports of your units"),
                "url": reverse("reports:queue") + "?status=overdue",
            }
        )
    dossier_units = dossier_selectors.working_units(user)
    if dossier_units:
        late = dossier_selectors.queue(dossier_units, dossier_selectors.QueueFilters(overdue=True))
        items.append(
            {
                "key": "dossiers-overdue",
                "count": late.count(),
                "label": _("overdue dossiers at your units' steps"),
                "url": reverse("dossiers:queue") + "?overdue=1",
            }
        )
    return items


def home(request: HttpRequest) -> HttpResponse:
    memberships = []
    context: dict[str, object] = {}
    if request.user.is_authenticated:
        for m in request.user.memberships.filter(is_active=True).select_related("organisation"):
            memberships.append(
                {
                    "membership": m,
                    # (label, the page where the power is used, if it has one of its own)
                    "powers": sorted(
                        (str(Power(p).label), _POWER_PAGES.get(p, "")) for p in ROLE_POWERS[m.role]
                    ),
                }
            )
        if not memberships:
            context.update(_citizen_items(request.user))
        else:
            context["attention"] = _attention(request.user)
    context["memberships"] = memberships
    return render(request, "web/home.html", context)


def _rate_urls(dossiers: list[Dossier]) -> dict[int, str]:
    """The applicant's links to rate their finished dossiers not rated yet: one query for the list."""
    from urllib.parse import urlencode

    from citydesk.dossiers.services.common import rating_token
    from citydesk.dossiers.views.common import RATEABLE_STATUSES
    from citydesk.ratings.models import Rating

    finished = [d for d in dossiers if d.status in RATEABLE_STATUSES]
    if not finished:
        return {}
    rated = set(
        Rating.objects.filter(dossier__in=finished, channel="web").values_list("dossier_id", flat=True)
    )
    return {
        d.pk: f"{reverse('ratings:dossier', args=[d.code])}?{urlencode({'t': rating_token(d)})}"
        for d in finished
        if d.pk not in rated
    }


def _report_items(reports: list[Report]) -> list[dict[str, object]]:
    """A citizen's report rows; a resolved one they have not rated yet links to its rating form, and one
    whose unit waits for their answer (its clock paused: `awaiting_reply` of GET /me/reports) to the reply
    form of its tracking page."""
    from citydesk.reports.services.citizen import rating_open

    items = []
    for r in reports:
        try:
            rating = r.rating
        except ObjectDoesNotExist:
            rating = None
        track = reverse("reports:track", args=[r.code])
        items.append(
            {
                "report": r,
                "category": category_label(r.category),
                "tone": REPORT_TONES.get(r.status, "open"),
                "rate_url": f"{track}#rate" if rating_open(r, rating) else "",
                "reply_url": f"{track}#reply" if r.paused_at is not None and r.is_open else "",
            }
        )
    return items


def _dossier_items(dossiers: list[Dossier]) -> list[dict[str, object]]:
    rate_urls = _rate_urls(dossiers)
    return [
        {
            "dossier": d,
            "procedure": procedure_name(d.procedure),
            "tone": DOSSIER_TONES.get(d.status, "open"),
            "rate_url": rate_urls.get(d.pk, ""),
        }
        for d in dossiers
    ]


def _own_dossiers(user: User) -> QuerySet[Dossier]:
    return (
        Dossier.objects.filter(applicant=user)
        .select_related("procedure")
        .only("code", "status", "received_at", "procedure__code", "procedure__name", "procedure__name_en")
        .order_by("-received_at", "-pk")
    )


def _citizen_items(user: User) -> dict[str, object]:
    """A citizen's own latest reports and dossiers, newest first: two queries whatever their number. One row
    more than shown is read to know whether "all of them" needs a link."""
    reports = list(report_selectors.own_reports(user)[: CITIZEN_RECENT + 1])
    dossiers = list(_own_dossiers(user)[: CITIZEN_RECENT + 1])
    return {
        "my_reports": _report_items(reports[:CITIZEN_RECENT]),
        "my_reports_more": len(reports) > CITIZEN_RECENT,
        "my_dossiers": _dossier_items(dossiers[:CITIZEN_RECENT]),
        "my_dossiers_more": len(dossiers) > CITIZEN_RECENT,
    }


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    """Every report the account sent, newest first, a page at a time."""
    page = Paginator(report_selectors.own_reports(request.user), MY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/my_items.html",
        {"kind": "reports", "page": page, "items": _report_items(list(page.object_list))},
    )


@login_required
def my_dossiers(request: HttpRequest) -> HttpResponse:
    """Every dossier the account filed, newest first, a page at a time."""
    page = Paginator(_own_dossiers(request.user), MY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/my_items.html",
        {"kind": "dossiers", "page": page, "items": _dossier_items(list(page.object_list))},
    )


def calendar_page(request: HttpRequest) -> HttpResponse:
    calendar = current_calendar()
    now = timezone.localtime()
    try:
        year = int(request.GET.get("year", now.year))
        if not 1990 <= year <= 2100:
            raise ValueError
    except ValueError:
        year = now.year
    result = None
    error = ""
    received_raw = request.GET.get("received", "").strip()
    days_raw = request.GET.get("working_days", "").strip()
    received = _typed_moment(received_raw)
    if received_raw or days_raw:
        if received is None:
            error = _("Enter the time of receipt as dd/mm/yyyy hh:mm.")
        elif not days_raw.isdigit():
            error = _("The number of working days must be a whole number, 0 or more.")
        else:
            try:
                result = calendar.due(received, int(days_raw))
            except OutOfRange as exc:  # before 1990, after 2100, or a due date beyond the calendar
                error = range_error(exc, "received", day_first=True).message
    context = {
        "year": year,
        "years": [year - 1, year + 1],
        "holidays": [(h, HOLIDAY_KINDS.get(h.kind, h.kind)) for h in calendar.holidays(year)],
        # Day first, whatever the browser's language (a native date-time field wrote mm/dd/yyyy).
        "received": received.strftime("%d/%m/%Y %H:%M")
        if received
        else received_raw or now.strftime("%d/%m/%Y %H:%M"),
        "working_days": days_raw or "0",
        "result": result,
        "error": error,
        "cutoff": calendar.cutoff,
    }
    return render(request, "web/calendar.html", context, status=400 if error else 200)


def _typed_moment(text: str) -> datetime | None:
    """A time of receipt typed day first (13/02/2026 10:00, or a date alone: the start of the day) or in
    ISO form (links and bookmarks: 2026-02-13T10:00); None when it is neither."""
    if not text:
        return None
    try:
        found = parse_datetime(text)
    except ValueError:  # a well-formed but impossible ISO time (month 13)
        return None
    if found is not None:
        return found
    typed = typed_moment(" ".join(text.split()))  # also 251120260930, 25.11.2026 09.30 (a phone's keypad)
    for shape in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y"):
        try:
            return datetime.strptime(typed, shape)
        except ValueError:
            continue
    return None


def units_page(request: HttpRequest) -> HttpResponse:
    provinces = sorted(AdminUnit.objects.filter(level=DivisionLevel.PROVINCE), key=lambda u: sort_key(u.name))
    province_code = request.GET.get("province", "79").strip()
    query = request.GET.get("q", "").strip()
    error = ""
    if "province" in request.GET and province_code not in {p.code for p in provinces}:  # asked for, unknown
        error = _("No province or centrally-run city has the code “%(c)s”.") % {"c": province_code[:10]}
    wards = AdminUnit.objects.filter(level=DivisionLevel.WARD, province_id=province_code)
    old_names: list[LegacyMapping] = []
    if query:
        key = search_key(query)
        wards = wards.filter(search_name__contains=key)
        # A name from before 1 July 2025 ("Bến Nghé"): the unit it is part of now.
        old_names = list(
            LegacyMapping.objects.filter(
                legacy__level=LegacyUnit.Level.WARD,
                legacy__search_name__contains=key,
                unit__province_id=province_code,
            )
            .select_related("legacy", "legacy__parent", "unit")
            .order_by("legacy__name", "unit__name")[:30]
        )
    ordered = sorted(wards, key=lambda u: sort_key(u.name))
    page = Paginator(ordered, 60).get_page(request.GET.get("page"))
    return render(
        request,
        "web/units.html",
        {
            "provinces": provinces,
            "province_code": province_code,
            "q": query,
            "page": page,
            "total": len(ordered),
            "old_names": old_names,
            "error": error,
        },
        status=400 if error else 200,
    )


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """/favicon.ico, which browsers and feed readers ask for whatever a page says: the site's icon."""
    return HttpResponsePermanentRedirect(static("citydesk/favicon.svg"))


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The health check at its address; citydesk.web.health_middleware answers it first, whatever the
    Host header, so this view serves it only where that middleware is not installed."""
    return health_response()


def health_response() -> JsonResponse:
    """Liveness, database reachability and schema, for load balancers and monitoring: 503 with the reason
    when the database cannot be reached or lacks migrations of this code (pages would only fail)."""
    started = datetime.now()
    try:
        pending = unapplied_migrations()
    except Exception as exc:  # report, don't raise: this endpoint must answer; the details go to the log
        log.error("healthz: the database cannot be reached", exc_info=exc)
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    elapsed_ms = (datetime.now() - started).total_seconds() * 1000
    if pending:
        detail = ngettext(
            "The database lacks %(n)s migration of this version: run “citydesk migrate”.",
            "The database lacks %(n)s migrations of this version: run “citydesk migrate”.",
            len(pending),
        ) % {"n": len(pending)}
        body = {
            "status": "error",
            "database": connection.vendor,
            "schema": "unmigrated",
            "unapplied_migrations": len(
                pending
            ),  # their names are for the operator: `citydesk showmigrations`
            "detail": detail,
        }
        return JsonResponse(body, status=503)
    body: dict[str, Any] = {
        "status": "ok",
        "database": connection.vendor,
        "schema": "migrated",
        "db_ms": round(elapsed_ms, 2),
    }
    body.update(task_queue_state())
    if body.get("worker") == "late":
        body["status"] = "degraded"
        body["detail"] = _(
            "A background task has waited %(minutes)s minutes: is “citydesk db_worker” running? "
            "Notifications and the deadline sweep wait for it."
        ) % {"minutes": body["oldest_task_wait_s"] // 60}
    return JsonResponse(body)


def task_queue_state() -> dict[str, Any]:
    """How long the oldest task due to run has waited for the task worker, from the database queue: a stopped
    or stuck worker shows nowhere else (pages work; SMS, e-mails, deadline warnings silently wait). The web
    still answers, so the HTTP status stays 200 (a load balancer must keep the site in rotation); monitoring
    reads `"status": "degraded"` and `"worker": "late"`. One query on the queue's partial index of waiting
    tasks. Nothing is said when tasks do not go through the database queue (another backend)."""
    from django.conf import settings

    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend != "django_tasks_db.DatabaseBackend":
        return {}
    from django.db.models import Case, Count, Min, When
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    waiting = DBTaskResult.objects.ready().aggregate(
        n=Count("pk"),
        since=Min(Case(When(run_after=get_date_max(), then="enqueued_at"), default="run_after")),
    )
    oldest = int((now - waiting["since"]).total_seconds()) if waiting["since"] else 0
    late = oldest > settings.CITYDESK_HEALTH_TASKS_LATE_MINUTES * 60
    return {
        "worker": "late" if late else "ok",
        "tasks_waiting": waiting["n"],
        "oldest_task_wait_s": max(oldest, 0),
    }
