"""Pages of the 1022 system: the citizen's report form, tracking, the hotline screen, the officer queue and
report page. Views parse input (forms.py), call selectors and services, and render; every write goes through
`citydesk.reports.services` (or the attachment service), whose refusals are shown next to the field at fault.
"""

from __future__ import annotations

import json
import logging
import secrets
import statistics
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import shapely
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citydesk.core.audit import Actor
from citydesk.core.errors import Conflict, DomainError, NotAllowed, NotFound
from citydesk.core.models import (
    AdminUnit,
    BoundaryKind,
    DivisionLevel,
    Membership,
    Organisation,
    ServiceCategory,
    User,
)
from citydesk.core.powers import Power
from citydesk.core.services import active_delegation_for, authorize, holds_anywhere
from citydesk.core.units import normalize_code
from citydesk.lib.text import sort_key
from citydesk.reports import selectors, services, workflow
from citydesk.reports.attachments import attachment_add
from citydesk.reports.forms import (
    ActionForm,
    BulkAssignForm,
    FollowForm,
    HotlineForm,
    LookupForm,
    MergeForm,
    NoteForm,
    PauseForm,
    QueueFilterForm,
    RatingForm,
    ReportForm,
    category_label,
    new_idempotency_key,
)
from citydesk.reports.models import Channel, RejectReason, Report, ReportEvent, Status

try:  # routing suggestions are optional: no trained model, or the module is not installed
    from citydesk.reports.suggest import suggest as _suggest
except ImportError:  # pragma: no cover - depends on the installation
    _suggest = None

log = logging.getLogger("citydesk.reports")

DEFAULT_PROVINCE = "79"
SESSION_SUBMITTED = "reports_submitted"
SESSION_HOTLINE = "reports_hotline"
WARDS_GEOJSON_CACHE_SECONDS = 3600
# Official boundaries can be large: above this many points the layer is simplified for the browser.
SIMPLIFY_ABOVE_POINTS = 20_000
SIMPLIFY_TOLERANCE_DEG = 0.0003  # ≈ 30 m
HANDLER_ROLES = ("officer", "deputy", "head", "leader")

ACTION_LABELS = {
    "classify": gettext_lazy("Classify"),
    "assign": gettext_lazy("Assign"),
    "start": gettext_lazy("Start handling"),
    "resolve": gettext_lazy("Resolve"),
    "reject": gettext_lazy("Reject"),
    "transfer": gettext_lazy("Transfer"),
}
ACTION_FIELDS = {
    "classify": ("category", "note"),
    "assign": ("assignee", "note"),
    "start": ("note",),
    "resolve": ("resolution",),
    "reject": ("reason", "note"),
    "transfer": ("target_unit", "note"),
}


# --- Helpers --------------------------------------------------------------------------------------


def _status_of(exc: DomainError) -> int:
    if isinstance(exc, NotAllowed):
        return 403
    if isinstance(exc, Conflict):
        return 409
    return 400


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "reports/forbidden.html", {"message": message}, status=403)


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "reports/not_found.html", {"message": message}, status=404)


def _code(value: str) -> str:
    return (value or "").strip().upper()


def _remember(request: HttpRequest, key: str, code: str) -> None:
    codes = [c for c in request.session.get(key, []) if c != code]
    request.session[key] = [*codes, code][-20:]


def _report_categories() -> list[ServiceCategory]:
    categories = ServiceCategory.objects.filter(domain=ServiceCategory.Domain.REPORT)
    return sorted(categories, key=lambda c: sort_key(category_label(c)))


def _provinces() -> list[AdminUnit]:
    return sorted(AdminUnit.objects.filter(level=DivisionLevel.PROVINCE), key=lambda u: sort_key(u.name))


def _wards(province: str) -> list[AdminUnit]:
    wards = AdminUnit.objects.filter(level=DivisionLevel.WARD, province_id=province).only(
        "code", "name", "province_id"
    )
    return sorted(wards, key=lambda u: sort_key(u.name))


