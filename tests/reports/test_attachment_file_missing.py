"""QA-OPS11 defect 3: an attachment whose stored file is missing (a restore without the uploaded files, a
new disk) answers 404 naming the attachment, not a server error. Failed on the old code (HTTP 500)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from citydesk.reports.models import Attachment

from .conftest import submit_report

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("variant", ["public", "original"])
def test_a_missing_stored_file_is_a_404(categories, personas, settings, tmp_path, variant):
    settings.MEDIA_ROOT = tmp_path / "media"
    report = submit_report()
    attachment = Attachment(report=report, original_name="p.jpg", content_type="image/jpeg", size=3)
    attachment.file.save("p.jpg", ContentFile(b"abc"), save=False)
    attachment.public_file.save("p-public.jpg", ContentFile(b"abc"), save=True)
    client = Client(raise_request_exception=False)
    client.force_login(personas.officer)
    url = f"/api/v1/reports/{report.code}/attachments/{attachment.pk}/{variant}"
    assert client.get(url).status_code == 200

    settings.MEDIA_ROOT = tmp_path / "new-disk"  # the files were not restored
    response = client.get(url)
    assert response.status_code == 404
    assert "attachment_id" in response.content.decode()
