from typing import Any

from citydesk.core.management.base import CityDeskCommand
from citydesk.reports.services import sla_sweep
from citydesk.reports.tasks import schedule_sla_sweep


class Command(CityDeskCommand):
    help = (
        "Deadline sweep for citizen reports: warn before the due time, escalate to the unit head after it, "
        "close resolved reports the citizen did not answer. --schedule hands it to the task worker instead "
        "(it then repeats every 5 minutes)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--schedule", action="store_true", help="enqueue the periodic task and return")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = schedule_sla_sweep()
            self.stdout.write("SLA sweep scheduled" if queued else "SLA sweep already scheduled")
            return
        counts = sla_sweep()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
