from typing import Any

from citydesk.core.management.base import CityDeskCommand
from citydesk.core.units import convert_legacy_address


class Command(CityDeskCommand):
    help = "Convert a pre-July-2025 address ('…, ward, district, province') to the current unit(s)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("address")

    def handle(self, *args: Any, **options: Any) -> None:
        result = convert_legacy_address(options["address"])
        self.stdout.write(f"{result.legacy_ward.name} ({result.legacy_ward.code}) →")
        for unit in result.units:
            province = unit.province.name if unit.province else ""
            self.stdout.write(f"  {unit.code} {unit.name}, {province}")
        if result.partial:
            self.stdout.write("  (the old ward was split: check which part the address is in)")
