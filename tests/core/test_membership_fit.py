"""A role is held only where its powers make sense, and the back office names every membership it deletes."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from citydesk.core.models import AuditEntry, Membership, User
from tests.core.test_backoffice_ops11 import ADMIN, _membership_form, _user_change_form, form_errors

pytestmark = pytest.mark.django_db


def _row(organisation, role: str, **extra: str) -> dict[str, str]:
    return {"organisation": str(organisation.pk), "role": role, "title": "", "is_active": "on", **extra}


@pytest.mark.parametrize(
    ("role", "unit", "good_unit"),
    [("leader", "ward", "city"), ("leader", "department", "city"), ("inspector", "ward", "inspectorate")],
)
def test_the_back_office_refuses_a_city_wide_role_at_a_lower_unit(staff, personas, role, unit, good_unit):
    user = personas.officer
    before = set(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
    rows = [
        _row(personas.ward, "officer", id=str(user.memberships.get().pk), user=str(user.pk)),
        _row(getattr(personas, unit), role),
    ]
    r = staff.post(
        f"{ADMIN}/core/user/{user.pk}/change/", {**_user_change_form(user), **_membership_form(rows, 1)}
    )
    assert r.status_code == 200
    errors = r.context["inline_admin_formsets"][0].formset.errors
    assert (
        errors[1] == {"role": [errors[1]["role"][0]]} and getattr(personas, unit).name in errors[1]["role"][0]
    )
    assert set(Membership.objects.filter(user=user).values_list("organisation_id", "role")) == before

    rows[1] = _row(getattr(personas, good_unit), role)
    r = staff.post(
        f"{ADMIN}/core/user/{user.pk}/change/", {**_user_change_form(user), **_membership_form(rows, 1)}
    )
    assert r.status_code == 302, r.context and form_errors(r)
    assert Membership.objects.filter(user=user, role=role, organisation=getattr(personas, good_unit)).exists()


def test_create_user_refuses_a_leader_at_a_ward_and_creates_nothing(personas):
    with pytest.raises(CommandError, match="UBND Phường Bến Thành"):
        call_command("create-user", "--username", "wardleader", "--role", "leader", "--unit", "26743")
    assert not User.objects.filter(username="wardleader").exists()
    with pytest.raises(CommandError, match="Sở Xây dựng"):
        call_command("create-user", "--username", "sxdinspector", "--role", "inspector", "--unit", "79.SXD")
    assert not User.objects.filter(username="sxdinspector").exists()
    call_command("create-user", "--username", "cityleader", "--role", "leader", "--unit", "79")
    call_command("create-user", "--username", "cityinspector", "--role", "inspector", "--unit", "79.TTTP")
    assert Membership.objects.filter(user__username__in=["cityleader", "cityinspector"]).count() == 2


def test_a_membership_deleted_in_the_back_office_is_named_in_the_trail(staff, personas):
    user = personas.officer
    extra = Membership.objects.create(user=user, organisation=personas.other_ward, role="officer")
    kept = user.memberships.get(organisation=personas.ward)
    rows = [
        _row(personas.ward, "officer", id=str(kept.pk), user=str(user.pk)),
        _row(personas.other_ward, "officer", id=str(extra.pk), user=str(user.pk), DELETE="on"),
    ]
    r = staff.post(
        f"{ADMIN}/core/user/{user.pk}/change/", {**_user_change_form(user), **_membership_form(rows, 2)}
    )
    assert r.status_code == 302, r.context and form_errors(r)
    assert not Membership.objects.filter(pk=extra.pk).exists()
    row = AuditEntry.objects.get(action="membership.delete")
    assert row.object_id == str(extra.pk)
    assert row.before["organisation"] == personas.other_ward.pk and row.before["role"] == "officer"
