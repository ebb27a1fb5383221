"""PostgreSQL's second index on the audit hash (`varchar_pattern_ops`, for LIKE 'prefix%'): hashes are
only ever matched whole, and every audited change wrote it. IF EXISTS: SQLite has no such index."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_handling_time_limits"),
    ]

    operations = [
        migrations.RunSQL(
            'DROP INDEX IF EXISTS "core_auditentry_hash_9676a960_like"', migrations.RunSQL.noop
        ),
    ]
