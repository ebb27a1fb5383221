"""Append-only, hash-chained audit trail.

Each entry's hash covers its content and the previous entry's hash, so editing or deleting any row
breaks the chain from that row on. The chain head (last id, last hash, count) lives in a single row
locked for every append, which serialises writers and reveals rows deleted from the tail.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.core.models import AuditChainHead, AuditEntry
from citydesk.core.rows import RowWriter

GENESIS = "0" * 64


def _jsonable(value: Any) -> Any:
    """What a JSON column gives back: makes the hash the same before and after storage."""
    return None if value is None else json.loads(json.dumps(value, default=str, ensure_ascii=False))


def entry_digest(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _fields_of(entry: AuditEntry) -> dict[str, Any]:
    at = entry.at.astimezone(UTC).isoformat(timespec="microseconds")
    return {
        "id": entry.pk,
        "at": at,
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "right": entry.right,
        "delegation_id": entry.delegation_id,
        "on_behalf_of": entry.on_behalf_of,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": str(entry.object_id),
        "before": entry.before,
        "after": entry.after,
    }


@dataclass(frozen=True)
class Actor:
    """Who acts and in what right; built by `core.services.authorize` or `Actor.system()`."""

    user_id: int | None
    label: str
    right: str = AuditEntry.Right.OWN
    delegation_id: int | None = None
    on_behalf_of: str = ""

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(user_id=None, label=label, right=AuditEntry.Right.SYSTEM)


def audit_record(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Inside the caller's transaction (no savepoint: a failure fails the whole
    change); in its own when called outside one."""
    with transaction.atomic(savepoint=False):
        last_id, last_hash, count = _lock_head()
        entry = AuditEntry(
            id=last_id + 1,
            at=timezone.now(),
            actor_id=actor.user_id,
            actor_label=actor.label,
            right=actor.right,
            delegation_id=actor.delegation_id,
            on_behalf_of=actor.on_behalf_of,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before=_jsonable(before),
            after=_jsonable(after),
            prev_hash=last_hash,
        )
        entry.hash = entry_digest(last_hash, _fields_of(entry))
        _ENTRIES.insert([entry])
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_HEAD} SET last_id = %s, last_hash = %s, count = %s WHERE id = 1",
                [entry.pk, entry.hash, count + 1],
            )
    return entry


_HEAD = AuditChainHead._meta.db_table
_ENTRIES = RowWriter(AuditEntry, explicit_pk=True)


def _lock_head() -> tuple[int, str, int]:
    """Read and lock the chain head (SQLite's IMMEDIATE transactions already hold the write lock)."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = f"SELECT last_id, last_hash, count FROM {_HEAD} WHERE id = 1{lock}"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
        if row is None:  # a database created without migration 0003's row
            AuditChainHead.objects.get_or_create(pk=1)
            cursor.execute(sql)
            row = cursor.fetchone()
    return int(row[0]), str(row[1]), int(row[2])


@dataclass(frozen=True)
class AuditProblem:
    entry_id: int | None
    message: str
    kind: str = "chain"  # "chain": the rows and their hashes; "guard": the database's protection triggers


def audit_verify(batch_size: int = 5000) -> tuple[int, list[AuditProblem]]:
    """Walk the chain and check the protection triggers; return (entries checked, problems). No problems
    means the trail is intact and still protected."""
    problems: list[AuditProblem] = []
    prev_hash = GENESIS
    expected_id = 1
    checked = 0
    last_id = 0
    queryset = AuditEntry.objects.order_by("id")
    start = 0
    while True:
        batch = list(queryset.filter(id__gt=start)[:batch_size])
        if not batch:
            break
        for entry in batch:
            checked += 1
            if entry.pk != expected_id:
                problems.append(
                    AuditProblem(
                        entry.pk,
                        _("entries %(first)s…%(last)s are missing (deleted)")
                        % {"first": expected_id, "last": entry.pk - 1},
                    )
                )
            if entry.prev_hash != prev_hash:
                problems.append(
                    AuditProblem(
                        entry.pk, _("the link to the previous entry is broken (a row before it changed)")
                    )
                )
            if entry_digest(entry.prev_hash, _fields_of(entry)) != entry.hash:
                problems.append(
                    AuditProblem(entry.pk, _("the content does not match its hash (the row was edited)"))
                )
            prev_hash = entry.hash
            expected_id = entry.pk + 1
            last_id = entry.pk
        start = batch[-1].pk
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None:
        if head.last_id != last_id or head.last_hash != prev_hash:
            problems.append(
                AuditProblem(
                    last_id or None,
                    _("the chain head says the last entry is #%(id)s: rows were removed")
                    % {"id": head.last_id},
                )
            )
        if head.count != checked:
            problems.append(
                AuditProblem(
                    None,
                    _("the chain head counts %(counted)s entries, %(found)s were found")
                    % {"counted": head.count, "found": checked},
                )
            )
    elif checked:
        problems.append(AuditProblem(None, _("the chain head row is missing")))
    from citydesk.core.audit_guard import guard_problems

    problems += [AuditProblem(None, p.message, kind="guard") for p in guard_problems()]
    return checked, problems
