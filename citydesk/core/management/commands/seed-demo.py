from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.demo import DEMO_PASSWORD, PEOPLE, seed_demo
from citydesk.core.management.commands._output import (
    TranslatedCommand,
    add_production_guard,
    count_text,
    refuse_in_production,
)
from citydesk.core.powers import Role


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Load demo data (idempotent): units, HCMC and Hanoi organisations, one officer per role, and a few "
        "hundred citizen reports in every state, procedures, dossiers at a ward desk, and satisfaction ratings."
    )

    def add_arguments(self, parser: Any) -> None:
        add_production_guard(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        # Nine accounts with the password printed in the README, and made-up reports and dossiers.
        refuse_in_production(options, what="seed-demo")
        from citydesk.dossiers.demo import seed_demo_dossiers
        from citydesk.indicators.anomalies import scan as scan_indicators
        from citydesk.indicators.demo import seed_indicators
        from citydesk.ratings.demo import seed_demo_ratings
        from citydesk.reports.seed import seed_demo_reports

        counts = seed_demo()
        counts.update(seed_demo_reports())
        counts.update(seed_demo_dossiers())
        counts.update(seed_demo_ratings())
        counts.update(seed_indicators())
        # The anomaly checks run over the demo data, so its planted anomalies are on the dashboards.
        counts["indicator_findings_open"] = scan_indicators()["flagged"]
        self.stdout.write(count_text(counts))
        self.stdout.write(_("Demo log-ins (password: %(password)s):") % {"password": DEMO_PASSWORD})
        rows = [
            (
                username,
                str(_("Citizen") if role == "citizen" else Role(role).label),
                org_code or "-",
                full_name,
            )
            for username, role, org_code, full_name, _title in PEOPLE
        ]
        width = max(len(role_name) for _u, role_name, _o, _n in rows)  # role names differ by language
        for username, role_name, org_code, full_name in rows:
            self.stdout.write(f"  {username:<13} {role_name:<{width}}  {org_code:<10} {full_name}")
