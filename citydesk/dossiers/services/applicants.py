"""The applicant of a dossier: their fields as typed, checked and stored."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from citydesk.core.errors import DomainError
from citydesk.core.validators import normalize_phone
from citydesk.dossiers.models import Channel, Dossier
from citydesk.dossiers.services import common
from citydesk.notifications.models import Notification


@dataclass
class Applicant:
    name: str
    id_number: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


# What an applicant's fields may hold: their columns' lengths. An e-mail address is also where the
# notifications are sent, whose address column is shorter than an e-mail field.
NAME_LIMIT = common.column_limit(Dossier, "applicant_name")
ID_NUMBER_LIMIT = common.column_limit(Dossier, "applicant_id_number")
ADDRESS_LIMIT = common.column_limit(Dossier, "applicant_address")
EMAIL_LIMIT = min(
    common.column_limit(Dossier, "applicant_email"), common.column_limit(Notification, "address")
)


def _phone(value: str | None) -> str:
    """The applicant's phone number as stored (`core.validators.normalize_phone`: a Vietnamese number in
    its national form, one form for the search and the phone check; another country's with its "+");
    anything else typed in it (letters, too few digits…) is refused, never dropped."""
    return normalize_phone(value, field="applicant_phone", foreign=True)


def clean_applicant(applicant: Applicant, channel: str) -> Applicant:
    """The applicant's fields as stored; a field longer than its column is refused (never cut)."""
    cleaned, problems = applicant_problems(applicant, channel)
    if problems:
        raise problems[0]
    return cleaned


def person_name(name: str) -> str:
    """A name typed all in lower case ("nguyễn văn bình") with each word capitalised, as a Vietnamese name is
    written on the receipt and the result; any other casing (capitals, "Mc…") is kept as typed."""
    collapsed = " ".join(name.split())
    return collapsed.title() if collapsed and collapsed == collapsed.lower() else collapsed


def applicant_problems(applicant: Applicant, channel: str) -> tuple[Applicant, list[DomainError]]:
    """The applicant's fields as stored, and every problem with them (each field checked on its own)."""
    problems: list[DomainError] = []

    def check(field_name: str, value: str | None, limit: int) -> str:
        try:
            return common.bounded(value, limit, field_name)
        except DomainError as exc:
            problems.append(exc)
            return ""

    cleaned = Applicant(
        name=person_name(check("applicant_name", applicant.name, NAME_LIMIT)),
        id_number=check("applicant_id_number", applicant.id_number, ID_NUMBER_LIMIT),
        email=check("applicant_email", applicant.email, EMAIL_LIMIT).lower(),
        address=check("applicant_address", applicant.address, ADDRESS_LIMIT),
    )
    refused = {p.field for p in problems}
    if not cleaned.name and "applicant_name" not in refused:
        problems.append(DomainError(_("Enter the applicant's name."), field="applicant_name"))
    if cleaned.id_number and not (cleaned.id_number.isdigit() and len(cleaned.id_number) in (9, 12)):
        problems.append(
            DomainError(
                _("An ID card number has 12 digits (or 9 for an old card)."), field="applicant_id_number"
            )
        )
    try:
        cleaned.phone = _phone(applicant.phone)
    except DomainError as exc:
        problems.append(exc)
    if cleaned.email:
        try:
            validate_email(cleaned.email)
        except ValidationError:
            problems.append(DomainError(_("Enter a valid e-mail address."), field="applicant_email"))
    refused = {p.field for p in problems}
    if (
        channel == Channel.ONLINE
        and not (cleaned.phone or cleaned.email)
        and not refused & {"applicant_phone", "applicant_email"}
    ):
        problems.append(
            DomainError(
                _("Give a phone number or an e-mail address so that we can reach you."),
                field="applicant_phone",
            )
        )
    if channel == Channel.POST and not cleaned.address and "applicant_address" not in refused:
        problems.append(
            DomainError(_("Enter the address the result is sent back to."), field="applicant_address")
        )
    return cleaned, problems


def applicant_from(data: Mapping[str, str]) -> Applicant:
    """An Applicant from form or JSON fields named applicant_name, applicant_phone…"""
    return Applicant(
        name=data.get("applicant_name", ""),
        id_number=data.get("applicant_id_number", ""),
        phone=data.get("applicant_phone", ""),
        email=data.get("applicant_email", ""),
        address=data.get("applicant_address", ""),
    )
