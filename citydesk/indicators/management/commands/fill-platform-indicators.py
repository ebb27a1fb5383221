from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import TranslatedCommand, number
from citydesk.indicators import periods
from citydesk.indicators.platform import fill_platform, first_data_month
from citydesk.indicators.services.deadlines import period_end


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Fill the indicator values owned by the platform (reports, dossiers, ratings) for one period "
        "(default: last month, and last quarter / last year when they have just ended)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--period", help=gettext_lazy("2026-03, 2026-Q1 or 2026 (default: the periods just ended)")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("period"):
            kind, day = periods.parse_period(options["period"])
            first = first_data_month()
            if first is None or period_end(kind, day) < first:
                since = f"{first:%m/%Y}" if first else "-"
                raise CommandError(
                    _(
                        "The platform holds no data before %(month)s: there is nothing to count for %(period)s."
                    )
                    % {"month": since, "period": options["period"]},
                    returncode=2,
                )
            targets = [(kind, day)]
        else:
            today = timezone.localdate()
            targets = [
                (kind, periods.previous(kind, periods.period_of(kind, today)))
                for kind in periods.PERIOD_TYPES
            ]
        for kind, day in targets:
            count = fill_platform(period_type=kind, period=day)
            self.stdout.write(
                self.style.SUCCESS(
                    _("%(period)s: %(n)s values written.")
                    % {"period": periods.period_key(kind, day), "n": number(count)}
                )
            )
