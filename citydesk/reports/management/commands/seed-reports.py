import time
from collections import Counter
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.errors import DomainError
from citydesk.core.management.commands._output import (
    TranslatedCommand,
    add_production_guard,
    number,
    refuse_in_production,
    whole_number,
)
from citydesk.reports.models import Status
from citydesk.reports.seed import DEFAULT_BATCH, seed_reports
from citydesk.reports.seed.bulk import MAX_COUNT
from citydesk.reports.seed.common import STATUS_ORDER


def _statuses(counts: Counter[str]) -> str:
    return ", ".join(f"{Status(s).label} {number(counts[s])}" for s in STATUS_ORDER if counts[s])


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Generate N SYNTHETIC citizen reports fast, for benchmarks and demos: made-up Vietnamese "
        "descriptions, points in the province's wards, realistic channels, statuses and deadlines, "
        "one status event each, ratings for many closed ones. No audit rows, no notifications. "
        "Needs the demo data (citydesk seed-demo). Never run it on a production database."
    )

    def add_arguments(self, parser: Any) -> None:
        # Validated in handle(): bad values exit 2 with a clear message, from the shell or call_command.
        parser.add_argument("--count", help=gettext_lazy("number of reports to create (required, ≥ 1)"))
        parser.add_argument("--seed", help=gettext_lazy("random seed, for repeatable data (default: random)"))
        parser.add_argument(
            "--province", default="79", help=gettext_lazy("province code(s), comma-separated (default 79)")
        )
        parser.add_argument(
            "--months", default="24", help=gettext_lazy("spread over the last N months (default 24)")
        )
        parser.add_argument(
            "--batch-size",
            default=str(DEFAULT_BATCH),
            help=gettext_lazy("rows per transaction (default %(n)s)") % {"n": DEFAULT_BATCH},
        )
        add_production_guard(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_in_production(options, what="seed-reports")
        if options["count"] is None:
            raise DomainError(_("Give the number of reports: --count N."), field="count")
        count = whole_number(options["count"], "--count", high=MAX_COUNT)
        seed = None if options["seed"] is None else whole_number(options["seed"], "--seed", low=0)
        months = whole_number(options["months"], "--months")
        batch_size = whole_number(options["batch_size"], "--batch-size")
        verbose = options.get("verbosity", 1) >= 1
        last_print = [time.perf_counter()]
        kept = [0]  # reports written and committed so far (one transaction per batch)

        def progress(done: int, total: int) -> None:
            kept[0] = done
            now = time.perf_counter()
            if verbose and total >= 100_000 and (now - last_print[0] > 5 or done == total):
                last_print[0] = now
                self.stderr.write(f"  {number(done)} / {number(total)}")

        try:
            result = seed_reports(
                count=count,
                seed=seed,
                province=options["province"],
                months=months,
                batch_size=batch_size,
                progress=progress,
            )
        except KeyboardInterrupt:
            # Stopped with Ctrl-C: the batches written stay (citydesk.cli then says "stopped", exit 130).
            self.stderr.write(
                _(
                    "Stopped: %(kept)s of the %(count)s synthetic reports were created and are kept; the batch "
                    "being written was undone."
                )
                % {"kept": number(kept[0]), "count": number(count)}
            )
            raise
        if not verbose:
            return
        self.stdout.write(
            _(
                "Created %(count)s synthetic reports (%(first)s … %(last)s), %(events)s events, %(ratings)s "
                "ratings in %(seconds)s s (%(rate)s reports/s)."
            )
            % {
                "count": number(result.count),
                "first": result.first_code,
                "last": result.last_code,
                "events": number(result.events),
                "ratings": number(result.ratings),
                "seconds": number(result.seconds, 1),
                "rate": number(round(result.rate)),
            }
        )
        self.stdout.write(_("Statuses: %(list)s.") % {"list": _statuses(result.statuses)})
