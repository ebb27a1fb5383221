"""Online filing on a platform serving two cities: two departments of the same name are told apart by their
province, and a name that matches both is refused instead of filing at the first one."""

from __future__ import annotations

import pytest

from citydesk.core.models import Organisation, OrgKind
from citydesk.dossiers import selectors
from citydesk.dossiers.models import Dossier
from tests.conftest import make_unit

pytestmark = pytest.mark.django_db

HCMC_LABEL = "Sở Xây dựng – Thành phố Hồ Chí Minh"
HANOI_LABEL = "Sở Xây dựng – Thành phố Hà Nội"


@pytest.fixture
def hanoi(personas) -> Organisation:
    province = make_unit("01", "Thành phố Hà Nội")
    city = Organisation.objects.create(
        code="01", name="UBND Thành phố Hà Nội", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=province
    )
    return Organisation.objects.create(
        code="01.SXD", name="Sở Xây dựng", kind=OrgKind.DEPARTMENT, parent=city
    )


def test_units_of_the_same_name_carry_their_province(catalog, hanoi):
    labels = {u.code: u.choice_label for u in selectors.online_units(catalog.land)}
    assert labels["79.SXD"] == HCMC_LABEL and labels["01.SXD"] == HANOI_LABEL
    assert labels["26743"] == "UBND Phường Bến Thành"  # a name nobody else has stays as it is


def test_a_single_city_shows_plain_names(catalog):
    labels = {u.code: u.choice_label for u in selectors.online_units(catalog.land)}
    assert labels["79.SXD"] == "Sở Xây dựng"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Sở Xây dựng", ""),  # both cities' department: ambiguous
        ("so xay dung", ""),
        (HCMC_LABEL, "79.SXD"),
        (HANOI_LABEL, "01.SXD"),
        ("xay dung ho chi minh", "79.SXD"),
        ("01.SXD", "01.SXD"),
        ("phuong ben thanh", "26743"),
    ],
)
def test_what_the_citizen_typed_names_one_unit_or_none(catalog, hanoi, typed, code):
    assert selectors.resolve_unit(typed, selectors.online_units(catalog.land)) == code


def test_the_form_lists_the_labels_and_refuses_an_ambiguous_name(client, catalog, hanoi):
    page = client.get("/ho-so/nop/DD-01/").content.decode()
    assert f'<option value="{HCMC_LABEL}"' in page and f'<option value="{HANOI_LABEL}"' in page
    response = client.post(
        "/ho-so/nop/DD-01/",
        {
            "unit": "Sở Xây dựng",
            "applicant_name": "Ngô Thị Mai",
            "applicant_phone": "0903000111",
            "consent": "on",
        },
    )
    assert response.status_code == 400
    assert 'data-field="unit"' in response.content.decode()
    assert not Dossier.objects.exists()
