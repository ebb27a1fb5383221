"""The back office (/quan-tri/) refuses the category edits that broke the intake, the API and Open311, and
the routing rules for categories that routing never sees; each refusal is an error next to its field with
nothing saved, and the ordinary edits still save."""

from __future__ import annotations

import json

import pytest

from citydesk.core.models import ServiceCategory
from citydesk.reports.models import Report, RoutingRule

from .conftest import submit_report

pytestmark = pytest.mark.django_db
ADMIN = "/quan-tri"
USED = 3  # reports filed in road_damage


@pytest.fixture
def world(personas, categories):
    """road_damage with reports, street_lighting and flooding without, a dossier and a complaint category."""
    for _ in range(USED):
        submit_report()
    flooding = ServiceCategory.objects.create(
        code="flooding", domain="report", name="Ngập nước", name_en="Flooding", handled_by="ward"
    )
    complaint = ServiceCategory.objects.create(
        code="complaint", domain="complaint", name="Khiếu nại", name_en="Complaint", handled_by="ward"
    )
    return {
        "road": categories["road"],
        "lighting": categories["lighting"],
        "flooding": flooding,
        "land": ServiceCategory.objects.get(code="land"),
        "complaint": complaint,
    }


def stored(category: ServiceCategory) -> dict:
    return ServiceCategory.objects.filter(pk=category.pk).values().get()


def category_form(category: ServiceCategory, **overrides: str) -> dict[str, str]:
    """The change form as the page posts it, with the category's stored values."""
    data = {
        "code": category.code,
        "domain": category.domain,
        "name": category.name,
        "name_en": category.name_en,
        "handled_by": category.handled_by,
        "department_code": category.department_code,
        "working_days": str(category.working_days),
        "triage_hours": str(category.triage_hours),
        "duplicate_radius_m": str(category.duplicate_radius_m),
        "duplicate_window_days": str(category.duplicate_window_days),
        "questions": json.dumps(category.questions),
    }
    if category.is_active:
        data["is_active"] = "on"
    data.update(overrides)
    return data


def change(staff, category: ServiceCategory, **overrides: str):
    return staff.post(
        f"{ADMIN}/core/servicecategory/{category.pk}/change/", category_form(category, **overrides)
    )


def errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200, "saved: expected the form again with its errors"
    return {field: list(messages) for field, messages in response.context["adminform"].form.errors.items()}


def saved(response) -> None:
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors


# --- The code -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["road damage!", "Flood_drainage", "ngập_nước", "flood-drainage", "_flood", "flood_", "flood__x"]
)
def test_a_badly_formed_code_is_refused(staff, world, code):
    before = stored(world["flooding"])
    r = change(staff, world["flooding"], code=code)
    assert list(errors(r)) == ["code"]
    assert "road_damage" in errors(r)["code"][0]  # the message shows a well-formed code
    assert stored(world["flooding"]) == before


def test_every_demo_code_is_well_formed():
    from citydesk.core.category_admin_checks import CATEGORY_CODE
    from citydesk.core.demo import CATEGORIES

    assert CATEGORIES
    for code, *_rest in CATEGORIES:
        assert CATEGORY_CODE.match(code), code


def test_a_code_differing_only_in_case_from_another_is_refused(staff, world):
    # A code stored before the back office checked its form: a new one may not differ only in case.
    legacy = ServiceCategory.objects.create(
        code="Noise", domain="report", name="Tiếng ồn", name_en="Noise", handled_by="ward"
    )
    before = stored(world["flooding"])
    r = change(staff, world["flooding"], code="noise")
    assert list(errors(r)) == ["code"]
    assert "Tiếng ồn" in errors(r)["code"][0] and "Noise" in errors(r)["code"][0]
    assert stored(world["flooding"]) == before
    # The exact code of another category: one message, naming it.
    r = change(staff, world["lighting"], code="flooding")
    assert errors(r) == {"code": [errors(r)["code"][0]]} and "Ngập nước" in errors(r)["code"][0]
    # Adding one is checked the same way.
    form = category_form(world["flooding"], code="noise", name="Tiếng ồn mới")
    r = staff.post(f"{ADMIN}/core/servicecategory/add/", form)
    assert list(errors(r)) == ["code"]
    assert ServiceCategory.objects.filter(code__iexact="noise").get() == legacy
    # The stored code itself stays editable around (an unchanged code is never refused).
    saved(change(staff, legacy, name="Tiếng ồn, rung"))
    assert stored(legacy)["name"] == "Tiếng ồn, rung" and stored(legacy)["code"] == "Noise"


