"""Blank forms (.docx) for the demo catalog's papers filed "theo mẫu" (on the prescribed form).

The official forms are issued by the ministries (for civil status, for instance, by the Ministry of
Justice's circulars) and change from time to time; a city uploads them in the back office, per paper.
These are the demo's own, illustrative forms: the usual headings, the applicant's particulars and the
particulars each kind of request needs, a dotted line for each answer, the declaration and the place to
sign, and a line at the bottom saying that the official form replaces them.

`attach_demo_forms()` gives each such paper of the demo procedures its form when it has none (an uploaded
template is never replaced), with one audit row.
"""

from __future__ import annotations

import re

from django.core.files.base import ContentFile
from django.db import transaction

from citydesk.core.audit import Actor, audit_record
from citydesk.lib.docx import HALF, Paragraph, docx_bytes
from citydesk.lib.text import search_key

ON_FORM = "(theo mẫu)"

APPLICANT = [
    "Họ, chữ đệm, tên người yêu cầu",
    "Ngày, tháng, năm sinh",
    "Số định danh cá nhân",
    "Nơi cư trú",
    "Số điện thoại",
    "Thư điện tử (nếu có)",
]
ORGANISATION = [
    "Tên tổ chức, cá nhân đề nghị",
    "Mã số doanh nghiệp / số định danh cá nhân",
    "Địa chỉ trụ sở / nơi cư trú",
    "Người đại diện theo pháp luật",
    "Số điện thoại",
    "Thư điện tử (nếu có)",
]

# What the request is about, by a word of the paper's name (the first match wins).
SUBJECTS: list[tuple[str, str, list[str]]] = [
    (
        "khai sinh",
        "Thông tin người được đăng ký khai sinh",
        [
            "Họ, chữ đệm, tên",
            "Ngày, tháng, năm sinh",
            "Giới tính",
            "Dân tộc",
            "Quốc tịch",
            "Nơi sinh",
            "Quê quán",
            "Họ, chữ đệm, tên người cha",
            "Họ, chữ đệm, tên người mẹ",
            "Quan hệ của người yêu cầu với người được khai sinh",
        ],
    ),
    (
        "khai tử",
        "Thông tin người đã chết",
        [
            "Họ, chữ đệm, tên",
            "Ngày, tháng, năm sinh",
            "Số định danh cá nhân",
            "Nơi cư trú cuối cùng",
            "Đã chết vào lúc (giờ, phút, ngày, tháng, năm)",
            "Nơi chết",
            "Nguyên nhân chết",
            "Giấy báo tử / giấy tờ thay thế số",
            "Quan hệ của người yêu cầu với người đã chết",
        ],
    ),
    (
        "kết hôn",
        "Thông tin hai bên kết hôn",
        [
            "Bên nữ: họ, chữ đệm, tên",
            "Bên nữ: ngày, tháng, năm sinh",
            "Bên nữ: số định danh cá nhân",
            "Bên nữ: nơi cư trú",
            "Bên nam: họ, chữ đệm, tên",
            "Bên nam: ngày, tháng, năm sinh",
            "Bên nam: số định danh cá nhân",
            "Bên nam: nơi cư trú",
        ],
    ),
    (
        "tình trạng hôn nhân",
        "Người được cấp Giấy xác nhận",
        [
            "Họ, chữ đệm, tên",
            "Ngày, tháng, năm sinh",
            "Số định danh cá nhân",
            "Nơi cư trú",
            "Tình trạng hôn nhân",
            "Mục đích sử dụng Giấy xác nhận",
        ],
    ),
    (
        "nhận cha, mẹ, con",
        "Thông tin người nhận và người được nhận",
        [
            "Người nhận: họ, chữ đệm, tên",
            "Người nhận: số định danh cá nhân",
            "Người được nhận: họ, chữ đệm, tên",
            "Người được nhận: ngày, tháng, năm sinh",
            "Người được nhận: số định danh cá nhân (nếu có)",
            "Quan hệ (cha – con, mẹ – con)",
        ],
    ),
    (
        "hộ tịch",
        "Nội dung yêu cầu",
        [
            "Họ, chữ đệm, tên người có thông tin hộ tịch",
            "Loại việc hộ tịch, số và ngày đăng ký",
            "Cơ quan đã đăng ký",
            "Nội dung yêu cầu",
            "Lý do",
            "Số bản sao đề nghị cấp",
        ],
    ),
    (
        "hộ kinh doanh",
        "Thông tin hộ kinh doanh",
        [
            "Tên hộ kinh doanh",
            "Địa chỉ trụ sở hộ kinh doanh",
            "Ngành, nghề kinh doanh",
            "Vốn kinh doanh (đồng)",
            "Số lượng lao động",
            "Nội dung thay đổi, thời gian tạm ngừng (nếu có)",
        ],
    ),
    (
        "kinh doanh",
        "Thông tin hộ kinh doanh",
        [
            "Tên hộ kinh doanh",
            "Số Giấy chứng nhận đăng ký hộ kinh doanh",
            "Địa chỉ trụ sở hộ kinh doanh",
            "Thời gian tạm ngừng: từ ngày … đến ngày …",
            "Lý do",
        ],
    ),
    (
        "xây dựng",
        "Thông tin công trình",
        [
            "Loại công trình, cấp công trình",
            "Địa điểm xây dựng: lô đất số, thửa đất số, tờ bản đồ số",
            "Địa chỉ",
            "Diện tích xây dựng tầng 1 (m²)",
            "Tổng diện tích sàn (m²)",
            "Chiều cao công trình (m)",
            "Số tầng (kể cả tầng hầm, tầng lửng)",
            "Số giấy phép đã được cấp (khi gia hạn)",
        ],
    ),
    (
        "đất",
        "Thông tin thửa đất",
        [
            "Thửa đất số, tờ bản đồ số",
            "Địa chỉ thửa đất",
            "Diện tích (m²)",
            "Mục đích sử dụng hiện tại",
            "Nội dung đề nghị (mục đích mới, biến động, lý do)",
            "Số Giấy chứng nhận đã cấp (nếu có)",
        ],
    ),
    (
        "lý lịch tư pháp",
        "Thông tin người được cấp Phiếu lý lịch tư pháp",
        [
            "Họ, chữ đệm, tên",
            "Giới tính",
            "Ngày, tháng, năm sinh",
            "Nơi sinh",
            "Quốc tịch",
            "Nơi thường trú",
            "Mục đích sử dụng Phiếu",
            "Số lượng Phiếu yêu cầu cấp",
        ],
    ),
]
GENERAL = ("Nội dung đề nghị", ["Nội dung", "Lý do", "Giấy tờ kèm theo"])

