"""Historical: installed the roll-up triggers. They are now installed (and rebuilt when their definition
changes) after every `migrate` by `rollup.ensure_installed`, so that a migration never runs an older or
newer copy of the roll-up definitions than the code it belongs to."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ioc", "0001_cells"),
        ("reports", "0005_report_open_due_index"),
    ]

    operations: list = []
