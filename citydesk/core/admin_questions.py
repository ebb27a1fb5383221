"""A category's extra questions edited as blocks in the back office, not as raw JSON.

Each question is one block: code, Vietnamese label, English label, type, required, choices (one per line).
Blank blocks are offered at the end to add questions; a block whose code and labels are emptied, or whose
“remove” box is ticked, is dropped; one whose “no longer asked” box is ticked is kept (`retired`) but no form,
intake or Open311 definition asks it, so that the reports' past answers keep their question. A question with
answers cannot be removed, only retired (`category_admin_checks.answered_removals`). Texts are stored in NFC. The rows are checked by `check_questions`, which names the question
at fault. A client that posts the JSON list itself (a script, an older form) is still understood.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from citydesk.core.errors import DomainError
from citydesk.core.validators import QUESTION_TYPES, check_questions
from citydesk.lib.text import nfc

EXTRA_ROWS = 2  # blank blocks for new questions; saving with them filled offers two more
MAX_ROWS = 50

TYPE_LABELS = {
    "text": _("Text"),
    "number": _("Number"),
    "choice": _("Choice from a list"),
}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


class QuestionsWidget(forms.Widget):
    template_name = "core/questions_widget.html"

    class Media:
        css = {"all": ["core/questions_widget.css"]}

    def id_for_label(self, id_: str) -> str:
        return ""  # no single field to name: each block has its legend and labels (no dangling for=)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        rows = value if isinstance(value, list) else _rows_of_json(value)
        shown = [_row_for_display(q) for q in rows if isinstance(q, dict)]
        shown = [
            row
            for row in shown
            if row["code"] or row["label"] or row["label_en"] or row["choices"] or row["choices_en"]
        ]
        shown += [_row_for_display({}) for _ in range(EXTRA_ROWS)]
        context["widget"].update(
            rows=[{**row, "index": i} for i, row in enumerate(shown)],
            count=len(shown),
            types=[(code, TYPE_LABELS.get(code, code)) for code in QUESTION_TYPES],
        )
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        count_key = f"{name}-count"
        if count_key not in data:
            return data.get(name)  # the JSON list itself, as scripts and the former form send it
        try:
            count = min(int(data.get(count_key) or 0), MAX_ROWS)
        except ValueError:
            count = 0
        rows = []
        for i in range(count):
            prefix = f"{name}-{i}-"
            rows.append(
                {
                    "code": nfc(data.get(prefix + "code") or ""),
                    "label": nfc(data.get(prefix + "label") or ""),
                    "label_en": nfc(data.get(prefix + "label_en") or ""),
                    "type": (data.get(prefix + "type") or "").strip(),
                    "required": bool(data.get(prefix + "required")),
                    "choices": data.get(prefix + "choices") or "",
                    "choices_en": data.get(prefix + "choices_en") or "",
                    "remove": bool(data.get(prefix + "remove")),
                    "retired": bool(data.get(prefix + "retired")),
                }
            )
        return rows

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return f"{name}-count" not in data and name not in data


def _rows_of_json(value: Any) -> list[Any]:
    if isinstance(value, str) and value.strip():
        try:
            parsed = json.loads(value)
        except ValueError:
            return []
        return parsed if isinstance(parsed, list) else []
    return []


def _row_for_display(question: dict[str, Any]) -> dict[str, Any]:
    choices = question.get("choices")
    if isinstance(choices, list):
        choices = "\n".join(str(c) for c in choices)
    choices_en = question.get("choices_en")
    if isinstance(choices_en, list):
        choices_en = "\n".join(str(c) for c in choices_en)
    return {
        "code": _text(question.get("code")),
        "label": _text(question.get("label")),
        "label_en": _text(question.get("label_en")),
        "type": _text(question.get("type")) or "text",
        "required": question.get("required") is True,
        "choices": _text(choices),
        "choices_en": _text(choices_en),
        "remove": question.get("remove") is True,  # kept ticked when the form comes back with an error
        "retired": question.get("retired") is True,
    }


def _question_of_row(row: dict[str, Any]) -> dict[str, Any] | None:
    """The stored question of an edited row, None for a blank or removed row. Keys as `check_questions`
    knows them: label_en only when given, choices only for a choice question or when some were typed."""
    if row.get("remove"):
        return None
    choices = [nfc(line) for line in str(row.get("choices") or "").splitlines() if line.strip()]
    choices_en = [nfc(line) for line in str(row.get("choices_en") or "").splitlines() if line.strip()]
    if not (row["code"] or row["label"] or row["label_en"] or choices or choices_en):
        return None
    question: dict[str, Any] = {"code": row["code"], "label": row["label"]}
    if row["label_en"]:
        question["label_en"] = row["label_en"]
    question["type"] = row["type"]
    question["required"] = bool(row["required"])
    if row["type"] == "choice" or choices:
        question["choices"] = choices
    if choices_en:  # checked by check_questions: one English text per choice, in order
        question["choices_en"] = choices_en
    if row.get("retired"):
        question["retired"] = True
    return question


class QuestionsField(forms.Field):
    """The questions as rows; `clean` gives the checked list stored in `ServiceCategory.questions`."""

    widget = QuestionsWidget

    def to_python(self, value: Any) -> list[dict[str, Any]]:
        if value in (None, ""):
            return []
        if isinstance(value, str):  # the JSON list itself
            try:
                value = json.loads(value)
            except ValueError:
                raise forms.ValidationError(_("Enter a valid JSON.")) from None
            return value  # check_questions (the form's clean) names what is wrong in it
        return [q for q in (_question_of_row(row) for row in value) if q is not None]

    def prepare_value(self, value: Any) -> Any:
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return check_questions(self.to_python(data)) != (initial or [])
        except (DomainError, forms.ValidationError):  # a refused value is a change the form reports
            return True
