"""The rating services: one rating per transaction / dossier / resident and month, expiry, rate limits,
and the monthly counts always equal to a recount of the ratings."""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from citydesk.core.errors import Conflict, DomainError, NotAllowed, NotFound
from citydesk.core.models import AuditEntry, User
from citydesk.dossiers.models import Status
from citydesk.ratings.models import DeskTransaction, Rating, RatingMonth
from citydesk.ratings.services import (
    RateLimited,
    desk_transaction_open,
    live_months_rebuild,
    month_of,
    rating_submit_kiosk,
    rating_submit_resident,
    rating_submit_web,
    resident_key,
    waiting_transaction,
)
from tests.ratings.conftest import KIOSK, make_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_kiosk_interval(settings):
    settings.CITYDESK_KIOSK_MIN_INTERVAL_SECONDS = 0


def month_counts() -> dict[tuple, tuple[int, int, int]]:
    return {
        (m.month, m.unit_id, m.officer_id, m.procedure_id, m.channel): (m.satisfied, m.normal, m.unsatisfied)
        for m in RatingMonth.objects.filter(imported=False)
    }


def recount() -> dict[tuple, tuple[int, int, int]]:
    counts: Counter = Counter()
    for r in Rating.objects.all():
        counts[
            (month_of(r.created_at), r.unit_id, r.officer_id or 0, r.procedure_id or 0, r.channel, r.level)
        ] += 1
    keys = {k[:5] for k in counts}
    return {k: (counts[(*k, "satisfied")], counts[(*k, "normal")], counts[(*k, "unsatisfied")]) for k in keys}


# --- Desk transactions and the kiosk ----------------------------------------------------------------


def test_open_transaction_short_code_window_and_audit(personas, open_transaction, settings):
    settings.CITYDESK_KIOSK_WINDOW_MINUTES = 10
    desk = open_transaction()
    assert len(desk.code) == 8 and desk.code.isalnum() and desk.code == desk.code.upper()
    assert desk.expires_at - desk.created_at == timedelta(minutes=10)
    assert desk.officer == personas.officer and desk.unit == personas.ward
    assert waiting_transaction(KIOSK) == desk
    entry = AuditEntry.objects.get(action="desk_transaction.open")
    assert entry.object_id == desk.code and entry.actor_id == personas.officer.pk


@pytest.mark.parametrize("role", ["operator", "inspector", "admin", "citizen", "outsider"])
def test_only_desk_officers_open_transactions(personas, procedures, role):
    with pytest.raises(NotAllowed):
        desk_transaction_open(user=personas.all_roles()[role], unit=personas.ward, kiosk=KIOSK)
    assert not DeskTransaction.objects.exists()


def test_transaction_input_checked(personas, procedures):
    with pytest.raises(DomainError) as bad_kind:
        desk_transaction_open(user=personas.officer, unit=personas.ward, kind="coffee")
    assert bad_kind.value.field == "kind"
    with pytest.raises(DomainError) as bad_kiosk:
        desk_transaction_open(user=personas.officer, unit=personas.ward, kiosk="quầy 1/2")
    assert bad_kiosk.value.field == "kiosk"
    other = make_dossier(personas, procedures["birth"], unit=personas.other_ward)
    with pytest.raises(DomainError) as foreign:
        desk_transaction_open(user=personas.officer, unit=personas.ward, dossier=other)
    assert foreign.value.field == "dossier"
    assert not DeskTransaction.objects.exists()


def test_transaction_takes_the_dossier_procedure(personas, procedures, tablets):
    tablets.ensure(KIOSK)
    dossier = make_dossier(personas, procedures["copy"], status=Status.RECEIVED)
    desk = desk_transaction_open(user=personas.officer, unit=personas.ward, dossier=dossier, kiosk=KIOSK)
    assert desk.procedure == procedures["copy"] and desk.dossier == dossier


def test_one_rating_per_transaction(personas, open_transaction):
    desk = open_transaction()
    rating = rating_submit_kiosk(
        transaction_code=desk.code.lower(), level="satisfied", comment="  Rất  tốt ", kiosk=KIOSK
    )
    assert rating.officer == personas.officer and rating.unit == personas.ward and rating.comment == "Rất tốt"
    assert rating.device == KIOSK
    before = month_counts()
    with pytest.raises(Conflict) as second:
        rating_submit_kiosk(transaction_code=desk.code, level="unsatisfied", kiosk=KIOSK)
    assert second.value.status == 409 and second.value.field == "transaction"
    assert Rating.objects.count() == 1 and month_counts() == before
    assert waiting_transaction(KIOSK) is None  # rated: the kiosk waits for the next one


