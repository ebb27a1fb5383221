"""The `citydesk` console command: Django's manage.py with CityDesk's settings.

A configuration mistake (a missing secret, an unreadable *_FILE, a variable that is not a number) is said in
one line naming the variable, with exit code 2, instead of a fifty-line traceback; so is a database that
cannot be used (a server that does not answer, a wrong password, a missing or unmigrated database), naming
DATABASE_URL with its password hidden and what to do (`--traceback` shows the full traceback). A command
that does not create the database (all but `migrate`, `restore`…) refuses a SQLite file that does not exist
instead of creating an empty one where it was started. The main help
(`citydesk`, `citydesk --help`, `citydesk help`) and an unknown command are said in the site's language:
CityDesk's own commands first, each with its one-line help, then Django's maintenance commands.
"""

from __future__ import annotations

import io
import os
import re
import sys
import textwrap
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from difflib import get_close_matches
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import ImproperlyConfigured
from django.core.management import ManagementUtility, get_commands, load_command_class
from django.db.utils import DatabaseError, OperationalError
from django.utils.translation import gettext_noop

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


# The commands that make the SQLite database when its file does not exist yet (`scripts/run` migrates before
# it loads the demo; Django's test runner makes its own databases).
CREATES_DATABASE = frozenset({"migrate", "restore", "makemigrations", "test", "testserver"})


