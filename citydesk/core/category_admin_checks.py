"""The back office's checks of a service category (core.admin.ServiceCategoryForm).

- The code is the category's key in the API, Open311 (`service_code`, also a path segment and an item of
  a comma-separated list) and the exports: lower-case letters without accents, digits and single
  underscores between them, as every demo code (road_damage, street_lighting…). It is unique whatever the
  case (“Flooding” beside “flooding” read as one category to a reader and as two to the API).
- Once reports are filed in a category, its code and its domain are fixed: the reports, their exports
  and the Open311 clients know it by that code, and only categories of the report domain are offered,
  routed and counted. A new category is made instead and this one retired.
- A category with routing rules stays in the report domain: routing only handles citizen reports.
- The time to classify and assign is at least one working hour (0 would make every report late on
  arrival); a handling time of 0 working days is a same-day service (`WorkCalendar.due`) and stays.
- The extra questions' faults are all listed at once, each naming the question as the editor numbers its
  blocks and the box at fault by its label on the screen.

No category's dossiers: dossiers are filed under procedures, which do not name a service category.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from citydesk.core.admin_questions import TYPE_LABELS, _question_of_row, _row_for_display
from citydesk.core.errors import DomainError
from citydesk.core.models import ServiceCategory
from citydesk.core.validators import QUESTION_KEYS, QUESTION_TYPES, check_questions

# road_damage, flooding, street_lighting: no capital, space, accent, hyphen, and no leading, trailing or
# doubled underscore (a report form's answer fields are named “a_<category>__<question>”).
CATEGORY_CODE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
# As check_questions reads a question's code.
_QUESTION_CODE = re.compile(r"^[A-Za-z0-9_]{1,40}$")


def _in_use_label() -> str:
    return str(ServiceCategory._meta.get_field("is_active").verbose_name)


# --- Code, domain, times ---------------------------------------------------------------------------


def stored_category(pk: int | None) -> ServiceCategory | None:
    """The category as stored (the form's instance is only updated after the checks)."""
    return ServiceCategory.objects.filter(pk=pk).first() if pk is not None else None


def report_count(category: ServiceCategory | None) -> int:
    if category is None or category.pk is None:
        return 0
    return category.reports.count()  # Report.category (related_name="reports")


def routing_rule_count(category: ServiceCategory | None) -> int:
    if category is None or category.pk is None:
        return 0
    from citydesk.reports.models import RoutingRule

    return RoutingRule.objects.filter(category_id=category.pk).count()


def code_problem(code: str, stored: ServiceCategory | None) -> str | None:
    """What is wrong with the category's code as entered, or None. An unchanged code is never refused
    (a code stored before these checks stays editable around it)."""
    if stored is not None and code == stored.code:
        return None
    reports = report_count(stored)
    if reports:
        return ngettext(
            "%(n)s report uses this code; it cannot change: create a new category and retire this one "
            "(untick “%(in_use)s”).",
            "%(n)s reports use this code; it cannot change: create a new category and retire this one "
            "(untick “%(in_use)s”).",
            reports,
        ) % {"n": reports, "in_use": _in_use_label()}
    if not CATEGORY_CODE.match(code):
        return _(
            "The code may contain only lower-case letters without accents, digits and underscores between "
            "them (e.g. road_damage)."
        )
    other = ServiceCategory.objects.filter(code__iexact=code)
    if stored is not None:
        other = other.exclude(pk=stored.pk)
    clash = other.first()
    if clash is not None:
        return _(
            "The category “%(name)s” already has the code “%(code)s” (codes differing only in upper or "
            "lower case are the same code)."
        ) % {"name": clash.name, "code": clash.code}
    return None


def domain_problem(domain: str, stored: ServiceCategory | None) -> str | None:
    """What is wrong with moving a stored category to `domain`, or None."""
    if stored is None or domain == stored.domain:
        return None
    reports = report_count(stored)
    if reports:
        return ngettext(
            "%(n)s report is filed in this category; its domain cannot change: create a new category in "
            "the other domain and retire this one (untick “%(in_use)s”).",
            "%(n)s reports are filed in this category; its domain cannot change: create a new category in "
            "the other domain and retire this one (untick “%(in_use)s”).",
            reports,
        ) % {"n": reports, "in_use": _in_use_label()}
    rules = routing_rule_count(stored) if stored.domain == ServiceCategory.Domain.REPORT else 0
    if rules:
        return ngettext(
            "%(n)s routing rule names this category, and routing only sends citizen reports: delete the "
            "rule or give it another category first.",
            "%(n)s routing rules name this category, and routing only sends citizen reports: delete the "
            "rules or give them another category first.",
            rules,
        ) % {"n": rules}
    return None


def triage_hours_problem(hours: int) -> str | None:
    if hours < 1:
        return _(
            "Give at least 1 working hour: with 0, every report would be late to classify and assign the "
            "moment it arrives."
        )
    return None


def used_help_text(category: ServiceCategory | None) -> str | None:
    """Said on the page before a change is refused: the reports that fix the code and the domain."""
    reports = report_count(category)
    if not reports:
        return None
    return ngettext(
        "%(n)s report uses this category: its code and domain can no longer change.",
        "%(n)s reports use this category: its code and domain can no longer change.",
        reports,
    ) % {"n": reports}


# --- Extra questions ------------------------------------------------------------------------------


def question_numbers(raw: Any) -> list[int] | None:
    """The number shown on each kept question's block (“Question 3”), in the order of the stored list,
    for rows posted by the questions editor; None for a JSON list (numbered from 1 in its order).

    The editor shows again every block with something typed in it, a removed one included, and drops the
    blank ones: a question is numbered as the block it will be shown in when the page comes back."""
    if not isinstance(raw, list) or not all(isinstance(row, dict) and "remove" in row for row in raw):
        return None
    numbers: list[int] = []
    shown = 0
    for row in raw:
        display = _row_for_display(row)
        if (
            display["code"]
            or display["label"]
            or display["label_en"]
            or display["choices"]
            or display["choices_en"]
        ):
            shown += 1
        if _question_of_row(row) is not None:
            numbers.append(shown)
    return numbers


def _fault(number: int, field: Any, problem: str) -> str:
    return _("Question %(n)s, %(field)s: %(problem)s") % {"n": number, "field": field, "problem": problem}


def _whole(number: int, problem: str) -> str:
    return _("Question %(n)s: %(problem)s") % {"n": number, "problem": problem}


def _one_question_problems(question: Any, number: int, seen: dict[str, int]) -> list[str]:
    if not isinstance(question, dict):  # a JSON list only: the editor makes objects
        return [_whole(number, _("each question must be an object with “code”, “label” and “type”."))]
    problems: list[str] = []
    unknown = sorted(str(key) for key in question if key not in QUESTION_KEYS)
    if unknown:  # a JSON list only: named by its keys, the only names its author knows
        problems.append(
            _whole(
                number,
                _("unknown key %(keys)s (allowed: %(allowed)s).")
                % {
                    "keys": ", ".join(f"“{k}”" for k in unknown),
                    "allowed": ", ".join(sorted(QUESTION_KEYS)),
                },
            )
        )
    code = question.get("code")
    if not isinstance(code, str) or not code:
        problems.append(_fault(number, _("Code"), _("enter a code (e.g. depth_cm).")))
    elif not _QUESTION_CODE.match(code):
        problems.append(
            _fault(
                number,
                _("Code"),
                _("use 1 to 40 letters without accents, digits or underscores, no spaces (e.g. depth_cm)."),
            )
        )
    elif code in seen:
        problems.append(
            _fault(
                number,
                _("Code"),
                _("“%(code)s” is already the code of question %(m)s.") % {"code": code, "m": seen[code]},
            )
        )
    else:
        seen[code] = number
    label = question.get("label")
    if not isinstance(label, str) or not label.strip():
        problems.append(_fault(number, _("Question (Vietnamese)"), _("enter the question.")))
    label_en = question.get("label_en")
    if label_en is not None and (not isinstance(label_en, str) or not label_en.strip()):
        problems.append(
            _fault(number, _("Question (English, optional)"), _("enter the question, or leave it out."))
        )
    kind = question.get("type")
    if kind not in QUESTION_TYPES:
        problems.append(_fault(number, _("Answer type"), _("choose one of the types offered.")))
    if "required" in question and not isinstance(question["required"], bool):
        problems.append(_whole(number, _("“required” must be true or false.")))  # a JSON list only
    if "retired" in question and not isinstance(question["retired"], bool):
        problems.append(_whole(number, _("“retired” must be true or false.")))  # a JSON list only
    problems += _choices_problems(question.get("choices"), kind, number)
    problems += _choices_en_problems(question, kind, number)
    return problems


def _choices_en_problems(question: dict[str, Any], kind: Any, number: int) -> list[str]:
    """The English choices: optional; when given, one per Vietnamese choice, in the same order."""
    choices_en = question.get("choices_en")
    if choices_en is None:
        return []
    label = _("Choices in English (one per line, in the same order; optional)")
    if kind != "choice":
        return [_fault(number, label, _("only a choice question has English choices: clear them."))]
    choices = question.get("choices") if isinstance(question.get("choices"), list) else []
    if not isinstance(choices_en, list) or len(choices_en) != len(choices):
        return [
            _fault(
                number,
                label,
                _("write one English text for each of the %(n)s choices, in the same order, or none.")
                % {"n": len(choices)},
            )
        ]
    return []


def _choices_problems(choices: Any, kind: Any, number: int) -> list[str]:
    label = _("Choices (one per line)")
    if kind != "choice":
        if choices is None or kind not in QUESTION_TYPES:
            return []
        return [
            _fault(
                number,
                label,
                _("only a question of the type “%(type)s” has choices: clear them or change the answer type.")
                % {"type": TYPE_LABELS["choice"]},
            )
        ]
    if not isinstance(choices, list) or not choices:
        return [_fault(number, label, _("write at least one choice, one per line."))]
    if not all(isinstance(c, str) and c.strip() for c in choices):
        return [_fault(number, label, _("every choice must be a non-empty text."))]
    twice = sorted({c for c in choices if choices.count(c) > 1})
    if twice:
        return [
            _fault(
                number,
                label,
                _("%(choices)s is written twice.") % {"choices": ", ".join(f"“{c}”" for c in twice)},
            )
        ]
    return []


def question_problems(questions: Any, numbers: list[int] | None = None) -> list[str]:
    """Every fault of the questions, each naming its question's number and the box at fault by its label
    on the screen; [] when `check_questions` takes them (it has the last word: a DomainError of its own
    is turned into the one message)."""
    if questions in (None, ""):
        return []
    if not isinstance(questions, list):
        try:
            check_questions(questions)
        except DomainError as exc:
            return [exc.message]
        return []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, question in enumerate(questions):
        number = numbers[index] if numbers is not None and index < len(numbers) else index + 1
        problems += _one_question_problems(question, number, seen)
    if not problems:
        try:
            check_questions(questions)
        except DomainError as exc:
            problems.append(exc.message)
    return problems


def answered_removals(stored: ServiceCategory | None, questions: list[dict[str, Any]]) -> list[str]:
    """A question removed (or its code changed) while reports hold answers to it: each named, with what
    to do instead. Its label is what those answers are read by (report pages, exports): the question is
    retired ("no longer asked") rather than removed."""
    if stored is None or not isinstance(stored.questions, list):
        return []
    kept = {q.get("code") for q in questions if isinstance(q, dict)}
    problems = []
    for question in stored.questions:
        code = question.get("code") if isinstance(question, dict) else None
        if not isinstance(code, str) or code in kept:
            continue
        answered = stored.reports.filter(answers__has_key=code).count()
        if answered:
            problems.append(
                ngettext(
                    "The question “%(label)s” (%(code)s) has answers in %(n)s report: tick “No longer "
                    "asked” instead of removing it or changing its code, so that those answers keep their "
                    "question.",
                    "The question “%(label)s” (%(code)s) has answers in %(n)s reports: tick “No longer "
                    "asked” instead of removing it or changing its code, so that those answers keep their "
                    "question.",
                    answered,
                )
                % {"label": question.get("label") or code, "code": code, "n": answered}
            )
    return problems
