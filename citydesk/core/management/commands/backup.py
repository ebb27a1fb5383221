from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.backup import backup, file_directories
from citydesk.core.management.commands._output import TranslatedCommand, number


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Write an online backup of the database to FILE (SQLite backup API, or pg_dump -Fc). If FILE is a "
        "directory, or ends with “/” (the directory is then created if its parent exists), the backup is "
        "written inside it as citydesk-YYYYmmdd-HHMMSS.sqlite3 (.dump for PostgreSQL). The file is readable by its owner only (mode 0600); an existing file is replaced only "
        "with --force. With --with-files the backup is one archive (citydesk-YYYYmmdd-HHMMSS.tar) that also "
        "holds the uploaded files (photos, dossier papers: CITYDESK_MEDIA_ROOT) and the trained routing model."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "file",
            help=gettext_lazy(
                "the backup file, or a directory for a new dated file: an existing one, or one ending with “/”"
            ),
        )
        parser.add_argument(
            "--force", action="store_true", help=gettext_lazy("replace FILE if it already exists")
        )
        parser.add_argument(
            "--with-files",
            action="store_true",
            help=gettext_lazy(
                "also put the uploaded files and the trained models in the backup (one archive)"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with_files = options["with_files"]
        path, size = backup(options["file"], force=options["force"], with_files=with_files)
        self.stdout.write(
            self.style.SUCCESS(
                _("Backup written to %(file)s (%(size)s bytes).") % {"file": path, "size": number(size)}
            )
        )
        if not with_files:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "This backup holds the database only. The uploaded files (photos, dossier papers) in "
                        "%(media)s and the routing model in %(models)s are not in it: back them up too, or "
                        "use --with-files."
                    )
                    % {"media": file_directories()["media"], "models": file_directories()["models"]}
                )
            )
