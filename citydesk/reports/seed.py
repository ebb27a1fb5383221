"""Synthetic citizen reports: `citydesk seed-reports` (benchmarks, load tests) and the demo reports.

Everything this module writes is SYNTHETIC: made-up descriptions, people, phone numbers and e-mail
addresses (``@example.com``), generated to look like a real city's 1022 traffic. Bulk-seeded reports get
no audit rows (the audit trail records what people did; nobody did these) and no notifications; only
the few dozen demo reports that `seed_demo_reports` sends through the real services have an audit
trail, like any other report. Never seed a production database.

How the bulk path stays fast (≥ 50 % of a bare `executemany` / `COPY` of the same Report rows):

- every column is generated with numpy for a whole batch; texts are drawn from pools built once;
- routing is asked once per (category, routing class of wards) (`routing.route`, see `_prepare_routing`)
  and cached; time-window rules are evaluated at seeding time, not at each report's own time;
- deadlines come from the calendar's bulk function (`bulk_add_working_days`) and a vectorised
  working-hours addition that gives the same results as `_due_times` for every row;
- tracking codes are reserved a block at a time: one ``UPDATE … RETURNING`` per batch and year on
  `CodeCounter`, so codes stay unique and continue the counter used by `report_submit`;
- report ids are reserved up front (PostgreSQL sequence, SQLite under the write lock) so that events
  and ratings can point at them, then the rows go in with `executemany` (SQLite) or `COPY` (PostgreSQL),
  one transaction per batch of 50,000 (at the end, VACUUM (ANALYZE) on PostgreSQL);
- the cyclic garbage collector is paused while the batches are built (no reference cycles).

Measured with bench/reports_bulk.py: 0.5–0.6 of the bare insert of the Report rows alone, while also
writing one event per report and ~45 % as many ratings.
"""

from __future__ import annotations

import base64
import gc
import json
import math
import os
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from citydesk.core.calendar import current_calendar
from citydesk.core.errors import DomainError
from citydesk.core.models import (
    AdminUnit,
    DivisionLevel,
    Membership,
    Organisation,
    OrgKind,
    ServiceCategory,
    User,
)
from citydesk.core.units import get_locator
from citydesk.lib.names import FAMILY, GIVEN, MIDDLE
from citydesk.reports import routing
from citydesk.reports.models import (
    Channel,
    CodeCounter,
    IdempotencyKey,
    Rating,
    RejectReason,
    Report,
    ReportEvent,
    RoutingRule,
    Status,
)

DEFAULT_BATCH = 50_000  # rows per transaction: each commit checkpoints the WAL (measured: fewer is faster)
MAX_COUNT = 50_000_000
EXAMPLE_DOMAIN = "example.com"  # reserved (RFC 2606): a seeded address can never reach anyone
SEED_HINT = "run `citydesk seed-demo` first"

# --- Text pools -----------------------------------------------------------------------------------

