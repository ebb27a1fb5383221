"""The queue's search text: the applicant's name and phone, lower case and without accents, so that
"nguyen van a" and "NGUYỄN VĂN A" both find "Nguyễn Văn A" on SQLite too (its LIKE folds ASCII letters
only, and PostgreSQL's keeps the accents)."""

import unicodedata

from django.db import migrations

import citydesk.core.fields

BATCH = 2000


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return " ".join("".join(c for c in decomposed if unicodedata.category(c) != "Mn").split())


def fill(apps, schema_editor):  # noqa: ANN001, ANN201
    dossier_model = apps.get_model("dossiers", "Dossier")
    rows = dossier_model.objects.filter(search_text__isnull=True).only("id", "applicant_name", "applicant_phone")
    batch = []
    for dossier in rows.order_by("id").iterator(chunk_size=BATCH):
        dossier.search_text = _key(f"{dossier.applicant_name} {dossier.applicant_phone}")
        batch.append(dossier)
        if len(batch) == BATCH:
            dossier_model.objects.bulk_update(batch, ["search_text"])
            batch = []
    dossier_model.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0013_processing_time_limit"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="search_text",
            field=citydesk.core.fields.SearchTextField(
                sources=("applicant_name", "applicant_phone"), verbose_name="search text"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