def _province_centre(province: str) -> tuple[float | None, float | None]:
    """Where the map opens: the median of the province's ward centres, i.e. its dense urban core."""
    rows = list(
        AdminUnit.objects.filter(
            province_id=province, level=DivisionLevel.WARD, centre_lon__isnull=False
        ).values_list("centre_lon", "centre_lat")
    )
    if not rows:
        return (None, None)
    return (statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows))


def _map_settings() -> dict[str, str]:
    return {"tiles_url": getattr(settings, "CITYDESK_MAP_TILES_URL", "") or ""}


def _overdue(report: Report, now: Any) -> bool:
    return bool(report.is_open and report.due_at and report.due_at < now)


def _token_ok(report: Report, token: str) -> bool:
    return bool(token) and bool(report.citizen_token) and secrets.compare_digest(token, report.citizen_token)


# --- Citizen report form --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    categories = _report_categories()
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST, categories=categories)
        photos = request.FILES.getlist("photos")
        if form.is_valid():
            form.check_photos(photos)
        if not form.errors:
            data = form.cleaned_data
            reporter = request.user if request.user.is_authenticated else None
            try:
                intake = services.report_submit(
                    category=data["category"] or None,
                    description=data["description"],
                    channel=Channel.WEB,
                    lon=data["lon"],
                    lat=data["lat"],
                    address=data["address"],
                    ward_code=data.get("ward_code") or None,
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    contact_email=data["contact_email"],
                    show_name_publicly=data["show_name_publicly"],
                    answers=form.answers(),
                    reporter=reporter,
                    idempotency_scope="web",
                    idempotency_key=data["idempotency_key"],
                )
            except NotAllowed as exc:
                return _forbidden(request, exc.message)
            except DomainError as exc:
                form.add_domain_error(exc)
                status = _status_of(exc)
            else:
                report = intake.report
                if intake.created:
                    _attach_photos(request, report, photos, reporter)
                _remember(request, SESSION_SUBMITTED, report.code)
                return redirect("reports:sent", code=report.code)
        status = max(status, 400)
        idempotency_key = form.data.get("idempotency_key") or new_idempotency_key()
    else:
        form = ReportForm(initial={"province": DEFAULT_PROVINCE}, categories=categories)
        idempotency_key = new_idempotency_key()
    province = form["province"].value() or DEFAULT_PROVINCE
    centre_lon, centre_lat = _province_centre(province)
    context = {
        "form": form,
        "category_options": [(c.code, category_label(c)) for c in categories],
        "question_groups": form.question_groups(),
        "js_config": _report_form_js_config(),
        "provinces": _provinces(),
        "province": province,
        "centre_lon": centre_lon,
        "centre_lat": centre_lat,
        "idempotency_key": idempotency_key,
        "max_photos": settings.CITYDESK_MAX_ATTACHMENTS,
        "max_photo_mb": settings.CITYDESK_MAX_ATTACHMENT_MB,
        "non_field_errors": form.non_field_errors(),
        **_map_settings(),
    }
    return render(request, "reports/report_form.html", context, status=status)


def _report_form_js_config() -> dict[str, Any]:
    """Texts the page's script shows (translated here: the script holds no language of its own)."""
    return {
        "choose_ward": _("— Choose the commune / ward —"),
        "ward_label": _("Commune / ward"),
        "loading": _("Loading…"),
        "no_point": _("No point chosen on the map."),
        "chosen_point": _("Chosen point: %(lat)s, %(lon)s"),
        "in_unit": _("in %(name)s (ward boundaries are approximate)"),
        "dup_title": _("Is it one of these?"),
        "dup_intro": _(
            "Reports of the same kind were filed close to your point. If yours is the same problem, follow "
            "that report instead: you get its updates and the unit is not asked twice."
        ),
        "dup_follow": _("Follow this one instead"),
        "dup_see": _("See it"),
        "dup_distance": _("%(m)s m away"),
        "dup_submit": _("No, mine is different: send my report"),
        "dup_followed": _("You will receive updates on %(code)s. You do not need to send your report."),
        "dup_need_contact": _("Give your e-mail or phone above so that we can send you the updates."),
        "dup_error": _("It did not work: %(reason)s"),
        "status": {k: str(v) for k, v in Status.choices},
    }


