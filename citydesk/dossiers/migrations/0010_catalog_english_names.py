# English names of the procedure catalog: a procedure's field, its papers and its process steps (the
# procedure's own name had one already), and the same names copied onto a dossier's steps and papers
# when it is received, as their Vietnamese names are. All optional: Vietnamese stays the official text.
#
# The columns are added with ALTER TABLE ADD COLUMN on both databases rather than by AddField, which on
# SQLite copies the table: that would drop the catalog tables' configuration triggers (0002) and copy
# every dossier step. The state is the same AddField.

from django.db import migrations, models

COLUMNS = (  # table, column, max length
    ("dossiers_procedure", "field_en", 120),
    ("dossiers_proceduredocument", "name_en", 300),
    ("dossiers_procedurestep", "name_en", 200),
    ("dossiers_dossierstep", "name_en", 200),
    ("dossiers_dossierdocument", "name_en", 300),
)


def add_columns(apps, schema_editor):
    qn = schema_editor.quote_name
    for table, column, length in COLUMNS:
        schema_editor.execute(
            f"ALTER TABLE {qn(table)} ADD COLUMN {qn(column)} varchar({length}) DEFAULT '' NOT NULL"
        )
        if schema_editor.connection.vendor != "sqlite":  # as Django leaves a column: no database default
            schema_editor.execute(f"ALTER TABLE {qn(table)} ALTER COLUMN {qn(column)} DROP DEFAULT")


def drop_columns(apps, schema_editor):
    qn = schema_editor.quote_name
    for table, column, _length in COLUMNS:
        schema_editor.execute(f"ALTER TABLE {qn(table)} DROP COLUMN {qn(column)}")


class Migration(migrations.Migration):

    dependencies = [
        ('dossiers', '0009_level4_online_results_online'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_columns, drop_columns)],
            state_operations=[
                migrations.AddField(
                    model_name='procedure',
                    name='field_en',
                    field=models.CharField(blank=True, max_length=120, verbose_name='field (English)'),
                ),
                migrations.AddField(
                    model_name='proceduredocument',
                    name='name_en',
                    field=models.CharField(blank=True, max_length=300, verbose_name='document (English)'),
                ),
                migrations.AddField(
                    model_name='procedurestep',
                    name='name_en',
                    field=models.CharField(blank=True, max_length=200, verbose_name='step (English)'),
                ),
                migrations.AddField(
                    model_name='dossierstep',
                    name='name_en',
                    field=models.CharField(blank=True, max_length=200, verbose_name='step (English)'),
                ),
                migrations.AddField(
                    model_name='dossierdocument',
                    name='name_en',
                    field=models.CharField(blank=True, max_length=300, verbose_name='document (English)'),
                ),
            ],
        ),
    ]
