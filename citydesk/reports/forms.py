"""Input parsing for the 1022 pages. Forms read and type the input; the rules live in the services.

A service refuses with `DomainError(message, field=...)`; `add_domain_error` puts that message next to the
form field that the service names (``answers.depth_cm`` → the question's field, ``ward_code`` → ``ward``).
A service stops at the first problem, so the report forms also run the intake's checks of their own
fields (with the service's helpers and messages) to name every problem in one answer; the service still
checks everything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from citydesk.core.errors import DomainError
from citydesk.core.models import AdminUnit, DivisionLevel, ServiceCategory
from citydesk.core.units import legacy_successors
from citydesk.core.validators import usable_questions
from citydesk.lib.text import nfc_lines, search_key
from citydesk.notifications.services import message_language
from citydesk.reports.models import Channel, Status
from citydesk.reports.services.common import (
    MAX_DESCRIPTION,
    _check_answers,
    normalize_phone,
)
from citydesk.reports.wards import has_division, split_label
from citydesk.web.templatetags.date_fields import DayFirstDateField

ANSWER_PREFIX = "a_"


def grouped(number: int | float) -> str:
    """A number as the page's language writes it, its thousands grouped: 1.234,5 (vi), 1,234.5 (en)."""
    return number_format(number, use_l10n=True, force_grouping=True)


def english() -> bool:
    return (get_language() or "vi").startswith("en")


def category_label(category: ServiceCategory) -> str:
    return category.name_en if english() and category.name_en else category.name


def question_label(question: dict[str, Any]) -> str:
    label = question.get("label_en") if english() else question.get("label")
    return label or question.get("label") or question["code"]


def choice_options(question: dict[str, Any]) -> list[tuple[str, str]]:
    """A choice question's answers as (the value stored, the label shown). A category's schema may give
    English labels in `choices_en`, in the order of `choices`: English pages show them, while the answer
    stored stays the Vietnamese choice (what the intake checks and the officers read). A schema without
    them, or with a list that does not match, shows the choices as they are."""
    choices = [str(choice) for choice in question.get("choices") or []]
    labels = question.get("choices_en")
    if (
        english()
        and isinstance(labels, list)
        and len(labels) == len(choices)
        and all(isinstance(label, str) and label.strip() for label in labels)
    ):
        return list(zip(choices, labels, strict=True))
    return [(choice, choice) for choice in choices]


def answer_rows(category: ServiceCategory, answers: dict[str, Any] | None) -> list[tuple[str, str]]:
    """A report's answers as read: (the question as asked, the answer in the reader's number format), in
    the category's order; an answer to a question since removed keeps its code."""
    answers = dict(answers or {})
    rows = []
    for question in category.questions or []:
        if not isinstance(question, dict) or question.get("code") not in answers:
            continue
        value = answers.pop(question["code"])
        if isinstance(value, int | float) and not isinstance(value, bool):
            # 1.234,5 on a Vietnamese page, 1,234.5 on an English one: as the citizen typed it.
            value = grouped(int(value) if float(value).is_integer() else value)
        elif question.get("type") == "choice":
            value = dict(choice_options(question)).get(str(value), value)
        rows.append((question_label(question), str(value)))
    rows += [(code, str(value)) for code, value in answers.items()]
    return rows