STREETS = {
    "79": [
        "Lê Lợi",
        "Nguyễn Huệ",
        "Điện Biên Phủ",
        "Hai Bà Trưng",
        "Pasteur",
        "Nam Kỳ Khởi Nghĩa",
        "Võ Văn Tần",
        "Cách Mạng Tháng Tám",
        "Lý Tự Trọng",
        "Tôn Đức Thắng",
        "Nguyễn Thị Minh Khai",
        "Trần Hưng Đạo",
        "Lê Duẩn",
        "Nguyễn Du",
        "Phạm Ngũ Lão",
        "Bùi Viện",
        "Cống Quỳnh",
        "Nguyễn Trãi",
        "Võ Thị Sáu",
        "Xô Viết Nghệ Tĩnh",
        "Phan Xích Long",
        "Nguyễn Văn Linh",
        "Huỳnh Tấn Phát",
        "Kha Vạn Cân",
        "Võ Văn Ngân",
        "Phạm Văn Đồng",
        "Quang Trung",
        "Lê Văn Sỹ",
        "Hoàng Văn Thụ",
        "3 Tháng 2",
        "Lý Thường Kiệt",
        "Trường Chinh",
        "Cộng Hòa",
        "Âu Cơ",
        "Lạc Long Quân",
        "Hùng Vương",
        "An Dương Vương",
        "Kinh Dương Vương",
        "Tân Kỳ Tân Quý",
        "Nguyễn Oanh",
        "Phan Văn Trị",
        "Bạch Đằng",
        "Nơ Trang Long",
        "Đinh Tiên Hoàng",
        "Calmette",
        "Yersin",
    ],
    "01": [
        "Tràng Tiền",
        "Hàng Bài",
        "Đinh Tiên Hoàng",
        "Lê Thái Tổ",
        "Hàng Bông",
        "Hàng Gai",
        "Phố Huế",
        "Bà Triệu",
        "Kim Mã",
        "Đội Cấn",
        "Hoàng Hoa Thám",
        "Nguyễn Chí Thanh",
        "Láng",
        "Xã Đàn",
        "Tây Sơn",
        "Giải Phóng",
        "Trường Chinh",
        "Lạc Long Quân",
        "Âu Cơ",
        "Thụy Khuê",
        "Phan Đình Phùng",
        "Điện Biên Phủ",
        "Lê Duẩn",
        "Nguyễn Thái Học",
        "Quán Thánh",
        "Thanh Niên",
        "Xuân Thủy",
        "Cầu Giấy",
        "Trần Duy Hưng",
        "Lê Văn Lương",
        "Hàng Đào",
        "Hàng Bạc",
        "Lý Thường Kiệt",
        "Trần Hưng Đạo",
        "Hai Bà Trưng",
        "Nguyễn Du",
        "Hùng Vương",
        "Văn Cao",
        "Liễu Giai",
        "Yên Phụ",
    ],
}
COMMON_STREETS = [
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Huệ",
    "Quang Trung",
    "Hùng Vương",
    "Lý Thường Kiệt",
    "Hai Bà Trưng",
    "Lê Duẩn",
    "Nguyễn Trãi",
    "Điện Biên Phủ",
    "Phan Chu Trinh",
    "Phan Bội Châu",
    "Trần Phú",
    "Lê Hồng Phong",
    "Nguyễn Văn Cừ",
    "Võ Nguyên Giáp",
    "Ngô Quyền",
    "Bà Triệu",
    "Lý Tự Trọng",
    "Nguyễn Thị Minh Khai",
    "Trường Chinh",
    "Tôn Đức Thắng",
    "Lê Thánh Tông",
    "Nguyễn Du",
    "Hoàng Diệu",
    "Thống Nhất",
]
PLACES = [
    "cổng trường tiểu học",
    "chợ dân sinh",
    "ngã tư",
    "trạm xe buýt",
    "công viên",
    "nhà văn hóa khu phố",
    "chung cư",
    "bệnh viện",
    "cây xăng",
    "đầu hẻm",
    "trụ sở UBND phường",
    "nhà thờ",
    "chùa",
    "siêu thị",
    "trường mầm non",
    "cầu",
    "bến xe",
    "khu tập thể",
    "quán cà phê",
    "tiệm thuốc",
]
TEMPLATES = {
    "road_damage": [
        "Ổ gà lớn trên đường {street}, đoạn gần {place}, xe máy đi qua rất nguy hiểm, nhất là buổi tối.",
        "Mặt đường {street} bị sụt lún, nứt toác khoảng {n} m, nước đọng sau mỗi cơn mưa.",
        "Nắp hố ga trên đường {street} gần {place} bị vỡ, hụt xuống so với mặt đường, đã có người té ngã.",
        "Đường {street} sau khi đào lắp cống chưa được hoàn trả mặt bằng, lồi lõm, bụi mù cả ngày.",
        "Nhiều ổ gà liên tiếp trên đường {street} đoạn trước {place}, sâu khoảng {n}0 cm.",
    ],
    "flooding": [
        "Mưa lớn chiều nay đường {street} ngập sâu khoảng {n}0 cm, nước tràn vào nhà dân.",
        "Cống thoát nước trên đường {street} bị tắc, rác bít miệng cống, mỗi lần mưa là ngập.",
        "Triều cường dâng, đoạn {street} gần {place} ngập nặng, nhiều xe chết máy.",
        "Hố ga trước {place} trên đường {street} trào nước bẩn, bốc mùi hôi.",
    ],
    "garbage": [
        "Bãi rác tự phát ở góc đường {street}, gần {place}, bốc mùi hôi thối, ruồi nhặng nhiều.",
        "Xe thu gom rác không đến đường {street} đã {n} ngày, rác tràn ra vỉa hè.",
        "Có người đổ trộm xà bần, phế thải xây dựng ban đêm trên đường {street} gần {place}.",
        "Thùng rác công cộng trước {place} đường {street} đầy tràn, không ai thu dọn.",
    ],
    "illegal_construction": [
        "Công trình nhà số {n}{n} đường {street} xây thêm tầng, lấn ra hẻm, không thấy treo giấy phép.",
        "Căn nhà gần {place} trên đường {street} đang cơi nới ban công lấn chiếm không gian chung.",
        "Công trình thi công ngoài giờ, không che chắn, vật liệu rơi xuống đường {street}.",
        "Có người dựng nhà tạm trên đất công cạnh {place}, đường {street}.",
    ],
    "noise": [
        "Quán nhậu trên đường {street} mở nhạc lớn, hát karaoke đến quá 23 giờ mỗi đêm.",
        "Công trình gần {place} trên đường {street} thi công ồn ào từ 5 giờ sáng.",
        "Cơ sở sản xuất trong hẻm đường {street} chạy máy suốt đêm, ồn và rung.",
        "Loa kẹo kéo ở khu vực {place} đường {street} hát đến khuya, ảnh hưởng người già và trẻ nhỏ.",
    ],
    "street_lighting": [
        "Đèn đường trên đường {street} đoạn gần {place} tắt {n} ngày nay, tối om, dễ xảy ra cướp giật.",
        "Cột đèn chiếu sáng trên đường {street} bị nghiêng, dây điện lòi ra ngoài, rất nguy hiểm.",
        "Đèn đường {street} sáng cả ban ngày, lãng phí điện.",
        "Cả dãy đèn trước {place} trên đường {street} chập chờn, lúc sáng lúc tắt.",
    ],
    "public_order": [
        "Hàng quán lấn chiếm hết vỉa hè đường {street}, người đi bộ phải đi xuống lòng đường.",
        "Ô tô đậu trái phép hai bên đường {street} gần {place}, gây kẹt xe giờ cao điểm.",
        "Người bán hàng rong tụ tập trước {place} trên đường {street}, gây mất trật tự.",
        "Tiệm sửa xe bày đồ nghề chiếm hết vỉa hè đường {street}, dầu nhớt loang ra đường.",
    ],
    "trees": [
        "Cây xanh trên đường {street} bị nghiêng sau cơn mưa, có nguy cơ ngã đổ vào nhà dân.",
        "Cành cây khô gần {place} trên đường {street} sắp gãy, đề nghị cắt tỉa.",
        "Cây xanh trên vỉa hè đường {street} bị đốn hạ trái phép.",
        "Rễ cây làm bong tróc vỉa hè đường {street} đoạn trước {place}, người đi bộ dễ vấp ngã.",
    ],
    "admin_service": [
        "Tôi nộp hồ sơ tại Bộ phận Một cửa của phường đã quá hẹn {n} ngày nhưng chưa có kết quả.",
        "Cán bộ tiếp nhận hồ sơ yêu cầu bổ sung giấy tờ nhiều lần, không hướng dẫn một lần đầy đủ.",
        "Đề nghị phường bố trí thêm quầy tiếp nhận buổi sáng, người dân phải chờ hơn {n} giờ.",
        "Máy lấy số thứ tự tại Bộ phận Một cửa hỏng {n} ngày nay, người dân chen lấn.",
    ],
}
GENERIC_TEMPLATES = [
    "Phản ánh về {category} trên đường {street}, gần {place}.",
    "Đề nghị kiểm tra tình trạng {category} tại khu vực {place}, đường {street}.",
]
ENDINGS = [
    "",
    " Đề nghị cơ quan chức năng kiểm tra, xử lý sớm.",
    " Mong phường sớm xử lý.",
    " Tình trạng này kéo dài đã lâu.",
    " Rất mong được phản hồi.",
    " Người dân khu phố đã nhắc nhiều lần nhưng không có kết quả.",
    " Tôi có chụp ảnh, cần thì liên hệ lại.",
]
RESOLUTIONS = {
    "road_damage": [
        "Đã phối hợp đơn vị duy tu vá ổ gà, hoàn trả mặt đường.",
        "Đã thay nắp hố ga mới và cắm biển cảnh báo trong thời gian thi công.",
        "Đã yêu cầu đơn vị thi công hoàn trả mặt bằng; kiểm tra lại đạt yêu cầu.",
    ],
    "flooding": [
        "Đã nạo vét cống, thông miệng thu nước; theo dõi thêm khi mưa lớn.",
        "Đã bố trí máy bơm và lực lượng hỗ trợ; đưa tuyến cống vào kế hoạch cải tạo.",
    ],
    "garbage": [
        "Đã thu dọn bãi rác, lắp biển cấm đổ rác và tăng cường tuần tra.",
        "Đã làm việc với đơn vị thu gom, khôi phục lịch thu gom hằng ngày.",
    ],
    "illegal_construction": [
        "Đã kiểm tra, lập biên bản vi phạm hành chính và yêu cầu tự tháo dỡ phần sai phép.",
        "Đã kiểm tra: công trình có giấy phép; đề nghị chủ đầu tư treo biển báo theo quy định.",
    ],
    "noise": [
        "Đã kiểm tra, nhắc nhở và lập biên bản cơ sở gây ồn sau 22 giờ.",
        "Đã yêu cầu nhà thầu không thi công trước 6 giờ sáng và sau 22 giờ.",
    ],
    "street_lighting": [
        "Đã thay bóng đèn và sửa tủ điện chiếu sáng.",
        "Đã dựng lại cột đèn, bọc cách điện đầu dây.",
    ],
    "public_order": [
        "Đã ra quân lập lại trật tự vỉa hè, xử phạt các trường hợp tái phạm.",
        "Đã phối hợp công an phường xử lý xe đậu sai quy định.",
    ],
    "trees": [
        "Đã cắt tỉa cành khô, chằng chống cây nghiêng.",
        "Đã đốn hạ cây nguy hiểm và trồng cây thay thế.",
    ],
    "admin_service": [
        "Đã trả kết quả hồ sơ, xin lỗi người dân vì trễ hẹn.",
        "Đã chấn chỉnh cán bộ tiếp nhận và niêm yết đầy đủ thành phần hồ sơ.",
    ],
}
GENERIC_RESOLUTIONS = ["Đã kiểm tra và xử lý theo thẩm quyền.", "Đã chuyển đơn vị chuyên môn xử lý xong."]
REJECT_NOTES = {
    RejectReason.OUT_OF_SCOPE: [
        "Nội dung thuộc thẩm quyền giải quyết của Tòa án nhân dân.",
        "Tranh chấp dân sự giữa các hộ gia đình, đề nghị hòa giải ở cơ sở.",
        "Vị trí phản ánh thuộc địa bàn tỉnh khác.",
    ],
    RejectReason.DUPLICATE: [
        "Trùng với phản ánh đang được xử lý.",
        "Cùng vụ việc đã được tiếp nhận trước đó.",
    ],
    RejectReason.SPAM: ["Nội dung không rõ ràng, không có địa điểm.", "Nội dung quảng cáo."],
}
RATING_COMMENTS = {
    Rating.Level.SATISFIED: ["", "", "Cảm ơn phường đã xử lý nhanh.", "Rất hài lòng.", "Xử lý tốt."],
    Rating.Level.NORMAL: ["", "Xử lý được nhưng hơi chậm.", "Tạm ổn."],
    Rating.Level.UNSATISFIED: ["Chưa xử lý triệt để.", "Tình trạng vẫn như cũ.", "Xử lý qua loa."],
}
PHONE_PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "032", "033", "035", "070", "077", "086"]
CHANNEL_SHARE = {
    Channel.WEB: 0.28,
    Channel.APP: 0.34,
    Channel.HOTLINE: 0.22,
    Channel.EMAIL: 0.05,
    Channel.OPEN311: 0.06,
    Channel.CHAT: 0.05,
}
CHANNEL_NOTE = {
    Channel.WEB: "Cổng thông tin",
    Channel.APP: "ứng dụng di động",
    Channel.HOTLINE: "tổng đài 1022",
    Channel.EMAIL: "thư điện tử",
    Channel.OPEN311: "ứng dụng đối tác (Open311)",
    Channel.CHAT: "kênh chat",
}
CATEGORY_SHARE = {
    "road_damage": 0.17,
    "garbage": 0.15,
    "public_order": 0.14,
    "flooding": 0.10,
    "noise": 0.10,
    "street_lighting": 0.10,
    "illegal_construction": 0.10,
    "trees": 0.07,
    "admin_service": 0.05,
}
# Local hour of receipt: quiet at night, peaks in the morning and the early afternoon.
HOUR_WEIGHTS = np.array(
    [1, 0.6, 0.4, 0.3, 0.4, 1, 2.5, 5, 8, 9, 9, 8, 5, 5, 8, 8, 7, 6, 5, 5, 4.5, 3.5, 2.5, 1.5], dtype=float
)

