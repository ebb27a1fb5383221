"""Same-name units are told apart in the back office's pickers (Hà Nội's and HCMC's “Sở Xây dựng”), and
users are found by their unit and filtered by role."""

from __future__ import annotations

import pytest

from citydesk.core.models import Organisation, OrgKind

pytestmark = pytest.mark.django_db
ADMIN = "/quan-tri"


@pytest.fixture
def two_departments(personas):
    hanoi = Organisation.objects.create(code="01.SXD", name="Sở Xây dựng", kind=OrgKind.DEPARTMENT)
    return hanoi, personas.department


def test_the_unit_search_names_each_unit_with_its_code(staff, two_departments):
    r = staff.get(
        f"{ADMIN}/autocomplete/",
        {"term": "Sở Xây", "app_label": "reports", "model_name": "routingrule", "field_name": "target"},
    )
    assert r.status_code == 200, r.content
    texts = {item["text"] for item in r.json()["results"]}
    assert {"Sở Xây dựng (01.SXD)", f"Sở Xây dựng ({two_departments[1].code})"} <= texts


def test_a_chosen_unit_shows_its_code_on_the_form(staff, personas):
    page = staff.get(f"{ADMIN}/core/user/{personas.officer.pk}/change/").content.decode()
    assert f"{personas.ward.name} ({personas.ward.code})</option>" in page


def test_users_are_found_by_their_unit_and_filtered_by_role(staff, personas):
    found = staff.get(f"{ADMIN}/core/user/", {"q": personas.ward.code}).content.decode()
    assert personas.officer.username in found and personas.other_head.username not in found
    heads = staff.get(f"{ADMIN}/core/user/", {"memberships__role__exact": "head"}).content.decode()
    assert personas.head.username in heads and f">{personas.officer.username}<" not in heads


def test_the_permission_pickers_read_in_vietnamese(staff):
    page = staff.get(f"{ADMIN}/auth/group/add/").content.decode()
    assert "Phản ánh, kiến nghị (1022) | Xem phản ánh, kiến nghị" in page
    assert "Can view" not in page and "Can add" not in page
    # The picker's own texts (Django's JavaScript catalog lacks them in Vietnamese).
    js = staff.get(f"{ADMIN}/jsi18n/").content.decode()
    assert "Ch\\u1ecdn t\\u1ea5t c\\u1ea3 %s" in js or "Chọn tất cả %s" in js


def test_the_history_button_says_history(staff, personas):
    page = staff.get(f"{ADMIN}/core/user/{personas.officer.pk}/change/").content.decode()
    assert "Lịch sử" in page and "Bản ghi nhớ" not in page


def test_the_back_office_lists_its_sections_in_vietnamese_order(staff):
    from citydesk.lib.text import sort_key

    page = staff.get(f"{ADMIN}/").content.decode()
    import re

    sections = re.findall(r'<caption>\s*<a href="[^"]+" class="section"[^>]*>([^<]+)</a>', page)
    assert len(sections) >= 5, sections
    assert sections == sorted(sections, key=sort_key)
    assert sections.index("Đánh giá sự hài lòng") < sections.index("Phản ánh, kiến nghị (1022)")


def test_the_task_queue_list_reads_in_vietnamese(staff):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    result = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="citydesk.notifications.tasks.deliver_notifications",
        queue_name="default",
        backend_name="default",
        run_after=timezone.now(),
        exception_class_path="",
        traceback="",
    )
    page = staff.get(f"{ADMIN}/django_tasks_database/dbtaskresult/").content.decode()
    assert "Thời điểm xếp hàng" in page and "Hàng đợi" in page
    assert "enqueued at" not in page.lower() and "queue name" not in page.lower()  # the field names
    row = staff.get(f"{ADMIN}/django_tasks_database/dbtaskresult/{result.pk}/change/").content.decode()
    assert "DBTaskResult object" not in row
    assert "deliver_notifications – Chờ chạy" in row  # its name and status: title and breadcrumb
