from typing import Any

from django.utils.translation import gettext_lazy, ngettext

from citydesk.core.management.commands._output import TranslatedCommand, number
from citydesk.indicators.services import indicator_reminders


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Remind the officers and heads of every unit whose indicator report is past its deadline "
        "(in-app and e-mail), at most once a day per report. Run it daily (cron or the task worker)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = indicator_reminders()
        self.stdout.write(
            self.style.SUCCESS(
                ngettext("Reminded %(n)s late report.", "Reminded %(n)s late reports.", count)
                % {"n": number(count)}
            )
        )
