"""Open311 review (s25): the form body decoded strictly, the body's type, `media_url` kept out of the
public text, a reused Idempotency-Key as a 400, `attribute[code][]` and repeated parameters, English value
names, both coordinates at fault, the error list on every unknown path, canonical tokens, the key service
text, grouped numbers in messages."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from django.test import Client

from citydesk.core.audit import Actor
from citydesk.core.models import ServiceCategory
from citydesk.reports.models import Report, ReportEvent
from citydesk.reports.open311 import open311_client_create

from .test_review_open311_b import BASE, FORM, fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_key(personas):
    return open311_client_create(actor=Actor.system("test"), name="Ứng dụng thử")[1]


def post(client, key, *, headers=None, fmt="json", **overrides):
    return client.post(
        f"{BASE}/requests.{fmt}",
        urlencode(fields(key, **overrides)),
        content_type=FORM,
        headers=headers or {},
    )


def errors_of(response) -> list[str]:
    body = response.json()
    assert isinstance(body, list) and all(e["code"] == response.status_code for e in body), body
    return [e["description"] for e in body]


# --- 1. A form body is UTF-8 (or its declared charset), strictly ----------------------------------


def test_one_stray_byte_refuses_the_request_naming_its_field(client, categories, api_key):
    # Raw UTF-8 text, not percent-encoded, with one byte that is no UTF-8 in the address.
    body = (
        urlencode(fields(api_key, description=None)).encode()
        + "&description=Rác thải đầy đường".encode()
        + "&address_string=12 Lê Lợi ".encode()
        + b"\xff"
    )
    response = client.post(f"{BASE}/requests.json", body, content_type=FORM)
    assert response.status_code == 400
    [error] = errors_of(response)
    assert error.startswith("address_string:") and "UTF-8" in error
    assert not Report.objects.exists()


def test_raw_utf8_text_is_read_as_written(client, categories, api_key):
    body = urlencode(fields(api_key, description=None)).encode() + "&description=Rác thải đầy đường".encode()
    response = client.post(f"{BASE}/requests.json", body, content_type=FORM)
    assert response.status_code == 201, response.content
    assert Report.objects.get().description == "Rác thải đầy đường"


def test_latin1_without_a_charset_is_refused(client, categories, api_key):
    body = urlencode(fields(api_key, description=None)).encode() + b"&description=R\xe1c th\xe1i"
    response = client.post(f"{BASE}/requests.json", body, content_type=FORM)
    assert response.status_code == 400 and errors_of(response)[0].startswith("description:")
    assert not Report.objects.exists()


def test_a_bad_byte_in_a_name_names_the_body(client, categories, api_key):
    body = urlencode(fields(api_key)).encode() + b"&desc\xffription=x"
    response = client.post(f"{BASE}/requests.json", body, content_type=FORM)
    assert response.status_code == 400 and errors_of(response)[0].startswith("body:")


def test_an_unknown_charset_is_refused(client, categories, api_key):
    body = urlencode(fields(api_key)).encode()
    response = client.generic(
        "POST", f"{BASE}/requests.json", body, content_type=f"{FORM}; charset=klingon-8"
    )
    assert response.status_code == 400 and errors_of(response)[0].startswith("Content-Type:")
    assert "klingon-8" in errors_of(response)[0] and not Report.objects.exists()


def test_a_body_of_another_type_is_named_not_a_missing_key(client, categories, api_key):
    response = client.post(f"{BASE}/requests.json", urlencode(fields(api_key)), content_type="text/plain")
    assert response.status_code == 400
    [error] = errors_of(response)
    assert error.startswith("Content-Type:") and "text/plain" in error and "api_key" not in error
    assert not Report.objects.exists()


# --- 4a. media_url: for the officers, and the request's media_url ----------------------------------


def test_media_url_stays_out_of_the_public_description(client, categories, api_key):
    url = "https://example.vn/anh/o-ga.jpg"
    response = post(client, api_key, media_url=url, description="a" * 3990)  # fits: nothing is appended
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.description == "a" * 3990 and "media_url" not in report.public_description
    note = ReportEvent.objects.get(report=report, kind=ReportEvent.Kind.NOTE)
    assert note.public is False and url in note.note and note.actor_label == "Ứng dụng thử"
    [item] = client.get(f"{BASE}/requests/{report.code}.json").json()
    assert item["media_url"] == url and url not in item["description"]
    [listed] = client.get(f"{BASE}/requests.json").json()
    assert listed["media_url"] == url
    root = ET.fromstring(client.get(f"{BASE}/requests/{report.code}.xml").content)
    assert root.findtext("request/media_url") == url


def test_a_replay_must_carry_the_same_media_url(client, categories, api_key):
    key = {"Idempotency-Key": "m-1"}
    first = post(client, api_key, headers=key, media_url="https://example.vn/a.jpg")
    again = post(client, api_key, headers=key, media_url="https://example.vn/a.jpg")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert ReportEvent.objects.filter(kind=ReportEvent.Kind.NOTE).count() == 1
    for other in ("https://example.vn/b.jpg", None):
        response = post(client, api_key, headers=key, media_url=other)
        assert response.status_code == 400 and errors_of(response)[0].startswith("Idempotency-Key:")
    assert Report.objects.count() == 1 and ReportEvent.objects.filter(kind=ReportEvent.Kind.NOTE).count() == 1


# --- 4b. A reused Idempotency-Key is a 400 ----------------------------------------------------------


def test_a_key_reused_for_another_body_is_400(client, categories, api_key):
    key = {"Idempotency-Key": "k-1"}
    assert post(client, api_key, headers=key).status_code == 201
    response = post(client, api_key, headers=key, description="Một phản ánh khác")
    assert response.status_code == 400
    [error] = errors_of(response)
    assert error.startswith("Idempotency-Key:") and "Idempotency-Key" in error.split(":", 1)[1]
    xml = post(client, api_key, headers=key, description="Một phản ánh khác", fmt="xml")
    assert xml.status_code == 400 and b"<code>400</code>" in xml.content
    assert Report.objects.count() == 1


# --- 4c. attribute[code][] and repeated parameters ---------------------------------------------------


def test_the_list_syntax_on_a_single_value_attribute_is_refused_naming_it(client, categories, api_key):
    body = urlencode(fields(api_key)) + "&attribute%5Bdepth_cm%5D%5B%5D=5"
    response = client.post(f"{BASE}/requests.json", body, content_type=FORM)
    assert response.status_code == 400
    [error] = errors_of(response)
    assert error.startswith("attribute[depth_cm][]:") and "attribute[depth_cm]=" in error
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("&attribute%5Bdepth_cm%5D=5&attribute%5Bdepth_cm%5D=7", "attribute[depth_cm]"),
        ("&description=Khác", "description"),
        ("&attribute=5", "attribute"),
        ("&attribute%5B%5D=5", "attribute[]"),
    ],
)
def test_a_spec_parameter_is_never_dropped_silently(client, categories, api_key, extra, field):
    body = urlencode(fields(api_key)) + extra
    response = client.post(f"{BASE}/requests.json", body, content_type=FORM)
    assert response.status_code == 400 and errors_of(response)[0].startswith(f"{field}:")
    assert not Report.objects.exists()


def test_other_parameters_are_left_alone(client, categories, api_key):
    response = post(client, api_key, foo="bar", device_id="abc", jurisdiction_id="hcm.gov.vn")
    assert response.status_code == 201, response.content


def test_an_address_id_alone_is_said_not_used(client, categories, api_key):
    response = post(client, api_key, lat=None, long=None, address_id="A-12")
    assert response.status_code == 400 and errors_of(response)[0].startswith("address_id:")


# --- 4d. English value names -------------------------------------------------------------------------


@pytest.fixture
def flooding(categories):
    return ServiceCategory.objects.create(
        code="flooding",
        domain="report",
        name="Ngập nước",
        name_en="Flooding",
        handled_by="ward",
        working_days=2,
        questions=[
            {
                "code": "extent",
                "label": "Mức độ",
                "label_en": "Extent",
                "type": "choice",
                "choices": ["Ngập nhẹ", "Ngập sâu"],
                "choices_en": ["Light", "Deep"],
            }
        ],
    )


@pytest.mark.parametrize(("query", "headers"), [("?locale=en", {}), ("", {"Accept-Language": "en"})])
def test_value_names_in_english_keys_unchanged(client, flooding, query, headers):
    data = client.get(f"{BASE}/services/flooding.json{query}", headers=headers).json()
    [attribute] = data["attributes"]
    assert attribute["values"] == [{"key": "Ngập nhẹ", "name": "Light"}, {"key": "Ngập sâu", "name": "Deep"}]
    vietnamese = client.get(f"{BASE}/services/flooding.json").json()["attributes"][0]["values"]
    assert vietnamese == [{"key": "Ngập nhẹ", "name": "Ngập nhẹ"}, {"key": "Ngập sâu", "name": "Ngập sâu"}]


# --- 4e. Both coordinates at fault -------------------------------------------------------------------


def test_paris_names_both_coordinates(client, categories, api_key):
    response = post(client, api_key, lat="48.85", long="2.35")
    assert response.status_code == 400
    errors = errors_of(response)
    assert [e.split(":")[0] for e in errors] == ["lat", "long"]
    assert not Report.objects.exists()


def test_swapped_coordinates_blame_the_latitude_first(client, categories, api_key):
    response = client.post(
        f"{BASE}/requests.json?locale=en",
        urlencode(fields(api_key, lat="106.69", long="10.77")),
        content_type=FORM,
    )
    errors = errors_of(response)
    assert [e.split(":")[0] for e in errors] == ["lat", "long"]
    assert "swapped" in errors[0]


def test_two_coordinates_that_are_no_numbers_are_both_said(client, categories, api_key):
    errors = errors_of(post(client, api_key, lat="abc", long="xyz"))
    assert [e.split(":")[0] for e in errors] == ["lat", "long"]


def test_one_coordinate_at_fault_is_said_alone(client, categories, api_key):
    assert [e.split(":")[0] for e in errors_of(post(client, api_key, lat="48.85"))] == ["lat"]


# --- 4g. The error list on every path ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/open311/v2/",
        "/open311/v2/tokens.json",
        "/open311/v2/discovery.json/",
        "/open311/v2/requests/PA-26-000301.json/",
        "/open311/v2/nothing/here.json",
    ],
)
def test_unknown_paths_answer_the_error_list(path):
    response = Client().get(path)
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    [error] = response.json()
    assert error["code"] == 404 and error["description"]
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_final_slash_is_named(client):
    [error] = client.get("/open311/v2/discovery.json/").json()
    assert (
        "/open311/v2/discovery.json" in error["description"]
        and "/open311/v2/discovery.json/" not in (error["description"])
    )


def test_an_unknown_xml_path_answers_in_xml(client):
    response = client.get("/open311/v2/tokens.xml")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "errors" and root.findtext("error/code") == "404"


# --- 4h, 4i. Tokens, discovery ------------------------------------------------------------------------


def test_a_token_is_answered_in_capitals(client, categories, api_key):
    code = post(client, api_key).json()[0]["service_request_id"]
    assert client.get(f"{BASE}/tokens/{code.lower()}.json").json() == [
        {"service_request_id": code, "token": code}
    ]


def test_key_service_names_no_server_command(client, personas, settings):
    data = client.get(f"{BASE}/discovery.json?locale=en").json()
    assert "create-api-key" not in data["key_service"] and "IT department" in data["key_service"]
    settings.CITYDESK_OPEN311_CONTACT = "it@hcmc.gov.vn"
    data = client.get(f"{BASE}/discovery.json?locale=en").json()
    assert "it@hcmc.gov.vn" in data["key_service"]


# --- 5. Numbers in messages --------------------------------------------------------------------------


def test_limits_are_written_with_the_thousands_separator(client, categories, api_key):
    [error] = errors_of(post(client, api_key, description="a" * 4001))
    assert error == "description: Quá dài (tối đa 4.000 ký tự)."
    response = client.post(
        f"{BASE}/requests.json?locale=en",
        urlencode(fields(api_key, description="a" * 4001)),
        content_type=FORM,
    )
    assert errors_of(response) == ["description: Too long (at most 4,000 characters)."]


def test_the_number_datatype_states_its_range(client, categories):
    [attribute] = client.get(f"{BASE}/services/road_damage.json").json()["attributes"]
    assert "0" in attribute["datatype_description"] and "1.000.000" in attribute["datatype_description"]
    [attribute] = client.get(f"{BASE}/services/road_damage.json?locale=en").json()["attributes"]
    assert attribute["datatype_description"] == "A number from 0 to 1,000,000."


def test_a_json_body_keeps_working(client, categories, api_key):
    response = client.post(
        f"{BASE}/requests.json",
        json.dumps(fields(api_key, **{"attribute[depth_cm]": "12"})),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Report.objects.get().answers == {"depth_cm": 12.0}
