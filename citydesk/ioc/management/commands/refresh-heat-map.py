from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import TranslatedCommand, number
from citydesk.ioc import heat
from citydesk.ioc.tasks import schedule_heat_map


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Rebuild the operations center's heat-map store when enough report changes are logged since the "
        "last build (or always with --force). --schedule hands it to the task worker instead (it then "
        "checks every 10 minutes)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--force", action="store_true", help=gettext_lazy("build now whatever the log holds")
        )
        parser.add_argument(
            "--schedule", action="store_true", help=gettext_lazy("enqueue the periodic task and return")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = schedule_heat_map()
            self.stdout.write(
                _("Heat map refresh scheduled.") if queued else _("Heat map refresh already scheduled.")
            )
            return
        built = heat.build() if options["force"] else heat.refresh()
        if built is None:
            self.stdout.write(
                _("Heat map store current (%(n)s changes logged since its build).")
                % {"n": number(heat.pending())}
            )
        elif built.kept:
            self.stdout.write(
                _("Heat map store built: %(rows)s reports in %(seconds)s s.")
                % {"rows": number(built.rows), "seconds": number(built.seconds, 1)}
            )
        else:
            self.stdout.write(_("A newer heat map store was built meanwhile; this one was discarded."))
