"""Dossiers filed online for a level-4 procedure were stored with their result "at the desk" while their
receipt told the applicant the result comes online: the receipt, the messages and the lookup page now all
follow the stored `result_method`, so the ones whose result is not handed over yet are set to "online"
(what their receipt promised). A result already handed over keeps the method it was handed over by.
Backwards: nothing to undo (the old code read these as "online" on the receipt anyway).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def level4_online_results_online(apps: Any, schema_editor: Any) -> None:
    Dossier = apps.get_model("dossiers", "Dossier")
    Dossier.objects.filter(
        channel="online",
        procedure__service_level__gte=4,
        returned_at__isnull=True,
        result_method="desk",
    ).update(result_method="online")


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0008_system_notes_as_keys")]

    operations = [migrations.RunPython(level4_online_results_online, migrations.RunPython.noop)]
