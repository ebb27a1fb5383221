"""Synthetic citizen reports: `citydesk seed-reports` (benchmarks, load tests) and the demo reports.

Everything this module writes is SYNTHETIC: made-up descriptions, people, phone numbers and e-mail
addresses (``@example.com``), generated to look like a real city's 1022 traffic. Bulk-seeded reports get
no audit rows (the audit trail records what people did; nobody did these) and no notifications; only
the few dozen demo reports that `seed_demo_reports` sends through the real services have an audit
trail, like any other report. Never seed a production database.

How the bulk path stays fast (≥ 50 % of a bare `executemany` / `COPY` of the same Report rows):

- every column is generated with numpy for a whole batch; texts are drawn from pools built once;
- routing is asked once per (category, routing class of wards) (`routing.route`, see `_prepare_routing`)
  and cached; time-window rules are evaluated at seeding time, not at each report's own time;
- deadlines come from the calendar's bulk function (`bulk_add_working_days`) and a vectorised
  working-hours addition that gives the same results as `_due_times` for every row;
- tracking codes are reserved a block at a time: one ``UPDATE … RETURNING`` per batch and year on
  `CodeCounter`, so codes stay unique and continue the counter used by `report_submit`;
- report ids are reserved up front (PostgreSQL sequence, SQLite under the write lock) so that events
  and ratings can point at them, then the rows go in with `executemany` (SQLite) or `COPY` (PostgreSQL),
  one transaction per batch of 50,000 (at the end, VACUUM (ANALYZE) on PostgreSQL);
- the cyclic garbage collector is paused while the batches are built (no reference cycles).
- the next batch is generated in a thread while the database does its own share of the one before
  (roll-ups and commit on PostgreSQL, commit and WAL checkpoint on SQLite), with the interpreter lock free.

Measured with bench/reports_bulk.py against the bare insert of the Report rows alone, while also writing
one event per report, ~45 % as many ratings and the operations center's roll-up cells: see the README's
performance section.

The package, in the order a run goes through it:

- `texts`: the Vietnamese pools (streets, places, description templates, resolutions, comments) and shares;
- `world.SeedWorld`: wards, categories, routes, people and the calendar, read once;
- `generate.ReportGenerator`: receipt times and whole batches of columns, with numpy, no database access;
- `bulk.ReportSeeder`: ids and codes reserved, rows written, roll-ups added; `seed_reports` is the command;
- `demo`: the demo's reports (a few dozen stories through the real services, the rest bulk-seeded);
- `common`: status codes of the vectorised timeline and small helpers.
"""

from citydesk.reports.seed.bulk import (
    DEFAULT_BATCH,
    MAX_COUNT,
    ReportSeeder,
    SeedResult,
    parse_count,
    seed_reports,
)
from citydesk.reports.seed.common import status_counts
from citydesk.reports.seed.demo import DEMO_SCOPE, seed_demo_reports
from citydesk.reports.seed.generate import Batch

__all__ = [
    "DEFAULT_BATCH",
    "DEMO_SCOPE",
    "MAX_COUNT",
    "Batch",
    "ReportSeeder",
    "SeedResult",
    "parse_count",
    "seed_demo_reports",
    "seed_reports",
    "status_counts",
]
