from typing import Any

from citydesk.core.management.base import CityDeskCommand
from citydesk.reports.open311 import open311_client_create


class Command(CityDeskCommand):
    help = "Register an Open311 client (app, partner system) and print its api_key once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--name", required=True, help="the client's name, unique (e.g. 'Ứng dụng Quận 1')"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        client, key = open311_client_create(actor=self.cli_actor(), name=options["name"])
        self.stdout.write(f"Created Open311 client {client.name} (prefix {client.prefix})")
        self.stdout.write(f"API key: {key}")
        self.stdout.write("Keep it now: only its hash is stored, it cannot be shown again.")
