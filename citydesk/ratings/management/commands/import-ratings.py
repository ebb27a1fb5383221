from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from citydesk.core.management.base import CityDeskCommand
from citydesk.ratings.services import ImportRejected, ratings_import


class Command(CityDeskCommand):
    help = (
        "Import historical monthly satisfaction rating counts from an .xlsx or .csv file with a header row: "
        "month (YYYY-MM), unit (organisation code), channel (kiosk, web or app), satisfied, normal, "
        "unsatisfied, and optionally officer (username) and procedure (code). All or nothing: any bad row "
        "and nothing is imported. Importing the same rows again replaces their counts. The command runs as "
        "the system operator and may import counts for every unit; the web page /danh-gia/nhap/ only for "
        "the importer's own units and those below them."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=".xlsx or .csv file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: file not found", returncode=2)
        try:
            result = ratings_import(actor=self.cli_actor(), file=path)
        except ImportRejected as exc:
            lines = [f"{path}: {exc.message}"]
            lines += [f"  row {e.row}, {e.column or '-'}: {e.message}" for e in exc.errors[:200]]
            if len(exc.errors) > 200:
                lines.append(f"  … and {len(exc.errors) - 200} more")
            raise CommandError("\n".join(lines), returncode=2) from exc
        first, last = result.months or (None, None)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.rows:,} rows ({result.total:,} ratings: {result.satisfied:,} satisfied, "
                f"{result.normal:,} normal, {result.unsatisfied:,} unsatisfied; {first:%Y-%m} – {last:%Y-%m}) "
                f"from {path}"
            )
        )
        units = ", ".join(sorted(result.units)[:20]) + (" …" if len(result.units) > 20 else "")
        self.stdout.write(
            f"Units: {units} (the command line may import for every unit, as the system operator)"
        )
