"""Demo dossiers: received at Phường Bến Thành's one-stop desk and moved through the real services.

Idempotent: nothing happens when the demo unit already has dossiers.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from citydesk.core.errors import DomainError
from citydesk.core.models import Organisation, User
from citydesk.dossiers.models import Authority, Campaign, Dossier, Procedure, Status
from citydesk.dossiers.services import Applicant, dossier_receive, dossier_transition
from citydesk.lib.names import FAMILY, GIVEN, MIDDLE

DEMO_UNIT = "26743"  # UBND Phường Bến Thành
STREETS = ["Lê Lợi", "Nguyễn Huệ", "Lê Thánh Tôn", "Phạm Ngũ Lão", "Nguyễn Thái Học", "Trần Hưng Đạo"]


def _applicant(rng: random.Random) -> Applicant:
    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    return Applicant(
        name=name,
        id_number="0" + "".join(str(rng.randint(0, 9)) for _ in range(11)),
        phone="09" + "".join(str(rng.randint(0, 9)) for _ in range(8)),
        address=f"{rng.randint(1, 250)} {rng.choice(STREETS)}, Phường Bến Thành",
    )


def _receivable(unit: Organisation) -> list[Procedure]:
    out = []
    for procedure in Procedure.objects.filter(is_active=True).prefetch_related("steps", "documents"):
        steps = list(procedure.steps.all())
        if not steps:
            continue
        if procedure.authority in (Authority.WARD, Authority.DEPARTMENT):
            out.append(procedure)
    return out


def seed_demo_dossiers(count: int = 120, *, seed: int = 2026) -> dict[str, int]:
    unit = Organisation.objects.filter(code=DEMO_UNIT).first()
    if unit is None or Dossier.objects.filter(unit=unit).exists():
        return {"demo_dossiers": 0}
    users = {u.username: u for u in User.objects.filter(username__in=["officer", "deputy", "head", "leader"])}
    procedures = _receivable(unit)
    if not procedures or "officer" not in users:
        return {"demo_dossiers": 0}
    rng = random.Random(seed)
    now = timezone.now()
    made = 0
    with transaction.atomic():
        quick = [p for p in procedures if p.same_day]
        if quick:
            campaign = Campaign.objects.create(
                name="Tháng cao điểm giải quyết hồ sơ trong ngày",
                start_date=(now - dt.timedelta(days=20)).date(),
                end_date=(now + dt.timedelta(days=10)).date(),
            )
            campaign.procedures.add(*quick)
            campaign.units.add(unit)
        for index in range(count):
            procedure = rng.choice(procedures)
            received = now - dt.timedelta(days=rng.uniform(0, 15))
            received = received.replace(hour=rng.randint(7, 16), minute=rng.choice([0, 10, 25, 40, 55]))
            if received > now:
                received = now - dt.timedelta(hours=1)
            channel = "post" if index % 10 == 0 else "desk"
            required = [d.pk for d in procedure.documents.all() if d.required]
            try:
                dossier = dossier_receive(
                    user=users["officer"],
                    procedure_code=procedure.code,
                    unit_code=unit.code,
                    channel=channel,
                    applicant=_applicant(rng),
                    provided=required,
                    received_at=received,
                ).dossier
            except DomainError:
                continue
            made += 1
            _advance(dossier, users, rng)
    return {"demo_dossiers": made}


def _advance(dossier: Dossier, users: dict[str, User], rng: random.Random) -> None:
    """Move a demo dossier a random distance along its process, with the demo people who may act."""
    target = rng.random()
    if target < 0.25:
        return
    if target < 0.32:
        _act(dossier, users, "request_supplement", "Bổ sung bản sao giấy tờ tùy thân có chứng thực.")
        return
    if target < 0.36:
        _act(dossier, users, "refuse", "Hồ sơ không thuộc thẩm quyền giải quyết của phường.")
        return
    for _ in range(6):
        dossier.refresh_from_db()
        if dossier.status not in (Status.RECEIVED, Status.IN_PROGRESS) or dossier.current_step is None:
            break
        last = not dossier.steps.filter(position__gt=dossier.current_step.position).exists()
        if last:
            if not _act(dossier, users, "finish", "Đã cấp kết quả theo đề nghị."):
                return
            if rng.random() < 0.7:
                _act(dossier, users, "return_result", "", result_method="desk")
            return
        if not _act(dossier, users, "forward", "") or rng.random() < 0.2:
            return


def _act(dossier: Dossier, users: dict[str, User], action: str, note: str, **extra: str) -> bool:
    for name in ("officer", "deputy", "head", "leader"):
        user = users.get(name)
        if user is None:
            continue
        try:
            with transaction.atomic():
                dossier_transition(user=user, code=dossier.code, action=action, note=note, **extra)
            return True
        except DomainError:
            continue
    return False
