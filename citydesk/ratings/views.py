"""Pages of the satisfaction ratings: the officer's transaction screen, the applicant's rating of a finished
dossier, a desk visit rated by its code, the statistics with their Excel export, and the import of
historical counts (the desk's tablet: `kiosk_views`). Views parse, call a service or selector, render."""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.core.models import Membership, Organisation
from citydesk.core.powers import ROLE_POWERS, Power
from citydesk.core.selectors import names_told_apart
from citydesk.core.services import actor_for_system_power, holds_anywhere
from citydesk.dossiers.models import Status
from citydesk.lib.text import sort_key
from citydesk.ratings import exports, selectors, services
from citydesk.ratings.forms import CodeRatingForm, DeskTransactionForm, ImportForm, RatingForm
from citydesk.ratings.models import Channel, DeskTransaction, Kiosk, Level, Rating

log = logging.getLogger("citydesk.ratings")

SESSION_KIOSK = "ratings_kiosk"


# --- Helpers --------------------------------------------------------------------------------------


def device_of(request: HttpRequest) -> str:
    """The device a rating comes from: a hash of the address (never the address itself), with a hash of
    the app's `X-Device-Id` after it when sent. The per-device limit counts the whole key, the per-address
    limit its address part: a new X-Device-Id does not escape the second."""
    return services.common.device_key(
        request.META.get("REMOTE_ADDR", ""), request.headers.get("X-Device-Id", "")[:200]
    )


def kiosk_of(request: HttpRequest) -> str:
    """The kiosk this officer's computer opens transactions for (remembered in the session; the dossier
    desk reads it too)."""
    return str(request.session.get(SESSION_KIOSK, ""))


def _refused(request: HttpRequest, exc: DomainError, *, dossier_lookup: bool = False) -> HttpResponse:
    """A refusal page; `dossier_lookup` links to the dossier lookup (the dossier rating pages)."""
    context = {
        "title": _("Not found") if isinstance(exc, NotFound) else _("Not allowed"),
        "message": exc.message,
        "not_found": isinstance(exc, NotFound),
        "dossier_lookup": dossier_lookup,
    }
    return render(request, "ratings/refused.html", context, status=exc.status)


def filter_error(exc: DomainError) -> str:
    """A refused statistics filter as the page labels it: “To month: The last month precedes the first.”"""
    label = selectors.FILTER_LABELS.get(exc.field or "")
    return f"{label}: {exc.message}" if label else exc.message


def _levels() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Level.choices]


def comment_words() -> dict[str, Any]:
    """What the comment box says of its length (comment.js counts live): the limit, the words for the
    characters left and those too many (`%(n)s` filled in by the script)."""
    limit = services.common.COMMENT_MAX
    return {
        "max": limit,
        "limit": _("At most %(n)s characters.") % {"n": services.common.grouped(limit)},
        "left": _("%(n)s characters left"),
        "over": _("%(n)s characters too many: shorten the comment"),
    }


# --- The officer's desk ---------------------------------------------------------------------------


def _desk_units(request: HttpRequest) -> list[tuple[str, str]]:
    memberships = Membership.objects.filter(user=request.user, is_active=True).select_related("organisation")
    units = {
        m.organisation.code: m.organisation.name
        for m in memberships
        if Power.DOSSIER_RECEIVE in ROLE_POWERS.get(m.role, frozenset())
    }
    return sorted(units.items(), key=lambda item: sort_key(item[1]))


def _kiosk_choices(kiosks: list[Kiosk], *, several_units: bool) -> list[tuple[str, str]]:
    """The desk form's kiosks: “no kiosk” first, then the live kiosks of the officer's units (a tablet
    that is off or was never opened is not offered: nobody could rate on it). Short: a phone's select
    shows one line."""
    choices = [("", _("None: rating by code"))]
    for kiosk in kiosks:
        if not services.kiosks.is_live(kiosk):
            continue
        parts = [kiosk.code, kiosk.label, kiosk.unit.name if several_units else ""]
        choices.append((kiosk.code, " · ".join(part for part in parts if part)))
    return choices


