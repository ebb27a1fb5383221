"""Demo data: HCMC and Hanoi organisations, one officer per role, categories, calendar changes.

Idempotent: running it twice changes nothing the second time.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from citydesk.core.audit import Actor
from citydesk.core.calendar_changes import calendar_override_set
from citydesk.core.models import (
    AdminUnit,
    CalendarOverride,
    Delegation,
    DivisionLevel,
    Organisation,
    OrgKind,
    ServiceCategory,
    User,
)
from citydesk.core.powers import Power
from citydesk.core.services import delegation_grant, user_create
from citydesk.core.units import load_units
from citydesk.dossiers.demo_catalog import seed_procedures
from citydesk.dossiers.demo_forms import attach_demo_forms
from citydesk.lib.text import search_key

DEMO_PASSWORD = "citydesk-demo-2026"

CITIES = {"79": "Thành phố Hồ Chí Minh", "01": "Thành phố Hà Nội"}

DEPARTMENTS = [
    ("SXD", "Sở Xây dựng", OrgKind.DEPARTMENT),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", OrgKind.DEPARTMENT),
    ("STP", "Sở Tư pháp", OrgKind.DEPARTMENT),
    ("SYT", "Sở Y tế", OrgKind.DEPARTMENT),
    ("SGDDT", "Sở Giáo dục và Đào tạo", OrgKind.DEPARTMENT),
    ("SNV", "Sở Nội vụ", OrgKind.DEPARTMENT),
    ("SCT", "Sở Công Thương", OrgKind.DEPARTMENT),
    ("TTTP", "Thanh tra Thành phố", OrgKind.INSPECTORATE),
    ("TT1022", "Trung tâm Dịch vụ 1022", OrgKind.OTHER),
]

SAMPLE_WARDS = {
    "79": [
        "Bến Thành",
        "Sài Gòn",
        "Tân Định",
        "Cầu Ông Lãnh",
        "Bàn Cờ",
        "Xuân Hòa",
        "Thủ Đức",
        "Thủ Dầu Một",
        "Vũng Tàu",
        "Cần Giờ",
    ],
    "01": ["Ba Đình", "Hoàn Kiếm", "Cửa Nam", "Hồng Hà", "Tây Hồ", "Sóc Sơn"],
}

# The extra questions of the demo's report categories, asked on the form once the category is chosen.
# None is required: a report without the answers is still taken (the hotline, e-mail, Open311 clients).
QUESTIONS: dict[str, list[dict[str, object]]] = {
    "road_damage": [
        {
            "code": "depth_cm",
            "label": "Độ sâu ước tính (cm)",
            "label_en": "Estimated depth (cm)",
            "type": "number",
        },
        {
            "code": "extent",
            "label": "Mức độ hư hỏng",
            "label_en": "Extent of the damage",
            "type": "choice",
            "choices": ["Một ổ gà", "Nhiều ổ gà", "Lún, nứt cả đoạn đường"],
            "choices_en": ["One pothole", "Several potholes", "The whole stretch sunken or cracked"],
        },
    ],
    "flooding": [
        {"code": "water_cm", "label": "Mức nước ngập (cm)", "label_en": "Water depth (cm)", "type": "number"},
        {
            "code": "blocked",
            "label": "Xe máy còn đi qua được không?",
            "label_en": "Can motorbikes still pass?",
            "type": "choice",
            "choices": ["Còn đi được", "Không đi được"],
            "choices_en": ["Yes, they can", "No, they cannot"],
        },
    ],
    "street_lighting": [
        {
            "code": "pole",
            "label": "Số hiệu trụ đèn (nếu thấy)",
            "label_en": "Lamp post number (if visible)",
            "type": "text",
        },
        {
            "code": "fault",
            "label": "Tình trạng",
            "label_en": "What is wrong",
            "type": "choice",
            "choices": ["Đèn không sáng", "Đèn sáng cả ngày", "Đèn chập chờn", "Trụ đèn nghiêng, đổ"],
            "choices_en": [
                "The lamp is off",
                "The lamp is on all day",
                "The lamp flickers",
                "The post leans or has fallen",
            ],
        },
    ],
    "trees": [
        {
            "code": "danger",
            "label": "Tình trạng cây",
            "label_en": "State of the tree",
            "type": "choice",
            "choices": ["Cây đã ngã", "Cây nghiêng, có nguy cơ ngã", "Cành khô, gãy", "Cần cắt tỉa"],
            "choices_en": [
                "The tree has fallen",
                "The tree leans and may fall",
                "Dead or broken branches",
                "Needs pruning",
            ],
        },
    ],
    "noise": [
        {
            "code": "when",
            "label": "Thời điểm ồn",
            "label_en": "When",
            "type": "choice",
            "choices": ["Ban ngày", "Buổi tối (18–22 giờ)", "Ban đêm (sau 22 giờ)"],
            "choices_en": ["Daytime", "Evening (6–10 pm)", "Night (after 10 pm)"],
        },
    ],
}

# code, domain, name, English name, handled by, department, working days
CATEGORIES = [
    ("road_damage", "report", "Hư hỏng mặt đường, ổ gà", "Road damage, potholes", "ward", "SXD", 5),
    ("flooding", "report", "Ngập nước, thoát nước", "Flooding and drainage", "department", "SXD", 3),
    ("garbage", "report", "Rác thải, vệ sinh môi trường", "Garbage and sanitation", "ward", "SNNMT", 3),
    ("illegal_construction", "report", "Xây dựng trái phép", "Illegal construction", "ward", "SXD", 10),
    ("noise", "report", "Tiếng ồn", "Noise", "ward", "SNNMT", 5),
    ("street_lighting", "report", "Chiếu sáng công cộng", "Street lighting", "department", "SXD", 3),
    (
        "public_order",
        "report",
        "Trật tự đô thị, lấn chiếm vỉa hè",
        "Public order, pavement encroachment",
        "ward",
        "",
        5,
    ),
    ("trees", "report", "Cây xanh", "Trees", "department", "SXD", 5),
    (
        "admin_service",
        "report",
        "Thái độ phục vụ, thủ tục hành chính",
        "Service attitude, procedures",
        "ward",
        "SNV",
        10,
    ),
    ("civil_status", "dossier", "Hộ tịch", "Civil status", "ward", "STP", 5),
    ("land", "dossier", "Đất đai", "Land", "ward", "SNNMT", 15),
    ("construction_permit", "dossier", "Cấp phép xây dựng", "Construction permits", "ward", "SXD", 15),
    (
        "business_registration",
        "dossier",
        "Đăng ký hộ kinh doanh",
        "Household business registration",
        "ward",
        "SCT",
        3,
    ),
    ("complaint", "complaint", "Khiếu nại", "Complaint", "ward", "TTTP", 30),
    ("denunciation", "complaint", "Tố cáo", "Denunciation", "ward", "TTTP", 30),
    ("petition", "complaint", "Kiến nghị, phản ánh", "Petition", "ward", "TTTP", 10),
]

# username, role, organisation code, full name, title
PEOPLE = [
    ("admin", "admin", "79", "Quản trị hệ thống", "Quản trị viên"),
    ("operator", "operator", "79.TT1022", "Nguyễn Thị Lan", "Tổng đài viên"),
    ("officer", "officer", "26743", "Trần Văn Minh", "Công chức Địa chính – Xây dựng"),
    ("deputy", "deputy", "26743", "Lê Thị Hồng", "Phó Chủ tịch UBND phường"),
    ("head", "head", "26743", "Phạm Quốc Hùng", "Chủ tịch UBND phường"),
    ("leader", "leader", "79", "Võ Văn Thành", "Phó Chủ tịch UBND Thành phố"),
    ("inspector", "inspector", "79.TTTP", "Đặng Thu Hà", "Thanh tra viên"),
    ("sxd_director", "head", "79.SXD", "Hoàng Minh Tuấn", "Giám đốc Sở Xây dựng"),
    ("citizen", "citizen", None, "Ngô Thị Mai", ""),
]

CALENDAR_CHANGES = [
    (date(2025, 4, 26), "working_day", "Đi làm bù cho ngày nghỉ 02/05/2025"),
    (date(2026, 8, 22), "working_day", "Đi làm bù cho ngày nghỉ 31/08/2026"),
]


def _org(
    code: str, name: str, kind: str, parent: Organisation | None, unit: AdminUnit | None
) -> Organisation:
    org, _created = Organisation.objects.update_or_create(
        code=code, defaults={"name": name, "kind": kind, "parent": parent, "admin_unit": unit}
    )
    return org


def _ward(province: str, name: str) -> AdminUnit | None:
    key = search_key(name)
    candidates = AdminUnit.objects.filter(
        province_id=province, level=DivisionLevel.WARD, search_name__endswith=key
    )
    return next((u for u in candidates if search_key(u.name).split(" ", 1)[-1] == key), None)


@transaction.atomic
def seed_catalog() -> dict[str, int]:
    """What a real installation starts from, with nothing made up: the administrative units, the service
    categories (with their questions) and the procedure catalog. Idempotent: what is there already, an
    administrator's edits included, is left as it is. No accounts, organisations, reports or dossiers."""
    if AdminUnit.objects.filter(level=DivisionLevel.WARD).count() < 3321:
        load_units()
    _seed_categories()
    return {
        "provinces": AdminUnit.objects.filter(level=DivisionLevel.PROVINCE).count(),
        "wards": AdminUnit.objects.filter(level=DivisionLevel.WARD).count(),
        "categories": ServiceCategory.objects.count(),
        "procedures": seed_procedures(),
        "forms": len(attach_demo_forms()),
    }


