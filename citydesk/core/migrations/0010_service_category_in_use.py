from django.db import migrations, models

from citydesk.core import configcache


def watch_again(apps, schema_editor):  # type: ignore[no-untyped-def]
    """SQLite adds the column by rebuilding the table, which drops its triggers: the cache generation
    must still move when a category is written (PostgreSQL keeps them)."""
    if schema_editor.connection.vendor == "sqlite":
        for sql in configcache.watch_statements("sqlite", ("core_servicecategory",)):
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_calendar_override_name_en"),
    ]

    operations = [
        migrations.AddField(
            model_name="servicecategory",
            name="is_active",
            field=models.BooleanField(
                default=True,
                help_text="Untick to stop offering the category; its reports keep it.",
                verbose_name="in use",
            ),
        ),
        migrations.RunPython(watch_again, migrations.RunPython.noop),
    ]
