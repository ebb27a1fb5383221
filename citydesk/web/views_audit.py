"""The audit trail's page (/nhat-ky/): inspectors, administrators and the city's leaders read every row,
a unit's head the rows of their units' reports and dossiers; each action and object type by its name."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from citydesk.core.audit_labels import (
    change_rows,
    entry_action_label,
    object_type_label,
    related_names_of,
    system_actor_label,
)
from citydesk.core.audit_read import readable_audit
from citydesk.core.errors import NotAllowed
from citydesk.core.history_notes import actor_text
from citydesk.lib.text import nfc, sort_key

PAGE_SIZE = 50
# The object types a reader filters by most; any other is typed in the object's code field's neighbour.
COMMON_TYPES = ("report", "dossier", "user", "calendar_override", "procedure", "procedure_catalog", "campaign",
                "delegation", "rating", "payment", "service_category", "routing_rule", "organisation",
                "membership", "api_token", "open311_client", "kiosk", "directive", "indicators.submission",
                "indicators.finding")  # fmt: skip


class AuditFilterForm(forms.Form):
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Code or id of the object"), required=False, max_length=80)
    actor = forms.CharField(label=_("Who"), required=False, max_length=100)
    start = forms.DateField(label=_("From day"), required=False)
    end = forms.DateField(label=_("To day"), required=False)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        types = sorted(((t, object_type_label(t)) for t in COMMON_TYPES), key=lambda pair: sort_key(pair[1]))
        self.fields["object_type"].choices = [("", _("Every type")), *types]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The last day is before the first."))
        return data


@login_required
@require_GET
def audit_page(request: HttpRequest) -> HttpResponse:
    try:
        rows = readable_audit(request.user)
    except NotAllowed as exc:
        return render(request, "reports/forbidden.html", {"message": str(exc)}, status=403)
    form = AuditFilterForm(request.GET or None)
    status = 200
    entries: list[Any] = []
    older = None
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        if data.get("object_type"):
            rows = rows.filter(object_type=data["object_type"])
        if code := nfc(data.get("object_id") or "").strip():
            rows = rows.filter(object_id__in={code, code.upper()})
        if who := nfc(data.get("actor") or "").strip():
            rows = rows.filter(actor_label__icontains=who)
        tz = timezone.get_current_timezone()
        if data.get("start"):
            rows = rows.filter(at__gte=dt.datetime.combine(data["start"], dt.time.min, tzinfo=tz))
        if data.get("end"):
            rows = rows.filter(
                at__lt=dt.datetime.combine(data["end"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
            )
        if data.get("before"):
            rows = rows.filter(id__lt=data["before"])
        entries = list(rows.order_by("-id")[: PAGE_SIZE + 1])
        if len(entries) > PAGE_SIZE:
            entries = entries[:PAGE_SIZE]
            older = entries[-1].id
    query = request.GET.copy()
    query.pop("before", None)
    names = related_names_of(entries)  # the rows' links, one query per linked model for the page
    context = {
        "form": form,
        "rows": [
            {
                "entry": e,
                "actor": system_actor_label(actor_text(e.actor_label)),
                "action": entry_action_label(e),
                "object_type": object_type_label(e.object_type),
                "changes": change_rows(e, names),
            }
            for e in entries
        ],
        "older": older,
        "query": query.urlencode(),
    }
    return render(request, "web/audit.html", context, status=status)
