from typing import Any

from citydesk.core.management.base import CityDeskCommand
from citydesk.indicators.tasks import daily_work, schedule_indicators_daily


class Command(CityDeskCommand):
    help = (
        "The daily indicator work: fill last month's values owned by the platform, remind units late with "
        "their reports, and scan for anomalies. --schedule hands it to the task worker (once a day) instead."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--schedule", action="store_true", help="enqueue the daily task and return")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = schedule_indicators_daily()
            self.stdout.write(
                "Daily indicator work scheduled" if queued else "Daily indicator work already scheduled"
            )
            return
        counts = daily_work()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
