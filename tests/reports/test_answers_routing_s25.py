"""Review s25: a category's answers are checked the same way on every channel (range, length refused not
cut, no objects or lists), and an address-only report from another city is placed in its province (and
commune, when only one fits) instead of going to this city's People's Committee."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import translation

from citydesk.core.audit import Actor
from citydesk.core.errors import DomainError
from citydesk.core.models import LegacyMapping, LegacyUnit, Organisation, OrgKind, ServiceCategory
from citydesk.lib.text import search_key
from citydesk.reports.models import Report
from citydesk.reports.open311 import open311_client_create
from citydesk.reports.places import address_province, address_ward
from citydesk.reports.services import report_submit
from citydesk.reports.services.common import _check_answers, point_problems
from tests.conftest import make_unit

from .conftest import BEN_THANH, submit_report

pytestmark = pytest.mark.django_db


# --- 2. Answers: one set of checks for every channel -------------------------------------------------


@pytest.fixture
def asking(categories):
    """road_damage asks a number (depth_cm); this one a free text too."""
    return ServiceCategory.objects.create(
        code="trees",
        domain="report",
        name="Cây xanh",
        name_en="Trees",
        handled_by="ward",
        working_days=3,
        questions=[
            {"code": "species", "label": "Loại cây", "label_en": "Species", "type": "text"},
            {"code": "height_m", "label": "Chiều cao (m)", "label_en": "Height (m)", "type": "number"},
        ],
    )


def rest(body: dict) -> tuple[int, dict]:
    data = {
        "category": "trees",
        "description": "Cây nghiêng sắp đổ",
        "lon": BEN_THANH[0],
        "lat": BEN_THANH[1],
        **body,
    }
    response = Client().post("/api/v1/reports", json.dumps(data), content_type="application/json")
    return response.status_code, response.json()


@pytest.mark.parametrize(
    "answers",
    [
        {"height_m": "-5"},
        {"height_m": -5},
        {"height_m": 1e300},
        {"height_m": "1000001"},
        {"species": "x" * 3000},
        {"species": {"a": [1, 2]}},
        {"species": ["me", "sao"]},
        {"height_m": [1]},
    ],
)
def test_the_rest_api_refuses_what_open311_refuses(asking, answers):
    status, body = rest({"answers": answers})
    [code] = answers
    assert status == 400 and body["field"] == f"answers.{code}", body
    assert not Report.objects.exists()


def test_the_rest_api_stores_answers_in_range_whole(asking):
    status, body = rest({"answers": {"height_m": "1.000.000", "species": "x" * 500}})
    assert status in (200, 201), body
    assert Report.objects.get().answers == {"height_m": 1_000_000.0, "species": "x" * 500}


@pytest.mark.parametrize("channel", ["web", "app", "open311", "hotline", "email"])
def test_every_channel_refuses_the_same_way(asking, personas, channel):
    extra = {"entered_by": personas.operator} if channel == "hotline" else {}
    for answers, said in (
        ({"height_m": "-0,5"}, "0"),
        ({"species": "x" * 501}, "500"),
        ({"species": {"a": [1, 2]}}, ""),
    ):
        with pytest.raises(DomainError) as refused:
            submit_report(category="trees", channel=channel, answers=answers, **extra)
        [code] = answers
        assert refused.value.field == f"answers.{code}" and said in refused.value.message
    assert not Report.objects.exists()


def test_a_long_text_is_refused_never_cut(asking):
    with pytest.raises(DomainError) as refused:
        _check_answers(asking, {"species": "ổ" * 501})
    assert refused.value.message == "Quá dài (tối đa 500 ký tự)."
    assert _check_answers(asking, {"species": "ổ" * 500}) == {"species": "ổ" * 500}


def test_the_answers_must_be_an_object(asking):
    with pytest.raises(DomainError) as refused:
        _check_answers(asking, ["species"])  # type: ignore[arg-type]
    assert refused.value.field == "answers"


def test_the_question_is_named_in_the_readers_language(asking):
    with translation.override("en"), pytest.raises(DomainError) as refused:
        _check_answers(asking, {"height_m": "-1"})
    assert refused.value.message == "“Height (m)” must be a number from 0 to 1,000,000."


def test_open311_keeps_its_own_names_for_the_answers(asking, personas):
    key = open311_client_create(actor=Actor.system("test"), name="Ứng dụng thử")[1]
    body = {
        "api_key": key,
        "service_code": "trees",
        "description": "Cây nghiêng",
        "lat": BEN_THANH[1],
        "long": BEN_THANH[0],
        "attribute[species]": "x" * 501,
    }
    response = Client().post(
        "/open311/v2/requests.json", urlencode(body), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.json()[0]["description"] == "attribute[species]: Quá dài (tối đa 500 ký tự)."


# --- 4e. The point's faults, one per coordinate -------------------------------------------------------


def test_point_problems_name_each_coordinate():
    assert [p.field for p in point_problems(2.35, 48.85)] == ["lat", "lon"]
    assert [p.field for p in point_problems(10.77, 106.69)] == ["lat", "lon"]
    assert [p.field for p in point_problems(106.69, 48.85)] == ["lat"]
    assert [p.field for p in point_problems(2.35, 10.77)] == ["lon"]
    assert point_problems(106.69, 10.77) == [] and point_problems(None, None) == []
    assert [p.field for p in point_problems(106.69, None)] == ["lat"]


# --- 3. An address of another city -------------------------------------------------------------------


def legacy(level: str, code: str, name: str, parent: LegacyUnit | None = None) -> LegacyUnit:
    return LegacyUnit.objects.create(
        level=level, code=code, name=name, search_name=search_key(name), parent=parent
    )


@pytest.fixture
def hanoi(personas):
    """Hà Nội as the official lists have it: today's Phường Hoàn Kiếm (00070) and Phường Cửa Nam (00082);
    before July 2025 Quận Hoàn Kiếm, whose Phường Hàng Bạc went whole into Hoàn Kiếm and whose Phường Hàng
    Trống was split between the two. And HCMC's old Quận 1."""
    province = make_unit("01", "Thành phố Hà Nội")
    hoan_kiem = make_unit("00070", "Phường Hoàn Kiếm", province, 105.852, 21.029)
    cua_nam = make_unit("00082", "Phường Cửa Nam", province, 105.842, 21.026)
    old_hanoi = legacy("province", "01", "Thành phố Hà Nội")
    LegacyMapping.objects.create(legacy=old_hanoi, unit=province)
    district = legacy("district", "002", "Quận Hoàn Kiếm", old_hanoi)
    hang_bac = legacy("ward", "00061", "Phường Hàng Bạc", district)
    LegacyMapping.objects.create(legacy=hang_bac, unit=hoan_kiem)
    hang_trong = legacy("ward", "00070", "Phường Hàng Trống", district)
    LegacyMapping.objects.create(legacy=hang_trong, unit=hoan_kiem, partial=True)
    LegacyMapping.objects.create(legacy=hang_trong, unit=cua_nam, partial=True)
    old_hcmc = legacy("province", "79", "Thành phố Hồ Chí Minh")
    LegacyMapping.objects.create(legacy=old_hcmc, unit=personas.city.admin_unit)
    legacy("district", "760", "Quận 1", old_hcmc)
    return {"province": province, "hoan_kiem": hoan_kiem, "cua_nam": cua_nam}


