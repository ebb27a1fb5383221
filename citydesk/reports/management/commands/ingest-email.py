import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from citydesk.core.errors import DomainError
from citydesk.core.management.base import CityDeskCommand
from citydesk.notifications.services import notification_queue
from citydesk.reports.email_intake import ingest, parse


class Command(CityDeskCommand):
    help = (
        "Turn an e-mail (RFC 822, from FILE or standard input) into a citizen report. Put the category code "
        "in brackets in the subject, e.g. '[road_damage] Ổ gà trên đường Lê Lợi'; body lines 'Địa chỉ:', "
        "'Tọa độ: 10.77, 106.69', 'Phường/xã: 26743', 'Điện thoại:' are read. Wire it to the mail server "
        "(e.g. a Postfix pipe or fetchmail's mda)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", nargs="?", default="-")
        parser.add_argument("--default-category", help="category when the subject has none")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["file"]
        try:
            raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        except OSError as exc:
            raise CommandError(f"{source}: {exc}", returncode=2) from None
        try:
            report, created = ingest(raw, default_category=options["default_category"])
        except DomainError as exc:
            sender = parse(raw).sender
            if sender:
                notification_queue(
                    channel="email",
                    address=sender,
                    subject=_("Your report could not be accepted"),
                    body=_("We could not create a report from your message: %(m)s") % {"m": exc.message},
                )
            raise
        self.stdout.write(f"{'Created' if created else 'Already received'} {report.code}")