def _seed_categories() -> None:
    for code, domain, name, name_en, handled_by, department, days in CATEGORIES:
        defaults = {
            "domain": domain,
            "name": name,
            "name_en": name_en,
            "handled_by": handled_by,
            "department_code": department,
            "working_days": days,
        }
        # Made when missing only: an administrator's later edits are not undone at each start.
        ServiceCategory.objects.get_or_create(
            code=code, defaults={**defaults, "questions": QUESTIONS.get(code, [])}
        )


@transaction.atomic
def seed_demo() -> dict[str, int]:
    if AdminUnit.objects.filter(level=DivisionLevel.WARD).count() < 3321:
        load_units()
    actor = Actor.system("seed-demo")
    for province, city_name in CITIES.items():
        city = _org(
            province,
            f"UBND {city_name}",
            OrgKind.PEOPLES_COMMITTEE,
            None,
            AdminUnit.objects.get(code=province),
        )
        for suffix, name, kind in DEPARTMENTS:
            _org(f"{province}.{suffix}", name, kind, city, None)
        for ward_name in SAMPLE_WARDS[province]:
            ward = _ward(province, ward_name)
            if ward is None:
                continue
            committee = _org(ward.code, f"UBND {ward.name}", OrgKind.PEOPLES_COMMITTEE, city, ward)
            _org(f"{ward.code}.MC", f"Bộ phận Một cửa {ward.name}", OrgKind.ONE_STOP_DESK, committee, ward)
    _seed_categories()
    created = 0
    for username, role, org_code, full_name, title in PEOPLE:
        if User.objects.filter(username=username).exists():
            continue
        user = user_create(
            actor=actor,
            username=username,
            role=role,
            unit_code=org_code,
            full_name=full_name,
            email=f"{username}@demo.citydesk.vn",
            password=DEMO_PASSWORD,
            title=title,
        )
        if role == "admin":
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
        created += 1
    admin = User.objects.get(username="admin")
    for day, kind, name in CALENDAR_CHANGES:
        if not CalendarOverride.objects.filter(date=day).exists():
            calendar_override_set(
                user=admin, day=day, kind=kind, name=name, legal_basis="Thông báo của Bộ Nội vụ"
            )
    # Seed 001: a head lets a ward's People's Committee approve dossiers in their place for a period.
    director = User.objects.get(username="sxd_director")
    if not Delegation.objects.filter(delegator=director).exists():
        delegation_grant(
            user=director,
            organisation=Organisation.objects.get(code="79.SXD"),
            powers=[Power.DOSSIER_APPROVE],
            start_date=date(timezone.localdate().year, 1, 1),  # this year, whenever the demo is loaded
            end_date=date(timezone.localdate().year, 12, 31),
            delegate_organisation=Organisation.objects.get(code="26743"),
            reason="Quyết định ủy quyền số 12/QĐ-SXD (dữ liệu mẫu)",
        )
    return {
        "organisations": Organisation.objects.count(),
        "users_created": created,
        "categories": ServiceCategory.objects.count(),
        "procedures": seed_procedures(),
        "forms": len(attach_demo_forms()),
    }