def test_the_code_of_a_category_with_reports_cannot_change(staff, world, client):
    road = world["road"]
    assert Report.objects.filter(category=road).count() == USED
    before = stored(road)
    for code in ("road_works", "Flooding", "flooding", "road damage!"):
        r = change(staff, road, code=code)
        assert list(errors(r)) == ["code"], code
        message = errors(r)["code"][0]
        assert str(USED) in message and "đang dùng" in message, message  # how many; the box to untick
    assert stored(road) == before
    # Open311 and the API still know the reports' category by its code.
    services = client.get("/open311/v2/services.json").json()
    assert "road_damage" in [s["service_code"] for s in services]
    assert "road_damage" in [c["code"] for c in client.get("/api/v1/categories").json()]
    # Said on the page before a change is tried.
    page = staff.get(f"{ADMIN}/core/servicecategory/{road.pk}/change/")
    assert str(USED) in str(page.context["adminform"].form.fields["code"].help_text)


def test_the_domain_of_a_category_with_reports_cannot_change(staff, world, client):
    road = world["road"]
    before = stored(road)
    r = change(staff, road, domain="dossier")
    assert list(errors(r)) == ["domain"]
    assert str(USED) in errors(r)["domain"][0]
    # Both at once: both refused, each next to its field.
    r = change(staff, road, domain="complaint", code="road_works")
    assert sorted(errors(r)) == ["code", "domain"]
    assert stored(road) == before
    assert "road_damage" in [c["code"] for c in client.get("/api/v1/categories").json()]


def test_a_category_with_routing_rules_stays_in_the_report_domain(staff, world, personas):
    flooding = world["flooding"]
    rule = RoutingRule.objects.create(priority=5, category=flooding, target=personas.department)
    before = stored(flooding)
    r = change(staff, flooding, domain="dossier")
    assert list(errors(r)) == ["domain"] and "1" in errors(r)["domain"][0]
    assert stored(flooding) == before
    rule.delete()
    saved(change(staff, flooding, domain="dossier"))
    assert stored(flooding)["domain"] == "dossier"


# --- The times ------------------------------------------------------------------------------------


def test_no_time_to_assign_is_refused_and_a_same_day_handling_time_is_kept(staff, world):
    road = world["road"]
    before = stored(road)
    r = change(staff, road, triage_hours="0")
    assert list(errors(r)) == ["triage_hours"]
    assert stored(road) == before
    # 0 working days is a same-day service (WorkCalendar.due), and the page says so.
    page = staff.get(f"{ADMIN}/core/servicecategory/{road.pk}/change/")
    assert "0" in str(page.context["adminform"].form.fields["working_days"].help_text)
    saved(change(staff, road, working_days="0", triage_hours="1"))
    assert (stored(road)["working_days"], stored(road)["triage_hours"]) == (0, 1)


# --- What still saves -----------------------------------------------------------------------------


def test_the_ordinary_edits_still_save(staff, world):
    road = world["road"]
    saved(change(staff, road, name="Hư hỏng mặt đường", name_en="Road damage", working_days="7"))
    row = stored(road)
    assert (row["code"], row["domain"], row["name"], row["working_days"]) == (
        "road_damage",
        "report",
        "Hư hỏng mặt đường",
        7,
    )
    saved(change(staff, road, is_active=""))  # retired, as the refusal advises
    assert stored(road)["is_active"] is False
    # A category without reports may take another code and domain.
    saved(change(staff, world["flooding"], code="flood_drainage2"))
    assert stored(world["flooding"])["code"] == "flood_drainage2"
    saved(change(staff, world["land"], domain="complaint"))
    assert stored(world["land"])["domain"] == "complaint"
    # And a new category with a well-formed code is added.
    form = category_form(world["lighting"], code="potholes_2026", name="Ổ gà")
    saved(staff.post(f"{ADMIN}/core/servicecategory/add/", form))
    assert ServiceCategory.objects.filter(code="potholes_2026", domain="report").exists()


# --- The extra questions --------------------------------------------------------------------------


def question_rows(rows: list[dict[str, str]]) -> dict[str, str]:
    data = {"questions-count": str(len(rows))}
    for i, row in enumerate(rows):
        for key, value in {
            "code": "",
            "label": "",
            "label_en": "",
            "type": "text",
            "choices": "",
            **row,
        }.items():
            data[f"questions-{i}-{key}"] = value
    return data


