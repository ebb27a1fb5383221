from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from citydesk.core.management.commands._output import TranslatedCommand, number
from citydesk.dossiers.catalog import catalog_import


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Import the procedure catalog from an Excel workbook (sheets “Thủ tục”, “Giấy tờ”, “Quy trình”, as "
        "export-procedures writes them). All or nothing: every row is checked first; any problem is listed "
        "with its sheet, row and column, nothing is changed and the exit code is 2 (as for every import)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=gettext_lazy("the .xlsx workbook"))
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext_lazy("check the file only, change nothing")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CommandError(_("%(file)s: file not found.") % {"file": path}, returncode=2) from None
        except OSError as exc:
            raise CommandError(
                _("%(file)s: cannot read the file (%(error)s).")
                % {"file": path, "error": exc.strerror or exc},
                returncode=2,
            ) from None
        if not data:
            raise CommandError(_("%(file)s is empty.") % {"file": path}, returncode=2)
        result = catalog_import(data, actor=self.cli_actor(), dry_run=options["dry_run"])
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                ngettext(
                    "%(n)s problem in %(file)s; nothing was imported.",
                    "%(n)s problems in %(file)s; nothing was imported.",
                    len(result.errors),
                )
                % {"n": number(len(result.errors)), "file": path},
                returncode=2,
            )
        counts = {
            "file": path,
            "new": number(len(result.created)),
            "changed": number(len(result.updated)),
            "unchanged": number(len(result.unchanged)),
        }
        if result.dry_run:
            message = _(
                "Checked %(file)s (dry run, nothing changed): %(new)s new, %(changed)s changed, %(unchanged)s "
                "unchanged procedures."
            )
        else:
            message = _(
                "Imported %(file)s: %(new)s new, %(changed)s changed, %(unchanged)s unchanged procedures."
            )
        self.stdout.write(self.style.SUCCESS(message % counts))
