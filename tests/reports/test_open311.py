"""Open311 GeoReport v2: discovery, services, creating and searching requests, errors, api keys."""

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from citydesk.core.audit import Actor
from citydesk.core.models import AuditEntry, ServiceCategory
from citydesk.reports.models import (
    Attachment,
    IdempotencyKey,
    Open311Client,
    RejectReason,
    Report,
    Status,
)
from citydesk.reports.open311 import open311_client_create
from citydesk.reports.services import report_merge, report_transition

from .conftest import BEN_THANH, submit_report

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def api_key(personas):
    return open311_client_create(actor=Actor.system("test"), name="Ứng dụng thử")[1]


def post(client, key, *, fmt="json", headers=None, **fields):
    data = {
        "api_key": key,
        "service_code": "road_damage",
        "description": "Ổ gà lớn trước chợ Bến Thành",
        "lat": BEN_THANH[1],
        "long": BEN_THANH[0],
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{BASE}/requests.{fmt}", urlencode(data), content_type=FORM, headers=headers or {})


def submit(**kwargs):
    return submit_report(**kwargs)


def errors_of(response):
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    assert body[0]["code"] == response.status_code
    return body[0]["description"]


def xml_of(response):
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml")
    return ET.fromstring(response.content)


def root_error(root):
    assert root.tag == "errors"
    return root.findtext("error/description")


# --- Discovery and services -----------------------------------------------------------------------


def test_discovery_json_and_xml(client, personas):
    response = client.get(f"{BASE}/discovery.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    data = response.json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(data)
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}

    root = xml_of(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_json_lists_report_categories_only(client, categories):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    services = {s["service_code"]: s for s in response.json()}
    assert set(services) == {"road_damage", "street_lighting"}  # the dossier field "land" is not a service
    road = services["road_damage"]
    assert road["service_name"] == "Hư hỏng mặt đường, ổ gà"
    assert road["metadata"] is True and services["street_lighting"]["metadata"] is False
    assert road["type"] == "realtime"
    assert "hu hong mat duong" in road["keywords"]
    assert road["group"] and road["description"]


@pytest.mark.parametrize(
    ("days", "said"),
    [
        (0, "xử lý trong ngày làm việc"),
        (1, "xử lý trong 1 ngày làm việc"),
        (5, "xử lý trong 5 ngày làm việc"),
    ],
)
def test_a_services_description_says_its_handling_time(client, categories, days, said):
    """A same-day category read "handled within 0 working days"."""
    from citydesk.core.models import ServiceCategory

    ServiceCategory.objects.filter(code="road_damage").update(working_days=days)
    services = {s["service_code"]: s for s in client.get(f"{BASE}/services.json").json()}
    assert said in services["road_damage"]["description"], services["road_damage"]["description"]


@pytest.mark.parametrize(
    ("query", "headers"), [("?locale=en", {}), ("", {"Accept-Language": "en"})], ids=["param", "header"]
)
def test_services_in_english(client, categories, query, headers):
    services = client.get(f"{BASE}/services.json{query}", headers=headers).json()
    assert {s["service_name"] for s in services} == {"Road damage", "Street lighting"}


def test_services_xml(client, categories):
    root = xml_of(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    items = root.findall("service")
    assert [s.findtext("service_code") for s in items] == ["road_damage", "street_lighting"]
    assert items[0].findtext("service_name") == "Hư hỏng mặt đường, ổ gà"
    assert items[0].findtext("metadata") == "true" and items[1].findtext("metadata") == "false"
    assert items[0].findtext("type") == "realtime"


def test_service_definition_json_and_xml(client, categories):
    ServiceCategory.objects.create(
        code="trees",
        domain="report",
        name="Cây xanh",
        name_en="Trees",
        handled_by="ward",
        questions=[
            {
                "code": "size",
                "label": "Kích thước",
                "type": "choice",
                "required": True,
                "choices": ["nhỏ", "lớn"],
            },
            {"code": "note", "label": "Ghi chú", "label_en": "Note", "type": "text"},
        ],
    )
    data = client.get(f"{BASE}/services/road_damage.json").json()
    assert data["service_code"] == "road_damage"
    [depth] = data["attributes"]
    assert depth == {
        "variable": True,
        "code": "depth_cm",
        "datatype": "number",
        "required": False,
        "datatype_description": depth["datatype_description"],
        "order": 1,
        "description": "Độ sâu (cm)",
    }
    english = client.get(f"{BASE}/services/road_damage.json?locale=en").json()
    assert english["attributes"][0]["description"] == "Depth (cm)"

    root = xml_of(client.get(f"{BASE}/services/trees.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "trees"
    size, note = root.findall("attributes/attribute")
    assert size.findtext("datatype") == "singlevaluelist" and size.findtext("required") == "true"
    assert [(v.findtext("key"), v.findtext("name")) for v in size.findall("values/value")] == [
        ("nhỏ", "nhỏ"),
        ("lớn", "lớn"),
    ]
    assert note.findtext("datatype") == "string" and note.findtext("order") == "2"
    assert note.find("values") is None


@pytest.mark.parametrize("code", ["nope", "land"])
def test_unknown_service_definition_is_404(client, categories, code):
    response = client.get(f"{BASE}/services/{code}.json")
    assert response.status_code == 404
    assert "service_code" in errors_of(response)
    root = xml_of(client.get(f"{BASE}/services/{code}.xml"))
    assert root.tag == "errors" and root.findtext("error/code") == "404"


def test_unknown_format_is_404_and_wrong_method_405(client, categories):
    response = client.get(f"{BASE}/services.html")
    assert response.status_code == 404 and errors_of(response)
    assert client.get(f"{BASE}/discovery.yaml").status_code == 404
    response = client.post(f"{BASE}/services.json")
    assert response.status_code == 405 and response["Allow"] == "GET"
    assert errors_of(response)


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize(
    "path",
    [
        "discovery.json",
        "services.xml",
        "services/road_damage.json",
        "requests/PA-26-000003.json",
        "tokens/x.json",
        "requests.xml",
    ],
)
def test_wrong_method_is_405_not_the_csrf_page(categories, method, path):
    csrf_client = Client(enforce_csrf_checks=True)  # as a browser or a script: no CSRF token
    response = getattr(csrf_client, method)(f"{BASE}/{path}")
    if method == "post" and path == "requests.xml":
        assert response.status_code == 403  # a create without api_key
        assert root_error(xml_of(response)).startswith("api_key:")
        return
    assert response.status_code == 405
    assert response["Allow"] == ("GET, POST" if path == "requests.xml" else "GET")
    if path.endswith(".xml"):
        assert xml_of(response).findtext("error/code") == "405"
    else:
        assert errors_of(response)


def test_a_session_cookie_grants_nothing(categories, personas):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.admin)
    response = post(browser, None)
    assert response.status_code == 403 and errors_of(response).startswith("api_key:")
    assert Report.objects.count() == 0


# --- Creating requests ----------------------------------------------------------------------------


def test_post_creates_a_report(client, categories, api_key):
    response = post(client, api_key, **{"attribute[depth_cm]": "12", "email": "dan@example.vn"})
    assert response.status_code == 201
    [item] = response.json()
    assert set(item) == {"service_request_id", "service_notice", "account_id"}
    assert item["account_id"] is None and item["service_notice"]
    report = Report.objects.get()
    assert item["service_request_id"] == report.code
    assert report.channel == "open311"
    assert report.category.code == "road_damage"
    assert report.ward_id == "26743"
    assert report.answers == {"depth_cm": 12.0}
    assert report.contact_email == "dan@example.vn"
    assert report.is_public


def test_post_xml_and_json_body(client, categories, api_key):
    root = xml_of(post(client, api_key, fmt="xml"))
    assert root.tag == "service_requests"
    code = root.findtext("request/service_request_id")
    assert Report.objects.filter(code=code).exists()
    assert root.find("request/account_id") is not None

    body = {
        "api_key": api_key,
        "service_code": "road_damage",
        "description": "Ổ gà",
        "lat": BEN_THANH[1],
        "long": BEN_THANH[0],
        "attribute": {"depth_cm": 5},
    }
    response = client.post(f"{BASE}/requests.json", json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    assert Report.objects.get(code=response.json()[0]["service_request_id"]).answers == {"depth_cm": 5.0}


def test_post_needs_no_csrf_token(categories, api_key):
    csrf_client = Client(enforce_csrf_checks=True)
    assert post(csrf_client, api_key).status_code == 201


def test_address_string_alone_is_a_place(client, categories, api_key):
    response = post(client, api_key, lat=None, long=None, address_string="12 Lê Lợi, Phường Bến Thành")
    assert response.status_code == 201
    assert Report.objects.get().address == "12 Lê Lợi, Phường Bến Thành"


@pytest.mark.parametrize("key", [None, "", "o311_deadbeef_wrong"], ids=["missing", "empty", "bad"])
def test_post_without_a_valid_api_key_is_403(client, categories, api_key, key):
    response = post(client, key)
    assert response.status_code == 403
    assert "api_key" in errors_of(response)
    assert Report.objects.count() == 0


def test_revoked_key_is_403(client, categories, api_key):
    Open311Client.objects.update(revoked_at=timezone.now())
    assert post(client, api_key).status_code == 403
    assert Report.objects.count() == 0


@pytest.mark.parametrize("code", ["nope", "land", None])
def test_unknown_service_code_is_400(client, categories, api_key, code):
    response = post(client, api_key, service_code=code)
    assert response.status_code == 400
    assert errors_of(response).startswith("service_code:")
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"lat": "abc"}, "lat"),
        ({"long": "x"}, "long"),
        ({"lat": "nan"}, "lat"),
        ({"lat": "48.85"}, "lat"),
        ({"long": "2.35"}, "long"),
        ({"lat": None}, "lat"),
        ({"long": None}, "long"),
        ({"lat": None, "long": None}, "address_string"),
        ({"description": ""}, "description"),
        ({"attribute[depth_cm]": "sâu"}, "attribute[depth_cm]"),
        ({"attribute[colour]": "đỏ"}, "attribute"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12345"}, "phone"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"first_name": "a" * 3000}, "first_name"),
        ({"first_name": "a" * 151}, "first_name"),
        ({"last_name": "a" * 151}, "last_name"),
        ({"last_name": "a" * 75, "first_name": "b" * 75}, "first_name"),  # 151 with the space
        ({"email": "a" * 250 + "@example.vn"}, "email"),
        ({"phone": "0901 234 567 0901 234 567"}, "phone"),
        ({"address_string": "a" * 301}, "address_string"),
        ({"description": "a" * 4001}, "description"),
        ({"attribute[depth_cm]": "nan"}, "attribute[depth_cm]"),
        ({"attribute[depth_cm]": "inf"}, "attribute[depth_cm]"),
        ({"attribute[depth_cm]": "1e999"}, "attribute[depth_cm]"),
    ],
)
def test_bad_input_is_400_naming_the_field(client, categories, api_key, fields, field):
    response = post(client, api_key, **fields)
    assert response.status_code == 400
    assert errors_of(response).startswith(f"{field}:")
    root = xml_of(post(client, api_key, fmt="xml", **fields))
    assert root.tag == "errors" and root.findtext("error/code") == "400"
    assert root.findtext("error/description").startswith(f"{field}:")
    assert Report.objects.count() == 0


def test_fields_at_their_limits_are_stored_whole(client, categories, api_key):
    fields = {
        "last_name": "Nguyễn",
        "first_name": "a" * (150 - len("Nguyễn ")),
        "email": "a" * 240 + "@example.vn",
        "phone": "+84 (90) 123-45-67",
        "address_string": "ấ" * 300,
        "description": "ổ" * 4000,
    }
    response = post(client, api_key, **fields)
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.contact_name == f"Nguyễn {fields['first_name']}"
    assert report.contact_email == fields["email"]
    assert report.address == fields["address_string"]
    assert report.description == fields["description"]


def test_over_long_limits_are_named_in_english(client, categories, api_key):
    response = client.post(
        f"{BASE}/requests.json?locale=en",
        urlencode({"api_key": api_key, "service_code": "road_damage", "first_name": "a" * 3000}),
        content_type=FORM,
    )
    assert errors_of(response) == "first_name: Too long (at most 150 characters)."


def test_idempotency_key_retry_returns_the_same_request(client, categories, api_key, personas):
    first = post(client, api_key, headers={"Idempotency-Key": "req-1"})
    again = post(client, api_key, headers={"Idempotency-Key": "req-1"})
    assert first.status_code == again.status_code == 201
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Report.objects.count() == 1
    # Keys are per client: another client's same key is another request.
    other_key = open311_client_create(actor=Actor.system("test"), name="Đối tác khác")[1]
    other = post(client, other_key, headers={"Idempotency-Key": "req-1"})
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    assert Report.objects.count() == 2
    assert (
        IdempotencyKey.objects.filter(scope__startswith="open311:").count() == 2
    )  # (and the limits' counts)


# --- The client on its reports --------------------------------------------------------------------


def test_each_report_records_the_client_that_sent_it(client, categories, api_key):
    first = Report.objects.get(code=post(client, api_key).json()[0]["service_request_id"])
    other_key = open311_client_create(actor=Actor.system("test"), name="Đối tác khác")[1]
    headers = {"Idempotency-Key": "req-1"}
    second_code = post(client, other_key, headers=headers).json()[0]["service_request_id"]
    with CaptureQueriesContext(connection) as queries:
        replayed = post(client, other_key, headers=headers)
    assert replayed["Idempotent-Replayed"] == "true"
    assert not [q["sql"] for q in queries if q["sql"].startswith("UPDATE")], "a replay writes nothing"
    assert replayed.json()[0]["service_request_id"] == second_code
    assert first.open311_client == Open311Client.objects.get(name="Ứng dụng thử")
    assert Report.objects.get(code=second_code).open311_client == Open311Client.objects.get(
        name="Đối tác khác"
    )
    first.refresh_from_db()
    assert first.open311_client.name == "Ứng dụng thử"
    assert Report.objects.filter(open311_client__isnull=False).count() == 2


def test_reports_from_other_channels_have_no_client(client, categories, api_key):
    assert post(client, api_key).status_code == 201
    body = {"category": "road_damage", "description": "Ổ gà", "lon": BEN_THANH[0], "lat": BEN_THANH[1]}
    response = client.post("/api/v1/reports", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    from_api = Report.objects.get(code=response.json()["code"])
    assert from_api.channel == "app" and from_api.open311_client is None
    assert submit().open311_client is None


def test_officer_page_names_the_client(client, categories, api_key, personas):
    code = post(client, api_key).json()[0]["service_request_id"]
    from_web = submit()
    client.force_login(personas.officer)

    def page(report_code: str) -> tuple[str, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/xu-ly/{report_code}/")
        assert response.status_code == 200
        return response.content.decode(), len(queries)

    html, queries = page(code)
    assert '<span data-testid="open311-client">Open311: Ứng dụng thử</span>' in html
    web_html, web_queries = page(from_web.code)
    assert "open311-client" not in web_html and "Open311:" not in web_html
    assert queries == web_queries, "the client comes with the report, not in a query of its own"


# --- Searching requests ---------------------------------------------------------------------------


def ids_of(response):
    assert response.status_code == 200, response.content
    return {item["service_request_id"] for item in response.json()}


def test_get_requests_fields_and_time_zone(client, categories):
    report = submit(description="Ổ gà <sâu> & nguy hiểm")
    [item] = client.get(f"{BASE}/requests.json").json()
    assert item["service_request_id"] == report.code
    assert item["status"] == "open"
    assert item["service_code"] == "road_damage" and item["service_name"] == "Hư hỏng mặt đường, ổ gà"
    assert item["agency_responsible"] == "UBND Phường Bến Thành"
    assert item["requested_datetime"].endswith("+07:00")
    assert item["expected_datetime"].endswith("+07:00") and item["updated_datetime"].endswith("+07:00")
    assert item["lat"] == pytest.approx(BEN_THANH[1]) and item["long"] == pytest.approx(BEN_THANH[0])
    assert item["address_id"] == "" and item["zipcode"] == "" and item["media_url"] == ""
    assert item["address"] == "Phường Bến Thành"
    assert "extended_attributes" not in item

    root = xml_of(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert request.findtext("description") == "Ổ gà <sâu> & nguy hiểm"
    assert request.findtext("status") == "open"
    assert request.findtext("expected_datetime").endswith("+07:00")


def test_extensions_only_on_request(client, categories):
    submit(channel="app")
    [item] = client.get(f"{BASE}/requests.json?extensions=true").json()
    assert item["extended_attributes"]["citydesk_status"] == "received"
    assert item["extended_attributes"]["ward_code"] == "26743"
    assert item["extended_attributes"]["channel"] == "app"
    root = xml_of(client.get(f"{BASE}/requests.xml?extensions=true"))
    assert root.findtext("request/extended_attributes/citydesk_status") == "received"


def test_status_mapping_and_filter(client, categories, personas):
    open_report = submit()
    rejected = submit(description="Đèn của điện lực")
    report_transition(
        user=personas.head, code=rejected.code, action="reject", reason="out_of_scope", note="Thuộc điện lực"
    )
    spam = submit(description="Quảng cáo")
    report_transition(user=personas.head, code=spam.code, action="reject", reason="spam", note="Rác")
    assert ids_of(client.get(f"{BASE}/requests.json?status=open")) == {open_report.code}
    assert ids_of(client.get(f"{BASE}/requests.json?status=closed")) == {rejected.code}
    assert ids_of(client.get(f"{BASE}/requests.json?status=open,closed")) == {open_report.code, rejected.code}
    [item] = client.get(f"{BASE}/requests/{rejected.code}.json?extensions=true").json()
    assert item["status"] == "closed" and item["service_notice"] == ""
    assert (
        item["status_notes"] == f"{Status.REJECTED.label}: {RejectReason.OUT_OF_SCOPE.label}. Thuộc điện lực."
    )
    assert client.get(f"{BASE}/requests/{spam.code}.json").status_code == 404  # spam is never public
    assert item["extended_attributes"]["citydesk_status"] == "rejected"
    response = client.get(f"{BASE}/requests.json?status=pending")
    assert response.status_code == 400 and errors_of(response).startswith("status:")


def test_merged_duplicate_points_to_the_master(client, categories, personas):
    master = submit()
    duplicate = submit(description="Cùng ổ gà")
    report_merge(user=personas.head, code=duplicate.code, into=master.code)
    [item] = client.get(f"{BASE}/requests/{duplicate.code}.json?extensions=true").json()
    assert item["status"] == "closed" and master.code in item["status_notes"]
    assert item["extended_attributes"]["duplicate_of"] == master.code


def test_service_code_and_id_filters(client, categories, personas):
    road = submit()
    light = submit(category="street_lighting", description="Đèn hỏng")
    third = submit(description="Ổ gà thứ ba")
    assert ids_of(client.get(f"{BASE}/requests.json?service_code=street_lighting")) == {light.code}
    assert ids_of(client.get(f"{BASE}/requests.json?service_code=road_damage")) == {road.code, third.code}
    # An unknown code (a typo, a removed service) is said, as by its definition, not an empty list.
    for fmt in ("json", "xml"):
        response = client.get(f"{BASE}/requests.{fmt}?service_code=road_damage,nope")
        assert response.status_code == 400
    assert errors_of(client.get(f"{BASE}/requests.json?service_code=nope")).startswith("service_code:")
    query = urlencode({"service_request_id": f"{road.code}, {light.code},PA-00-999999"})
    assert ids_of(client.get(f"{BASE}/requests.json?{query}")) == {road.code, light.code}
    # A list of ids overrides every other argument.
    query = urlencode(
        {"service_request_id": road.code, "service_code": "street_lighting", "status": "closed"}
    )
    assert ids_of(client.get(f"{BASE}/requests.json?{query}")) == {road.code}


def test_date_filters_and_default_window(client, categories):
    now = timezone.now()
    old = submit(when=now - timedelta(days=120))
    recent = submit(when=now - timedelta(days=10))
    assert ids_of(client.get(f"{BASE}/requests.json")) == {recent.code}  # default: the last 90 days
    start = (now - timedelta(days=130)).astimezone(timezone.get_default_timezone()).isoformat()
    end = (now - timedelta(days=100)).astimezone(timezone.get_default_timezone()).isoformat()
    query = urlencode({"start_date": start, "end_date": end})
    assert ids_of(client.get(f"{BASE}/requests.json?{query}")) == {old.code}
    assert ids_of(client.get(f"{BASE}/requests.json?{urlencode({'start_date': start})}")) == {old.code}
    day = timezone.localtime(recent.created_at).date().isoformat()
    assert ids_of(client.get(f"{BASE}/requests.json?start_date={day}&end_date={day}")) == {recent.code}
    # An unencoded "+07:00" arrives as " 07:00": still understood.
    assert ids_of(client.get(f"{BASE}/requests.json?start_date={start}&end_date={end}")) == {old.code}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start_date=yesterday", "start_date"),
        ("end_date=2026-13-45", "end_date"),
        ("start_date=2026-02-30T10:00:00Z", "start_date"),
        ("start_date=2026-03-01&end_date=2026-02-01", "end_date"),
        ("start_date=2026-01-01&end_date=2026-06-30", "end_date"),
        ("start_date=9999-12-31", "start_date"),  # used to be a 500 page (OverflowError)
        ("start_date=0001-01-01&end_date=0001-02-01", "start_date"),
        ("end_date=0001-02-01", "end_date"),
        ("end_date=9999-12-31", "end_date"),
        ("start_date=9999", "start_date"),
        ("start_date=9999-12", "start_date"),
        ("start_date=1989-12-31", "start_date"),
        ("start_date=2101-01-01", "start_date"),
        ("start_date=9999-12-31T23:59:59-12:00", "start_date"),
        ("start_date=0001-01-01T00:00:00%2B07:00", "start_date"),
        ("start_date=2026-01-01&end_date=9999-12-31T10:00:00Z", "end_date"),
    ],
)
def test_bad_dates_are_400(client, categories, query, field):
    response = client.get(f"{BASE}/requests.json?{query}")
    assert response.status_code == 400
    assert errors_of(response).startswith(f"{field}:")
    root = xml_of(client.get(f"{BASE}/requests.xml?{query}"))
    assert root.findtext("error/code") == "400"
    assert root_error(root).startswith(f"{field}:")


def test_dates_at_the_edges_of_the_range(client, categories):
    for query in ("start_date=2100-12-31", "end_date=1990-01-01", "start_date=2100", "end_date=1990-01"):
        response = client.get(f"{BASE}/requests.json?{query}")
        assert response.status_code == 200 and response.json() == [], query


def test_private_reports_are_never_shown(client, categories, api_key):
    public = submit()
    private = submit(is_public=False, description="Riêng tư")
    assert ids_of(client.get(f"{BASE}/requests.json")) == {public.code}
    assert ids_of(client.get(f"{BASE}/requests.json?service_request_id={private.code}")) == set()
    assert client.get(f"{BASE}/requests/{private.code}.json").status_code == 404
    assert client.get(f"{BASE}/tokens/{private.code}.json").status_code == 404
    assert b"Ri\xc3\xaang t\xc6\xb0" not in client.get(f"{BASE}/requests.xml").content


def test_request_detail_and_token(client, categories):
    report = submit()
    [item] = client.get(f"{BASE}/requests/{report.code}.json").json()
    assert item["service_request_id"] == report.code
    root = xml_of(client.get(f"{BASE}/requests/{report.code}.xml"))
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [report.code]
    response = client.get(f"{BASE}/requests/PA-00-000000.json")
    assert response.status_code == 404 and errors_of(response).startswith("service_request_id:")

    assert client.get(f"{BASE}/tokens/{report.code}.json").json() == [
        {"service_request_id": report.code, "token": report.code}
    ]
    root = xml_of(client.get(f"{BASE}/tokens/{report.code}.xml"))
    assert root.findtext("request/token") == report.code
    response = client.get(f"{BASE}/tokens/abc123.json")
    assert response.status_code == 404 and errors_of(response).startswith("token:")


def test_personal_data_never_in_output(client, categories, api_key):
    response = post(
        client,
        api_key,
        email="trinh.xuyen@example.vn",
        phone="0912 345 678",
        first_name="Xuyến",
        last_name="Trịnh",
    )
    code = response.json()[0]["service_request_id"]
    report = Report.objects.get(code=code)
    assert report.contact_name == "Trịnh Xuyến" and report.contact_phone == "0912345678"
    pages = [
        response,
        post(client, api_key, fmt="xml", email="trinh.xuyen@example.vn", first_name="Xuyến"),
        client.get(f"{BASE}/requests.json?extensions=true"),
        client.get(f"{BASE}/requests.xml?extensions=true"),
        client.get(f"{BASE}/requests/{code}.json?extensions=true"),
        client.get(f"{BASE}/tokens/{code}.json"),
    ]
    for page in pages:
        text = page.content.decode()
        for secret in ("trinh.xuyen", "example.vn", "345678", "345 678", "Xuyến", "Trịnh"):
            assert secret not in text


def test_media_url_is_the_first_public_attachment(client, categories, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = submit()
    private = Attachment(
        report=report, original_name="a.jpg", content_type="image/jpeg", size=3, public=False
    )
    private.file.save("a.jpg", ContentFile(b"abc"), save=False)
    private.public_file.save("a-public.jpg", ContentFile(b"abc"), save=True)
    shown = Attachment(report=report, original_name="b.jpg", content_type="image/jpeg", size=3)
    shown.file.save("b.jpg", ContentFile(b"abc"), save=False)
    shown.public_file.save("b-public.jpg", ContentFile(b"abc"), save=True)
    [item] = client.get(f"{BASE}/requests.json").json()
    assert (
        item["media_url"] == f"http://testserver/api/v1/reports/{report.code}/attachments/{shown.pk}/public"
    )
    photo = client.get(item["media_url"].removeprefix("http://testserver"))
    assert photo.status_code == 200 and b"".join(photo.streaming_content) == b"abc"


def test_request_list_query_count_does_not_grow(client, categories, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{BASE}/requests.json?extensions=true").status_code == 200
        return len(queries)

    def add(n: int) -> None:
        for i in range(n):
            report = submit(description=f"Ổ gà số {i}")
            attachment = Attachment(report=report, original_name="p.jpg", content_type="image/jpeg", size=1)
            attachment.public_file.save("p.jpg", ContentFile(b"x"), save=True)

    add(2)
    few = count()
    add(8)
    assert len(client.get(f"{BASE}/requests.json").json()) == 10
    assert count() == few <= 3


# --- The create-api-key command -------------------------------------------------------------------


def test_create_api_key_prints_a_working_key(client, categories, capsys):
    call_command("create-api-key", "--name", "Ứng dụng Quận 1")
    out = capsys.readouterr().out
    key = next(word for word in out.split() if word.startswith("o311_"))  # in either language
    stored = Open311Client.objects.get(name="Ứng dụng Quận 1")
    assert stored.prefix in key and key not in stored.key_hash
    assert AuditEntry.objects.filter(action="open311_client.create", object_id=str(stored.pk)).exists()
    assert post(client, key).status_code == 201


@pytest.mark.parametrize("name", ["Ứng dụng Quận 1", " "])
def test_create_api_key_refuses_duplicate_or_blank_name(personas, name):
    call_command("create-api-key", "--name", "Ứng dụng Quận 1")
    with pytest.raises(CommandError) as err:
        call_command("create-api-key", "--name", name)
    assert err.value.returncode == 2
    assert "name" in str(err.value)
    assert Open311Client.objects.count() == 1


def test_a_path_without_its_format_answers_the_error_list(client):
    for path in ("requests", "requests/PA-26-000001", "services", "discovery", "services/road_damage/"):
        response = client.get(f"/open311/v2/{path}")
        assert response.status_code == 404 and response["Content-Type"].startswith("application/json"), path
        (error,) = response.json()
        assert error["code"] == 404 and ".json" in error["description"] and ".xml" in error["description"]
    posted = client.post("/open311/v2/requests", {"service_code": "road_damage"})
    assert posted.status_code == 404 and posted.json()[0]["code"] == 404
