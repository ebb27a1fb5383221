from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import TranslatedCommand
from citydesk.reports.open311 import open311_client_create


class Command(TranslatedCommand):
    help = gettext_lazy("Register an Open311 client (app, partner system) and print its api_key once.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--name",
            required=True,
            help=gettext_lazy("the client's name, unique (e.g. “Ứng dụng Quận 1”)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        client, key = open311_client_create(actor=self.cli_actor(), name=options["name"])
        self.stdout.write(
            _("Created the Open311 client %(name)s (prefix %(prefix)s).")
            % {"name": client.name, "prefix": client.prefix}
        )
        self.stdout.write(_("API key: %(key)s") % {"key": key})
        self.stdout.write(_("Keep it now: only its hash is stored, it cannot be shown again."))
