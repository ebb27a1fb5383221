"""Database triggers that keep the roll-up cells up to date, then a first build from existing reports."""

from django.db import migrations


def install(apps, schema_editor):
    from citydesk.ioc import rollup

    for sql in rollup.trigger_statements(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)
    rollup.rebuild()


def uninstall(apps, schema_editor):
    from citydesk.ioc import rollup

    for sql in rollup.trigger_statements(schema_editor.connection.vendor, up=False):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("ioc", "0001_cells"),
        ("reports", "0005_report_open_due_index"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
