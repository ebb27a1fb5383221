from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from citydesk.core.management.base import CityDeskCommand
from citydesk.dossiers.catalog import catalog_import


class Command(CityDeskCommand):
    help = (
        "Import the procedure catalog from an Excel workbook (sheets “Thủ tục”, “Giấy tờ”, “Quy trình”, as "
        "export-procedures writes them). All or nothing: every row is checked first; any problem is listed "
        "with its sheet, row and column, nothing is changed and the exit code is 2 (as for every import)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the .xlsx workbook")
        parser.add_argument("--dry-run", action="store_true", help="check the file only, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                f"{path}: cannot read the file ({exc.strerror or exc})", returncode=2
            ) from None
        result = catalog_import(data, actor=self.cli_actor(), dry_run=options["dry_run"])
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(result.errors)} problem(s) in {path}; nothing was imported", returncode=2
            )
        verb = "Checked (dry run, nothing changed)" if result.dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {path}: {len(result.created)} new, {len(result.updated)} changed, "
                f"{len(result.unchanged)} unchanged procedures"
            )
        )
