import time
from typing import Any

from citydesk.core.errors import DomainError
from citydesk.core.management.base import CityDeskCommand
from citydesk.reports.seed import DEFAULT_BATCH, parse_count, seed_reports, status_counts


def _whole(value: Any, name: str) -> int | None:
    if value is None:
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise DomainError(f"{name} must be a whole number, not “{value}”.", field=name.lstrip("-")) from None


class Command(CityDeskCommand):
    help = (
        "Generate N SYNTHETIC citizen reports fast, for benchmarks and demos: made-up Vietnamese "
        "descriptions, points in the province's wards, realistic channels, statuses and deadlines, "
        "one status event each, ratings for many closed ones. No audit rows, no notifications. "
        "Needs the demo data (citydesk seed-demo). Never run it on a production database."
    )

    def add_arguments(self, parser: Any) -> None:
        # Validated in handle(): bad values exit 2 with a clear message, from the shell or call_command.
        parser.add_argument("--count", help="number of reports to create (required, ≥ 1)")
        parser.add_argument("--seed", help="random seed, for repeatable data (default: random)")
        parser.add_argument("--province", default="79", help="province code(s), comma-separated (default 79)")
        parser.add_argument("--months", default="24", help="spread over the last N months (default 24)")
        parser.add_argument(
            "--batch-size", default=str(DEFAULT_BATCH), help=f"rows per transaction (default {DEFAULT_BATCH})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] is None:
            raise DomainError("Give the number of reports: --count N.", field="count")
        count = parse_count(options["count"])
        seed = _whole(options["seed"], "--seed")
        months = _whole(options["months"], "--months")
        batch_size = _whole(options["batch_size"], "--batch-size")
        if seed is not None and seed < 0:
            raise DomainError("--seed must be 0 or more.", field="seed")
        if batch_size is None or batch_size < 1:
            raise DomainError("--batch-size must be at least 1.", field="batch_size")
        verbose = options.get("verbosity", 1) >= 1
        last_print = [time.perf_counter()]

        def progress(done: int, total: int) -> None:
            now = time.perf_counter()
            if verbose and total >= 100_000 and (now - last_print[0] > 5 or done == total):
                last_print[0] = now
                self.stderr.write(f"  {done:,} / {total:,}")

        result = seed_reports(
            count=count,
            seed=seed,
            province=options["province"],
            months=months,
            batch_size=batch_size,
            progress=progress,
        )
        if not verbose:
            return
        self.stdout.write(
            f"Created {result.count:,} synthetic reports ({result.first_code} … {result.last_code}), "
            f"{result.events:,} events, {result.ratings:,} ratings in {result.seconds:.1f} s "
            f"({result.rate:,.0f} reports/s)."
        )
        self.stdout.write(f"Statuses: {status_counts(result.statuses.elements())}.")
