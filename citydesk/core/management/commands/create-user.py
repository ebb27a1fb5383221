from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.errors import DomainError, NotFound
from citydesk.core.management.commands._output import TranslatedCommand
from citydesk.core.models import Organisation
from citydesk.core.powers import Role
from citydesk.core.services import api_token_create, user_create


def unknown_unit(exc: NotFound) -> DomainError:
    """The refusal of an unknown organisation code, saying how organisations are made: on a new
    installation there are none until `load-units --city` (or the back office) makes them."""
    if Organisation.objects.exists():
        hint = _(
            "The People's Committees of a province or city and of its communes and wards are created with "
            "citydesk load-units --city CODE (79 Ho Chi Minh City, 01 Hanoi); departments and other units "
            "are added in the back office (/quan-tri/)."
        )
    else:
        hint = _(
            "No organisation has been loaded yet. Create the People's Committees of your province or city "
            "and of its communes and wards first: citydesk load-units --city 79 (Ho Chi Minh City; 01 "
            "Hanoi), then give the account one of their codes (79, or a ward's 5-digit code)."
        )
    return DomainError(f"{exc.message} {hint}", field=exc.field)


class Command(TranslatedCommand):
    help = gettext_lazy("Create a user with a role in an organisation and print an API token.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--username",
            required=True,
            help=gettext_lazy("letters, digits and @ . + - _ only"),
        )
        parser.add_argument(
            "--role",
            required=True,
            help=gettext_lazy("citizen, operator, officer, deputy, head, leader, inspector or admin"),
        )
        parser.add_argument(
            "--unit",
            help=gettext_lazy(
                "organisation code (a People's Committee uses its unit code, e.g. 79); not for a citizen"
            ),
        )
        parser.add_argument("--full-name", default="", help=gettext_lazy("full name"))
        parser.add_argument("--email", default="", help=gettext_lazy("e-mail address"))
        parser.add_argument("--phone", default="", help=gettext_lazy("Vietnamese phone number"))
        parser.add_argument(
            "--password",
            help=gettext_lazy(
                "log-in password: at least 10 characters, not only digits, not a common one (omit for an "
                "API-only account)"
            ),
        )
        parser.add_argument(
            "--token-only",
            action="store_true",
            help=gettext_lazy(
                "print only the API token, nothing else (for scripts: TOKEN=$(citydesk create-user … "
                "--token-only))"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self.cli_actor()
        role = options["role"]
        try:
            user = user_create(
                actor=actor,
                username=options["username"],
                role=role,
                unit_code=options["unit"],
                full_name=options["full_name"],
                email=options["email"],
                phone=options["phone"],
                password=options["password"],
            )
        except NotFound as exc:
            if exc.field != "unit":
                raise
            raise unknown_unit(exc) from None
        token = api_token_create(actor=actor, user=user, name="create-user")
        if options["token_only"]:
            self.stdout.write(token)
            return
        role_name = _("citizen") if role == "citizen" else Role(role).label
        self.stdout.write(
            _("Created the user %(username)s (%(role)s).") % {"username": user.username, "role": role_name}
        )
        self.stdout.write(_("API token: %(token)s") % {"token": token})
        self.stdout.write(_("Keep the token now: only its hash is stored, it cannot be shown again."))
        if not options["password"]:  # an API-only account, until it is given a password
            self.stdout.write(
                _(
                    "No password: this account cannot log in to the pages. Give it one with: citydesk set-password %(u)s"
                )
                % {"u": user.username}
            )
