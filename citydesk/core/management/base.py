"""Shared behaviour of CityDesk commands: domain errors become a clear message and exit code 2, said in
the site's language (Django writes "CommandError: …", and argparse its own English)."""

from __future__ import annotations

import getpass
import re
import sys
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor
from citydesk.core.errors import DomainError

# argparse's refusals of a command line (Python's own English), in the site's language.
_ARGPARSE = [
    (
        re.compile(r"the following arguments are required: (.+)"),
        lambda m: _("missing option: %(o)s") % {"o": m[1]},
    ),
    (
        re.compile(r"unrecognized arguments: (.+)"),
        lambda m: _("unknown option or value: %(o)s") % {"o": m[1]},
    ),
    (re.compile(r"argument (\S+): expected one argument"), lambda m: _("%(o)s needs a value") % {"o": m[1]}),
    (
        re.compile(r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)"),
        lambda m: _("%(o)s: %(v)s is not one of %(choices)s") % {"o": m[1], "v": m[2], "choices": m[3]},
    ),
    (
        re.compile(r"argument (\S+): invalid (\w+) value: (.+)"),
        lambda m: _("%(o)s: %(v)s is not a valid value") % {"o": m[1], "v": m[3]},
    ),
    (
        re.compile(r"argument (\S+): not allowed with argument (\S+)"),
        lambda m: _("%(o)s cannot be given with %(other)s") % {"o": m[1], "other": m[2]},
    ),
]


def argparse_message(message: str) -> str:
    """An argparse refusal in the site's language (as it is when it is not one of those above)."""
    for pattern, say in _ARGPARSE:
        found = pattern.fullmatch(message.strip())
        if found:
            return say(found)
    return message


class _Parser(CommandParser):
    def error(self, message: str) -> NoReturn:
        message = argparse_message(message)
        if not self.called_from_command_line:
            raise CommandError(_("Error: %(message)s") % {"message": message})
        self.print_usage(sys.stderr)
        self.exit(2, _("%(prog)s: error: %(message)s") % {"prog": self.prog, "message": message} + "\n")


class CityDeskCommand(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.__class__ = _Parser  # Django builds its own CommandParser; only `error` differs
        return parser

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            try:
                return super().execute(*args, **options)
            except DomainError as exc:
                message = exc.message
                if exc.field:
                    # The field is the option or column the problem is about; name it in the user's language.
                    message = _("%(message)s (field: %(field)s)") % {"message": message, "field": exc.field}
                raise CommandError(message, returncode=2) from exc
        except CommandError as exc:
            # From a terminal: the message alone, not Django's English "CommandError: …" in front of it.
            if not getattr(self, "_called_from_command_line", False) or options.get("traceback"):
                raise
            self.stderr.write(_("Error: %(message)s") % {"message": exc})
            sys.exit(exc.returncode)

    @staticmethod
    def cli_actor() -> Actor:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "unknown"
        return Actor.system(f"cli:{who}")