class MissingDatabase(OperationalError):
    """The SQLite file of the site does not exist, and the command is not one that creates it."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no database file at {path}")
        self.path = path


def _sqlite_file(name: object) -> Path | None:
    """The file a SQLite database NAME stands for; None for an in-memory or URI database (the tests')."""
    text = str(name or "")
    if not text or text == ":memory:" or text.startswith("file:") or "mode=memory" in text:
        return None
    return Path(text)


def _make_data_folder(path: Path) -> None:
    """The folder of a SQLite database about to be created (SQLite makes the file, not its folder: "unable
    to open database file"); ImproperlyConfigured naming the settings when it cannot be made."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"không tạo được thư mục dữ liệu {path.parent} (CITYDESK_DATA_DIR hoặc DATABASE_URL): {exc}"
        ) from exc


@contextmanager
def missing_sqlite_file_refused(active: bool) -> Iterator[None]:
    """While a command that does not create the database runs, a connection to a SQLite file that does not
    exist raises MissingDatabase instead of creating an empty file (sqlite3 would, wherever the command was
    started from, and the next query would then fail with "no such table"). A command that creates it
    (`active` false: migrate, restore…) makes its folder first; the settings create nothing."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    original = DatabaseWrapper.get_new_connection

    def get_new_connection(self: Any, conn_params: dict[str, Any]) -> Any:
        path = _sqlite_file(conn_params.get("database"))
        if path is not None and not path.exists():
            if active:
                raise MissingDatabase(path)
            _make_data_folder(path)
        return original(self, conn_params)

    DatabaseWrapper.get_new_connection = get_new_connection  # type: ignore[method-assign]
    try:
        yield
    finally:
        DatabaseWrapper.get_new_connection = original  # type: ignore[method-assign]


def _translated(text: str, values: dict[str, object]) -> str:
    """`text` (an English msgid) in the site's language, or as it is when translations cannot load."""
    try:
        from django.conf import settings
        from django.utils import translation

        with translation.override(settings.LANGUAGE_CODE):
            return translation.gettext(text) % values
    except Exception:  # the settings or the app registry are what failed: English rather than nothing
        return text % values


def database_problem(exc: BaseException) -> str | None:
    """What went wrong with the database, in one line of the site's language naming DATABASE_URL (its
    password hidden) and what to do; None for an error that is not about reaching or setting up the
    database (a bug: its traceback is what helps)."""
    from django.conf import settings

    from citydesk.env import redact_url

    db = settings.DATABASES["default"]
    values: dict[str, object] = {
        "url": redact_url(str(getattr(settings, "DATABASE_URL", ""))),
        "host": db.get("HOST") or "localhost",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or "",
        "name": db.get("NAME") or "",
    }
    if isinstance(exc, MissingDatabase):
        values["path"] = exc.path
        return _translated(
            gettext_noop(
                "There is no database at %(path)s: set CITYDESK_DATA_DIR (or DATABASE_URL) to the site's data, "
                "or run citydesk migrate to create a new one."
            ),
            values,
        )
    text = str(exc)
    first_line = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    table = re.search(r"no such table: (\w+)|relation \"(\w+)\" does not exist", text)
    if table:
        values["table"] = table[1] or table[2]
        return _translated(
            gettext_noop(
                "The database (DATABASE_URL=%(url)s) has not been set up for CityDesk: the table %(table)s is "
                "missing. Run citydesk migrate."
            ),
            values,
        )
    if not isinstance(exc, OperationalError) and "InterfaceError" not in type(exc).__name__:
        return None
    if "Connection refused" in text:
        message = gettext_noop(
            "Nothing answers at %(host)s, port %(port)s (DATABASE_URL=%(url)s): start PostgreSQL "
            "(systemctl start postgresql) or correct the host and port in DATABASE_URL."
        )
    elif (
        "password authentication failed" in text
        or "no password supplied" in text
        or re.search(r'role "[^"]*" does not exist', text)
    ):
        message = gettext_noop(
            "PostgreSQL refused the user “%(user)s” (DATABASE_URL=%(url)s): wrong password or unknown "
            "user. Correct the user name and password in DATABASE_URL."
        )
    elif re.search(r'database "[^"]*" does not exist', text):
        message = gettext_noop(
            "The database “%(name)s” does not exist on the PostgreSQL server (DATABASE_URL=%(url)s): create "
            "it (sudo -u postgres createdb -O %(user)s %(name)s), then run citydesk migrate."
        )
    elif re.search(r"failed to resolve host|could not translate host name|Name or service not known", text):
        message = gettext_noop(
            "The database server “%(host)s” is unknown (DATABASE_URL=%(url)s): correct the host name in "
            "DATABASE_URL."
        )
    elif "unable to open database file" in text:
        message = gettext_noop(
            "The SQLite database file %(name)s cannot be opened (DATABASE_URL=%(url)s): check that its "
            "folder exists and that this user may read and write it."
        )
    else:
        values["error"] = first_line
        message = gettext_noop("The database cannot be used (DATABASE_URL=%(url)s): %(error)s")
    return _translated(message, values)


# --- Input that is not UTF-8 ----------------------------------------------------------------------
# The lines main() says itself are written in the site's language (Vietnamese), as the configuration error:
# the settings, and with them the translations, may be what failed or are not loaded yet.


class NotUtf8Input(Exception):
    """Standard input that is not UTF-8 text, met while a command read it."""


def _shown(value: str) -> str:
    """An argument as typed, its bytes that are not UTF-8 written \\xNN."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def not_utf8_argument(argv: list[str]) -> str | None:
    """The line refusing the first argument that is not UTF-8 text (Python keeps its bytes as lone
    surrogates, which every later write or query fails on); None when they all are."""
    for position, value in enumerate(argv[1:], start=1):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            pass
        else:
            continue
        option = argv[position - 1] if position > 1 else ""
        of = (
            f" (giá trị của {option})"
            if option.startswith("-") and "=" not in option and not value.startswith("-")
            else ""
        )
        return (
            f"citydesk: đối số “{_shown(value)}”{of} không phải văn bản UTF-8: hãy gõ lại với bảng mã "
            "UTF-8 (terminal đặt LANG=C.UTF-8 hoặc vi_VN.UTF-8); chưa làm gì cả."
        )
    return None


class _Utf8Stdin(io.TextIOWrapper):
    """Standard input read as UTF-8, strictly: bytes that are not UTF-8 raise NotUtf8Input at once, instead
    of text with lone surrogates that fails later, half-way through the command's work."""

    def read(self, size: int | None = -1) -> str:
        try:
            return super().read(size)
        except UnicodeDecodeError as exc:
            raise NotUtf8Input(str(exc)) from exc

    def readline(self, size: int | None = -1) -> str:
        try:
            return super().readline(size)
        except UnicodeDecodeError as exc:
            raise NotUtf8Input(str(exc)) from exc

    def readlines(self, hint: int | None = -1) -> list[str]:
        try:
            return super().readlines(hint)
        except UnicodeDecodeError as exc:
            raise NotUtf8Input(str(exc)) from exc

    def __next__(self) -> str:
        try:
            return super().__next__()
        except UnicodeDecodeError as exc:
            raise NotUtf8Input(str(exc)) from exc


@contextmanager
def utf8_stdin() -> Iterator[None]:
    """sys.stdin as `_Utf8Stdin` while a command runs (its bytes, `sys.stdin.buffer`, stay as they are:
    ingest-email reads a message in any encoding)."""
    original = sys.stdin
    if not isinstance(original, io.TextIOWrapper):  # closed, or replaced (a test's, an embedding program's)
        yield
        return
    wrapper = _Utf8Stdin(
        original.buffer, encoding="utf-8", errors="strict", line_buffering=original.line_buffering
    )
    sys.stdin = wrapper
    try:
        yield
    finally:
        sys.stdin = original
        with suppress(ValueError):  # detached: the buffer is the process's input, not closed with the wrapper
            wrapper.detach()


NOT_UTF8_STDIN = (
    "citydesk: dữ liệu đưa vào lệnh (đầu vào chuẩn, stdin) không phải văn bản UTF-8; chưa làm gì cả."
)
INTERRUPTED = "Đã dừng (Ctrl-C)."
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as the shell reports a command stopped with Ctrl-C


def _interrupted() -> NoReturn:
    """Ctrl-C: one line, not Python's traceback (a command that keeps part of its work says what first)."""
    if sys.stderr.isatty():
        sys.stderr.write("\n")  # after a prompt or a progress line
    sys.stderr.write(INTERRUPTED + "\n")
    sys.exit(EXIT_INTERRUPTED)


# --- The mail server's command ----------------------------------------------------------------------
# Postfix's pipe(8) (and fetchmail's mda) defer a message, to deliver it again later, only on EX_TEMPFAIL;
# any other failure bounces it to the citizen with the command's output. So ingest-email exits 75 for every
# failure that is not the message's own (docs/operations.md, "Replies by e-mail").
MAIL_COMMANDS = frozenset({"ingest-email"})
EX_USAGE = 64  # the command line is wrong (an unknown option or --default-category): nothing read
EX_TEMPFAIL = 75  # not received this time, through no fault of the message: the mail server retries
MAIL_TEMPORARY = (
    "citydesk: thư chưa được nhận vì một lỗi tạm thời của hệ thống, không phải lỗi của thư; máy chủ thư sẽ "
    "gửi lại sau. Chi tiết ở nhật ký thư của máy chủ (journalctl -t citydesk)."
)


def _system_log(lines: list[str]) -> None:
    """Lines for the server's mail log (syslog, facility mail, tag citydesk), beside the mail server's own:
    the detail of a temporary failure, which must not go back to the sender with a bounce."""
    try:
        import syslog

        syslog.openlog("citydesk", syslog.LOG_PID, syslog.LOG_MAIL)
        for line in lines:
            syslog.syslog(syslog.LOG_ERR, line)
        syslog.closelog()
    except Exception:  # no syslog here: the exit code still defers the message
        pass


def _why(exc: BaseException) -> str:
    """A failure's cause in one line for the administrator (the database's with its password hidden)."""
    if isinstance(exc, ImproperlyConfigured):
        return f"lỗi cấu hình: {exc}"
    if isinstance(exc, DatabaseError):
        try:
            message = database_problem(exc)
        except Exception:
            message = None
        if message:
            return message
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _temporary_failure(argv: list[str], exc: BaseException | None, why: str) -> NoReturn:
    """ingest-email could not take the message through no fault of its own: a short neutral line on stderr
    (it may reach the sender in a bounce: no host, user or path), the cause in the mail log, exit 75."""
    subcommand = argv[1] if len(argv) > 1 else ""
    detail = [f"{subcommand}: tạm thời không nhận được thư, máy chủ thư sẽ gửi lại: {why}"]
    if exc is not None and not isinstance(exc, ImproperlyConfigured | DatabaseError):
        detail += "".join(traceback.format_exception(exc)).rstrip().splitlines()  # a bug: where it is
    _system_log(detail)
    sys.stderr.write(MAIL_TEMPORARY + "\n")
    if exc is not None and "--traceback" in argv:
        traceback.print_exception(exc)
    elif sys.stderr.isatty():  # an administrator trying the command by hand
        sys.stderr.write(f"  {why}\n")
    sys.exit(EX_TEMPFAIL)


def _run_for_the_mail_server(argv: list[str]) -> None:
    """ingest-email, its exit codes those the mail server acts on: 0 taken or answered, 2 refused with
    nobody to tell (or an unreadable file), 64 a wrong command line, 75 anything else (retried)."""
    try:
        with missing_sqlite_file_refused(True):
            CityDeskUtility(argv).execute()
    except SystemExit as exc:
        if exc.code in (None, 0, 2, EX_USAGE, EX_TEMPFAIL, EXIT_INTERRUPTED):
            raise
        # Django's own stops (a failed system check, exit 1): the installation's problem, not the message's.
        _temporary_failure(argv, None, f"exit {exc.code}")
    except KeyboardInterrupt:
        _interrupted()
    except Exception as exc:  # the database, the settings, a full disk, a bug: never a lost message
        _temporary_failure(argv, exc, _why(exc))


def version_text() -> str:
    """CityDesk's version (its installed package's), and Django's."""
    import django

    try:
        version = metadata.version("citydesk")
    except metadata.PackageNotFoundError:
        version = "?"
    return f"CityDesk {version} (Django {django.get_version()})"


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citydesk.settings")
    argv = list(argv if argv is not None else sys.argv)
    subcommand = argv[1] if len(argv) > 1 else "help"
    refused = not_utf8_argument(argv)
    if refused is not None:
        sys.stderr.write(refused + "\n")
        sys.exit(EX_USAGE if subcommand in MAIL_COMMANDS else 2)
    if subcommand == "version" or argv[1:] == ["--version"]:
        sys.stdout.write(version_text() + "\n")
        return
    with utf8_stdin():
        if subcommand in MAIL_COMMANDS:
            _run_for_the_mail_server(argv)
            return
        try:
            with missing_sqlite_file_refused(subcommand not in CREATES_DATABASE):
                CityDeskUtility(argv).execute()
        except ImproperlyConfigured as exc:
            # Settings may be what failed: no translation machinery here. The messages are written in the
            # site's language (Vietnamese) and name the variable; the README's "Configuration" lists them all.
            sys.stderr.write(f"citydesk: lỗi cấu hình: {exc} (xem README, mục “Configuration”)\n")
            sys.exit(2)
        except DatabaseError as exc:
            message = None if "--traceback" in argv else database_problem(exc)
            if message is None:
                raise
            sys.stderr.write(f"citydesk: {message}\n")
            sys.exit(2)
        except NotUtf8Input:
            sys.stderr.write(NOT_UTF8_STDIN + "\n")
            sys.exit(2)
        except KeyboardInterrupt:
            _interrupted()


if __name__ == "__main__":
    main()
