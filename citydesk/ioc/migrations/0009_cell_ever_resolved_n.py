# Roll-up cells count the reports resolved at least once (resolved now, or reopened since): the
# population of the "reopened at least once" share, which a reopened report (its resolved_at cleared)
# left while staying in the numerator, so the share could pass 100 %.
#
# The column is added in place: Django would remake the SQLite table without its WITHOUT ROWID clause
# (see 0008). The roll-up triggers are dropped first (they name the table); rollup.ensure_installed (after
# migrate) installs the new ones and rebuilds the cells, which fills the column, since the definitions
# changed.

from django.db import migrations, models

SQLITE_TRIGGERS = (
    "ioc_report_ins",
    "ioc_report_upd",
    "ioc_report_del",
    "ioc_rating_ins",
    "ioc_rating_upd",
    "ioc_rating_del",
)
PG_TRIGGERS = [
    "DROP TRIGGER IF EXISTS ioc_report_rollup ON reports_report",
    "DROP TRIGGER IF EXISTS ioc_report_rollup_upd ON reports_report",
    "DROP TRIGGER IF EXISTS ioc_rating_rollup ON reports_rating",
]


def _drop_triggers(cursor, vendor):
    for sql in PG_TRIGGERS if vendor == "postgresql" else [f"DROP TRIGGER IF EXISTS {n}" for n in SQLITE_TRIGGERS]:
        cursor.execute(sql)
    cursor.execute("UPDATE ioc_rollupstate SET definition = ''")


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        _drop_triggers(cursor, vendor)
        cursor.execute('ALTER TABLE ioc_cell ADD COLUMN "ever_resolved_n" integer NOT NULL DEFAULT 0')
        if vendor == "postgresql":
            cursor.execute('ALTER TABLE ioc_cell ALTER COLUMN "ever_resolved_n" DROP DEFAULT')


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        _drop_triggers(cursor, vendor)
        cursor.execute('ALTER TABLE ioc_cell DROP COLUMN "ever_resolved_n"')


class Migration(migrations.Migration):
    dependencies = [
        ("ioc", "0008_cell_key_is_primary"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward)],
            state_operations=[
                migrations.AddField(
                    model_name="cell",
                    name="ever_resolved_n",
                    field=models.IntegerField(default=0),
                ),
            ],
        )
    ]
