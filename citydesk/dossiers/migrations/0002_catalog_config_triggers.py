"""The procedure catalog and the same-day campaigns are configuration: their changes bump the
configuration generation (core 0005), so intake can cache them per process."""

from django.db import migrations

from citydesk.core import configcache

TABLES = (
    "dossiers_procedure",
    "dossiers_proceduredocument",
    "dossiers_procedurestep",
    "dossiers_campaign",
    "dossiers_campaign_procedures",
    "dossiers_campaign_units",
)


def install(apps, schema_editor):
    for sql in configcache.watch_statements(schema_editor.connection.vendor, TABLES):
        schema_editor.execute(sql)


def uninstall(apps, schema_editor):
    for sql in configcache.watch_statements(schema_editor.connection.vendor, TABLES, up=False):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_config_generation"),
        ("dossiers", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
