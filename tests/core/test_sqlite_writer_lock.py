"""SQLite writers queue on a file lock (citydesk/core/sqlite): a second writer waits in the kernel for the
first one's commit or rollback, not in SQLite's busy handler, and a thread never waits for itself.

The connections here are made on a throw-away database file, on either test run (the backend does not
depend on the database the suite runs on)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connections

from citydesk.core.sqlite.base import DatabaseWrapper

HOLD = 0.4  # seconds the first writer keeps its transaction open
IMPATIENT = 0.05  # SQLite's busy timeout of the second writer: far shorter than HOLD


def _wrapper(path: Path | str, alias: str, *, busy_timeout: float = 20.0) -> DatabaseWrapper:
    settings_dict = {
        "ENGINE": "citydesk.core.sqlite",
        "NAME": str(path),
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "ATOMIC_REQUESTS": False,
        "AUTOCOMMIT": True,
        "CONN_MAX_AGE": None,
        "CONN_HEALTH_CHECKS": False,
        "TIME_ZONE": None,
        "TEST": {},
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": busy_timeout,
            "init_command": f"PRAGMA journal_mode=WAL; PRAGMA busy_timeout={int(busy_timeout * 1000)};",
        },
    }
    return DatabaseWrapper(settings_dict, alias=alias)


def _begin(db: DatabaseWrapper) -> None:
    """What `transaction.atomic()` does first on SQLite: BEGIN IMMEDIATE, under autocommit."""
    db.ensure_connection()
    db.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def _end(db: DatabaseWrapper, *, commit: bool = True) -> None:
    if commit:
        db.commit()
    else:
        db.rollback()
    db.set_autocommit(True)


@pytest.fixture(autouse=True)
def _own_connections(django_db_blocker: Any) -> Any:
    """These connections are to a file of the test's own, not to the suite's test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "queue.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("CREATE TABLE entry (id INTEGER PRIMARY KEY, writer TEXT NOT NULL)")
    return path