@pytest.fixture
def hanoi_served(hanoi):
    """Hà Nội's People's Committee and one of its wards' take reports on this platform too."""
    city = Organisation.objects.create(
        code="01",
        name="UBND Thành phố Hà Nội",
        kind=OrgKind.PEOPLES_COMMITTEE,
        admin_unit=hanoi["province"],
    )
    ward = Organisation.objects.create(
        code="00070",
        name="UBND Phường Hoàn Kiếm",
        kind=OrgKind.PEOPLES_COMMITTEE,
        parent=city,
        admin_unit=hanoi["hoan_kiem"],
    )
    return {"city": city, "ward": ward}


@pytest.mark.parametrize(
    ("address", "province"),
    [
        ("20 Cầu Gỗ, quận Hoàn Kiếm", "01"),
        ("20 Cầu Gỗ, Q. Hoàn Kiếm, Việt Nam", "01"),
        ("20 Cầu Gỗ, Hoàn Kiếm, Hà Nội", "01"),
        ("20 Cầu Gỗ, Phường Cửa Nam", "01"),
        ("12 Lê Lợi, Quận 1", "79"),
        ("12 Lê Lợi, TP.HCM", "79"),
        ("20 Cầu Gỗ", None),
        ("123 Xa lộ Hà Nội, Thủ Đức", None),  # a street of HCMC named after Hà Nội
    ],
)
def test_the_province_of_an_address(hanoi, address, province):
    assert address_province(address) == province


@pytest.mark.parametrize(
    ("address", "ward"),
    [
        ("20 Cầu Gỗ, Phường Hoàn Kiếm", "00070"),
        ("5 Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm", "00070"),  # went whole into Hoàn Kiếm
        ("5 Hàng Trống, Phường Hàng Trống, Quận Hoàn Kiếm", None),  # split between two
        ("20 Cầu Gỗ, quận Hoàn Kiếm", None),
        ("86 Lê Lợi, Phường Bến Thành", "26743"),
    ],
)
def test_the_ward_of_an_address(hanoi, address, ward):
    found = address_ward(address)
    assert (found.code if found else None) == ward


def test_open311_sends_a_hanoi_address_to_hanoi(categories, hanoi_served, personas):
    key = open311_client_create(actor=Actor.system("test"), name="Ứng dụng thử")[1]

    def post(address: str):
        body = {
            "api_key": key,
            "service_code": "road_damage",
            "description": "Ổ gà",
            "address_string": address,
        }
        return Client().post(
            "/open311/v2/requests.json?extensions=true",
            urlencode(body),
            content_type="application/x-www-form-urlencoded",
        )

    response = post("20 Cầu Gỗ, quận Hoàn Kiếm")
    assert response.status_code == 201, response.content
    report = Report.objects.get(code=response.json()[0]["service_request_id"])
    assert report.unit == hanoi_served["city"] and report.province_code == "01"
    response = post("5 Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm")
    report = Report.objects.get(code=response.json()[0]["service_request_id"])
    assert report.unit == hanoi_served["ward"] and report.ward_id == "00070"


def test_open311_refuses_an_address_of_a_city_nobody_here_serves(categories, hanoi, personas):
    key = open311_client_create(actor=Actor.system("test"), name="Ứng dụng thử")[1]
    body = {
        "api_key": key,
        "service_code": "road_damage",
        "description": "Ổ gà",
        "address_string": "20 Cầu Gỗ, quận Hoàn Kiếm",
    }
    response = Client().post(
        "/open311/v2/requests.json", urlencode(body), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    [error] = response.json()
    assert error["description"].startswith("address_string:") and "Hà Nội" in error["description"]
    assert not Report.objects.exists()


def test_the_city_keeps_its_own_addresses(categories, hanoi_served, personas):
    report = report_submit(
        category="road_damage",
        description="Ổ gà",
        channel="open311",
        address="86 Lê Lợi",
        province_code=address_province("86 Lê Lợi, Quận 1"),
    ).report
    assert report.unit == personas.city and report.province_code == "79"
