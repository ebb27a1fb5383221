"""Back-office review (s25): a unit's parent is of its own province and not of a lower level; kept
messages are not re-addressed nor typed in; an 11-digit number is a landline's (02…), not a mistyped
mobile's."""

from __future__ import annotations

import pytest

from citydesk.core.errors import DomainError
from citydesk.core.models import Organisation, OrgKind
from citydesk.core.validators import normalize_phone
from citydesk.notifications.models import Notification
from tests.conftest import make_unit
from tests.core.test_backoffice_ops11 import ADMIN, form_errors
from tests.core.test_qa_admin import _organisation_form

pytestmark = pytest.mark.django_db


def test_a_unit_cannot_be_put_under_another_citys_committee(staff, personas):
    hanoi_unit = make_unit("01", "Thành phố Hà Nội")
    hanoi = Organisation.objects.create(
        code="01", name="UBND Thành phố Hà Nội", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=hanoi_unit
    )
    ward = personas.ward
    r = staff.post(f"{ADMIN}/core/organisation/{ward.pk}/change/", _organisation_form(ward, hanoi))
    assert r.status_code == 200 and "parent" in form_errors(r)
    ward.refresh_from_db()
    assert ward.parent_id == personas.city.pk


def test_a_citys_committee_cannot_be_put_under_one_of_its_wards(staff, personas):
    city = personas.city
    r = staff.post(
        f"{ADMIN}/core/organisation/{city.pk}/change/", _organisation_form(city, personas.other_ward)
    )
    assert r.status_code == 200 and "parent" in form_errors(r)
    city.refresh_from_db()
    assert city.parent_id is None


def test_kept_messages_are_not_readdressed_nor_typed_in(staff, personas):
    message = Notification.objects.create(
        channel="sms",
        subject="PA-26-000001",
        body="Theo dõi: http://x/tra-cuu/PA-26-000001/?t=secret",
        address="0901234567",
        status=Notification.Status.SENT,
    )
    assert staff.get(f"{ADMIN}/notifications/notification/add/").status_code == 403
    staff.post(
        f"{ADMIN}/notifications/notification/{message.pk}/change/",
        {"channel": "email", "address": "admin-copy@example.org", "status": "pending"},
    )
    message.refresh_from_db()
    assert (message.channel, message.address) == ("sms", "0901234567")


@pytest.mark.parametrize("typed", ["09031234567", "0903 123 4567"])
def test_an_eleven_digit_mobile_number_is_refused(typed):
    with pytest.raises(DomainError):
        normalize_phone(typed)


def test_an_eleven_digit_landline_is_kept():
    assert normalize_phone("028 3822 1234") == "02838221234"


def test_reactivating_an_account_does_not_bring_its_old_tokens_back(personas, bearer):
    from django.test import Client

    headers = bearer(personas.deputy)
    assert Client().get("/api/v1/me", **headers).status_code == 200
    personas.deputy.is_active = False
    personas.deputy.save()
    personas.deputy.is_active = True
    personas.deputy.save()
    assert Client().get("/api/v1/me", **headers).status_code == 401
    from citydesk.core.models import AuditEntry

    entry = AuditEntry.objects.filter(action="api_token.revoke").latest("id")
    assert entry.after["reason"] == "account deactivated"
