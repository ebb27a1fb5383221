from dataclasses import replace
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from citydesk.core.errors import DomainError
from citydesk.core.imports import RowError
from citydesk.core.management.commands._output import (
    TranslatedCommand,
    import_rejected,
    number,
    readable_file,
)
from citydesk.ratings.services import ImportRejected, ratings_import
from citydesk.ratings.services.imports import COLUMN_TITLES, REQUIRED


def _header_in_vietnamese(error: RowError) -> RowError:
    """A missing column named by its title in the site's language ("tháng"), not by its English key
    ("month") even when the file's other headers are English: the column is not in the file to be named
    as it writes it (the message gives both names)."""
    if error.row == 1 and error.column in REQUIRED:
        return replace(error, column=str(COLUMN_TITLES[error.column]))
    return error


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Import historical monthly satisfaction rating counts from an .xlsx or .csv file with a header row: "
        "month (mm/yyyy or YYYY-MM; the year alone for a whole year's total), unit (organisation code), "
        "channel (kiosk, web or app), satisfied, normal, unsatisfied, and optionally officer (username) and "
        "procedure (code). All or nothing: any bad row and nothing is imported. Importing the same rows again "
        "replaces their counts. The command runs as the system operator and may import counts for every "
        "unit; the web page /danh-gia/nhap/ only for the importer's own units and those below them."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=gettext_lazy(".xlsx or .csv file"))

    def handle(self, *args: Any, **options: Any) -> None:
        path = readable_file(Path(options["file"]))
        try:
            result = ratings_import(actor=self.cli_actor(), file=path)
        except ImportRejected as exc:
            exc.errors = [_header_in_vietnamese(error) for error in exc.errors]
            raise import_rejected(path, exc) from exc
        except DomainError as exc:
            # The file itself is the problem (its encoding, its kind): named by its path, not “(field: file)”.
            raise CommandError(f"{path}: {exc.message}", returncode=2) from exc
        if result.counted:
            said = _(
                "Imported %(rows)s rows from %(file)s: %(total)s ratings (%(satisfied)s satisfied, "
                "%(normal)s normal, %(unsatisfied)s unsatisfied), months %(periods)s."
            ) % {
                "rows": number(result.counted),
                "file": path,
                "total": number(result.total),
                "satisfied": number(result.satisfied),
                "normal": number(result.normal),
                "unsatisfied": number(result.unsatisfied),
                "periods": result.period_text() or "-",
            }
        else:
            said = _("No counts were added from %(file)s: every row of the file gives 0, 0, 0.") % {
                "file": path
            }
        self.stdout.write(self.style.SUCCESS(said))
        if result.counted:
            # Named as the import page names them: “UBND Phường Bến Thành (26743)”, the first few.
            self.stdout.write(
                _("Units: %(units)s (the command runs as the system operator and may import for every unit).")
                % {"units": result.units_text(limit=20)}
            )
        if result.replaced:
            self.stdout.write(
                _(
                    "%(n)s of these rows replaced the counts already imported for %(periods)s of %(units)s: "
                    "the counts are replaced, not added up."
                )
                % {
                    "n": number(result.replaced),
                    "periods": result.period_text(replaced=True),
                    "units": result.units_text(replaced=True),
                }
            )
        if result.removed:
            self.stdout.write(
                ngettext(
                    "One row of zeros removed the counts imported before for %(periods)s of %(units)s.",
                    "%(n)s rows of zeros removed the counts imported before for %(periods)s of %(units)s.",
                    result.removed,
                )
                % {
                    "n": number(result.removed),
                    "periods": result.removed_periods_text,
                    "units": result.removed_units_text,
                }
            )
        if result.unmatched:
            self.stdout.write(
                ngettext(
                    "One row of zeros matched no imported counts: nothing was stored or removed for it.",
                    "%(n)s rows of zeros matched no imported counts: nothing was stored or removed for them.",
                    result.unmatched,
                )
                % {"n": number(result.unmatched)}
            )
