import time
from typing import Any

from django.db import transaction

from citydesk.core.management.base import CityDeskCommand
from citydesk.ratings.services import live_months_rebuild


class Command(CityDeskCommand):
    help = (
        "Recompute the live monthly rating counts (those not imported) from the ratings, in one "
        "transaction. Not needed in normal running (every rating updates its month); use it after "
        "restoring a backup or repairing ratings by hand. Imported history is kept."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            rows = live_months_rebuild()
        self.stdout.write(f"{rows:,} monthly rating rows rebuilt in {time.perf_counter() - started:.1f} s")
