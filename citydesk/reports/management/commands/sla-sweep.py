from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import TranslatedCommand, count_text
from citydesk.reports.services import sla_sweep
from citydesk.reports.tasks import schedule_sla_sweep


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Deadline sweep for citizen reports: warn before the due time and the triage deadline, escalate to "
        "the unit head after them, close resolved reports the citizen did not answer. --schedule hands it "
        "to the task worker instead (it then repeats every 5 minutes)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--schedule", action="store_true", help=gettext_lazy("enqueue the periodic task and return")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = schedule_sla_sweep()
            self.stdout.write(
                _("Deadline sweep scheduled.") if queued else _("Deadline sweep already scheduled.")
            )
            return
        self.stdout.write(count_text(sla_sweep()))
