"""A process step may be the one-stop desk's (performer "desk"): handing the result back stays at the
commune that received a department's procedure (inter-level one-stop), where it used to follow the
department's other steps. Existing processes: a last step named "Trả kết quả…" that the receiving unit
performed becomes the desk's; for a dossier received at the competent unit itself nothing changes."""

import unicodedata

from django.db import migrations, models


def _key(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold().strip()


def mark_return_steps(apps, schema_editor):  # noqa: ANN001, ANN201
    step_model = apps.get_model("dossiers", "ProcedureStep")
    last: dict[int, object] = {}
    for step in step_model.objects.order_by("procedure_id", "position"):
        last[step.procedure_id] = step
    marked = [
        step.pk
        for step in last.values()
        if step.performer == "receiving" and _key(step.name).startswith("tra ket qua")
    ]
    step_model.objects.filter(pk__in=marked).update(performer="desk")


def unmark_return_steps(apps, schema_editor):  # noqa: ANN001, ANN201
    apps.get_model("dossiers", "ProcedureStep").objects.filter(performer="desk").update(performer="receiving")


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0011_partial_person_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="procedurestep",
            name="performer",
            field=models.CharField(
                choices=[
                    ("receiving", "The receiving unit"),
                    ("desk", "The one-stop desk that received the dossier"),
                    ("department", "A city department"),
                    ("city", "The City People's Committee"),
                ],
                default="receiving",
                max_length=12,
                verbose_name="performed by",
            ),
        ),
        migrations.RunPython(mark_return_steps, unmark_return_steps),
    ]
