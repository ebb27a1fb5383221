from typing import Any

from citydesk.core.management.base import CityDeskCommand
from citydesk.core.units import load_units


class Command(CityDeskCommand):
    help = "Load (or refresh) the official administrative units, legacy units and approximate boundaries."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-legacy", action="store_true", help="skip pre-2025 units and their mapping")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_units(legacy=not options["no_legacy"])
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
