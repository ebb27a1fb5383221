"""Nothing is deleted in the back office without a row in the audit trail, and citizens' records are not
deleted there at all (a report's code must keep answering; it is rejected, merged or closed instead)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.test import RequestFactory

from citydesk.core.admin_audit import AuditedAdmin
from citydesk.core.models import AuditEntry
from citydesk.reports.models import Report
from tests.reports.conftest import categories, submit_report  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
ADMIN = "/quan-tri"

# Deleting these is their purpose and leaves nothing to account for: a lock-out lifted.
DELETED_WITHOUT_AUDIT = {AccessAttempt}


def test_every_back_office_delete_is_audited(personas):
    personas.admin.is_staff = personas.admin.is_superuser = True
    request = RequestFactory().get("/")
    request.user = personas.admin
    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model_admin.has_delete_permission(request)
        and not isinstance(model_admin, AuditedAdmin)
        and model not in DELETED_WITHOUT_AUDIT
    ]
    assert unaudited == []


def test_a_report_cannot_be_deleted_in_the_back_office(staff, personas, categories):  # noqa: F811
    report = submit_report()
    r = staff.post(
        f"{ADMIN}/reports/report/",
        {"action": "delete_selected", "_selected_action": [report.pk], "post": "yes"},
    )
    assert r.status_code in (200, 302)
    assert Report.objects.filter(pk=report.pk).exists()
    assert staff.get(f"{ADMIN}/reports/report/{report.pk}/delete/").status_code == 403
    assert not AuditEntry.objects.filter(action__endswith=".delete", object_id=report.code).exists()


def test_the_log_in_logs_are_kept(staff):
    for name in ("accesslog", "accessfailurelog"):
        page = staff.get(f"{ADMIN}/axes/{name}/")
        assert page.status_code == 200
        assert "delete_selected" not in page.content.decode(), name
