import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from citydesk.core.boundaries import boundaries_import
from citydesk.core.management.commands._output import TranslatedCommand, number


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Import official boundaries of communes and wards from a GeoJSON FeatureCollection (Polygon/"
        "MultiPolygon, a “code” property with the unit's 5-digit GSO code). All or nothing: any bad feature "
        "and nothing is loaded."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=gettext_lazy("the GeoJSON file"))
        parser.add_argument(
            "--code-property", default="code", help=gettext_lazy("the property holding the unit code")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(_("%(file)s: file not found.") % {"file": path}, returncode=2) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(
                _("%(file)s is not a readable GeoJSON file (%(error)s).") % {"file": path, "error": exc},
                returncode=2,
            ) from None
        count = boundaries_import(
            actor=self.cli_actor(), geojson=data, code_property=options["code_property"]
        )
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Imported %(n)s official boundary from %(file)s.",
                    "Imported %(n)s official boundaries from %(file)s.",
                    count,
                )
                % {"n": number(count), "file": path}
            )
        )
