"""`citydesk ingest-email`: one e-mail from the mail server (a Postfix pipe, fetchmail's mda).

Exit codes, for the mail server: 0 when the message was taken (a report, an answer) or refused and its
sender told why (now, or on an earlier delivery of the same message): stdout says which; 2 when it could
not be read or nobody can be answered (no sender, an automatic message); 64 (EX_USAGE) when the command line
is wrong (an unknown option or --default-category), before any message is read; 75 (EX_TEMPFAIL: the mail
server delivers it again later) for every other failure, which is not the message's: the database, the
settings, a full disk, a bug (citydesk.cli). See docs/operations.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.cli import EX_USAGE
from citydesk.core.checks import check_public_url
from citydesk.core.errors import DomainError
from citydesk.core.management.commands._output import TranslatedCommand
from citydesk.core.models import ServiceCategory
from citydesk.reports.email_intake import Refused, process
from citydesk.reports.services.common import _category


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Turn an e-mail (RFC 822, from FILE or standard input) into a citizen report, or into the citizen's "
        "answer about a report (a tracking code such as PA-26-000301 in the subject, or a reply to our "
        "e-mail, from the reporter's or a follower's address). Put the category code in brackets in the "
        "subject, e.g. '[road_damage] Ổ gà trên đường Lê Lợi'; 'Địa chỉ:', 'Phường/xã:', "
        "'Tọa độ: 10.77, 106.69', 'Điện thoại:' are read anywhere in the body. A refused message is "
        "answered with how to write one, once per message. Wire it to the mail server (e.g. a Postfix pipe or "
        "fetchmail's mda), with CITYDESK_PUBLIC_URL set in its environment. Exit code 0: taken, or refused "
        "and answered; 2: unreadable, or nobody to answer."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        """argparse's refusal of the command line exits 64 (EX_USAGE), not 2 (a refused message)."""
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser_exit = parser.exit

        def exit(status: int = 0, message: str | None = None) -> NoReturn:
            parser_exit(EX_USAGE if status == 2 else status, message)

        parser.exit = exit
        return parser

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "file", nargs="?", default="-", help=gettext_lazy("the message file (default: standard input)")
        )
        parser.add_argument("--default-category", help=gettext_lazy("category when the subject has none"))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["default_category"] is not None:
            self._check_default_category(options["default_category"])
        source = options["file"]
        try:
            raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        except FileNotFoundError:
            raise CommandError(_("%(file)s: file not found.") % {"file": source}, returncode=2) from None
        except IsADirectoryError:
            raise CommandError(
                _("%(file)s is a folder, not a message file.") % {"file": source}, returncode=2
            ) from None
        except PermissionError:
            raise CommandError(
                _("%(file)s: no permission to read it.") % {"file": source}, returncode=2
            ) from None
        except OSError as exc:
            raise CommandError(f"{source}: {exc.strerror or exc}", returncode=2) from None
        self._warn_local_public_url()
        result = process(raw, default_category=options["default_category"])  # refusals answer the sender
        if isinstance(result, Refused):
            self._refused(result)
            return
        code = result.report.code
        if result.kind == "reply":
            line = (
                _("Answer added to report %(code)s.")
                if result.created
                else _("This answer to report %(code)s was already received.")
            )
        else:
            line = (
                _("Report %(code)s created.")
                if result.created
                else _("This message was already received: report %(code)s.")
            )
        self.stdout.write(line % {"code": code})
        for name, why in result.refused:
            self.stdout.write(
                "  " + _("attachment not accepted: %(name)s: %(why)s") % {"name": name, "why": why}
            )

    def _check_default_category(self, code: str) -> None:
        """An unknown or retired --default-category is the command line's mistake: refused once, before the
        message is read (exit 64), rather than every message refused and its sender answered."""
        try:
            _category(code)
        except DomainError as exc:
            codes = ServiceCategory.objects.filter(
                domain=ServiceCategory.Domain.REPORT, is_active=True
            ).values_list("code", flat=True)
            raise CommandError(
                _("%(message)s (option %(option)s)")
                % {"message": exc.message, "option": "--default-category"}
                + "\n"
                + _("The report categories in use: %(codes)s.") % {"codes": ", ".join(sorted(codes)) or "-"},
                returncode=EX_USAGE,
            ) from None

    def _refused(self, refused: Refused) -> None:
        """A refused message: exit 0 once its sender is told why (the mail server must not bounce it, nor
        deliver it again), 2 when nobody can be told."""
        reason = refused.error.message
        if refused.answered:
            self.stdout.write(
                _("Refused, and the sender (%(email)s) was told why: %(reason)s")
                % {"email": refused.sender, "reason": reason}
            )
        elif refused.repeated:
            self.stdout.write(
                _(
                    "This message was refused before and its sender (%(email)s) was told why then: "
                    "not answered again."
                )
                % {"email": refused.sender}
            )
        else:
            raise CommandError(
                _("Refused, and nobody was told (no sender address, or an automatic message): %(reason)s")
                % {"reason": reason},
                returncode=2,
            )

    def _warn_local_public_url(self) -> None:
        """A mail server runs the pipe with a bare environment: without CITYDESK_PUBLIC_URL the links sent
        to citizens would lead to their own computer (the deploy check citydesk.W001 says the same)."""
        if any(warning.id == "citydesk.W001" for warning in check_public_url()):
            self.stderr.write(
                _(
                    "Warning: CITYDESK_PUBLIC_URL is %(url)s, not the site's public address: the links in the "
                    "e-mails this command sends would lead to a local address. Set it in the environment the "
                    "mail server runs this command with (docs/operations.md, “Replies by e-mail”)."
                )
                % {"url": settings.CITYDESK_PUBLIC_URL or "—"}
            )
