from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from citydesk.core.management.commands._output import TranslatedCommand
from citydesk.dossiers import staging
from citydesk.dossiers.tasks import schedule_purge_staged_uploads


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Delete the files kept from refused online filings once they expire (24 hours by default). "
        "--schedule hands it to the task worker instead (it then repeats every hour)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--schedule", action="store_true", help=gettext_lazy("enqueue the periodic task and return")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = schedule_purge_staged_uploads()
            self.stdout.write(
                _("Purge of kept files scheduled.") if queued else _("Purge of kept files already scheduled.")
            )
            return
        removed = staging.purge_expired()
        self.stdout.write(
            ngettext("%(n)d expired kept file deleted.", "%(n)d expired kept files deleted.", removed)
            % {"n": removed}
        )
