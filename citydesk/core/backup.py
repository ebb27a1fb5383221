"""Online backup and restore: SQLite's backup API, or pg_dump / pg_restore for PostgreSQL.

A restore replaces every row of the live database, so the file is checked first and nothing is touched
unless it is a CityDesk database: its applied migrations of CityDesk's apps are those of this code, or
the first part of them (then `citydesk migrate` brings it up to date), and the core tables are there.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.apps import apps
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.core.errors import DomainError
from citydesk.core.models import AdminUnit, AuditEntry, Membership, Organisation, User

# Tables every CityDesk database has had since its first migration.
CORE_TABLES = tuple(m._meta.db_table for m in (User, Organisation, Membership, AdminUnit, AuditEntry))


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
            _("%(tool)s is not installed (Debian: apt-get install postgresql-client).") % {"tool": name},
            field="tool",
        )
    return path


# --- Backup ---------------------------------------------------------------------------------------


# A backup holds personal data and the hashes of passwords and API tokens: readable by its owner only.
BACKUP_MODE = 0o600


def backup_target(target: Path, *, force: bool = False) -> Path:
    """Where the backup goes: FILE itself, or a dated file inside a directory. The directory must exist
    (a mistyped path is not silently created); an existing file is replaced only with `force`."""
    if target.is_dir():
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        suffix = "sqlite3" if connection.vendor == "sqlite" else "dump"
        target = target / f"citydesk-{stamp}.{suffix}"
    elif not target.parent.is_dir():
        raise DomainError(
            _("The directory %(dir)s does not exist: create it first, or choose another place.")
            % {"dir": target.parent},
            field="file",
        )
    if (target.exists() or target.is_symlink()) and not force:
        raise DomainError(
            _("%(file)s already exists: choose another name, or add --force to replace it.")
            % {"file": target},
            field="file",
        )
    return target


def _private_file(path: Path) -> None:
    """Create (or empty) `path` readable and writable by its owner only, before any byte is written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, BACKUP_MODE)
    os.close(fd)
    os.chmod(path, BACKUP_MODE)  # an existing file keeps its mode through os.open


