"""Review S25, the kiosks: only a unit's head (or a leader above it) or an administrator registers a new
kiosk code; a desk officer only pairs again a kiosk already registered for their unit (an officer who made
a kiosk of their own phone could open visits for it and rate themselves). Every pairing is audited and the
unit's head is told in-app, unless they paired it themselves."""

from __future__ import annotations

import pytest

from citydesk.core.errors import DomainError, NotAllowed
from citydesk.core.models import AuditEntry, Membership
from citydesk.notifications.models import Notification
from citydesk.ratings.kiosk_views import KIOSK_COOKIE
from citydesk.ratings.models import DeskTransaction, Kiosk
from citydesk.ratings.services import desk_transaction_open, kiosk_pair, kiosk_pair_choice
from tests.ratings.conftest import KIOSK

pytestmark = pytest.mark.django_db

NEW = "BT-QUAY-9"


def pair_url(code: str) -> str:
    return f"/danh-gia/quay/{code}/ghep/"


def told(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, channel="in_app"))


# --- 1. A desk officer cannot register a new kiosk ---------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "deputy"])
def test_a_desk_officer_cannot_make_a_new_kiosk_of_their_phone(client, personas, tablets, role):
    tablets.pair(KIOSK)  # the ward's registered kiosk (the demo's BT-QUAY-1)
    user = personas.all_roles()[role]
    client.force_login(user)
    page = client.get(pair_url(NEW))
    html = page.content.decode()
    assert page.status_code == 403 and 'data-testid="forbidden"' in html
    assert NEW in html and KIOSK in html  # the code refused, and the kiosk they may pair instead
    sent = client.post(pair_url(NEW), {"unit": "26743", "label": "Điện thoại của tôi"})
    assert sent.status_code == 403 and KIOSK_COOKIE not in sent.cookies
    assert not Kiosk.objects.filter(code=NEW).exists()
    with pytest.raises(NotAllowed) as refused:
        kiosk_pair(user=user, code=NEW, unit=personas.ward)
    assert refused.value.field == "kiosk" and NEW in refused.value.message
    assert not Kiosk.objects.filter(code=NEW).exists()
    # ... so no visit can be opened for such a kiosk, and nobody rates it on a phone.
    with pytest.raises(DomainError) as no_kiosk:
        desk_transaction_open(user=user, unit=personas.ward, kiosk=NEW)
    assert no_kiosk.value.field == "kiosk"
    assert not DeskTransaction.objects.exists()
    assert not AuditEntry.objects.filter(action="kiosk.pair", object_id=NEW).exists()


def test_the_refusal_says_who_registers_a_new_tablet(client, personas):
    from django.utils import translation

    client.force_login(personas.officer)
    with translation.override("en"), pytest.raises(NotAllowed) as refused:
        kiosk_pair_choice(user=personas.officer, code=NEW)
    assert "head of the unit" in refused.value.message and "administrator" in refused.value.message


# --- 2. The README's flow: an officer pairs the registered kiosk again -------------------------------------


def test_an_officer_pairs_the_registered_kiosk_the_head_is_told_and_it_is_audited(client, personas, tablets):
    tablets.pair(KIOSK)
    client.force_login(personas.officer)
    page = client.get(pair_url(KIOSK))
    assert page.status_code == 200 and 'data-testid="pair-new"' not in page.content.decode()
    done = client.post(pair_url(KIOSK), {"unit": "26743", "label": "Quầy 1 – Hộ tịch"})
    assert done.status_code == 302 and done.cookies[KIOSK_COOKIE].value
    entry = AuditEntry.objects.filter(action="kiosk.pair", object_id=KIOSK).order_by("-id").first()
    assert entry is not None and entry.actor_id == personas.officer.pk and entry.before is not None
    (notice,) = told(personas.head)
    text = f"{notice.subject}\n{notice.body}"
    assert KIOSK in text and personas.officer.full_name in text and "Quầy 1 – Hộ tịch" in text
    assert personas.ward.name in notice.body
    assert told(personas.officer) == [] and told(personas.deputy) == []  # the unit's head only
    assert told(personas.other_head) == []


