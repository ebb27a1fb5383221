from typing import Any

from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import TranslatedCommand, count_text
from citydesk.core.units import load_units


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Load (or refresh) the official administrative units, legacy units and approximate boundaries."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-legacy", action="store_true", help=gettext_lazy("skip pre-2025 units and their mapping")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_units(legacy=not options["no_legacy"])
        self.stdout.write(count_text(counts))
