"""Django's SQLite backend, with write transactions queued on an operating-system file lock.

SQLite lets one writer at a time into a database. A second process that asks (``BEGIN IMMEDIATE``) while
another writes is told "busy", and SQLite's busy handler then sleeps before it asks again: 1 ms, 2 ms,
5 ms, 10 ms… however soon the first writer finishes. Under load the web workers spend part of their time
asleep with the database free (measured: about a quarter of two cores idle during the intake bench).

Here a process takes an exclusive ``flock`` on a lock file beside the database before it begins a write
transaction, and lets it go when the transaction ends. A process that waits for the lock sleeps in the
kernel, which wakes it the moment the lock is released: the writers take turns with no idle gap. SQLite's
own locking still guards the file: a writer that does not take this lock (the ``sqlite3`` shell, a backup
tool) is waited for through the busy timeout as before.

No process waits for the file lock while holding SQLite's write lock: the file lock is always taken
first, before ``BEGIN``, so two processes cannot wait for each other. An in-memory database (the tests'
default) has one process: no file lock.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from typing import Any

from django.db.backends.sqlite3 import base

__all__ = ["DatabaseWrapper"]

logger = logging.getLogger("citydesk.db")

# Whether a connection of this thread holds the lock. A thread that writes through a second connection while
# its first holds the lock would wait for itself forever: that one goes without the file lock, to SQLite's
# busy timeout and its error, as it did before.
_holding = threading.local()


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer_lock: int | None = None  # the lock file's descriptor while a transaction holds it
        self._writer_lock_file: int | None = None  # the lock file, opened once per connection
        self._writer_lock_warned = False

    def writer_lock_path(self) -> str | None:
        """The lock file beside the database file; None for an in-memory database."""
        name = str(self.settings_dict["NAME"])
        if not name or self.is_in_memory_db():
            return None
        return f"{name}-writer.lock"

    def _take_writer_lock(self) -> None:
        path = self.writer_lock_path()
        if path is None or getattr(_holding, "held", False):
            return
        if self._writer_lock_file is None:
            try:
                # Created with the database file's permissions, as SQLite creates its -wal and -shm files:
                # a worker running as another user of the same group can open it too.
                mode = os.stat(self.settings_dict["NAME"]).st_mode & 0o666
            except OSError:
                mode = 0o644
            try:
                self._writer_lock_file = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, mode)
            except OSError as exc:  # a read-only directory, another owner: SQLite's busy timeout alone
                if not self._writer_lock_warned:
                    self._writer_lock_warned = True
                    logger.warning(
                        "SQLite writer lock %s unavailable (%s): writers wait in SQLite", path, exc
                    )
                return
        fcntl.flock(self._writer_lock_file, fcntl.LOCK_EX)
        self._writer_lock = self._writer_lock_file
        _holding.held = True

    def _release_writer_lock(self) -> None:
        if self._writer_lock is not None:
            fd, self._writer_lock = self._writer_lock, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            _holding.held = False

    def _start_transaction_under_autocommit(self) -> None:
        self._take_writer_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer_lock()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._release_writer_lock_when_done()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._release_writer_lock_when_done()

    def _release_writer_lock_when_done(self) -> None:
        # A failed COMMIT (a deferred constraint) leaves SQLite's transaction open until the rollback that
        # follows: keep the queue's lock until then.
        if self.connection is None or not self.connection.in_transaction:
            self._release_writer_lock()

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self._release_writer_lock()
            if self._writer_lock_file is not None:
                fd, self._writer_lock_file = self._writer_lock_file, None
                os.close(fd)
