"""Operations center pages: the city overview (and its panels alone, for the live refresh)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.core.errors import NotAllowed
from citydesk.core.models import Organisation, ServiceCategory
from citydesk.ioc import panels
from citydesk.ioc.access import dashboard_scope
from citydesk.ioc.forms import PRESETS, OverviewForm
from citydesk.lib.text import sort_key
from citydesk.reports.models import Channel, Status

REFRESH_SECONDS = 60


def _drill_link(form: OverviewForm) -> Any:
    """The queue URL listing the reports behind a number (the view's filters plus `changes`)."""
    data = form.cleaned_data
    base = {
        "received_from": data["start"].isoformat(),
        "received_to": data["end"].isoformat(),
        "category": data["category"].code if data.get("category") else "",
        "unit": data["unit"].code if data.get("unit") else "",
        "channel": data.get("channel") or "",
        "status": data.get("status") or "all",
    }

    def link(**changes: str) -> str:
        query = {**base, **changes}
        return reverse("reports:queue") + "?" + urlencode({k: v for k, v in query.items() if v})

    return link


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    try:
        scope = dashboard_scope(request.user)
    except NotAllowed as exc:
        return render(request, "reports/forbidden.html", {"message": str(exc)}, status=403)
    form = OverviewForm(request.GET or None, scope=scope)
    if not request.GET:
        form = OverviewForm({"period": "30d"}, scope=scope)
    partial = request.GET.get("partial") == "1"
    context: dict[str, Any] = {
        "form": form,
        "presets": list(PRESETS.items()),
        "categories": sorted(
            ServiceCategory.objects.filter(domain=ServiceCategory.Domain.REPORT),
            key=lambda c: sort_key(c.name),
        ),
        "units": _unit_choices(scope, request.GET.get("unit", "")),
        "channels": Channel.choices,
        "statuses": Status.choices,
        "scope_label": _scope_label(scope),
        "refresh_seconds": REFRESH_SECONDS,
        "tiles_url": settings.CITYDESK_MAP_TILES_URL,
    }
    if not form.is_valid():
        return render(request, "ioc/overview.html", context, status=400)
    started = time.perf_counter()
    filters = form.filters()
    context.update(panels.overview(filters, _drill_link(form)))
    context.update(
        filters=filters,
        generated_at=timezone.localtime(),
        server_ms=(time.perf_counter() - started) * 1000,
        query=request.GET.urlencode(),
    )
    template = "ioc/_panels.html" if partial else "ioc/overview.html"
    response = render(request, template, context)
    response["Server-Timing"] = f"panels;dur={context['server_ms']:.1f}"
    return response


def _unit_choices(scope: frozenset[int] | None, chosen: str) -> list[tuple[str, str, bool]]:
    """(code, name, selected) of the units the filter offers, in Vietnamese order: hundreds of them for a
    city leader, so plain tuples rather than model instances and form look-ups per option."""
    units = Organisation.objects.all() if scope is None else Organisation.objects.filter(pk__in=scope)
    rows = sorted(units.values_list("code", "name"), key=lambda row: sort_key(row[1]))
    return [(code, name, code == chosen) for code, name in rows]


def _scope_label(scope: frozenset[int] | None) -> str:
    if scope is None:
        return _("the whole city")
    top = Organisation.objects.filter(pk__in=scope).exclude(parent_id__in=scope).order_by("name")
    return ", ".join(o.name for o in top)
