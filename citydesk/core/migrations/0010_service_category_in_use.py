from django.db import migrations, models

from citydesk.core import configcache


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
        # SQLite rebuilds the table for the new column: the cache generation must still move when a category
        # is written.
        configcache.rewatch_after_rebuild("core_servicecategory"),
    ]
