import time
from typing import Any

from citydesk.core.errors import DomainError
from citydesk.core.management.base import CityDeskCommand
from citydesk.dossiers.seed import DEFAULT_BATCH, parse_count, seed_dossiers


class Command(CityDeskCommand):
    help = (
        "Generate N SYNTHETIC dossiers fast, for benchmarks and demos: the demo units and procedures, "
        "desk 60 % / online 35 % / post 5 %, about 92 % on time, a demo same-day campaign (15 May – "
        "15 June of last year); then rebuild the counters. No events, audit rows or notifications. "
        "Needs the demo data (citydesk seed-demo). Never run it on a production database."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", help="number of dossiers to create (required, ≥ 1)")
        parser.add_argument("--years", default="3", help="spread over the last N years (default 3)")
        parser.add_argument("--seed", help="random seed, for repeatable data (default: random)")
        parser.add_argument(
            "--batch-size", default=str(DEFAULT_BATCH), help=f"rows per insert call (default {DEFAULT_BATCH})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] is None:
            raise DomainError("Give the number of dossiers: --count N.", field="count")
        count = parse_count(options["count"])
        years = parse_count(options["years"], "years", high=20)
        batch_size = parse_count(options["batch_size"], "batch-size", high=1_000_000)
        seed = None if options["seed"] is None else parse_count(options["seed"], "seed", low=0, high=2**32)
        verbose = options.get("verbosity", 1) >= 1
        last = [time.perf_counter()]

        def progress(done: int, total: int) -> None:
            now = time.perf_counter()
            if verbose and total >= 200_000 and (now - last[0] > 5 or done == total):
                last[0] = now
                self.stderr.write(f"  {done:,} / {total:,}")

        result = seed_dossiers(count=count, seed=seed, years=years, batch_size=batch_size, progress=progress)
        if verbose:
            self.stdout.write(
                f"Created {result.count:,} synthetic dossiers ({result.first_code} … {result.last_code}): "
                f"{result.open:,} open, {result.in_campaign:,} in a same-day campaign, in {result.seconds:.1f} s "
                f"({result.rate:,.0f} dossiers/s; inserts {result.insert_seconds:.1f} s, "
                f"counters rebuilt in {result.rebuild_seconds:.1f} s)."
            )
