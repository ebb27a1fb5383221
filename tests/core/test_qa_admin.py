"""QA defects of the back office (/quan-tri/) and of delegation: each test failed on the old code."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from citydesk.core.models import (
    AdminUnit,
    ApiToken,
    AuditEntry,
    CalendarOverride,
    Membership,
    Organisation,
    OrgKind,
    ServiceCategory,
    User,
)
from citydesk.core.powers import Power
from citydesk.core.services import api_token_user
from citydesk.reports.models import RoutingRule
from tests.conftest import make_unit

pytestmark = pytest.mark.django_db
ADMIN = "/quan-tri"


def audit_rows(object_type: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type=object_type).order_by("id"))


# --- Defect 2: delegation to a citizen, or entirely in the past -----------------------------------


def _delegate(client, bearer, personas, **overrides):
    payload = {
        "organisation": "26743",
        "powers": [Power.REPORT_ASSIGN],
        "delegate_username": "officer",
        "start_date": str(timezone.localdate()),
        "end_date": str(timezone.localdate() + timedelta(days=30)),
    }
    payload.update(overrides)
    return client.post(
        "/api/v1/delegations", payload, content_type="application/json", **bearer(personas.head)
    )


def test_a_head_cannot_delegate_staff_powers_to_a_citizen(client, personas, bearer):
    r = _delegate(client, bearer, personas, delegate_username="citizen")
    assert r.status_code == 400, r.content
    assert r.json()["field"] == "delegate"
    assert "Ngô Thị Mai" in r.json()["detail"]
    assert not personas.citizen.delegations_received.exists()
    # An officer of another city, or one whose only role was ended, is no officer here either.
    hanoi = Organisation.objects.create(
        code="01",
        name="UBND Thành phố Hà Nội",
        kind=OrgKind.PEOPLES_COMMITTEE,
        admin_unit=make_unit("01", "Hà Nội"),
    )
    stranger = User.objects.create_user(username="hn_officer", password="x")
    Membership.objects.create(user=stranger, organisation=hanoi, role="officer")
    assert _delegate(client, bearer, personas, delegate_username="hn_officer").status_code == 400
    Membership.objects.filter(user=personas.deputy).update(is_active=False)
    assert _delegate(client, bearer, personas, delegate_username="deputy").status_code == 400
    # A unit of another city cannot receive one either.
    r = _delegate(client, bearer, personas, delegate_username=None, delegate_organisation="01")
    assert r.status_code == 400 and r.json()["field"] == "delegate"
    # An officer of the city, even of another unit of its tree, can.
    assert _delegate(client, bearer, personas).status_code == 201
    assert _delegate(client, bearer, personas, delegate_username="operator").status_code == 201


def test_a_delegation_entirely_in_the_past_is_refused(client, personas, bearer):
    today = timezone.localdate()
    r = _delegate(
        client,
        bearer,
        personas,
        start_date=str(today - timedelta(days=30)),
        end_date=str(today - timedelta(days=1)),
    )
    assert r.status_code == 400 and r.json()["field"] == "end_date"
    assert not personas.officer.delegations_received.exists()
    # Begun in the past and still running: fine.
    r = _delegate(client, bearer, personas, start_date=str(today - timedelta(days=3)), end_date=str(today))
    assert r.status_code == 201


# --- Defect 3 and 15: a category's questions and department ---------------------------------------


def _category_form(**overrides):
    data = {
        "code": "potholes",
        "domain": "report",
        "name": "Ổ gà",
        "name_en": "Potholes",
        "handled_by": "ward",
        "department_code": "",
        "working_days": "5",
        "triage_hours": "8",
        "duplicate_radius_m": "50",
        "duplicate_window_days": "30",
        "questions": "[]",
        "is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "questions",
    [
        {"a": 1},
        [1, 2],
        [{"label": "x"}],
        "hello",
        [{"code": "size", "label": "Kích thước", "type": "choice"}],
        [{"code": "size", "label": "Kích thước", "type": "choice", "choices": []}],
        [{"code": "when", "label": "Ngày", "type": "date"}],
        [{"code": "a", "label": "A", "type": "text"}, {"code": "a", "label": "B", "type": "number"}],
        [{"code": "a b", "label": "A", "type": "text"}],
        [{"code": "a", "label": "A", "type": "text", "requried": True}],
        [{"code": "a", "label": "A", "type": "number", "required": "yes"}],
    ],
)
def test_badly_formed_questions_are_refused_in_the_back_office(staff, questions):
    r = staff.post(f"{ADMIN}/core/servicecategory/add/", _category_form(questions=json.dumps(questions)))
    assert r.status_code == 200  # the form again, with the error
    assert "questions" in r.context["adminform"].form.errors
    assert not ServiceCategory.objects.filter(code="potholes").exists()


def test_good_questions_and_department_are_saved(staff, personas):
    questions = [
        {"code": "depth_cm", "label": "Độ sâu (cm)", "label_en": "Depth", "type": "number", "required": True},
        {"code": "size", "label": "Kích thước", "type": "choice", "choices": ["nhỏ", "lớn"]},
        {"code": "note", "label": "Ghi chú", "type": "text"},
    ]
    form = _category_form(questions=json.dumps(questions), handled_by="department", department_code="SXD")
    r = staff.post(f"{ADMIN}/core/servicecategory/add/", form)
    assert r.status_code == 302, r.context and r.context["adminform"].form.errors
    category = ServiceCategory.objects.get(code="potholes")
    assert category.questions == questions and category.department_code == "SXD"


@pytest.mark.parametrize(
    ("handled_by", "code"), [("department", "NOPE"), ("department", ""), ("ward", "NOPE"), ("ward", "MC")]
)
def test_an_unknown_department_code_is_refused(staff, personas, handled_by, code):
    Organisation.objects.create(
        code="26743.MC", name="Một cửa", kind=OrgKind.ONE_STOP_DESK, parent=personas.ward
    )
    form = _category_form(handled_by=handled_by, department_code=code)
    r = staff.post(f"{ADMIN}/core/servicecategory/add/", form)
    assert r.status_code == 200
    assert "department_code" in r.context["adminform"].form.errors
    assert not ServiceCategory.objects.filter(code="potholes").exists()


def test_usable_questions_skips_what_check_questions_refuses():
    from citydesk.core.validators import check_questions, usable_questions

    good = {"code": "n", "label": "N", "type": "number"}
    assert usable_questions([good, {"label": "x"}, 1, {"code": "c", "label": "C", "type": "choice"}]) == [
        good
    ]
    assert usable_questions({"a": 1}) == [] and usable_questions("hello") == []
    assert check_questions(None) == [] and check_questions([good]) == [good]


# --- Defect 4: cycles in the organisation tree ----------------------------------------------------


def _organisation_form(org: Organisation, parent: Organisation | None) -> dict[str, str]:
    return {
        "code": org.code,
        "name": org.name,
        "kind": org.kind,
        "parent": str(parent.pk) if parent else "",
        "admin_unit": org.admin_unit_id or "",
        "is_active": "on",
    }


def test_an_organisation_cannot_be_placed_under_itself_or_below_it(staff, personas):
    city = personas.city
    for parent in (personas.ward, city):
        r = staff.post(f"{ADMIN}/core/organisation/{city.pk}/change/", _organisation_form(city, parent))
        assert r.status_code == 200
        assert "parent" in r.context["adminform"].form.errors
    city.refresh_from_db()
    assert city.parent_id is None
    # Moving a ward under the department (no cycle) is allowed and audited.
    ward = personas.other_ward
    r = staff.post(
        f"{ADMIN}/core/organisation/{ward.pk}/change/", _organisation_form(ward, personas.department)
    )
    assert r.status_code == 302
    [entry] = audit_rows("organisation")
    assert entry.action == "organisation.change" and entry.actor_id == personas.admin.pk
    assert entry.before == {"parent": city.pk} and entry.after == {"parent": personas.department.pk}


# --- Defect 5: dates in the back office are day first ---------------------------------------------


def _override_form(day: str, kind: str = "day_off", name: str = "Nghỉ bù") -> dict[str, str]:
    return {"date": day, "kind": kind, "name": name, "legal_basis": ""}


def test_back_office_dates_are_read_and_shown_day_first(staff, personas):
    r = staff.post(f"{ADMIN}/core/calendaroverride/add/", _override_form("04/12/2026"))
    assert r.status_code == 302, r.context and r.context["adminform"].form.errors
    assert CalendarOverride.objects.get().date == date(2026, 12, 4)
    r = staff.post(f"{ADMIN}/core/calendaroverride/add/", _override_form("22/12/2026"))
    assert r.status_code == 302
    assert CalendarOverride.objects.filter(date=date(2026, 12, 22)).exists()
    r = staff.post(f"{ADMIN}/core/calendaroverride/add/", _override_form("2026-12-23"))  # ISO still read
    assert r.status_code == 302
    html = staff.get(f"{ADMIN}/core/calendaroverride/").content.decode()
    assert "04/12/2026" in html and "Ngày 04 tháng 12" not in html
    entry = AuditEntry.objects.latest("id")
    local = timezone.localtime(entry.at)
    html = staff.get(f"{ADMIN}/core/auditentry/").content.decode()
    assert local.strftime("%d/%m/%Y %H:%M") in html


# --- Defect 6: calendar overrides in the back office ----------------------------------------------


def test_a_swapped_working_day_on_a_weekday_is_a_form_error(staff, personas):
    thursday = "03/12/2026"
    r = staff.post(f"{ADMIN}/core/calendaroverride/add/", _override_form(thursday, "working_day", "Làm bù"))
    assert r.status_code == 200
    assert "date" in r.context["adminform"].form.errors
    assert not CalendarOverride.objects.exists()


def test_changing_an_entrys_date_moves_it(staff, personas):
    staff.post(f"{ADMIN}/core/calendaroverride/add/", _override_form("04/12/2026"))
    entry = CalendarOverride.objects.get()
    r = staff.post(f"{ADMIN}/core/calendaroverride/{entry.pk}/change/", _override_form("07/12/2026"))
    assert r.status_code == 302, r.context and r.context["adminform"].form.errors
    assert list(CalendarOverride.objects.values_list("date", flat=True)) == [date(2026, 12, 7)]
    actions = [(e.action, e.object_id) for e in audit_rows("calendar_override")]
    assert actions == [
        ("calendar.set", "2026-12-04"),
        ("calendar.delete", "2026-12-04"),
        ("calendar.set", "2026-12-07"),
    ]
    # Deleting it in the back office is recorded too.
    moved = CalendarOverride.objects.get()
    r = staff.post(f"{ADMIN}/core/calendaroverride/{moved.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302 and not CalendarOverride.objects.exists()
    last = audit_rows("calendar_override")[-1]
    # Through the calendar service, named as its other writes are (and the deadlines it moved move back).
    assert (last.action, last.object_id, last.after) == ("calendar.delete", "2026-12-07", None)


# --- Defect 7: routing rules ----------------------------------------------------------------------


@pytest.fixture
def rule_world(personas):
    hanoi_unit = make_unit("01", "Thành phố Hà Nội")
    hanoi = Organisation.objects.create(
        code="01", name="UBND Thành phố Hà Nội", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=hanoi_unit
    )
    return {
        "hanoi_department": Organisation.objects.create(
            code="01.SNNMT", name="Sở NN&MT Hà Nội", kind=OrgKind.DEPARTMENT, parent=hanoi
        ),
        "desk": Organisation.objects.create(
            code="26743.MC", name="Bộ phận Một cửa", kind=OrgKind.ONE_STOP_DESK, parent=personas.ward
        ),
    }


def _rule_form(target: Organisation, **overrides: str) -> dict[str, str]:
    data = {
        "priority": "10",
        "category": "",
        "area": "79",
        "weekdays": "",
        "start_time": "",
        "end_time": "",
        "target": str(target.pk),
        "is_active": "on",
        "note": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("target", "overrides", "field"),
    [
        ("hanoi_department", {}, "target"),
        ("desk", {}, "target"),
        ("department", {"weekdays": "89x"}, "weekdays"),
        ("department", {"weekdays": "112"}, "weekdays"),
        ("department", {"start_time": "08:00"}, "end_time"),
        ("department", {"end_time": "17:00"}, "start_time"),
        ("department", {"start_time": "08:00", "end_time": "08:00"}, "end_time"),
    ],
)
def test_routing_rules_that_misroute_or_never_match_are_refused(
    staff, personas, rule_world, target, overrides, field
):
    org = rule_world.get(target) or getattr(personas, target)
    r = staff.post(f"{ADMIN}/reports/routingrule/add/", _rule_form(org, **overrides))
    assert r.status_code == 200
    assert field in r.context["adminform"].form.errors
    assert not RoutingRule.objects.exists()


def test_a_good_routing_rule_is_saved_and_audited(staff, personas, rule_world):
    form = _rule_form(personas.department, weekdays="76", start_time="18:00", end_time="06:00")
    r = staff.post(f"{ADMIN}/reports/routingrule/add/", form)
    assert r.status_code == 302, r.context and r.context["adminform"].form.errors
    rule = RoutingRule.objects.get()
    assert (rule.weekdays, rule.start_time, rule.end_time) == ("67", time(18), time(6))
    # Another city's department is fine for a rule of that city's area.
    form = _rule_form(rule_world["hanoi_department"], area="01")
    assert staff.post(f"{ADMIN}/reports/routingrule/add/", form).status_code == 302
    [first, second] = audit_rows("routing_rule")
    assert first.action == "routing_rule.create" and first.before is None
    assert first.after["target"] == personas.department.pk and first.after["weekdays"] == "67"
    assert second.object_id == str(RoutingRule.objects.get(area_id="01").pk)


# --- Defect 8: API tokens -------------------------------------------------------------------------


def test_a_token_stays_with_its_user_and_is_revoked_by_an_audited_action(staff, personas, token_for):
    secret = token_for(personas.officer)
    token = ApiToken.objects.get(user=personas.officer)
    assert staff.get(f"{ADMIN}/core/apitoken/add/").status_code == 403
    changelist = staff.get(f"{ADMIN}/core/apitoken/").content.decode()
    assert "create-user" in changelist and f'href="{ADMIN}/core/apitoken/add/"' not in changelist
    r = staff.post(
        f"{ADMIN}/core/apitoken/{token.pk}/change/",
        {
            "user": str(personas.admin.pk),
            "name": "ứng dụng",
            "revoked_at_0": "",
            "prefix": "x",
            "key_hash": "y",
        },
    )
    assert r.status_code == 302
    token.refresh_from_db()
    assert token.user_id == personas.officer.pk and token.name == "ứng dụng" and token.key_hash != "y"
    assert api_token_user(secret) == personas.officer
    r = staff.post(f"{ADMIN}/core/apitoken/", {"action": "revoke", "_selected_action": [str(token.pk)]})
    assert r.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and api_token_user(secret) is None
    revoke = AuditEntry.objects.get(action="api_token.revoke")
    assert revoke.actor_id == personas.admin.pk and revoke.object_id == str(token.pk)
    assert ApiToken.objects.count() == 1


# --- Defect 9: a second administrator can administer ----------------------------------------------


def test_an_administrator_made_with_create_user_can_use_the_back_office(personas):
    from citydesk.core.services import ADMIN_GROUP

    call_command(
        "create-user",
        "--username",
        "admin2",
        "--role",
        "admin",
        "--unit",
        "79",
        "--password",
        "Quan-tri-2026!",
    )
    admin2 = User.objects.get(username="admin2")
    assert admin2.is_staff and not admin2.is_superuser
    assert admin2.groups.filter(name=ADMIN_GROUP).exists()
    for perm in (
        "reports.change_routingrule",
        "core.change_servicecategory",
        "core.add_user",
        "core.change_membership",
    ):
        assert admin2.has_perm(perm), perm
    client = Client()
    client.force_login(admin2)
    assert client.get(f"{ADMIN}/reports/routingrule/").status_code == 200
    assert client.get(f"{ADMIN}/core/user/").status_code == 200
    # A second one reuses the group, which has gained nothing twice.
    count = Permission.objects.filter(group__name=ADMIN_GROUP).count()
    call_command("create-user", "--username", "admin3", "--role", "admin", "--unit", "79")
    assert Permission.objects.filter(group__name=ADMIN_GROUP).count() == count


# --- Defect 10: back-office changes are audited ---------------------------------------------------


def test_category_changes_and_deletions_are_audited(staff, personas):
    staff.post(f"{ADMIN}/core/servicecategory/add/", _category_form())
    category = ServiceCategory.objects.get(code="potholes")
    r = staff.post(f"{ADMIN}/core/servicecategory/{category.pk}/change/", _category_form(working_days="3"))
    assert r.status_code == 302
    r = staff.post(
        f"{ADMIN}/core/servicecategory/",
        {"action": "delete_selected", "_selected_action": [str(category.pk)], "post": "yes"},
    )
    assert r.status_code == 302 and not ServiceCategory.objects.exists()
    created, changed, deleted = audit_rows("service_category")
    assert created.action == "service_category.create" and created.after["code"] == "potholes"
    assert (changed.action, changed.before, changed.after) == (
        "service_category.change",
        {"working_days": 5},
        {"working_days": 3},
    )
    assert deleted.action == "service_category.delete" and deleted.before["code"] == "potholes"
    assert {e.actor_id for e in (created, changed, deleted)} == {personas.admin.pk}
    call_command("audit-verify", stdout=None)


def test_user_and_membership_changes_are_audited(staff, personas):
    officer = personas.officer
    officer.date_joined = timezone.make_aware(datetime(2026, 1, 1, 8, 0))
    officer.save()
    membership = Membership.objects.get(user=officer)
    prefix = "memberships-"
    data = {
        "username": officer.username,
        "full_name": "Trần Văn Minh",
        "email": officer.email,
        "phone": "0901 234 567",
        "is_active": "on",
        "date_joined_0": "01/01/2026",
        "date_joined_1": "08:00:00",
        f"{prefix}TOTAL_FORMS": "1",
        f"{prefix}INITIAL_FORMS": "1",
        f"{prefix}MIN_NUM_FORMS": "0",
        f"{prefix}MAX_NUM_FORMS": "1000",
        f"{prefix}0-id": str(membership.pk),
        f"{prefix}0-user": str(officer.pk),
        f"{prefix}0-organisation": str(membership.organisation_id),
        f"{prefix}0-role": "deputy",
        f"{prefix}0-title": "",
        f"{prefix}0-is_active": "on",
    }
    r = staff.post(f"{ADMIN}/core/user/{officer.pk}/change/", data)
    assert r.status_code == 302, r.context and (
        r.context["adminform"].form.errors,
        [f.errors for f in r.context["inline_admin_formsets"][0].formset],
    )
    officer.refresh_from_db()
    assert officer.phone == "0901234567"
    [user_entry] = audit_rows("user")
    assert user_entry.before == {"phone": ""} and user_entry.after == {"phone": "0901234567"}
    [membership_entry] = audit_rows("membership")
    assert membership_entry.before == {"role": "officer"} and membership_entry.after == {"role": "deputy"}
    data["phone"] = "abc"
    r = staff.post(f"{ADMIN}/core/user/{officer.pk}/change/", data)
    assert r.status_code == 200 and "phone" in r.context["adminform"].form.errors


def test_a_password_set_in_the_back_office_is_recorded_without_the_password(staff, personas):
    officer = personas.officer
    r = staff.post(
        f"{ADMIN}/core/user/{officer.pk}/password/",
        {"password1": "Mat-khau-moi-2026", "password2": "Mat-khau-moi-2026", "usable_password": "true"},
    )
    assert r.status_code == 302
    [entry] = audit_rows("user")
    assert entry.after == {"password": "(changed)"}
    assert "Mat-khau" not in json.dumps([entry.before, entry.after])


def test_list_editable_changes_are_audited(staff, personas):
    rule = RoutingRule.objects.create(priority=5, target=personas.department)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(rule.pk),
        "_save": "Lưu",
    }
    r = staff.post(f"{ADMIN}/reports/routingrule/", data)  # is_active unticked
    assert r.status_code == 302
    rule.refresh_from_db()
    assert not rule.is_active
    [entry] = audit_rows("routing_rule")
    assert (entry.before, entry.after) == ({"is_active": True}, {"is_active": False})


def test_the_admin_dates_are_not_us_dates():
    from django.utils import formats, translation

    with translation.override("vi"):
        field_value = formats.sanitize_strftime_format(formats.get_format("DATE_INPUT_FORMATS")[0])
        assert datetime(2026, 4, 12).strftime(field_value) == "12/04/2026"
        assert formats.date_format(date(2026, 11, 23)) == "23/11/2026"
        moment = timezone.make_aware(datetime(2026, 11, 23, 1, 4))
        assert formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") == "23/11/2026 01:04"


def test_group_permission_changes_are_audited(staff, personas):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="Biên tập danh mục")
    perm = Permission.objects.get(codename="change_servicecategory")
    r = staff.post(
        f"{ADMIN}/auth/group/{group.pk}/change/", {"name": group.name, "permissions": [str(perm.pk)]}
    )
    assert r.status_code == 302
    [entry] = audit_rows("group")
    assert (entry.before, entry.after) == ({"permissions": []}, {"permissions": [perm.pk]})


@pytest.mark.parametrize(
    "model",
    [
        "core/user",
        "auth/group",
        "core/organisation",
        "core/servicecategory",
        "core/calendaroverride",
        "core/apitoken",
        "core/delegation",
        "reports/routingrule",
        "reports/open311client",
        "dossiers/procedure",
        "dossiers/target",
    ],
)
def test_the_back_office_pages_open(staff, personas, token_for, model):
    token_for(personas.officer)
    assert staff.get(f"{ADMIN}/{model}/").status_code == 200
    assert staff.get(f"{ADMIN}/{model}/add/").status_code in (200, 403)


# --- Administrative units: only what the official list can hold -----------------------------------


def _unit_form(**overrides: str) -> dict[str, str]:
    data = {
        "code": "99990",
        "name": "Phường Thử",
        "division_type": "phường",
        "level": "ward",
        "province": "79",
        "codename": "phuong_thu",
        "centre_lon": "106.70",
        "centre_lat": "10.78",
        "area_km2": "1.5",
        "boundary_kind": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"province": "26743"}, "province"),  # a ward is not a province
        ({"province": ""}, "province"),
        ({"level": "province", "code": "98"}, "province"),  # a province inside a province
        ({"code": "abc"}, "code"),
        ({"code": "999"}, "code"),
        ({"centre_lon": "500"}, "centre_lon"),
        ({"centre_lat": "-200"}, "centre_lat"),
        ({"centre_lat": ""}, "centre_lat"),
        ({"area_km2": "-5"}, "area_km2"),
    ],
)
def test_an_impossible_administrative_unit_is_refused(staff, personas, changes, field):
    r = staff.post(f"{ADMIN}/core/adminunit/add/", _unit_form(**changes))
    assert r.status_code == 200, "the form again, with the error"
    assert field in r.context["adminform"].form.errors
    assert not AdminUnit.objects.filter(code__in=("99990", "98", "abc", "999")).exists()


def test_a_good_unit_is_saved_and_only_provinces_are_offered_as_its_province(staff, personas):
    page = staff.get(f"{ADMIN}/core/adminunit/add/")
    offered = {
        str(value) for value, _label in page.context["adminform"].form.fields["province"].choices if value
    }
    assert offered == {"79"}  # the personas' one province; their two wards are not offered
    assert staff.post(f"{ADMIN}/core/adminunit/add/", _unit_form()).status_code == 302
    assert AdminUnit.objects.get(code="99990").province_id == "79"


def test_a_rules_days_are_named_boxes_and_the_list_names_them(staff, personas, rule_world):
    """“7” typed for a Saturday (“thứ 7”) was stored as Sunday: the days are ticked by name now."""
    page = staff.get(f"{ADMIN}/reports/routingrule/add/").content.decode()
    assert 'type="checkbox" name="weekdays" value="6"' in page and "Thứ Bảy" in page and "Chủ nhật" in page
    form = _rule_form(personas.department)
    form.pop("weekdays")
    r = staff.post(f"{ADMIN}/reports/routingrule/add/", {**form, "weekdays": ["6", "7"]})
    assert r.status_code == 302, r.context and r.context["adminform"].form.errors
    rule = RoutingRule.objects.get()
    assert rule.weekdays == "67"
    change = staff.get(f"{ADMIN}/reports/routingrule/{rule.pk}/change/").content.decode()
    assert (
        'value="6" id="id_weekdays_5" checked' in change
        and 'value="1" id="id_weekdays_0" checked' not in change
    )
    listing = staff.get(f"{ADMIN}/reports/routingrule/").content.decode()
    assert "T7, CN" in listing
