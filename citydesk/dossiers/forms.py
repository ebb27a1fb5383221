"""Input parsing for the one-stop pages. Forms only read and type the input; the rules live in the services.

A service refuses with `DomainError(message, field=...)`; `add_domain_error` puts the message next to the
form field the service names (`applicant_phone`, `documents`, `unit`…), or at the top of the form.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.calendar import check_in_range
from citydesk.core.errors import DomainError, DomainErrors
from citydesk.dossiers.models import Channel, ResultMethod
from citydesk.dossiers.selectors import lookup_text
from citydesk.dossiers.services import Applicant, Upload, applicant_from
from citydesk.lib.text import nfc, tracking_code

APPLICANT_FIELDS = (
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
)
FILE_PREFIX = "doc_"
STAGED_PREFIX = "staged_"  # a file kept from a refused submission: staged_<document id> = its id
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def _text(max_length: int, label: Any = "") -> forms.CharField:
    return forms.CharField(required=False, max_length=max_length, label=label, strip=True)


def _stored(label: Any = "") -> forms.CharField:
    """Text a service stores. No form limit: the service refuses text longer than its column and says the
    limit, the same way on the pages and in the API."""
    return forms.CharField(required=False, label=label, strip=True)


class DomainErrorForm(forms.Form):
    """A form that can show a service's refusal next to the field it names."""

    field_map: dict[str, str] = {}

    def form_field_for(self, service_field: str | None) -> str | None:
        if not service_field:
            return None
        name = self.field_map.get(service_field, service_field)
        return name if name in self.fields else None

    def add_domain_error(self, exc: DomainError) -> None:
        if isinstance(exc, DomainErrors):  # several inputs refused at once: each beside its field
            self.add_domain_errors(exc.problems)
            return
        name = self.form_field_for(exc.field)
        if name is not None and name in self.errors:
            return  # already explained
        self.add_error(name, exc.message)

    def add_domain_errors(self, problems: list[DomainError]) -> None:
        """Every problem a service found, each next to its field; a field the form itself refused
        already keeps its own message, a field with several problems (the papers) lists them all."""
        refused = set(self.errors)
        for exc in problems:
            name = self.form_field_for(exc.field)
            if name is not None and name in refused:
                continue
            if exc.message not in self.errors.get(name or "__all__", []):
                self.add_error(name, exc.message)

    def value(self, name: str) -> Any:
        if hasattr(self, "cleaned_data") and name in self.cleaned_data:
            return self.cleaned_data[name]
        return self.data.get(name, "")


class ApplicantMixin(forms.Form):
    applicant_name = _stored(gettext_lazy("Full name"))
    applicant_id_number = _stored(gettext_lazy("Citizen ID number"))
    applicant_phone = _stored(gettext_lazy("Phone"))
    applicant_email = _stored(gettext_lazy("E-mail"))
    applicant_address = _stored(gettext_lazy("Address"))

    def applicant(self) -> Applicant:
        data = getattr(self, "cleaned_data", {}) or {}
        return applicant_from({k: nfc(data.get(k) or "") for k in APPLICANT_FIELDS})


class DeskIntakeForm(ApplicantMixin, DomainErrorForm):
    """The desk: a procedure, its papers ticked off, the applicant, desk or post."""

    unit = _text(40)
    procedure = _text(40)
    documents = forms.Field(required=False)  # the checklist (read by document_ids); holds its errors
    channel = forms.ChoiceField(
        required=False, choices=[(Channel.DESK, Channel.DESK.label), (Channel.POST, Channel.POST.label)]
    )
    # A dossier the unit's specialists took in directly, recorded here afterwards: it counts against the
    # target share handled through the one-stop system (Dossier.via_one_stop).
    outside_one_stop = forms.BooleanField(required=False)
    # The form's one-time token (`new_form_token`, a hidden field): the same form sent twice (a double
    # click, two tabs, a resend) receives one dossier, the second send gets the first.
    form_token = forms.CharField(required=False, max_length=120)
    field_map = {"code": "procedure"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].error_messages["invalid_choice"] = _("Choose the desk or the post.")

    def document_ids(self) -> list[int]:
        """The ticked papers; a value that is not a number is refused (field “documents”)."""
        raw = self.data.getlist("documents") if hasattr(self.data, "getlist") else []
        ids: list[int] = []
        for value in raw:
            try:
                ids.append(int(value))
            except (TypeError, ValueError):
                raise DomainError(_("Tick the papers from the list."), field="documents") from None
        return ids

    def channel_value(self) -> str:
        return (getattr(self, "cleaned_data", {}) or {}).get("channel") or Channel.DESK

    def token(self) -> str:
        """The form's one-time token as sent ("" when missing or not one: the form is then received as
        it comes, with no replay)."""
        value = str(self.data.get("form_token") or "").strip() if self.is_bound else ""
        return value if _TOKEN.fullmatch(value) else ""


_TOKEN = re.compile(r"[0-9a-f]{32}")


