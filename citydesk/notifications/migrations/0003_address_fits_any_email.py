# Outbox addresses as long as an e-mail address may be (254, RFC 5321), as reports and users store them:
# a report's 250-character e-mail failed its acknowledgement on PostgreSQL. SQLite does not enforce
# varchar lengths, so only PostgreSQL's column changes (widening a varchar rewrites nothing there); an
# AlterField would copy the whole table on SQLite.

from django.db import migrations, models


def widen(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE "notifications_notification" ALTER COLUMN "address" TYPE varchar(254)')


def narrow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE "notifications_notification" ALTER COLUMN "address" TYPE varchar(200)')


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0002_fk_indexes_covered'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(widen, narrow)],
            state_operations=[
                migrations.AlterField(
                    model_name='notification',
                    name='address',
                    field=models.CharField(blank=True, help_text='E-mail or phone number', max_length=254, verbose_name='address'),
                ),
            ],
        )
    ]