# Status codes used in the vectorised timeline (index into STATUS_ORDER).
STATUS_ORDER = [
    Status.RECEIVED,
    Status.CLASSIFIED,
    Status.TRANSFERRED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.RESOLVED,
    Status.CLOSED,
    Status.REJECTED,
    Status.REOPENED,
]
STATUS_VALUES = [s.value for s in STATUS_ORDER]  # plain str: drivers must not see the enum members
RCV, CLS, TRF, ASG, INP, RES, CLO, REJ, REO = range(len(STATUS_ORDER))
VERSION = np.array([1, 2, 2, 3, 4, 5, 6, 2, 6])
NEVER = np.iinfo(np.int64).max // 4  # "does not happen": later than any now
HOUR = 3600
DAY = 86_400


# --- Results --------------------------------------------------------------------------------------


@dataclass
class SeedResult:
    count: int = 0
    events: int = 0
    ratings: int = 0
    seconds: float = 0.0
    first_code: str = ""
    last_code: str = ""
    statuses: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


@dataclass
class Batch:
    """One batch of generated reports, as database-ready columns (ids and codes come at write time)."""

    n: int
    columns: dict[str, list[Any]]  # Report attname -> database values (all but id, code, duplicate_of)
    event: dict[str, list[Any]]  # ReportEvent attname -> database values (all but report)
    rated: np.ndarray  # row indexes that get a rating
    rating: dict[str, list[Any]]  # Rating attname -> database values (aligned with `rated`)
    years: np.ndarray  # local year of each row (for the tracking code)
    duplicate_row: np.ndarray  # row index of the report duplicated, -1 if none
    status: np.ndarray  # STATUS_ORDER index per row


# --- The seeder -----------------------------------------------------------------------------------


def parse_count(count: Any) -> int:
    try:
        value = int(str(count).strip().replace("_", "").replace(",", ""))
    except (TypeError, ValueError):
        raise DomainError(
            f"--count must be a whole number of reports, not “{count}”.", field="count"
        ) from None
    if value <= 0:
        raise DomainError(f"--count must be at least 1 (got {value}).", field="count")
    if value > MAX_COUNT:
        raise DomainError(f"--count is at most {MAX_COUNT:,}.", field="count")
    return value


