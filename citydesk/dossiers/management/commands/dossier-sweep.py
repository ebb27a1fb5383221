from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import TranslatedCommand
from citydesk.dossiers.services.alerts import deadline_sweep
from citydesk.dossiers.tasks import schedule_dossier_sweep

COUNTS = {
    "warned": gettext_lazy("dossiers warned before their due time"),
    "escalated": gettext_lazy("overdue dossiers reported to the unit head"),
    "steps_warned": gettext_lazy("steps warned before their due time"),
    "steps_escalated": gettext_lazy("overdue steps reported to the unit head"),
}


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Deadline sweep for dossiers: warn the handling officers before a step's or a dossier's due time, "
        "tell the unit head after it (once each). --schedule hands it to the task worker instead (it then "
        "repeats every 5 minutes)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--schedule", action="store_true", help=gettext_lazy("enqueue the periodic task and return")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = schedule_dossier_sweep()
            self.stdout.write(
                _("Dossier deadline sweep scheduled.")
                if queued
                else _("Dossier deadline sweep already scheduled.")
            )
            return
        counts = deadline_sweep()
        self.stdout.write(
            "; ".join(f"{COUNTS[k]}: {number_format(v, force_grouping=True)}" for k, v in counts.items())
        )
