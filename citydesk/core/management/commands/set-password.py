import getpass
import sys
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.audit import Actor
from citydesk.core.errors import DomainError
from citydesk.core.management.commands._output import TranslatedCommand
from citydesk.core.services import user_set_password


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Set a user's log-in password. It is read from standard input (one line, e.g. from a secrets "
        "file: citydesk set-password USER < file), or asked twice without echo at a terminal. Audited."
    )

    stealth_options = ("stdin",)  # a stream to read the password from (tests, call_command)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", help=gettext_lazy("the user's log-in name"))

    def handle(self, *args: Any, **options: Any) -> None:
        stdin = options.get("stdin") or sys.stdin
        if stdin.isatty():
            password = getpass.getpass(_("New password: "))
            if getpass.getpass(_("Again: ")) != password:
                raise DomainError(_("The two passwords differ; nothing was changed."), field="password")
        else:
            password = stdin.readline().rstrip("\r\n")
        user = user_set_password(
            actor=Actor.system("set-password"), username=options["username"], password=password
        )
        self.stdout.write(self.style.SUCCESS(_("The password of %(u)s was changed.") % {"u": user.username}))
