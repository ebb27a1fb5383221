import time
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import TranslatedCommand, number
from citydesk.ratings.services import live_months_rebuild


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Recompute the live monthly rating counts (those not imported) from the ratings, in one "
        "transaction. Not needed in normal running (every rating updates its month); use it after "
        "restoring a backup or repairing ratings by hand. Imported history is kept."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            rows = live_months_rebuild()
        self.stdout.write(
            _("%(rows)s monthly rating rows rebuilt in %(seconds)s s.")
            % {"rows": number(rows), "seconds": number(time.perf_counter() - started, 1)}
        )
