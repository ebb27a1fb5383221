"""A kiosk is a paired tablet: a desk officer signed in on the tablet pairs it (and is signed out there);
from then on only that tablet (its secret in an HttpOnly cookie) opens the kiosk page and its feed and
records ratings. Strangers who guess the kiosk's id, the old tablet after pairing again and officers of
another unit are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.test import RequestFactory
from django.utils import timezone

from citydesk.core.audit import Actor
from citydesk.core.errors import DomainError, NotAllowed
from citydesk.core.models import AuditEntry, User
from citydesk.ratings.kiosk_views import KIOSK_COOKIE
from citydesk.ratings.models import DeskTransaction, Kiosk, Rating
from citydesk.ratings.services import desk_transaction_open, kiosk_pair, kiosk_unpair
from tests.ratings.conftest import KIOSK
from tests.ratings.kiosks import hold_kiosk_cookie

pytestmark = pytest.mark.django_db

PAGE = f"/danh-gia/quay/{KIOSK}/"
FEED = f"/danh-gia/quay/{KIOSK}/trang-thai.json"
PAIR = f"/danh-gia/quay/{KIOSK}/ghep/"


@pytest.fixture(autouse=True)
def _no_kiosk_interval(settings):
    settings.CITYDESK_KIOSK_MIN_INTERVAL_SECONDS = 0


def _logged_in(client, user: User | None):
    if user is not None:
        client.force_login(user)
    return client


# --- Strangers who guess the kiosk's id --------------------------------------------------------------


def test_a_stranger_without_the_tablets_cookie_can_neither_see_nor_rate(client, personas, open_transaction):
    desk = open_transaction()
    page = client.get(PAGE)
    html = page.content.decode()
    assert page.status_code == 403 and 'data-testid="kiosk-unpaired"' in html
    assert KIOSK in html and PAIR in html and 'class="steps"' in html  # says how to pair this tablet
    assert desk.code not in html and "Trần Văn Minh" not in html  # nothing of the waiting visit
    rated = client.post(PAGE, {"transaction": desk.code, "level": "unsatisfied"})
    assert rated.status_code == 403
    assert not Rating.objects.exists()


def test_the_feed_needs_the_tablets_cookie(client, personas, open_transaction, tablets):
    desk = open_transaction()
    refused = client.get(FEED)
    body = refused.json()
    assert refused.status_code == 403 and body["field"] == "kiosk" and body["detail"]
    assert set(body) == {"detail", "field"}  # not the officer's name, not the unit
    assert refused["Cache-Control"].count("no-store") == 1
    hold_kiosk_cookie(client, "guessed-secret")
    assert client.get(FEED).status_code == 403
    tablets.use(client, KIOSK)
    state = client.get(FEED).json()
    assert state["transaction"] == desk.code and state["officer"] == "Trần Văn Minh"


def test_a_cookie_of_another_kiosk_opens_nothing_here(client, open_transaction, tablets):
    desk = open_transaction()
    tablets.use(client, "BT-QUAY-2")  # a real tablet, of the next desk
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"transaction": desk.code, "level": "satisfied"}).status_code == 403
    assert client.get(FEED).status_code == 403
    assert not Rating.objects.exists()


def test_an_unpaired_kiosk_refuses_its_old_tablet(client, personas, open_transaction, tablets):
    desk = open_transaction()
    tablets.use(client, KIOSK)
    assert client.get(PAGE).status_code == 200
    kiosk_unpair(actor=Actor.system("test"), kiosk=Kiosk.objects.get(code=KIOSK))
    assert client.get(PAGE).status_code == 403 and client.get(FEED).status_code == 403
    assert client.post(PAGE, {"transaction": desk.code, "level": "satisfied"}).status_code == 403
    assert not Rating.objects.exists()
    desk.refresh_from_db()
    assert desk.expires_at <= timezone.now()  # its waiting visit can no longer be rated anywhere


# --- Pairing on the tablet ------------------------------------------------------------------------------


def test_pairing_sets_the_tablets_cookie_signs_the_officer_out_and_shows_the_kiosk(client, personas, tablets):
    tablets.pair(KIOSK)  # registered by the head: a desk officer pairs a registered kiosk again
    client.force_login(personas.officer)
    page = client.get(PAIR)
    assert page.status_code == 200 and 'data-testid="pair-form"' in page.content.decode()
    done = client.post(PAIR, {"unit": "26743", "label": "Quầy 1 – Hộ tịch"})
    assert done.status_code == 302 and done["Location"] == PAGE
    cookie = done.cookies[KIOSK_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == PAGE
    assert int(cookie["max-age"]) >= 300 * 24 * 3600 and not cookie["secure"]  # plain HTTP here
    kiosk = Kiosk.objects.get(code=KIOSK)
    assert (kiosk.unit, kiosk.label, kiosk.paired_by, kiosk.is_active) == (
        personas.ward,
        "Quầy 1 – Hộ tịch",
        personas.officer,
        True,
    )
    assert kiosk.secret_hash and cookie.value not in kiosk.secret_hash  # only a hash is kept
    assert not any(cookie.value in str(e.after) + str(e.before) for e in AuditEntry.objects.all())
    assert AuditEntry.objects.filter(
        action="kiosk.pair", object_id=KIOSK, actor_id=personas.officer.pk
    ).exists()
    # Signed out on the tablet: the citizen in front of it finds no officer's session.
    assert (
        django_settings.SESSION_COOKIE_NAME not in client.cookies
        or not client.cookies[django_settings.SESSION_COOKIE_NAME].value
    )
    assert client.get("/danh-gia/giao-dich/").status_code == 302
    shown = client.get(PAGE)
    assert shown.status_code == 200 and 'data-testid="kiosk-waiting"' in shown.content.decode()


def test_the_cookie_is_secure_over_https(client, personas, tablets):
    tablets.pair(KIOSK)
    client.force_login(personas.officer)
    done = client.post(PAIR, {"unit": "26743"}, secure=True)
    assert done.status_code == 302 and done.cookies[KIOSK_COOKIE]["secure"]


def test_pairing_again_replaces_the_secret_and_the_old_tablet_stops(
    client, personas, open_transaction, tablets
):
    old = tablets.pair(KIOSK)
    desk = open_transaction()
    client.force_login(personas.head)
    assert client.post(PAIR, {"unit": "26743"}).status_code == 302  # the new tablet
    new_tablet_secret = client.cookies[KIOSK_COOKIE].value
    assert new_tablet_secret != old
    hold_kiosk_cookie(client, old)
    assert client.get(PAGE).status_code == 403 and client.get(FEED).status_code == 403
    assert client.post(PAGE, {"transaction": desk.code, "level": "unsatisfied"}).status_code == 403
    assert not Rating.objects.exists()
    hold_kiosk_cookie(client, new_tablet_secret)
    assert client.post(PAGE, {"transaction": desk.code, "level": "satisfied"}).status_code == 302
    assert Rating.objects.get().transaction == desk


def test_an_officer_of_another_unit_cannot_take_the_kiosk_over(client, personas, tablets):
    secret = tablets.pair(KIOSK)
    before = Kiosk.objects.get(code=KIOSK).secret_hash
    client.force_login(personas.outsider)  # an officer of Phường Sài Gòn
    page = client.get(PAIR)
    html = page.content.decode()
    assert page.status_code == 403 and KIOSK in html and "UBND Phường Bến Thành" in html
    taken = client.post(PAIR, {"unit": "26740"})
    assert taken.status_code == 403 and KIOSK_COOKIE not in taken.cookies
    kiosk = Kiosk.objects.get(code=KIOSK)
    assert (kiosk.unit, kiosk.secret_hash) == (personas.ward, before)
    with pytest.raises(NotAllowed) as refused:
        kiosk_pair(user=personas.outsider, code=KIOSK, unit=personas.other_ward)
    assert KIOSK in refused.value.message and "UBND Phường Bến Thành" in refused.value.message
    hold_kiosk_cookie(client, secret)
    assert client.get(PAGE).status_code == 200  # the ward's tablet still works


def test_an_officer_pairs_only_for_their_own_units(client, personas):
    client.force_login(personas.officer)
    response = client.post("/danh-gia/quay/BT-QUAY-9/ghep/", {"unit": "26740"})  # not among their units
    assert response.status_code == 403  # a new code, and not their unit: registered by a head only
    assert not Kiosk.objects.exists() and KIOSK_COOKIE not in response.cookies
    with pytest.raises(NotAllowed):
        kiosk_pair(user=personas.officer, code="BT-QUAY-9", unit=personas.other_ward)


def test_an_administrator_pairs_for_any_unit(client, personas):
    client.force_login(personas.admin)
    page = client.get(PAIR).content.decode()
    assert "UBND Phường Sài Gòn" in page and "UBND Phường Bến Thành" in page
    assert client.post(PAIR, {"unit": "26740"}).status_code == 302
    assert Kiosk.objects.get(code=KIOSK).unit == personas.other_ward


def test_moving_a_kiosk_to_another_unit_closes_its_waiting_visit(personas, open_transaction):
    desk = open_transaction()
    kiosk_pair(user=personas.admin, code=KIOSK, unit=personas.other_ward)
    desk.refresh_from_db()
    assert desk.expires_at <= timezone.now()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),  # to the log-in page, then back here
        ("citizen", 403),
        ("outsider", 403),  # an officer of another ward: the kiosk is Bến Thành's
        ("operator", 403),
        ("inspector", 403),
        ("officer", 200),
        ("deputy", 200),
        ("head", 200),
        ("leader", 200),  # the city's leader holds the desk's power over the ward
        ("admin", 200),
    ],
)
def test_who_opens_the_pairing_page(client, personas, tablets, role, status):
    tablets.pair(KIOSK)
    before = Kiosk.objects.get(code=KIOSK).secret_hash
    user = None if role == "anonymous" else personas.all_roles()[role]
    response = _logged_in(client, user).get(PAIR)
    assert response.status_code == status
    if role == "anonymous":
        assert response["Location"].startswith("/dang-nhap/") and "ghep" in response["Location"]
    sent = client.post(PAIR, {"unit": "26743"})
    paired = sent.status_code == 302 and sent["Location"] == PAGE
    assert paired == (status == 200)
    if status != 200:
        assert Kiosk.objects.get(code=KIOSK).secret_hash == before and KIOSK_COOKIE not in sent.cookies


def test_a_new_kiosk_code_is_offered_with_the_heads_own_units(client, personas):
    client.force_login(personas.other_head)  # a new kiosk code: registered by the unit's head
    page = client.get("/danh-gia/quay/SG-QUAY-1/ghep/")
    assert page.status_code == 200 and "UBND Phường Sài Gòn" in page.content.decode()
    assert "UBND Phường Bến Thành" not in page.content.decode()
    assert client.post("/danh-gia/quay/SG-QUAY-1/ghep/", {"unit": "26740"}).status_code == 302
    assert client.get("/danh-gia/quay/bad id!/ghep/").status_code in (302, 404)


# --- The tablet's visits -------------------------------------------------------------------------------


def test_last_seen_is_written_once_a_minute_not_at_every_poll(client, open_transaction, tablets, monkeypatch):
    tablets.use(client, KIOSK)
    client.get(FEED)
    first = Kiosk.objects.get(code=KIOSK).last_seen_at
    assert first is not None
    client.get(FEED)
    client.get(PAGE)
    assert Kiosk.objects.get(code=KIOSK).last_seen_at == first
    later = timezone.now() + timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client.get(FEED)
    assert Kiosk.objects.get(code=KIOSK).last_seen_at == later


def test_the_kiosk_page_renews_the_tablets_cookie(client, tablets):
    tablets.use(client, KIOSK)
    response = client.get(PAGE)
    assert response.status_code == 200 and response.cookies[KIOSK_COOKIE].value == tablets.secrets[KIOSK]


# --- The desk: only a paired kiosk of the unit ----------------------------------------------------------


def test_the_desk_refuses_a_kiosk_that_is_not_paired_with_the_unit(client, personas, procedures, tablets):
    tablets.pair("SG-QUAY-1", personas.other_ward)
    tablets.pair("BT-CU")
    kiosk_unpair(actor=Actor.system("test"), kiosk=Kiosk.objects.get(code="BT-CU"))
    client.force_login(personas.officer)
    for typed in ("BT-KHONG-CO", "SG-QUAY-1", "BT-CU"):
        response = client.post("/danh-gia/giao-dich/", {"kiosk": typed, "unit": "26743", "kind": "receive"})
        assert response.status_code == 400 and 'id="err-kiosk"' in response.content.decode(), typed
    assert not DeskTransaction.objects.exists()
    for typed in ("BT-KHONG-CO", "SG-QUAY-1", "BT-CU"):
        with pytest.raises(DomainError) as refused:
            desk_transaction_open(user=personas.officer, unit=personas.ward, kiosk=typed)
        assert refused.value.field == "kiosk"
    assert not DeskTransaction.objects.exists()


def test_the_desk_offers_the_units_paired_kiosks_and_no_kiosk(client, personas, tablets):
    tablets.pair(KIOSK)
    tablets.pair("SG-QUAY-1", personas.other_ward)
    client.force_login(personas.officer)
    page = client.get("/danh-gia/giao-dich/").content.decode()
    assert f'<option value="{KIOSK}"' in page and '<option value=""' in page
    assert "SG-QUAY-1" not in page
    without = client.post("/danh-gia/giao-dich/", {"kiosk": "", "unit": "26743", "kind": "advice"})
    assert without.status_code == 302 and DeskTransaction.objects.get().kiosk == ""


def test_a_rating_by_code_of_a_kiosks_visit_is_refused_by_the_service(open_transaction):
    from citydesk.ratings.services import rating_submit_kiosk

    desk = open_transaction()
    with pytest.raises(NotAllowed) as refused:
        rating_submit_kiosk(transaction_code=desk.code, level="satisfied")
    assert refused.value.field == "kiosk" and not Rating.objects.exists()


# --- The back office -------------------------------------------------------------------------------------


def test_the_back_office_lists_kiosks_without_their_key_and_unpairs_them(client, personas, tablets):
    secret = tablets.pair(KIOSK)
    root = User.objects.create_superuser(username="root", password="x", email="root@example.vn")
    client.force_login(root)
    kiosk = Kiosk.objects.get(code=KIOSK)
    listing = client.get("/quan-tri/ratings/kiosk/")
    change = client.get(f"/quan-tri/ratings/kiosk/{kiosk.pk}/change/")
    assert listing.status_code == 200 and change.status_code == 200
    for html in (listing.content.decode(), change.content.decode()):
        assert kiosk.secret_hash not in html and secret not in html
    done = client.post(
        "/quan-tri/ratings/kiosk/", {"action": "unpair", "_selected_action": [kiosk.pk]}, follow=True
    )
    assert done.status_code == 200
    kiosk.refresh_from_db()
    assert not kiosk.is_active and kiosk.secret_hash == ""
    assert AuditEntry.objects.filter(action="kiosk.unpair", actor_id=root.pk).exists()
    hold_kiosk_cookie(client, secret)
    assert client.get(PAGE).status_code == 403
    model_admin = admin.site._registry[Kiosk]
    request = RequestFactory().get("/")
    request.user = root
    assert not model_admin.has_add_permission(request) and "secret_hash" not in model_admin.get_fields(
        request
    )
