from dataclasses import replace
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import (
    TranslatedCommand,
    import_rejected,
    number,
    readable_file,
)
from citydesk.core.models import User
from citydesk.indicators.imports import ImportRejected, plans_import, values_import


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Import indicator values (or, with --plans, targets) from an .xlsx or .csv file with the columns of "
        "the download template: indicator code, name, unit of measure, unit code, period, value, comment. "
        "All or nothing: any bad row and nothing is imported. The rights checked are those of --user."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=gettext_lazy(".xlsx or .csv file"))
        parser.add_argument(
            "--user", required=True, help=gettext_lazy("username whose rights the import uses")
        )
        parser.add_argument(
            "--plans", action="store_true", help=gettext_lazy("the file holds targets, not values")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = readable_file(Path(options["file"]))
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(_("Unknown user “%(u)s”.") % {"u": options["user"]}, returncode=2)
        importer = plans_import if options["plans"] else values_import
        try:
            result = importer(user=user, file=path)
        except ImportRejected as exc:
            # A workbook of several sheets: each row's sheet is said with its column.
            exc.errors = [
                replace(
                    e, column=_("%(column)s (sheet “%(sheet)s”)") % {"column": e.column, "sheet": e.sheet}
                )
                if getattr(e, "sheet", "")
                else e
                for e in exc.errors
            ]
            raise import_rejected(path, exc) from exc
        done = _("Imported %(rows)s rows (%(changed)s changed) from %(file)s.") % {
            "rows": number(result.rows),
            "changed": number(result.changed),
            "file": path,
        }
        if result.sheets:
            done += " " + _("By sheet:") + " " + result.sheets_text + "."
        self.stdout.write(self.style.SUCCESS(done))
