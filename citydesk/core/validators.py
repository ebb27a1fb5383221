"""Checks of configuration entered by administrators, shared by the back office and the services.

Each check raises `DomainError` naming the field at fault, so a form shows it next to that field and a
command or the API turns it into a clear message.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.utils.translation import gettext as _

from citydesk.core.errors import DomainError, DomainErrors
from citydesk.core.models import DivisionLevel, Organisation, OrgKind

# --- A category's extra questions -----------------------------------------------------------------

# The kinds of answer the report form and the intake service know (reports/forms.py, _check_answers).
QUESTION_TYPES: tuple[str, ...] = ("text", "number", "choice")
# "retired": no longer asked (forms, the intake, Open311 skip it), kept so that past answers keep their label.
QUESTION_KEYS = frozenset(
    {"code", "label", "label_en", "type", "required", "choices", "choices_en", "retired"}
)
_QUESTION_CODE = re.compile(r"^[A-Za-z0-9_]{1,40}$")


def _question_problem(question: Any, seen: set[str]) -> str | None:
    """What is wrong with one question, or None."""
    if not isinstance(question, dict):
        return _("each question must be an object with “code”, “label” and “type”.")
    unknown = sorted(str(key) for key in question if key not in QUESTION_KEYS)
    if unknown:
        return _("unknown key %(keys)s (allowed: %(allowed)s).") % {
            "keys": ", ".join(f"“{k}”" for k in unknown),
            "allowed": ", ".join(sorted(QUESTION_KEYS)),
        }
    code = question.get("code")
    if not isinstance(code, str) or not _QUESTION_CODE.match(code):
        return _("“code” must be 1 to 40 letters, digits or underscores (e.g. depth_cm).")
    if code in seen:
        return _("the code “%(code)s” is used twice.") % {"code": code}
    seen.add(code)
    for key in ("label", "label_en"):
        value = question.get(key)
        if (key == "label" or value is not None) and (not isinstance(value, str) or not value.strip()):
            return _("“%(key)s” must be a non-empty text.") % {"key": key}
    kind = question.get("type")
    if kind not in QUESTION_TYPES:
        return _("“type” must be one of %(types)s, not “%(type)s”.") % {
            "types": ", ".join(QUESTION_TYPES),
            "type": kind,
        }
    if "required" in question and not isinstance(question["required"], bool):
        return _("“required” must be true or false.")
    if "retired" in question and not isinstance(question["retired"], bool):
        return _("“retired” must be true or false.")
    choices = question.get("choices")
    if kind == "choice":
        if not isinstance(choices, list) or not choices:
            return _("a choice question needs a non-empty list of “choices”.")
        if not all(isinstance(c, str) and c.strip() for c in choices):
            return _("every choice must be a non-empty text.")
        if len(set(choices)) != len(choices):
            return _("a choice is listed twice.")
    elif choices is not None:
        return _("only a choice question has “choices”.")
    # The choices' English labels, shown on English pages; the answer stored is always the Vietnamese choice.
    choices_en = question.get("choices_en")
    if choices_en is not None:
        if kind != "choice":
            return _("only a choice question has “choices_en”.")
        if (
            not isinstance(choices_en, list)
            or len(choices_en) != len(choices)
            or not all(isinstance(c, str) and c.strip() for c in choices_en)
        ):
            return _(
                "“choices_en” must give one non-empty English text for each of the %(n)s choices, in order."
            ) % {"n": len(choices)}
    return None


def check_questions(questions: Any) -> list[dict[str, Any]]:
    """A category's extra questions, checked; raises DomainError (field `questions`) naming the fault."""
    if questions in (None, ""):
        return []
    if not isinstance(questions, list):
        raise DomainError(
            _("The extra questions must be a list ([…]) of questions, each an object ({…})."),
            field="questions",
        )
    seen: set[str] = set()
    for number, question in enumerate(questions, start=1):
        problem = _question_problem(question, seen)
        if problem is not None:
            raise DomainError(
                _("Question %(n)s: %(problem)s") % {"n": number, "problem": problem}, field="questions"
            )
    return questions