def answer_field_name(category_code: str, question_code: str) -> str:
    return f"{ANSWER_PREFIX}{category_code}__{question_code}"


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class DomainErrorForm(forms.Form):
    """A form that can show a service's refusal next to the field it names."""

    # service field name -> form field name
    field_map: dict[str, str] = {}

    def form_field_for(self, service_field: str | None) -> str | None:
        if not service_field:
            return None
        name = self.field_map.get(service_field, service_field)
        return name if name in self.fields else None

    def add_domain_error(self, exc: DomainError) -> None:
        # Several problems at once (`DomainErrors`): each next to its field.
        for problem in getattr(exc, "problems", None) or [exc]:
            self.add_error(self.form_field_for(problem.field), problem.message)

    # The report's categories (to refuse an unknown code with the other problems); None: not checked here.
    categories: list[ServiceCategory] | None = None
    # Stored lengths (the intake service refuses longer ones; said here with every other problem).
    MAX_LENGTHS: dict[str, int] = {"description": MAX_DESCRIPTION, "address": 300, "contact_name": 150}

    def missing_place_message(self) -> str:
        return _("Give the place: pick it on the map, or enter an address.")

    def require_basics(self, data: dict[str, Any]) -> None:
        """Everything the intake service checks on the form's own fields, all said at once (the service
        stops at the first problem): a known category, a description, a place (a point, a commune/ward
        or an address), the lengths it stores, and a valid phone number and e-mail address."""
        code = data.get("category")
        if "category" not in self.errors:  # else already said (a code too long to be one)
            if not code:
                self.add_error(self.form_field_for("category"), _("Choose a category."))
            elif self.categories is not None and self.chosen_category() is None:
                message = _("Unknown category “%(c)s”.") % {"c": code}
                self.add_error(self.form_field_for("category"), message)
        if not data.get("description"):
            self.add_error(self.form_field_for("description"), _("Describe the problem."))
        elif len(nfc_lines(data["description"])) > MAX_DESCRIPTION:  # counted as stored, as the page counts
            message = _("The description is too long (at most %(n)s characters).") % {
                "n": grouped(MAX_DESCRIPTION)
            }
            self.add_error(self.form_field_for("description"), message)
        for name in ("address", "contact_name"):
            limit = self.MAX_LENGTHS[name]
            if len(data.get(name) or "") > limit and name not in self.errors:
                self.add_error(name, _("Too long (at most %(n)s characters).") % {"n": limit})
        has_point = data.get("lon") is not None and data.get("lat") is not None
        given = has_point or data.get("ward_code") or data.get("ward") or data.get("address")
        if not given and not self.errors.get("location"):
            self.add_error(self.form_field_for("address"), self.missing_place_message())
        self.check_contacts(data)

    def check_contacts(self, data: dict[str, Any]) -> None:
        try:
            normalize_phone(data.get("contact_phone") or "")
        except DomainError as exc:
            self.add_domain_error(exc)
        email = data.get("contact_email") or ""
        if email and "contact_email" in self.fields:
            from citydesk.reports.services.intake import EMAIL_LIMIT

            if len(email) > EMAIL_LIMIT:  # with the other problems, not on a second round after the service
                self.add_error(
                    "contact_email", _("Too long (at most %(n)s characters).") % {"n": EMAIL_LIMIT}
                )
                return
            try:
                validate_email(email)
            except ValidationError:
                self.add_error("contact_email", _("“%(e)s” is not an e-mail address.") % {"e": email})

    def chosen_category(self) -> ServiceCategory | None:
        code = self.cleaned_data.get("category", "") if hasattr(self, "cleaned_data") else ""
        return next((c for c in self.categories or [] if c.code == code), None)

    def error_for(self, name: str) -> str:
        errors = self.errors.get(name)
        return " ".join(str(e) for e in errors) if errors else ""


