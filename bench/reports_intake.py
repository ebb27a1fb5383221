"""Benchmark HTTP intake of citizen reports with the production server, against a minimal Django write.

Usage (from the repo root): .venv/bin/python bench/reports_intake.py [--seconds 20] [--connections 8]

On a throw-away database (a temporary SQLite file, or with DATABASE_URL=postgres://… a temporary
database on that server, dropped at the end), migrated and loaded with the demo data, the bench starts
gunicorn the way scripts/run does (`gunicorn … -w 2 -b 127.0.0.1:PORT`, sync workers; env: a temporary
CITYDESK_DATA_DIR, CITYDESK_LOG_LEVEL=WARNING, CITYDESK_DEBUG=false, DATABASE_URL passed through) and
loads it from this machine for N seconds (after a 3 s warm-up) with C client threads, each sending
requests back to back over http.client (keep-alive when the server allows it; gunicorn's sync workers
close after each response, so a client reconnects):

  (a) reference: bench/minimal_app.py, POST /intake: parse and check the same JSON body, insert one row
      (same database, same connection settings), 201;
  (b) ours: CityDesk, POST /api/v1/reports (anonymous citizen, JSON) -> 201: validation, point -> ward,
      routing, deadlines, tracking code, report + 2 events + follower + audit row + acknowledgement;
  (c) ratio ours / reference in requests per second (target >= 0.5), p50 / p99 latency (target p99 <
      100 ms), and the SQL queries one intake makes (Django's CaptureQueriesContext, in-process).

The load comes from one address (127.0.0.1) with one contact e-mail, as no real caller does: a citizen's
reports are limited to CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR (30) an hour from one network address, and
the acknowledgements to one address given without an account to CITYDESK_REPORT_ACKS_PER_CONTACT_PER_DAY
(5) a day. The bench raises both (LIMITS_RAISED, in the environment of the in-process count and of
gunicorn) rather than switching them off: every request still goes through both checks (one SELECT
counting before the intake, their rows in one INSERT within it: 2 of the SQL statements counted), so
their cost stays in the figures, while each one is a whole intake with its acknowledgement, not a cheap
429 or an intake that skips its message. The counts of that one address and that one e-mail grow with the
load (a real caller's stop at the limit): the later requests' counts read more rows, which overstates
the checks' cost a little (about 0.07 ms per 1,000 rows on SQLite).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BODY = {
    "category": "road_damage",
    "description": "Ổ gà lớn trên đường Lê Lợi, đoạn trước chợ Bến Thành, xe máy đi qua rất nguy hiểm.",
    "lon": 106.6946,
    "lat": 10.7714,
    "contact_email": "dan@example.vn",
}
WARM_UP = 3.0
# The intake's limits, raised above anything the load reaches (see the docstring): checked, never reached.
LIMITS_RAISED = {
    "CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR": "1000000",
    "CITYDESK_REPORT_ACKS_PER_CONTACT_PER_DAY": "1000000",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(app: list[str], port: int, env: dict[str, str], workers: int) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    extra = []
    help_text = subprocess.run([gunicorn, "--help"], capture_output=True, text=True, check=False).stdout
    if "--no-control-socket" in help_text:
        extra.append("--no-control-socket")
    process = subprocess.Popen(
        [gunicorn, *app, "-w", str(workers), "-b", f"127.0.0.1:{port}", *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {process.stderr.read()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.2)
    stop_server(process)
    raise RuntimeError("gunicorn did not start within 60 s")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Load:
    """C threads posting back to back until the deadline; latencies of the measured window only."""

    def __init__(self, port: int, path: str, body: bytes, connections: int) -> None:
        self.port, self.path, self.body, self.connections = port, path, body, connections
        self.latencies: list[float] = []
        self.statuses: Counter[int | str] = Counter()
        self.lock = threading.Lock()

    def worker(self, measure_from: float, until: float) -> None:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        conn: http.client.HTTPConnection | None = None
        mine: list[float] = []
        statuses: Counter[int | str] = Counter()
        while True:
            start = time.perf_counter()
            if start >= until:
                break
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("POST", self.path, body=self.body, headers=headers)
                response = conn.getresponse()
                response.read()
                status: int | str = response.status
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                if conn is not None:
                    conn.close()
                conn = None
            end = time.perf_counter()
            if start >= measure_from:
                mine.append(end - start)
                statuses[status] += 1
        if conn is not None:
            conn.close()
        with self.lock:
            self.latencies.extend(mine)
            self.statuses.update(statuses)

    def run(self, seconds: float) -> float:
        begin = time.perf_counter()
        measure_from = begin + WARM_UP
        until = measure_from + seconds
        threads = [
            threading.Thread(target=self.worker, args=(measure_from, until)) for _ in range(self.connections)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return seconds


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def measure(name: str, app: list[str], path: str, env: dict, args: argparse.Namespace) -> dict:
    port = free_port()
    server = start_server(app, port, env, args.workers)
    try:
        load = Load(port, path, json.dumps(BODY, ensure_ascii=False).encode(), args.connections)
        seconds = load.run(args.seconds)
    finally:
        stop_server(server)
    ok = load.statuses.get(201, 0)
    result = {
        "name": name,
        "rate": ok / seconds,
        "p50": percentile(load.latencies, 50) * 1000,
        "p99": percentile(load.latencies, 99) * 1000,
        "ok": ok,
        "statuses": dict(load.statuses),
    }
    others = {k: v for k, v in load.statuses.items() if k != 201}
    print(
        f"{name}: {result['rate']:>8,.0f} req/s   p50 {result['p50']:6.1f} ms   p99 {result['p99']:6.1f} ms"
        f"   ({ok:,} × 201{f', other: {others}' if others else ''})"
    )
    return result


def count_queries() -> tuple[int, Counter[str], int]:
    """SQL statements of one intake, in-process through the whole Django stack (test client)."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    body = json.dumps(BODY, ensure_ascii=False)
    client.post("/api/v1/reports", body, content_type="application/json")  # warm caches (calendar, units)
    statements: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.post("/api/v1/reports", body, content_type="application/json")
    kinds = Counter(sql.split(None, 1)[0].upper() for sql in statements)
    return len(statements), kinds, response.status_code


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="measured seconds per server (default 20)"
    )
    parser.add_argument(
        "--connections", type=int, default=8, help="concurrent client connections (default 8)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    args = parser.parse_args(argv)
    if not 1 <= args.connections <= 64:
        parser.error("--connections must be between 1 and 64")
    run_on_throwaway_database(run, args, prefix="citydesk-intake-")


def run_on_throwaway_database(
    runner: Callable[[argparse.Namespace, str], None], args: argparse.Namespace, *, prefix: str
) -> None:
    """Call `runner(args, label)` with a temporary database and data directory, removed afterwards."""
    from reports_bulk import temporary_database

    data_dir = tempfile.mkdtemp(prefix=prefix)
    os.environ["DJANGO_SETTINGS_MODULE"] = "citydesk.settings"
    os.environ["CITYDESK_LOG_LEVEL"] = "WARNING"
    os.environ["CITYDESK_DEBUG"] = "false"
    label, cleanup = temporary_database()
    os.environ["CITYDESK_DATA_DIR"] = os.environ.get("CITYDESK_DATA_DIR") or data_dir
    try:
        runner(args, label)
    finally:
        cleanup()
        shutil.rmtree(data_dir, ignore_errors=True)


def prepare_demo(label: str) -> float:
    """Set Django up, migrate, load the demo and create the reference app's table; the seconds it took."""
    import django

    django.setup()
    import minimal_app
    from django.core.management import call_command
    from django.db import connection

    from citydesk.core.demo import seed_demo

    print(f"database: {label}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    seed_demo()
    minimal_app.create_table(connection)
    return time.perf_counter() - started


def run(args: argparse.Namespace, label: str) -> None:
    os.environ.update(LIMITS_RAISED)  # before the settings load: the count here and gunicorn's workers
    seconds = prepare_demo(label)
    from django.conf import settings

    unraised = [name for name, value in LIMITS_RAISED.items() if getattr(settings, name, None) != int(value)]
    if unraised:  # the load would measure refusals: say so rather than print wrong figures
        raise SystemExit(f"the settings did not take {', '.join(unraised)} from the environment")
    from django.db import connection

    from citydesk.reports.models import Report

    print(f"migrate + seed-demo: {seconds:.1f} s")
    total, kinds, status = count_queries()
    print(
        f"SQL queries per intake (in-process, HTTP {status}): {total} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}); reference app: 1 INSERT"
    )
    before = Report.objects.count()
    connection.close()
    env = {
        **os.environ,
        "CITYDESK_LOG_LEVEL": "WARNING",
        "CITYDESK_DEBUG": "false",
        "PYTHONPATH": str(ROOT),
    }
    print(
        f"load: {args.connections} connections from 127.0.0.1, {WARM_UP:.0f} s warm-up then {args.seconds:.0f} s "
        f"per server; gunicorn -w {args.workers} (sync workers)"
    )
    print()
    reference = measure(
        "(a) reference: minimal Django app, POST /intake      ",
        ["--pythonpath", str(ROOT / "bench"), "minimal_app:create_app()"],
        "/intake",
        env,
        args,
    )
    ours = measure(
        "(b) ours: CityDesk, POST /api/v1/reports              ",
        ["citydesk.wsgi"],
        "/api/v1/reports",
        env,
        args,
    )
    created = Report.objects.count() - before
    connection.close()
    ratio = ours["rate"] / reference["rate"] if reference["rate"] else float("nan")
    print(
        f"(c) ratio ours / reference: {ratio:.2f}  (target >= 0.5);  ours p99 {ours['p99']:.1f} ms (target < 100 ms)"
    )
    print(
        f"    reports stored by the load: {created:,} (201 responses counted: {ours['statuses'].get(201, 0):,} measured)"
    )


if __name__ == "__main__":
    main()
