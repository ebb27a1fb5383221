from typing import Any

from citydesk.core.management.base import CityDeskCommand
from citydesk.core.services import api_token_create, user_create


class Command(CityDeskCommand):
    help = "Create a user with a role in an organisation and print an API token."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument(
            "--role",
            required=True,
            help="citizen, operator, officer, deputy, head, leader, inspector or admin",
        )
        parser.add_argument(
            "--unit", help="organisation code (a People's Committee uses its unit code, e.g. 79)"
        )
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--phone", default="")
        parser.add_argument("--password", help="log-in password (omit for an API-only account)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self.cli_actor()
        user = user_create(
            actor=actor,
            username=options["username"],
            role=options["role"],
            unit_code=options["unit"],
            full_name=options["full_name"],
            email=options["email"],
            phone=options["phone"],
            password=options["password"],
        )
        token = api_token_create(actor=actor, user=user, name="create-user")
        self.stdout.write(f"Created {user.username} ({options['role']})")
        self.stdout.write(f"API token: {token}")
