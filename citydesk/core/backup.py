"""Online backup and restore: SQLite's backup API, or pg_dump / pg_restore for PostgreSQL.

A restore replaces every row of the live database, so the file is checked first and nothing is touched
unless it is a CityDesk database: its applied migrations of CityDesk's apps are those of this code, or
the first part of them (then `citydesk migrate` brings it up to date), and the core tables are there.

With `--with-files` the backup is one tar archive: a manifest, the database copy, the uploaded files
(MEDIA_ROOT: citizens' photos, dossier papers) under `media/` and the trained routing model
(DATA_DIR/models) under `models/`. Restoring it is all or nothing: the archive is unpacked beside the live
directories and the database checked first; then the directories' contents are swapped by renames and the
database restored; if that fails, the renames are undone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from citydesk.core.errors import DomainError
from citydesk.core.models import AdminUnit, AuditEntry, Membership, Organisation, User

# Tables every CityDesk database has had since its first migration.
CORE_TABLES = tuple(m._meta.db_table for m in (User, Organisation, Membership, AdminUnit, AuditEntry))


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
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


def backup_target(target: str | Path, *, force: bool = False, with_files: bool = False) -> Path:
    """Where the backup goes: FILE itself, or a new dated file inside a directory — an existing one, or one
    named with a trailing "/" (`/var/backups/citydesk/`), made if its parent exists. A missing parent is
    an error, not created (a mistyped path must not scatter backups); an existing file is replaced only
    with `force`."""
    text = os.fspath(target)
    as_directory = text.endswith(("/", os.sep))
    target = Path(text)
    if as_directory and not target.is_dir():
        if target.exists() or target.is_symlink():
            raise DomainError(
                _("%(path)s is a file, not a directory: name a directory, or a file without the final “/”.")
                % {"path": target},
                field="file",
            )
        if not target.parent.is_dir():
            raise DomainError(
                _("The directory %(dir)s does not exist: create it first, or choose another place.")
                % {"dir": target.parent},
                field="file",
            )
        try:
            target.mkdir(mode=0o700)
        except OSError as exc:
            raise DomainError(
                _("Cannot create the directory %(dir)s: %(error)s")
                % {"dir": target, "error": exc.strerror or exc},
                field="file",
            ) from None
    if target.is_dir():
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        suffix = "tar" if with_files else _database_suffix()
        dated, number = target / f"citydesk-{stamp}.{suffix}", 1
        while _taken(dated):  # two backups in one second: a second file, not an error
            number += 1
            dated = target / f"citydesk-{stamp}-{number}.{suffix}"
        return dated
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


def _taken(dated: Path) -> bool:
    """A dated name in a backup directory is taken by a backup written (the file) or being written (its
    `.part`): a second backup started in the same second takes the next number."""
    part = dated.with_name(dated.name + ".part")
    return any(path.exists() or path.is_symlink() for path in (dated, part))


def _private_file(path: Path, *, exclusive: bool = False) -> None:
    """Create (or empty) `path` readable and writable by its owner only, before any byte is written;
    `exclusive`: only if no such file exists (FileExistsError otherwise)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC), BACKUP_MODE)
    os.close(fd)
    os.chmod(path, BACKUP_MODE)  # an existing file keeps its mode through os.open


def _database_suffix() -> str:
    return "sqlite3" if connection.vendor == "sqlite" else "dump"


def _write_database(tmp: Path) -> None:
    """A consistent copy of the live database into `tmp` (already created, private)."""
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


