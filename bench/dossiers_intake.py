"""Benchmark receiving dossiers over HTTP with the production server, against a minimal Django write.

Usage (from the repo root): .venv/bin/python bench/dossiers_intake.py [--seconds 20] [--connections 8]
                            [--profile]

Same method as bench/reports_intake.py (whose server, load and database helpers it reuses): a throw-away
database (a temporary SQLite file, or with DATABASE_URL=postgres://… a temporary database on that server,
dropped at the end), migrated and loaded with the demo data (`seed_demo`, which loads the demo procedure
catalog); gunicorn started the way scripts/run does (`-w 2`, sync workers); C client threads posting
back to back for N seconds after a 3 s warm-up:

  (a) reference: bench/minimal_app.py, POST /intake: parse and check a small JSON body, insert one row;
  (b) ours: CityDesk, POST /api/v1/dossiers — an officer of the ward's one-stop desk (bearer token)
      receives a birth-registration dossier (channel desk, the required papers checked off): token and
      power checks, procedure and unit, applicant checks, due time from the working-day calendar, dossier
      code, dossier + 3 process steps + papers + event + audit row + monthly counter + acknowledgement;
  (c) ratio ours / reference in requests per second (target >= 0.40), p50 / p99 latency, the SQL
      queries of one intake (in-process, CaptureQueriesContext) and the rows the load stored.

If the ratio is below the target (or with --profile), one intake is profiled in-process (cProfile,
200 intakes through the test client) and the top costs are printed.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import os
import pstats
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from reports_intake import BODY as REFERENCE_BODY  # noqa: E402
from reports_intake import (  # noqa: E402
    WARM_UP,
    Load,
    free_port,
    percentile,
    prepare_demo,
    start_server,
    stop_server,
)

TARGET = 0.40
PROCEDURE = "HT-01"  # the demo catalog's birth registration, received at the ward's desk
UNIT = "26743"  # Phường Bến Thành, where the demo officer works
OFFICER = "officer"
APPLICANT = {
    "applicant_name": "Nguyễn Văn An",
    "applicant_id_number": "079123456789",
    "applicant_phone": "0903123456",
    "applicant_email": "an@example.vn",
    "applicant_address": "12 Lê Lợi, Phường Bến Thành",
}


class HeaderLoad(Load):
    """bench/reports_intake.py's load, sending extra headers (the officer's bearer token)."""

    def __init__(self, port: int, path: str, body: bytes, connections: int, headers: dict[str, str]) -> None:
        super().__init__(port, path, body, connections)
        self.headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}

    def worker(self, measure_from: float, until: float) -> None:
        conn: http.client.HTTPConnection | None = None
        mine: list[float] = []
        statuses: Counter[int | str] = Counter()
        while (start := time.perf_counter()) < until:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("POST", self.path, body=self.body, headers=self.headers)
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
            if start >= measure_from:
                mine.append(time.perf_counter() - start)
                statuses[status] += 1
        if conn is not None:
            conn.close()
        with self.lock:
            self.latencies.extend(mine)
            self.statuses.update(statuses)


def measure(
    name: str,
    app: list[str],
    path: str,
    body: dict,
    headers: dict[str, str],
    env: dict[str, str],
    args: argparse.Namespace,
) -> dict:
    port = free_port()
    server = start_server(app, port, env, args.workers)
    try:
        load = HeaderLoad(
            port, path, json.dumps(body, ensure_ascii=False).encode(), args.connections, headers
        )
        seconds = load.run(args.seconds)
    finally:
        stop_server(server)
    ok = load.statuses.get(201, 0)
    result = {
        "rate": ok / seconds,
        "p50": percentile(load.latencies, 50) * 1000,
        "p99": percentile(load.latencies, 99) * 1000,
        "statuses": dict(load.statuses),
    }
    others = {k: v for k, v in load.statuses.items() if k != 201}
    print(
        f"{name}: {result['rate']:>8,.0f} req/s   p50 {result['p50']:6.1f} ms   p99 {result['p99']:6.1f} ms"
        f"   ({ok:,} × 201{f', other: {others}' if others else ''})"
    )
    return result


def ensure_procedure() -> dict:
    """The intake body: the demo catalog's procedure, or one made here if the catalog has none."""
    from citydesk.dossiers.models import Procedure, ProcedureDocument, ProcedureStep
    from citydesk.lib.text import search_key

    procedure = Procedure.objects.filter(code=PROCEDURE, is_active=True).first()
    if procedure is None or not procedure.steps.exists():
        name = "Đăng ký khai sinh (bench)"
        procedure, _created = Procedure.objects.update_or_create(
            code=PROCEDURE,
            defaults={
                "name": name,
                "search_name": search_key(f"{name} {PROCEDURE}"),
                "field": "Hộ tịch",
                "authority": "ward",
                "processing_time": 3,
                "service_level": 3,
                "is_active": True,
            },
        )
        ProcedureDocument.objects.get_or_create(
            procedure=procedure, position=1, name="Tờ khai đăng ký khai sinh"
        )
        for position, (step, role, share) in enumerate(
            [("Tiếp nhận", "officer", 20), ("Thẩm định", "officer", 50), ("Phê duyệt", "head", 30)], 1
        ):
            ProcedureStep.objects.get_or_create(
                procedure=procedure, position=position, defaults={"name": step, "role": role, "share": share}
            )
        print(f"(no demo procedure {PROCEDURE}: the bench made one)")
    required = [d.pk for d in procedure.documents.all() if d.required]
    return {"procedure": procedure.code, "unit": UNIT, "channel": "desk", **APPLICANT, "documents": required}


