"""The reporter's answer from the tracking page (their link with its token, or logged in): text and files
for the handling unit (`services.report_reply`). The form is reports/_reply_form.html, on the tracking page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from citydesk.core.errors import Conflict, DomainError, NotAllowed, NotFound
from citydesk.dossiers import staging
from citydesk.reports import services
from citydesk.reports.forms import check_files
from citydesk.reports.models import Channel, Report
from citydesk.reports.services.replies import may_reply
from citydesk.reports.views.citizen import (
    STAGED_FIELD,
    UNSTAGE_FIELD,
    _track_response,
    kept_files,
    reply_files_key,
    stage_files,
    staged_uploads,
    unstage,
)
from citydesk.reports.views.common import _code, _forbidden, _not_found, _status_of

# The form's fields, by the service's field names.
_FORM_FIELDS = {"text": "text", "files": "files", "file": "files"}


@require_POST
def reply(request: HttpRequest, code: str) -> HttpResponse:
    """The reporter's answer. A refused answer keeps its text and the files that passed their checks (kept
    for this browser, shown as attached: they need not be chosen again); "Remove" beside one takes it off."""
    token = request.POST.get("t", "")
    key = reply_files_key(_code(code))
    kept = kept_files(request, key, request.POST.getlist(STAGED_FIELD))
    chosen = request.FILES.getlist("files")
    if request.POST.get(UNSTAGE_FIELD):  # nothing is sent: the page again, without that file
        report = Report.objects.filter(code=_code(code)).first()
        if report is None:
            return _not_found(request, _("No report %(code)s.") % {"code": _code(code)})
        user = request.user if request.user.is_authenticated else None
        if not may_reply(report, user=user, token=token):  # nothing kept for anyone else
            return _forbidden(
                request, _("Only the person who sent this report can answer the unit's questions about it.")
            )
        kept, notice = unstage(request, kept, request.POST[UNSTAGE_FIELD])
        good, refused = check_files(chosen)  # files chosen meanwhile are kept too
        kept = stage_files(request, key, good, kept)
        error = None
        if refused:
            message = " ".join(_("“%(name)s”: %(reason)s") % {"name": n, "reason": r} for n, r in refused)
            error = {"field": "files", "message": message}
        return _track_response(
            request,
            code,
            token=token,
            reply_error=error,
            reply_kept=kept,
            reply_notice=notice,
            status=400 if refused else 200,
        )
    try:
        result = services.report_reply(
            code=_code(code),
            text=request.POST.get("text", ""),
            files=[*staged_uploads(kept), *chosen],  # the ones kept from a refused try first
            channel=Channel.WEB,
            user=request.user if request.user.is_authenticated else None,
            token=token,
        )
    except NotFound as exc:
        return _not_found(request, exc.message)
    except NotAllowed as exc:
        return _forbidden(request, exc.message)
    except DomainError as exc:
        # The tracking page again, the refusal next to the field at fault, the typed text and the good
        # files kept (not when the report takes no more answers: there is no form to show them in).
        if not isinstance(exc, Conflict):
            kept = stage_files(request, key, check_files(chosen)[0], kept)
        error = {"field": _FORM_FIELDS.get(exc.field or "", ""), "message": exc.message}
        return _track_response(
            request, code, token=token, reply_error=error, reply_kept=kept, status=_status_of(exc)
        )
    staging.discard(request, kept)  # stored with the answer
    if result.resumed:
        messages.success(
            request,
            _("Thank you. Your answer was sent to %(unit)s, which continues handling your report.")
            % {"unit": result.report.unit.name},
        )
    else:
        messages.success(
            request,
            _("Thank you. Your answer was sent to %(unit)s.") % {"unit": result.report.unit.name},
        )
    url = reverse("reports:track", args=[result.report.code])
    return redirect(f"{url}?{urlencode({'t': token})}" if token else url)
