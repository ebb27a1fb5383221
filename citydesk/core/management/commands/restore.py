from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.backup import restore
from citydesk.core.management.commands._output import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Replace the database with a backup made by “citydesk backup” (asks for --yes). The file is "
        "checked first: anything but a CityDesk database of this version (or an older one) is refused "
        "and the database is not touched."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=gettext_lazy("the backup file"))
        parser.add_argument(
            "--yes", action="store_true", help=gettext_lazy("confirm: the current data is replaced")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError(
                _("Restoring replaces every row of the current database; add --yes to confirm."), returncode=2
            )
        path = Path(options["file"])
        pending = restore(path)
        self.stdout.write(self.style.SUCCESS(_("Database restored from %(file)s.") % {"file": path}))
        if pending:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "The backup was made by an older version: run “citydesk migrate” now to bring it up "
                        "to date (%(n)s migrations to apply)."
                    )
                    % {"n": len(pending)}
                )
            )