def _attach_photos(request: HttpRequest, report: Report, photos: list[Any], user: User | None) -> None:
    """Photos go in after the report exists; one refused file does not lose the report."""
    actor = Actor(user_id=user.pk if user else None, label=_("reporter"))
    for upload in photos:
        try:
            attachment_add(report=report, upload=upload, actor=actor, user=user)
        except DomainError as exc:
            messages.warning(
                request,
                _("The file “%(name)s” was not added: %(reason)s")
                % {"name": upload.name, "reason": exc.message},
            )


@require_GET
def report_sent(request: HttpRequest, code: str) -> HttpResponse:
    code = _code(code)
    if code not in request.session.get(SESSION_SUBMITTED, []):
        return redirect("reports:track", code=code)
    report = selectors.report_for_page(code)
    if report is None:
        return _not_found(request, _("No report %(code)s.") % {"code": code})
    track_path = reverse("reports:track", args=[report.code]) + "?" + urlencode({"t": report.citizen_token})
    context = {
        "report": report,
        "category_name": category_label(report.category),
        "track_path": track_path,
        "track_url": request.build_absolute_uri(track_path),
        "photo_count": len(report.attachments.all()),
    }
    return render(request, "reports/report_sent.html", context)


@require_GET
def wards_geojson(request: HttpRequest) -> HttpResponse:
    """The province's commune/ward polygons as GeoJSON: the map's base layer (there is no tile server)."""
    try:
        province = normalize_code(request.GET.get("province", DEFAULT_PROVINCE), level=DivisionLevel.PROVINCE)
    except DomainError as exc:
        return JsonResponse({"detail": exc.message, "field": "province"}, status=400)
    wards = AdminUnit.objects.filter(province_id=province, level=DivisionLevel.WARD)
    version = wards.aggregate(
        n=Count("code"), official=Count("code", filter=Q(boundary_kind=BoundaryKind.OFFICIAL))
    )
    if not version["n"]:
        return JsonResponse(
            {"detail": _("Unknown province code “%(c)s”.") % {"c": province}, "field": "province"}, status=404
        )
    key = f"reports:wards-geojson:1:{province}:{version['n']}:{version['official']}"
    body = cache.get(key)
    if body is None:
        body = _wards_feature_collection(province)
        cache.set(key, body, WARDS_GEOJSON_CACHE_SECONDS)
    response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={WARDS_GEOJSON_CACHE_SECONDS}"
    return response


def _wards_feature_collection(province: str) -> str:
    rows = list(
        AdminUnit.objects.filter(province_id=province, level=DivisionLevel.WARD, boundary__isnull=False)
        .order_by("code")
        .values_list("code", "name", "boundary", "boundary_kind")
    )
    shapes = [(code, name, shapely.geometry.shape(geometry), kind) for code, name, geometry, kind in rows]
    points = int(sum(int(shapely.get_num_coordinates(shape)) for _c, _n, shape, _k in shapes))
    simplify = bool(points > SIMPLIFY_ABOVE_POINTS)
    features = []
    for code, name, shape, kind in shapes:
        if simplify:
            shape = shapely.simplify(shape, SIMPLIFY_TOLERANCE_DEG, preserve_topology=True)
        shape = shapely.set_precision(shape, 1e-5)
        if shape.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": code,
                    "name": name,
                    "approximate": kind != BoundaryKind.OFFICIAL,
                },
                "geometry": shapely.geometry.mapping(shape),
            }
        )
    collection = {
        "type": "FeatureCollection",
        "properties": {"province": province, "simplified": simplify},
        "features": features,
    }
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":"))


# --- Tracking (public) ----------------------------------------------------------------------------


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.GET or None)
    error = ""
    status = 200
    if form.is_bound and form.is_valid():
        code = _code(form.cleaned_data["code"])
        if not code:
            error = _("Enter the tracking code, for example PA-26-000123.")
            status = 400
        elif Report.objects.filter(code=code, is_public=True).exists():
            return redirect("reports:track", code=code)
        else:
            error = _("No report %(code)s.") % {"code": code}
            status = 404
    return render(request, "reports/lookup.html", {"form": form, "error": error}, status=status)


