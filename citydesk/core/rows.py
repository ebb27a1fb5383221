"""Plain INSERTs for the hot write paths (intake, events, audit, outbox).

`Model.objects.create()` compiles its INSERT on every call; on an intake that compilation was most of
the time spent inside the write transaction, which on SQLite is time other workers wait for the
database lock. A `RowWriter` builds each model's INSERT once per database vendor and turns an
unsaved instance into parameters with the fields' own `pre_save` / `get_db_prep_save`, so the stored
values are exactly what the ORM would store (defaults, JSON, time zones); a test compares the two on
every model that uses it. Model `save()` signals are not sent: none of these models has receivers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import AutoField, BigAutoField, Model, SmallAutoField


class RowWriter:
    def __init__(self, model: type[Model], *, explicit_pk: bool = False) -> None:
        self.model = model
        meta = model._meta
        auto = isinstance(meta.pk, AutoField | BigAutoField | SmallAutoField)
        self.returns_pk = auto and not explicit_pk
        self.fields = [f for f in meta.concrete_fields if not (f.primary_key and self.returns_pk)]
        self.table = meta.db_table
        self._sql: dict[tuple[str, int], str] = {}

    def index(self, name: str) -> int:
        """Position of a field's value in `values()` (to fill in one known only later)."""
        for i, field in enumerate(self.fields):
            if name in (field.name, field.attname):
                return i
        raise KeyError(name)

    def values(self, obj: Model) -> list[Any]:
        return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in self.fields]

    def sql(self, rows: int = 1) -> str:
        key = (connection.vendor, rows)
        sql = self._sql.get(key)
        if sql is None:
            qn = connection.ops.quote_name
            columns = ", ".join(qn(f.column) for f in self.fields)
            one = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
            sql = f"INSERT INTO {qn(self.table)} ({columns}) VALUES {', '.join([one] * rows)}"
            if self.returns_pk:
                sql += f" RETURNING {qn(self.model._meta.pk.column)}"
            self._sql[key] = sql
        return sql

    def insert(self, objs: Sequence[Model], rows: Sequence[list[Any]] | None = None) -> None:
        """INSERT the instances (one statement); `rows` are their prepared `values()` when in hand."""
        if not objs:
            return
        rows = rows if rows is not None else [self.values(o) for o in objs]
        params = [v for row in rows for v in row]
        with connection.cursor() as cursor:
            cursor.execute(self.sql(len(objs)), params)
            ids = [r[0] for r in cursor.fetchall()] if self.returns_pk else []
        for i, obj in enumerate(objs):
            if ids:
                obj.pk = ids[i]
            obj._state.adding = False
            obj._state.db = connection.alias
