"""PostgreSQL's second index on the dossier code (`varchar_pattern_ops`, for LIKE 'prefix%'): codes are
only ever matched whole, and every intake wrote it. IF EXISTS: SQLite has no such index."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0014_dossier_search_text"),
    ]

    operations = [
        migrations.RunSQL(
            'DROP INDEX IF EXISTS "dossiers_dossier_code_6d68c351_like"', migrations.RunSQL.noop
        ),
    ]