def backup(target: Path, *, force: bool = False) -> tuple[Path, int]:
    """Write a consistent copy of the live database to `target` (a file, or a directory to put a dated
    file in), readable by its owner only; returns the file written and its size in bytes. An existing file
    is replaced only with `force`. Nothing is left behind on failure."""
    target = backup_target(target, force=force)
    tmp = target.with_name(target.name + ".part")
    try:
        _private_file(tmp)
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
                raise DomainError(
                    _("pg_dump failed: %(error)s") % {"error": result.stderr.strip()}, field="database"
                )
        else:
            raise DomainError(
                _("Backup is not supported for %(vendor)s.") % {"vendor": connection.vendor}, field="database"
            )
        os.chmod(tmp, BACKUP_MODE)
        tmp.replace(target)  # never leave a half-written backup under the final name
    except (OSError, sqlite3.Error) as exc:
        tmp.unlink(missing_ok=True)
        raise DomainError(
            _("Cannot write the backup to %(file)s: %(error)s")
            % {"file": target, "error": getattr(exc, "strerror", None) or exc},
            field="file",
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target, target.stat().st_size


# --- Checking a backup ----------------------------------------------------------------------------


def _not_citydesk(source: Path, why: str) -> DomainError:
    return DomainError(
        _("%(file)s is not a CityDesk backup (%(why)s); the database was not touched.")
        % {"file": source, "why": why},
        field="file",
    )


def check_compatible(source: Path, applied: set[tuple[str, str]], tables: set[str]) -> list[str]:
    """Compare a backup's applied migrations and tables with this code's; return the migrations of this
    code the backup lacks (to apply with `citydesk migrate` after the restore). Raises DomainError."""
    labels = {c.label for c in apps.get_app_configs() if c.name.startswith("citydesk.")}
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    ours = {node for node in graph.nodes if node[0] in labels}
    theirs = {node for node in applied if node[0] in labels}
    missing_tables = [t for t in CORE_TABLES if t not in tables]
    if not any(app == "core" for app, _name in theirs) or missing_tables:
        why = (
            _("no CityDesk tables")
            if not theirs
            else _("missing tables: %(t)s") % {"t": ", ".join(missing_tables)}
        )
        raise _not_citydesk(source, why)
    unknown = sorted(theirs - ours)
    if unknown:
        raise DomainError(
            _(
                "%(file)s comes from another version of CityDesk: it has migrations this version does not "
                "know (%(names)s). Restore it with the version that made it; the database was not touched."
            )
            % {"file": source, "names": ", ".join(f"{a}.{n}" for a, n in unknown[:5])},
            field="file",
        )
    for node in theirs:
        gaps = [p for p in graph.forwards_plan(node) if p[0] in labels and p not in theirs]
        if gaps:
            raise _not_citydesk(
                source,
                _("migration %(m)s is applied without %(gap)s")
                % {"m": f"{node[0]}.{node[1]}", "gap": f"{gaps[0][0]}.{gaps[0][1]}"},
            )
    return sorted(f"{a}.{n}" for a, n in ours - theirs)


def _read_sqlite_backup(source: Path) -> tuple[set[tuple[str, str]], set[str]]:
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as conn:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            applied: set[tuple[str, str]] = set()
            if "django_migrations" in tables:
                applied = {(a, n) for a, n in conn.execute("SELECT app, name FROM django_migrations")}
    except sqlite3.DatabaseError as exc:
        raise _not_citydesk(source, str(exc)) from None
    if ok != "ok":
        raise _not_citydesk(source, _("the SQLite integrity check failed: %(r)s") % {"r": ok})
    return applied, tables


_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ")


def _read_pg_backup(source: Path) -> tuple[set[tuple[str, str]], set[str]]:
    """The tables of a pg_dump archive (its table of contents) and its django_migrations rows."""
    pg_restore = _tool("pg_restore")
    listing = subprocess.run([pg_restore, "--list", str(source)], capture_output=True, text=True, check=False)
    if listing.returncode != 0:
        raise _not_citydesk(source, listing.stderr.strip()[:300] or "pg_restore --list")
    tables = {m.group(2) for line in listing.stdout.splitlines() if (m := _TOC_TABLE.match(line))}
    applied: set[tuple[str, str]] = set()
    if "django_migrations" in tables:
        rows = subprocess.run(
            [pg_restore, "--data-only", "--table=django_migrations", "-f", "-", str(source)],
            capture_output=True,
            text=True,
            check=False,
        )
        applied = _copy_rows(rows.stdout)
    return applied, tables


def _copy_rows(script: str) -> set[tuple[str, str]]:
    """(app, name) of the django_migrations rows in a plain-SQL restore script's COPY block."""
    applied: set[tuple[str, str]] = set()
    columns: list[str] | None = None
    for line in script.splitlines():
        if columns is None:
            match = re.match(r"^COPY \S*django_migrations \(([^)]*)\) FROM stdin;", line)
            if match:
                columns = [c.strip() for c in match.group(1).split(",")]
            continue
        if line == "\\.":
            break
        values = dict(zip(columns, line.split("\t"), strict=False))
        applied.add((values.get("app", ""), values.get("name", "")))
    return applied


# --- Restore --------------------------------------------------------------------------------------


def restore(source: Path) -> list[str]:
    """Replace the live database's content with the backup (checked before anything is touched).
    Returns the migrations of this code the backup lacks: run `citydesk migrate` then."""
    if not source.is_file():
        raise DomainError(_("%(file)s: file not found.") % {"file": source}, field="file")
    if connection.vendor == "sqlite":
        pending = check_compatible(source, *_read_sqlite_backup(source))
        connection.ensure_connection()
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            src.backup(connection.connection)  # page-by-page copy inside SQLite's own locking
        finally:
            src.close()
    elif connection.vendor == "postgresql":
        pending = check_compatible(source, *_read_pg_backup(source))
        args, env = _pg_env()
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
            raise DomainError(
                _("pg_restore failed: %(error)s") % {"error": result.stderr.strip()[:2000]}, field="database"
            )
    else:
        raise DomainError(
            _("Restore is not supported for %(vendor)s.") % {"vendor": connection.vendor}, field="database"
        )
    return pending
