"""Per-process caches of configuration (categories, organisations, routing rules, units, calendar).

Configuration changes a few times a day; reading it on every request cost an intake half of its SQL.
Database triggers bump the single row of `core_configgeneration` on every INSERT, UPDATE, DELETE
(and TRUNCATE on PostgreSQL) of a configuration table, in the same transaction as the change. A cache
entry remembers the generation it was built at; one indexed read of that row per use tells whether it
is still good, so every process sees an admin's change as soon as it is committed, with no TTL and no
signal that a bulk `UPDATE` or `load-units` could bypass.

A generation is a microsecond timestamp (at least the previous value + 1), so a rolled-back change
never hands out a number a later change will reuse. When the row is missing (a flushed test
database), nothing is cached.

Cached objects are shared by every request of the process: treat them as read-only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from django.db import connection

TABLE = "core_configgeneration"
# Tables whose changes invalidate the caches; apps add their own with `watch_statements`.
CORE_TABLES = ("core_servicecategory", "core_organisation", "core_adminunit", "core_calendaroverride")

_entries: dict[Hashable, tuple[int, Any]] = {}
_lock = threading.Lock()


def generation() -> int | None:
    """The current configuration generation as this connection sees it (None: do not cache)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def cached[T](key: Hashable, loader: Callable[[], T], *, gen: int | None = None) -> T:
    """`loader()`'s value, rebuilt only when the configuration changed since it was built.

    Pass `gen` (from `generation()`) when one operation reads several entries, to check once.
    """
    if gen is None:
        gen = generation()
    if gen is None:
        return loader()
    hit = _entries.get(key)
    if hit is not None and hit[0] == gen:
        return hit[1]
    value = loader()
    with _lock:
        _entries[key] = (gen, value)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()


# --- Trigger SQL (used by migrations) ----------------------------------------------------------------

_SQLITE_NOW_US = "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)"
_SQLITE_BUMP = (
    f"INSERT INTO {TABLE} (id, value) VALUES (1, {_SQLITE_NOW_US}) "
    f"ON CONFLICT(id) DO UPDATE SET value = max({TABLE}.value + 1, excluded.value)"
)
PG_FUNCTION = f"""CREATE OR REPLACE FUNCTION core_config_bump() RETURNS trigger AS $$
BEGIN
    INSERT INTO {TABLE} (id, value)
    VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
    ON CONFLICT (id) DO UPDATE SET value = GREATEST({TABLE}.value + 1, EXCLUDED.value);
    RETURN NULL;
END; $$ LANGUAGE plpgsql"""


def watch_statements(vendor: str, tables: tuple[str, ...], *, up: bool = True) -> list[str]:
    """CREATE (or DROP) the triggers that bump the generation when one of `tables` changes."""
    statements: list[str] = []
    for table in tables:
        if vendor == "sqlite":
            for op in ("INSERT", "UPDATE", "DELETE"):
                name = f"{table}_config_{op.lower()}"
                if up:
                    statements.append(
                        f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {op} ON {table} BEGIN {_SQLITE_BUMP}; END"
                    )
                else:
                    statements.append(f"DROP TRIGGER IF EXISTS {name}")
        elif vendor == "postgresql":
            if up:
                statements += [
                    f"CREATE TRIGGER {table}_config AFTER INSERT OR UPDATE OR DELETE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION core_config_bump()",
                    f"CREATE TRIGGER {table}_config_truncate AFTER TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION core_config_bump()",
                ]
            else:
                statements += [
                    f"DROP TRIGGER IF EXISTS {table}_config ON {table}",
                    f"DROP TRIGGER IF EXISTS {table}_config_truncate ON {table}",
                ]
    return statements


def rewatch_after_rebuild(*tables: str) -> Any:
    """A migration operation for after an AddField that SQLite does by rebuilding the table, which drops
    its triggers: they are made again (PostgreSQL keeps them; nothing to do there)."""
    from django.db import migrations

    def watch_again(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "sqlite":
            for sql in watch_statements("sqlite", tables):
                schema_editor.execute(sql)

    return migrations.RunPython(watch_again, migrations.RunPython.noop)
