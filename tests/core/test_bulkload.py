"""The bulk seeders' shared writer pieces: ids, tracking codes and raw inserts (deadlines: test_seed and
dossiers/test_campaigns compare WorkClock with the calendar)."""

import numpy as np
import pytest
from django.db import connection, transaction

from citydesk.core.bulkload import insert_rows, reserve_codes, reserve_ids
from citydesk.reports.models import CodeCounter

pytestmark = pytest.mark.django_db

TABLE = "test_bulkload_rows"


@pytest.fixture
def scratch_table():
    key = (
        "BIGSERIAL PRIMARY KEY" if connection.vendor == "postgresql" else "INTEGER PRIMARY KEY AUTOINCREMENT"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {TABLE} (id {key}, label VARCHAR(20) NOT NULL, n INTEGER)")
    yield TABLE
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {TABLE}")


def test_codes_continue_the_services_counter_per_year():
    CodeCounter.objects.create(year=2025, last=41)
    years = np.array([2025, 2025, 2026, 2025, 2026])
    with transaction.atomic():
        codes = reserve_codes(CodeCounter, years, "PA")
    assert codes == ["PA-25-000042", "PA-25-000043", "PA-26-000001", "PA-25-000044", "PA-26-000002"]
    assert dict(CodeCounter.objects.values_list("year", "last")) == {2025: 44, 2026: 2}
    with transaction.atomic():
        more = reserve_codes(CodeCounter, np.array([2026]), "PA")
    assert more == ["PA-26-000003"]  # a second block never repeats a code


def test_reserved_ids_are_new_and_inserted_rows_keep_them(scratch_table):
    with transaction.atomic():
        insert_rows(scratch_table, ["label", "n"], [("first", 1)])
        ids = reserve_ids(scratch_table, 5)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {scratch_table}")
            top = cursor.fetchone()[0]
        assert ids.tolist() == sorted(set(ids.tolist())) and len(ids) == 5
        assert ids.min() > top
        rows = [(int(i), f"row {k}", k) for k, i in enumerate(ids.tolist())]
        insert_rows(scratch_table, ["id", "label", "n"], iter(rows), chunk=2)  # chunks of 2, and a rest
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, label, n FROM {scratch_table} WHERE n IS NOT NULL ORDER BY id")
        stored = cursor.fetchall()
    assert stored[1:] == rows and stored[0][1:] == ("first", 1)
    assert reserve_ids(scratch_table, 0).size == 0


def test_a_failed_insert_leaves_nothing(scratch_table):
    with pytest.raises(connection.Database.IntegrityError), transaction.atomic():
        insert_rows(scratch_table, ["label", "n"], [("fine", 1), (None, 2)])  # label is NOT NULL
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {scratch_table}")
        assert cursor.fetchone()[0] == 0
