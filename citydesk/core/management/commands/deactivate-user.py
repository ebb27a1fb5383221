from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.audit import Actor
from citydesk.core.management.commands._output import TranslatedCommand
from citydesk.core.services import user_set_active


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Deactivate an account (it can no longer log in nor use its API tokens; its history stays), or "
        "reactivate it with --reactivate. Audited."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", help=gettext_lazy("the user's log-in name"))
        parser.add_argument(
            "--reactivate", action="store_true", help=gettext_lazy("let the account in again")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        active = bool(options["reactivate"])
        user = user_set_active(
            actor=Actor.system("deactivate-user"), username=options["username"], active=active
        )
        message = _("%(u)s can log in again.") if active else _("%(u)s is deactivated.")
        self.stdout.write(self.style.SUCCESS(message % {"u": user.username}))
