from django.db import migrations, models

from citydesk.core import configcache


def watch_again(apps, schema_editor):  # type: ignore[no-untyped-def]
    """SQLite adds the column by rebuilding the table, which drops its triggers: the cache generation
    must still move when a calendar change is written (PostgreSQL keeps them)."""
    if schema_editor.connection.vendor == "sqlite":
        for sql in configcache.watch_statements("sqlite", ("core_calendaroverride",)):
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_drop_audit_hash_pattern_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="calendaroverride",
            name="name_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="name (English)"),
        ),
        migrations.RunPython(watch_again, migrations.RunPython.noop),
    ]
