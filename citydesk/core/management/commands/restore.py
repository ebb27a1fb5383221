from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from citydesk.core.backup import restore
from citydesk.core.management.base import CityDeskCommand


class Command(CityDeskCommand):
    help = "Replace the database with a backup made by `citydesk backup` (asks for --yes)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="confirm: the current data is replaced")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError(
                "restore replaces every row of the current database; add --yes to confirm", returncode=2
            )
        path = Path(options["file"])
        restore(path)
        self.stdout.write(self.style.SUCCESS(f"Database restored from {path}"))
