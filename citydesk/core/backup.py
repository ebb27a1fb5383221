"""Online backup and restore: SQLite's backup API, or pg_dump / pg_restore for PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection, connections

from citydesk.core.errors import DomainError


def _pg_env() -> tuple[list[str], dict[str, str]]:
    settings = connection.settings_dict
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    args = []
    if settings.get("HOST"):
        args += ["-h", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["-p", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["-U", str(settings["USER"])]
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DomainError(
            f"{name} is not installed (Debian: apt-get install postgresql-client)", field="tool"
        )
    return path


def backup(target: Path) -> int:
    """Write a consistent copy of the live database to `target`; returns its size in bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        dest = sqlite3.connect(tmp)
        try:
            connection.connection.backup(dest)
        finally:
            dest.close()
    elif connection.vendor == "postgresql":
        args, env = _pg_env()
        cmd = [
            _tool("pg_dump"),
            "-Fc",
            "--no-owner",
            *args,
            "-f",
            str(tmp),
            str(connection.settings_dict["NAME"]),
        ]
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise DomainError(f"pg_dump failed: {result.stderr.strip()}", field="database")
    else:
        raise DomainError(f"backup is not supported for {connection.vendor}", field="database")
    tmp.replace(target)  # never leave a half-written backup under the final name
    return target.stat().st_size


def _check_sqlite_backup(source: Path) -> None:
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as conn:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            has_tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name='django_migrations'"
            ).fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise DomainError(f"{source} is not a CityDesk SQLite backup ({exc})", field="file") from exc
    if ok != "ok" or not has_tables:
        raise DomainError(f"{source} is not a valid CityDesk SQLite backup", field="file")


def restore(source: Path) -> None:
    """Replace the live database's content with the backup (checked before anything is touched)."""
    if not source.is_file():
        raise DomainError(f"{source}: file not found", field="file")
    if connection.vendor == "sqlite":
        _check_sqlite_backup(source)
        connection.ensure_connection()
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            src.backup(connection.connection)  # page-by-page copy inside SQLite's own locking
        finally:
            src.close()
    elif connection.vendor == "postgresql":
        args, env = _pg_env()
        listing = subprocess.run(
            [_tool("pg_restore"), "--list", str(source)], capture_output=True, text=True, check=False
        )
        if listing.returncode != 0 or "django_migrations" not in listing.stdout:
            raise DomainError(f"{source} is not a CityDesk pg_dump archive", field="file")
        connections.close_all()
        cmd = [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *args,
            "-d",
            str(connection.settings_dict["NAME"]),
            str(source),
        ]
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise DomainError(f"pg_restore failed: {result.stderr.strip()[:2000]}", field="database")
    else:
        raise DomainError(f"restore is not supported for {connection.vendor}", field="database")