def test_every_fault_of_the_questions_is_listed_at_once_by_its_labels_on_the_screen(staff, world):
    flooding = world["flooding"]
    form = category_form(flooding)
    del form["questions"]
    rows = [
        {"code": "a b", "label": ""},  # question 1: the code and the question
        {"code": "gone", "label": "Bỏ đi", "remove": "1"},  # question 2: removed, still shown
        {"code": "depth", "label": "Mức nước", "type": "choice"},  # question 3: no choice
        {"code": "", "label": "", "type": "text"},  # blank: dropped, not numbered
        {"code": "depth", "label": "Lặp lại", "choices": "x"},  # question 4: code twice, choices
    ]
    r = staff.post(f"{ADMIN}/core/servicecategory/{flooding.pk}/change/", {**form, **question_rows(rows)})
    assert list(errors(r)) == ["questions"]
    messages = errors(r)["questions"]
    code, question, choices = "Mã", "Câu hỏi (tiếng Việt)", "Các lựa chọn (mỗi dòng một lựa chọn)"
    expected = [(1, code), (1, question), (3, choices), (4, code), (4, choices)]
    assert len(messages) == len(expected), messages
    for message, (number, label) in zip(messages, expected, strict=True):
        assert f" {number}, {label}:" in message, message
    for key in ("“code”", "“label”", "“choices”", "“type”"):
        assert not any(key in m for m in messages), messages
    assert stored(flooding)["questions"] == []
    page = r.content.decode()  # the blocks come back numbered as the messages number them
    assert "Câu hỏi 3</legend>" in page and 'name="questions-2-code" value="depth"' in page
    assert "Câu hỏi 4</legend>" in page and 'name="questions-3-label" value="Lặp lại"' in page


def test_a_json_list_posted_by_a_script_is_checked_the_same_way(staff, world):
    flooding = world["flooding"]
    questions = [{"code": "a", "label": "A", "type": "date"}, {"code": "b", "label": " ", "type": "text"}]
    r = change(staff, flooding, questions=json.dumps(questions))
    messages = errors(r)["questions"]
    assert len(messages) == 2 and " 1, Kiểu trả lời:" in messages[0] and " 2, Câu hỏi" in messages[1]
    assert stored(flooding)["questions"] == []


def test_good_questions_still_save(staff, world):
    flooding = world["flooding"]
    form = category_form(flooding)
    del form["questions"]
    rows = [
        {"code": "depth_cm", "label": "Mức nước (cm)", "type": "number", "required": "1"},
        {"code": "blocked", "label": "Có cản trở giao thông?", "type": "choice", "choices": "Có\nKhông"},
    ]
    saved(staff.post(f"{ADMIN}/core/servicecategory/{flooding.pk}/change/", {**form, **question_rows(rows)}))
    assert [q["code"] for q in stored(flooding)["questions"]] == ["depth_cm", "blocked"]


# --- Routing rules --------------------------------------------------------------------------------


def rule_form(personas, category: ServiceCategory | None, **overrides: str) -> dict[str, str]:
    data = {
        "priority": "10",
        "category": str(category.pk) if category else "",
        "area": "79",
        "weekdays": "",
        "start_time": "",
        "end_time": "",
        "target": str(personas.department.pk),
        "is_active": "on",
        "note": "",
    }
    data.update(overrides)
    return data


def test_a_rule_offers_and_takes_only_report_categories(staff, world, personas):
    page = staff.get(f"{ADMIN}/reports/routingrule/add/")
    offered = {str(v) for v, _label in page.context["adminform"].form.fields["category"].choices if v}
    assert offered == {str(world[k].pk) for k in ("road", "lighting", "flooding")}
    for other in ("complaint", "land"):
        r = staff.post(f"{ADMIN}/reports/routingrule/add/", rule_form(personas, world[other]))
        assert list(errors(r)) == ["category"], other
        assert not RoutingRule.objects.exists()
    saved(staff.post(f"{ADMIN}/reports/routingrule/add/", rule_form(personas, world["road"])))
    saved(staff.post(f"{ADMIN}/reports/routingrule/add/", rule_form(personas, None, priority="20")))
    assert set(RoutingRule.objects.values_list("category_id", flat=True)) == {world["road"].pk, None}


def test_a_rule_saved_before_with_a_dossier_category_shows_it_and_is_refused(staff, world, personas):
    rule = RoutingRule.objects.create(priority=5, category=world["complaint"], target=personas.department)
    page = staff.get(f"{ADMIN}/reports/routingrule/{rule.pk}/change/")
    assert f'<option value="{world["complaint"].pk}" selected>' in page.content.decode()  # not “any”
    r = staff.post(
        f"{ADMIN}/reports/routingrule/{rule.pk}/change/",
        rule_form(personas, world["complaint"], priority="6"),
    )
    assert list(errors(r)) == ["category"] and "Khiếu nại" in errors(r)["category"][0]
    rule.refresh_from_db()
    assert (rule.priority, rule.category_id) == (5, world["complaint"].pk)
    saved(
        staff.post(
            f"{ADMIN}/reports/routingrule/{rule.pk}/change/", rule_form(personas, world["road"], priority="6")
        )
    )
    rule.refresh_from_db()
    assert (rule.priority, rule.category_id) == (6, world["road"].pk)