def resolve_ward(text: str, province: str) -> str:
    """A commune/ward typed as its code or its name (with or without accents) → its code.

    Also understood: a name picked from the list of suggestions ("Bến Thành (phường)", "Bến Thành (ward)",
    see `citydesk.reports.wards`) and a name followed by its code ("Bến Thành (26743)").
    Raises DomainError(field="ward") when the name matches nothing or several units of the province.
    """
    text = (text or "").strip()
    if not text or text.isdigit():
        return text
    candidates = AdminUnit.objects.filter(level=DivisionLevel.WARD)
    if province:
        candidates = candidates.filter(province_id=province)
    exact = _wards_named(candidates, search_key(text))
    if not exact:
        name, word = split_label(text)
        if word.isdigit():
            unit = candidates.filter(code=word).first()
            if unit is not None:
                return unit.code
        elif word:
            exact = _wards_named(candidates, search_key(name))
            if len(exact) > 1:
                exact = [u for u in exact if has_division(u, word)] or exact
    if len(exact) == 1:
        return exact[0].code
    if not exact:
        # A name from before July 2025 ("Bến Nghé"): the unit it went into, when it went whole into one.
        olds = legacy_successors(split_label(text)[0] or text, province or None)
        successors = {u.code: u for _old, units in olds for u in units}
        if len(successors) == 1:
            return next(iter(successors))
        if olds:
            listed = "; ".join(
                f"{old.name} ({old.parent.name if old.parent else ''}) → "
                + ", ".join(f"{u.name} ({u.code})" for u in units)
                for old, units in olds[:4]
            )
            raise DomainError(
                _("“%(name)s” is a name from before July 2025: %(list)s. Enter today's commune or ward.")
                % {"name": text, "list": listed},
                field="ward",
            )
        raise DomainError(
            _("No commune or ward named “%(name)s” in the chosen province. Enter its code.") % {"name": text},
            field="ward",
        )
    names = ", ".join(f"{u.name} ({u.code})" for u in exact[:5])
    raise DomainError(
        _("Several communes or wards match “%(name)s”: %(list)s. Enter the code.")
        % {"name": text, "list": names},
        field="ward",
    )


def _wards_named(candidates: Any, key: str) -> list[AdminUnit]:
    """The units named `key` (accent-free), or else whose name ends with it after the division word
    ("ben thanh" for "Phường Bến Thành")."""
    if not key:
        return []
    exact = list(candidates.filter(search_name=key))
    return exact or list(candidates.filter(search_name__endswith=" " + key))


