"""Demo ratings: HCMC's 2019 totals reported by seed 004 as imported history, the demo ward's paired
kiosks, and live ratings of the demo desk and its finished dossiers. Idempotent."""

from __future__ import annotations

import random

from django.db import transaction

from citydesk.core.audit import Actor
from citydesk.core.models import Organisation, User
from citydesk.dossiers.models import Dossier, Status
from citydesk.ratings.models import Kiosk, Rating, RatingMonth
from citydesk.ratings.services.desk import desk_transaction_open, rating_submit_kiosk
from citydesk.ratings.services.imports import ratings_import
from citydesk.ratings.services.kiosks import kiosk_register

# Seed 004: 381,922 desk ratings (99.24 % / 0.59 % / 0.17 %) and 16,609 web ratings (94.95 / 4.67 / 0.37).
HISTORY_2019 = [
    {
        "month": "2019-12",
        "unit": "79",
        "channel": "kiosk",
        "satisfied": 379_020,
        "normal": 2_253,
        "unsatisfied": 649,
    },
    {
        "month": "2019-12",
        "unit": "79",
        "channel": "web",
        "satisfied": 15_771,
        "normal": 776,
        "unsatisfied": 62,
    },
]
DEMO_UNIT = "26743"
# The demo ward's desks with a tablet: (code, label). Registered with a secret nobody keeps, so no device
# opens them until a desk officer signs in on a tablet and pairs it (/danh-gia/quay/BT-QUAY-1/ghep/).
DEMO_KIOSKS = [("quay-1", "Quầy 1 (lịch sử demo)"), ("BT-QUAY-1", "Quầy 1 – Hộ tịch, chứng thực")]


def seed_demo_kiosks(unit: Organisation) -> int:
    """The demo ward's kiosks (those missing only: a tablet an officer paired keeps its pairing)."""
    made = 0
    for code, label in DEMO_KIOSKS:
        if not Kiosk.objects.filter(code=code).exists():
            kiosk_register(actor=Actor.system("seed-demo"), code=code, unit=unit, label=label)
            made += 1
    return made


def seed_demo_ratings(*, seed: int = 2026) -> dict[str, int]:
    made = 0
    if (
        Organisation.objects.filter(code="79").exists()
        and not RatingMonth.objects.filter(imported=True).exists()
    ):
        ratings_import(actor=Actor.system("seed-demo"), rows=HISTORY_2019)
    unit = Organisation.objects.filter(code=DEMO_UNIT).first()
    officer = User.objects.filter(username="officer").first()
    if unit is not None:
        seed_demo_kiosks(unit)
    if unit is None or officer is None or Rating.objects.filter(unit=unit).exists():
        return {"demo_ratings": made}
    rng = random.Random(seed)
    levels = ["satisfied"] * 17 + ["normal"] * 2 + ["unsatisfied"]
    dossiers = Dossier.objects.filter(unit=unit, status=Status.RETURNED).select_related("procedure")[:40]
    with transaction.atomic():
        for dossier in dossiers:
            desk = desk_transaction_open(
                user=officer,
                unit=unit,
                dossier=dossier,
                procedure=dossier.procedure,
                kind="return",
                kiosk="quay-1",
            )
            rating_submit_kiosk(
                transaction_code=desk.code,
                level=rng.choice(levels),
                device=f"demo-{desk.code}",
                kiosk="quay-1",  # as its tablet would (the demo holds no tablet's key)
            )
            made += 1
    return {"demo_ratings": made}
