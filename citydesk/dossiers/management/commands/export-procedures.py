from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from citydesk.core.management.commands._output import TranslatedCommand, number
from citydesk.dossiers.catalog import catalog_export
from citydesk.dossiers.models import Procedure


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Export the procedure catalog to an Excel workbook that import-procedures reads back."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=gettext_lazy("the .xlsx workbook to write"))
        parser.add_argument(
            "--blank", action="store_true", help=gettext_lazy("write an empty template (headers only)")
        )
        parser.add_argument(
            "--force", action="store_true", help=gettext_lazy("replace FILE if it already exists")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if path.suffix.lower() != ".xlsx":
            raise CommandError(
                _("%(file)s: the catalog is written as an Excel workbook; give the file the .xlsx extension.")
                % {"file": path},
                returncode=2,
            )
        if path.exists() and not options["force"]:  # as `backup`: an earlier export is not lost by a slip
            raise CommandError(
                _("%(file)s already exists: choose another name, or add --force to replace it.")
                % {"file": path},
                returncode=2,
            )
        queryset = Procedure.objects.none() if options["blank"] else None
        try:
            path.write_bytes(catalog_export(queryset))
        except OSError as exc:
            raise CommandError(
                _("%(file)s: cannot write the file (%(error)s).")
                % {"file": path, "error": exc.strerror or exc},
                returncode=2,
            ) from None
        count = 0 if options["blank"] else Procedure.objects.count()
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Exported %(n)s procedure to %(file)s.", "Exported %(n)s procedures to %(file)s.", count
                )
                % {"n": number(count), "file": path}
            )
        )
