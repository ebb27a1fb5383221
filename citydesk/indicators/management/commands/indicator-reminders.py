from typing import Any

from citydesk.core.management.base import CityDeskCommand
from citydesk.indicators.services import indicator_reminders


class Command(CityDeskCommand):
    help = (
        "Remind the officers and heads of every unit whose indicator report is past its deadline "
        "(in-app and e-mail), at most once a day per report. Run it daily (cron or the task worker)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = indicator_reminders()
        self.stdout.write(self.style.SUCCESS(f"Reminded {count} late report(s)."))