def test_unknown_expired_and_superseded_transactions(personas, open_transaction, monkeypatch):
    with pytest.raises(NotFound) as unknown:
        rating_submit_kiosk(transaction_code="NOPE1234", level="satisfied", kiosk=KIOSK)
    assert unknown.value.field == "transaction"
    first = open_transaction()
    second = open_transaction()  # the next citizen at the same kiosk: the first can no longer be rated
    with pytest.raises(Conflict):
        rating_submit_kiosk(transaction_code=first.code, level="satisfied", kiosk=KIOSK)
    assert waiting_transaction(KIOSK) == second
    later = timezone.now() + timedelta(minutes=31)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert waiting_transaction(KIOSK) is None
    with pytest.raises(Conflict):
        rating_submit_kiosk(transaction_code=second.code, level="satisfied", kiosk=KIOSK)
    assert not Rating.objects.exists() and not RatingMonth.objects.exists()


def test_kiosk_page_may_only_rate_its_own_transactions(open_transaction):
    desk = open_transaction(kiosk="BT-QUAY-2")
    with pytest.raises(NotFound):
        rating_submit_kiosk(transaction_code=desk.code, level="satisfied", kiosk=KIOSK)
    assert not Rating.objects.exists()


def test_bad_level_stores_nothing(open_transaction):
    desk = open_transaction()
    with pytest.raises(DomainError) as bad:
        rating_submit_kiosk(transaction_code=desk.code, level="great", kiosk=KIOSK)
    assert bad.value.field == "level" and bad.value.status == 400
    with pytest.raises(DomainError) as long:
        rating_submit_kiosk(transaction_code=desk.code, level="normal", comment="x" * 1001, kiosk=KIOSK)
    assert long.value.field == "comment"
    assert not Rating.objects.exists()


def test_kiosk_per_second_limit(open_transaction, settings):
    settings.CITYDESK_KIOSK_MIN_INTERVAL_SECONDS = 5
    rating_submit_kiosk(transaction_code=open_transaction().code, level="satisfied", kiosk=KIOSK)
    desk = open_transaction()
    with pytest.raises(RateLimited) as limited:
        rating_submit_kiosk(transaction_code=desk.code, level="satisfied", kiosk=KIOSK)
    assert limited.value.status == 429
    rating_submit_kiosk(
        transaction_code=open_transaction(kiosk="BT-QUAY-2").code, level="normal", kiosk="BT-QUAY-2"
    )  # another tablet
    assert Rating.objects.count() == 2


# --- Web: the applicant of a finished dossier --------------------------------------------------------


def test_web_rating_once_by_the_applicant(personas, finished_dossier):
    with pytest.raises(NotAllowed):
        rating_submit_web(dossier_code=finished_dossier.code, level="satisfied", user=personas.outsider)
    with pytest.raises(NotAllowed):
        rating_submit_web(dossier_code=finished_dossier.code, level="satisfied", token="wrong")
    rating = rating_submit_web(dossier_code=finished_dossier.code, level="normal", user=personas.citizen)
    assert rating.channel == "web" and rating.unit == personas.ward and rating.officer is None
    assert rating.procedure == finished_dossier.procedure
    with pytest.raises(Conflict) as again:
        rating_submit_web(
            dossier_code=finished_dossier.code, level="satisfied", token=finished_dossier.citizen_token
        )
    assert again.value.status == 409
    assert Rating.objects.count() == 1


def test_web_rating_by_token_only_when_finished(personas, procedures):
    for status in (Status.RECEIVED, Status.IN_PROGRESS, Status.SUPPLEMENT, Status.WITHDRAWN):
        dossier = make_dossier(personas, procedures["birth"], status=status)
        with pytest.raises(Conflict):
            rating_submit_web(dossier_code=dossier.code, level="satisfied", token=dossier.citizen_token)
    for status in (Status.RESULT_READY, Status.RETURNED, Status.REFUSED):
        dossier = make_dossier(personas, procedures["birth"], status=status)
        rating_submit_web(dossier_code=dossier.code, level="satisfied", token=dossier.citizen_token)
    assert Rating.objects.filter(channel="web").count() == 3
    with pytest.raises(NotFound):
        rating_submit_web(dossier_code="HS-00-000000", level="satisfied", token="x")


