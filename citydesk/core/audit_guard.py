"""The audit trail's protection inside the database: the triggers of migration 0002 that refuse UPDATE and
DELETE of core_auditentry (and TRUNCATE on PostgreSQL).

Someone with database rights can drop or disable them. `citydesk audit-verify` reports each one missing,
disabled or changed (exit 1), and every `citydesk migrate` puts them back (post_migrate), on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.utils import translation
from django.utils.translation import gettext as _

from citydesk.core.migrations import _0002_sql as sql

log = logging.getLogger("citydesk.audit")

TABLE = "core_auditentry"
GUARD_MIGRATION = ("core", "0002_audit_append_only")
_FUNCTION = "core_auditentry_refuse"
# trigger name -> (its CREATE statement, words its definition must hold)
_SQLITE = {
    "core_auditentry_no_update": (sql.SQLITE_UP[0], ("BEFORE UPDATE", "RAISE(ABORT")),
    "core_auditentry_no_delete": (sql.SQLITE_UP[1], ("BEFORE DELETE", "RAISE(ABORT")),
}
_PG = {
    "core_auditentry_append_only": (sql.PG_UP[1], ("BEFORE", "UPDATE", "DELETE", "FOR EACH ROW")),
    "core_auditentry_no_truncate": (sql.PG_UP[2], ("BEFORE TRUNCATE",)),
}


@dataclass(frozen=True)
class GuardProblem:
    trigger: str
    state: str  # "missing" | "disabled" | "altered"

    @property
    def message(self) -> str:
        texts = {
            "missing": _(
                "the protection trigger %(name)s is missing: audit rows can be edited or deleted; "
                "“citydesk migrate” puts it back"
            ),
            "disabled": _(
                "the protection trigger %(name)s is disabled: audit rows can be edited or deleted; "
                "“citydesk migrate” enables it again"
            ),
            "altered": _(
                "the protection trigger %(name)s was changed and no longer refuses every change; "
                "“citydesk migrate” puts the original back"
            ),
        }
        return texts[self.state] % {"name": self.trigger}


def _squeeze(text: str) -> str:
    return " ".join(text.upper().split())


def _sqlite_problems(connection: BaseDatabaseWrapper) -> list[GuardProblem]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
        )
        found = {name: _squeeze(text or "") for name, text in cursor.fetchall()}
    problems = []
    for name, (_create, words) in _SQLITE.items():
        if name not in found:
            problems.append(GuardProblem(name, "missing"))
        elif not all(word in found[name].replace("( ", "(") for word in words):
            problems.append(GuardProblem(name, "altered"))
    return problems


def _pg_problems(connection: BaseDatabaseWrapper) -> list[GuardProblem]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgname, t.tgenabled, p.proname, p.prosrc, pg_get_triggerdef(t.oid) "
            "FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE t.tgrelid = to_regclass(%s) AND NOT t.tgisinternal",
            [TABLE],
        )
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    problems = []
    for name, (_create, words) in _PG.items():
        if name not in found:
            problems.append(GuardProblem(name, "missing"))
            continue
        enabled, function, source, definition = found[name]
        body_refuses = "RAISE EXCEPTION" in _squeeze(source or "")
        if function != _FUNCTION or not body_refuses or not all(w in _squeeze(definition) for w in words):
            problems.append(GuardProblem(name, "altered"))
        elif enabled in ("D", "R"):  # disabled, or firing only on a replica
            problems.append(GuardProblem(name, "disabled"))
    return problems


def guard_problems(using: str = "default") -> list[GuardProblem]:
    """What is wrong with the protection triggers (nothing on a database without the audit table)."""
    connection = connections[using]
    if TABLE not in connection.introspection.table_names():
        return []
    if connection.vendor == "sqlite":
        return _sqlite_problems(connection)
    if connection.vendor == "postgresql":
        return _pg_problems(connection)
    return []


def guard_restore(using: str = "default") -> list[GuardProblem]:
    """Put back every missing, disabled or changed trigger; returns what was wrong."""
    connection = connections[using]
    problems = guard_problems(using)
    if not problems:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for problem in problems:
                if problem.state == "altered":
                    cursor.execute(f"DROP TRIGGER IF EXISTS {problem.trigger}")
                cursor.execute(_SQLITE[problem.trigger][0])
        else:
            if any(p.state != "disabled" for p in problems):
                cursor.execute(sql.PG_UP[0])  # CREATE OR REPLACE FUNCTION core_auditentry_refuse()
            for problem in problems:
                if problem.state == "disabled":
                    cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {problem.trigger}")
                    continue
                cursor.execute(f"DROP TRIGGER IF EXISTS {problem.trigger} ON {TABLE}")
                cursor.execute(_PG[problem.trigger][0])
    return problems


def restore_after_migrate(sender: Any, using: str = "default", verbosity: int = 1, **kwargs: Any) -> None:
    """post_migrate: once migration 0002 is applied, its triggers are there (a migrate back to 0001 that
    removed them on purpose is left alone)."""
    connection = connections[using]
    if GUARD_MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return
    restored = guard_restore(using)
    if not restored:
        return
    names = ", ".join(f"{p.trigger} ({p.state})" for p in restored)
    log.warning("audit trail protection restored: %s", names)
    stdout = kwargs.get("stdout")
    if verbosity >= 1 and stdout is not None:
        with translation.override(settings.LANGUAGE_CODE):  # Django's migrate runs without a language
            stdout.write(
                _("The audit trail's protection was restored: %(triggers)s. Run “citydesk audit-verify”.")
                % {"triggers": names}
            )
