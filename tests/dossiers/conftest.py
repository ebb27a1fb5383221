"""Procedures for the dossier tests: a ward procedure, a same-day one, and an inter-agency one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from citydesk.core.models import Membership, User
from citydesk.dossiers.models import (
    Authority,
    Performer,
    Procedure,
    ProcedureDocument,
    ProcedureStep,
    ServiceLevel,
    TimeUnit,
)
from citydesk.dossiers.services import Applicant, dossier_receive
from citydesk.lib.text import search_key

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=HCM)


def make_procedure(
    code: str,
    name: str,
    *,
    authority: str = Authority.WARD,
    days: int = 3,
    unit: str = TimeUnit.WORKING_DAYS,
    level: int = ServiceLevel.LEVEL_3,
    same_day: bool = False,
    fee: int = 0,
    steps: list[tuple[str, str, str, str, int]] | None = None,
    documents: list[tuple[str, bool]] | None = None,
    department_code: str = "",
) -> Procedure:
    procedure = Procedure.objects.create(
        code=code,
        name=name,
        name_en=name,
        search_name=search_key(f"{name} {code}"),
        field="Hộ tịch",
        authority=authority,
        department_code=department_code,
        fee=fee,
        processing_time=days,
        time_unit=unit,
        service_level=level,
        same_day=same_day,
    )
    for position, (doc, required) in enumerate(documents or [("Tờ khai", True), ("Bản sao CCCD", False)], 1):
        ProcedureDocument.objects.create(procedure=procedure, position=position, name=doc, required=required)
    default_steps = [
        ("Tiếp nhận", Performer.RECEIVING_UNIT, "", "officer", 20),
        ("Thẩm định", Performer.RECEIVING_UNIT, "", "officer", 50),
        ("Phê duyệt", Performer.RECEIVING_UNIT, "", "head", 30),
    ]
    for position, (step, performer, dept, role, share) in enumerate(steps or default_steps, 1):
        ProcedureStep.objects.create(
            procedure=procedure,
            position=position,
            name=step,
            performer=performer,
            department_code=dept,
            role=role,
            share=share,
        )
    return procedure


@dataclass
class Catalog:
    birth: Procedure
    copy: Procedure
    land: Procedure
    department_officer: User


@pytest.fixture
def catalog(personas) -> Catalog:
    birth = make_procedure("HT-01", "Đăng ký khai sinh", days=3)
    copy = make_procedure(
        "CT-01",
        "Chứng thực bản sao từ bản chính",
        days=4,
        unit=TimeUnit.WORKING_HOURS,
        same_day=True,
        level=ServiceLevel.LEVEL_2,
        steps=[("Tiếp nhận và chứng thực", Performer.RECEIVING_UNIT, "", "officer", 100)],
        documents=[("Bản chính giấy tờ", True)],
    )
    land = make_procedure(
        "DD-01",
        "Chuyển mục đích sử dụng đất",
        authority=Authority.DEPARTMENT,
        department_code="SXD",
        days=10,
        level=ServiceLevel.LEVEL_4,
        fee=100_000,
        steps=[
            ("Tiếp nhận", Performer.RECEIVING_UNIT, "", "officer", 10),
            ("Thẩm định hồ sơ đất", Performer.DEPARTMENT, "SXD", "officer", 60),
            ("Phê duyệt", Performer.CITY, "", "leader", 30),
        ],
    )
    department_officer = User.objects.create_user(
        username="dept_officer", password="x", full_name="Lý Văn Sở"
    )
    Membership.objects.create(user=department_officer, organisation=personas.department, role="officer")
    return Catalog(birth=birth, copy=copy, land=land, department_officer=department_officer)


@pytest.fixture
def receive(personas, catalog):
    """Receive a dossier at the ward desk (all required papers checked off)."""

    def make(procedure: Procedure | None = None, *, when: dt.datetime | None = None, **kwargs):
        procedure = procedure or catalog.birth
        required = [d.pk for d in procedure.documents.all() if d.required]
        return dossier_receive(
            user=kwargs.pop("user", personas.officer),
            procedure_code=procedure.code,
            unit_code=kwargs.pop("unit_code", personas.ward.code),
            channel=kwargs.pop("channel", "desk"),
            applicant=kwargs.pop(
                "applicant", Applicant(name="Nguyễn Văn An", phone="0903123456", email="an@example.vn")
            ),
            provided=kwargs.pop("provided", required),
            received_at=when or at(2026, 12, 7, 9, 0),
            **kwargs,
        ).dossier

    return make


CAMPAIGN_TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def campaign_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    """The day a new campaign is checked against (one that is over already is refused): fixed, so that the
    tests' campaigns of December 2026 stay in the future whenever the suite runs."""
    from citydesk.dossiers.services import campaigns

    monkeypatch.setattr(campaigns, "_today", lambda: CAMPAIGN_TODAY)
    return CAMPAIGN_TODAY
