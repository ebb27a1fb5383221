from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.backup import backup
from citydesk.core.management.commands._output import TranslatedCommand, number


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Write an online backup of the database to FILE (SQLite backup API, or pg_dump -Fc). If FILE is a "
        "directory, the backup is written inside it as citydesk-YYYYmmdd-HHMMSS.sqlite3 (.dump for "
        "PostgreSQL). The file is readable by its owner only (mode 0600); an existing file is replaced only "
        "with --force."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=gettext_lazy("the backup file, or an existing directory"))
        parser.add_argument(
            "--force", action="store_true", help=gettext_lazy("replace FILE if it already exists")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path, size = backup(Path(options["file"]), force=options["force"])
        self.stdout.write(
            self.style.SUCCESS(
                _("Backup written to %(file)s (%(size)s bytes).") % {"file": path, "size": number(size)}
            )
        )
