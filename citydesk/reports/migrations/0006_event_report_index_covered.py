# The index Django makes for the report foreign key of an event duplicates the first column of
# `reportevent_report` (report, at), which serves every look-up by report: one index fewer to write for
# each event (two per intake, one per seeded report). Dropped by name rather than by AlterField, which on
# SQLite would copy the whole table.

import django.db.models.deletion
from django.db import migrations, models

INDEX = "reports_reportevent_report_id_5031d186"


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_report_open_due_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "reports_reportevent" ("report_id")',
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="reportevent",
                    name="report",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="reports.report",
                    ),
                ),
            ],
        )
    ]
