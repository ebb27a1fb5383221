from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import TranslatedCommand
from citydesk.core.units import convert_legacy_address


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Convert a pre-July-2025 address (“…, ward, district, province”) to the current unit(s)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("address", help=gettext_lazy("the old address, in quotes"))

    def handle(self, *args: Any, **options: Any) -> None:
        result = convert_legacy_address(options["address"])
        self.stdout.write(f"{result.legacy_ward.name} ({result.legacy_ward.code}) →")
        for unit in result.units:
            province = unit.province.name if unit.province else ""
            self.stdout.write(f"  {unit.code} {unit.name}, {province}")
        if result.partial:
            self.stdout.write("  " + _("(the old ward was split: check which part the address is in)"))
