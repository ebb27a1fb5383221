import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from citydesk.core.management.base import CityDeskCommand
from citydesk.reports.email_intake import receive


class Command(CityDeskCommand):
    help = (
        "Turn an e-mail (RFC 822, from FILE or standard input) into a citizen report, or into the citizen's "
        "answer about a report (a tracking code such as PA-26-000301 in the subject, or a reply to our "
        "e-mail, from the reporter's or a follower's address). Put the category code in brackets in the "
        "subject, e.g. '[road_damage] Ổ gà trên đường Lê Lợi'; 'Địa chỉ:', 'Phường/xã:', "
        "'Tọa độ: 10.77, 106.69', 'Điện thoại:' are read anywhere in the body. A refused message is "
        "answered with how to write one. Wire it to the mail server (e.g. a Postfix pipe or fetchmail's mda)."
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
        result = receive(raw, default_category=options["default_category"])  # refusals answer the sender
        if result.kind == "reply":
            state = "Reply added to" if result.created else "Reply already received for"
        else:
            state = "Created" if result.created else "Already received"
        self.stdout.write(f"{state} {result.report.code}")
        for name, why in result.refused:
            self.stdout.write(f"  attachment not accepted: {name}: {why}")
