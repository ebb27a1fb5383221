"""Downloads of the overview as it is on screen: the Excel workbook and the PDF brief.

Same door as the overview: logged in, the dashboard power, the same scope and the same filters (the
page's query string); a bad filter is a 400 naming the field, in plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from citydesk.core.errors import NotAllowed
from citydesk.ioc import exports
from citydesk.ioc.views import OverviewForm, _drill_link, _scope_label, dashboard_scope, panels


def _view_context(
    request: HttpRequest, absolute_links: bool = False, before: Callable[[], None] | None = None
) -> dict[str, Any] | HttpResponse:
    """The overview's context for the request's filters, or the response refusing them.

    `before` runs once the request is known to be valid and before the panels are computed."""
    try:
        scope = dashboard_scope(request.user)
    except NotAllowed as exc:
        return render(request, "reports/forbidden.html", {"message": str(exc)}, status=403)
    form = OverviewForm(request.GET or {"period": "30d"}, scope=scope)
    if not form.is_valid():
        lines = [_("The filters are not valid:")]
        for name, errors in form.errors.items():
            for error in errors:
                if name == "__all__":
                    lines.append(str(error))
                    continue
                label = form.fields[name].label if name in form.fields else None
                # As the page names it, and the query parameter for whoever builds the URL.
                lines.append(f"{label} ({name}): {error}" if label else f"{name}: {error}")
        return HttpResponse("\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8")
    if before is not None:
        before()
    link = _drill_link(form)
    if absolute_links:  # a PDF's links leave CityDesk: they need the host
        relative = link

        def link(**changes: str) -> str:
            return request.build_absolute_uri(relative(**changes))

    filters = form.filters()
    return {
        "form": form,
        "filters": filters,
        "scope_label": _scope_label(scope),
        "query": request.GET.urlencode(),
        **panels.overview(filters, link),
        "generated_at": timezone.localtime(),
    }


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
def overview_xlsx_view(request: HttpRequest) -> HttpResponse:
    context = _view_context(request)
    if isinstance(context, HttpResponse):
        return context
    return _download(exports.overview_xlsx(context), exports.XLSX_TYPE, exports.filename(context, "xlsx"))


@login_required
def overview_pdf_view(request: HttpRequest) -> HttpResponse:
    try:
        context = _view_context(request, absolute_links=True, before=exports.load_weasyprint)
        if isinstance(context, HttpResponse):
            return context
        pdf = exports.overview_pdf(context, request)
    except exports.PdfUnavailable as exc:
        return HttpResponse(f"{exc}\n", status=503, content_type="text/plain; charset=utf-8")
    return _download(pdf, "application/pdf", exports.filename(context, "pdf"))
