"""The `citydesk` console command: Django's manage.py with CityDesk's settings.

A configuration mistake (a missing secret, an unreadable *_FILE, a variable that is not a number) is said in
one line naming the variable, with exit code 2, instead of a fifty-line traceback. The main help
(`citydesk`, `citydesk --help`, `citydesk help`) and an unknown command are said in the site's language:
CityDesk's own commands first, each with its one-line help, then Django's maintenance commands.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
from difflib import get_close_matches
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management import ManagementUtility, get_commands, load_command_class

WIDTH = 100  # the main help's lines
NAME_WIDTH = 26  # the column of the commands' names (the longest is 24 characters)


def _own(app: str, name: str) -> bool:
    """CityDesk's commands: its apps', and the task worker it runs as one of its processes."""
    return app.startswith("citydesk.") or name == "db_worker"


def _summary(app: str, name: str) -> str:
    """A command's help, up to the end of its first sentence, in the site's language."""
    from django.utils.translation import gettext as _

    if name == "db_worker":  # django-tasks' own, in English
        text = _("The background worker, which sends the notifications and runs the scheduled work.")
    else:
        try:
            text = str(load_command_class(app, name).help or "")
        except Exception:  # a command that cannot load is still listed, by its name
            return ""
    return one_line(first_clause(" ".join(text.split())), WIDTH - NAME_WIDTH - 2)


def first_clause(text: str) -> str:
    """The text up to its first ": ", "; " or sentence end outside brackets and quotes ("TP. Hồ Chí Minh"
    goes on: an abbreviation ends no sentence)."""
    depth = 0
    for i, char in enumerate(text):
        if char in "(“[":
            depth += 1
        elif char in ")”]":
            depth = max(depth - 1, 0)
        elif depth == 0 and char in ":;.!?" and text[i + 1 : i + 2] in ("", " "):
            word = re.search(r"(\w+)$", text[:i])
            if char == "." and word and len(word[1]) <= 3 and word[1][0].isupper():
                continue  # "TP.", "P.", "Q.": part of a name
            return text[:i]
    return text


def one_line(text: str, width: int) -> str:
    """The text cut to fit `width` characters, "…" saying it goes on: before a bracket when one opens far
    enough in (a bracket cut in half reads badly), else at a word."""
    if len(text) <= width:
        return text
    bracket = text.rfind(" (", 0, width - 1)
    cut = text[:bracket] if bracket >= width // 3 else text[: width - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:(") + "…"


def main_help(prog: str) -> str:
    """The main help: how to use it, CityDesk's commands with their one-line help, then the others."""
    from django.utils.translation import gettext as _

    own: list[tuple[str, str]] = []
    others: list[str] = []
    for name, app in sorted(get_commands().items()):
        app = app if isinstance(app, str) else type(app).__module__
        if _own(app, name):
            own.append((name, _summary(app, name)))
        else:
            others.append(name)
    lines = [
        _("Usage: %(prog)s <command> [options]") % {"prog": prog},
        _("Help on one command: %(prog)s help <command> (or %(prog)s <command> --help).") % {"prog": prog},
        "",
        _("CityDesk commands:"),
    ]
    for name, summary in own:
        lines.append(f"  {name:<{NAME_WIDTH}}{summary}".rstrip())
    lines += ["", _("Maintenance commands of Django and its libraries (help in English):")]
    lines.append(textwrap.fill(", ".join(others), WIDTH, initial_indent="  ", subsequent_indent="  "))
    return "\n".join(lines)


class CityDeskUtility(ManagementUtility):
    """Django's command-line utility, with the main help and the unknown command in the site's language."""

    def main_help_text(self, commands_only: bool = False) -> str:
        if commands_only or self.settings_exception is not None:
            return super().main_help_text(commands_only=commands_only)
        from django.conf import settings
        from django.utils import translation

        with translation.override(settings.LANGUAGE_CODE):
            return main_help(self.prog_name)

    def fetch_command(self, subcommand: str) -> Any:
        commands = get_commands()
        if subcommand in commands or self.settings_exception is not None:
            return super().fetch_command(subcommand)
        from django.conf import settings
        from django.utils import translation
        from django.utils.translation import gettext as _

        settings.INSTALLED_APPS  # noqa: B018  (settings that fail to load are said by main(), as Django does)
        with translation.override(settings.LANGUAGE_CODE):
            lines = [
                _("%(prog)s: there is no command “%(name)s”.") % {"prog": self.prog_name, "name": subcommand}
            ]
            matches = get_close_matches(subcommand, list(commands))
            if matches:
                lines.append(
                    _("Did you mean “%(prog)s %(name)s”?") % {"prog": self.prog_name, "name": matches[0]}
                )
            lines.append(_("Type “%(prog)s help” to see the commands.") % {"prog": self.prog_name})
        sys.stderr.write("\n".join(lines) + "\n")
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citydesk.settings")
    try:
        CityDeskUtility(argv if argv is not None else sys.argv).execute()
    except ImproperlyConfigured as exc:
        # Settings may be what failed: no translation machinery here. The messages are written in the site's
        # language (Vietnamese) and name the variable; the README's "Configuration" lists them all.
        sys.stderr.write(f"citydesk: lỗi cấu hình: {exc} (xem README, mục “Configuration”)\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
