import time
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
from citydesk.dossiers.seed import DEFAULT_BATCH, MAX_COUNT, seed_dossiers


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Generate N SYNTHETIC dossiers fast, for benchmarks and demos: the demo units and procedures, "
        "desk 60 % / online 35 % / post 5 %, about 92 % on time, a demo same-day campaign (15 May – "
        "15 June of last year); then rebuild the counters. No events, audit rows or notifications. "
        "Needs the demo data (citydesk seed-demo). Never run it on a production database."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", help=gettext_lazy("number of dossiers to create (required, ≥ 1)"))
        add_production_guard(parser)
        parser.add_argument(
            "--years", default="3", help=gettext_lazy("spread over the last N years (default 3)")
        )
        parser.add_argument("--seed", help=gettext_lazy("random seed, for repeatable data (default: random)"))
        parser.add_argument(
            "--batch-size",
            default=str(DEFAULT_BATCH),
            help=gettext_lazy("rows per insert call (default %(n)s)") % {"n": DEFAULT_BATCH},
        )

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_in_production(options, what="seed-dossiers")
        if options["count"] is None:
            raise DomainError(_("Give the number of dossiers: --count N."), field="count")
        count = whole_number(options["count"], "--count", high=MAX_COUNT)
        years = whole_number(options["years"], "--years", high=20)
        batch_size = whole_number(options["batch_size"], "--batch-size", high=1_000_000)
        seed = None if options["seed"] is None else whole_number(options["seed"], "--seed", low=0, high=2**32)
        verbose = options.get("verbosity", 1) >= 1
        last = [time.perf_counter()]
        kept = [0]  # dossiers written and committed so far (one transaction per batch)

        def progress(done: int, total: int) -> None:
            kept[0] = done
            now = time.perf_counter()
            if verbose and total >= 200_000 and (now - last[0] > 5 or done == total):
                last[0] = now
                self.stderr.write(f"  {number(done)} / {number(total)}")

        try:
            result = seed_dossiers(
                count=count, seed=seed, years=years, batch_size=batch_size, progress=progress
            )
        except KeyboardInterrupt:
            # Stopped with Ctrl-C: the batches written stay, the counters were not rebuilt (citydesk.cli then
            # says "stopped", exit 130).
            self.stderr.write(
                _(
                    "Stopped: %(kept)s of the %(count)s synthetic dossiers were created and are kept; the batch "
                    "being written was undone. Run “citydesk rebuild-dossier-counts” to bring the counters up "
                    "to date."
                )
                % {"kept": number(kept[0]), "count": number(count)}
            )
            raise
        if verbose:
            self.stdout.write(
                _(
                    "Created %(count)s synthetic dossiers (%(first)s … %(last)s): %(open)s open, %(campaign)s in "
                    "a same-day campaign, in %(seconds)s s (%(rate)s dossiers/s; inserts %(inserts)s s, "
                    "counters rebuilt in %(rebuild)s s)."
                )
                % {
                    "count": number(result.count),
                    "first": result.first_code,
                    "last": result.last_code,
                    "open": number(result.open),
                    "campaign": number(result.in_campaign),
                    "seconds": number(result.seconds, 1),
                    "rate": number(round(result.rate)),
                    "inserts": number(result.insert_seconds, 1),
                    "rebuild": number(result.rebuild_seconds, 1),
                }
            )
