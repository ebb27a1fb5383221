import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from citydesk.core.management.base import CityDeskCommand
from citydesk.core.units import boundaries_import


class Command(CityDeskCommand):
    help = (
        "Import official unit boundaries from a GeoJSON FeatureCollection (Polygon/MultiPolygon, a 'code' "
        "property with the GSO unit code). All or nothing: any bad feature and nothing is loaded."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="GeoJSON file")
        parser.add_argument("--code-property", default="code", help="property holding the unit code")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{path}: file not found", returncode=2) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{path}: not a readable GeoJSON file ({exc})", returncode=2) from None
        count = boundaries_import(
            actor=self.cli_actor(), geojson=data, code_property=options["code_property"]
        )
        self.stdout.write(self.style.SUCCESS(f"Imported {count} official boundaries from {path}"))
