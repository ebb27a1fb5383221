import time
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import TranslatedCommand, number
from citydesk.indicators import running


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Recompute the indicators' running totals (year to date per unit and month, which the dashboards "
        "read) from the stored values, in one transaction. Not needed in normal running (every value "
        "saved updates them); use it after restoring a backup, loading values with SQL, or changing "
        "CITYDESK_FISCAL_YEAR_START_MONTH."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            rows = running.rebuild()
        self.stdout.write(
            _("%(rows)s running-total rows rebuilt in %(seconds)s s.")
            % {"rows": number(rows), "seconds": number(time.perf_counter() - started, 1)}
        )
