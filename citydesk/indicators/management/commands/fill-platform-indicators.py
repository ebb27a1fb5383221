from typing import Any

from django.utils import timezone

from citydesk.core.management.base import CityDeskCommand
from citydesk.indicators import periods
from citydesk.indicators.platform import fill_platform


class Command(CityDeskCommand):
    help = (
        "Fill the indicator values owned by the platform (reports, dossiers, ratings) for one period "
        "(default: last month, and last quarter / last year when they have just ended)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--period", help="2026-03, 2026-Q1 or 2026 (default: the periods just ended)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("period"):
            targets = [periods.parse_period(options["period"])]
        else:
            today = timezone.localdate()
            targets = [
                (kind, periods.previous(kind, periods.period_of(kind, today)))
                for kind in periods.PERIOD_TYPES
            ]
        for kind, day in targets:
            count = fill_platform(period_type=kind, period=day)
            self.stdout.write(
                self.style.SUCCESS(f"{periods.period_key(kind, day)}: {count} value(s) written.")
            )
