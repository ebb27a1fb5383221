"""Migration 0010: transfer reasons published by the old code ("A → B: reason") leave the public history."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from citydesk.reports.models import ReportEvent
from tests.reports.conftest import categories, submit_report  # noqa: F401 — the fixture

pytestmark = pytest.mark.django_db
migration = importlib.import_module("citydesk.reports.migrations.0010_transfer_reasons_internal")


def test_old_public_transfer_reasons_become_internal(client, personas, categories):  # noqa: F811
    report = submit_report()

    def event(kind: str, note: str) -> ReportEvent:
        return ReportEvent.objects.create(
            report=report, kind=kind, note=note, public=True, actor_label="Trần Văn Minh"
        )

    old = event(
        "transfer", "UBND Phường Bến Thành → Sở Xây dựng: công trình của Sở, người dân không cần biết"
    )
    new = event("transfer", "Đã chuyển đến Sở Xây dựng.")
    status = event("status", "Đã xử lý xong → bàn giao: xem biên bản")
    assert "người dân không cần biết" in client.get(f"/tra-cuu/{report.code}/").content.decode()

    migration.hide_old_transfer_reasons(apps, None)

    public = dict(ReportEvent.objects.filter(pk__in=[old.pk, new.pk, status.pk]).values_list("pk", "public"))
    assert public == {old.pk: False, new.pk: True, status.pk: True}
    page = client.get(f"/tra-cuu/{report.code}/").content.decode()
    assert "người dân không cần biết" not in page and "Đã chuyển đến Sở Xây dựng." in page
