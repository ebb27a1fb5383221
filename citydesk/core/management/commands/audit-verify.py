from typing import Any

from django.core.management.base import CommandError

from citydesk.core.audit import audit_verify
from citydesk.core.management.base import CityDeskCommand


class Command(CityDeskCommand):
    help = "Check the audit trail's hash chain; exit 1 if any row was edited or deleted."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problems = audit_verify()
        if problems:
            for problem in problems:
                where = f"#{problem.entry_id}" if problem.entry_id else "chain"
                self.stderr.write(f"{where}: {problem.message}")
            raise CommandError(
                f"audit trail is NOT intact: {len(problems)} problem(s) in {checked} entries", returncode=1
            )
        self.stdout.write(self.style.SUCCESS(f"audit trail intact: {checked} entries verified"))