class ReportSeeder:
    """Generates and writes synthetic reports for some wards; build once, then `run()` or `batches()`."""

    def __init__(
        self,
        *,
        provinces: Sequence[str] = ("79",),
        months: int = 24,
        seed: int | None = None,
        ward_codes: Sequence[str] | None = None,
        now: datetime | None = None,
    ) -> None:
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 240:
            raise DomainError(f"--months must be between 1 and 240, not “{months}”.", field="months")
        self.rng = np.random.default_rng(seed)
        self.now = (now or timezone.now()).replace(microsecond=0)
        self.now_s = int(self.now.timestamp())
        self.months = months
        self.vendor = connection.vendor
        if self.vendor not in ("sqlite", "postgresql"):
            raise DomainError("seed-reports writes to SQLite or PostgreSQL only.", field="database")
        self._people: dict[int, tuple[list[tuple[int, str]], tuple[int | None, str]]] = {}
        self._orgs: dict[int, Organisation] = {}
        self._load_reference_data(list(provinces), ward_codes)
        self._build_pools()
        self._prepare_calendar()
        self._prepare_neighbours()
        self._prepare_routing()

    # -- reference data ----------------------------------------------------------------------------

    def _load_reference_data(self, provinces: list[str], ward_codes: Sequence[str] | None) -> None:
        provinces = [p.strip().zfill(2) for p in provinces if p.strip()]
        if not provinces:
            raise DomainError("Give a province code, e.g. --province 79.", field="province")
        known = set(
            AdminUnit.objects.filter(code__in=provinces, level=DivisionLevel.PROVINCE).values_list(
                "code", flat=True
            )
        )
        if not known:
            if not AdminUnit.objects.filter(level=DivisionLevel.PROVINCE).exists():
                raise DomainError(f"No administrative units are loaded: {SEED_HINT}.", field="province")
            raise DomainError(f"Unknown province code “{', '.join(provinces)}”.", field="province")
        missing = [p for p in provinces if p not in known]
        if missing:
            raise DomainError(f"Unknown province code “{', '.join(missing)}”.", field="province")
        without_org = [p for p in provinces if not Organisation.objects.filter(code=p).exists()]
        if without_org:
            raise DomainError(
                f"Province {', '.join(without_org)} has no People's Committee organisation: {SEED_HINT}.",
                field="province",
            )
        self.categories = list(
            ServiceCategory.objects.filter(domain=ServiceCategory.Domain.REPORT).order_by("code")
        )
        if not self.categories:
            raise DomainError(f"No report categories: {SEED_HINT}.", field="category")
        wards = (
            AdminUnit.objects.filter(
                province_id__in=provinces, level=DivisionLevel.WARD, centre_lon__isnull=False
            )
            .defer("boundary")
            .order_by("code")
        )
        if ward_codes is not None:
            wards = wards.filter(code__in=list(ward_codes))
        self.wards = list(wards)
        if not self.wards:
            raise DomainError(f"No wards with a known centre in {', '.join(provinces)}: {SEED_HINT}.")
        self.provinces = provinces
        self.province_names = dict(AdminUnit.objects.filter(code__in=provinces).values_list("code", "name"))
        with_committee = set(
            Organisation.objects.filter(
                kind=OrgKind.PEOPLES_COMMITTEE, admin_unit__in=[w.code for w in self.wards], is_active=True
            ).values_list("admin_unit_id", flat=True)
        )
        # Sample wards (with a People's Committee in the data) get more reports: their queues are busy.
        weights = np.array([8.0 if w.code in with_committee else 1.0 for w in self.wards])
        self.ward_p = weights / weights.sum()
        self.ward_lon = np.array([w.centre_lon for w in self.wards], dtype=float)
        self.ward_lat = np.array([w.centre_lat for w in self.wards], dtype=float)
        area = np.array([w.area_km2 or 3.0 for w in self.wards], dtype=float)
        self.ward_sigma_km = 0.45 * np.sqrt(np.clip(area, 0.3, 400.0) / math.pi)
        cat_weights = np.array([CATEGORY_SHARE.get(c.code, 0.04) for c in self.categories])
        self.cat_p = cat_weights / cat_weights.sum()
        self.cat_days = np.array([c.working_days for c in self.categories], dtype=np.int64)
        self.cat_triage = np.array([c.triage_hours for c in self.categories], dtype=np.int64)
        operators = (
            Membership.objects.filter(
                Q(organisation__code=provinces[0]) | Q(organisation__code__startswith=f"{provinces[0]}."),
                role="operator",
                is_active=True,
                user__is_active=True,
            )
            .select_related("user")
            .order_by("pk")
        )
        first = operators.first()
        self.operator = (first.user_id, first.user.full_name or first.user.username) if first else None
        self.citizen_label = "công dân"

    def _build_pools(self) -> None:
        rng = np.random.default_rng(self.rng.integers(1 << 62))
        streets: list[str] = []
        for province in self.provinces:
            streets.extend(s for s in STREETS.get(province, COMMON_STREETS) if s not in streets)
        self.streets = streets
        n_streets = len(streets)
        # Addresses per ward: a number (sometimes in an alley) on one of the city's streets.
        self.addr_per_ward = 48
        addr_street = rng.integers(0, n_streets, (len(self.wards), self.addr_per_ward))
        addresses = []
        for w, ward in enumerate(self.wards):
            province = self.province_names.get(ward.province_id, "")
            for k in range(self.addr_per_ward):
                number = int(rng.integers(1, 400))
                house = f"{number}/{int(rng.integers(1, 60))}" if rng.random() < 0.3 else str(number)
                addresses.append(f"{house} {streets[addr_street[w, k]]}, {ward.name}, {province}")
        self.addr_pool = np.array(addresses, dtype=object)
        self.addr_street = addr_street.ravel()
        # Descriptions per (category, street): a few variants each.
        self.desc_variants = 6
        descriptions = []
        for cat in self.categories:
            templates = TEMPLATES.get(cat.code, GENERIC_TEMPLATES)
            for street in streets:
                for _k in range(self.desc_variants):
                    text = templates[int(rng.integers(len(templates)))].format(
                        street=street,
                        place=PLACES[int(rng.integers(len(PLACES)))],
                        n=int(rng.integers(2, 9)),
                        category=cat.name.lower(),
                    )
                    descriptions.append(text + ENDINGS[int(rng.integers(len(ENDINGS)))])
        self.desc_pool = np.array(descriptions, dtype=object)
        self.n_streets = n_streets
        self.resolution_pool = [
            np.array(RESOLUTIONS.get(c.code, GENERIC_RESOLUTIONS), dtype=object) for c in self.categories
        ]
        # Answers to the category's own questions (numbers and choices; free text left empty).
        self.answer_pool = []
        for cat in self.categories:
            variants = []
            for _k in range(8):
                answers: dict[str, Any] = {}
                for question in cat.questions or []:
                    kind = question.get("type", "text")
                    if kind == "number":
                        answers[question["code"]] = float(rng.integers(1, 40))
                    elif kind == "choice" and question.get("choices"):
                        choices = question["choices"]
                        answers[question["code"]] = choices[int(rng.integers(len(choices)))]
                    elif question.get("required"):
                        answers[question["code"]] = "Không rõ"
                variants.append(json.dumps(answers, ensure_ascii=False))
            self.answer_pool.append(np.array(variants, dtype=object))
        # People: name, phone, e-mail (reserved domain).
        people = 4_000
        names, phones, emails = [], [], []
        for _k in range(people):
            family = FAMILY[int(rng.integers(len(FAMILY)))]
            middle = MIDDLE[int(rng.integers(len(MIDDLE)))]
            given = GIVEN[int(rng.integers(len(GIVEN)))]
            names.append(f"{family} {middle} {given}")
            prefix = PHONE_PREFIXES[int(rng.integers(len(PHONE_PREFIXES)))]
            phones.append(f"{prefix}{int(rng.integers(0, 10_000_000)):07d}")
            local = _ascii(f"{given}.{family}").lower()
            emails.append(f"{local}{int(rng.integers(10, 99))}@{EXAMPLE_DOMAIN}")
        self.name_pool = np.array(names, dtype=object)
        self.phone_pool = np.array(phones, dtype=object)
        self.email_pool = np.array(emails, dtype=object)
        self.reject_pool = {reason: np.array(notes, dtype=object) for reason, notes in REJECT_NOTES.items()}
        self.comment_pool = {level: np.array(c, dtype=object) for level, c in RATING_COMMENTS.items()}

    def _prepare_calendar(self) -> None:
        calendar = current_calendar()
        self.calendar = calendar
        offset = calendar.tz.utcoffset(self.now.replace(tzinfo=None))
        self.offset = int(offset.total_seconds()) if offset is not None else 0
        self.periods = np.array(
            [(_seconds(a), _seconds(b)) for a, b in calendar.periods], dtype=np.int64
        ).reshape(-1, 2)
        self.close_s = int(self.periods[-1, 1])
        self.cutoff_s = _seconds(calendar.cutoff)
        self.capacity = int((self.periods[:, 1] - self.periods[:, 0]).sum())
        # Every working day from the start of the period to well after now (deadlines of late reports).
        local_now_day = (self.now_s + self.offset) // DAY
        first = local_now_day - int(self.months * 31 + 10)
        last = (
            local_now_day
            + 400
            + int(self.cat_triage.max(initial=0)) // 4
            + int(self.cat_days.max(initial=0)) * 3
        )
        days = np.arange(first, last, dtype=np.int64)
        effective = calendar.bulk_add_working_days(days.astype("datetime64[D]"), 0).astype(np.int64)
        self.workdays = days[effective == days]
        self.workday_set_first = first
        self.is_workday = np.zeros(last - first, dtype=bool)
        self.is_workday[self.workdays - first] = True
        self.first_day = first
        # Text of every UTC day of that range and of every second of a day, for _datetimes.
        self._text_first_day = first - 2
        day_range = np.arange(self._text_first_day, last + 2, dtype=np.int64)
        self._day_text = np.char.add(np.datetime_as_string(day_range.astype("datetime64[D]")), " ")
        self._clock_text = np.array(
            [f"{h:02d}:{m:02d}:{sec:02d}" for h in range(24) for m in range(60) for sec in range(60)]
        )
        if self.vendor == "postgresql":
            self._clock_text = np.char.add(self._clock_text, "+00")

    def _prepare_neighbours(self) -> None:
        """For each ward: its 8 nearest other centres (the whole country), for the near-border flag."""
        state = get_locator()
        self.locator = state.locator
        self.locator_codes = state.codes
        ward_index = {w.code: i for i, w in enumerate(self.wards)}
        self.locator_to_ward = np.array([ward_index.get(code, -1) for code in state.codes], dtype=np.int64)
        if len(state.codes) < 2:
            self.neighbours = None
            return
        self.lon_scale = math.cos(math.radians(float(np.mean(self.ward_lat))))
        k = min(8, len(state.codes) - 1)
        dx = (state.lons[None, :] - self.ward_lon[:, None]) * self.lon_scale
        dy = state.lats[None, :] - self.ward_lat[:, None]
        dist = dx * dx + dy * dy
        dist[dist == 0] = np.inf  # the ward's own centre
        nearest = np.argpartition(dist, k, axis=1)[:, :k]
        self.neighbours = nearest
        self.all_lons = state.lons
        self.all_lats = state.lats

    # -- deadlines (vectorised, same results as reports.services._due_times) ---------------------

    def due_at(self, received: np.ndarray, working_days: np.ndarray) -> np.ndarray:
        """calendar.due(received, n): close of office of the n-th working day (n = 0: same-day rule)."""
        local = received + self.offset
        day = local // DAY
        clock = local - day * DAY
        late = np.where(working_days == 0, clock >= self.cutoff_s, clock >= self.close_s)
        start = (day + late).astype("datetime64[D]")
        due_day = self.calendar.bulk_add_working_days(start, working_days).astype(np.int64)
        return due_day * DAY + self.close_s - self.offset

    def add_working_hours(self, received: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """calendar.add_working_hours(received, hours) for whole hours, vectorised."""
        local = received + self.offset
        day = local // DAY
        clock = local - day * DAY
        starts, ends = self.periods[:, 0], self.periods[:, 1]
        elapsed = np.clip(clock[:, None] - starts[None, :], 0, (ends - starts)[None, :]).sum(axis=1)
        index = np.searchsorted(self.workdays, day, side="left")
        working = self.workdays[np.minimum(index, self.workdays.size - 1)] == day
        position = index * self.capacity + np.where(working, elapsed, 0)
        target = position + hours * HOUR
        positive = hours > 0
        # hours > 0: a target at the very end of a period stays there (end inclusive), else start inclusive.
        k = np.where(positive, (target - 1) // self.capacity, target // self.capacity)
        rest = target - k * self.capacity
        lengths = ends - starts
        before = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        inside = np.where(
            positive[:, None],
            rest[:, None] <= (before + lengths)[None, :],
            rest[:, None] < (before + lengths)[None, :],
        )
        period = np.argmax(inside, axis=1)
        clock_out = starts[period] + rest - before[period]
        return self.workdays[k] * DAY + clock_out - self.offset

    # -- routing -----------------------------------------------------------------------------------

    def _org(self, org_id: int) -> Organisation:
        org = self._orgs.get(org_id)
        if org is None:
            org = self._orgs[org_id] = Organisation.objects.get(pk=org_id)
        return org

    def _prepare_routing(self) -> None:
        """Routing classes of wards, and the organisations transfers go to (a few queries, once).

        `routing.route(category, ward)` looks at the ward only through rules naming the ward, the ward's
        own People's Committee and the ward's province. Wards with neither a committee nor a rule of
        their own therefore route like every other such ward of their province: route() is called once
        per (category, class) — each sample ward is its own class, the other wards one class per
        province — and cached, instead of once per (category, ward) pair (1,500 calls for HCMC).
        """
        codes = [w.code for w in self.wards]
        own = set(
            Organisation.objects.filter(admin_unit__in=codes).values_list("admin_unit_id", flat=True)
        ) | set(RoutingRule.objects.filter(area__in=codes).values_list("area_id", flat=True))
        classes: dict[str, int] = {}
        ward_class = []
        for w in self.wards:
            key = w.code if w.code in own else f"province:{w.province_id}"
            ward_class.append(classes.setdefault(key, len(classes)))
        self.ward_class = np.array(ward_class, dtype=np.int64)
        self.class_ward = {c: ward_class.index(c) for c in range(len(classes))}
        self.n_classes = len(classes)
        self.committees = {
            o.admin_unit_id: o
            for o in Organisation.objects.filter(
                admin_unit__in=codes, kind=OrgKind.PEOPLES_COMMITTEE, is_active=True
            ).order_by("-pk")
        }
        wanted = {
            f"{p}.{c.department_code}" for p in self.provinces for c in self.categories if c.department_code
        }
        self.by_code = {
            o.code: o
            for o in Organisation.objects.filter(
                Q(code__in=wanted) | Q(code__in=self.provinces), is_active=True
            )
        }
        self.route_unit = np.empty((len(self.categories), self.n_classes), dtype=np.int64)
        self.route_other = np.empty_like(self.route_unit)
        for c, category in enumerate(self.categories):
            for klass in range(self.n_classes):
                ward = self.wards[self.class_ward[klass]]
                unit = routing.route(category, ward).unit
                self._orgs.setdefault(unit.pk, unit)
                self.route_unit[c, klass] = unit.pk
                self.route_other[c, klass] = self._transfer_target(category, ward, unit).pk
        self._unit_people(
            np.unique(np.concatenate([self.route_unit.ravel(), self.route_other.ravel()])).tolist()
        )

    def _routes(self, cat_idx: np.ndarray, ward_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(routed unit id, unit a transfer would go to) per row, from the table built at start."""
        klass = self.ward_class[ward_idx]
        return self.route_unit[cat_idx, klass], self.route_other[cat_idx, klass]

    def _transfer_target(
        self, category: ServiceCategory, ward: AdminUnit, unit: Organisation
    ) -> Organisation:
        """Where a report of this pair is plausibly transferred: department <-> ward, else the city."""
        province = ward.province_id
        committee = self.committees.get(ward.code)
        department = (
            self.by_code.get(f"{province}.{category.department_code}") if category.department_code else None
        )
        city = self.by_code.get(province)
        for candidate in (
            (committee, department, city)
            if unit.kind == OrgKind.DEPARTMENT
            else (department, committee, city)
        ):
            if candidate is not None and candidate.pk != unit.pk:
                self._orgs.setdefault(candidate.pk, candidate)
                return candidate
        return unit

    def _unit_people(self, unit_ids: Iterable[int]) -> None:
        missing = [u for u in set(unit_ids) if u not in self._people]
        if not missing:
            return
        rows = (
            Membership.objects.filter(
                organisation_id__in=missing,
                is_active=True,
                user__is_active=True,
                role__in=["officer", "deputy", "head"],
            )
            .order_by("pk")
            .values_list("organisation_id", "role", "user_id", "user__full_name", "user__username")
        )
        officers: dict[int, list[tuple[int, str]]] = {u: [] for u in missing}
        heads: dict[int, tuple[int | None, str]] = {}
        for org_id, role, user_id, full_name, username in rows:
            label = full_name or username
            if role in ("officer", "deputy"):
                officers[org_id].append((user_id, label))
            if role in ("head", "deputy") and (org_id not in heads or role == "head"):
                heads[org_id] = (user_id, label)
        for unit_id in missing:
            heads.setdefault(unit_id, (None, self._org(unit_id).name))
            # Nobody below the head (a department in the demo data): the head handles it personally.
            if not officers[unit_id] and heads[unit_id][0] is not None:
                officers[unit_id] = [heads[unit_id]]  # type: ignore[list-item]
            self._people[unit_id] = (officers[unit_id], heads[unit_id])

    # -- generation --------------------------------------------------------------------------------

    def created_times(self, count: int) -> np.ndarray:
        """`count` receipt times (epoch seconds, sorted) over the last `months` months."""
        rng = self.rng
        local_now = self.now_s + self.offset
        today = local_now // DAY
        first = today - round(self.months * 30.44)
        days = np.arange(first, today + 1, dtype=np.int64)
        growth = np.linspace(0.65, 1.0, days.size)  # more people use the service every month
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
        working = self.is_workday[days - self.first_day]
        weight = growth * np.where(working, 1.0, np.where(weekday >= 5, 0.6, 0.45))
        picked = rng.choice(days, size=count, p=weight / weight.sum())
        hour = rng.choice(24, size=count, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        local = picked * DAY + hour * HOUR + rng.integers(0, HOUR, count)
        utc = local - self.offset
        late = utc > self.now_s - 60
        utc[late] = self.now_s - rng.integers(60, 6 * HOUR, int(late.sum()))
        utc.sort()
        return utc

    def _points(self, ward_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Jittered points around the ward centres; the ward is where the point really falls."""
        rng = self.rng
        n = ward_idx.size
        sigma = self.ward_sigma_km[ward_idx]
        lat0 = self.ward_lat[ward_idx]
        dlat = rng.normal(0, 1, n) * sigma / 111.32
        dlon = rng.normal(0, 1, n) * sigma / (111.32 * np.cos(np.radians(lat0)))
        lon = self.ward_lon[ward_idx] + dlon
        lat = lat0 + dlat
        located = self.locator.locate(lon, lat)
        mapped = np.where(located >= 0, self.locator_to_ward[np.maximum(located, 0)], -1)
        outside = mapped < 0
        if outside.any():  # fell outside the chosen wards: put it near the centre of its own ward
            m = int(outside.sum())
            lon[outside] = self.ward_lon[ward_idx[outside]] + rng.normal(0, 0.0004, m)
            lat[outside] = self.ward_lat[ward_idx[outside]] + rng.normal(0, 0.0004, m)
            mapped[outside] = ward_idx[outside]
        return np.round(lon, 6), np.round(lat, 6), mapped

    def _near_boundary(self, lon: np.ndarray, lat: np.ndarray, ward_idx: np.ndarray) -> np.ndarray:
        if self.neighbours is None:
            return np.zeros(lon.size, dtype=bool)
        scale = self.lon_scale
        d0 = ((lon - self.ward_lon[ward_idx]) * scale) ** 2 + (lat - self.ward_lat[ward_idx]) ** 2
        nb = self.neighbours[ward_idx]
        nlon, nlat = self.all_lons[nb], self.all_lats[nb]
        dn = ((lon[:, None] - nlon) * scale) ** 2 + (lat[:, None] - nlat) ** 2
        sep = np.hypot(
            (nlon - self.ward_lon[ward_idx][:, None]) * scale, nlat - self.ward_lat[ward_idx][:, None]
        )
        distance_deg = ((dn - d0[:, None]) / (2 * np.maximum(sep, 1e-12))).min(axis=1)
        return np.radians(distance_deg) * routing.EARTH_RADIUS_M <= settings.CITYDESK_BOUNDARY_CHECK_M

    def generate(self, created: np.ndarray) -> Batch:
        """Every column of len(created) reports (no database access: routes and people are cached)."""
        rng = self.rng
        n = created.size
        now = self.now_s
        u = rng.random  # shorthand: uniform [0, 1)

        cat = rng.choice(len(self.categories), size=n, p=self.cat_p)
        ward = rng.choice(len(self.wards), size=n, p=self.ward_p)
        channels = np.array([c.value for c in CHANNEL_SHARE], dtype=object)
        channel = rng.choice(len(channels), size=n, p=np.array(list(CHANNEL_SHARE.values())))
        hotline = channels[channel] == Channel.HOTLINE
        lon, lat, ward = self._points(ward)
        no_point = hotline & (u(n) < 0.4)  # a caller gives an address, not a map point
        near = self._near_boundary(lon, lat, ward) & ~no_point
        routed, alternative = self._routes(cat, ward)

        days = self.cat_days[cat]
        triage_hours = self.cat_triage[cat]
        due0 = self.due_at(created, days)
        triage0 = self.add_working_hours(created, triage_hours)
        age_days = (now - created) / DAY

        rejected = u(n) < 0.075
        transfer = ~rejected & (u(n) < 0.05) & (alternative != routed)
        # The backlog: ~2 % of old reports never get finished (overdue), more among recent ones.
        stall_p = 0.08 * np.exp(-age_days / 60.0) + 0.02
        stalled = ~rejected & (u(n) < stall_p)
        stall_stage = rng.choice(np.array([RCV, CLS, ASG, INP]), size=n, p=[0.1, 0.15, 0.3, 0.45])
        reopen = ~rejected & ~stalled & (u(n) < 0.035)
        reopen_waits = reopen & (u(n) < 0.15)  # reopened, and nobody has picked it up again
        auto_close = u(n) < 0.35

        span0 = np.maximum(triage0 - created, 15 * 60)
        classified = created + (span0 * rng.uniform(0.05, 1.15, n)).astype(np.int64)
        assigned = (
            classified
            + rng.integers(10 * 60, 6 * HOUR, n)
            + np.where(transfer, rng.integers(4 * HOUR, 2 * DAY, n), 0)
        )
        started = assigned + rng.integers(30 * 60, DAY, n)
        handling = (np.maximum(due0 - created, HOUR) * rng.beta(2.2, 2.0, n) * 1.15).astype(np.int64)
        resolved = np.maximum(created + handling, started + HOUR)
        auto_at = resolved + settings.CITYDESK_AUTO_CLOSE_DAYS * DAY + rng.integers(60, HOUR, n)
        closed = np.where(auto_close, auto_at, resolved + rng.integers(30 * 60, 6 * DAY, n))
        reopened = np.where(reopen, resolved + rng.integers(2 * HOUR, 6 * DAY, n), NEVER)
        due2 = np.where(reopen, self.due_at(np.minimum(reopened, now + 365 * DAY), days), NEVER)
        triage2 = np.where(
            reopen, self.add_working_hours(np.minimum(reopened, now + 365 * DAY), triage_hours), NEVER
        )
        started2 = np.where(reopen & ~reopen_waits, reopened + rng.integers(HOUR, DAY, n), NEVER)
        resolved2 = np.where(
            reopen,
            np.maximum(
                reopened + (np.maximum(due2 - reopened, HOUR) * rng.beta(2.2, 2.0, n)).astype(np.int64),
                started2 + HOUR,
            ),
            NEVER,
        )
        closed2 = np.where(
            reopen,
            np.where(
                auto_close,
                resolved2 + settings.CITYDESK_AUTO_CLOSE_DAYS * DAY + 600,
                resolved2 + rng.integers(HOUR, 5 * DAY, n),
            ),
            NEVER,
        )
        closed = np.where(reopen, NEVER, closed)

        # Status now: the last step whose time has come (the steps are in time order).
        status = np.full(n, RCV)
        status[classified <= now] = CLS
        status[transfer & (classified <= now)] = TRF
        status[assigned <= now] = ASG
        status[started <= now] = INP
        status[resolved <= now] = RES
        status[closed <= now] = CLO
        status[reopened <= now] = REO
        status[started2 <= now] = INP
        status[resolved2 <= now] = RES
        status[closed2 <= now] = CLO
        # A stalled report stops at its stage (the overdue backlog).
        rank = np.array([0, 1, 1, 2, 3, 4, 5, 6, 6])
        stage_rank = rank[stall_stage]
        status = np.where(stalled & (rank[status] > stage_rank), stall_stage, status)
        status = np.where(stalled & transfer & (status == CLS), TRF, status)
        status = np.where(rejected, np.where(classified <= now, REJ, RCV), status)

        second = reopen & (reopened <= now)
        resolved_at = np.where(second, resolved2, resolved)
        closed_at = np.where(second, closed2, closed)
        last = np.select(
            [
                status == RCV,
                status == CLS,
                status == TRF,
                status == ASG,
                status == INP,
                status == RES,
                status == CLO,
                status == REJ,
                status == REO,
            ],
            [
                created,
                classified,
                classified,
                assigned,
                np.where(second, started2, started),
                resolved_at,
                closed_at,
                classified,
                reopened,
            ],
        )
        previous = np.select(
            [
                status == RCV,
                status == CLS,
                status == TRF,
                status == ASG,
                status == INP,
                status == RES,
                status == CLO,
                status == REJ,
                status == REO,
            ],
            [-1, RCV, RCV, np.where(transfer, TRF, CLS), np.where(second, REO, ASG), INP, RES, RCV, RES],
        )
        due = np.where(second, due2, due0)
        triage_due = np.where(second, triage2, triage0)
        is_open = np.isin(status, [RCV, CLS, TRF, ASG, INP, REO])
        finished = np.select([status == REJ, np.isin(status, [RES, CLO])], [classified, resolved_at], now)
        end = np.minimum(np.where(is_open, now, finished), now)
        warn = due - settings.CITYDESK_SLA_WARN_HOURS * HOUR
        warned = np.where(warn <= end, np.maximum(warn + 300, created), NEVER)
        escalated = np.where(due + 600 <= end, due + 600, NEVER)

        unit = np.where(transfer & (rank[status] >= 1), alternative, routed)
        has_assignee = np.isin(status, [ASG, INP, RES, CLO, REO])
        assignee_id = np.full(n, None, dtype=object)
        assignee_label = np.full(n, "", dtype=object)
        head_id = np.full(n, None, dtype=object)
        head_label = np.full(n, "", dtype=object)
        units, unit_rows = np.unique(unit, return_inverse=True)
        for u_index, unit_id in enumerate(units.tolist()):
            rows = np.flatnonzero(unit_rows == u_index)
            officers, (boss_id, boss_label) = self._people[unit_id]
            head_id[rows] = boss_id
            head_label[rows] = boss_label
            rows = rows[has_assignee[rows]]
            if officers and rows.size:
                pick = rng.integers(0, len(officers), rows.size)
                assignee_id[rows] = np.array([o[0] for o in officers], dtype=object)[pick]
                assignee_label[rows] = np.array([o[1] for o in officers], dtype=object)[pick]
        # Rejections: reason, note, and the report duplicated (the previous one of the same pair).
        reason_pick = rng.choice(3, size=n, p=[0.45, 0.35, 0.20])
        key = cat * len(self.wards) + ward
        order = np.argsort(key, kind="stable")
        prev_same = np.full(n, -1)
        same = key[order][1:] == key[order][:-1]
        prev_same[order[1:][same]] = order[:-1][same]
        is_rej = status == REJ
        duplicate = is_rej & (reason_pick == 1) & (prev_same >= 0)
        reason_pick = np.where(is_rej & (reason_pick == 1) & ~duplicate, 0, reason_pick)
        reasons = np.array(
            [RejectReason.OUT_OF_SCOPE.value, RejectReason.DUPLICATE.value, RejectReason.SPAM.value],
            dtype=object,
        )
        reject_reason = np.where(is_rej, reasons[reason_pick], "")
        reject_note = np.full(n, "", dtype=object)
        for r, reason in enumerate(reasons):
            rows = np.flatnonzero(is_rej & (reason_pick == r))
            pool = self.reject_pool[reason]
            reject_note[rows] = pool[rng.integers(0, pool.size, rows.size)]

        # Texts.
        addr_k = ward * self.addr_per_ward + rng.integers(0, self.addr_per_ward, n)
        street = self.addr_street[addr_k]
        description = self.desc_pool[
            (cat * self.n_streets + street) * self.desc_variants + rng.integers(0, self.desc_variants, n)
        ]
        address = self.addr_pool[addr_k]
        resolution = np.full(n, "", dtype=object)
        with_resolution = np.isin(status, [RES, CLO, REO])
        for c in range(len(self.categories)):
            rows = np.flatnonzero(with_resolution & (cat == c))
            pool = self.resolution_pool[c]
            resolution[rows] = pool[rng.integers(0, pool.size, rows.size)]
        answers = np.empty(n, dtype=object)
        for c in range(len(self.categories)):
            rows = np.flatnonzero(cat == c)
            pool = self.answer_pool[c]
            answers[rows] = pool[rng.integers(0, pool.size, rows.size)]
        person = rng.integers(0, self.name_pool.size, n)
        named = hotline | (u(n) < 0.7)
        contact_name = np.where(named, self.name_pool[person], "")
        contact_phone = np.where(hotline | (u(n) < 0.55), self.phone_pool[person], "")
        contact_email = np.where(~hotline & (u(n) < 0.4), self.email_pool[person], "")

        ward_codes = np.array([w.code for w in self.wards], dtype=object)
        ward_province = np.array([w.province_id for w in self.wards], dtype=object)
        operator_id = self.operator[0] if self.operator else None
        entered_by = np.where(hotline, operator_id, None) if operator_id else np.full(n, None, dtype=object)

        columns: dict[str, Any] = {
            "category_id": np.array([c.pk for c in self.categories])[cat],
            "description": description,
            "lon": np.where(no_point, np.nan, lon),
            "lat": np.where(no_point, np.nan, lat),
            "address": address,
            "ward_id": ward_codes[ward],
            "province_code": ward_province[ward],
            "near_boundary": near,
            "unit_id": unit,
            "assignee_id": assignee_id,
            "channel": channels[channel],
            "status": np.array(STATUS_VALUES, dtype=object)[status],
            "version": VERSION[status] + np.where(second, 3, 0),
            "reporter_id": None,
            "entered_by_id": entered_by,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "contact_email": contact_email,
            "show_name_publicly": named & (u(n) < 0.12),
            "is_public": u(n) < 0.95,
            "answers": answers,
            "created_at": created,
            "updated_at": last,
            "triage_due_at": triage_due,
            "due_at": due,
            "paused_at": NEVER,
            "warned_at": warned,
            "escalated_at": escalated,
            "resolved_at": np.where(np.isin(status, [RES, CLO]), resolved_at, NEVER),
            "closed_at": np.where(status == CLO, closed_at, NEVER),
            "resolution": resolution,
            "reject_reason": reject_reason,
            "reject_note": reject_note,
            "reopen_count": second.astype(np.int64),
            "citizen_token": _tokens(n),
        }

        # The one status event of each report: its latest move.
        labels = np.array([*STATUS_VALUES, ""], dtype=object)
        officer_move = np.isin(status, [INP, RES])
        head_move = np.isin(status, [CLS, TRF, ASG, REJ])
        citizen_move = (status == REO) | ((status == CLO) & ~auto_close)
        system_move = (status == CLO) & auto_close
        actor_id = np.full(n, None, dtype=object)
        actor_label = np.full(n, self.citizen_label, dtype=object)
        right = np.full(n, "own", dtype=object)
        received_by_operator = (status == RCV) & hotline & (operator_id is not None)
        actor_id[received_by_operator] = operator_id
        actor_label[received_by_operator] = self.operator[1] if self.operator else ""
        right[(status == RCV) & ~received_by_operator] = "system"
        a_id, a_label, h_id, h_label = assignee_id, assignee_label, head_id, head_label
        by_assignee = officer_move & (a_label != "")
        actor_id[by_assignee] = a_id[by_assignee]
        actor_label[by_assignee] = a_label[by_assignee]
        by_head = head_move | (officer_move & ~by_assignee)
        actor_id[by_head] = h_id[by_head]
        actor_label[by_head] = h_label[by_head]
        actor_label[citizen_move] = "người phản ánh"
        actor_label[system_move] = "sla-sweep"
        right[system_move] = "system"
        note = np.full(n, "", dtype=object)
        note_received = np.array([f"Tiếp nhận qua {CHANNEL_NOTE[c]}." for c in channels], dtype=object)
        rcv = status == RCV
        note[rcv] = note_received[channel[rcv]]
        note[status == TRF] = "Chuyển đơn vị có thẩm quyền xử lý."
        note[status == RES] = resolution[status == RES]
        note[system_move] = f"Đóng: người dân không phản hồi sau {settings.CITYDESK_AUTO_CLOSE_DAYS} ngày."
        note[is_rej] = reject_note[is_rej]
        event = {
            "at": last,
            "kind": ReportEvent.Kind.STATUS.value,
            "actor_id": actor_id,
            "actor_label": actor_label,
            "right": right,
            "on_behalf_of": "",
            "from_status": labels[previous],
            "to_status": labels[status],
            "note": note,
            "public": status != ASG,
        }

        # Ratings: most citizens who confirmed rate; a reopened report was rated unsatisfied.
        rated = np.flatnonzero(((status == CLO) & ~auto_close & (u(n) < 0.75)) | second)
        level_pick = rng.choice(3, size=rated.size, p=[0.68, 0.22, 0.10])
        level_pick[second[rated]] = 2
        levels = np.array(
            [Rating.Level.SATISFIED.value, Rating.Level.NORMAL.value, Rating.Level.UNSATISFIED.value],
            dtype=object,
        )
        comments = np.empty(rated.size, dtype=object)
        for lv, level in enumerate(levels):
            rows = np.flatnonzero(level_pick == lv)
            pool = self.comment_pool[level]
            comments[rows] = pool[rng.integers(0, pool.size, rows.size)]
        rating = {
            "level": levels[level_pick],
            "comment": comments,
            "created_at": np.where(second[rated], reopened[rated], closed_at[rated]),
        }
        local_year = (created + self.offset).astype("datetime64[s]").astype("datetime64[Y]").astype(
            int
        ) + 1970
        return Batch(
            n=n,
            columns=self._prepare(Report, columns, n, later=("code", "duplicate_of_id")),
            event=self._prepare(ReportEvent, event, n, later=("report_id",)),
            rated=rated,
            rating=self._prepare(Rating, rating, rated.size, later=("report_id",)),
            years=local_year,
            duplicate_row=np.where(duplicate, prev_same, -1),
            status=status,
        )

    # -- rows --------------------------------------------------------------------------------------

    def report_rows(
        self, batch: Batch, ids: np.ndarray, codes: list[str]
    ) -> tuple[list[str], Iterator[tuple]]:
        duplicate = batch.duplicate_row
        duplicate_of = np.where(duplicate >= 0, ids[np.maximum(duplicate, 0)], -1).astype(object)
        duplicate_of[duplicate < 0] = None
        extra = {"id": ids.tolist(), "code": codes, "duplicate_of_id": duplicate_of.tolist()}
        return self._rows(Report, batch.columns, extra, include_pk=True)

    def event_rows(self, batch: Batch, ids: np.ndarray) -> tuple[list[str], Iterator[tuple]]:
        return self._rows(ReportEvent, batch.event, {"report_id": ids.tolist()})

    def rating_rows(self, batch: Batch, ids: np.ndarray) -> tuple[list[str], Iterator[tuple]]:
        return self._rows(Rating, batch.rating, {"report_id": ids[batch.rated].tolist()})

    def _prepare(
        self, model: type, values: dict[str, Any], n: int, *, later: Iterable[str] = ()
    ) -> dict[str, list[Any]]:
        """Database values of every column of `model` (lists), except the primary key and `later`
        (filled in by the writer: ids, codes). Fields not generated get their default."""
        out: dict[str, list[Any]] = {}
        for f in model._meta.concrete_fields:
            if f.primary_key or f.attname in later:
                continue
            value = values.get(f.attname, _MISSING)
            if value is _MISSING:
                out[f.attname] = _repeat(f.get_db_prep_save(f.get_default(), connection), n)
            elif f.get_internal_type() == "DateTimeField":
                out[f.attname] = self._datetimes(value, n)
            else:
                out[f.attname] = _plain(value, n)
        return out

    @staticmethod
    def _rows(
        model: type, prepared: dict[str, list[Any]], extra: dict[str, list[Any]], *, include_pk: bool = False
    ) -> tuple[list[str], Iterator[tuple]]:
        """(columns in table order, row tuples) from prepared columns plus the writer's own."""
        columns: list[str] = []
        data: list[list[Any]] = []
        for f in model._meta.concrete_fields:
            if f.primary_key and not include_pk:
                continue
            columns.append(f.column)
            data.append(extra[f.attname] if f.attname in extra else prepared[f.attname])
        return columns, zip(*data, strict=True)

    def _datetimes(self, value: Any, n: int) -> Any:
        """Epoch seconds -> Django's text for the database ('YYYY-MM-DD HH:MM:SS' UTC, '+00' on
        PostgreSQL); NEVER -> NULL. Looked up in a table of days and a table of clock times."""
        arr = np.asarray(value, dtype=np.int64)
        if arr.ndim == 0:
            if int(arr) >= NEVER:
                return _repeat(None, n)
            arr = np.full(n, int(arr), dtype=np.int64)
        missing = arr >= NEVER
        if missing.all():
            return _repeat(None, n)
        secs = np.where(missing, self.now_s, arr)
        days = secs // DAY
        if days.min() < self._text_first_day or days.max() >= self._text_first_day + self._day_text.size:
            text = np.char.replace(np.datetime_as_string(secs.astype("datetime64[s]"), unit="s"), "T", " ")
            if self.vendor == "postgresql":
                text = np.char.add(text, "+00")
        else:
            text = np.char.add(
                self._day_text[days - self._text_first_day], self._clock_text[secs - days * DAY]
            )
        out = text.astype(object)
        out[missing] = None
        return out.tolist()

    # -- writing -----------------------------------------------------------------------------------

    def _reserve_ids(self, n: int) -> np.ndarray:
        table = Report._meta.db_table
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
                )
                return np.sort(np.array([r[0] for r in cursor.fetchall()], dtype=np.int64))
            # SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), nobody inserts meanwhile.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            top = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            top = max(top, row[0] if row else 0)
        return np.arange(top + 1, top + 1 + n, dtype=np.int64)

    def _reserve_codes(self, years: np.ndarray) -> list[str]:
        """One UPDATE per year in the batch (the batch is in time order: one, at a new year two)."""
        prefix = settings.CITYDESK_REPORT_CODE_PREFIX
        numbers = np.empty(years.size, dtype=np.int64)
        for year in np.unique(years).tolist():
            rows = np.flatnonzero(years == year)
            CodeCounter.objects.get_or_create(year=year)
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE reports_codecounter SET last = last + %s WHERE year = %s RETURNING last",
                    [int(rows.size), year],
                )
                last = cursor.fetchone()[0]
            numbers[rows] = np.arange(last - rows.size + 1, last + 1)
        yy = np.char.zfill((years % 100).astype(str), 2)
        digits = np.char.zfill(numbers.astype(str), 6)
        codes = np.char.add(np.char.add(np.char.add(f"{prefix}-", yy), "-"), digits)
        return codes.tolist()

    def insert(self, table: str, columns: list[str], rows: Iterable[tuple]) -> None:
        """executemany (SQLite) or COPY (PostgreSQL) of ready rows, in the current transaction."""
        connection.ensure_connection()
        raw = connection.connection
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        if self.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
        else:
            marks = ", ".join("?" * len(columns))
            raw.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows)

    def write(self, batch: Batch) -> tuple[list[str], int]:
        """Store one batch in one transaction: reports, their status event, ratings. Returns the codes."""
        from citydesk.ioc import rollup  # the operations center's roll-ups follow every report

        with transaction.atomic():
            ids = self._reserve_ids(batch.n)
            codes = self._reserve_codes(batch.years)
            # Per-row roll-up triggers would cost more than the rows: pause them, then add the
            # batch's reports to the roll-ups with one GROUP BY per grain.
            with rollup.triggers_paused():
                columns, rows = self.report_rows(batch, ids, codes)
                self.insert(Report._meta.db_table, columns, rows)
                columns, rows = self.event_rows(batch, ids)
                self.insert(ReportEvent._meta.db_table, columns, rows)
                if batch.rated.size:
                    columns, rows = self.rating_rows(batch, ids)
                    self.insert(Rating._meta.db_table, columns, rows)
                rollup.add_reports(ids.tolist())
        return codes, int(batch.rated.size)

    def batches(self, count: int, batch_size: int = DEFAULT_BATCH) -> Iterator[Batch]:
        """The generated batches, in time order (`generate` does not touch the database)."""
        created = self.created_times(count)
        for start in range(0, count, batch_size):
            yield self.generate(created[start : start + batch_size])

    def run(
        self,
        count: int,
        *,
        batch_size: int = DEFAULT_BATCH,
        progress: Callable[[int, int], None] | None = None,
    ) -> SeedResult:
        """Generate and write `count` reports, one transaction per batch."""
        started = time.perf_counter()
        result = SeedResult()
        # Millions of short-lived tuples and no reference cycles: the cyclic GC would only rescan them.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for batch in self.batches(count, batch_size):
                codes, ratings = self.write(batch)
                result.count += batch.n
                result.events += batch.n
                result.ratings += ratings
                result.first_code = result.first_code or codes[0]
                result.last_code = codes[-1]
                result.statuses.update(Counter(np.array(STATUS_VALUES)[batch.status].tolist()))
                if progress is not None:
                    progress(result.count, count)
        finally:
            if collecting:
                gc.enable()
        result.seconds = time.perf_counter() - started
        return result


