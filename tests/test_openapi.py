"""The OpenAPI document describes the API as it is: django-ninja names a schema component after its
class, so two schema classes of one name would publish one of them for both."""

from collections import defaultdict

from ninja import Schema

from citydesk.api import api


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