@require_GET
def track(request: HttpRequest, code: str) -> HttpResponse:
    return _track_response(request, code, token=request.GET.get("t", ""))


def _track_response(
    request: HttpRequest,
    code: str,
    *,
    token: str,
    rating_form: RatingForm | None = None,
    follow_form: FollowForm | None = None,
    status: int = 200,
) -> HttpResponse:
    report = selectors.report_for_page(_code(code))
    if report is None:
        return _not_found(request, _("No report %(code)s.") % {"code": _code(code)})
    token_ok = _token_ok(report, token)
    is_reporter = request.user.is_authenticated and report.reporter_id == request.user.pk
    if not report.is_public and not (token_ok or is_reporter):
        return _not_found(request, _("No report %(code)s.") % {"code": _code(code)})
    try:
        rating = report.rating
    except ObjectDoesNotExist:
        rating = None
    events = [
        {
            "event": e,
            "kind": ReportEvent.Kind(e.kind).label if e.kind in ReportEvent.Kind.values else e.kind,
            "from": Status(e.from_status).label if e.from_status in Status.values else "",
            "to": Status(e.to_status).label if e.to_status in Status.values else "",
        }
        for e in report.events.all()
        if e.public
    ]
    photos = [
        {"attachment": a, "url": f"/api/v1/reports/{report.code}/attachments/{a.pk}/public"}
        for a in report.attachments.all()
        if a.public and a.public_file
    ]
    may_rate = (
        (token_ok or is_reporter) and rating is None and report.status in (Status.RESOLVED, Status.CLOSED)
    )
    context = {
        "report": report,
        "category_name": category_label(report.category),
        "reporter_name": report.contact_name if report.show_name_publicly else "",
        "overdue": _overdue(report, timezone.now()),
        "events": events,
        "photos": photos,
        "rating": rating,
        "token": token if token_ok else "",
        "token_given_but_wrong": bool(token) and not token_ok,
        "as_reporter": token_ok or is_reporter,
        "may_rate": may_rate,
        "rating_form": rating_form or RatingForm(),
        # A refusal when the form is no longer offered (already rated, reopened…) still needs saying.
        "rating_problem": ""
        if may_rate or rating_form is None
        else " ".join(str(e) for errors in rating_form.errors.values() for e in errors),
        "rating_levels": [
            ("satisfied", _("Satisfied")),
            ("normal", _("Normal")),
            ("unsatisfied", _("Unsatisfied")),
        ],
        "follow_form": follow_form or FollowForm(),
        "reopen_days": settings.CITYDESK_REOPEN_DAYS,
    }
    return render(request, "reports/track.html", context, status=status)


@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    form = RatingForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    token = data.get("t", "")
    try:
        report = services.report_rate(
            code=_code(code),
            level=data.get("level", ""),
            comment=data.get("comment", ""),
            reopen=bool(data.get("reopen")),
            user=request.user if request.user.is_authenticated else None,
            token=token,
        )
    except NotFound as exc:
        return _not_found(request, exc.message)
    except NotAllowed as exc:
        return _forbidden(request, exc.message)
    except DomainError as exc:
        form.add_domain_error(exc)
        return _track_response(request, code, token=token, rating_form=form, status=_status_of(exc))
    if report.status == Status.REOPENED:
        messages.success(request, _("Thank you. The report is reopened and goes back to the handling unit."))
    else:
        messages.success(request, _("Thank you for rating the handling of your report."))
    url = reverse("reports:track", args=[report.code])
    return redirect(f"{url}?{urlencode({'t': token})}" if token else url)


@require_POST
def follow(request: HttpRequest, code: str) -> HttpResponse:
    form = FollowForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        services.report_follow(
            code=_code(code),
            user=request.user if request.user.is_authenticated else None,
            email=data.get("email", ""),
            phone=data.get("phone", ""),
        )
    except NotFound as exc:
        return _not_found(request, exc.message)
    except NotAllowed as exc:
        return _forbidden(request, exc.message)
    except DomainError as exc:
        form.add_domain_error(exc)
        return _track_response(request, code, token="", follow_form=form, status=_status_of(exc))
    messages.success(request, _("You will receive updates on %(code)s.") % {"code": _code(code)})
    return redirect("reports:track", code=_code(code))