def new_form_token() -> str:
    """A new one-time token for a form that must not be received twice (as the report form's
    idempotency key, `reports.forms.new_idempotency_key`)."""
    return uuid.uuid4().hex


class OnlineFilingForm(ApplicantMixin, DomainErrorForm):
    """Online filing: the receiving unit, the applicant, one file per paper, consent."""

    unit = _text(300, gettext_lazy("Receiving unit"))
    documents = forms.Field(required=False)  # the files come in request.FILES; holds their errors
    consent = forms.BooleanField(required=False)

    def clean_consent(self) -> bool:
        if not self.cleaned_data.get("consent"):
            raise forms.ValidationError(
                _("Confirm that the information is true and that you agree to its processing.")
            )
        return True

    def staged_choice(self) -> dict[int, str]:
        """The files kept from a refused submission that the form carries back (hidden fields
        `staged_<document id>`): document id → staged file id. Anything malformed is passed over."""
        chosen: dict[int, str] = {}
        for name in self.data:
            number = name[len(STAGED_PREFIX) :] if name.startswith(STAGED_PREFIX) else ""
            value = str(self.data.get(name) or "").strip()
            if number.isascii() and number.isdigit() and len(number) < 10 and value and len(value) <= 64:
                chosen[int(number)] = value
        return chosen

    def removed_paper(self) -> int | None:
        """The paper whose kept file the applicant removes (its “Remove” button), if that was pressed."""
        value = str(self.data.get("unstage") or "").strip()
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def uploads_from(files: Any, known_ids: set[int], *, prefix: str = FILE_PREFIX) -> list[Upload]:
    """Files posted as `doc_<document id>` (several per field allowed) → Upload rows for the services."""
    uploads: list[Upload] = []
    for name in files:
        if not name.startswith(prefix):
            continue
        try:
            document_id = int(name[len(prefix) :])
        except ValueError:
            continue
        if document_id not in known_ids:
            raise DomainError(
                _("Document %(id)s is not a paper of this procedure.") % {"id": document_id},
                field="documents",
            )
        for item in files.getlist(name):
            if isinstance(item, UploadedFile) and item.size:
                uploads.append(Upload(document_id=document_id, file=item))
    return uploads


class ActionForm(DomainErrorForm):
    """One workflow move on the officer page (or the applicant's page)."""

    action = _text(40)
    version = forms.IntegerField(required=False, min_value=1)
    note = _stored()
    result_method = forms.ChoiceField(required=False, choices=[("", ""), *ResultMethod.choices])
    tracking_number = _stored()
    delivery_address = _stored()
    confirm = forms.BooleanField(required=False)  # the box “I understand…” of a move that ends the dossier
    field_map = {"documents": "files"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"] = forms.CharField(required=False)  # holds the upload errors
        self.fields["result_method"].error_messages["invalid_choice"] = _(
            "Choose how the result is handed over."
        )

    def confirmed(self) -> bool:
        return bool((getattr(self, "cleaned_data", {}) or {}).get("confirm"))

    def papers(self) -> list[int]:
        """The procedure's papers ticked in a request for additional papers (their ids)."""
        if not hasattr(self.data, "getlist"):
            return []
        ticked = [p.strip() for p in self.data.getlist("papers") if p.strip()]
        if not all(p.isdigit() for p in ticked):
            raise DomainError(_("Tick the papers in the list."), field="papers")
        return [int(p) for p in ticked]

    def note_text(self) -> str:
        return (getattr(self, "cleaned_data", {}) or {}).get("note") or ""


class LookupForm(forms.Form):
    code = _text(40, gettext_lazy("Dossier code"))

    def code_value(self) -> str:
        return tracking_code(lookup_text(self.data.get("code")))  # "hs 26 123" -> HS-26-000123


class PhoneCheckForm(forms.Form):
    phone = _text(20, gettext_lazy("Phone"))

    def digits(self) -> str:
        return "".join(ch for ch in (self.data.get("phone") or "") if ch.isdigit())


class QueueFilterForm(forms.Form):
    unit = _text(200)  # one unit's code (the backlog's links); checked against the viewer's units
    status = _text(20)
    procedure = _text(40)
    overdue = forms.BooleanField(required=False)
    q = _text(100)
    page = forms.IntegerField(required=False, min_value=1)

    def value(self, name: str) -> Any:
        data = getattr(self, "cleaned_data", {}) or {}
        return data.get(name) if name in data else None


class PaymentForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("paid", "paid"), ("failed", "failed")])


def check_campaign_dates(values: Mapping[str, Any]) -> None:
    """Refuse a campaign date the working-day calendar does not cover (it computes the campaign's due
    times: 1990–2100), and an end before the start, naming the field. A text that is not a date at all is
    left to the service, which says so for the same field."""
    days: dict[str, dt.date] = {}
    for field in ("start_date", "end_date"):
        text = str(values.get(field) or "").strip()
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            continue
        check_in_range(day, field)
        days[field] = day
    if len(days) == 2 and days["end_date"] < days["start_date"]:
        raise DomainError(_("The campaign cannot end before it starts."), field="end_date")
