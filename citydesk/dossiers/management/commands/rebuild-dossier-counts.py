import time
from typing import Any

from citydesk.core.management.base import CityDeskCommand
from citydesk.dossiers.counters import rebuild_counts, refresh_baselines


class Command(CityDeskCommand):
    help = (
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
                f"Rebuilt {counts['months']:,} monthly rows, {counts['tallies']:,} campaign rows and "
                f"{baselines:,} backlog baselines in {time.perf_counter() - started:.1f} s."
            )
