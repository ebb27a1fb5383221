from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import TranslatedCommand
from citydesk.core.services import api_token_issue


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Issue a new API token for an existing user (audited). Tokens issued before keep working until "
        "they are revoked in the back office."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", help=gettext_lazy("the user's log-in name"))
        parser.add_argument(
            "--name",
            default="issue-token",
            help=gettext_lazy("what the token is for, shown in the back office (e.g. the client's name)"),
        )
        parser.add_argument(
            "--token-only",
            action="store_true",
            help=gettext_lazy(
                "print only the API token, nothing else (for scripts: TOKEN=$(citydesk issue-token USERNAME "
                "--token-only))"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        token = api_token_issue(actor=self.cli_actor(), username=options["username"], name=options["name"])
        if options["token_only"]:
            self.stdout.write(token)
            return
        self.stdout.write(_("API token: %(token)s") % {"token": token})
        self.stdout.write(_("Keep the token now: only its hash is stored, it cannot be shown again."))
