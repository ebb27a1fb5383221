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

from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.reports import services
from citydesk.reports.models import Channel
from citydesk.reports.views.citizen import _track_response
from citydesk.reports.views.common import _code, _forbidden, _not_found, _status_of

# The form's fields, by the service's field names.
_FORM_FIELDS = {"text": "text", "files": "files", "file": "files"}


@require_POST
def reply(request: HttpRequest, code: str) -> HttpResponse:
    token = request.POST.get("t", "")
    try:
        result = services.report_reply(
            code=_code(code),
            text=request.POST.get("text", ""),
            files=request.FILES.getlist("files"),
            channel=Channel.WEB,
            user=request.user if request.user.is_authenticated else None,
            token=token,
        )
    except NotFound as exc:
        return _not_found(request, exc.message)
    except NotAllowed as exc:
        return _forbidden(request, exc.message)
    except DomainError as exc:
        # The tracking page again, the refusal next to the field at fault and the typed text kept.
        error = {"field": _FORM_FIELDS.get(exc.field or "", ""), "message": exc.message}
        return _track_response(request, code, token=token, reply_error=error, status=_status_of(exc))
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
