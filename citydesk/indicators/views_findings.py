"""Findings on the pages: who sees them, the moves each reader is offered, the unit officers' own list,
and the actions (explain, correct, close, reopen). Parse, call a service, render.

A finding is seen by the supervisors whose dashboards cover its unit, and by the officers who enter the
unit's indicators (as the API allows): the officers do not open the dashboards, so their unit's findings
are listed on an entry page of their own (`/chi-tieu-ktxh/nhap/bat-thuong/`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from citydesk.core.errors import DomainError, NotAllowed
from citydesk.core.models import Organisation, User
from citydesk.core.powers import Power
from citydesk.indicators import findings as lifecycle
from citydesk.indicators.anomaly_text import describe
from citydesk.indicators.models import Finding, IndicatorGroup
from citydesk.indicators.views_entry import _units_with
from citydesk.ioc.access import dashboard_scope
from citydesk.lib.text import sort_key

FINDING_RELATED = ("indicator__group", "unit__admin_unit")


def dashboards_refused() -> NotAllowed:
    return NotAllowed(_("The indicator dashboards are for unit heads and the city's leaders."))


def indicator_scope(user: User) -> frozenset[int] | None:
    """The dashboards' scope for the indicators (None: the whole city); NotAllowed names the indicator
    dashboards, not the operations center, for anyone without them."""
    try:
        return dashboard_scope(user)
    except NotAllowed as exc:
        raise dashboards_refused() from exc


def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    """403 for the dashboards: an officer who enters values is shown where their unit's findings are."""
    context = {
        "message": str(getattr(exc, "message", exc)),
        "findings_link": bool(_units_with(request.user, {Power.INDICATOR_ENTER})),
    }
    return render(request, "indicators/forbidden.html", context, status=403)


def described(findings: Iterable[Finding]) -> list[Finding]:
    """The findings, each with `text`: its explanation in the reader's language and number format, and
    `period_label`: its period as the pages name it."""
    from citydesk.indicators import periods

    out = list(findings)
    for f in out:
        f.text = describe(f)
        f.period_label = periods.period_label(f.period_type, f.period)
    return out


REFUSED_TAG = "finding-note-"  # the messages' extra_tags of a refused note: "finding-note-<pk>"


def with_offers(findings: Iterable[Finding], user: User, request: HttpRequest | None = None) -> list[Finding]:
    """The findings, each with `text` and `offer` (the moves this reader may make now, and a hint);
    with `request`, the one whose note was just refused has `note_error` (shown next to its note)."""
    from citydesk.indicators import periods

    out = described(findings)
    offers = lifecycle.offers(user, out)
    refused = _refused_notes(request) if request is not None else {}
    session = getattr(request, "session", None) if request is not None else None
    enters = _units_with(user, {Power.INDICATOR_ENTER}) if user.is_authenticated else set()
    for f in out:
        f.offer = offers[f.pk]
        f.note_error = refused.get(f.pk, "")
        f.note_value = session.pop(f"{REFUSED_TAG}{f.pk}", "") if session is not None and f.note_error else ""
        # The unit's officers correct the value where they enter it: the form is linked from the finding.
        f.form_url = (
            reverse(
                "indicators_entry:form",
                args=[f.indicator.group.code, f.unit.code, periods.period_key(f.period_type, f.period)],
            )
            if f.unit_id in enters
            else ""
        )
    return out


def _refused_notes(request: HttpRequest) -> dict[int, str]:
    """{finding pk: message} of the notes refused by the action just redirected from. The messages stay
    in the page's list too (read, not removed): a finding no longer shown still has its refusal said."""
    out: dict[int, str] = {}
    for message in messages.get_messages(request):
        tag = message.extra_tags or ""
        if tag.startswith(REFUSED_TAG) and tag[len(REFUSED_TAG) :].isdigit():
            out[int(tag[len(REFUSED_TAG) :])] = str(message.message)
    return out


def _visible(user: User) -> frozenset[int] | None:
    """The units whose findings `user` sees (None: all); NotAllowed for someone who sees none."""
    try:
        scope = dashboard_scope(user)
    except NotAllowed:
        scope = frozenset()
    if scope is None:
        return None
    units = scope | frozenset(_units_with(user, {Power.INDICATOR_ENTER}))
    if not units:
        raise dashboards_refused()
    return units


