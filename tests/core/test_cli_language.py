"""The `citydesk` command line speaks the site's language: the main help lists CityDesk's commands first
with their one-line help, an unknown command is answered with the closest one, and a command's help has
argparse's own words translated. Each test failed on the code before."""

from __future__ import annotations

import pytest
from django.utils import translation

from citydesk import cli
from citydesk.core.management import base


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = 0
    try:
        cli.CityDeskUtility(["citydesk", *argv]).execute()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv", [(), ("--help",), ("help",)])
def test_the_main_help_lists_citydesks_commands_first(capsys, argv):
    code, out, _err = _run(capsys, *argv)
    assert code == 0
    assert "Type 'citydesk help <subcommand>'" not in out and "Available subcommands" not in out
    lines = out.splitlines()
    ingest = next(i for i, line in enumerate(lines) if line.strip().startswith("ingest-email"))
    django = next(i for i, line in enumerate(lines) if "changepassword" in line)
    assert ingest < django  # CityDesk's own group first, Django's maintenance commands after
    assert {"migrate,", "check,", "createsuperuser,"} <= set(" ".join(lines[django:]).split())
    assert "[django]" not in out and "[core]" not in out
    own = [line for line in lines[: django - 1] if line.startswith("  ") and line.split()]
    # Each of CityDesk's commands with its one-line help, on one line.
    names = {line.split()[0] for line in own}
    assert {"ingest-email", "list-users", "create-user", "backup", "db_worker"} <= names
    assert all(len(line.split()) > 1 and len(line) <= cli.WIDTH for line in own)
    assert "changepassword" not in names and "createsuperuser" not in names


def test_the_main_help_is_said_through_the_translations(capsys, monkeypatch):
    monkeypatch.setattr(translation, "gettext", lambda text: f"«{text}»")
    _code, out, _err = _run(capsys)
    assert out.startswith("«Usage: citydesk <command> [options]»\n")
    assert "«CityDesk commands:»" in out
    assert "«Maintenance commands of Django and its libraries (help in English):»" in out


def test_the_help_is_in_vietnamese_with_the_site_language(capsys):
    with translation.override("en"):  # the reader's language: the site's (Vietnamese) is used all the same
        _code, out, _err = _run(capsys)
    # Commands' own help is translated already: the list shows it in Vietnamese.
    assert any(line.strip().startswith("list-users") and "tài khoản" in line for line in out.splitlines())


def test_an_unknown_command_is_said_in_the_sites_language_with_the_closest_one(capsys, monkeypatch):
    code, out, err = _run(capsys, "lsit-users")
    assert code == 1 and out == ""
    assert "Unknown command" not in err and "“lsit-users”" in err
    assert "citydesk list-users" in err and "citydesk help" in err
    code, _out, err = _run(capsys, "zzzzqqq")
    assert code == 1 and "“zzzzqqq”" in err and "Did you mean" not in err
    monkeypatch.setattr(translation, "gettext", lambda text: f"«{text}»")
    _code, _out, err = _run(capsys, "lsit-users")
    assert err.startswith(
        "«citydesk: there is no command “lsit-users”.»\n«Did you mean “citydesk list-users”?»"
    )


def test_help_of_an_unknown_command_too(capsys):
    code, _out, err = _run(capsys, "help", "ingest-mail")
    assert code == 1 and "citydesk ingest-email" in err and "Unknown command" not in err


def test_a_commands_help_has_argparses_words_translated(capsys, monkeypatch):
    monkeypatch.setattr(base, "_", lambda text: f"«{text}»")
    monkeypatch.setattr(base, "pgettext", lambda context, text: f"«{text}»")
    code, out, _err = _run(capsys, "ingest-email", "--help")
    assert code == 0
    assert "«usage: »citydesk ingest-email" in out
    assert "«positional arguments»:" in out and "«options»:" in out
    assert "«show this help message and exit»" in out
    assert "show this help message and exit" not in out.replace("«show this help message and exit»", "")
    assert "Display a full stack trace on CommandError exceptions." not in out  # Django's --traceback
    assert "«show the full traceback of an error»" in out


def test_django_commands_keep_their_own_help(capsys, monkeypatch):
    monkeypatch.setattr(base, "_", lambda text: f"«{text}»")
    monkeypatch.setattr(base, "pgettext", lambda context, text: f"«{text}»")
    _code, out, _err = _run(capsys, "help", "migrate")
    assert "«" not in out
