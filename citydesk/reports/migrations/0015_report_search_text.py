"""The queue's search text: description and address, lower case and without accents, so that "ổ gà",
"Ổ GÀ" and "o ga" all find "Ổ gà trước số 5" on SQLite too (its LIKE folds ASCII letters only)."""

import unicodedata

from django.db import migrations

import citydesk.core.fields

BATCH = 2000


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return " ".join("".join(c for c in decomposed if unicodedata.category(c) != "Mn").split())


def fill(apps, schema_editor):  # noqa: ANN001, ANN201
    report_model = apps.get_model("reports", "Report")
    rows = report_model.objects.filter(search_text__isnull=True).only("id", "description", "address")
    batch = []
    for report in rows.order_by("id").iterator(chunk_size=BATCH):
        report.search_text = _key(f"{report.description} {report.address}")
        batch.append(report)
        if len(batch) == BATCH:
            report_model.objects.bulk_update(batch, ["search_text"])
            batch = []
    report_model.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0014_partial_person_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="search_text",
            field=citydesk.core.fields.SearchTextField(
                sources=("description", "address"), verbose_name="search text"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
