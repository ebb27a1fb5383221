"""Plain INSERTs for the hot write paths (intake, events, audit, outbox).

`Model.objects.create()` compiles its INSERT on every call; on an intake that compilation was most of
the time spent inside the write transaction, which on SQLite is time other workers wait for the
database lock. A `RowWriter` builds each model's INSERT once per database vendor and turns an
unsaved instance into parameters with the fields' own `pre_save` / `get_db_prep_save`, so the stored
values are exactly what the ORM would store (defaults, JSON, time zones); a test compares the two on
every model that uses it. Model `save()` signals are not sent: none of these models has receivers.

Most values need none of that: a `str` for a text field, an `int` for an integer or a key, `None` for a
nullable column are stored as they are. `values()` passes those through and sends only the others
(dates, JSON, choices' enum members…) through the field, which took a third of an intake's time in
this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.db.models import AutoField, BigAutoField, Model, SmallAutoField

# Field classes (exactly these, not subclasses) whose `pre_save` reads the attribute and whose
# `get_db_prep_save` returns a value of these types unchanged. Integers: only on a backend that passes
# them on as they are (SQLite does; PostgreSQL's wraps each in psycopg's Int2/Int4/Int8).
_TEXT = (str,)
_INTEGER = (int,)
_PLAIN: dict[type, tuple[type, ...]] = {
    models.CharField: _TEXT,
    models.EmailField: _TEXT,
    models.SlugField: _TEXT,
    models.URLField: _TEXT,
    models.TextField: _TEXT,
    models.BooleanField: (bool,),
    models.FloatField: (float,),
    **dict.fromkeys(
        (
            models.IntegerField,
            models.BigIntegerField,
            models.SmallIntegerField,
            models.PositiveIntegerField,
            models.PositiveBigIntegerField,
            models.PositiveSmallIntegerField,
            AutoField,
            BigAutoField,
            SmallAutoField,
        ),
        _INTEGER,
    ),
}


def _passed_through(field: models.Field) -> tuple[type, ...]:
    """The value types `field` stores as they are on this connection (none: always through the field)."""
    if type(field) is models.ForeignKey:  # stores its target's value (an id, a code)
        field = field.target_field
    plain = _PLAIN.get(type(field), ())
    if plain is _INTEGER and type(connection.ops.adapt_integerfield_value(1, "IntegerField")) is not int:
        return ()
    return plain


class RowWriter:
    def __init__(self, model: type[Model], *, explicit_pk: bool = False) -> None:
        self.model = model
        meta = model._meta
        auto = isinstance(meta.pk, AutoField | BigAutoField | SmallAutoField)
        self.returns_pk = auto and not explicit_pk
        self.fields = [f for f in meta.concrete_fields if not (f.primary_key and self.returns_pk)]
        self._plans: dict[str, list[tuple[models.Field, str, tuple[type, ...], bool]]] = {}
        self.table = meta.db_table
        self._sql: dict[tuple[str, int], str] = {}

    def index(self, name: str) -> int:
        """Position of a field's value in `values()` (to fill in one known only later)."""
        for i, field in enumerate(self.fields):
            if name in (field.name, field.attname):
                return i
        raise KeyError(name)

    def _plan(self) -> list[tuple[models.Field, str, tuple[type, ...], bool]]:
        plan = self._plans.get(connection.vendor)
        if plan is None:
            plan = [(f, f.attname, _passed_through(f), f.null) for f in self.fields]
            self._plans[connection.vendor] = plan
        return plan

    def values(self, obj: Model) -> list[Any]:
        row = []
        for field, attname, plain, null in self._plan():
            value = getattr(obj, attname)
            # `type(…) in`: a bool is not an int here, nor an enum member a str (the field converts them).
            if type(value) in plain or (value is None and null and plain):
                row.append(value)
            else:
                row.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
        return row

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
