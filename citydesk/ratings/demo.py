"""Demo ratings: HCMC's 2019 totals reported by seed 004 as imported history, and live ratings of the
demo desk and its finished dossiers. Idempotent."""

from __future__ import annotations

import random

from django.db import transaction

from citydesk.core.audit import Actor
from citydesk.core.models import Organisation, User
from citydesk.dossiers.models import Dossier, Status
from citydesk.ratings.models import Rating, RatingMonth
from citydesk.ratings.services.desk import desk_transaction_open, rating_submit_kiosk
from citydesk.ratings.services.imports import ratings_import

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


def seed_demo_ratings(*, seed: int = 2026) -> dict[str, int]:
    made = 0
    if (
        Organisation.objects.filter(code="79").exists()
        and not RatingMonth.objects.filter(imported=True).exists()
    ):
        ratings_import(actor=Actor.system("seed-demo"), rows=HISTORY_2019)
    unit = Organisation.objects.filter(code=DEMO_UNIT).first()
    officer = User.objects.filter(username="officer").first()
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
                transaction_code=desk.code, level=rng.choice(levels), device=f"demo-{desk.code}"
            )
            made += 1
    return {"demo_ratings": made}