def officer_token() -> str:
    from citydesk.core.audit import Actor
    from citydesk.core.models import User
    from citydesk.core.services import api_token_create

    return api_token_create(
        actor=Actor.system("bench"), user=User.objects.get(username=OFFICER), name="bench"
    )


def count_queries(
    body: dict, headers: dict[str, str], runs: int = 50
) -> tuple[int, Counter[str], int, float]:
    """SQL statements of one intake, in-process through the whole Django stack (test client), and the
    in-process time of one intake (mean of `runs`, no server, no concurrency)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", **headers)
    text = json.dumps(body, ensure_ascii=False)
    client.post("/api/v1/dossiers", text, content_type="application/json")  # warm caches (calendar, units)
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/v1/dossiers", text, content_type="application/json")
    statements = [q["sql"] for q in captured.captured_queries]  # read now: each request clears the log
    kinds = Counter(sql.split(None, 1)[0].upper() for sql in statements)
    started = time.perf_counter()
    for _ in range(runs):
        client.post("/api/v1/dossiers", text, content_type="application/json")
    per = (time.perf_counter() - started) / runs * 1000
    return len(statements), kinds, response.status_code, per


def profile(body: dict, headers: dict[str, str], runs: int = 200) -> None:
    """Where one intake's time goes: cProfile over `runs` intakes through the test client."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", **headers)
    text = json.dumps(body, ensure_ascii=False)
    for _ in range(5):
        client.post("/api/v1/dossiers", text, content_type="application/json")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(runs):
        client.post("/api/v1/dossiers", text, content_type="application/json")
    profiler.disable()
    per = (time.perf_counter() - started) / runs * 1000
    print(f"\nprofile: {runs} intakes in-process, {per:.2f} ms each (with the profiler's overhead)")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(
        r"citydesk|django/(db/backends|test/client|core/handlers|middleware)|ninja|pydantic", 35
    )
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    print("\n".join(lines[start:]))


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
    parser.add_argument("--profile", action="store_true", help="profile one intake even if the target is met")
    args = parser.parse_args(argv)
    if not 1 <= args.connections <= 64:
        parser.error("--connections must be between 1 and 64")

    from reports_intake import run_on_throwaway_database

    run_on_throwaway_database(run, args, prefix="citydesk-dossiers-")


def stored() -> Counter[str]:
    from citydesk.core.models import AuditEntry
    from citydesk.dossiers.models import Dossier, DossierDocument, DossierEvent, DossierStep
    from citydesk.notifications.models import Notification

    return Counter(
        dossiers=Dossier.objects.count(),
        steps=DossierStep.objects.count(),
        papers=DossierDocument.objects.count(),
        events=DossierEvent.objects.count(),
        audit=AuditEntry.objects.filter(object_type="dossier").count(),
        notifications=Notification.objects.count(),
    )


def run(args: argparse.Namespace, label: str) -> None:
    seconds = prepare_demo(label)
    from django.db import connection

    from citydesk.dossiers.models import DossierMonth

    body = ensure_procedure()
    token = officer_token()
    headers = {"Authorization": f"Bearer {token}"}
    wsgi_headers = {"HTTP_AUTHORIZATION": headers["Authorization"]}
    print(f"migrate + seed-demo: {seconds:.1f} s; procedure {body['procedure']} at {UNIT}")
    total, kinds, status, per = count_queries(body, wsgi_headers)
    print(
        f"SQL queries per intake (in-process, HTTP {status}): {total} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}); reference app: 1 INSERT"
    )
    print(f"one intake in-process (test client, one at a time): {per:.1f} ms")
    before = stored()
    connection.close()
    env = {**os.environ, "CITYDESK_LOG_LEVEL": "WARNING", "CITYDESK_DEBUG": "false", "PYTHONPATH": str(ROOT)}
    print(
        f"load: {args.connections} connections from 127.0.0.1, {WARM_UP:.0f} s warm-up then {args.seconds:.0f} s "
        f"per server; gunicorn -w {args.workers} (sync workers)"
    )
    print()
    reference = measure(
        "(a) reference: minimal Django app, POST /intake      ",
        ["--pythonpath", str(ROOT / "bench"), "minimal_app:create_app()"],
        "/intake",
        REFERENCE_BODY,
        headers,
        env,
        args,
    )
    ours = measure(
        "(b) ours: CityDesk, POST /api/v1/dossiers (desk)     ",
        ["citydesk.wsgi"],
        "/api/v1/dossiers",
        body,
        headers,
        env,
        args,
    )
    after = stored()
    connection.close()
    ratio = ours["rate"] / reference["rate"] if reference["rate"] else float("nan")
    print(
        f"(c) ratio ours / reference: {ratio:.2f}  (target >= {TARGET:.2f});  ours p99 {ours['p99']:.1f} ms"
    )
    rows = after - before
    counted = DossierMonth.objects.filter(unit__code=UNIT).values_list("received", flat=True)
    print(
        f"    rows stored by the load: {', '.join(f'{k} {v:,}' for k, v in rows.items())} "
        f"(monthly counter at {UNIT}: {sum(counted):,} received in all)"
    )
    if args.profile or ratio < TARGET:
        profile(body, wsgi_headers)


if __name__ == "__main__":
    main()