def backup(target: str | Path, *, force: bool = False, with_files: bool = False) -> tuple[Path, int]:
    """Write a consistent copy of the live database to `target` (a file, or a directory to put a dated
    file in: see `backup_target`), readable by its owner only; returns the file written and its size in bytes. An existing file
    is replaced only with `force`. Nothing is left behind on failure. With `with_files`, the file is a tar
    archive that also holds the uploaded files and the trained models (see the module's docstring)."""
    into_directory = str(target).endswith(("/", os.sep)) or Path(target).is_dir()
    for _attempt in range(100):
        chosen = backup_target(target, force=force, with_files=with_files)
        tmp = chosen.with_name(chosen.name + ".part")
        try:
            # A dated name is claimed by creating its .part: another backup of the same second that
            # chose it too finds it made and takes the next number.
            _private_file(tmp, exclusive=into_directory)
        except FileExistsError:
            continue
        except OSError as exc:
            raise DomainError(
                _("Cannot write the backup to %(file)s: %(error)s")
                % {"file": chosen, "error": exc.strerror or exc},
                field="file",
            ) from None
        break
    else:  # a hundred backups started in the same second
        raise DomainError(
            _("Other backups are being written to %(dir)s: try again in a moment.") % {"dir": target},
            field="file",
        )
    target = chosen
    db_tmp = target.with_name(target.name + ".database.part")
    try:
        if with_files:
            _private_file(db_tmp)
            _write_database(db_tmp)  # the database first: files it names were written before it
            _write_archive(tmp, db_tmp, skip={tmp, db_tmp})
        else:
            _write_database(tmp)
        os.chmod(tmp, BACKUP_MODE)
        tmp.replace(target)  # never leave a half-written backup under the final name
    except (OSError, sqlite3.Error, tarfile.TarError) as exc:
        tmp.unlink(missing_ok=True)
        raise DomainError(
            _("Cannot write the backup to %(file)s: %(error)s")
            % {"file": target, "error": getattr(exc, "strerror", None) or exc},
            field="file",
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        db_tmp.unlink(missing_ok=True)
    return target, target.stat().st_size


# --- Backups with the files -----------------------------------------------------------------------

ARCHIVE_FORMAT = "citydesk-backup"
ARCHIVE_VERSION = 1
MANIFEST = "citydesk-backup.json"
# Names inside a live directory used while a restore swaps its content (skipped by backups).
_STAGING, _PREVIOUS = ".citydesk-restore-", ".citydesk-before-restore-"


def file_directories() -> dict[str, Path]:
    """The directories a backup with files holds, by their folder in the archive: the uploaded files
    (citizens' photos, dossier papers, procedure templates) and the trained routing model."""
    return {"media": Path(settings.MEDIA_ROOT), "models": Path(settings.DATA_DIR) / "models"}


def _files_of(directory: Path, skip: set[Path]) -> list[tuple[Path, str]]:
    """(path, path relative to `directory`) of every regular file below it; symbolic links are left out."""
    found: list[tuple[Path, str]] = []
    if not directory.is_dir():
        return found
    for root, dirs, files in os.walk(directory):
        here = Path(root)
        if here == directory:
            dirs[:] = [d for d in dirs if not d.startswith((_STAGING, _PREVIOUS))]
        dirs.sort()
        for name in sorted(files):
            path = here / name
            if path in skip or path.is_symlink() or not path.is_file():
                continue
            found.append((path, path.relative_to(directory).as_posix()))
    return found


def _write_archive(tmp: Path, database: Path, *, skip: set[Path]) -> None:
    parts = {part: _files_of(directory, skip) for part, directory in file_directories().items()}
    manifest = {
        "format": ARCHIVE_FORMAT,
        "version": ARCHIVE_VERSION,
        "created": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "database": f"database.{_database_suffix()}",
        "files": {part: len(files) for part, files in parts.items()},
    }
    data = json.dumps(manifest, indent=1).encode()
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o600
        tar.addfile(info, BytesIO(data))  # first, so a restore recognises the archive at once
        tar.add(database, arcname=manifest["database"], recursive=False)
        for part, files in parts.items():
            for path, relative in files:
                try:
                    tar.add(path, arcname=f"{part}/{relative}", recursive=False)
                except FileNotFoundError:  # deleted since the walk (an expired staged upload)
                    continue


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


@contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A SQLite backup opened only to be read. A read-only connection to a WAL database makes the -shm and
    -wal files beside it and cannot remove them: those it made are removed when it closes (they were left
    next to the backup, even for a refused file). A -wal that was there already is read and kept: it may
    hold the file's last changes (`immutable` would skip them)."""
    sidecars = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    present = {side for side in sidecars if side.exists()}
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()
        for side in sidecars:
            if side not in present:
                side.unlink(missing_ok=True)


def _read_sqlite_backup(source: Path, shown: Path | None = None) -> tuple[set[tuple[str, str]], set[str]]:
    """The applied migrations and tables of a SQLite backup (`shown`: the file named in messages)."""
    shown = shown or source
    try:
        with _read_only(source) as conn:
            ok = "\n".join(str(row[0]) for row in conn.execute("PRAGMA integrity_check").fetchall())
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            applied: set[tuple[str, str]] = set()
            if "django_migrations" in tables:
                applied = {(a, n) for a, n in conn.execute("SELECT app, name FROM django_migrations")}
    except sqlite3.DatabaseError as exc:
        raise _not_citydesk(shown, str(exc)) from None
    if ok != "ok":
        raise _not_citydesk(shown, _("the SQLite integrity check failed: %(r)s") % {"r": _first_lines(ok)})
    return applied, tables


def _first_lines(report: str, shown: int = 5) -> str:
    """A long report (SQLite's integrity check lists every damaged page) cut to its first lines, the rest
    counted, on one line: it goes inside one error message."""
    # "*** in database main ***" heads SQLite's list: not a problem of its own.
    lines = [line.strip() for line in report.splitlines() if line.strip() and not line.startswith("***")]
    text = "; ".join(lines[:shown])
    if len(lines) > shown:
        more = len(lines) - shown
        text += " " + ngettext("… and %(n)s more", "… and %(n)s more", more) % {"n": more}
    return text


_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ")


def _read_pg_backup(source: Path, shown: Path | None = None) -> tuple[set[tuple[str, str]], set[str]]:
    """The tables of a pg_dump archive (its table of contents) and its django_migrations rows."""
    pg_restore = _tool("pg_restore")
    listing = subprocess.run([pg_restore, "--list", str(source)], capture_output=True, text=True, check=False)
    if listing.returncode != 0:
        raise _not_citydesk(shown or source, listing.stderr.strip()[:300] or "pg_restore --list")
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
    """Replace the live database's content with the backup (checked before anything is touched); a backup
    made with files also replaces the uploaded files and the trained models, all or nothing.
    Returns the migrations of this code the backup lacks: run `citydesk migrate` then."""
    if source.is_dir():
        raise DomainError(_("%(file)s is a folder, not a backup file.") % {"file": source}, field="file")
    if not source.is_file():
        raise DomainError(_("%(file)s: file not found.") % {"file": source}, field="file")
    manifest = archive_manifest(source)
    if manifest is not None:
        return _restore_archive(source, manifest)
    return _restore_database(source, source)


def _restore_database(database: Path, source: Path) -> list[str]:
    """Restore the database file `database` (`source`: the backup named in messages)."""
    if connection.vendor == "sqlite":
        pending = check_compatible(source, *_read_sqlite_backup(database, source))
        connection.ensure_connection()
        with _read_only(database) as src:
            src.backup(connection.connection)  # page-by-page copy inside SQLite's own locking
    elif connection.vendor == "postgresql":
        pending = check_compatible(source, *_read_pg_backup(database, source))
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
            str(database),
        ]
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            # --single-transaction: pg_restore stopped at the first error and PostgreSQL rolled back the
            # whole restore, the --clean drops included.
            raise DomainError(
                _("pg_restore failed: %(error)s") % {"error": result.stderr.strip()[:2000]}
                + "\n"
                + _("The database was not changed."),
                field="database",
            )
    else:
        raise DomainError(
            _("Restore is not supported for %(vendor)s.") % {"vendor": connection.vendor}, field="database"
        )
    return pending


