"""Reports resolved, closed or rejected while waiting for the citizen kept their pause mark; the queue's list
of reports paused in time (selectors._in_queue_order) would grow with them. The services now drop the mark
when a report leaves the open statuses; this clears it on the reports finished before."""

from django.db import migrations

OPEN_STATUSES = ("received", "classified", "assigned", "in_progress", "transferred", "reopened")


def forwards(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    Report.objects.filter(paused_at__isnull=False).exclude(status__in=OPEN_STATUSES).update(paused_at=None)


class Migration(migrations.Migration):
    dependencies = [("reports", "0022_queue_order_and_rule_ties")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
