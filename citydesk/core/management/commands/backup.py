from pathlib import Path
from typing import Any

from citydesk.core.backup import backup
from citydesk.core.management.base import CityDeskCommand


class Command(CityDeskCommand):
    help = "Write an online backup of the database to FILE (SQLite backup API, or pg_dump -Fc)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        size = backup(path)
        self.stdout.write(self.style.SUCCESS(f"Backup written to {path} ({size:,} bytes)"))
