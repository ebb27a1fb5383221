"""The audit trail's page (/nhat-ky/): system administrators read every row, a city's leaders and inspectors
the rows of their city, a unit's head the rows of their units' reports and dossiers (core.audit_read); each
action and object type by its name. Its second tab (?view=access) lists, in the same scope, who among the
staff opened whose personal data (core.access)."""

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
    object_id_label,
    object_type_label,
    related_names_of,
    system_actor_label,
)
from citydesk.core.audit_read import readable_access, readable_audit
from citydesk.core.errors import NotAllowed
from citydesk.core.history_notes import actor_text
from citydesk.lib.text import nfc, sort_key
from citydesk.web.templatetags.date_fields import DayFirstDateField

PAGE_SIZE = 50
ACCESS_VIEW = "access"  # ?view=access: the readings of personal data
# The object types a reader filters by most; any other is typed in the object's code field's neighbour.
COMMON_TYPES = ("report", "dossier", "user", "calendar_override", "procedure", "procedure_catalog", "campaign",
                "delegation", "rating", "payment", "service_category", "routing_rule", "organisation",
                "membership", "api_token", "open311_client", "kiosk", "directive", "indicators.submission",
                "indicators.finding")  # fmt: skip


class AuditFilterForm(forms.Form):
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Code or id of the object"), required=False, max_length=80)
    actor = forms.CharField(label=_("Who"), required=False, max_length=100)
    start = DayFirstDateField(label=_("From day"), required=False)  # also 20112026 from a phone's keypad
    end = DayFirstDateField(label=_("To day"), required=False)
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


def _filtered(rows: Any, data: dict[str, Any], actor_field: str) -> Any:
    """The form's filters, on the trail's rows or on the readings of personal data."""
    if data.get("object_type"):
        rows = rows.filter(object_type=data["object_type"])
    if code := nfc(data.get("object_id") or "").strip():
        rows = rows.filter(object_id__in={code, code.upper()})
    if who := nfc(data.get("actor") or "").strip():
        rows = rows.filter(**{f"{actor_field}__icontains": who})
    tz = timezone.get_current_timezone()
    if data.get("start"):
        rows = rows.filter(at__gte=dt.datetime.combine(data["start"], dt.time.min, tzinfo=tz))
    if data.get("end"):
        rows = rows.filter(
            at__lt=dt.datetime.combine(data["end"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    if data.get("before"):
        rows = rows.filter(id__lt=data["before"])
    return rows


@login_required
@require_GET
def audit_page(request: HttpRequest) -> HttpResponse:
    access = request.GET.get("view") == ACCESS_VIEW
    try:
        rows = readable_access(request.user) if access else readable_audit(request.user)
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
        rows = _filtered(rows, data, "user_label" if access else "actor_label")
        entries = list(rows.order_by("-id")[: PAGE_SIZE + 1])
        if len(entries) > PAGE_SIZE:
            entries = entries[:PAGE_SIZE]
            older = entries[-1].id
    query = request.GET.copy()
    query.pop("before", None)
    context = {"form": form, "older": older, "query": query.urlencode(), "access": access}
    if access:
        context["readings"] = [{"entry": e, "object_type": object_type_label(e.object_type)} for e in entries]
        return render(request, "web/audit.html", context, status=status)
    names = related_names_of(entries)  # the rows' links, one query per linked model for the page
    context["rows"] = [
        {
            "entry": e,
            "actor": system_actor_label(actor_text(e.actor_label)),
            "action": entry_action_label(e),
            "object_type": object_type_label(e.object_type),
            "object_id": object_id_label(e.object_type, e.object_id),
            "changes": change_rows(e, names),
        }
        for e in entries
    ]
    return render(request, "web/audit.html", context, status=status)
