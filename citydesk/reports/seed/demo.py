"""The demo's reports: a few dozen stories through the real services, the rest bulk-seeded."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from citydesk.core.errors import DomainError
from citydesk.core.models import (
    AdminUnit,
    DivisionLevel,
    Organisation,
    OrgKind,
    ServiceCategory,
    User,
)
from citydesk.reports.models import (
    Channel,
    IdempotencyKey,
    Rating,
    Report,
    ReportEvent,
    Status,
)
from citydesk.reports.seed.bulk import ReportSeeder
from citydesk.reports.seed.common import (
    EXAMPLE_DOMAIN,
    SEED_HINT,
)
from citydesk.reports.seed.texts import (
    GENERIC_RESOLUTIONS,
    RATING_COMMENTS,
    REJECT_NOTES,
    RESOLUTIONS,
)

DEMO_SCOPE = "seed-demo"
BEN_THANH = "26743"

# One story a line: category | moves after intake (run by the demo officers) | address | description.
# received / classify / assign / start / resolve / close (citizen satisfied) / normal / reopen / reject:R /
# transfer:ORG / merge:N (duplicate of story N) / pause / note
_DEMO_STORY_LINES = """
road_damage | - | 86 Lê Lợi | Ổ gà lớn giữa đường Lê Lợi, đoạn trước Bưu điện, xe máy đi qua rất dễ té ngã.
garbage | - | Góc Lê Thánh Tôn – Thủ Khoa Huân | Rác tồn đọng ở góc đường Lê Thánh Tôn – Thủ Khoa Huân hai ngày chưa thu gom.
noise | - | 150 Bùi Viện | Quán bar trên đường Bùi Viện mở nhạc lớn đến 2 giờ sáng.
public_order | classify | Cửa Nam chợ Bến Thành | Hàng rong chiếm vỉa hè trước chợ Bến Thành, người đi bộ phải xuống lòng đường.
road_damage | classify | 72 Phạm Ngũ Lão | Nắp hố ga trên đường Phạm Ngũ Lão bị hụt sâu, nguy hiểm cho xe máy.
illegal_construction | classify | 45/12 Cống Quỳnh | Nhà số 45 hẻm 12 Cống Quỳnh đang xây thêm tầng 4, không thấy giấy phép.
garbage | classify assign | Công viên 23/9, Lê Lai | Thùng rác công cộng trên đường Lê Lai đầy tràn, bốc mùi.
public_order | classify assign | 220 Lê Thánh Tôn | Ô tô đậu chắn lối vào hẻm 220 Lê Thánh Tôn cả ngày.
noise | assign | 30 Nguyễn Trãi | Công trình trên đường Nguyễn Trãi thi công từ 5 giờ sáng.
road_damage | classify assign start | 120 Lý Tự Trọng | Mặt đường Lý Tự Trọng bị bong tróc sau khi đào lắp cáp.
garbage | assign start | Công viên 23/9 | Có người đổ xà bần ban đêm cạnh công viên 23/9.
illegal_construction | classify assign start note | 55 Calmette | Căn nhà trên đường Calmette cơi nới ban công lấn ra vỉa hè.
admin_service | classify assign start pause | UBND Phường Bến Thành | Hồ sơ đăng ký hộ kinh doanh nộp tại Bộ phận Một cửa đã quá hẹn 5 ngày.
public_order | assign start | 18 Nguyễn An Ninh | Quán ăn bày bàn ghế chiếm hết vỉa hè đường Nguyễn An Ninh.
road_damage | classify assign start resolve | 10 Tôn Thất Tùng | Ổ gà trước số 10 Tôn Thất Tùng, nước đọng sau mưa.
garbage | assign start resolve | 40 Lê Thị Riêng | Rác thải sinh hoạt bị vứt ra lòng đường Lê Thị Riêng.
noise | classify assign resolve | Công viên Tao Đàn | Loa kẹo kéo hát khuya ở công viên Tao Đàn.
public_order | assign start resolve | 61 Lê Anh Xuân | Xe ba gác đậu chắn lối đi trước nhà 61 Lê Anh Xuân.
road_damage | classify assign start resolve close | 25 Nguyễn Thị Nghĩa | Đường Nguyễn Thị Nghĩa lún thành vũng sâu.
garbage | assign start resolve close | 90 Trương Định | Điểm tập kết rác trên đường Trương Định không được che chắn.
noise | classify assign resolve close | 33 Sương Nguyệt Ánh | Karaoke tại nhà trên đường Sương Nguyệt Ánh hát đến nửa đêm.
public_order | assign start resolve normal | Lê Lợi | Quảng cáo dán tràn lan trên cột điện đường Lê Lợi.
illegal_construction | classify assign start resolve close | 12 Phan Chu Trinh | Công trình không che chắn, vật liệu rơi xuống đường Phan Chu Trinh.
admin_service | assign start resolve normal | UBND Phường Bến Thành | Cán bộ tiếp nhận yêu cầu bổ sung giấy tờ nhiều lần, không hướng dẫn một lần.
road_damage | assign start resolve close | 150 Lê Lai | Vỉa hè đường Lê Lai bị vỡ gạch, người đi bộ vấp ngã.
garbage | assign start resolve reopen | 76 Phạm Hồng Thái | Xe thu gom rác không đến hẻm 76 Phạm Hồng Thái ba ngày nay.
road_damage | classify assign start resolve reopen | 100 Lê Lợi | Ổ gà trên đường Lê Lợi vá rồi lại bong, cần xử lý triệt để.
noise | assign resolve reopen | 60 Lê Thị Hồng Gấm | Cơ sở in ấn trên đường Lê Thị Hồng Gấm chạy máy suốt đêm.
public_order | reject:out_of_scope | Hẻm 5 Thủ Khoa Huân | Tranh chấp lối đi chung giữa hai hộ gia đình trong hẻm.
garbage | reject:spam | Không rõ | aaaa quảng cáo vay tiền nhanh gọi ngay
road_damage | merge:0 | 88 Lê Lợi | Ổ gà lớn trên đường Lê Lợi trước Bưu điện, rất nguy hiểm.
illegal_construction | classify reject:out_of_scope | Hẻm 30 Cống Quỳnh | Nhà hàng xóm xây lấn sang đất nhà tôi 20 cm.
admin_service | transfer:79.STP | UBND Phường Bến Thành | Đề nghị cấp lại bản sao giấy khai sinh nhưng phường trả lời thuộc Sở Tư pháp.
public_order | classify transfer:79 | Hàm Nghi | Bãi giữ xe tự phát trên vỉa hè đường Hàm Nghi.
noise | transfer:79 | Ranh giới phường | Tiếng ồn từ nhà hàng ở phường bên cạnh vọng sang, kéo dài đến khuya.
flooding | - | Nguyễn Thái Học | Mưa lớn, đường Nguyễn Thái Học ngập sâu 40 cm, nước tràn vào nhà.
street_lighting | classify assign | Lê Lợi | Cả dãy đèn đường Lê Lợi tắt ba đêm liền, rất tối.
trees | assign start | Lê Duẩn | Cây dầu trên đường Lê Duẩn nghiêng sau mưa, nguy cơ ngã đổ.
flooding | assign start resolve | Hàm Nghi | Cống thoát nước đường Hàm Nghi tắc, mưa là ngập.
street_lighting | assign start resolve close | Trần Hưng Đạo | Cột đèn trên đường Trần Hưng Đạo bị nghiêng, dây điện hở.
trees | classify assign start resolve close | Nguyễn Du | Cành cây khô sắp gãy trước trường tiểu học trên đường Nguyễn Du.
flooding | assign start resolve reopen | Lê Thánh Tôn | Hố ga trào nước bẩn trên đường Lê Thánh Tôn sau mưa.
"""
DEMO_STORIES: list[tuple[str, str, str, list[str]]] = [
    (cat, desc, addr, [] if path == "-" else path.split())
    for cat, path, addr, desc in (
        (part.strip() for part in line.split("|", 3)) for line in _DEMO_STORY_LINES.strip().splitlines()
    )
]


def _demo_users() -> dict[str, User]:
    names = ["head", "officer", "sxd_director", "citizen", "operator"]
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    missing = [n for n in names if n not in users]
    if missing:
        raise DomainError(f"Demo users {', '.join(missing)} are missing: {SEED_HINT}.", field="user")
    return users


def seed_demo_reports(count: int = 300, *, seed: int = 2026) -> dict[str, int]:
    """A few hundred demo reports in every state, idempotent (nothing happens if they exist).

    The first ~40 (Phường Bến Thành and the Department of Construction) go through the real services
    (`report_submit`, `report_transition`, `report_rate`, …) with the demo officers, so they have a true
    history, notifications and audit rows; the rest are bulk-seeded (`ReportSeeder`) over the sample
    wards of HCMC and Hanoi during the last 6 months.
    """
    if IdempotencyKey.objects.filter(scope=DEMO_SCOPE).exists():
        return {"demo_reports": 0}
    users = _demo_users()
    if not Organisation.objects.filter(code=BEN_THANH).exists():
        raise DomainError(f"Organisation {BEN_THANH} is missing: {SEED_HINT}.", field="organisation")
    count = max(int(count), 0)
    with transaction.atomic():
        stories = DEMO_STORIES[:count]
        made = _demo_through_services(stories, users, seed)
        rest = count - made
        if rest > 0:
            sample = list(
                Organisation.objects.filter(
                    kind=OrgKind.PEOPLES_COMMITTEE, admin_unit__level=DivisionLevel.WARD, is_active=True
                ).values_list("admin_unit_id", flat=True)
            )
            provinces = sorted(
                set(AdminUnit.objects.filter(code__in=sample).values_list("province_id", flat=True))
            )
            ReportSeeder(provinces=provinces, months=6, seed=seed, ward_codes=sample).run(rest)
        # What the worker's periodic sweep would have done by now to the stories received days ago:
        # warnings, escalations to the heads, time-outs. Without it the operations center's overdue
        # figure (escalated reports) would lag behind the queues until the worker's first run.
        from citydesk.reports.services import sla_sweep

        sla_sweep()
    return {"demo_reports": count}


KM_PER_DEGREE = 111.32


def _point_in_ward(ward: AdminUnit, rng: np.random.Generator, *, tries: int = 40) -> tuple[float, float]:
    """A point spread over the ward (uniform in a disc of 70 % of the ward's radius, from its area) that
    the locator puts in the ward; the centre's surroundings when none does."""
    from citydesk.core.errors import NotFound
    from citydesk.core.units import locate_point

    radius_km = 0.7 * float(np.sqrt(max(ward.area_km2 or 1.0, 0.2) / np.pi))
    scale = np.cos(np.radians(ward.centre_lat))
    for _attempt in range(tries):
        distance = radius_km * float(np.sqrt(rng.uniform(0, 1)))
        angle = float(rng.uniform(0, 2 * np.pi))
        lon = round(ward.centre_lon + distance * np.cos(angle) / (KM_PER_DEGREE * scale), 6)
        lat = round(ward.centre_lat + distance * np.sin(angle) / KM_PER_DEGREE, 6)
        try:
            if locate_point(lon, lat).unit.code == ward.code:
                return lon, lat
        except NotFound:
            continue
    return round(ward.centre_lon, 6), round(ward.centre_lat, 6)


def _near(point: tuple[float, float], rng: np.random.Generator) -> tuple[float, float]:
    """A point 5 to 20 m from `point` (a second report of the same problem)."""
    distance = float(rng.uniform(0.005, 0.02))
    angle = float(rng.uniform(0, 2 * np.pi))
    scale = np.cos(np.radians(point[1]))
    return (
        round(point[0] + distance * np.cos(angle) / (KM_PER_DEGREE * scale), 6),
        round(point[1] + distance * np.sin(angle) / KM_PER_DEGREE, 6),
    )


def _demo_through_services(
    stories: list[tuple[str, str, str, list[str]]], users: dict[str, User], seed: int
) -> int:
    from citydesk.reports import services

    rng = np.random.default_rng(seed)
    ward = AdminUnit.objects.get(code=BEN_THANH)
    now = timezone.now()
    codes: list[str] = []
    available = set(ServiceCategory.objects.filter(domain="report").values_list("code", flat=True))
    points: list[tuple[float, float]] = []
    for index, (category, description, street, path) in enumerate(stories):
        # Spread over the ward as the addresses are; a duplicate a few metres from the report it repeats.
        same_as = next((int(step[6:]) for step in path if step.startswith("merge:")), None)
        if same_as is not None and same_as < len(points):
            points.append(_near(points[same_as], rng))
        else:
            points.append(_point_in_ward(ward, rng))
        if category not in available:
            codes.append("")
            continue
        # Received 1 to 25 days ago (office hours mostly); the oldest open ones are overdue.
        when = now - timedelta(days=float(rng.uniform(1, 25)), hours=float(rng.uniform(0, 6)))
        citizen = index % 2 == 0
        intake = services.report_submit(
            category=category,
            description=description,
            channel=[Channel.WEB, Channel.APP, Channel.HOTLINE][index % 3],
            lon=points[index][0],
            lat=points[index][1],
            address=f"{street}, {ward.name}, Thành phố Hồ Chí Minh",
            contact_name="" if citizen else "Trần Thị Demo",
            contact_email="" if citizen else f"nguoidan{index:02d}@{EXAMPLE_DOMAIN}",
            reporter=users["citizen"] if citizen else None,
            entered_by=users["operator"] if index % 3 == 2 else None,
            idempotency_scope=DEMO_SCOPE,
            idempotency_key=f"demo-{index:03d}",
            when=when,
        )
        report = intake.report
        codes.append(report.code)
        department = report.unit.kind == OrgKind.DEPARTMENT
        boss = users["sxd_director"] if department else users["head"]
        worker = users["sxd_director"] if department else users["officer"]
        for step in path:
            name, _sep, arg = step.partition(":")
            if name == "classify":
                services.report_transition(user=boss, code=report.code, action="classify")
            elif name == "assign":
                services.report_transition(
                    user=boss, code=report.code, action="assign", assignee=worker.username
                )
            elif name == "start":
                services.report_transition(user=worker, code=report.code, action="start")
            elif name == "resolve":
                if Report.objects.get(pk=report.pk).status == Status.ASSIGNED:
                    services.report_transition(user=worker, code=report.code, action="start")
                services.report_transition(
                    user=worker,
                    code=report.code,
                    action="resolve",
                    resolution=RESOLUTIONS.get(category, GENERIC_RESOLUTIONS)[0],
                )
            elif name in ("close", "normal", "reopen"):
                fresh = Report.objects.get(pk=report.pk)
                level = {"close": "satisfied", "normal": "normal", "reopen": "unsatisfied"}[name]
                services.report_rate(
                    code=report.code,
                    level=level,
                    comment=RATING_COMMENTS[level][-1],
                    reopen=name == "reopen",
                    user=users["citizen"] if fresh.reporter_id else None,
                    token="" if fresh.reporter_id else fresh.citizen_token,
                )
            elif name == "reject":
                services.report_transition(
                    user=boss, code=report.code, action="reject", reason=arg, note=REJECT_NOTES[arg][0]
                )
            elif name == "transfer":
                services.report_transition(
                    user=boss,
                    code=report.code,
                    action="transfer",
                    target_unit=arg,
                    note="Nội dung thuộc thẩm quyền của đơn vị khác.",
                )
            elif name == "merge":
                master = codes[int(arg)]
                if master:
                    services.report_merge(user=boss, code=report.code, into=master)
            elif name == "pause":
                services.report_pause(
                    user=worker, code=report.code, note="Đề nghị người dân cung cấp số biên nhận hồ sơ."
                )
            elif name == "note":
                services.report_note(
                    user=worker,
                    code=report.code,
                    text="Đã liên hệ chủ nhà, hẹn kiểm tra hiện trạng.",
                    public=True,
                )
        _spread_history(report.pk, now, rng)
    return sum(1 for c in codes if c)


def _spread_history(report_id: int, now: datetime, rng: np.random.Generator) -> None:
    """The services stamp every move 'now': spread them between the receipt and now, in order."""
    report = Report.objects.get(pk=report_id)
    events = list(ReportEvent.objects.filter(report_id=report_id).order_by("at", "pk"))
    span = (now - report.created_at).total_seconds()
    steps = max(len(events) - 1, 1)
    times = [report.created_at]
    for k in range(1, len(events)):
        share = (k + float(rng.uniform(-0.3, 0.3))) / (steps + 1)
        times.append(
            max(times[-1] + timedelta(minutes=5), report.created_at + timedelta(seconds=span * share))
        )
    for event, at in zip(events, times, strict=True):
        if event.at != at:
            ReportEvent.objects.filter(pk=event.pk).update(at=at)
    moved: dict[str, Any] = {"updated_at": times[-1]}
    status_times = {e.to_status: at for e, at in zip(events, times, strict=True) if e.to_status}
    if report.resolved_at:
        moved["resolved_at"] = status_times.get(Status.RESOLVED, times[-1])
    if report.closed_at:
        moved["closed_at"] = status_times.get(Status.CLOSED, times[-1])
    if report.paused_at:
        moved["paused_at"] = times[-1]
    Report.objects.filter(pk=report_id).update(**moved)
    rating_event = next((at for e, at in zip(events, times, strict=True) if e.kind == "rating"), None)
    if rating_event is not None:
        Rating.objects.filter(report_id=report_id).update(created_at=rating_event)
