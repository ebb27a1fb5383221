from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.backup import archive_manifest, file_directories, restore
from citydesk.core.errors import DomainError
from citydesk.core.management.commands._output import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Replace the database with a backup made by “citydesk backup” (asks for --yes). The file is "
        "checked first: anything but a CityDesk database of this version (or an older one) is refused "
        "and the database is not touched. A backup made with --with-files also replaces the uploaded files "
        "and the trained models, all or nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=gettext_lazy("the backup file"))
        parser.add_argument(
            "--yes", action="store_true", help=gettext_lazy("confirm: the current data is replaced")
        )

    def refusal(self, exc: DomainError) -> str:
        """The message alone when the refusal is about the database or a tool rather than the FILE argument:
        "(field: database)" is a form's wording, not the command line's."""
        if exc.field in ("database", "tool"):
            return exc.message
        return super().refusal(exc)

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError(
                _("Restoring replaces every row of the current database; add --yes to confirm."), returncode=2
            )
        path = Path(options["file"])
        with_files = archive_manifest(path) is not None if path.is_file() else False
        pending = restore(path)
        if with_files:
            directories = file_directories()
            self.stdout.write(
                self.style.SUCCESS(
                    _("Database, uploaded files (%(media)s) and models (%(models)s) restored from %(file)s.")
                    % {"file": path, "media": directories["media"], "models": directories["models"]}
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(_("Database restored from %(file)s.") % {"file": path}))
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "The uploaded files in %(media)s were not touched: restore them from their own backup "
                        "(a backup made with --with-files holds them)."
                    )
                    % {"media": file_directories()["media"]}
                )
            )
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
