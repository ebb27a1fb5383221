"""QA-OPS11 defects 1, 2, 6, 8 and 9 in the back office (/quan-tri/): each test failed on the old code."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from citydesk.core.models import (
    MAX_WORKING_DAYS,
    MAX_WORKING_HOURS,
    AuditEntry,
    Membership,
    Organisation,
    OrgKind,
    ServiceCategory,
    User,
)
from citydesk.core.services import ADMIN_GROUP
from tests.core.test_qa_admin import _category_form, _organisation_form

pytestmark = pytest.mark.django_db
ADMIN = "/quan-tri"
BEN_THANH = (106.6946, 10.7714)


def form_errors(response) -> dict[str, list[str]]:
    return dict(response.context["adminform"].form.errors)


# --- Defect 1: processing times the calendar cannot count -----------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("working_days", 999999), ("working_days", MAX_WORKING_DAYS + 1), ("triage_hours", 99999999)],
)
def test_the_back_office_refuses_a_category_time_beyond_the_calendar(staff, personas, field, value):
    r = staff.post(f"{ADMIN}/core/servicecategory/add/", _category_form(**{field: str(value)}))
    assert r.status_code == 200
    assert list(form_errors(r)) == [field]
    assert not ServiceCategory.objects.exists()
    # The largest allowed times are accepted.
    limits = {"working_days": str(MAX_WORKING_DAYS), "triage_hours": str(MAX_WORKING_HOURS)}
    r = staff.post(f"{ADMIN}/core/servicecategory/add/", _category_form(**limits))
    assert r.status_code == 302, form_errors(r)


def test_a_stored_time_beyond_the_calendar_refuses_the_report_naming_the_category(personas):
    # (32000 working days fit a PostgreSQL smallint; 32767 triage hours still fall in the calendar.)
    for field, value in (("working_days", 32000),):
        ServiceCategory.objects.update_or_create(
            code="road_damage",
            defaults={
                "domain": "report",
                "name": "Hư hỏng mặt đường",
                "name_en": "Road damage",
                "handled_by": "ward",
                "working_days": 5,
                "triage_hours": 8,
                field: value,  # saved before the back office bounded it
            },
        )
        body = {
            "category": "road_damage",
            "description": "Ổ gà mới",
            "lon": BEN_THANH[0],
            "lat": BEN_THANH[1],
        }
        r = Client().post("/api/v1/reports", json.dumps(body), content_type="application/json")
        assert r.status_code == 400, r.content
        assert r.json()["field"] == "category" and "Hư hỏng mặt đường" in r.json()["detail"]


# --- Defect 2: the administrator's role gives the same rights in the back office ------------------


def _membership_form(rows: list[dict[str, str]], initial: int = 0) -> dict[str, str]:
    data = {
        "memberships-TOTAL_FORMS": str(len(rows)),
        "memberships-INITIAL_FORMS": str(initial),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"memberships-{index}-{key}": value for key, value in row.items()})
    return data


def _user_change_form(user: User, **overrides: str) -> dict[str, str]:
    """The change form as the browser sends it (the date fields as the vi widgets show them: no seconds)."""
    joined = timezone.localtime(user.date_joined)
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "full_name": user.full_name,
        "phone": user.phone,
        "is_active": "on",
        "date_joined_0": joined.strftime("%d/%m/%Y"),
        "date_joined_1": joined.strftime("%H:%M"),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_admin_role_granted_in_the_back_office_gives_staff_status_and_the_group(staff, personas):
    r = staff.post(
        f"{ADMIN}/core/user/add/",
        {
            "username": "newoff",
            "usable_password": "true",
            "password1": "Quan-tri-moi-2026!",
            "password2": "Quan-tri-moi-2026!",
            **_membership_form(
                [{"organisation": str(personas.ward.pk), "role": "admin", "title": "", "is_active": "on"}]
            ),
        },
    )
    assert r.status_code == 302, r.context and form_errors(r)
    user = User.objects.get(username="newoff")
    group = Group.objects.get(name=ADMIN_GROUP)
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.all()) == [group]
    assert user.has_perm("core.change_servicecategory")
    created = AuditEntry.objects.get(action="user.create", object_id=str(user.pk))
    assert created.after["is_staff"] is True and created.after["groups"] == [group.pk]
    # The user can log in to the back office.
    client = Client()
    login = {"username": "newoff", "password": "Quan-tri-moi-2026!", "next": f"{ADMIN}/"}
    assert client.post(f"{ADMIN}/login/", login).status_code == 302
    assert client.get(f"{ADMIN}/core/servicecategory/").status_code == 200

    # Taking the role away (here: the membership deleted) takes the rights away, audited.
    membership = Membership.objects.get(user=user)
    rows = [
        {
            "id": str(membership.pk),
            "user": str(user.pk),
            "organisation": str(personas.ward.pk),
            "role": "admin",
            "title": "",
            "is_active": "on",
            "DELETE": "on",
        }
    ]
    r = staff.post(
        f"{ADMIN}/core/user/{user.pk}/change/",
        {**_user_change_form(user, is_staff="on", groups=str(group.pk)), **_membership_form(rows, 1)},
    )
    assert r.status_code == 302, r.context and form_errors(r)
    user.refresh_from_db()
    assert not user.is_staff and not user.groups.exists()
    changed = AuditEntry.objects.get(action="user.change", object_id=str(user.pk))
    assert changed.before == {"is_staff": True, "groups": [group.pk]}
    assert changed.after == {"is_staff": False, "groups": []}
    assert client.get(f"{ADMIN}/core/servicecategory/").status_code == 302  # to the log-in page


def test_the_role_given_to_an_existing_user_and_by_create_user_gives_the_same_rights(staff, personas):
    call_command("create-user", "--username", "itadmin", "--role", "admin", "--unit", "79")
    by_command = User.objects.get(username="itadmin")
    officer = personas.officer
    rows = [{"organisation": str(personas.city.pk), "role": "admin", "title": "", "is_active": "on"}]
    r = staff.post(
        f"{ADMIN}/core/user/{officer.pk}/change/", {**_user_change_form(officer), **_membership_form(rows)}
    )
    assert r.status_code == 302, r.context and form_errors(r)
    officer.refresh_from_db()
    for user in (by_command, officer):
        assert user.is_staff and list(user.groups.values_list("name", flat=True)) == [ADMIN_GROUP]
    entry = AuditEntry.objects.get(action="user.change", object_id=str(officer.pk))
    assert entry.after["is_staff"] is True
    # Losing the role takes the group away; a superuser keeps the staff status the back office needs.
    from citydesk.core.services import admin_rights_sync

    by_command.is_superuser = True
    by_command.save()
    Membership.objects.filter(user=by_command).update(is_active=False)
    assert admin_rights_sync(by_command, had_role=True) == {"groups": []}
    by_command.refresh_from_db()
    assert by_command.is_staff and not by_command.groups.exists()


# --- Defect 6: organisation codes follow the documented scheme ------------------------------------


def _new_organisation(code: str, kind: str, parent: Organisation | None, unit: str = "") -> dict[str, str]:
    return {
        "code": code,
        "name": "Đơn vị thử",
        "kind": kind,
        "parent": str(parent.pk) if parent else "",
        "admin_unit": unit,
        "is_active": "on",
    }


@pytest.mark.parametrize(
    ("code", "kind", "parent", "unit", "field"),
    [
        ("bad code!", OrgKind.DEPARTMENT, "city", "", "code"),
        ("79.skhcn", OrgKind.DEPARTMENT, "city", "", "code"),
        ("01.SKHCN", OrgKind.DEPARTMENT, "city", "", "code"),
        ("79.SKHCN", OrgKind.DEPARTMENT, None, "", "parent"),
        ("79.SKHCN", OrgKind.DEPARTMENT, "department", "", "parent"),
        ("26743.MC", OrgKind.ONE_STOP_DESK, None, "", "parent"),
        ("26743.", OrgKind.ONE_STOP_DESK, "ward", "", "code"),
        ("79.CTY", OrgKind.SERVICE_COMPANY, None, "", "parent"),
        ("UBND1", OrgKind.PEOPLES_COMMITTEE, None, "", "code"),
        ("26741", OrgKind.PEOPLES_COMMITTEE, "city", "26743", "code"),
        ("26742", OrgKind.PEOPLES_COMMITTEE, None, "", "parent"),
    ],
)
def test_organisation_codes_outside_the_scheme_are_refused(staff, personas, code, kind, parent, unit, field):
    count = Organisation.objects.count()
    parent_org = getattr(personas, parent) if parent else None
    r = staff.post(f"{ADMIN}/core/organisation/add/", _new_organisation(code, kind, parent_org, unit))
    assert r.status_code == 200
    assert field in form_errors(r), form_errors(r)
    assert Organisation.objects.count() == count


@pytest.mark.parametrize(
    ("code", "kind", "parent"),
    [
        ("79.SKHCN", OrgKind.DEPARTMENT, "city"),
        ("79.TT1022", OrgKind.OTHER, "city"),
        ("26743.MC", OrgKind.ONE_STOP_DESK, "ward"),
        ("79.SXD.CTCX", OrgKind.SERVICE_COMPANY, "department"),
    ],
)
def test_organisation_codes_of_the_scheme_are_accepted(staff, personas, code, kind, parent):
    r = staff.post(
        f"{ADMIN}/core/organisation/add/", _new_organisation(code, kind, getattr(personas, parent))
    )
    assert r.status_code == 302, form_errors(r)
    assert Organisation.objects.filter(code=code).exists()


def test_a_commune_committee_keeps_its_unit_code_and_parent(staff, personas):
    ward = personas.other_ward
    r = staff.post(f"{ADMIN}/core/organisation/{ward.pk}/change/", _organisation_form(ward, personas.city))
    assert r.status_code == 302, form_errors(r)
    r = staff.post(f"{ADMIN}/core/organisation/{ward.pk}/change/", _organisation_form(ward, None))
    assert r.status_code == 200 and "parent" in form_errors(r)


def test_the_demo_organisations_follow_the_scheme(db):
    call_command("seed-demo")
    problems = {}
    for organisation in Organisation.objects.select_related("parent", "admin_unit"):
        try:
            organisation.full_clean()
        except ValidationError as exc:
            problems[organisation.code] = exc
    assert problems == {}


# --- Defect 8: saving a user changes nothing it was not asked to ----------------------------------


def test_saving_a_user_keeps_date_joined_and_audits_only_the_real_change(staff, personas):
    user = personas.officer
    user.date_joined = datetime(2026, 11, 23, 9, 31, 19, 416418, tzinfo=timezone.get_current_timezone())
    user.save()
    membership = Membership.objects.get(user=user)
    rows = [
        {
            "id": str(membership.pk),
            "user": str(user.pk),
            "organisation": str(membership.organisation_id),
            "role": membership.role,
            "title": "",
            "is_active": "on",
        }
    ]
    r = staff.post(
        f"{ADMIN}/core/user/{user.pk}/change/",
        {**_user_change_form(user, is_active=None), **_membership_form(rows, 1)},
    )
    assert r.status_code == 302, r.context and form_errors(r)
    stored = User.objects.get(pk=user.pk)
    assert stored.date_joined == user.date_joined and not stored.is_active
    entry = AuditEntry.objects.get(action="user.change", object_id=str(user.pk))
    assert entry.before == {"is_active": True} and entry.after == {"is_active": False}
    page = staff.get(f"{ADMIN}/core/user/{user.pk}/change/")
    assert "date_joined" not in page.context["adminform"].form.fields
    assert "last_login" not in page.context["adminform"].form.fields


# --- Defect 9: Django's own messages in Vietnamese -------------------------------------------------


def test_a_refused_save_says_so_in_vietnamese(staff, personas):
    r = staff.post(f"{ADMIN}/core/servicecategory/add/", _category_form(questions="[{bad json"))
    assert r.status_code == 200 and list(form_errors(r)) == ["questions"]
    page = r.content.decode()
    assert "Vui lòng sửa lỗi dưới đây." in page
    assert "Please correct the error" not in page
    assert "Enter a valid JSON." not in page and "Nhập một giá trị JSON hợp lệ." in page
    r = staff.post(
        f"{ADMIN}/core/servicecategory/add/", _category_form(questions="[{bad json", working_days="999999")
    )
    assert "Vui lòng sửa lỗi dưới đây." in r.content.decode()


def test_a_tampered_inline_form_says_so_in_vietnamese(staff, personas):
    user = personas.officer
    r = staff.post(f"{ADMIN}/core/user/{user.pk}/change/", _user_change_form(user))  # no management form
    assert r.status_code == 200
    page = r.content.decode()
    assert "ManagementForm data is missing" not in page
    assert "Dữ liệu ManagementForm bị thiếu hoặc đã bị can thiệp" in page


# --- The last active system administrator cannot be locked out from the back office ----------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"is_active": None, "is_staff": "on", "is_superuser": "on"}, "is_active"),
        ({"is_staff": None, "is_superuser": "on"}, "is_staff"),
        ({"is_staff": "on", "is_superuser": None}, "is_superuser"),
    ],
)
def test_the_last_active_administrator_keeps_the_rights_that_let_them_in(staff, personas, overrides, field):
    admin_user = personas.admin
    memberships = list(admin_user.memberships.values("organisation", "role", "title", "is_active", "pk"))
    rows = [
        {
            "id": str(m["pk"]),
            "user": str(admin_user.pk),
            "organisation": str(m["organisation"]),
            "role": m["role"],
            "title": m["title"],
            "is_active": "on" if m["is_active"] else "",
        }
        for m in memberships
    ]
    data = {**_user_change_form(admin_user, **overrides), **_membership_form(rows, initial=len(rows))}
    r = staff.post(f"{ADMIN}/core/user/{admin_user.pk}/change/", data)
    assert r.status_code == 200, r.get("Location")
    errors = form_errors(r)
    assert "quản trị hệ thống cuối cùng" in str(errors.get(field)), errors
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.is_staff and admin_user.is_superuser
    # With a second administrator, the first may step down.
    User.objects.create_user(username="admin2", password="x", is_staff=True, is_superuser=True)
    r = staff.post(f"{ADMIN}/core/user/{admin_user.pk}/change/", data)
    assert r.status_code == 302, form_errors(r)
    admin_user.refresh_from_db()
    # (Staff status follows the administrator's role, which the account still holds.)
    assert not getattr(admin_user, field) or field == "is_staff"


def test_the_last_active_administrator_cannot_be_deleted(staff, personas):
    admin_user = personas.admin
    page = staff.get(f"{ADMIN}/core/user/{admin_user.pk}/delete/")
    assert page.status_code == 403
    response = staff.post(
        f"{ADMIN}/core/user/",
        {"action": "delete_selected", "_selected_action": [admin_user.pk], "post": "yes"},
    )
    assert User.objects.filter(pk=admin_user.pk).exists(), response.status_code