def usable_questions(questions: Any) -> list[dict[str, Any]]:
    """The well-formed questions of a stored list (never raises): what forms and the intake read, so that
    a bad row saved before the back office checked it cannot break the report form."""
    if not isinstance(questions, list):
        return []
    seen: set[str] = set()
    return [q for q in questions if _question_problem(q, seen) is None and q.get("retired") is not True]


# --- A category's responsible department ----------------------------------------------------------

# Units a category's department code may name: routing looks them up as "<province>.<code>".
DEPARTMENT_KINDS = frozenset(
    {OrgKind.DEPARTMENT, OrgKind.INSPECTORATE, OrgKind.SERVICE_COMPANY, OrgKind.OTHER}
)


def check_department_code(handled_by: str, code: str) -> str:
    """The responsible department's code: required when a department handles the category, and in any
    case the code of an existing department ("SXD" for 79.SXD, 01.SXD…). Returns it stripped."""
    code = (code or "").strip()
    if not code:
        if handled_by == "department":
            raise DomainError(
                _("A category handled by a department needs the department's code (e.g. SXD)."),
                field="department_code",
            )
        return code
    exists = Organisation.objects.filter(
        code__endswith=f".{code}", kind__in=DEPARTMENT_KINDS, is_active=True
    ).exists()
    if not exists:
        raise DomainError(
            _(
                "No department has the code “%(code)s” (a department's code is the part after the dot, as SXD in 79.SXD)."
            )
            % {"code": code},
            field="department_code",
        )
    return code


# --- The organisation tree ------------------------------------------------------------------------


def check_organisation_parent(organisation: Organisation, parent: Organisation | None) -> None:
    """Refuse a parent that is the unit itself or one of the units below it (a cycle in the tree would
    give the head of a lower unit powers over the units above)."""
    if parent is None:
        return
    if organisation.pk is not None and parent.pk == organisation.pk:
        raise DomainError(_("A unit cannot be its own parent."), field="parent")
    _same_province(organisation, parent)
    if organisation.pk is None:
        return
    seen: set[int] = set()
    node: Organisation | None = parent
    while node is not None and node.pk not in seen:
        if node.pk == organisation.pk:
            raise DomainError(
                _("%(parent)s is below %(unit)s in the tree: choosing it as the parent would make a cycle.")
                % {"parent": parent.name, "unit": organisation.name},
                field="parent",
            )
        seen.add(node.pk)
        node = Organisation.objects.filter(pk=node.parent_id).first() if node.parent_id else None


def _same_province(organisation: Organisation, parent: Organisation) -> None:
    """A unit sits under a unit of its own province (or centrally-run city), never under a lower level: a
    ward under another city's committee would hand that city's leaders the ward's citizens' data, and a
    city's committee under a ward would give the ward's head powers over the whole city."""
    unit, above = organisation.admin_unit, parent.admin_unit
    if unit is None or above is None:
        return
    if (unit.province_id or unit.code) != (above.province_id or above.code):
        raise DomainError(
            _(
                "%(parent)s is in another province or city than %(unit)s: a unit's parent is of its own province."
            )
            % {"parent": parent.name, "unit": organisation.name},
            field="parent",
        )
    if _depth(above) > _depth(unit):
        raise DomainError(
            _("%(parent)s is of a lower level than %(unit)s: it cannot be its parent.")
            % {"parent": parent.name, "unit": organisation.name},
            field="parent",
        )


def _depth(unit: Any) -> int:
    """0 for a province (or centrally-run city), 1 for a commune-level unit below it, and so on."""
    return 0 if unit.province_id is None else 1


def organisation_root(organisation: Organisation) -> Organisation:
    """The top of the unit's tree (the province-level People's Committee for a city's units)."""
    seen: set[int] = set()
    node = organisation
    while node.parent_id is not None and node.pk not in seen:
        seen.add(node.pk)
        node = node.parent  # type: ignore[assignment]
    return node


