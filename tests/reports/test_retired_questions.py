"""A category's question that reports have answered is retired, not removed: no longer asked, while the past
answers keep their question on the pages."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from citydesk.core.models import ServiceCategory
from citydesk.reports.forms import answer_rows
from citydesk.reports.models import Report
from tests.core.test_qa_admin import _category_form

pytestmark = pytest.mark.django_db
ADMIN = "/quan-tri"
DEPTH = {
    "code": "depth_cm",
    "label": "Độ sâu (cm)",
    "label_en": "Depth (cm)",
    "type": "number",
    "required": False,
}
WIDTH = {"code": "width_cm", "label": "Bề rộng (cm)", "type": "number", "required": False}


def _editor(rows: list[dict[str, str]]) -> dict[str, str]:
    data = {"questions-count": str(len(rows))}
    for i, row in enumerate(rows):
        data.update({f"questions-{i}-{key}": value for key, value in row.items()})
    return data


def _row(question: dict, **extra: str) -> dict[str, str]:
    return {
        "code": question["code"],
        "label": question["label"],
        "label_en": question.get("label_en", ""),
        "type": question["type"],
        **extra,
    }


@pytest.fixture
def answered(personas, categories):
    category = ServiceCategory.objects.get(code="road_damage")
    category.questions = [DEPTH, WIDTH]
    category.save()
    body = {
        "category": "road_damage",
        "description": "Ổ gà sâu",
        "lon": 106.6946,
        "lat": 10.7714,
        "answers": {"depth_cm": 20},
    }
    r = Client().post("/api/v1/reports", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    return category, Report.objects.get(code=r.json()["code"])


def _post(staff, category, rows):
    form = _category_form(code=category.code)
    form.update(
        {
            key: value
            for key, value in {
                "name": category.name,
                "name_en": category.name_en,
                "handled_by": category.handled_by,
                "department_code": category.department_code or "",
                "working_days": str(category.working_days),
                "triage_hours": str(category.triage_hours),
            }.items()
        }
    )
    form.pop("questions", None)
    form.update(_editor(rows))
    return staff.post(f"{ADMIN}/core/servicecategory/{category.pk}/change/", form)


def test_an_answered_question_cannot_be_removed_only_retired(staff, answered):
    category, report = answered
    r = _post(staff, category, [_row(DEPTH, remove="1"), _row(WIDTH)])
    assert r.status_code == 200
    errors = " ".join(r.context["adminform"].form.errors["questions"])
    assert "Độ sâu (cm)" in errors and "depth_cm" in errors and "1" in errors
    category.refresh_from_db()
    assert [q["code"] for q in category.questions] == ["depth_cm", "width_cm"]

    # A question nobody answered is removed; the answered one is retired.
    r = _post(staff, category, [_row(DEPTH, retired="1"), _row(WIDTH, remove="1")])
    assert r.status_code == 302, r.context and r.context["adminform"].form.errors
    category.refresh_from_db()
    assert category.questions == [{**DEPTH, "retired": True}]

    # No longer asked: the API's category list and the intake refuse an answer to it.
    listed = Client().get("/api/v1/categories").json()
    road = next(c for c in listed if c["code"] == "road_damage")
    assert road["questions"] == []
    body = {
        "category": "road_damage",
        "description": "Ổ gà khác",
        "lon": 106.6946,
        "lat": 10.7714,
        "answers": {"depth_cm": 5},
    }
    r = Client().post("/api/v1/reports", json.dumps(body), content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "answers"
    # The past answer still reads under its question.
    report.refresh_from_db()
    assert answer_rows(report.category, report.answers) == [("Độ sâu (cm)", "20")]

    # Asked again: untick the box.
    r = _post(staff, category, [_row(DEPTH)])
    assert r.status_code == 302
    category.refresh_from_db()
    assert category.questions == [DEPTH]


def test_changing_an_answered_questions_code_is_refused(staff, answered):
    category, _report = answered
    r = _post(staff, category, [_row({**DEPTH, "code": "depth"}), _row(WIDTH)])
    assert r.status_code == 200
    assert "depth_cm" in " ".join(r.context["adminform"].form.errors["questions"])


def test_the_editor_shows_the_retired_box(staff, answered):
    category, _report = answered
    category.questions = [{**DEPTH, "retired": True}]
    category.save()
    page = staff.get(f"{ADMIN}/core/servicecategory/{category.pk}/change/").content.decode()
    assert 'name="questions-0-retired" value="1" checked' in page
    assert 'name="questions-1-retired"' not in page  # not on blank blocks
