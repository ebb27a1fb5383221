"""Review: a city's leaders and inspectors read their own city's audit trail, not another city's (page and
API alike); only superusers and system administrators read it all. And every changed field on the trail's
page is named in Vietnamese (a dossier's `step` and `note` were shown as they are stored)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.test import Client

from citydesk.core.audit import Actor, audit_record
from citydesk.core.audit_labels import change_rows
from citydesk.core.audit_read import readable_audit
from citydesk.core.models import Membership, Organisation, OrgKind, User
from citydesk.dossiers.models import Dossier
from citydesk.reports.models import Report
from tests.conftest import make_unit
from tests.dossiers.conftest import campaign_today, catalog, receive  # noqa: F401 - fixtures
from tests.reports.conftest import categories, submit_report  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
URL = "/nhat-ky/"


@dataclass
class Hanoi:
    city: Organisation
    ward: Organisation
    leader: User
    inspector: User
    officer: User


def _member(username: str, org: Organisation, role: str) -> User:
    user = User.objects.create_user(username=username, password="x", full_name=username)
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


@pytest.fixture
def hanoi(personas) -> Hanoi:
    province = make_unit("01", "Thành phố Hà Nội")
    ward_unit = make_unit("00004", "Phường Ba Đình", province)
    city = Organisation.objects.create(
        code="01", name="UBND Thành phố Hà Nội", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=province
    )
    ward = Organisation.objects.create(
        code="00004",
        name="UBND Phường Ba Đình",
        kind=OrgKind.PEOPLES_COMMITTEE,
        parent=city,
        admin_unit=ward_unit,
    )
    inspectorate = Organisation.objects.create(
        code="01.TTTP", name="Thanh tra Thành phố Hà Nội", kind=OrgKind.INSPECTORATE, parent=city
    )
    return Hanoi(
        city=city,
        ward=ward,
        leader=_member("hn_leader", city, "leader"),
        inspector=_member("hn_inspector", inspectorate, "inspector"),
        officer=_member("hn_officer", ward, "officer"),
    )


@pytest.fixture
def trail(personas, hanoi, categories, receive, token_for):  # noqa: F811
    """Rows of both cities, each kind of object once, and rows of the whole platform."""
    hcm_report, hn_report = submit_report(), submit_report()
    Report.objects.filter(pk=hn_report.pk).update(unit=hanoi.ward)
    hcm_dossier, hn_dossier = receive(), receive()
    Dossier.objects.filter(pk=hn_dossier.pk).update(unit=hanoi.ward)
    token_for(personas.officer)  # api_token.create rows
    token_for(hanoi.officer)
    system = Actor.system("test")
    for user in (personas.officer, hanoi.officer):
        audit_record(actor=system, action="user.create", object_type="user", object_id=user.pk)
        membership = user.memberships.get()
        audit_record(
            actor=system, action="membership.change", object_type="membership", object_id=membership.pk
        )
    for org in (personas.ward, hanoi.ward):
        audit_record(actor=system, action="organisation.change", object_type="organisation", object_id=org.pk)
    audit_record(actor=system, action="calendar.set", object_type="calendar_override", object_id="7")
    hn_actor = Actor(user_id=hanoi.leader.pk, label="hn_leader")
    audit_record(actor=hn_actor, action="something.new", object_type="something", object_id="x")

    def rows(report, dossier, user, ward) -> set[tuple[str, str]]:
        membership = user.memberships.get().pk
        return {
            ("report", report.code),
            ("dossier", dossier.code),
            ("user", str(user.pk)),
            ("membership", str(membership)),
            ("organisation", str(ward.pk)),
            ("api_token", str(user.api_tokens.get().pk)),
        }

    return {
        "hcm": rows(hcm_report, hcm_dossier, personas.officer, personas.ward),
        "hn": rows(hn_report, hn_dossier, hanoi.officer, hanoi.ward) | {("something", "x")},
        "hcm_dossier": hcm_dossier.code,
        "hn_dossier": hn_dossier.code,
    }


def _api_rows(client: Client, bearer, user: User) -> list[dict]:
    response = client.get("/api/v1/audit", {"limit": 1000}, **bearer(user))
    assert response.status_code == 200
    return response.json()


def test_a_city_leader_and_inspector_read_their_city_only_on_the_api(client, personas, hanoi, trail, bearer):
    for reader, own, other in (
        (hanoi.leader, "hn", "hcm"),
        (hanoi.inspector, "hn", "hcm"),
        (personas.leader, "hcm", "hn"),
        (personas.inspector, "hcm", "hn"),
    ):
        rows = _api_rows(client, bearer, reader)
        seen = {(r["object_type"], r["object_id"]) for r in rows}
        assert trail[own] <= seen, reader
        assert not trail[other] & seen, reader
        assert ("calendar_override", "7") in seen  # the national calendar: of every city
    hn_tokens = [r for r in _api_rows(client, bearer, hanoi.leader) if r["object_type"] == "api_token"]
    assert {r["after"]["user"] for r in hn_tokens} == {"hn_officer", "hn_leader", "hn_inspector"}


def test_the_page_refuses_another_citys_dossier_history(personas, hanoi, trail):
    client = Client()
    client.force_login(hanoi.leader)
    other = client.get(URL, {"object_type": "dossier", "object_id": trail["hcm_dossier"]}).content.decode()
    assert 'data-testid="audit-empty"' in other and trail["hcm_dossier"] not in re.sub(
        r"<input[^>]*>", "", other
    )
    own = client.get(URL, {"object_type": "dossier", "object_id": trail["hn_dossier"]}).content.decode()
    assert 'data-action="dossier.receive"' in own


def test_superusers_and_system_administrators_read_everything(personas, hanoi, trail):
    every = set(readable_audit(personas.admin).values_list("object_type", "object_id"))  # Role.ADMIN
    assert trail["hcm"] | trail["hn"] <= every
    root = User.objects.create_superuser(username="root", password="x")
    assert set(readable_audit(root).values_list("object_type", "object_id")) == every


def test_a_ward_head_still_reads_only_their_wards_cases(personas, hanoi, trail):
    seen = set(readable_audit(personas.head).values_list("object_type", "object_id"))
    assert seen == {(kind, code) for kind, code in trail["hcm"] if kind in ("report", "dossier")}


# --- Field names in Vietnamese ---------------------------------------------------------------------


def test_a_dossiers_moves_are_named_in_vietnamese(personas):
    entry = audit_record(
        actor=Actor.system("test"),
        action="dossier.forward",
        object_type="dossier",
        object_id="HS-26-000001",
        before={"status": "received", "step": 2},
        after={"status": "processing", "step": 3, "note": "", "method": "cash", "receipt": "BL-1"},
    )
    shown = {name: (old, new) for name, old, new in change_rows(entry)}
    assert shown["Bước hiện tại"] == ("2", "3")
    assert shown["Ghi chú"] == ("", "—")
    assert any(new.startswith("Tiền mặt") for _old, new in shown.values())  # the way paid, by its name
    assert not {"step", "note", "method", "receipt"} & set(shown)


@pytest.mark.parametrize(
    "object_type,keys",
    [
        ("dossier", ["step", "note", "papers", "amount", "method", "receipt"]),
        ("report", ["rating", "follower", "by", "files", "resumed", "file", "type", "size"]),
        ("user", ["role", "organisation"]),
        ("api_token", ["revoked"]),
        ("kiosk", ["active"]),
        ("procedure", ["documents", "steps"]),
        ("procedure_catalog", ["forms"]),
        ("rating_month", ["file", "rows", "months", "units", "replaced"]),
        ("indicators.submission", ["reminded"]),
        ("indicators.finding", ["note"]),
        ("indicators.period", ["values"]),
        ("calendar_override", ["days", "dossiers", "reports"]),
        ("admin_unit", ["codes", "count"]),
    ],
)
def test_every_key_the_services_write_has_a_name(personas, object_type, keys):
    entry = audit_record(
        actor=Actor.system("test"),
        action=f"{object_type}.change",
        object_type=object_type,
        object_id="1",
        after={key: 1 for key in keys},
    )
    names = [name for name, _old, _new in change_rows(entry)]
    assert not set(keys) & set(names), names


def test_a_kept_messages_key_is_hidden_on_the_trail(personas):
    entry = audit_record(
        actor=Actor.system("test"),
        action="notification.delete",
        object_type="notification",
        object_id="1",
        before={"body": "Tra cứu: https://x.vn/ho-so/tra-cuu/HS-26-000001/?t=SECRETKEY123"},
    )
    (_name, old, _new), *_rest = change_rows(entry)
    assert "SECRETKEY123" not in old and "?t=••••" in old
