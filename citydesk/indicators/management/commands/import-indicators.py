from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from citydesk.core.management.base import CityDeskCommand
from citydesk.core.models import User
from citydesk.indicators.imports import ImportRejected, plans_import, values_import


class Command(CityDeskCommand):
    help = (
        "Import indicator values (or, with --plans, targets) from an .xlsx or .csv file with the columns of "
        "the download template: indicator code, name, unit of measure, unit code, period, value, comment. "
        "All or nothing: any bad row and nothing is imported. The rights checked are those of --user."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=".xlsx or .csv file")
        parser.add_argument("--user", required=True, help="username whose rights the import uses")
        parser.add_argument("--plans", action="store_true", help="the file holds targets, not values")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: file not found", returncode=2)
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"unknown user {options['user']}", returncode=2)
        importer = plans_import if options["plans"] else values_import
        try:
            result = importer(user=user, file=path)
        except ImportRejected as exc:
            lines = [f"{path}: {exc.message}"]
            lines += [f"  row {e.row}, {e.column or '-'}: {e.message}" for e in exc.errors[:200]]
            raise CommandError("\n".join(lines), returncode=2) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Imported {result.rows} rows ({result.changed} changed) from {path}")
        )
