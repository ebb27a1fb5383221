from typing import Any

from citydesk.core.management.base import CityDeskCommand
from citydesk.ioc import heat
from citydesk.ioc.tasks import schedule_heat_map


class Command(CityDeskCommand):
    help = (
        "Rebuild the operations center's heat-map store when enough report changes are logged since the "
        "last build (or always with --force). --schedule hands it to the task worker instead (it then "
        "checks every 10 minutes)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="build now whatever the log holds")
        parser.add_argument("--schedule", action="store_true", help="enqueue the periodic task and return")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = schedule_heat_map()
            self.stdout.write(
                "Heat map refresh scheduled" if queued else "Heat map refresh already scheduled"
            )
            return
        built = heat.build() if options["force"] else heat.refresh()
        if built is None:
            self.stdout.write(f"Heat map store current ({heat.pending():,} changes logged since its build)")
        elif built.kept:
            self.stdout.write(f"Heat map store built: {built.rows:,} reports in {built.seconds:.1f} s")
        else:
            self.stdout.write("A newer heat map store was built meanwhile; this one was discarded")
