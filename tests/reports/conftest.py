import pytest

from citydesk.core.models import Organisation, OrgKind, ServiceCategory


@pytest.fixture
def categories(personas):
    road = ServiceCategory.objects.create(
        code="road_damage",
        domain="report",
        name="Hư hỏng mặt đường, ổ gà",
        name_en="Road damage",
        handled_by="ward",
        department_code="SXD",
        working_days=5,
        triage_hours=8,
        questions=[
            {
                "code": "depth_cm",
                "label": "Độ sâu (cm)",
                "label_en": "Depth (cm)",
                "type": "number",
                "required": False,
            }
        ],
    )
    lighting = ServiceCategory.objects.create(
        code="street_lighting",
        domain="report",
        name="Chiếu sáng công cộng",
        name_en="Street lighting",
        handled_by="department",
        department_code="SXD",
        working_days=3,
    )
    ServiceCategory.objects.create(
        code="land", domain="dossier", name="Đất đai", name_en="Land", handled_by="ward", working_days=15
    )
    return {"road": road, "lighting": lighting}


@pytest.fixture
def desk(personas):
    return Organisation.objects.create(
        code="26743.MC", name="Bộ phận Một cửa", kind=OrgKind.ONE_STOP_DESK, parent=personas.ward
    )


BEN_THANH = (106.6946, 10.7714)


def submit_report(**overrides):
    """A road-damage report at Bến Thành through the real intake service; keywords override the defaults."""
    from citydesk.reports.services import report_submit

    data = dict(
        category="road_damage",
        description="Ổ gà lớn trước chợ Bến Thành",
        channel="web",
        lon=BEN_THANH[0],
        lat=BEN_THANH[1],
    )
    data.update(overrides)
    return report_submit(**data).report