def archive_manifest(source: Path) -> dict[str, Any] | None:
    """The manifest of a backup made with files; None for a database-only backup (any other file)."""
    try:
        if not tarfile.is_tarfile(source):
            return None
        with tarfile.open(source, "r:") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                return None  # a tar file, but not ours (pg_restore may still know it)
            handle = tar.extractfile(first)
            manifest = json.loads(handle.read(65_536)) if handle else None
    except (OSError, tarfile.TarError, ValueError) as exc:
        raise _not_citydesk(source, str(exc)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT:
        raise _not_citydesk(source, _("its manifest is not CityDesk's"))
    version = manifest.get("version")
    if not isinstance(version, int) or version > ARCHIVE_VERSION:
        raise DomainError(
            _(
                "%(file)s was written by a newer version of CityDesk (archive format %(v)s): restore it with "
                "that version; nothing was touched."
            )
            % {"file": source, "v": version},
            field="file",
        )
    database = manifest.get("database")
    if database not in ("database.sqlite3", "database.dump"):
        raise _not_citydesk(source, _("its manifest names no database"))
    return manifest


def _unpack(source: Path, manifest: dict[str, Any], staging: dict[str, Path], database: Path) -> None:
    """Unpack the archive: the database to `database`, each folder's files below its staging directory.
    Only regular files with plain relative names are taken; anything else refuses the whole archive."""
    found_database = False
    with tarfile.open(source, "r:") as tar:
        for member in tar:
            if member.name == MANIFEST:
                continue
            if member.isdir():
                continue
            part, _sep, relative = member.name.partition("/")
            path = PurePosixPath(relative)
            if member.name == manifest["database"] and member.isfile():
                dest = database
                found_database = True
            elif (
                member.isfile()
                and part in staging
                and relative
                and not path.is_absolute()
                and ".." not in path.parts
                and "\\" not in relative
            ):
                dest = staging[part].joinpath(*path.parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
            else:
                raise _not_citydesk(source, _("unexpected entry %(name)s") % {"name": member.name})
            handle = tar.extractfile(member)
            if handle is None:
                raise _not_citydesk(source, _("unexpected entry %(name)s") % {"name": member.name})
            fd = os.open(
                dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, BACKUP_MODE if dest == database else 0o644
            )
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(handle, out, 1024 * 1024)
            os.utime(dest, (member.mtime, member.mtime))
    if not found_database:
        raise _not_citydesk(source, _("the archive holds no database"))


def _move_all(
    from_dir: Path, to_dir: Path, moved: list[tuple[Path, Path]], *, skip: tuple[str, ...] = ()
) -> None:
    for entry in sorted(from_dir.iterdir()):
        if entry.name.startswith(skip):
            continue
        dest = to_dir / entry.name
        os.replace(entry, dest)
        moved.append((entry, dest))


def _restore_archive(source: Path, manifest: dict[str, Any]) -> list[str]:
    if manifest.get("vendor") not in (None, connection.vendor):
        raise DomainError(
            _("%(file)s is a backup of a %(theirs)s database; this site uses %(ours)s. Nothing was touched.")
            % {"file": source, "theirs": manifest.get("vendor"), "ours": connection.vendor},
            field="file",
        )
    tag = f"{timezone.now():%Y%m%d%H%M%S}-{os.getpid()}"
    live = file_directories()
    staging = {part: directory / f"{_STAGING}{tag}" for part, directory in live.items()}
    previous = {part: directory / f"{_PREVIOUS}{tag}" for part, directory in live.items()}
    database = Path(settings.DATA_DIR) / f"{_STAGING}{tag}.{manifest['database']}"
    moved: list[tuple[Path, Path]] = []  # every rename done, to undo them in reverse
    keep_previous = False  # an undo that failed: the site's own files stay where they were moved
    try:
        try:
            for part in live:  # inside the live directory: same file system, a mount point too
                staging[part].mkdir(parents=True, exist_ok=True)
                previous[part].mkdir(exist_ok=True)
            _unpack(source, manifest, staging, database)
        except tarfile.TarError as exc:
            raise _not_citydesk(source, str(exc)) from None
        except OSError as exc:
            raise DomainError(
                _("Cannot unpack %(file)s: %(error)s; nothing was touched.")
                % {"file": source, "error": getattr(exc, "strerror", None) or exc},
                field="file",
            ) from None
        # The database is checked before any file moves (again by the restore itself, which is cheap).
        if connection.vendor == "sqlite":
            check_compatible(source, *_read_sqlite_backup(database, source))
        elif connection.vendor == "postgresql":
            check_compatible(source, *_read_pg_backup(database, source))
        for part, directory in live.items():
            _move_all(directory, previous[part], moved, skip=(_STAGING, _PREVIOUS))
            _move_all(staging[part], directory, moved)
        pending = _restore_database(database, source)
    except BaseException:
        try:
            for old, new in reversed(moved):
                os.replace(new, old)
        except OSError:
            keep_previous = True
        raise
    finally:
        database.unlink(missing_ok=True)
        for path in (*staging.values(), *([] if keep_previous else previous.values())):
            shutil.rmtree(path, ignore_errors=True)
    return pending
