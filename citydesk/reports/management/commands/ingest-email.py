import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import TranslatedCommand
from citydesk.reports.email_intake import receive


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Turn an e-mail (RFC 822, from FILE or standard input) into a citizen report, or into the citizen's "
        "answer about a report (a tracking code such as PA-26-000301 in the subject, or a reply to our "
        "e-mail, from the reporter's or a follower's address). Put the category code in brackets in the "
        "subject, e.g. '[road_damage] Ổ gà trên đường Lê Lợi'; 'Địa chỉ:', 'Phường/xã:', "
        "'Tọa độ: 10.77, 106.69', 'Điện thoại:' are read anywhere in the body. A refused message is "
        "answered with how to write one. Wire it to the mail server (e.g. a Postfix pipe or fetchmail's mda)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "file", nargs="?", default="-", help=gettext_lazy("the message file (default: standard input)")
        )
        parser.add_argument("--default-category", help=gettext_lazy("category when the subject has none"))

    def handle(self, *args: Any, **options: Any) -> None:
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
        result = receive(raw, default_category=options["default_category"])  # refusals answer the sender
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
