"""Administrative units from the real packages, boundaries import, point lookup, legacy addresses."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from citydesk.core.audit import Actor
from citydesk.core.boundaries import boundaries_import
from citydesk.core.errors import DomainError, NotFound
from citydesk.core.models import AdminUnit, AuditEntry, BoundaryKind, LegacyUnit
from citydesk.core.units import (
    convert_legacy_address,
    invalidate_locator,
    legacy_successors,
    load_units,
    locate_point,
    ward_from_address,
)


@pytest.fixture(scope="module")
def units_loaded(django_db_setup, django_db_blocker):
    """The whole country once per module (about 5 s), removed afterwards."""
    with django_db_blocker.unblock():
        load_units()
    yield
    with django_db_blocker.unblock():
        from citydesk.core.models import LegacyMapping

        LegacyMapping.objects.all().delete()
        LegacyUnit.objects.all().delete()
        AdminUnit.objects.filter(level="ward").delete()
        AdminUnit.objects.all().delete()
    # The process-wide locator was built over the whole country (and boundaries imported here); it is
    # rechecked only every CITYDESK_UNITS_RECHECK_SECONDS: later tests' points would find these wards.
    invalidate_locator()


pytestmark = pytest.mark.django_db


def test_whole_country_current_structure(units_loaded):
    assert AdminUnit.objects.filter(level="province").count() == 34
    assert AdminUnit.objects.filter(level="ward").count() == 3321
    assert AdminUnit.objects.filter(province_id="79").count() == 168
    assert AdminUnit.objects.get(code="79").name == "Thành phố Hồ Chí Minh"
    assert AdminUnit.objects.get(code="26743").name == "Phường Bến Thành"
    assert AdminUnit.objects.get(code="01").name == "Thành phố Hà Nội"
    # Every ward has a centre from the offline dataset and an approximate cell until official ones come.
    assert not AdminUnit.objects.filter(level="ward", centre_lon__isnull=True).exists()
    assert AdminUnit.objects.filter(boundary_kind=BoundaryKind.APPROXIMATE).count() == 3321


def test_legacy_units_and_mapping(units_loaded):
    assert LegacyUnit.objects.filter(level="province").count() == 63
    ben_nghe = LegacyUnit.objects.get(level="ward", code="26740")
    assert ben_nghe.name == "Phường Bến Nghé"
    assert [u.name for u in ben_nghe.successors.all()] == ["Phường Sài Gòn"]
    binh_duong = LegacyUnit.objects.get(level="province", code="74")
    assert [u.code for u in binh_duong.successors.all()] == ["79"]


def test_load_units_is_idempotent(units_loaded):
    before = AdminUnit.objects.count(), LegacyUnit.objects.count()
    load_units(legacy=False, approximate=False)
    assert (AdminUnit.objects.count(), LegacyUnit.objects.count()) == before


def test_convert_legacy_address(units_loaded):
    result = convert_legacy_address("12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh")
    assert [u.name for u in result.units] == ["Phường Sài Gòn"]
    assert result.street == "12 Lê Lợi"
    # Without accents and with the usual abbreviations.
    result = convert_legacy_address("5 Ly Tu Trong, P. Ben Thanh, Q.1, Thanh pho Ho Chi Minh")
    assert [u.code for u in result.units] == ["26743"]
    with pytest.raises(NotFound, match="quận/huyện cũ"):
        convert_legacy_address("Phường Bến Nghé, Quận 99, TP. Hồ Chí Minh")
    with pytest.raises(DomainError) as err:
        convert_legacy_address("chỉ một phần")
    assert err.value.field == "address"


def test_locate_by_nearest_centre_without_polygons(units_loaded):
    located = locate_point(106.6945, 10.7715)  # by Bến Thành market
    assert located.unit.code == "26743"
    assert located.method == "nearest_centre"
    located = locate_point(105.8342, 21.0340)  # Ba Đình square
    assert located.unit.province_id == "01"


def _square(code, lon, lat, size=0.01):
    return {
        "type": "Feature",
        "properties": {"code": code},
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [
                    [lon - size, lat - size],
                    [lon + size, lat - size],
                    [lon + size, lat + size],
                    [lon - size, lat + size],
                    [lon - size, lat - size],
                ]
            ],
        },
    }


def test_import_boundaries_then_locate_by_polygon(units_loaded):
    # An (artificially large) official polygon for Sài Gòn ward covering Bến Thành's centre.
    collection = {"type": "FeatureCollection", "features": [_square(26740, 106.6945, 10.7715, 0.02)]}
    count = boundaries_import(actor=Actor.system("test"), geojson=collection)
    assert count == 1
    unit = AdminUnit.objects.get(code="26740")
    assert unit.boundary_kind == BoundaryKind.OFFICIAL
    located = locate_point(106.6945, 10.7715)
    assert (located.unit.code, located.method) == ("26740", "polygon")
    # Outside the polygon: nearest centre among units without an official polygon.
    located = locate_point(106.70, 10.80)
    assert located.method == "nearest_centre"
    assert located.unit.code != "26740"
    assert AuditEntry.objects.filter(action="boundaries.import").exists()


def test_import_boundaries_bad_input_loads_nothing(units_loaded):
    good = _square("26743", 106.69, 10.77)
    unknown = _square("99999", 106.69, 10.77)
    bowtie = _square("26746", 106.69, 10.77)
    bowtie["geometry"]["coordinates"] = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]
    point = {
        "type": "Feature",
        "properties": {"code": "26749"},
        "geometry": {"type": "Point", "coordinates": [1, 2]},
    }
    collection = {"type": "FeatureCollection", "features": [good, unknown, bowtie, point]}
    with pytest.raises(DomainError) as err:
        boundaries_import(actor=Actor.system("test"), geojson=collection)
    message = str(err.value)
    assert "99999" in message
    assert "feature 2" in message.lower() or "#2" in message or "[2]" in message
    assert AdminUnit.objects.get(code="26743").boundary_kind == BoundaryKind.APPROXIMATE


def test_import_boundaries_command(units_loaded, tmp_path, capsys):
    path = tmp_path / "wards.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [_square("26743", 106.69, 10.77)]}))
    call_command("import-boundaries", str(path))
    assert "Đã nhập 1 ranh giới" in capsys.readouterr().out
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    with pytest.raises(CommandError) as err:
        call_command("import-boundaries", str(bad))
    assert err.value.returncode == 2
    with pytest.raises(CommandError, match="không tìm thấy tệp"):
        call_command("import-boundaries", str(tmp_path / "missing.geojson"))
    unknown = tmp_path / "unknown.geojson"
    unknown.write_text(json.dumps({"type": "FeatureCollection", "features": [_square("12345", 1, 1)]}))
    with pytest.raises(CommandError, match="12345"):
        call_command("import-boundaries", str(unknown))


def test_the_ward_an_address_names_today_or_before_2025(units_loaded):
    def code(address: str, province: str | None = None) -> str | None:
        unit = ward_from_address(address, province)
        return unit.code if unit else None

    assert code("86 Lê Lợi, Phường Bến Thành, Thành phố Hồ Chí Minh") == "26743"
    assert code("86 Le Loi, phuong ben thanh", "79") == "26743"  # without accents
    assert code("7 Tôn Đức Thắng, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh") == "26740"  # now Sài Gòn
    assert code("7 Tôn Đức Thắng, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh", "01") is None  # not in Hà Nội
    # No division word, an unknown or a split old ward, a bare street: nothing for sure.
    assert code("Bến Thành, Hồ Chí Minh") is None
    assert code("12 Lê Lợi") is None and code("") is None
    assert code("1 Nguyễn Trãi, Phường 99, Quận 5, TP. Hồ Chí Minh") is None
    split = next((old for old in LegacyUnit.objects.filter(level="ward") if old.mappings.count() > 1), None)
    assert split is not None
    district, province = split.parent, split.parent.parent
    assert code(f"1 Đường A, {split.name}, {district.name}, {province.name}") is None


def test_old_ward_names_lead_to_their_successors(units_loaded):
    found = legacy_successors("Bến Nghé", "79")
    assert [(old.name, [u.name for u in units]) for old, units in found] == [
        ("Phường Bến Nghé", ["Phường Sài Gòn"])
    ]
    assert legacy_successors("ben nghe", "01") == [] and legacy_successors("") == []
