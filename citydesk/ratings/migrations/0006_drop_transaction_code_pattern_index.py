"""PostgreSQL's second index on the desk transaction code (`varchar_pattern_ops`, for LIKE 'prefix%'):
codes are only ever matched whole, and every desk transaction wrote it. IF EXISTS: SQLite has no such
index."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ratings", "0005_level_neutral_label"),
    ]

    operations = [
        migrations.RunSQL(
            'DROP INDEX IF EXISTS "ratings_desktransaction_code_c92cf36f_like"', migrations.RunSQL.noop
        ),
    ]
