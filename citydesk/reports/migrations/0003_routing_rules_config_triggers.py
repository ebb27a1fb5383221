"""Routing rules are configuration: their changes bump the configuration generation (core 0005)."""

from django.db import migrations

from citydesk.core import configcache

TABLES = ("reports_routingrule",)


def install(apps, schema_editor):
    for sql in configcache.watch_statements(schema_editor.connection.vendor, TABLES):
        schema_editor.execute(sql)


def uninstall(apps, schema_editor):
    for sql in configcache.watch_statements(schema_editor.connection.vendor, TABLES, up=False):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_config_generation"),
        ("reports", "0002_attachments_and_open311_clients"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
