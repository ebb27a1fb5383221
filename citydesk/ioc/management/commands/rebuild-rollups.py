import time
from typing import Any

from citydesk.core.management.base import CityDeskCommand
from citydesk.ioc import heat, rollup


class Command(CityDeskCommand):
    help = (
        "Recompute the operations center's roll-up tables from the reports, in one transaction, then "
        "its heat-map store. "
        "Not needed in normal running (database triggers keep them up to date); use it after restoring "
        "a backup made without them or after changing the roll-up definitions."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        cells = rollup.rebuild()
        self.stdout.write(f"{cells:,} roll-up cells rebuilt in {time.perf_counter() - started:.1f} s")
        built = heat.build()
        self.stdout.write(f"Heat map store: {built.rows:,} reports in {built.seconds:.1f} s")