def _in_thread(target: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = target()
        except BaseException as exc:  # handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_a_second_writer_waits_for_the_first_ones_commit_without_a_busy_error(database: Path) -> None:
    first = _wrapper(database, "first")
    _begin(first)
    with first.cursor() as cursor:
        cursor.execute("INSERT INTO entry (writer) VALUES ('first')")

    def second_writer() -> tuple[float, list[str]]:
        # Its busy timeout is far shorter than the first transaction: without the file lock, its BEGIN
        # IMMEDIATE would fail with "database is locked".
        second = _wrapper(database, "second", busy_timeout=IMPATIENT)
        try:
            _begin(second)
            began = time.monotonic()
            with second.cursor() as cursor:
                cursor.execute("INSERT INTO entry (writer) VALUES ('second')")
                cursor.execute("SELECT writer FROM entry ORDER BY id")
                seen = [row[0] for row in cursor.fetchall()]
            _end(second)
            return began, seen
        finally:
            second.close()

    thread, outcome = _in_thread(second_writer)
    time.sleep(HOLD)
    assert thread.is_alive(), outcome  # still waiting for the first writer
    committed = time.monotonic()
    _end(first)
    thread.join(10)
    first.close()
    assert not thread.is_alive()
    assert "error" not in outcome, outcome["error"]
    began, seen = outcome["value"]
    assert began >= committed  # it began only once the first one had committed
    assert seen == ["first", "second"]  # and saw the first one's row


def test_without_the_file_lock_the_impatient_writer_is_refused(database: Path) -> None:
    """The control of the test above: the same two writers through Django's own backend."""
    from django.db.backends.sqlite3.base import DatabaseWrapper as DjangoWrapper

    first = _wrapper(database, "first")
    _begin(first)

    def second_writer() -> None:
        plain = _wrapper(database, "plain", busy_timeout=IMPATIENT)
        second = DjangoWrapper(plain.settings_dict, alias="plain")
        try:
            _begin(second)
        finally:
            second.close()

    thread, outcome = _in_thread(second_writer)
    thread.join(10)
    _end(first, commit=False)
    first.close()
    assert isinstance(outcome.get("error"), DatabaseError)
    assert "locked" in str(outcome["error"])


def test_a_rollback_lets_the_next_writer_in(database: Path) -> None:
    first = _wrapper(database, "first")
    _begin(first)
    with first.cursor() as cursor:
        cursor.execute("INSERT INTO entry (writer) VALUES ('first')")

    def second_writer() -> list[str]:
        second = _wrapper(database, "second", busy_timeout=IMPATIENT)
        try:
            _begin(second)
            with second.cursor() as cursor:
                cursor.execute("SELECT writer FROM entry")
                seen = [row[0] for row in cursor.fetchall()]
            _end(second)
            return seen
        finally:
            second.close()

    thread, outcome = _in_thread(second_writer)
    time.sleep(HOLD / 2)
    assert thread.is_alive()
    _end(first, commit=False)
    thread.join(10)
    first.close()
    assert outcome == {"value": []}  # in, and the rolled-back row is not there


def test_a_thread_never_waits_for_its_own_lock(database: Path) -> None:
    """A thread that writes through a second connection while its first is in a transaction gets SQLite's
    "locked" error after the busy timeout, as without the file lock, instead of waiting for itself."""

    def both_in_one_thread() -> None:
        first = _wrapper(database, "first")
        second = _wrapper(database, "second", busy_timeout=IMPATIENT)
        _begin(first)
        try:
            _begin(second)
        finally:
            _end(first, commit=False)
            first.close()
            second.close()

    thread, outcome = _in_thread(both_in_one_thread)
    thread.join(10)
    assert not thread.is_alive(), "the thread waited for its own lock"
    assert isinstance(outcome.get("error"), DatabaseError) and "locked" in str(outcome["error"])


def test_closing_a_connection_mid_transaction_releases_the_lock(database: Path) -> None:
    first = _wrapper(database, "first")
    _begin(first)
    first.close()  # a worker that dies or is recycled mid-transaction

    def second_writer() -> bool:
        second = _wrapper(database, "second", busy_timeout=IMPATIENT)
        try:
            _begin(second)
            _end(second)
            return True
        finally:
            second.close()

    thread, outcome = _in_thread(second_writer)
    thread.join(10)
    assert outcome == {"value": True}


def test_an_in_memory_database_has_no_lock_file() -> None:
    assert _wrapper(":memory:", "memory").writer_lock_path() is None
    assert _wrapper("file:memorydb?mode=memory&cache=shared", "shared").writer_lock_path() is None
    assert _wrapper("/srv/citydesk/citydesk.sqlite3", "file").writer_lock_path() == (
        "/srv/citydesk/citydesk.sqlite3-writer.lock"
    )


def test_the_suite_runs_sqlite_through_this_backend() -> None:
    if connections["default"].vendor != "sqlite":
        pytest.skip("the PostgreSQL run: its settings are checked in test_database_settings")
    assert isinstance(connections["default"], DatabaseWrapper)


def test_a_lock_file_that_cannot_be_created_leaves_the_waiting_to_sqlite(
    database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = database.parent / "queue.sqlite3-writer.lock"
    blocked.mkdir()  # a directory where the lock file should be: it cannot be opened as one
    first = _wrapper(database, "first")
    with caplog.at_level("WARNING", logger="citydesk.db"):
        _begin(first)
        with first.cursor() as cursor:
            cursor.execute("INSERT INTO entry (writer) VALUES ('first')")
        _end(first)
        _begin(first)
        _end(first)
    first.close()
    assert len([r for r in caplog.records if "writer lock" in r.getMessage()]) == 1  # said once
    with sqlite3.connect(database) as raw:
        assert raw.execute("SELECT writer FROM entry").fetchall() == [("first",)]


def test_the_lock_file_takes_the_database_files_permissions(database: Path) -> None:
    database.chmod(0o660)
    first = _wrapper(database, "first")
    _begin(first)
    _end(first)
    first.close()
    assert (database.parent / "queue.sqlite3-writer.lock").stat().st_mode & 0o777 == 0o660 & ~_umask()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
