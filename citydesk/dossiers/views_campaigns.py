"""Pages of same-day campaigns, the backlog and the targets (/mot-cua/chien-dich/, /ton-dong/, /chi-tieu/).

Reading: unit heads (their units) and the city's leaders (every unit) — the operations-center power.
Planning (campaigns, targets): whoever holds the planning power over the city (services/campaigns.py).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.core.models import Organisation
from citydesk.dossiers import stats
from citydesk.dossiers.campaign_export import campaign_xlsx
from citydesk.dossiers.forms import check_campaign_dates
from citydesk.dossiers.models import Campaign, Procedure, Target
from citydesk.dossiers.services.campaigns import (
    campaign_create,
    campaign_problems,
    campaign_update,
    planning_cities,
    target_problems,
    target_set,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAR_WIDTH = 320  # px of a 100 % bar
CAMPAIGN_FIELDS = ("name", "start_date", "end_date", "procedure_codes", "unit_codes")
TARGET_FIELDS = ("unit_code", "year", "online_share", "on_time_share", "one_stop_share")
# The label each refusal is prefixed with in the error summary (the form's own label: its msgid, with
# `%%` for a percent sign as the templates' msgids have it), and the element its link goes to.
CAMPAIGN_LABELS: dict[str, tuple[str, str]] = {
    "name": (gettext_noop("Name"), "f-name"),
    "start_date": (gettext_noop("From"), "f-start"),
    "end_date": (gettext_noop("Until"), "f-end"),
    "procedure_codes": (gettext_noop("Procedures handled the same day"), "field-procedure_codes"),
    "unit_codes": (gettext_noop("Units"), "field-unit_codes"),
}
# The targets' shares are named as the table's columns name them (one name for each, “Qua Bộ phận Một
# cửa” in both places), with “(%)” after it in the form.
TARGET_LABELS: dict[str, tuple[str, str]] = {
    "unit_code": (gettext_noop("Unit"), "t-unit"),
    "year": (gettext_noop("Year"), "t-year"),
    "online_share": (gettext_noop("Filed online"), "t-online"),
    "on_time_share": (gettext_noop("Resolved on time"), "t-on-time"),
    "one_stop_share": (gettext_noop("Through the one-stop system"), "t-one-stop"),
}
PERCENT_FIELDS = frozenset({"online_share", "on_time_share", "one_stop_share"})


def _refuse(request: HttpRequest, exc: DomainError) -> HttpResponse:
    template = "reports/forbidden.html" if isinstance(exc, NotAllowed) else "reports/not_found.html"
    return render(request, template, {"message": exc.message}, status=exc.status)


def _scope(request: HttpRequest, refusal: str | Promise = stats.CAMPAIGN_READERS) -> frozenset[int] | None:
    return stats.reader_scope(request.user, refusal)


def _campaign(scope: frozenset[int] | None, pk: int) -> Campaign:
    campaign = stats.visible_campaigns(scope).filter(pk=pk).first()
    if campaign is None:
        raise NotFound(_("No campaign %(id)s among yours.") % {"id": pk}, field="campaign")
    return campaign


def _field_errors(exc: DomainError, fields: tuple[str, ...]) -> dict[str, str]:
    return {exc.field if exc.field in fields else "__all__": exc.message}


def error_items(
    errors: dict[str, str] | list[tuple[str, str]], labels: dict[str, tuple[str, str]]
) -> list[dict[str, Any]]:
    """The error summary's lines: each names its field (“Filed online (%): …”) and links to it. A list
    of (field, message) pairs may hold several problems of one field (two procedures that cannot be
    handled the same day), each a line of its own."""
    items = []
    for name, message in errors.items() if isinstance(errors, dict) else errors:
        msgid, anchor = labels.get(name, ("", ""))
        label = _(msgid) % {} if msgid else ""  # `% {}`: “%%” → “%”, as the translate tag does
        items.append({"field": name, "label": label, "anchor": anchor, "message": message})
    return items


def target_error_items(errors: dict[str, str]) -> list[dict[str, Any]]:
    """The targets form's error summary: each share's label as the form writes it, “Nộp trực tuyến (%)”."""
    items = error_items(errors, TARGET_LABELS)
    for item in items:
        if item["field"] in PERCENT_FIELDS and item["label"]:
            item["label"] = f"{item['label']} (%)"
    return items


# --- Campaigns ------------------------------------------------------------------------------------


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    try:
        scope = _scope(request)
    except NotAllowed as exc:
        return _refuse(request, exc)
    today = timezone.localdate()
    campaigns = list(stats.visible_campaigns(scope).prefetch_related("procedures", "units"))
    return render(
        request,
        "dossiers/campaign_list.html",
        {"campaigns": campaigns, "today": today, "may_plan": bool(planning_cities(request.user))},
    )


def _form_choices(cities: list[Organisation]) -> dict[str, Any]:
    within = stats.descendant_ids(c.pk for c in cities)
    return {
        "unit_choices": stats.receiving_units(within=within),
        "procedure_choices": list(Procedure.objects.filter(is_active=True).order_by("code")),
    }


def _campaign_form(
    request: HttpRequest,
    cities: list[Organisation],
    values: dict[str, Any],
    errors: dict[str, str],
    campaign: Campaign | None,
    status: int = 200,
    problems: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    """The form; `errors`: the first problem of each field (said next to it), `problems`: every one of
    them for the summary (else `errors`)."""
    context = {
        "values": values,
        "errors": errors,
        "error_items": error_items(problems if problems is not None else errors, CAMPAIGN_LABELS),
        "campaign": campaign,
        **_form_choices(cities),
    }
    return render(request, "dossiers/campaign_form.html", context, status=status)


def _posted(request: HttpRequest) -> dict[str, Any]:
    return {
        "name": request.POST.get("name", ""),
        "start_date": request.POST.get("start_date", ""),
        "end_date": request.POST.get("end_date", ""),
        "procedure_codes": request.POST.getlist("procedure_codes"),
        "unit_codes": request.POST.getlist("unit_codes"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    cities = planning_cities(request.user)
    if not cities:
        return _refuse(request, NotAllowed(_("Only the city's leaders define same-day campaigns.")))
    if request.method == "GET":
        values = {"name": "", "start_date": "", "end_date": "", "procedure_codes": [], "unit_codes": []}
        return _campaign_form(request, cities, values, {}, None)
    values = _posted(request)
    try:
        check_campaign_dates(values)
        problems = campaign_problems(**values)  # every field's problem in one round
        if problems:
            return _problems_form(request, cities, values, problems, None)
        campaign = campaign_create(user=request.user, **values)
    except DomainError as exc:
        return _campaign_form(request, cities, values, _field_errors(exc, CAMPAIGN_FIELDS), None, exc.status)
    messages.success(request, _("Campaign “%(name)s” saved.") % {"name": campaign.name})
    return redirect("dossiers_campaigns:detail", pk=campaign.pk)


def _problems_form(
    request: HttpRequest,
    cities: list[Organisation],
    values: dict[str, Any],
    problems: list[DomainError],
    campaign: Campaign | None,
) -> HttpResponse:
    """The form with every problem in its summary (several of one field each on its line), the first of
    each field next to it."""
    fields = (*CAMPAIGN_FIELDS, "campaign_id")
    pairs = [pair for problem in problems for pair in _field_errors(problem, fields).items()]
    errors: dict[str, str] = {}
    for field, message in pairs:
        errors.setdefault(field, message)
    return _campaign_form(request, cities, values, errors, campaign, 400, problems=pairs)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cities = planning_cities(request.user)
    if not cities:
        return _refuse(request, NotAllowed(_("Only the city's leaders define same-day campaigns.")))
    campaign = Campaign.objects.filter(pk=pk).first()
    # Another city's campaign is not among the leader's (as on its dashboard): not found, not shown.
    city = stats.campaign_city(campaign) if campaign is not None else None
    if campaign is None or city is None or city.pk not in {c.pk for c in cities}:
        return render(request, "reports/not_found.html", {"message": _("No such campaign.")}, status=404)
    if request.method == "GET":
        values = {
            "name": campaign.name,
            "start_date": campaign.start_date.isoformat(),
            "end_date": campaign.end_date.isoformat(),
            "procedure_codes": list(campaign.procedures.values_list("code", flat=True)),
            "unit_codes": list(campaign.units.values_list("code", flat=True)),
            "is_active": campaign.is_active,
        }
        return _campaign_form(request, cities, values, {}, campaign)
    values = _posted(request)
    values["is_active"] = request.POST.get("is_active") == "on"
    try:
        check_campaign_dates(values)
        problems = campaign_problems(**values, new=False, campaign=campaign)  # all at once, as when created
        if problems:
            return _problems_form(request, cities, values, problems, campaign)
        campaign_update(user=request.user, campaign_id=pk, **values)
    except DomainError as exc:
        fields = (*CAMPAIGN_FIELDS, "campaign_id")
        return _campaign_form(request, cities, values, _field_errors(exc, fields), campaign, exc.status)
    messages.success(request, _("Campaign “%(name)s” saved.") % {"name": values["name"].strip()})
    return redirect("dossiers_campaigns:detail", pk=pk)


def _bars(board: stats.Dashboard) -> list[dict[str, Any]]:
    bars = []
    for index, block in enumerate(board.units):
        share = block.total.share_same_day
        bars.append(
            {
                "label": block.unit.name,
                "share": share,
                "width": round(BAR_WIDTH * (share or 0) / 100, 1),
                "y": index * 28,
                "received": block.total.received,
            }
        )
    return bars


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    started = time.perf_counter()
    try:
        scope = _scope(request)
        campaign = _campaign(scope, pk)
    except DomainError as exc:
        return _refuse(request, exc)
    # The units it lists and those taken off it that received dossiers under it: both are on the board.
    units = stats.campaign_units(campaign, scope)
    chosen = next((u for u in units if u.code == request.GET.get("unit", "")), None)
    board = stats.campaign_dashboard(campaign, scope=scope, unit_id=chosen.pk if chosen else None)
    bars = _bars(board)
    cities = planning_cities(request.user)
    context = {
        "campaign": campaign,
        "board": board,
        "bars": bars,
        "chart_height": max(len(bars), 1) * 28,
        "bar_width": BAR_WIDTH,
        "units": units,
        "chosen": chosen,
        "today": timezone.localdate(),
        "may_plan": bool(cities),
        "query": request.GET.urlencode(),
    }
    return _timed(render(request, "dossiers/campaign_detail.html", context), started)


@login_required
def campaign_export(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        scope = _scope(request)
        campaign = _campaign(scope, pk)
    except DomainError as exc:
        return _refuse(request, exc)
    board = stats.campaign_dashboard(campaign, scope=scope)
    response = HttpResponse(campaign_xlsx(board, whole_city=scope is None), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="chien-dich-{campaign.pk}.xlsx"'
    return response


# --- Backlog --------------------------------------------------------------------------------------


@login_required
def backlog_view(request: HttpRequest) -> HttpResponse:
    started = time.perf_counter()
    try:
        scope = _scope(request, stats.BACKLOG_READERS)
    except NotAllowed as exc:
        return _refuse(request, exc)
    campaigns = list(stats.visible_campaigns(scope))
    wanted = request.GET.get("campaign", "")
    # Opened on every unit of the reader's scope: opened on the running campaign, it listed only the
    # units outside it, so a ward in the campaign read "no data" over its own backlog. A campaign's
    # page links here with its id (the units outside it, and their clearance since its start).
    campaign = None
    if wanted and wanted != "none":
        campaign = next((c for c in campaigns if str(c.pk) == wanted), None)
        if campaign is None:
            return render(request, "reports/not_found.html", {"message": _("No such campaign.")}, status=404)
    board = stats.backlog(campaign, scope=scope)
    context = {
        "campaigns": campaigns,
        "campaign": campaign,
        "board": board,
        "queue_url": "/mot-cua/ho-so/",
    }
    return _timed(render(request, "dossiers/backlog.html", context), started)


# --- Targets --------------------------------------------------------------------------------------


def _targets_page(
    request: HttpRequest,
    scope: frozenset[int] | None,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    started = time.perf_counter()
    year_text = request.GET.get("year", "") or str(timezone.localdate().year)
    period = request.GET.get("period", "") or "year"
    unit = request.GET.get("unit", "")
    filter_errors: dict[str, str] = {}
    table = None
    try:
        year = int(year_text)
        table = stats.target_table(scope=scope, year=year, period=period, unit_code=unit)
    except ValueError:
        filter_errors["year"] = _("Enter a year, e.g. 2026.")
    except DomainError as exc:
        filter_errors[exc.field or "__all__"] = exc.message
    cities = planning_cities(request.user)
    plan_units: list[Organisation] = []
    if cities:
        within = stats.descendant_ids(c.pk for c in cities)
        plan_units = [*cities, *stats.receiving_units(within=within)]
    if values is None and table is not None:
        chosen = next((r.unit for r in table.rows if r.unit.code == unit), None) if unit else None
        plan = Target.objects.filter(unit=chosen, year=table.year).first() if chosen else None
        values = {
            "unit_code": chosen.code if chosen else "",
            "year": table.year,
            "online_share": plan.online_share if plan else "",
            "on_time_share": plan.on_time_share if plan else "",
            "one_stop_share": plan.one_stop_share if plan else "",
        }
    context = {
        "table": table,
        "filters": {"year": year_text, "period": period, "unit": unit},
        "filter_errors": filter_errors,
        "periods": _period_choices(),
        "units": stats.receiving_units(scope=scope),
        "plan_units": plan_units,
        "values": values or {},
        "errors": errors or {},
        "error_items": target_error_items(errors or {}),
    }
    return _timed(
        render(request, "dossiers/targets.html", context, status=400 if filter_errors else status), started
    )


def _timed(response: HttpResponse, started: float) -> HttpResponse:
    """The server time in the Server-Timing header (browsers' developer tools, monitoring), not on the page
    where officers read it as part of the figures."""
    response["Server-Timing"] = f"page;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


def _period_choices() -> list[tuple[str, str]]:
    """The periods of a year, named as the indicators name them: “Quý I”, “Tháng 3”; “Q1”, “March”."""
    from citydesk.indicators.periods import ENGLISH_MONTHS, ROMAN, _is_english

    choices = [("year", _("Whole year"))]
    if _is_english():
        choices += [(f"q{q}", f"Q{q}") for q in range(1, 5)]
        choices += [(str(m), ENGLISH_MONTHS[m - 1]) for m in range(1, 13)]
        return choices
    choices += [(f"q{q}", _("Quarter %(q)s") % {"q": ROMAN[q]}) for q in range(1, 5)]
    choices += [(str(m), _("Month %(m)s") % {"m": m}) for m in range(1, 13)]
    return choices


@login_required
def targets_view(request: HttpRequest) -> HttpResponse:
    try:
        scope = _scope(request, stats.TARGET_READERS)
    except NotAllowed as exc:
        return _refuse(request, exc)
    return _targets_page(request, scope)


@login_required
@require_POST
def target_save(request: HttpRequest) -> HttpResponse:
    values = {name: request.POST.get(name, "") for name in TARGET_FIELDS}
    try:
        target = target_set(user=request.user, **values)
    except DomainError as exc:
        if isinstance(exc, NotAllowed):
            return _refuse(request, exc)
        try:
            scope = _scope(request, stats.TARGET_READERS)
        except NotAllowed as refusal:
            return _refuse(request, refusal)
        errors = _field_errors(exc, TARGET_FIELDS)
        if exc.field in ("year", "online_share", "on_time_share", "one_stop_share"):
            errors = target_problems(values) | errors  # every malformed number at once, not the first
        return _targets_page(request, scope, values=values, errors=errors, status=exc.status)
    messages.success(
        request,
        _("Targets of %(unit)s for %(year)s saved.") % {"unit": target.unit.name, "year": target.year},
    )
    query = urlencode({"year": target.year, "unit": target.unit.code})
    return redirect(f"{reverse('dossiers_campaigns:targets')}?{query}")
