"""A report given by its address only goes to the commune-level unit the address names, today's or one
from before July 2025, instead of waiting for the province's triage."""

from __future__ import annotations

import pytest

from citydesk.core.models import LegacyMapping, LegacyUnit
from citydesk.lib.text import search_key

from .conftest import submit_report

pytestmark = pytest.mark.django_db

OLD_ADDRESS = "7 Tôn Đức Thắng, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh"


@pytest.fixture
def ben_nghe(personas):
    """Phường Bến Nghé of Quận 1 went whole into today's Phường Sài Gòn (the official table)."""

    def legacy(level: str, code: str, name: str, parent: LegacyUnit | None = None) -> LegacyUnit:
        return LegacyUnit.objects.create(
            level=level, code=code, name=name, search_name=search_key(name), parent=parent
        )

    province = legacy("province", "79", "Thành phố Hồ Chí Minh")
    district = legacy("district", "760", "Quận 1", province)
    old = legacy("ward", "26740", "Phường Bến Nghé", district)
    LegacyMapping.objects.create(legacy=old, unit=personas.other_ward.admin_unit)
    return old


def test_an_old_address_goes_to_the_ward_it_is_in_today(personas, categories, ben_nghe):
    report = submit_report(lon=None, lat=None, address=OLD_ADDRESS)
    assert report.ward.code == "26740" and report.unit == personas.other_ward
    assert report.province_code == "79" and report.address == OLD_ADDRESS  # kept as the citizen wrote it


def test_todays_ward_named_in_the_address(personas, categories):
    report = submit_report(lon=None, lat=None, address="86 Lê Lợi, Phường Bến Thành, TP. Hồ Chí Minh")
    assert report.ward.code == "26743" and report.unit == personas.ward


def test_an_address_naming_no_ward_for_sure_is_triaged_by_the_city(personas, categories, ben_nghe):
    for address in ("12 Lê Lợi", "Chợ Bến Thành", "5 Hàm Nghi, Phường Bến Nghé, Quận 3, TP. Hồ Chí Minh"):
        report = submit_report(lon=None, lat=None, address=address, province_code="79")
        assert report.ward is None and report.unit == personas.city, address


def test_a_point_or_a_ward_code_wins_over_the_address(personas, categories, ben_nghe):
    report = submit_report(address=OLD_ADDRESS)  # the point is in Bến Thành
    assert report.ward.code == "26743"
    report = submit_report(lon=None, lat=None, address=OLD_ADDRESS, ward_code="26743")
    assert report.ward.code == "26743"


def test_the_hotlines_ward_field_takes_an_old_name(personas, ben_nghe):
    from citydesk.core.errors import DomainError
    from citydesk.reports.forms import resolve_ward

    assert resolve_ward("Bến Nghé", "79") == "26740"
    assert resolve_ward("phuong ben nghe", "79") == "26740"
    # Split between two of today's wards: the operator is told where it went, and chooses.
    old = LegacyUnit.objects.create(
        level="ward",
        code="26999",
        name="Phường Cũ Chia",
        search_name=search_key("Phường Cũ Chia"),
        parent=ben_nghe.parent,
    )
    LegacyMapping.objects.create(legacy=old, unit=personas.ward.admin_unit, partial=True)
    LegacyMapping.objects.create(legacy=old, unit=personas.other_ward.admin_unit, partial=True)
    with pytest.raises(DomainError) as refused:
        resolve_ward("Cũ Chia", "79")
    assert refused.value.field == "ward"
    assert (
        "Phường Cũ Chia (Quận 1)" in refused.value.message
        and "Phường Bến Thành (26743)" in refused.value.message
    )
    with pytest.raises(DomainError, match="Không có phường/xã"):
        resolve_ward("Không Tồn Tại", "79")


def test_a_transfer_takes_the_units_name_as_well_as_its_code(personas, categories):
    from citydesk.core.errors import DomainError
    from citydesk.reports.services import report_transition

    report = submit_report()
    moved = report_transition(
        user=personas.head,
        code=report.code,
        action="transfer",
        target_unit="so xay dung",
        note="Thuộc ngành xây dựng",
    )
    assert moved.unit == personas.department
    other = submit_report()
    moved = report_transition(
        user=personas.head,
        code=other.code,
        action="transfer",
        target_unit="Sở Xây dựng (79.SXD)",
        note="Thuộc ngành",
    )
    assert moved.unit == personas.department
    third = submit_report()
    with pytest.raises(DomainError) as refused:
        report_transition(
            user=personas.head, code=third.code, action="transfer", target_unit="Sở Không Có", note="x"
        )
    assert refused.value.field == "target_unit" and "Sở Không Có" in refused.value.message


def test_an_old_ward_and_district_without_the_province_go_to_the_ward_of_the_chosen_province(
    personas, categories, ben_nghe
):
    report = submit_report(
        lon=None, lat=None, address="7 Tôn Đức Thắng, Phường Bến Nghé, Quận 1", province_code="79"
    )
    assert report.ward.code == "26740" and report.unit == personas.other_ward
    # A Bến Nghé of another district (none in the table): the city triages it.
    report = submit_report(
        lon=None, lat=None, address="5 Hàm Nghi, Phường Bến Nghé, Quận 3", province_code="79"
    )
    assert report.ward is None and report.unit == personas.city


def test_an_old_ward_split_between_units_is_triaged_by_the_city(personas, categories, ben_nghe):
    LegacyMapping.objects.filter(legacy=ben_nghe).update(partial=True)
    LegacyMapping.objects.create(legacy=ben_nghe, unit=personas.ward.admin_unit, partial=True)
    report = submit_report(lon=None, lat=None, address="Phường Bến Nghé, Quận 1", province_code="79")
    assert report.ward is None and report.unit == personas.city
