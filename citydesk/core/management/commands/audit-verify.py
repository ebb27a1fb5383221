from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from citydesk.core.audit import audit_verify
from citydesk.core.management.commands._output import TranslatedCommand, number


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Check the audit trail's hash chain and its protection triggers; exit 1 if any row was edited or "
        "deleted, or a trigger is missing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problems = audit_verify()
        if problems:
            for problem in problems:
                if problem.entry_id:
                    where = f"#{problem.entry_id}"
                else:
                    where = _("protection") if problem.kind == "guard" else _("chain")
                self.stderr.write(f"{where}: {problem.message}")
            raise CommandError(
                ngettext(
                    "The audit trail is NOT intact: %(n)s problem in %(checked)s entries.",
                    "The audit trail is NOT intact: %(n)s problems in %(checked)s entries.",
                    len(problems),
                )
                % {"n": number(len(problems)), "checked": number(checked)},
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "The audit trail is intact: %(n)s entry verified.",
                    "The audit trail is intact: %(n)s entries verified.",
                    checked,
                )
                % {"n": number(checked)}
            )
        )
