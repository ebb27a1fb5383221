import time
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import TranslatedCommand, number
from citydesk.ioc import heat, rollup


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Recompute the operations center's roll-up tables from the reports, in one transaction, then "
        "its heat-map store. "
        "Not needed in normal running (database triggers keep them up to date); use it after restoring "
        "a backup made without them or after changing the roll-up definitions."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        cells = rollup.rebuild()
        self.stdout.write(
            _("%(cells)s roll-up cells rebuilt in %(seconds)s s.")
            % {"cells": number(cells), "seconds": number(time.perf_counter() - started, 1)}
        )
        built = heat.build()
        self.stdout.write(
            _("Heat map store: %(rows)s reports in %(seconds)s s.")
            % {"rows": number(built.rows), "seconds": number(built.seconds, 1)}
        )
