from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from citydesk.core.management.base import CityDeskCommand
from citydesk.dossiers.catalog import catalog_export
from citydesk.dossiers.models import Procedure


class Command(CityDeskCommand):
    help = "Export the procedure catalog to an Excel workbook that import-procedures reads back."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the .xlsx workbook to write")
        parser.add_argument("--blank", action="store_true", help="write an empty template (headers only)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        queryset = Procedure.objects.none() if options["blank"] else None
        try:
            path.write_bytes(catalog_export(queryset))
        except OSError as exc:
            raise CommandError(
                f"{path}: cannot write the file ({exc.strerror or exc})", returncode=2
            ) from None
        count = 0 if options["blank"] else Procedure.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Exported {count} procedures to {path}"))
