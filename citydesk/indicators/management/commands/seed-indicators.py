from typing import Any

from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import (
    TranslatedCommand,
    add_production_guard,
    count_text,
    refuse_in_production,
)


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Load the demo indicator catalog (20 groups, 110 indicators) and several years of monthly values and "
        "plans for the HCMC and Hanoi demo units (idempotent; run seed-demo first for the units)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--years", type=int, default=4, help=gettext_lazy("years of history, 1 to 20 (default 4)")
        )
        parser.add_argument("--seed", type=int, default=2026, help=gettext_lazy("random seed (default 2026)"))
        add_production_guard(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        from django.utils.translation import gettext as _

        from citydesk.core.errors import DomainError
        from citydesk.indicators.demo import seed_indicators

        # Made-up values of every indicator, for every demo unit: no place on a city's real data.
        refuse_in_production(options, what="seed-indicators")
        if not 1 <= options["years"] <= 20:
            raise DomainError(_("--years must be between 1 and 20."), field="years")
        counts = seed_indicators(years=options["years"], seed=options["seed"])
        self.stdout.write(count_text(counts))