# --- Hotline operator screen ----------------------------------------------------------------------


def _operator_province(membership: Membership) -> str:
    org = membership.organisation
    unit = org.admin_unit
    if unit is not None:
        return unit.province_id or unit.code
    prefix = org.code.split(".", 1)[0]
    return prefix if len(prefix) == 2 and prefix.isdigit() else DEFAULT_PROVINCE


def _suggestions_available() -> bool:
    if _suggest is None:
        return False
    try:
        return bool(_suggest("", None, None, None, k=0).available)
    except Exception:  # a broken model must never stop the hotline
        log.exception("routing suggestions unavailable")
        return False


@login_required
@require_http_methods(["GET", "POST"])
def hotline(request: HttpRequest) -> HttpResponse:
    membership = holds_anywhere(request.user, Power.REPORT_RECEIVE)
    if membership is None:
        return _forbidden(request, _("Only hotline operators and officers enter reports for callers."))
    status = 200
    result = None
    if request.method == "POST":
        form = HotlineForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                intake = services.report_submit(
                    category=data["category"] or None,
                    description=data["description"],
                    channel=Channel.HOTLINE,
                    address=data["address"],
                    ward_code=data.get("ward_code") or None,
                    contact_name=form.contact_name_with_note(),
                    contact_phone=data["contact_phone"],
                    entered_by=request.user,
                    idempotency_scope=f"hotline:{request.user.pk}",
                    idempotency_key=data["idempotency_key"],
                )
            except NotAllowed as exc:
                return _forbidden(request, exc.message)
            except DomainError as exc:
                form.add_domain_error(exc)
                status = _status_of(exc)
            else:
                _remember(request, SESSION_HOTLINE, intake.report.code)
                return redirect(f"{reverse('reports:hotline')}?{urlencode({'code': intake.report.code})}")
        status = max(status, 400)
        idempotency_key = form.data.get("idempotency_key") or new_idempotency_key()
    else:
        form = HotlineForm(initial={"province": _operator_province(membership)})
        idempotency_key = new_idempotency_key()
        code = _code(request.GET.get("code", ""))
        if code and code in request.session.get(SESSION_HOTLINE, []):
            result = Report.objects.select_related("unit", "category").filter(code=code).first()
    province = form["province"].value() or DEFAULT_PROVINCE
    context = {
        "form": form,
        "categories": [(c.code, category_label(c)) for c in _report_categories()],
        "provinces": _provinces(),
        "province": province,
        "wards": _wards(province),
        "idempotency_key": idempotency_key,
        "result": result,
        "result_category": category_label(result.category) if result else "",
        "suggestions": _suggestions_available(),
        "suggest_texts": {
            "use": _("Use"),
            "none": _("No suggestion for this description."),
            "ready": _("Suggestions for the description so far:"),
            "percent": _("%(p)s%% likely"),
        },
        "non_field_errors": form.non_field_errors(),
    }
    return render(request, "reports/hotline.html", context, status=status)


def _choice(item: Any) -> dict[str, Any]:
    if hasattr(item, "code"):
        code, name, confidence = item.code, item.name, item.confidence
    else:
        code, name, confidence = item
    return {"code": code, "name": name, "confidence": round(float(confidence), 3)}


@login_required
@require_GET
def hotline_suggest(request: HttpRequest) -> JsonResponse:
    """Routing suggestions for the description being typed (JSON for the hotline screen)."""
    if holds_anywhere(request.user, Power.REPORT_RECEIVE) is None:
        return JsonResponse({"detail": _("Only hotline operators and officers use suggestions.")}, status=403)
    description = request.GET.get("description", "")[:1500].strip()
    ward_code = request.GET.get("ward_code", "").strip()[:5] or None
    empty = {"available": False, "categories": [], "units": []}
    if _suggest is None:
        return JsonResponse(empty)
    if not description:
        return JsonResponse({**empty, "available": _suggestions_available()})
    try:
        result = _suggest(description, None, None, ward_code)
    except Exception:  # a broken model must never stop the hotline
        log.exception("routing suggestions failed")
        return JsonResponse(empty)
    return JsonResponse(
        {
            "available": bool(result.available),
            "categories": [_choice(c) for c in result.categories],
            "units": [_choice(u) for u in result.units],
        }
    )