def test_device_limit_per_hour(personas, procedures, settings, monkeypatch):
    settings.CITYDESK_RATING_DEVICE_LIMIT_PER_HOUR = 3
    dossiers = [make_dossier(personas, procedures["birth"]) for _i in range(5)]
    for d in dossiers[:3]:
        rating_submit_web(dossier_code=d.code, level="satisfied", token=d.citizen_token, device="id:phone-1")
    with pytest.raises(RateLimited) as limited:
        rating_submit_web(
            dossier_code=dossiers[3].code,
            level="satisfied",
            token=dossiers[3].citizen_token,
            device="id:phone-1",
        )
    assert limited.value.status == 429 and limited.value.field == "device"
    rating_submit_web(
        dossier_code=dossiers[3].code, level="satisfied", token=dossiers[3].citizen_token, device="id:phone-2"
    )
    later = timezone.now() + timedelta(minutes=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    rating_submit_web(
        dossier_code=dossiers[4].code, level="satisfied", token=dossiers[4].citizen_token, device="id:phone-1"
    )
    assert Rating.objects.count() == 5


# --- Residents rate their ward -------------------------------------------------------------------------


def test_resident_once_per_month(personas, monkeypatch):
    rating = rating_submit_resident(
        user=personas.citizen, unit_code="26743", level="unsatisfied", comment="Chậm"
    )
    assert rating.channel == "app" and rating.period == f"{timezone.localdate():%Y-%m}"
    assert (
        rating.resident_key == resident_key(personas.citizen)
        and str(personas.citizen.pk) not in rating.resident_key
    )
    with pytest.raises(Conflict) as again:
        rating_submit_resident(user=personas.citizen, unit_code="26743", level="satisfied")
    assert again.value.field == "unit"
    with pytest.raises(Conflict) as elsewhere:  # one ward a month, whichever (QA D6)
        rating_submit_resident(user=personas.citizen, unit_code="26740", level="satisfied")
    assert elsewhere.value.field == "unit" and "Bến Thành" in elsewhere.value.message
    neighbour = User.objects.create_user(username="neighbour", full_name="Lý Thị Hoa")
    rating_submit_resident(user=neighbour, unit_code="26743", level="satisfied")  # another resident
    next_month = timezone.now() + timedelta(days=32)
    monkeypatch.setattr(timezone, "now", lambda: next_month)
    rating_submit_resident(user=personas.citizen, unit_code="26740", level="satisfied")
    assert Rating.objects.filter(channel="app").count() == 3
    audit = AuditEntry.objects.filter(action="rating.submit").first()
    assert audit.actor_id is None  # the trail does not tell who rated the ward


def test_resident_rates_only_commune_level_committees(personas):
    for code in ("79", "79.SXD", "79.TTTP"):
        with pytest.raises(DomainError) as refused:
            rating_submit_resident(user=personas.citizen, unit_code=code, level="satisfied")
        assert refused.value.field == "unit" and refused.value.status == 400
    with pytest.raises(NotFound):
        rating_submit_resident(user=personas.citizen, unit_code="99999", level="satisfied")
    assert not Rating.objects.exists()


# --- Monthly counts ---------------------------------------------------------------------------------


def test_month_counts_equal_a_recount_after_random_ratings(
    personas, procedures, open_transaction, monkeypatch
):
    rnd = random.Random(7)
    levels = ["satisfied", "normal", "unsatisfied"]
    base = timezone.now()
    residents = [personas.citizen] + [User.objects.create_user(username=f"resident{n}") for n in range(3)]
    for i in range(60):
        when = base - timedelta(days=rnd.randrange(0, 120), hours=rnd.randrange(0, 24))
        monkeypatch.setattr(timezone, "now", lambda when=when: when)
        channel = rnd.choice(["kiosk", "web", "app"])
        level = rnd.choice(levels)
        if channel == "kiosk":
            desk = open_transaction(
                kiosk=f"K{i % 3}",
                user=rnd.choice([personas.officer, personas.deputy]),
                procedure=rnd.choice(list(procedures.values())),
            )
            rating_submit_kiosk(transaction_code=desk.code, level=level, kiosk=desk.kiosk)
        elif channel == "web":
            dossier = make_dossier(
                personas,
                rnd.choice(list(procedures.values())),
                unit=rnd.choice([personas.ward, personas.other_ward]),
            )
            rating_submit_web(dossier_code=dossier.code, level=level, token=dossier.citizen_token)
        else:
            with contextlib.suppress(Conflict):
                rating_submit_resident(
                    user=rnd.choice(residents), unit_code=rnd.choice(["26743", "26740"]), level=level
                )
    assert Rating.objects.count() > 40
    counted = month_counts()
    assert counted == recount()
    RatingMonth.objects.create(
        month=base.date().replace(day=1), unit=personas.ward, channel="kiosk", satisfied=5, imported=True
    )
    rows = live_months_rebuild()
    assert rows == len(counted)
    assert month_counts() == counted  # the one-statement rebuild agrees with the live upserts
    assert RatingMonth.objects.filter(imported=True).count() == 1  # history kept
