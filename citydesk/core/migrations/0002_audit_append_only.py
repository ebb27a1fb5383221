"""Make the audit trail append-only in the database itself: UPDATE and DELETE are refused."""

from django.db import migrations

from citydesk.core.migrations._0002_sql import PG_DOWN, PG_UP, SQLITE_DOWN, SQLITE_UP


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        )
    ]