class ReportForm(DomainErrorForm):
    """The citizen's report form (/phan-anh/moi/)."""

    field_map = {
        "ward_code": "ward",
        "province_code": "province",
        "lon": "location",
        "lat": "location",
        "file": "photos",
        "answers": "category",
        "channel": "",
    }

    idempotency_key = forms.CharField(required=False, max_length=120)
    category = forms.CharField(required=False, max_length=40)
    description = forms.CharField(required=False, strip=True)
    lon = forms.FloatField(required=False)
    lat = forms.FloatField(required=False)
    location = forms.CharField(required=False)  # only carries errors about the point
    address = forms.CharField(required=False, strip=True)
    province = forms.CharField(required=False, max_length=2)
    ward = forms.CharField(required=False, max_length=120)
    contact_name = forms.CharField(required=False, strip=True)
    contact_phone = forms.CharField(required=False, strip=True)
    contact_email = forms.CharField(required=False, strip=True)
    show_name_publicly = forms.BooleanField(required=False)
    # "Do not publish this report": handled as usual, readable only by its reporter and the city's staff.
    keep_private = forms.BooleanField(required=False)
    photos = forms.CharField(required=False)  # files come from request.FILES; errors land here
    # The commune/ward the citizen said is right when the point on the map lies in another (its code).
    confirmed_ward = forms.CharField(required=False, max_length=10)

    def __init__(self, *args: Any, categories: list[ServiceCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = categories
        for category in categories:
            for question in usable_questions(category.questions):
                self.fields[answer_field_name(category.code, question["code"])] = forms.CharField(
                    required=False, strip=True
                )

    def form_field_for(self, service_field: str | None) -> str | None:
        if service_field and service_field.startswith("answers."):
            code = self.data.get("category", "")
            name = answer_field_name(code, service_field.split(".", 1)[1])
            return name if name in self.fields else "category"
        return super().form_field_for(service_field)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            data["ward_code"] = resolve_ward(data.get("ward", ""), data.get("province", ""))
        except DomainError as exc:
            self.add_domain_error(exc)
        if "lon" in self.errors or "lat" in self.errors:
            # A hand-edited coordinate: say it once, next to the map, where the point is chosen.
            self.errors.pop("lon", None)
            self.errors.pop("lat", None)
            self.add_error("location", _("The chosen point is not valid: pick it again or clear it."))
        self.require_basics(data)
        self.check_answers()
        return data

    def check_answers(self) -> None:
        """The chosen category's questions, each checked as the intake service does, every one at once."""
        category = self.chosen_category()
        if category is None:
            return
        for question in usable_questions(category.questions):
            value = self.cleaned_data.get(answer_field_name(category.code, question["code"]), "")
            single = ServiceCategory(code=category.code, questions=[question])
            try:
                _check_answers(single, {question["code"]: value} if value not in (None, "") else {})
            except DomainError as exc:
                self.add_domain_error(exc)

    def answers(self) -> dict[str, str]:
        """Answers to the chosen category's questions only (the others were for other categories)."""
        code = self.cleaned_data.get("category", "")
        category = self.chosen_category()
        if category is None:
            return {}
        out = {}
        for question in usable_questions(category.questions):
            value = self.cleaned_data.get(answer_field_name(code, question["code"]), "")
            if value not in (None, ""):
                out[question["code"]] = value
        return out

    def question_groups(self) -> list[dict[str, Any]]:
        """For the template: each category with questions, and each question's bound field."""
        groups = []
        for category in self.categories:
            questions = []
            for question in usable_questions(category.questions):
                bound = self[answer_field_name(category.code, question["code"])]
                questions.append(
                    {
                        "question": question,
                        "label": question_label(question),
                        "field": bound,
                        "type": question.get("type", "text"),
                        "choices": question.get("choices", []),
                        # (value, label) pairs: the label in the reader's language (`choice_options`)
                        "options": choice_options(question),
                        "required": bool(question.get("required")),
                        "error": self.error_for(bound.name),
                    }
                )
            if questions:
                groups.append(
                    {"category": category, "label": category_label(category), "questions": questions}
                )
        return groups

    def check_photos(self, files: list[Any], *, kept: int = 0) -> list[CheckedFile]:
        """Cheap checks before the report is stored (the attachment service checks again): the files
        chosen now that pass (kept for the next try when something else is refused), each refused one
        named on the form. `kept`: the photos already attached from an earlier try, counted too."""
        limit = settings.CITYDESK_MAX_ATTACHMENTS
        if len(files) + kept > limit:
            self.add_error("photos", _("At most %(n)s files per report.") % {"n": limit})
            return []
        good, refused = check_files(files)  # every file is read and checked now: a refused one stops it
        for name, reason in refused:
            self.add_error("photos", _("“%(name)s”: %(reason)s") % {"name": name, "reason": reason})
        return good


@dataclass(frozen=True)
class CheckedFile:
    """A chosen file that passed `check_upload`: its bytes and type (what a kept copy is stored with)."""

    upload: UploadedFile
    data: bytes
    content_type: str


def check_files(files: list[Any]) -> tuple[list[CheckedFile], list[tuple[str, str]]]:
    """The chosen files that are photos (JPEG, PNG, WebP) or PDFs within the size limit, and the (name,
    why) of each that is not; each upload is left readable from the start."""
    from citydesk.reports.attachments import IMAGE_FORMATS, check_upload

    good: list[CheckedFile] = []
    refused: list[tuple[str, str]] = []
    for upload in files:
        if not isinstance(upload, UploadedFile):
            continue
        name = PurePath(upload.name or "file").name
        try:
            data, image = check_upload(upload)
        except DomainError as exc:
            refused.append((name, exc.message))
            continue
        content_type = "application/pdf" if image is None else IMAGE_FORMATS[str(image.format)][0]
        good.append(CheckedFile(upload=upload, data=data, content_type=content_type))
    return good, refused


class HotlineForm(DomainErrorForm):
    """The operator's call entry (/tong-dai/)."""

    field_map = {
        "ward_code": "ward",
        "province_code": "province",
        "lon": "address",
        "lat": "address",
        "answers": "category",
    }

    idempotency_key = forms.CharField(required=False, max_length=120)
    contact_phone = forms.CharField(required=False, strip=True)
    contact_name = forms.CharField(required=False, strip=True)
    category = forms.CharField(required=False, max_length=40)
    description = forms.CharField(required=False, strip=True)
    province = forms.CharField(required=False, max_length=2)
    ward = forms.CharField(required=False, max_length=120)
    address = forms.CharField(required=False, strip=True)
    on_behalf_of = forms.CharField(required=False, strip=True, max_length=100)

    def __init__(self, *args: Any, categories: list[ServiceCategory] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = categories

    def missing_place_message(self) -> str:
        # The hotline screen has no map.
        return _("Give the place: choose the commune/ward, or enter an address.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            data["ward_code"] = resolve_ward(data.get("ward", ""), data.get("province", ""))
        except DomainError as exc:
            self.add_domain_error(exc)
        self.require_basics(data)
        limit = self.MAX_LENGTHS["contact_name"]
        with_note = "contact_name" not in self.errors and bool(data.get("on_behalf_of"))
        if with_note and len(self.contact_name_with_note()) > limit:
            message = _("The caller's name and this note together take at most %(n)s characters.")
            self.add_error("on_behalf_of", message % {"n": limit})
        return data

    def contact_name_with_note(self) -> str:
        """The caller's name, and for whom they call: kept with the private contact data, written in the
        platform's language (the officers who read it later), not in the operator's screen language."""
        name = self.cleaned_data.get("contact_name", "")
        on_behalf = self.cleaned_data.get("on_behalf_of", "")
        if not on_behalf:
            return name
        with translation.override(message_language()):
            note = _("(on behalf of: %(name)s)") % {"name": on_behalf}
        return f"{name} {note}" if name else note


class QueueFilterForm(forms.Form):
    """The queue's filters (all in the URL). A value that cannot be one is named with its label in
    `problems()`; the other filters still apply (`value()`)."""

    # "done": resolved or closed (selectors.done_q), the operations center's resolved reports.
    STATUS_SPECIAL = ("open", "overdue", "triage_late", "done", "all")
    PAGE_SIZES = (10, 25, 50, 100)
    # A yes/no filter's values (the operations center's links say 1); any other value is named, not taken
    # for "yes" as a BooleanField would.
    FLAGS = {
        **dict.fromkeys(("1", "true", "yes", "on"), True),
        **dict.fromkeys(("0", "false", "no", "off"), False),
    }

    status = forms.CharField(required=False, label=gettext_lazy("Status"))
    category = forms.CharField(required=False, label=gettext_lazy("Category"))
    unit = forms.CharField(required=False, label=gettext_lazy("Unit"))
    assignee = forms.CharField(required=False, label=gettext_lazy("Assigned to"))
    q = forms.CharField(required=False, strip=True, max_length=200, label=gettext_lazy("Code or text"))
    channel = forms.CharField(required=False, max_length=10, label=gettext_lazy("Channel"))
    ward = forms.CharField(required=False, max_length=10, label=gettext_lazy("Commune / ward"))
    near_boundary = forms.BooleanField(required=False, label=gettext_lazy("Near a unit boundary"))
    cell = forms.IntegerField(required=False, min_value=0, label=gettext_lazy("Heat-map square"))
    # With `unit`: that unit's own reports, not those of the units below it (the operations center's units).
    unit_only = forms.CharField(required=False, label=gettext_lazy("Only this unit"))
    rated = forms.CharField(required=False, label=gettext_lazy("Rated by the citizen"))
    # Day first, and digits alone from a phone's keypad (20112026).
    received_from = DayFirstDateField(required=False, label=gettext_lazy("Received from"))
    received_to = DayFirstDateField(required=False, label=gettext_lazy("Received until"))
    page = forms.IntegerField(required=False, min_value=1, label=gettext_lazy("Page"))
    per_page = forms.IntegerField(required=False, min_value=1, label=gettext_lazy("Per page"))

    def clean_status(self) -> str:
        value = self.cleaned_data.get("status") or ""
        if value and value not in (*self.STATUS_SPECIAL, *Status.values):
            raise forms.ValidationError(_("“%(v)s” is not one of the choices.") % {"v": value})
        return value

    def clean_channel(self) -> str:
        value = self.cleaned_data.get("channel") or ""
        if value and value not in Channel.values:
            raise forms.ValidationError(_("“%(v)s” is not one of the choices.") % {"v": value})
        return value

    def _flag(self, name: str) -> bool:
        value = (self.cleaned_data.get(name) or "").strip().lower()
        if value not in ("", *self.FLAGS):
            raise forms.ValidationError(_("Must be true or false."))
        return self.FLAGS.get(value, False)

    def clean_unit_only(self) -> bool:
        return self._flag("unit_only")

    def clean_rated(self) -> bool:
        return self._flag("rated")

    def clean_per_page(self) -> int | None:
        value = self.cleaned_data.get("per_page")
        if value is not None and value not in self.PAGE_SIZES:
            choices = ", ".join(str(n) for n in self.PAGE_SIZES)
            raise forms.ValidationError(_("Choose one of: %(choices)s.") % {"choices": choices})
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and end < start:  # said, not an empty list without a word
            self.add_error("received_to", _("The end date is before the start date."))
        return data

    def value(self, name: str) -> Any:
        """The filter's value, or None when it is not given or not valid (the valid ones still apply)."""
        self.is_valid()
        return self.cleaned_data.get(name)

    def problems(self) -> list[tuple[str, str, str]]:
        """(field, label, message) of every filter value that was refused, for the page to say."""
        self.is_valid()
        return [(f.name, str(f.label), str(e)) for f in self if f.name in self.errors for e in f.errors]

    def status_value(self, allowed: list[str]) -> str:
        status = self.value("status") or "open"
        return status if status in (*self.STATUS_SPECIAL, *allowed) else "open"

    def page_size(self) -> int:
        size = self.value("per_page") or 50
        return size if size in self.PAGE_SIZES else 50


class BulkAssignForm(DomainErrorForm):
    assignee = forms.CharField(required=False)

    def codes(self) -> list[str]:
        seen: list[str] = []
        for code in self.data.getlist("codes"):
            code = code.strip().upper()
            if code and code not in seen:
                seen.append(code)
        return seen[:200]


class ActionForm(DomainErrorForm):
    """One workflow move on the officer page; `version` is the one the officer saw."""

    field_map = {"target_unit": "target_unit", "code": "action"}

    action = forms.CharField()
    version = forms.IntegerField(required=False)
    note = forms.CharField(required=False, strip=True)
    assignee = forms.CharField(required=False)
    target_unit = forms.CharField(required=False, strip=True)
    reason = forms.CharField(required=False)
    resolution = forms.CharField(required=False, strip=True)
    category = forms.CharField(required=False)
    confirm = forms.BooleanField(required=False)  # the box under "Reject" (no officer can undo it)


class NoteForm(DomainErrorForm):
    text = forms.CharField(required=False, strip=True)
    public = forms.BooleanField(required=False)


class AttachForm(DomainErrorForm):
    """An officer's file on the report page: a photo (public copy without location data if ticked) or a PDF."""

    field_map = {"code": "file"}
    file = forms.FileField(required=False)
    public = forms.BooleanField(required=False)


class VersionForm(DomainErrorForm):
    """A case move (merge, unmerge, pause, resume) sent with the report's `version` the officer saw."""

    version = forms.IntegerField(required=False)


class MergeForm(VersionForm):
    field_map = {"code": "into"}
    into = forms.CharField(required=False, strip=True, max_length=20)
    confirm = forms.BooleanField(required=False)  # the reporter and followers are told at once


class PauseForm(VersionForm):
    field_map = {"code": "note"}
    note = forms.CharField(required=False, strip=True)


class RatingForm(DomainErrorForm):
    field_map = {"reopen": "reopen", "code": "level"}

    level = forms.CharField(required=False)
    comment = forms.CharField(required=False, strip=True)
    reopen = forms.BooleanField(required=False)
    t = forms.CharField(required=False, max_length=64)


class FollowForm(DomainErrorForm):
    field_map = {"contact_phone": "phone", "code": "email"}

    email = forms.CharField(required=False, strip=True)
    phone = forms.CharField(required=False, strip=True)


class LookupForm(forms.Form):
    code = forms.CharField(required=False, strip=True, max_length=40)
