"""The desk offers only procedures it could receive: none needing a department its city does not have."""

from __future__ import annotations

import pytest

from citydesk.dossiers import selectors
from citydesk.dossiers.models import Authority, Performer
from tests.dossiers.conftest import make_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def offers(personas, catalog):
    make_procedure(
        "CT-SCT",
        "Cấp giấy phép bán lẻ rượu",
        authority=Authority.DEPARTMENT,
        department_code="SCT",  # the city has no Sở Công Thương
        steps=[("Tiếp nhận và giải quyết", Performer.RECEIVING_UNIT, "", "officer", 100)],
    )
    make_procedure(
        "XD-SCT",
        "Thủ tục có bước của Sở Công Thương",
        steps=[
            ("Tiếp nhận", Performer.RECEIVING_UNIT, "", "officer", 20),
            ("Thẩm định", Performer.DEPARTMENT, "SCT", "officer", 80),
        ],
    )
    return catalog


def test_a_commune_is_not_offered_what_needs_a_missing_department(client, personas, offers):
    codes = {p.code for p in selectors.receivable_procedures(personas.ward)}
    assert {"HT-01", "CT-01", "DD-01"} <= codes  # DD-01 is the city's own Sở Xây dựng's
    assert not codes & {"CT-SCT", "XD-SCT"}
    client.force_login(personas.officer)
    page = client.get("/mot-cua/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "DD-01" in html and "CT-SCT" not in html and "XD-SCT" not in html
    # Asked for by its code, it is said not to be receivable here (404), not offered.
    assert client.get("/mot-cua/?procedure=CT-SCT").status_code == 404


def test_the_department_with_the_unit_is_offered_again(personas, offers):
    from citydesk.core.models import Organisation, OrgKind

    Organisation.objects.create(
        code="79.SCT", name="Sở Công Thương", kind=OrgKind.DEPARTMENT, parent=personas.city
    )
    codes = {p.code for p in selectors.receivable_procedures(personas.ward)}
    assert {"CT-SCT", "XD-SCT"} <= codes