def seed_reports(
    *,
    count: Any,
    seed: int | None = None,
    province: str | Sequence[str] = "79",
    months: int = 24,
    batch_size: int = DEFAULT_BATCH,
    ward_codes: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SeedResult:
    """Create `count` synthetic reports (see the module docstring). Raises DomainError on bad input."""
    count = parse_count(count)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise DomainError("The batch size must be a positive whole number.", field="batch_size")
    provinces = [province] if isinstance(province, str) else list(province)
    provinces = [p for chunk in provinces for p in str(chunk).split(",")]
    started = time.perf_counter()
    seeder = ReportSeeder(provinces=provinces, months=months, seed=seed, ward_codes=ward_codes)
    result = seeder.run(count, batch_size=batch_size, progress=progress)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # PostgreSQL's advice after a bulk load: fresh statistics (or the planner guesses) and a
        # visibility map (or index-only scans still read the table) without waiting for autovacuum.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) reports_report, reports_reportevent, reports_rating, ioc_cell")
    if not connection.in_atomic_block:
        from citydesk.ioc import heat

        heat.refresh()  # a load past the threshold gets a new heat-map store rather than a long log
    result.seconds = time.perf_counter() - started
    return result


# --- Demo reports through the real services -------------------------------------------------------

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
    return {"demo_reports": count}


def _demo_through_services(
    stories: list[tuple[str, str, str, list[str]]], users: dict[str, User], seed: int
) -> int:
    from citydesk.reports import services

    rng = np.random.default_rng(seed)
    ward = AdminUnit.objects.get(code=BEN_THANH)
    now = timezone.now()
    codes: list[str] = []
    available = set(ServiceCategory.objects.filter(domain="report").values_list("code", flat=True))
    for index, (category, description, street, path) in enumerate(stories):
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
            lon=round(ward.centre_lon + float(rng.uniform(-0.0003, 0.0003)), 6),
            lat=round(ward.centre_lat + float(rng.uniform(-0.0003, 0.0003)), 6),
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


# --- Small helpers --------------------------------------------------------------------------------

_MISSING = object()


def _seconds(t: Any) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _repeat(value: Any, n: int) -> list[Any]:
    return [value] * n


def _plain(value: Any, n: int) -> list[Any]:
    """A column as a list of plain Python values (sqlite3 and psycopg do not take numpy scalars)."""
    if isinstance(value, list):
        return value
    if isinstance(value, str) or value is None or np.ndim(value) == 0:
        return _repeat(value.item() if isinstance(value, np.generic) else value, n)
    arr = np.asarray(value)
    if arr.dtype.kind == "f":
        out = arr.astype(object)
        out[np.isnan(arr)] = None
        return out.tolist()
    return arr.tolist()


def _tokens(n: int) -> list[str]:
    """n random 16-character URL-safe tokens (96 bits each), in one call to the OS."""
    text = base64.urlsafe_b64encode(os.urandom(12 * n)).decode()
    return [text[i : i + 16] for i in range(0, 16 * n, 16)]


def _ascii(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def status_counts(statuses: Iterable[str]) -> str:
    counts = Counter(statuses)
    return ", ".join(f"{s} {counts[s]:,}" for s in STATUS_ORDER if counts[s])


__all__ = [
    "DEMO_SCOPE",
    "Batch",
    "ReportSeeder",
    "SeedResult",
    "parse_count",
    "seed_demo_reports",
    "seed_reports",
    "status_counts",
]