ADDRESSEE = {
    "ward": "Ủy ban nhân dân xã/phường",
    "department": "Sở",
    "city": "Ủy ban nhân dân Thành phố",
}

DECLARATION = (
    "Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước pháp luật về "
    "cam đoan của mình."
)
FOOTNOTE = (
    "Mẫu minh họa của dữ liệu trình diễn CityDesk. Cơ quan tiếp nhận thay bằng mẫu do cơ quan có thẩm "
    "quyền ban hành (tải lên tại trang quản trị, mục Thủ tục hành chính)."
)


def form_title(paper: str) -> str:
    """The form's title: the paper's name without "(theo mẫu)", in capitals."""
    return paper.replace(ON_FORM, "").strip().upper()


def form_paragraphs(paper: str, authority: str) -> list[Paragraph]:
    """The paragraphs of the blank form for `paper`, addressed to a unit of the `authority` kind."""
    text = paper.lower()
    # Whole words with their accents: "đất" (land) is not "đạt" (to reach), though both are "dat".
    heading, fields = next(
        ((h, f) for word, h, f in SUBJECTS if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)),
        GENERAL,
    )
    by_organisation = paper.startswith("Văn bản") or "người sử dụng lao động" in paper
    paragraphs = [
        Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align="center", space_after=0),
        Paragraph("Độc lập - Tự do - Hạnh phúc", bold=True, align="center", space_after=360),
        Paragraph(form_title(paper), bold=True, align="center", size=14, space_after=240),
        Paragraph(f"Kính gửi: {ADDRESSEE.get(authority, 'Cơ quan có thẩm quyền')}", dotted=True, indent=1134),
        Paragraph(""),
        Paragraph("I. Thông tin người đề nghị", bold=True),
    ]
    paragraphs += [
        Paragraph(f"{label}: ", dotted=True) for label in (ORGANISATION if by_organisation else APPLICANT)
    ]
    paragraphs.append(Paragraph(f"II. {heading}", bold=True))
    paragraphs += [Paragraph(f"{label}: ", dotted=True) for label in fields]
    paragraphs += [Paragraph("", dotted=True), Paragraph("", dotted=True)]
    paragraphs += [
        Paragraph(DECLARATION, align="both", space_after=240),
        Paragraph("……………, ngày …… tháng …… năm ……", italic=True, align="center", indent=HALF),
        Paragraph("NGƯỜI ĐỀ NGHỊ", bold=True, align="center", indent=HALF, space_after=0),
        Paragraph(
            "(Ký, ghi rõ họ, chữ đệm, tên)", italic=True, align="center", indent=HALF, space_after=1200
        ),
        Paragraph(FOOTNOTE, italic=True, size=10),
    ]
    return paragraphs


def form_file_name(procedure_code: str, paper: str) -> str:
    """e.g. "HT-01-to-khai-dang-ky-khai-sinh.docx": ASCII, so every browser and mail client keeps it."""
    slug = "-".join(search_key(paper.replace(ON_FORM, "")).split())
    return f"{procedure_code}-{slug}.docx"


@transaction.atomic
def attach_demo_forms() -> list[str]:
    """Give the demo procedures' papers filed on a form their blank form, where they have no template and
    still bear the demo's name. Returns "CODE/position" of the papers given one (empty when none)."""
    from citydesk.dossiers.demo_catalog import PROCEDURES
    from citydesk.dossiers.models import ProcedureDocument

    demo = {p.code: p for p in PROCEDURES}
    papers = (
        ProcedureDocument.objects.filter(procedure__code__in=demo, template="", name__contains=ON_FORM)
        .select_related("procedure")
        .order_by("procedure__code", "position")
    )
    given: list[str] = []
    for paper in papers:
        p = demo[paper.procedure.code]
        names = [name for name, *_rest in p.documents]
        if paper.position > len(names) or names[paper.position - 1] != paper.name:
            continue  # renamed or moved by an administrator: not the demo's paper any more
        data = docx_bytes(form_paragraphs(paper.name, p.authority), title=form_title(paper.name))
        paper.template.save(form_file_name(p.code, paper.name), ContentFile(data), save=False)
        paper.save(update_fields=["template"])
        given.append(f"{p.code}/{paper.position}")
    if given:
        audit_record(
            actor=Actor.system("seed-demo"),
            action="procedure_catalog.demo_forms",
            object_type="procedure_catalog",
            object_id="catalog",
            after={"forms": given},
        )
    return given