def organisation_province(organisation: Organisation) -> str | None:
    """The province code of the unit: its own administrative unit's, else the nearest unit's above it."""
    seen: set[int] = set()
    node: Organisation | None = organisation
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        unit = node.admin_unit
        if unit is not None:
            return unit.code if unit.level == DivisionLevel.PROVINCE else unit.province_id
        node = node.parent
    return None


# --- People ---------------------------------------------------------------------------------------

# The platform's one rule for phone numbers (reports, follows, the hotline, accounts, dossiers' applicants).
PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
# 0 + a 9-digit mobile number, or a landline: 02 + area code + subscriber, 11 digits in all (an 11-digit
# number starting 03/05/07/08/09 is a mobile number mistyped, refused rather than kept unreachable).
_NATIONAL_PHONE = re.compile(r"^(?:0\d{9}|02\d{9})$")
_FOREIGN_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")  # E.164: "+", a country code, at most 15 digits in all
_MOBILE_PHONE = re.compile(r"^0[35789]\d{8}$")
# A national number typed without its leading 0: a mobile number's 9 digits, a landline's 10 (area code 2…).
_WITHOUT_TRUNK_ZERO = re.compile(r"^(?:[35789]\d{8}|2\d{9})$")


def national_phone(compact: str) -> str:
    """A number without separators, a Vietnamese one put in its national form, as it is stored and searched:
        "+84912000555", "84912000555", "0084912000555" and "+84(0)912000555" → "0912000555". Anything else
        (another country's "+33…", a number in national form) is returned as it is; a national number without its
    leading 0, as caller IDs show it ("903123456"), gets it back."""
    for prefix in ("+84", "0084"):
        if compact.startswith(prefix):
            return "0" + compact[len(prefix) :].removeprefix("0")
    if compact.startswith("84") and len(compact) >= 11:  # a national number starts with 0, never with 84
        return "0" + compact[2:]
    if _WITHOUT_TRUNK_ZERO.match(compact):  # as a caller ID shows it: "903123456", "2838291234"
        return "0" + compact
    return compact


def is_mobile_phone(number: str) -> bool:
    """Whether a stored number (`normalize_phone`) is a Vietnamese mobile number, the only kind an SMS
    reaches: 0 and 9 digits after a mobile prefix (03…, 05…, 07…, 08…, 09…). A landline (02…, 11 digits)
    or another country's number is not."""
    return bool(_MOBILE_PHONE.match(number or ""))


def normalize_phone(value: str | None, *, field: str = "phone", foreign: bool = False) -> str:
    """A phone number as people type it → as it is stored, or "" for none; raises DomainError (naming
    `field`) for anything else.

    Spaces, dots, dashes and brackets are allowed and dropped, full-width digits read as digits; a
    Vietnamese number ("0912 000 555", "+84 912…", "0084…", "84912…") is stored in its national form
    (0 and 9 or 10 digits). With `foreign`, another country's number is accepted too, with its "+" and
    country code (E.164, "+33 6 12 34 56 78" → "+33612345678")."""
    typed = unicodedata.normalize("NFKC", value or "").strip()
    compact = PHONE_SEPARATORS.sub("", typed)
    if not compact:
        return ""
    number = national_phone(compact)
    if _NATIONAL_PHONE.match(number) or (foreign and _FOREIGN_PHONE.match(number)):
        return number
    if foreign:
        message = _(
            "“%(p)s” is not a phone number: a Vietnamese number starts with 0 (or +84), another country's "
            "with + and its country code."
        )
    else:
        message = _("“%(p)s” is not a Vietnamese phone number.")
    raise DomainError(message % {"p": typed[:40]}, field=field)


def refuse_both_addresses(email: str, phone: str) -> None:
    """A code goes to one address: an e-mail and a phone given together are refused, naming both fields
    (the other would be silently left out)."""
    if (email or "").strip() and (phone or "").strip():
        raise DomainErrors(
            [
                DomainError(_("Give an e-mail address or a phone number, not both."), field="email"),
                DomainError(
                    _(
                        "Leave the phone number empty to receive the code by e-mail, or the e-mail address "
                        "empty to receive it by SMS."
                    ),
                    field="phone",
                ),
            ]
        )