def test_an_officer_pairs_a_registered_kiosk_for_its_own_unit_only(client, personas, tablets):
    tablets.pair(KIOSK)
    Membership.objects.create(user=personas.officer, organisation=personas.other_ward, role="officer")
    client.force_login(personas.officer)
    page = client.get(pair_url(KIOSK)).content.decode()
    assert 'value="26743"' in page and 'value="26740"' not in page  # not moved to their other ward
    moved = client.post(pair_url(KIOSK), {"unit": "26740"})
    assert moved.status_code == 400 and KIOSK_COOKIE not in moved.cookies
    with pytest.raises(NotAllowed) as refused:
        kiosk_pair(user=personas.officer, code=KIOSK, unit=personas.other_ward)
    assert refused.value.field == "unit"
    assert Kiosk.objects.get(code=KIOSK).unit == personas.ward


# --- 3. The head, a leader and an administrator register new kiosks ----------------------------------------


def test_the_head_registers_a_new_kiosk_and_is_not_told_of_it(client, personas):
    client.force_login(personas.head)
    page = client.get(pair_url(NEW))
    assert page.status_code == 200 and 'data-testid="pair-new"' in page.content.decode()
    done = client.post(pair_url(NEW), {"unit": "26743", "label": "Quầy 9"})
    assert done.status_code == 302
    kiosk = Kiosk.objects.get(code=NEW)
    assert (kiosk.unit, kiosk.paired_by) == (personas.ward, personas.head)
    entry = AuditEntry.objects.get(action="kiosk.pair", object_id=NEW)
    assert entry.actor_id == personas.head.pk and entry.before is None and entry.after["unit"] == "26743"
    assert not Notification.objects.exists()  # the head did it


def test_a_leader_registers_and_the_wards_head_is_told(personas):
    kiosk_pair(user=personas.leader, code=NEW, unit=personas.ward, label="Quầy 9")
    (notice,) = told(personas.head)
    assert NEW in notice.subject + notice.body and personas.leader.full_name in notice.body
    assert told(personas.leader) == []


def test_an_administrator_registers_for_another_ward_whose_head_is_told(client, personas):
    client.force_login(personas.admin)
    assert client.post(pair_url("SG-QUAY-1"), {"unit": "26740"}).status_code == 302
    assert Kiosk.objects.get(code="SG-QUAY-1").unit == personas.other_ward
    assert len(told(personas.other_head)) == 1 and told(personas.head) == []


def test_moving_a_kiosk_tells_both_heads(personas, tablets):
    tablets.pair(KIOSK)
    kiosk_pair(user=personas.admin, code=KIOSK, unit=personas.other_ward)
    assert len(told(personas.head)) == 1 and len(told(personas.other_head)) == 1


def test_an_officer_of_another_ward_cannot_register_for_the_ward(personas):
    with pytest.raises(NotAllowed):
        kiosk_pair(user=personas.other_head, code=NEW, unit=personas.ward)
    assert not Kiosk.objects.exists()


# --- 4. The pages say it -------------------------------------------------------------------------------------


def test_the_kiosk_page_of_an_unregistered_code_says_who_registers_it(client, tablets):
    tablets.pair(KIOSK)
    unknown = client.get(f"/danh-gia/quay/{NEW}/")
    assert unknown.status_code == 403 and 'data-testid="kiosk-not-registered"' in unknown.content.decode()
    known = client.get(f"/danh-gia/quay/{KIOSK}/")
    assert known.status_code == 403 and 'data-testid="kiosk-not-registered"' not in known.content.decode()


def test_the_desk_page_says_who_registers_a_new_kiosk(client, personas, tablets):
    tablets.pair(KIOSK)
    client.force_login(personas.officer)
    html = client.get("/danh-gia/giao-dich/").content.decode()
    assert 'data-testid="pair-hint"' in html and f"/danh-gia/quay/{KIOSK}/ghep/" in html