# --- Officer work queue ---------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    return _queue_response(request, request.GET)


def _queue_response(
    request: HttpRequest, params: QueryDict, *, error: str = "", status: int = 200
) -> HttpResponse:
    units = selectors.working_units(request.user)
    if not units:
        return _forbidden(request, _("Only officers of a unit have a work queue."))
    form = QueueFilterForm(params)
    form.is_valid()
    status_value = form.status_value(list(Status.values))
    assignee = form.value("assignee") or ""
    filters = selectors.QueueFilters(
        status=status_value,
        category=form.value("category") or None,
        unit=form.value("unit") or None,
        q=form.value("q") or None,
        assignee=assignee or None,
    )
    page = selectors.queue_page(request.user, filters, form.value("page") or 1, form.page_size())
    now = timezone.now()
    rows = [{"report": r, "overdue": _overdue(r, now)} for r in page.object_list]
    unit_options = list(Organisation.objects.filter(pk__in=units).order_by("name").only("code", "name"))
    # Who can be assigned: the members of the chosen unit, else of the units on this page.
    if filters.unit:
        member_units = [u.pk for u in unit_options if u.code == filters.unit]
    else:
        member_units = sorted({r["report"].unit_id for r in rows})
    members = (
        Membership.objects.filter(
            organisation_id__in=member_units, is_active=True, user__is_active=True, role__in=HANDLER_ROLES
        )
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__full_name", "user__username")
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for m in members:
        options = groups.setdefault(m.organisation.name, [])
        if all(username != m.user.username for username, _n in options):
            options.append((m.user.username, str(m.user)))
    keep = params.copy()
    for name in ("page", "csrfmiddlewaretoken", "codes", "assignee_to", "next"):
        keep.pop(name, None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "statuses": Status.choices,
        "status_value": status_value,
        "categories": [(c.code, category_label(c)) for c in _report_categories()],
        "units": unit_options,
        "assignee": assignee,
        "member_groups": sorted(groups.items()),
        "per_page": form.page_size(),
        "page_sizes": QueueFilterForm.PAGE_SIZES,
        "filters_query": keep.urlencode(),
        "bulk_error": error,
        "may_enter_calls": holds_anywhere(request.user, Power.REPORT_RECEIVE) is not None,
        "may_assign": holds_anywhere(request.user, Power.REPORT_ASSIGN) is not None,
    }
    return render(request, "reports/queue.html", context, status=status)


@login_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    form = BulkAssignForm(request.POST)
    form.is_valid()
    codes = form.codes()
    assignee = (form.cleaned_data.get("assignee") or "").strip()
    back = QueryDict(request.POST.get("next", ""), mutable=True)
    if not selectors.working_units(request.user):
        return _forbidden(request, _("Only officers of a unit have a work queue."))
    if not codes:
        return _queue_response(request, back, error=_("Tick at least one report."), status=400)
    if not assignee:
        return _queue_response(request, back, error=_("Choose the officer to assign."), status=400)
    current = ""
    try:
        with transaction.atomic():
            for current in codes:
                services.report_transition(
                    user=request.user, code=current, action="assign", assignee=assignee
                )
    except DomainError as exc:
        message = _("Nothing was assigned. %(code)s: %(reason)s") % {"code": current, "reason": exc.message}
        return _queue_response(request, back, error=message, status=_status_of(exc))
    person = User.objects.filter(username=assignee).first()
    messages.success(
        request,
        ngettext("%(n)s report assigned to %(name)s.", "%(n)s reports assigned to %(name)s.", len(codes))
        % {"n": len(codes), "name": person or assignee},
    )
    query = back.urlencode()
    return redirect(reverse("reports:queue") + (f"?{query}" if query else ""))


# --- Officer report page --------------------------------------------------------------------------


@dataclass(frozen=True)
class PageError:
    form: str  # which form on the page: an action, "note", "merge", "pause", …
    field: str | None
    message: str


def _may_handle(user: User, report: Report) -> bool:
    """The handling unit's officers (and delegates); a reporter who is not one gets the tracking page."""
    if not selectors.can_see_private(user, report):
        return False
    if report.reporter_id == user.pk:
        return (
            report.unit_id in selectors.working_units(user)
            or active_delegation_for(user, Power.REPORT_RESOLVE, report.unit) is not None
        )
    return True


def _holds(user: User, power: str, org: Organisation) -> bool:
    try:
        authorize(user, power, org)
    except NotAllowed:
        return False
    return True


def _handled_report(request: HttpRequest, code: str) -> tuple[Report | None, HttpResponse | None]:
    report = selectors.report_for_page(_code(code))
    if report is None:
        return None, _not_found(request, _("No report %(code)s.") % {"code": _code(code)})
    if not _may_handle(request.user, report):
        return None, _forbidden(request, _("This report is handled by another unit."))
    return report, None


@login_required
@require_GET
def officer_report(request: HttpRequest, code: str) -> HttpResponse:
    report, refusal = _handled_report(request, code)
    if refusal is not None:
        return refusal
    return _officer_response(request, report)


def _officer_response(
    request: HttpRequest,
    report: Report,
    *,
    error: PageError | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    values = values or {}
    unit = report.unit
    powers = {
        power: _holds(user, power, unit)
        for power in (Power.REPORT_ASSIGN, Power.REPORT_RESOLVE, Power.REPORT_RECEIVE)
    }
    actions = []
    blocked = []
    for action in workflow.allowed_actions(report.status):
        move = workflow.move_for(action)
        if move is None or move.power is None:
            continue
        if not powers.get(move.power):
            blocked.append(str(ACTION_LABELS.get(action, action)).lower())
            continue
        mine = error is not None and error.form == action
        field_errors = {}
        general = ""
        if mine:
            if error.field in ACTION_FIELDS.get(action, ()):
                field_errors[error.field] = error.message
            else:
                general = error.message
        actions.append(
            {
                "action": action,
                "label": ACTION_LABELS.get(action, action),
                "errors": field_errors,
                "error": general,
                "values": values if mine else {},
            }
        )
    members = []
    if any(a["action"] == "assign" for a in actions):
        members = [
            (m.user.username, str(m.user))
            for m in Membership.objects.filter(
                organisation=unit, is_active=True, user__is_active=True, role__in=HANDLER_ROLES
            )
            .select_related("user")
            .order_by("user__full_name", "user__username")
        ]
        members = list(dict.fromkeys(members))
    organisations = []
    if any(a["action"] == "transfer" for a in actions):
        organisations = list(
            Organisation.objects.filter(is_active=True).exclude(pk=unit.pk).order_by("code")[:500]
        )
    events = [
        {
            "event": e,
            "kind": ReportEvent.Kind(e.kind).label if e.kind in ReportEvent.Kind.values else e.kind,
            "from": Status(e.from_status).label if e.from_status in Status.values else "",
            "to": Status(e.to_status).label if e.to_status in Status.values else "",
        }
        for e in report.events.all()
    ]
    attachments = [
        {
            "attachment": a,
            "original": f"/api/v1/reports/{report.code}/attachments/{a.pk}/original",
            "public": f"/api/v1/reports/{report.code}/attachments/{a.pk}/public" if a.public_file else "",
        }
        for a in report.attachments.all()
    ]

    def form_error(name: str) -> dict[str, str]:
        if error is None or error.form != name:
            return {}
        return {"field": error.field or "", "message": error.message}

    context = {
        "report": report,
        "category_name": category_label(report.category),
        "overdue": _overdue(report, timezone.now()),
        "actions": actions,
        "blocked_actions": ", ".join(blocked),
        "members": members,
        "organisations": organisations,
        "categories": [(c.code, category_label(c)) for c in _report_categories()],
        "reject_reasons": RejectReason.choices,
        "events": events,
        "attachments": attachments,
        "entered_by": report.entered_by if report.entered_by_id else None,
        "may_assign": powers[Power.REPORT_ASSIGN],
        "may_resolve": powers[Power.REPORT_RESOLVE],
        "may_note": powers[Power.REPORT_RECEIVE],
        "error": error,
        "values": values,
        "note_error": form_error("note"),
        "merge_error": form_error("merge"),
        "unmerge_error": form_error("unmerge"),
        "pause_error": form_error("pause"),
        "resume_error": form_error("resume"),
        "province": report.province_code or DEFAULT_PROVINCE,
        **_map_settings(),
    }
    return render(request, "reports/officer_report.html", context, status=status)


def _officer_post(
    request: HttpRequest, code: str, form_name: str, form: Any, call: Any, done: str | list[str]
) -> HttpResponse:
    """Shared POST handling of the officer page's forms: refuse, call the service, re-render or redirect."""
    report, refusal = _handled_report(request, code)
    if refusal is not None:
        return refusal
    form.is_valid()
    try:
        call(report, form.cleaned_data)
    except DomainError as exc:
        field = form.form_field_for(exc.field) if hasattr(form, "form_field_for") else exc.field
        report = selectors.report_for_page(report.code) or report
        return _officer_response(
            request,
            report,
            error=PageError(form=form_name, field=field, message=exc.message),
            values=dict(form.data.items()),
            status=_status_of(exc),
        )
    messages.success(request, " ".join(done) if isinstance(done, list) else done)
    return redirect("reports:officer", code=report.code)


@login_required
@require_POST
def officer_action(request: HttpRequest, code: str) -> HttpResponse:
    form = ActionForm(request.POST)
    action = request.POST.get("action", "")

    def call(report: Report, data: dict[str, Any]) -> None:
        moved = services.report_transition(
            user=request.user,
            code=report.code,
            action=action,
            version=data.get("version"),
            note=data.get("note", ""),
            assignee=data.get("assignee") or None,
            target_unit=data.get("target_unit") or None,
            reason=data.get("reason") or None,
            resolution=data.get("resolution", ""),
            category=data.get("category") or None,
        )
        done.append(
            _("%(code)s is now “%(status)s”.") % {"code": moved.code, "status": moved.get_status_display()}
        )

    done: list[str] = []
    return _officer_post(request, code, action, form, call, done)


@login_required
@require_POST
def officer_note(request: HttpRequest, code: str) -> HttpResponse:
    def call(report: Report, data: dict[str, Any]) -> None:
        services.report_note(
            user=request.user, code=report.code, text=data.get("text", ""), public=bool(data.get("public"))
        )

    return _officer_post(request, code, "note", NoteForm(request.POST), call, _("The note was added."))


@login_required
@require_POST
def officer_merge(request: HttpRequest, code: str) -> HttpResponse:
    def call(report: Report, data: dict[str, Any]) -> None:
        into = _code(data.get("into", ""))
        if not into:
            raise DomainError(_("Enter the code of the report it duplicates."), field="into")
        services.report_merge(user=request.user, code=report.code, into=into)

    return _officer_post(
        request, code, "merge", MergeForm(request.POST), call, _("The report was merged as a duplicate.")
    )


@login_required
@require_POST
def officer_unmerge(request: HttpRequest, code: str) -> HttpResponse:
    def call(report: Report, data: dict[str, Any]) -> None:
        services.report_unmerge(user=request.user, code=report.code)

    return _officer_post(
        request, code, "unmerge", NoteForm(request.POST), call, _("The report was separated again.")
    )


@login_required
@require_POST
def officer_pause(request: HttpRequest, code: str) -> HttpResponse:
    def call(report: Report, data: dict[str, Any]) -> None:
        services.report_pause(user=request.user, code=report.code, note=data.get("note", ""))

    return _officer_post(
        request, code, "pause", PauseForm(request.POST), call, _("The deadline clock is stopped.")
    )


@login_required
@require_POST
def officer_resume(request: HttpRequest, code: str) -> HttpResponse:
    def call(report: Report, data: dict[str, Any]) -> None:
        services.report_resume(user=request.user, code=report.code)

    return _officer_post(
        request, code, "resume", NoteForm(request.POST), call, _("Handling resumed; the due time moved.")
    )
