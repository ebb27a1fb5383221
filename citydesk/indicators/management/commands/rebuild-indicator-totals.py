import time
from typing import Any

from django.db import transaction

from citydesk.core.management.base import CityDeskCommand
from citydesk.indicators import running


class Command(CityDeskCommand):
    help = (
        "Recompute the indicators' running totals (year to date per unit and month, which the dashboards "
        "read) from the stored values, in one transaction. Not needed in normal running (every value "
        "saved updates them); use it after restoring a backup, loading values with SQL, or changing "
        "CITYDESK_FISCAL_YEAR_START_MONTH."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            rows = running.rebuild()
        self.stdout.write(f"{rows:,} running-total rows rebuilt in {time.perf_counter() - started:.1f} s")
