"""The OpenAPI document describes the API as it is: django-ninja names a schema component after its
class, so two schema classes of one name would publish one of them for both."""

from collections import defaultdict

from ninja import Schema

from citydesk.api import api
from tests.reports.conftest import categories  # noqa: F401 - a fixture


def test_schema_class_names_are_unique():
    api.get_openapi_schema()  # every router and schema imported
    modules: dict[str, set[str]] = defaultdict(set)

    def walk(cls: type) -> None:
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("citydesk."):
                modules[sub.__name__].add(sub.__module__)
            walk(sub)

    walk(Schema)
    assert {name: sorted(found) for name, found in modules.items() if len(found) > 1} == {}


def test_report_actions_are_documented_with_their_own_fields():
    components = api.get_openapi_schema()["components"]["schemas"]
    assert {"assignee", "target_unit", "reason", "resolution", "category"} <= set(
        components["ReportActionIn"]["properties"]
    )
    assert {"from_status", "to_status"} <= set(components["ReportEventOut"]["properties"])


def test_every_operation_documents_its_refusals_with_the_error_body():
    schema = api.get_openapi_schema()
    error = schema["components"]["schemas"]["Error"]
    assert {"detail", "field", "errors"} <= set(error["properties"])
    actions = schema["paths"]["/api/v1/reports/{code}/actions"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409"} <= {str(code) for code in actions}
    assert actions[400]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            codes = [str(code) for code in operation["responses"]]
            assert len(codes) == len(set(codes)), (path, method)  # no status listed twice
            if operation.get("security"):
                assert "401" in codes, (path, method)
            if "{" in path:
                assert "404" in codes, (path, method)
            if operation.get("requestBody"):
                assert "413" in codes, (path, method)  # a body over the upload limit
    for path in ("/api/v1/reports", "/api/v1/dossiers"):  # Idempotency-Key reused for another body
        assert "422" in {str(code) for code in schema["paths"][path]["post"]["responses"]}, path


def test_the_served_document_is_valid_json_with_unique_statuses(client):
    import json

    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    locate = document["paths"]["/api/v1/units/locate"]["get"]["responses"]
    assert "400" in locate and "401" not in locate  # public: no authentication to refuse


def test_the_published_version_is_the_latest_documented_change():
    """`info.version` follows docs/api-changes.md, so a client can tell which changes it is talking to."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "api-changes.md").read_text(encoding="utf-8")
    documented = re.findall(r"^## (\d+\.\d+) — \d{4}-\d{2}-\d{2}$", text, flags=re.MULTILINE)
    assert documented, "docs/api-changes.md lists no version"
    assert api.get_openapi_schema()["info"]["version"] == documented[0]
    assert documented == sorted(documented, key=lambda v: tuple(map(int, v.split("."))), reverse=True)


def test_refusals_seen_by_a_client_are_in_the_document(client, personas, categories, bearer):  # noqa: F811
    """Answers an app's developer got that the document did not list (a bad optional bearer, an unknown
    code in the body or the query, a point in no unit)."""
    import json

    from tests.reports.conftest import submit_report

    document = json.loads(client.get("/api/v1/openapi.json").content)

    def documented(method: str, path: str) -> set[int]:
        return {int(code) for code in document["paths"][f"/api/v1{path}"][method]["responses"]}

    report = submit_report()
    bad = {"HTTP_AUTHORIZATION": "Bearer cd_nope_nope"}
    seen = [
        ("post", "/reports", client.post("/api/v1/reports", "{}", content_type="application/json", **bad)),
        ("get", "/reports/{code}", client.get(f"/api/v1/reports/{report.code}", **bad)),
        ("get", "/units/locate", client.get("/api/v1/units/locate", {"lon": 2.35, "lat": 48.85})),
        ("get", "/dossiers", client.get("/api/v1/dossiers", {"unit": "99999"}, **bearer(personas.officer))),
        ("post", "/notifications/read", client.post("/api/v1/notifications/read", **bad)),
    ]
    for method, path, response in seen:
        assert response.status_code >= 400, (method, path, response.status_code)
        assert response.status_code in documented(method, path), (method, path, response.status_code)
    assert 409 not in documented("post", "/notifications/{notification_id}/read")


def test_the_dossier_queue_says_which_due_time_its_fields_are_about():
    """The queue lists steps: its `overdue` is the step's, which the full view's `overdue` is not."""
    fields = api.get_openapi_schema()["components"]["schemas"]["QueueItemOut"]["properties"]
    assert "step" in fields["overdue"]["description"] and "dossier_due_at" in fields["overdue"]["description"]
    assert "`due_at` in the full view" in fields["dossier_due_at"]["description"]
    assert "`unit` in the full view" in fields["receiving_unit"]["description"]