@login_required
@require_http_methods(["GET", "POST"])
def desk(request: HttpRequest) -> HttpResponse:
    """Open a transaction for this desk's kiosk; the citizen rates it on the tablet."""
    if holds_anywhere(request.user, Power.DOSSIER_RECEIVE) is None:
        return _refused(request, NotAllowed(_("Only one-stop desk officers open desk transactions.")))
    units = _desk_units(request)
    kiosks = list(
        Kiosk.objects.filter(unit__code__in=[code for code, _name in units], is_active=True)
        .select_related("unit")
        .order_by("unit__name", "code")
    )
    choices = _kiosk_choices(kiosks, several_units=len(units) > 1)
    status = 200
    if request.method == "POST":
        form = DeskTransactionForm(request.POST, units=units, kiosks=choices)
        form.is_valid()
        data = form.cleaned_data
        found = services.desk_inputs(  # every problem of what was typed, not the first one only
            unit_code=request.POST.get("unit", ""),
            dossier_code=data.get("dossier", ""),
            procedure_code=data.get("procedure", ""),
            kiosk=request.POST.get("kiosk", ""),
        )
        for problem in found.problems:
            form.add_domain_error(problem)
        if "kiosk" not in form.errors:  # remembered for this desk (and the dossier desk), or forgotten
            if found.kiosk:
                request.session[SESSION_KIOSK] = found.kiosk
            else:
                request.session.pop(SESSION_KIOSK, None)
        status = 400
        if not form.errors and found.unit is not None:
            try:
                opened = services.desk_transaction_open(
                    user=request.user,
                    unit=found.unit,
                    dossier=found.dossier,
                    procedure=found.procedure,
                    kind=data["kind"],
                    kiosk=found.kiosk,
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status
            else:
                if opened.kiosk:
                    said = _(
                        "Transaction %(code)s is open: the kiosk %(kiosk)s now asks the citizen to rate it."
                    )
                else:
                    said = _(
                        "Transaction %(code)s is open: give the citizen this code; they rate the service "
                        "with it at %(link)s."
                    )
                link = request.build_absolute_uri(reverse("ratings:by_code"))
                messages.success(request, said % {"code": opened.code, "kiosk": opened.kiosk, "link": link})
                return redirect("ratings:desk")
    else:
        remembered = kiosk_of(request)
        initial = {"kiosk": remembered if any(code == remembered for code, _label in choices[1:]) else ""}
        form = DeskTransactionForm(initial=initial, units=units, kiosks=choices)
    current = kiosk_of(request)
    # Whether each was rated, never how: the officer would know which applicant rated them badly before
    # handing back their result. The level is not even read.
    recent = (
        DeskTransaction.objects.filter(officer=request.user)
        .annotate(rated=Exists(Rating.objects.filter(transaction=OuterRef("pk"))))
        .select_related("dossier")
        .order_by("-created_at")[:10]
    )
    now = timezone.now()
    context = {
        "form": form,
        "kiosk": current,
        "kiosks": [(k, services.kiosks.is_live(k, now)) for k in kiosks],
        "live_minutes": services.kiosks.live_minutes(),
        "recent": recent,
        "now": now,
        "pair_example": request.build_absolute_uri(
            reverse("ratings:kiosk_pair", args=[kiosks[0].code if kiosks else "BT-QUAY-1"])
        ),
    }
    return render(request, "ratings/desk.html", context, status=status)


# --- The applicant rates a finished dossier -------------------------------------------------------


def _receipt_key(dossier: Any, token: str) -> bool:
    import secrets

    return bool(token and dossier.citizen_token) and secrets.compare_digest(token, dossier.citizen_token)


@require_http_methods(["GET", "POST"])
def dossier_rate(request: HttpRequest, code: str) -> HttpResponse:
    token = (request.POST.get("t") or request.GET.get("t") or "").strip()[:200]
    user = request.user if request.user.is_authenticated else None
    try:
        dossier = services.dossier_for_rating(dossier_code=code, user=user, token=token)
    except DomainError as exc:
        return _refused(request, exc, dossier_lookup=True)
    form = RatingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not form.is_valid():  # a refused comment is said, never dropped and the rest stored
            status = 400
        else:
            data = form.cleaned_data
            try:
                services.rating_submit_web(
                    dossier_code=dossier.code,
                    level=data.get("level", ""),
                    comment=data.get("comment", ""),
                    user=user,
                    token=token,
                    device=device_of(request),
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status
            else:
                messages.success(request, _("Thank you for rating this service."))
                url = reverse("ratings:dossier", args=[dossier.code])
                return redirect(f"{url}?{urlencode({'t': token})}" if token else url)
    context = {
        "dossier": dossier,
        "rating": services.dossier_rating(dossier),
        "finished": dossier.status in services.online.RATEABLE_STATUSES,
        "withdrawn": dossier.status == Status.WITHDRAWN,
        "form": form,
        "token": token,
        "levels": _levels(),
        "comment_words": comment_words(),
        # Back to the lookup with the receipt's key only: the rating link's key opens nothing else.
        "track_url": reverse("dossiers:track", args=[dossier.code])
        + (f"?{urlencode({'t': token})}" if _receipt_key(dossier, token) else ""),
    }
    return render(request, "ratings/dossier.html", context, status=status)


# --- A desk transaction rated by its code (a desk without a kiosk) --------------------------------


@require_http_methods(["GET", "POST"])
def rate_by_code(request: HttpRequest) -> HttpResponse:
    """Public: the citizen types the transaction code the officer gave them and rates the desk, once."""
    form = CodeRatingForm(request.POST or None, initial={"transaction": request.GET.get("ma", "")[:24]})
    status = 200
    already = ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            code = services.desk.normalize_transaction_code(data.get("transaction") or "")
            try:
                kiosk = DeskTransaction.objects.filter(code=code).values_list("kiosk", flat=True).first()
                if kiosk and services.desk.kiosk_is_live(kiosk):  # rated on its tablet, which shows it
                    raise DomainError(services.desk.on_the_tablet(), field="transaction")
                services.rating_submit_kiosk(
                    transaction_code=data.get("transaction", ""),
                    level=data.get("level", ""),
                    comment=data.get("comment", ""),
                    device=device_of(request),
                    # Signed in: named in the audit trail, and refused if they work for the unit.
                    user=request.user if request.user.is_authenticated else None,
                )
            except services.AlreadyRated:
                # Said as a notice with the code, not under “There is a problem”: nothing to correct.
                already = code
                status = 409
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status
            else:
                return redirect(f"{reverse('ratings:by_code')}?{urlencode({'cam-on': 1})}")
    context = {
        "already": already,
        "form": form,
        "levels": _levels(),
        "comment_words": comment_words(),
        "thanks": request.method == "GET" and request.GET.get("cam-on") == "1",
        "window_minutes": int(services.kiosk_window().total_seconds() // 60),
    }
    response = render(request, "ratings/by_code.html", context, status=status)
    patch_cache_control(response, no_store=True)
    return response


# --- Statistics -----------------------------------------------------------------------------------


def _params(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET.get(k, "") for k in ("group", "from", "to", "channel", "unit", "sort")}


def sort_headers(filters: selectors.StatsFilters) -> dict[str, dict[str, str]]:
    """The table's sortable headers: each links to the same filters in its order (the highest first, then,
    on the column already sorted so, the lowest first), and the one sorted says so (`aria-sort`). The
    first column orders by name, the default."""
    base = {k: v for k, v in filters.query().items() if k != "sort"}
    current = filters.sort
    headers = {
        "name": {
            "query": urlencode(base),
            "aria": "ascending" if not current else "",
            "action": _("sort by name"),
        }
    }
    for column in selectors.SORTS:
        if current == f"-{column}":
            order, aria, action = column, "descending", _("sort lowest first")
        elif current == column:
            order, aria, action = f"-{column}", "ascending", _("sort highest first")
        else:
            order, aria, action = f"-{column}", "", _("sort highest first")
        headers[column] = {"query": urlencode({**base, "sort": order}), "aria": aria, "action": action}
    return headers


def _told_apart(units: list[Organisation]) -> list[tuple[str, str]]:
    """(code, label) of the unit filter's choices: two cities' "Sở Tư pháp" followed by their province."""
    labels = names_told_apart(units)
    return [(unit.code, labels.get(unit.pk, unit.name)) for unit in units]


@login_required
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    started = time.perf_counter()
    try:
        scope = selectors.stats_scope(request.user)
    except NotAllowed as exc:
        return _refused(request, exc)
    params = _params(request)
    if not request.GET:
        # Opened plainly: this year so far. Every month since the first rating mixed years of imported
        # counts with this month's few live ratings, with no period said; emptied fields give them all.
        this_month = timezone.localdate().replace(day=1)
        params.update({"from": f"{this_month.year}-01", "to": f"{this_month:%Y-%m}"})
    context: dict[str, Any] = {
        "params": params,
        # A system administrator is not offered the officers' own figures (refused if asked).
        "groups": [(k, v) for k, v in selectors.GROUPS.items() if k != "officer" or scope.sees_officers],
        "channels": Channel.choices,
        "units": _told_apart(selectors.units_in_scope(scope)),
        "scope": scope,
    }
    try:
        filters = selectors.stats_filters(
            scope=scope,
            group=params["group"],
            month_from=params["from"],
            month_to=params["to"],
            channel=params["channel"],
            unit=params["unit"],
            sort=params["sort"],
        )
    except DomainError as exc:
        context["error"] = exc
        context["error_label"] = selectors.FILTER_LABELS.get(exc.field or "", "")
        return render(request, "ratings/stats.html", context, status=exc.status)
    result = selectors.rating_stats(scope=scope, filters=filters)
    context.update(
        stats=result,
        months=selectors.months_covered(result),
        all_months=not (filters.month_from or filters.month_to),
        all_months_query=urlencode({**params, "from": "", "to": ""}),
        group=filters.group,
        group_label=selectors.GROUPS[filters.group],
        query=urlencode(filters.query()),
        sort_headers=sort_headers(filters),
        generated_at=timezone.localtime(),
    )
    # The citizens' comments (Góp ý) of the same scope and filters, newest first, a page at a time.
    context["comments"] = selectors.comment_page(scope, filters, request.GET.get("comments_page"))
    response = render(request, "ratings/stats.html", context)
    # How long the statistics took is for the logs, not for the heads reading the page.
    log.info(
        "rating statistics",
        extra={"group": filters.group, "server_ms": round((time.perf_counter() - started) * 1000, 1)},
    )
    return response


@login_required
@require_GET
def stats_xlsx(request: HttpRequest) -> HttpResponse:
    params = _params(request)
    try:
        result = selectors.stats_for(request.user, **params)
    except NotAllowed as exc:
        return _refused(request, exc)
    except DomainError as exc:
        text = _("The filters are not valid:") + f"\n{filter_error(exc)}\n"
        return HttpResponse(text, status=exc.status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(exports.stats_xlsx(result), content_type=exports.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(result)}"'
    patch_cache_control(response, private=True, no_store=True)
    return response


# --- Import ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_counts(request: HttpRequest) -> HttpResponse:
    try:
        actor_for_system_power(request.user, Power.RATINGS_IMPORT)
    except NotAllowed as exc:
        return _refused(request, exc)
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {
        "form": form,
        "columns": [f"{services.imports.COLUMN_TITLES[c]} ({c})" for c in services.imports.COLUMNS],
        "import_roots": services.imports.import_roots(request.user),
    }
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = services.ratings_import(user=request.user, file=upload, filename=upload.name)
            except services.ImportRejected as exc:
                # A column missing from the header row (row 1) is named by its Vietnamese header and its
                # English key, “tháng (month)”; a row's problem by the file's own header, as it wrote it.
                rows = [
                    (e.row, services.imports.column_label(e.column) if e.row == 1 else e.column, e.message)
                    for e in exc.errors
                ]
                context.update(rejected=exc, rejected_rows=rows)
                status = 400
            except DomainError as exc:
                form.add_error("file", exc.message)
                status = exc.status
            else:
                context["result"] = result
        else:
            status = 400
    return render(request, "ratings/import.html", context, status=status)
