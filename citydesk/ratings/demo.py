"""Demo ratings: HCMC's 2019 totals reported by seed 004 as imported history (a whole year's total), the
demo ward's paired kiosk, and live ratings of the demo desk and its finished dossiers. Idempotent."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from citydesk.core.audit import Actor
from citydesk.core.models import Organisation, User
from citydesk.dossiers.models import Dossier, Status
from citydesk.ratings.models import Kiosk, Rating, RatingMonth
from citydesk.ratings.periods import year_total
from citydesk.ratings.services.desk import desk_transaction_open, rating_submit_kiosk
from citydesk.ratings.services.imports import ratings_import
from citydesk.ratings.services.kiosks import LIVE_SECONDS, kiosk_register, kiosk_unpair

# Seed 004: 381,922 desk ratings (99.24 % / 0.59 % / 0.17 %) and 16,609 web ratings (94.95 / 4.67 / 0.37),
# HCMC's figures for the whole of 2019: imported as the year's total ("2019"), which the statistics name
# “Cả năm 2019”. Filed under 12/2019 they read as one month of 398,531 ratings.
HISTORY_2019 = [
    {
        "month": "2019",
        "unit": "79",
        "channel": "kiosk",
        "satisfied": 379_020,
        "normal": 2_253,
        "unsatisfied": 649,
    },
    {
        "month": "2019",
        "unit": "79",
        "channel": "web",
        "satisfied": 15_771,
        "normal": 776,
        "unsatisfied": 62,
    },
]
DEMO_UNIT = "26743"
# The demo ward's desk with a tablet: (code, label). Registered with a secret nobody keeps, so no device
# opens it until a desk officer signs in on a tablet and pairs it (/danh-gia/quay/BT-QUAY-1/ghep/); until a
# tablet shows it, the desk does not offer it.
DEMO_KIOSKS = [("BT-QUAY-1", "Quầy 1 – Hộ tịch, chứng thực")]
# Earlier demos registered a kiosk that only held the demo's history: no tablet ever showed it.
RETIRED_DEMO_KIOSKS = ["quay-1"]


def _history_as_year_total() -> None:
    """An earlier demo filed the 2019 totals under 12/2019: move them to the whole year (idempotent)."""
    for row in HISTORY_2019:
        counts = {k: row[k] for k in ("satisfied", "normal", "unsatisfied")}
        old = RatingMonth.objects.filter(
            imported=True,
            month=date(2019, 12, 1),
            unit__code=row["unit"],
            channel=row["channel"],
            officer_id=0,
            procedure_id=0,
            **counts,
        )
        taken = RatingMonth.objects.filter(
            imported=True, month=year_total(2019), unit__code=row["unit"], channel=row["channel"]
        ).exists()
        if not taken:
            old.update(month=year_total(2019))


def _retire_demo_kiosks() -> None:
    """Unpair the demo's history kiosk when no tablet ever showed it (one an officer paired is kept)."""
    for kiosk in Kiosk.objects.filter(
        code__in=RETIRED_DEMO_KIOSKS, is_active=True, paired_by__isnull=True, last_seen_at__isnull=True
    ):
        kiosk_unpair(actor=Actor.system("seed-demo"), kiosk=kiosk)


def seed_demo_kiosks(unit: Organisation) -> int:
    """The demo ward's kiosks (those missing only: a tablet an officer paired keeps its pairing)."""
    made = 0
    for code, label in DEMO_KIOSKS:
        if not Kiosk.objects.filter(code=code).exists():
            kiosk_register(actor=Actor.system("seed-demo"), code=code, unit=unit, label=label)
            # No tablet holds its secret: dated before the few minutes in which a kiosk just paired counts
            # as live (kiosks.is_live), so the desk does not offer it until a tablet is paired and shows it.
            registered = timezone.now() - timedelta(seconds=LIVE_SECONDS + 60)
            Kiosk.objects.filter(code=code).update(paired_at=registered)
            made += 1
    return made


# What the demo's citizens write with some of their ratings (the statistics page lists them, numbers hidden).
DEMO_COMMENTS = (
    "Cán bộ hướng dẫn tận tình, hồ sơ trả đúng hẹn.",
    "Phải chờ gần một tiếng mới đến lượt, cần thêm quầy tiếp nhận.",
    "Thủ tục nhanh gọn, cảm ơn bộ phận Một cửa.",
    "Cần thêm ghế ngồi chờ và nước uống.",
    "Nhờ cán bộ gọi lại cho tôi số 0903 456 789 khi có kết quả.",
)


def seed_demo_ratings(*, seed: int = 2026) -> dict[str, int]:
    made = 0
    if Organisation.objects.filter(code="79").exists():
        if RatingMonth.objects.filter(imported=True).exists():
            _history_as_year_total()
        else:
            ratings_import(actor=Actor.system("seed-demo"), rows=HISTORY_2019)
    unit = Organisation.objects.filter(code=DEMO_UNIT).first()
    officer = User.objects.filter(username="officer").first()
    if unit is not None:
        seed_demo_kiosks(unit)
        _retire_demo_kiosks()
    if unit is None or officer is None or Rating.objects.filter(unit=unit).exists():
        return {"demo_ratings": made}
    rng = random.Random(seed)
    commenting = random.Random(seed + 1)  # its own draws: the levels stay those of earlier demos
    levels = ["satisfied"] * 17 + ["normal"] * 2 + ["unsatisfied"]
    dossiers = Dossier.objects.filter(unit=unit, status=Status.RETURNED).select_related("procedure")[:40]
    with transaction.atomic():
        for dossier in dossiers:
            # Rated with the transaction's code, as at a desk without a tablet (a kiosk no tablet
            # shows is not offered, and the demo holds no tablet's key).
            desk = desk_transaction_open(
                user=officer, unit=unit, dossier=dossier, procedure=dossier.procedure, kind="return"
            )
            rating_submit_kiosk(
                transaction_code=desk.code,
                level=rng.choice(levels),
                comment=commenting.choice(DEMO_COMMENTS) if commenting.random() < 0.35 else "",
                device=f"demo-{desk.code}",
            )
            made += 1
    return {"demo_ratings": made}
