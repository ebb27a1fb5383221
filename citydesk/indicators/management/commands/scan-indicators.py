"""`citydesk scan-indicators [--indicator CODE …] [--since 2026-01]`: the batch anomaly scan."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy

from citydesk.core.errors import DomainError
from citydesk.core.management.commands._output import TranslatedCommand
from citydesk.indicators import anomalies, periods
from citydesk.indicators.management.commands._counts import count_text


class Command(TranslatedCommand):
    help = gettext_lazy("Check indicator values for anomalies and record new findings.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--indicator", action="append", dest="codes", help=gettext_lazy("indicator code (repeatable)")
        )
        parser.add_argument(
            "--since", help=gettext_lazy("only findings from this period on (2026-01, 2026-Q1, 2026)")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options.get("since"):
            try:
                _ptype, since = periods.parse_period(options["since"])
            except DomainError as exc:
                raise CommandError(f"{exc.message} [since]", returncode=2) from exc
        stats = anomalies.scan(indicator_codes=options.get("codes"), since=since)
        self.stdout.write(count_text(stats))
