"""Fixtures of the rating tests: procedures, dossiers in a given state, paired tablets, a kiosk
transaction."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from citydesk.dossiers.models import Dossier, Procedure, Status
from citydesk.ratings.services import desk_transaction_open
from tests.ratings.kiosks import Tablets

KIOSK = "BT-QUAY-1"
_numbers = itertools.count(1)

# Seed 004: the desk (kiosk/tablet) and web ratings HCMC reported, as counts.
SEED_KIOSK = (379_020, 2_253, 649)  # 381,922 in all: 99.24% / 0.59% / 0.17%
SEED_WEB = (15_771, 776, 62)  # 16,609 in all: 94.95% / 4.67% / 0.37%


@pytest.fixture
def procedures(personas) -> dict[str, Procedure]:
    birth = Procedure.objects.create(
        code="1.001193",
        name="Đăng ký khai sinh",
        name_en="Birth registration",
        field="Hộ tịch",
        authority="ward",
        processing_time=1,
    )
    residence = Procedure.objects.create(
        code="1.004222",
        name="Chứng thực bản sao từ bản chính",
        name_en="Certified copies",
        field="Chứng thực",
        authority="ward",
        processing_time=1,
    )
    return {"birth": birth, "copy": residence}


def make_dossier(
    personas, procedure: Procedure, *, status: str = Status.RETURNED, applicant=None, unit=None
) -> Dossier:
    number = next(_numbers)
    now = timezone.now()
    return Dossier.objects.create(
        code=f"HS-26-{number:06d}",
        procedure=procedure,
        unit=unit or personas.ward,
        channel="online",
        status=status,
        applicant=applicant,
        applicant_name="Ngô Thị Mai",
        received_by=personas.officer,
        received_at=now - timedelta(days=3),
        due_at=now + timedelta(days=2),
        citizen_token=f"tok{number:029d}",
    )


@pytest.fixture
def finished_dossier(personas, procedures) -> Dossier:
    return make_dossier(personas, procedures["birth"], applicant=personas.citizen)


@pytest.fixture
def tablets(personas) -> Tablets:
    """The tablets paired with the ward's desks: `tablets.use(client, KIOSK)` makes a client that tablet."""
    return Tablets(personas.ward)


@pytest.fixture
def open_transaction(personas, procedures, tablets):
    """A transaction opened by the officer (for kiosk KIOSK of the ward, paired if it is not yet)."""

    def make(kiosk: str = KIOSK, user=None, **kwargs):
        unit = kwargs.pop("unit", personas.ward)
        tablets.ensure(kiosk, unit)
        return desk_transaction_open(
            user=user or personas.officer,
            unit=unit,
            procedure=kwargs.pop("procedure", procedures["birth"]),
            kiosk=kiosk,
            **kwargs,
        )

    return make
