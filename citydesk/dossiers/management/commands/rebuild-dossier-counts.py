import time
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import TranslatedCommand, number
from citydesk.dossiers.counters import rebuild_counts, refresh_baselines


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Rebuild the dossier counters (DossierMonth, CampaignTally) from the dossiers table with "
        "INSERT … SELECT … GROUP BY, and the campaigns' backlog baselines. Safe to run at any time; "
        "the counts equal what the services keep."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        counts = rebuild_counts()
        baselines = refresh_baselines()
        if options.get("verbosity", 1) >= 1:
            self.stdout.write(
                _(
                    "Rebuilt %(months)s monthly rows, %(tallies)s campaign rows and %(baselines)s backlog "
                    "baselines in %(seconds)s s."
                )
                % {
                    "months": number(counts["months"]),
                    "tallies": number(counts["tallies"]),
                    "baselines": number(baselines),
                    "seconds": number(time.perf_counter() - started, 1),
                }
            )
