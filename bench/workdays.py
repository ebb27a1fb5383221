"""Benchmark of citydesk.lib.workdays, and of the calendar API built on it.

Run from the repo root: ``.venv/bin/python bench/workdays.py`` (``--no-api`` skips the Django part).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from citydesk.lib.workdays import DEFAULT_TZ, WorkCalendar  # noqa: E402

BULK_ITEMS = 1_000_000
SCALAR_CALLS = 50_000
RUNS = 5
SEED = 20260216


def best_of(runs: int, func: Callable[[], object]) -> float:
    """Best wall-clock time in seconds of ``runs`` calls of ``func``."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def sample_calendar() -> WorkCalendar:
    """Default calendar plus a few admin changes (a swapped Saturday, an extra day off)."""
    return WorkCalendar.build(
        extra_days_off={dt.date(2026, 3, 9): "Nghỉ theo quyết định"},
        extra_working_days={dt.date(2026, 3, 14): "Làm việc bù"},
    )


def random_days(rng: np.random.Generator, count: int) -> np.ndarray:
    first = np.datetime64("2000-01-01", "D").astype(np.int64)
    last = np.datetime64("2090-12-31", "D").astype(np.int64)
    return rng.integers(first, last + 1, size=count).astype("datetime64[D]")


def bench_bulk(cal: WorkCalendar, rng: np.random.Generator) -> None:
    days = random_days(rng, BULK_ITEMS)
    steps = rng.integers(1, 31, size=BULK_ITEMS)

    start = time.perf_counter()
    cal.bulk_add_working_days(days[:1], 1)
    print(f"bulk table build (first call, 1990-2100):  {time.perf_counter() - start:10.3f} s")

    ours_array = BULK_ITEMS / best_of(RUNS, lambda: cal.bulk_add_working_days(days, steps))
    ours_scalar = BULK_ITEMS / best_of(RUNS, lambda: cal.bulk_add_working_days(days, 5))

    # Reference: numpy's business-day routine with the same days off (it cannot express working
    # Saturdays, so its results differ on swapped days; it is only a speed limit).
    days_off = np.array(
        [h.date for year in range(1999, 2092) for h in cal.holidays(year) if h.kind != "working_day"],
        dtype="datetime64[D]",
    )
    busdaycal = np.busdaycalendar(weekmask="1111100", holidays=days_off)
    busday_array = BULK_ITEMS / best_of(
        RUNS, lambda: np.busday_offset(days, steps, roll="forward", busdaycal=busdaycal)
    )
    busday_scalar = BULK_ITEMS / best_of(
        RUNS, lambda: np.busday_offset(days, 5, roll="forward", busdaycal=busdaycal)
    )

    print(f"bulk_add_working_days, n array (items/s):   {ours_array:14,.0f}")
    print(f"numpy.busday_offset,   n array (items/s):   {busday_array:14,.0f}")
    print(f"ratio ours / busday_offset, n array:        {ours_array / busday_array:14.2f}")
    print(f"bulk_add_working_days, n = 5 (items/s):     {ours_scalar:14,.0f}")
    print(f"numpy.busday_offset,   n = 5 (items/s):     {busday_scalar:14,.0f}")
    print(f"ratio ours / busday_offset, n = 5:          {ours_scalar / busday_scalar:14.2f}")


def bench_scalar(cal: WorkCalendar, rng: np.random.Generator) -> None:
    days = random_days(rng, SCALAR_CALLS).tolist()
    minutes = rng.integers(0, 24 * 60, size=SCALAR_CALLS).tolist()
    steps = rng.integers(0, 31, size=SCALAR_CALLS).tolist()
    received = [
        dt.datetime.combine(day, dt.time(m // 60, m % 60), tzinfo=DEFAULT_TZ)
        for day, m in zip(days, minutes, strict=True)
    ]
    cases = list(zip(received, steps, strict=True))
    for moment, n in cases[:2000]:  # warm the per-year caches
        cal.due(moment, n)

    def run() -> None:
        due = cal.due
        for moment, n in cases:
            due(moment, n)

    rate = SCALAR_CALLS / best_of(RUNS, run)
    print(f"scalar due(), n in 0..30 (calls/s):         {rate:14,.0f}")

    def run_hours() -> None:
        add = cal.add_working_hours
        for moment, n in cases:
            add(moment, n)

    rate = SCALAR_CALLS / best_of(RUNS, run_hours)
    print(f"scalar add_working_hours(), 0..30 h (calls/s): {rate:11,.0f}")


def bench_api(requests: int = 2_000) -> None:
    """Per-request cost of GET /api/v1/calendar/due in-process (Django test client, no network),
    beside /healthz (one SELECT 1) as the floor of a request through the same middleware stack."""
    import os
    import tempfile

    os.environ["CITYDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="citydesk-bench-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citydesk.settings")
    os.environ["CITYDESK_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    client = Client(HTTP_HOST="127.0.0.1")
    params = {"received": "2026-02-13T10:00:00+07:00", "working_days": "5"}
    assert client.get("/api/v1/calendar/due", params).status_code == 200

    def run_due() -> None:
        for _ in range(requests):
            client.get("/api/v1/calendar/due", params)

    def run_health() -> None:
        for _ in range(requests):
            client.get("/healthz")

    due = best_of(3, run_due) / requests
    health = best_of(3, run_health) / requests
    print(
        f"calendar API GET /calendar/due (µs/request):   {due * 1e6:11,.0f}  ({1 / due:,.0f} req/s, one core)"
    )
    print(f"baseline GET /healthz (µs/request):            {health * 1e6:11,.0f}  ({1 / health:,.0f} req/s)")
    print(f"ratio due / healthz:                               {due / health:7.2f}")


def main() -> None:
    """Print the workdays benchmark figures."""
    rng = np.random.default_rng(SEED)
    cal = sample_calendar()
    print(f"workdays benchmark: {BULK_ITEMS:,} bulk items, {SCALAR_CALLS:,} scalar calls, best of {RUNS}")
    bench_bulk(cal, rng)
    bench_scalar(cal, rng)
    if "--no-api" not in sys.argv:
        bench_api()


if __name__ == "__main__":
    main()