@login_required
@require_GET
def unit_findings(request: HttpRequest) -> HttpResponse:
    """The open findings of the units whose indicators the reader enters, with their moves."""
    units = _units_with(request.user, {Power.INDICATOR_ENTER})
    if not units:
        return render(
            request,
            "reports/forbidden.html",
            {"message": _("You enter indicator values for no unit.")},
            status=403,
        )
    base = Finding.objects.filter(unit_id__in=units, state__in=lifecycle.OPEN_STATES)
    pairs = set(base.values_list("unit_id", "indicator__group_id").distinct())
    choices = sorted(
        Organisation.objects.filter(pk__in={u for u, _g in pairs}), key=lambda u: sort_key(u.name)
    )
    rows = base
    unit_code = (request.GET.get("unit") or "").strip()
    group_code = (request.GET.get("group") or "").strip()
    if unit_code:
        rows = rows.filter(unit__code=unit_code)
    if group_code:
        rows = rows.filter(indicator__group__code=group_code)
    found = with_offers(
        rows.select_related(*FINDING_RELATED).order_by("-found_at", "-id")[:200], request.user, request
    )
    context: dict[str, Any] = {
        "findings": found,
        "units": choices,
        "unit_value": unit_code,
        "group_value": group_code,
        "groups": IndicatorGroup.objects.filter(pk__in={g for _u, g in pairs}),
    }
    return render(request, "indicators/entry_findings.html", context)


def open_count(user: User, unit_ids: Iterable[int], group: IndicatorGroup | None = None) -> int:
    """Open findings of these units (of one group) that wait for the unit: flagged ones."""
    rows = Finding.objects.filter(unit_id__in=list(unit_ids), state=lifecycle.FindingState.FLAGGED)
    if group is not None:
        rows = rows.filter(indicator__group=group)
    return rows.count()


@login_required
@require_POST
def finding_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Explain, correct, close or reopen a finding (with the version shown, so two people cannot
    overwrite each other), then back to the page it came from."""
    try:
        visible = _visible(request.user)
    except NotAllowed as exc:
        return forbidden(request, exc)
    finding = Finding.objects.select_related("indicator__group", "unit").filter(pk=pk).first()
    if finding is None or (visible is not None and finding.unit_id not in visible):
        raise Http404(_("No such finding."))
    if action not in lifecycle.ACTIONS:
        raise Http404(_("No such action."))
    back = request.POST.get("next") or ""
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        back = reverse("indicators:group", args=[finding.indicator.group.code])
    raw_version = request.POST.get("version") or ""
    try:
        version = int(raw_version) if raw_version else None
    except ValueError:
        context = {
            "message": _("The version is not a number."),
            "field": "",
            "field_code": "version",
            "back": back,
        }
        return render(request, "indicators/dash_error.html", context, status=400)
    try:
        lifecycle.finding_transition(
            user=request.user,
            finding_id=finding.pk,
            action=action,
            note=(request.POST.get("note") or "").strip(),
            version=version,
        )
    except DomainError as exc:
        if exc.field in ("note", "value") and not isinstance(exc, NotAllowed):
            # The reader's own input (an empty note to explain, "corrected" with the value unchanged): back
            # to the finding, the error next to its note, rather than a page the reader must come back from.
            messages.error(request, exc.message, extra_tags=f"{REFUSED_TAG}{finding.pk}")
            # The typed note comes back in its field (bounded: a note refused for its length is kept too).
            request.session[f"{REFUSED_TAG}{finding.pk}"] = (request.POST.get("note") or "")[:20000]
            return redirect(back + f"#finding-{finding.pk}")
        # The other fields (version, action) are the page's own: no input to name.
        context = {
            "message": exc.message,
            "field": "",
            "field_code": exc.field or "",
            "back": back + f"#finding-{finding.pk}",
        }
        return render(request, "indicators/dash_error.html", context, status=exc.status)
    messages.success(request, _done(action, finding))
    return redirect(back + f"#finding-{finding.pk}")


def _done(action: str, finding: Finding) -> str:
    """What the move did, said of the value it is about."""
    names = {"indicator": finding.indicator.display_name, "unit": finding.unit.name}
    if action == "explain":
        return (
            _("Your explanation of “%(indicator)s” (%(unit)s) has been recorded; a supervisor will close it.")
            % names
        )
    if action == "correct":
        return (
            _("“%(indicator)s” (%(unit)s) has been marked corrected; a supervisor will close the finding.")
            % names
        )
    if action == "close":
        return _("The finding on “%(indicator)s” (%(unit)s) has been closed.") % names
    return (
        _("The finding on “%(indicator)s” (%(unit)s) has been reopened: it waits for the unit again.") % names
    )
