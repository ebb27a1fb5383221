"""Shared behaviour of CityDesk commands: domain errors become a clear message and exit code 2, said in
the site's language (Django writes "CommandError: …", and argparse its own English)."""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

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


def _base_option_help() -> dict[str, str]:
    """Django's options of every command (`--verbosity`, `--traceback`…), said in the site's language."""
    return {
        "version": _("show the program's version number and exit"),
        "verbosity": _("how much to print: 0 = least, 1 = normal, 2 = more, 3 = everything"),
        "settings": _("the Python path of a settings module (default: the DJANGO_SETTINGS_MODULE variable)"),
        "pythonpath": _("a folder to add to the Python path"),
        "traceback": _("show the full traceback of an error"),
        "no_color": _("do not colour the output"),
        "force_color": _("colour the output even when it is not a terminal"),
        "skip_checks": _("skip the system checks"),
    }


def translate_parser(parser: argparse.ArgumentParser) -> None:
    """argparse's own words in a command's help (section titles, -h, Django's common options), in the
    site's language: a CityDesk command's help reads in one language."""
    parser._positionals.title = pgettext("command line", "positional arguments")
    parser._optionals.title = pgettext("command line", "options")
    helps = _base_option_help()
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            action.help = _("show this help message and exit")
        elif action.dest in helps and action.help != argparse.SUPPRESS:
            action.help = helps[action.dest]


class _Parser(CommandParser):
    def _get_formatter(self) -> argparse.HelpFormatter:
        """argparse writes "usage: " in English whatever the language; the width of the translated one
        lines the usage's next lines up."""
        formatter = super()._get_formatter()
        add_usage = formatter.add_usage

        def translated(usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
            add_usage(
                usage, actions, groups, pgettext("command line", "usage: ") if prefix is None else prefix
            )

        formatter.add_usage = translated  # type: ignore[method-assign]
        return formatter

    def error(self, message: str) -> NoReturn:
        message = argparse_message(message)
        if not self.called_from_command_line:
            raise CommandError(_("Error: %(message)s") % {"message": message})
        self.print_usage(sys.stderr)
        self.exit(2, _("%(prog)s: error: %(message)s") % {"prog": self.prog, "message": message} + "\n")


def field_label(parser: argparse.ArgumentParser, field: str) -> str | None:
    """How the command line names the option or argument a refusal is about: "--allow-production" (as typed)
    for an option, "FILE" for a positional argument; None when `field` is none of the parser's."""
    dest = field.replace("-", "_")
    for action in parser._actions:
        if action.dest != dest or action.help == argparse.SUPPRESS:
            continue
        if action.option_strings:
            long = [option for option in action.option_strings if option.startswith("--")]
            return (long or action.option_strings)[0]
        metavar = action.metavar if isinstance(action.metavar, str) else action.dest
        return metavar.upper()
    return None


class CityDeskCommand(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.__class__ = _Parser  # Django builds its own CommandParser; only its words differ
        translate_parser(parser)
        return parser

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            try:
                return super().execute(*args, **options)
            except DomainError as exc:
                raise CommandError(self.refusal(exc), returncode=2) from exc
        except CommandError as exc:
            # From a terminal: the message alone, not Django's English "CommandError: …" in front of it.
            if not getattr(self, "_called_from_command_line", False) or options.get("traceback"):
                raise
            self.stderr.write(_("Error: %(message)s") % {"message": exc})
            sys.exit(exc.returncode)

    def refusal(self, exc: DomainError) -> str:
        """A refusal's message, with the option or argument it is about named as the command line has it
        ("(tùy chọn --allow-production)", "(đối số FILE)"); another field (a column, a setting) by its name."""
        if not exc.field:
            return exc.message
        name = self.__module__.rpartition(".")[2]
        try:
            label = field_label(self.create_parser("citydesk", name), exc.field)
        except Exception:  # a parser that cannot be built here: the field's own name still says it
            label = None
        if label is None:
            return _("%(message)s (field: %(field)s)") % {"message": exc.message, "field": exc.field}
        if label.startswith("-"):
            return _("%(message)s (option %(option)s)") % {"message": exc.message, "option": label}
        return _("%(message)s (argument %(argument)s)") % {"message": exc.message, "argument": label}

    @staticmethod
    def cli_actor() -> Actor:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "unknown"
        return Actor.system(f"cli:{who}")
