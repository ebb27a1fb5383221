"""Is the database's schema the one this code needs? For /healthz: a database that answers but was never
migrated (a new empty file, a wrong DATABASE_URL) or lacks this version's migrations serves only errors."""

from __future__ import annotations

from functools import cache

from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader


@cache
def code_migrations() -> frozenset[tuple[str, str]]:
    """Every migration of the installed apps (read from disk once per process)."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def unapplied_migrations() -> list[str]:
    """“app.name” of the migrations of this code the database has not applied (all of them when it has no
    migration table): one small query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations")
            applied = {(str(app), str(name)) for app, name in cursor.fetchall()}
    except DatabaseError:
        if "django_migrations" in connection.introspection.table_names():
            raise  # the table is there: the error is something else
        applied = set()
    return sorted(f"{app}.{name}" for app, name in code_migrations() - applied)
