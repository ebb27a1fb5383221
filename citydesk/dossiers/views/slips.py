"""The one-stop slips as PDFs, the apology for a late dossier, and the signed result's file: attached by
the handling officers, downloaded by them and, once the result is handed over online, by the applicant."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from citydesk.core.access import record_case_access
from citydesk.core.errors import DomainError, NotAllowed
from citydesk.dossiers import selectors, slips
from citydesk.dossiers.models import Dossier, ResultFile
from citydesk.dossiers.services.common import local_text
from citydesk.dossiers.views.common import (
    FULL,
    applicant_access,
    forbidden,
    handled_dossier,
    login_or_forbidden,
    norm_code,
    not_found,
    refusal,
    status_of,
)
from citydesk.dossiers.views.officer import _page, page_error

# The forms of this module on the officer's page (`officer._page` shows their errors).
APOLOGY_FORM, RESULT_FORM = "apology", "result_file"


def _for_officers(request: HttpRequest, code: str) -> tuple[Dossier | None, HttpResponse | None]:
    """The dossier for its handling officers (the rule of the officer's page); anyone else is refused
    (the anonymous visitor sent to log in), the applicant too: their slips come to them from the desk."""
    dossier = selectors.dossier_for_page(code)
    if dossier is None:
        return None, not_found(request, _("No dossier %(code)s.") % {"code": norm_code(code)})
    if not selectors.may_handle(request.user, dossier, list(dossier.steps.all())):
        return None, login_or_forbidden(request, _("This is for the officers handling the dossier."))
    return dossier, None


@require_GET
def slip(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """A slip of the dossier as a PDF (`slips.SLIPS`): 404 when there is nothing to print it from."""
    dossier, refused = _for_officers(request, code)
    if refused is not None:
        return refused
    assert dossier is not None
    try:
        pdf = slips.slip_pdf(dossier, kind, request)
    except DomainError as exc:
        return refusal(request, exc)
    except slips.PdfUnavailable as exc:
        return render(
            request,
            "dossiers/_refusal.html",
            {"title": _("PDF unavailable"), "message": str(exc)},
            status=503,
        )
    record_case_access(request, dossier, "receipt")  # a printed slip carries the applicant's details
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{slips.slip_file_name(dossier, kind)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _version(request: HttpRequest) -> int:
    raw = (request.POST.get("version") or "").strip()
    if not re.fullmatch(r"[0-9]{1,9}", raw):  # not isdigit(): "²" is a digit int() refuses
        raise DomainError(_("The page did not say which version you saw: reload it."), field="version")
    return int(raw)


def _page_error(
    request: HttpRequest, dossier: Dossier, form: str, exc: DomainError, values: dict
) -> HttpResponse:
    """The officer's page again, the refusal shown at the form (the dossier as it is now)."""
    fresh = selectors.dossier_for_page(dossier.code) or dossier
    return _page(
        request,
        fresh,
        list(fresh.steps.all()),
        error=page_error(form, exc),  # every problem of a DomainErrors, each beside its field
        values=values,
        status=status_of(exc),
    )


@login_required
@require_POST
def apology(request: HttpRequest, code: str) -> HttpResponse:
    """Record the apology for a late dossier with the new appointment (then print its slip)."""
    dossier, _steps, refused = handled_dossier(request, code)
    if refused is not None:
        return refused
    assert dossier is not None
    values = {"appointment": request.POST.get("appointment", ""), "reason": request.POST.get("reason", "")}
    try:
        event = slips.dossier_apologise(
            user=request.user,
            code=dossier.code,
            appointment=values["appointment"],
            reason=values["reason"],
            version=_version(request),
        )
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    except DomainError as exc:
        return _page_error(request, dossier, APOLOGY_FORM, exc, values)
    messages.success(
        request,
        _("%(code)s: the apology and the new appointment (%(at)s) are recorded and sent to the applicant.")
        % {"code": dossier.code, "at": local_text(event.appointment_at)},
    )
    return redirect("dossiers:dossier", code=dossier.code)


@login_required
@require_POST
def result_attach(request: HttpRequest, code: str) -> HttpResponse:
    """Attach (or replace) the signed result's file of a dossier whose result is ready."""
    dossier, _steps, refused = handled_dossier(request, code)
    if refused is not None:
        return refused
    assert dossier is not None
    try:
        slips.dossier_attach_result(
            user=request.user,
            code=dossier.code,
            upload=request.FILES.get("file"),
            version=_version(request),
        )
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    except DomainError as exc:
        return _page_error(request, dossier, RESULT_FORM, exc, {})
    messages.success(
        request,
        _(
            "%(code)s: the signed result is attached; the applicant downloads it once it is handed over online."
        )
        % {"code": dossier.code},
    )
    return redirect("dossiers:dossier", code=dossier.code)


def serve_result(result: ResultFile) -> HttpResponse | None:
    """The signed result's file, never through a public media URL (as the dossier's papers)."""
    try:
        handle = result.file.open("rb")
    except (OSError, ValueError):
        return None
    response = FileResponse(
        handle,
        content_type=result.content_type or "application/octet-stream",
        as_attachment=result.content_type not in ("application/pdf", "image/jpeg", "image/png"),
        filename=result.filename,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def officer_result(request: HttpRequest, code: str) -> HttpResponse:
    """The signed result's file for the handling officers."""
    dossier, refused = _for_officers(request, code)
    if refused is not None:
        return refused
    assert dossier is not None
    result = dossier.signed_result
    response = serve_result(result) if result is not None else None
    if response is None:
        return not_found(request, _("Dossier %(code)s has no signed result file.") % {"code": dossier.code})
    record_case_access(request, dossier, "file")
    return response


@require_GET
def applicant_result(request: HttpRequest, code: str) -> HttpResponse:
    """The signed result's file for the applicant (their account, or the dossier's own link `?t=`), once
    the result is handed over online; nobody else (the phone check's summary does not open it)."""
    dossier = selectors.dossier_for_page(code)
    if dossier is None:
        return not_found(request, _("No dossier has the code %(code)s.") % {"code": norm_code(code)})
    token = request.GET.get("t", "")
    token = token if token.isascii() else ""  # `token_ok`'s compare_digest takes ASCII only: a wrong key
    if applicant_access(request, dossier, token) != FULL:
        return login_or_forbidden(
            request,
            _(
                "The result is for the applicant: open the link sent to you (on the receipt, by SMS or e-mail), or log in."
            ),
        )
    result = dossier.delivered_result_file
    response = serve_result(result) if result is not None else None
    if response is None:
        return not_found(
            request,
            _(
                "Dossier %(code)s has no result file to download: it is here once the result is handed over online."
            )
            % {"code": dossier.code},
        )
    return response
