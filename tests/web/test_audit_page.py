"""The audit trail's page: who reads which rows, filters, names in the reader's language, paging."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from citydesk.core.audit import Actor, audit_record
from tests.reports.conftest import categories, submit_report  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
URL = "/nhat-ky/"


def rows(page: str) -> list[str]:
    return re.findall(r'data-testid="audit-row" data-action="([^"]+)"', page)


def test_an_inspector_reads_every_row_with_names_and_changes(personas, categories):  # noqa: F811
    report = submit_report()
    audit_record(
        actor=Actor.system("test"),
        action="service_category.change",
        object_type="service_category",
        object_id="1",
        before={"working_days": 5, "due_at": "2026-11-13T10:00:00+00:00"},
        after={"working_days": 3, "due_at": "2026-11-16T10:00:00+00:00"},
    )
    client = Client()
    client.force_login(personas.inspector)
    page = client.get(URL).content.decode()
    assert 'href="/nhat-ky/"' in page  # in the menu
    assert rows(page)[:2] == ["service_category.change", "report.submit"]
    assert "Gửi phản ánh" in page and "Lĩnh vực: sửa" in page and report.code in page
    assert "Thời hạn xử lý (ngày làm việc)</span>: 5 → 3" in page  # the field by its name, not its key
    assert "due_at</span>: 13/11/2026 17:00 → 16/11/2026 17:00" in page  # stored in UTC, read locally
    only = client.get(URL, {"object_id": report.code.lower()}).content.decode()
    assert rows(only) == ["report.submit"]
    typed = client.get(URL, {"object_type": "service_category"}).content.decode()
    assert rows(typed) == ["service_category.change"]


def test_a_ward_head_reads_only_their_wards_reports_and_others_are_refused(personas, categories):  # noqa: F811
    submit_report()  # Bến Thành: the head's ward
    audit_record(
        actor=Actor.system("test"), action="calendar.set", object_type="calendar_override", object_id="9"
    )
    client = Client()
    client.force_login(personas.head)
    assert rows(client.get(URL).content.decode()) == ["report.submit"]
    for user in (personas.officer, personas.citizen, personas.outsider, personas.operator):
        client.force_login(user)
        response = client.get(URL)
        assert response.status_code == 403 and 'href="/nhat-ky/"' not in response.content.decode()
    assert Client().get(URL)["Location"].startswith("/dang-nhap/")


def test_bad_days_are_named_and_no_rows_shown(personas):
    client = Client()
    client.force_login(personas.inspector)
    response = client.get(URL, {"start": "31/11/2026"})
    assert response.status_code == 400 and 'data-field="start"' in response.content.decode()
    assert 'data-testid="audit-table"' not in response.content.decode()
    reversed_days = client.get(URL, {"start": "10/11/2026", "end": "01/11/2026"})
    assert reversed_days.status_code == 400 and 'data-field="end"' in reversed_days.content.decode()


def test_older_rows_come_page_by_page(personas):
    for n in range(55):
        audit_record(
            actor=Actor.system("test"),
            action="calendar.set",
            object_type="calendar_override",
            object_id=str(n),
        )
    client = Client()
    client.force_login(personas.inspector)
    first = client.get(URL, {"object_type": "calendar_override"}).content.decode()
    assert len(rows(first)) == 50
    older = re.search(r'href="\?([^"]+)" data-testid="older"', first).group(1).replace("&amp;", "&")
    assert "object_type=calendar_override" in older
    second = client.get(URL + "?" + older).content.decode()
    assert len(rows(second)) == 5 and 'data-testid="older"' not in second


def test_the_rows_links_are_named_in_one_query_per_model_whatever_the_page_holds(personas):
    """Each back-office row naming its unit looked the unit up itself: a page of 50 made 50 queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from citydesk.core.models import Membership

    client = Client()
    client.force_login(personas.inspector)
    # A real membership (ids differ on PostgreSQL): the inspector reads the rows of their own city only.
    membership = Membership.objects.filter(organisation=personas.ward).values_list("pk", flat=True).first()

    def record(n: int) -> None:
        for _ in range(n):
            audit_record(
                actor=Actor.system("test"),
                action="membership.change",
                object_type="membership",
                object_id=membership,
                before={"organisation": personas.ward.pk},
                after={"organisation": personas.other_ward.pk},
            )

    record(2)
    with CaptureQueriesContext(connection) as few:
        page = client.get(URL).content.decode()
    assert personas.other_ward.name in page  # the unit by its name, not its id
    record(20)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many.captured_queries) == len(few.captured_queries)
