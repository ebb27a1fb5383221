from django.db import migrations, models

from citydesk.core import configcache


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
        # SQLite rebuilds the table for the new column: the cache generation must still move when a calendar change
        # is written.
        configcache.rewatch_after_rebuild("core_calendaroverride"),
    ]
