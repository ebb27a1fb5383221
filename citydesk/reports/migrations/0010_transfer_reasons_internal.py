"""Transfer reasons written before they became internal ("A → B: reason", public) are hidden from the
public history. A transfer now writes its reason as an internal event and publishes only where the report
went ("Đã chuyển đến …", no arrow), so the pattern below matches only events of the old kind."""

from django.db import migrations


def hide_old_transfer_reasons(apps, schema_editor):
    ReportEvent = apps.get_model("reports", "ReportEvent")
    ReportEvent.objects.filter(
        kind="transfer", public=True, note__contains=" → ", note__regex=r" → .*: "
    ).update(public=False)


class Migration(migrations.Migration):
    dependencies = [("reports", "0009_field_verbose_names")]

    operations = [migrations.RunPython(hide_old_transfer_reasons, migrations.RunPython.noop, elidable=True)]
