"""A category's extra questions are edited as rows of a table in the back office, not as raw JSON."""

from __future__ import annotations

import pytest

from citydesk.core.models import ServiceCategory
from tests.core.test_qa_admin import _category_form

pytestmark = pytest.mark.django_db
ADMIN = "/quan-tri"


def _form(rows: list[dict], **overrides: str) -> dict[str, str]:
    """The category form of test_qa_admin, its questions as the editor's blocks instead of JSON."""
    data = _category_form(**{"questions-count": str(len(rows))})
    del data["questions"]
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"questions-{i}-{key}"] = value
    data.update(overrides)
    return data


BLANK = {"code": "", "label": "", "label_en": "", "type": "text", "choices": ""}


def test_the_rows_are_saved_as_the_questions_blank_rows_skipped(staff):
    rows = [
        {
            "code": " depth_cm ",
            "label": "Độ sâu (cm)",
            "label_en": "Depth (cm)",
            "type": "number",
            "required": "1",
        },
        {
            "code": "size",
            "label": "Ki\u0301ch thươ\u0301c",  # typed decomposed (NFD), as some keyboards send it
            "label_en": "",
            "type": "choice",
            "choices": "nho\u0309\r\n\r\nlớn \r\n",
        },
        BLANK,
        BLANK,
    ]
    r = staff.post(f"{ADMIN}/core/servicecategory/add/", _form(rows))
    assert r.status_code == 302, r.context and r.context["adminform"].form.errors
    assert ServiceCategory.objects.get(code="potholes").questions == [
        {
            "code": "depth_cm",
            "label": "Độ sâu (cm)",
            "label_en": "Depth (cm)",
            "type": "number",
            "required": True,
        },
        {
            "code": "size",
            "label": "Kích thước",
            "type": "choice",
            "required": False,
            "choices": ["nhỏ", "lớn"],
        },
    ]


def test_the_change_page_shows_each_question_in_its_row_and_blank_rows_to_add(staff):
    category = ServiceCategory.objects.create(
        code="potholes",
        domain="report",
        name="Ổ gà",
        questions=[
            {"code": "depth_cm", "label": "Độ sâu", "type": "number", "required": True},
            {"code": "size", "label": "Kích thước", "type": "choice", "choices": ["nhỏ", "lớn"]},
        ],
    )
    page = staff.get(f"{ADMIN}/core/servicecategory/{category.pk}/change/").content.decode()
    assert page.count('data-testid="question-row"') == 4  # two questions, two blank blocks
    assert 'name="questions-count" value="4"' in page
    assert 'name="questions-0-code" value="depth_cm"' in page
    assert 'name="questions-0-required" value="1" checked' in page
    assert 'name="questions-1-choices" rows="3">nhỏ\nlớn</textarea>' in page
    assert '<option value="choice" selected>' in page
    assert "Câu hỏi 1</legend>" in page and "Câu hỏi (tiếng Việt)" in page  # in Vietnamese
    assert "questions_widget.css" in page  # its own stylesheet (no inline style under the CSP)


def test_a_ticked_remove_box_drops_the_question(staff):
    category = ServiceCategory.objects.create(
        code="potholes",
        domain="report",
        name="Ổ gà",
        questions=[
            {"code": "a", "label": "A", "type": "text", "required": False},
            {"code": "b", "label": "B", "type": "text", "required": False},
        ],
    )
    rows = [
        {"code": "a", "label": "A", "label_en": "", "type": "text", "choices": "", "remove": "1"},
        {"code": "b", "label": "B", "label_en": "", "type": "text", "choices": ""},
    ]
    r = staff.post(f"{ADMIN}/core/servicecategory/{category.pk}/change/", _form(rows))
    assert r.status_code == 302, r.context and r.context["adminform"].form.errors
    category.refresh_from_db()
    assert category.questions == [{"code": "b", "label": "B", "type": "text", "required": False}]


@pytest.mark.parametrize(
    ("row", "fault"),
    [
        ({"code": "size", "label": "Kích thước", "type": "choice", "choices": ""}, "choices"),
        ({"code": "a b", "label": "A", "type": "text", "choices": ""}, "code"),
        ({"code": "", "label": "Không mã", "type": "text", "choices": ""}, "code"),
        ({"code": "a", "label": "", "type": "text", "choices": ""}, "label"),
        ({"code": "a", "label": "A", "type": "date", "choices": ""}, "type"),
        ({"code": "a", "label": "A", "type": "text", "choices": "x"}, "choices"),
    ],
)
def test_a_faulty_row_is_named_and_nothing_is_saved(staff, row, fault):
    good = {"code": "depth_cm", "label": "Độ sâu", "label_en": "", "type": "number", "choices": ""}
    r = staff.post(f"{ADMIN}/core/servicecategory/add/", _form([good, {"label_en": "", **row}]))
    assert r.status_code == 200
    errors = r.context["adminform"].form.errors["questions"]
    # Named by the question's number and the box's label on the screen, not by the stored key.
    label = {"choices": "Các lựa chọn", "code": "Mã", "label": "Câu hỏi (tiếng Việt)", "type": "Kiểu trả lời"}
    assert errors[0].startswith(f"Câu hỏi 2, {label[fault]}"), errors
    assert f"“{fault}”" not in errors[0], errors
    assert not ServiceCategory.objects.filter(code="potholes").exists()
    page = r.content.decode()  # what was typed comes back, to be corrected
    assert 'name="questions-0-code" value="depth_cm"' in page
    if row["code"]:
        assert f'name="questions-1-code" value="{row["code"]}"' in page


def test_the_demo_categories_questions_are_well_formed_and_none_is_required():
    """The demo's questions pass the back office's check; none is required, so that the hotline, e-mail
    and Open311 clients (which do not ask them) still file reports in those categories."""
    from citydesk.core.demo import QUESTIONS
    from citydesk.core.validators import check_questions

    assert QUESTIONS, "the demo shows the extra questions on some categories"
    for code, questions in QUESTIONS.items():
        assert check_questions(questions) == questions, code
        assert not any(q.get("required") for q in questions), code
