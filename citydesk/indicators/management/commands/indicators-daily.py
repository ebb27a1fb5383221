from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import TranslatedCommand
from citydesk.indicators.management.commands._counts import count_text
from citydesk.indicators.tasks import daily_work, schedule_indicators_daily


class Command(TranslatedCommand):
    help = gettext_lazy(
        "The daily indicator work: fill last month's values owned by the platform, remind units late with "
        "their reports, and scan for anomalies. --schedule hands it to the task worker (once a day) instead."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--schedule", action="store_true", help=gettext_lazy("enqueue the daily task and return")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = schedule_indicators_daily()
            self.stdout.write(
                _("Daily indicator work scheduled.")
                if queued
                else _("Daily indicator work already scheduled.")
            )
            return
        self.stdout.write(count_text(daily_work()))
