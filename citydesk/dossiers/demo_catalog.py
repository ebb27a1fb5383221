"""Demo procedure catalog: about thirty common procedures of a city's one-stop desks.

Names, documents and processing times follow common practice; fees are illustrative (the real amounts
are set by each city's People's Council). The codes ("HT-01", "CT-02"…) are this demo's own, not the
national database's. `legal` names only well-known laws and decrees.

The English names of the fields, papers and steps are in `demo_catalog_en.py`, by their Vietnamese text.

`seed_procedures()` goes through the same checks and upsert as the Excel import, so the demo data is
validated like any uploaded file, and running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import DomainError
from citydesk.dossiers import demo_catalog_en as english
from citydesk.dossiers.catalog import SHEET_DOCUMENTS, SHEET_PROCEDURES, SHEET_STEPS, Rows, catalog_load

HOTICH = "Hộ tịch"
CHUNGTHUC = "Chứng thực"
KINHDOANH = "Đăng ký kinh doanh"
CONGTHUONG = "Công Thương"
XAYDUNG = "Xây dựng"
DATDAI = "Đất đai"
MOITRUONG = "Môi trường"
XAHOI = "Lao động – Thương binh và Xã hội"
YTE = "Y tế"
GIAODUC = "Giáo dục và Đào tạo"
NOIVU = "Nội vụ"
TUPHAP = "Lý lịch tư pháp"

LUAT_HO_TICH = "Luật Hộ tịch 2014"
ND_CHUNG_THUC = (
    "Nghị định 23/2015/NĐ-CP về cấp bản sao từ sổ gốc, chứng thực bản sao từ bản chính, "
    "chứng thực chữ ký và chứng thực hợp đồng, giao dịch"
)
ND_DKKD = "Nghị định 01/2021/NĐ-CP về đăng ký doanh nghiệp"
LUAT_XAY_DUNG = "Luật Xây dựng 2014 (sửa đổi, bổ sung năm 2020)"
LUAT_DAT_DAI = "Luật Đất đai 2024"

# Who performs a step: the unit where the dossier was filed, a department (by code), the city.
R, M, D, C = "receiving", "desk", "department", "city"  # M: the one-stop desk (Một cửa)
Doc = tuple[str, str, bool]  # name, copies, required
Step = tuple[str, str, str, str, float]  # name, performer, department code, role, share of the time (%)

ID_PAPERS: Doc = ("Giấy tờ tùy thân của người nộp (căn cước hoặc hộ chiếu)", "Xuất trình bản chính", True)


@dataclass(frozen=True)
class DemoProcedure:
    code: str
    name: str
    name_en: str
    field: str
    authority: str
    time: int
    level: int
    documents: list[Doc]
    steps: list[Step]
    department: str = ""
    unit: str = "days"
    same_day: bool = False
    fee: int = 0
    fee_note: str = ""
    legal: str = ""


# fmt: off
PROCEDURES: list[DemoProcedure] = [
    DemoProcedure(
        "HT-01", "Đăng ký khai sinh", "Birth registration", HOTICH,
        authority="ward", time=1, level=4, same_day=True, fee_note="Miễn lệ phí khi đăng ký đúng hạn",
        legal=LUAT_HO_TICH,
        documents=[
            ("Tờ khai đăng ký khai sinh (theo mẫu)", "01 bản chính", True),
            ("Giấy chứng sinh", "01 bản chính", True),
            ("Giấy chứng nhận kết hôn của cha mẹ", "01 bản sao", False),
            ID_PAPERS,
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ tại Bộ phận Một cửa", R, "", "officer", 15),
            ("Kiểm tra, ghi sổ hộ tịch, in Giấy khai sinh", R, "", "officer", 45),
            ("Xem xét, ký kết quả", R, "", "deputy", 30),
            ("Trả kết quả, lưu hồ sơ", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "HT-02", "Đăng ký khai tử", "Death registration", HOTICH,
        authority="ward", time=1, level=4, same_day=True, fee_note="Miễn lệ phí khi đăng ký đúng hạn",
        legal=LUAT_HO_TICH,
        documents=[
            ("Tờ khai đăng ký khai tử (theo mẫu)", "01 bản chính", True),
            ("Giấy báo tử hoặc giấy tờ thay thế Giấy báo tử", "01 bản chính", True),
            ID_PAPERS,
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ tại Bộ phận Một cửa", R, "", "officer", 15),
            ("Kiểm tra, ghi sổ hộ tịch, in Trích lục khai tử", R, "", "officer", 45),
            ("Xem xét, ký kết quả", R, "", "deputy", 30),
            ("Trả kết quả, lưu hồ sơ", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "HT-03", "Đăng ký kết hôn", "Marriage registration", HOTICH,
        authority="ward", time=1, level=3, same_day=True, legal=LUAT_HO_TICH,
        documents=[
            ("Tờ khai đăng ký kết hôn (theo mẫu)", "01 bản chính", True),
            ("Giấy xác nhận tình trạng hôn nhân (khi đăng ký tại nơi không thường trú)", "01 bản chính", False),
            ("Giấy tờ tùy thân của hai bên nam, nữ", "Xuất trình bản chính", True),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ tại Bộ phận Một cửa", R, "", "officer", 15),
            ("Kiểm tra điều kiện kết hôn, ghi sổ hộ tịch", R, "", "officer", 45),
            ("Chủ tịch hoặc Phó Chủ tịch UBND ký Giấy chứng nhận kết hôn", R, "", "deputy", 20),
            ("Hai bên nam, nữ ký sổ và nhận Giấy chứng nhận kết hôn", R, "", "officer", 20),
        ],
    ),
    DemoProcedure(
        "HT-04", "Cấp Giấy xác nhận tình trạng hôn nhân", "Certificate of marital status", HOTICH,
        authority="ward", time=3, level=4, legal=LUAT_HO_TICH,
        documents=[
            ("Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (theo mẫu)", "01 bản chính", True),
            ("Bản án, quyết định ly hôn hoặc giấy chứng tử của vợ, chồng (nếu có)", "01 bản sao", False),
            ID_PAPERS,
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ tại Bộ phận Một cửa", R, "", "officer", 15),
            ("Kiểm tra, xác minh tình trạng hôn nhân trên cơ sở dữ liệu hộ tịch", R, "", "officer", 50),
            ("Xem xét, ký kết quả", R, "", "deputy", 25),
            ("Trả kết quả, lưu hồ sơ", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "HT-05", "Cấp bản sao trích lục hộ tịch", "Copy of a civil status extract", HOTICH,
        authority="ward", time=1, level=4, same_day=True, fee=8000, fee_note="8.000 đồng/bản sao",
        legal=LUAT_HO_TICH,
        documents=[
            ("Tờ khai cấp bản sao trích lục hộ tịch (theo mẫu)", "01 bản chính", True),
            ID_PAPERS,
        ],
        steps=[
            ("Tiếp nhận, đối chiếu giấy tờ", R, "", "officer", 40),
            ("Tra cứu sổ hộ tịch, ký bản sao trích lục", R, "", "deputy", 50),
            ("Trả kết quả, thu phí", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "HT-06", "Thay đổi, cải chính, bổ sung thông tin hộ tịch", "Change, correction or completion of civil status records", HOTICH,
        authority="ward", time=3, level=3, legal=LUAT_HO_TICH,
        documents=[
            ("Tờ khai thay đổi, cải chính, bổ sung thông tin hộ tịch (theo mẫu)", "01 bản chính", True),
            ("Giấy khai sinh hoặc trích lục hộ tịch cần cải chính", "01 bản chính", True),
            ("Giấy tờ chứng minh nội dung cần thay đổi, cải chính", "01 bản sao", True),
            ID_PAPERS,
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ tại Bộ phận Một cửa", R, "", "officer", 15),
            ("Kiểm tra căn cứ thay đổi, cải chính; ghi sổ hộ tịch", R, "", "officer", 50),
            ("Xem xét, ký kết quả", R, "", "deputy", 25),
            ("Trả kết quả, lưu hồ sơ", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "HT-07", "Đăng ký nhận cha, mẹ, con", "Registration of parentage", HOTICH,
        authority="ward", time=3, level=3, legal=LUAT_HO_TICH,
        documents=[
            ("Tờ khai đăng ký nhận cha, mẹ, con (theo mẫu)", "01 bản chính", True),
            ("Giấy tờ, đồ vật hoặc chứng cứ chứng minh quan hệ cha, mẹ, con", "01 bản sao", True),
            ID_PAPERS,
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ tại Bộ phận Một cửa", R, "", "officer", 15),
            ("Kiểm tra, niêm yết, xác minh quan hệ cha, mẹ, con", R, "", "officer", 50),
            ("Xem xét, ký kết quả", R, "", "deputy", 25),
            ("Trả kết quả, lưu hồ sơ", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "CT-01", "Chứng thực bản sao từ bản chính", "Certified copy from the original", CHUNGTHUC,
        authority="ward", time=2, unit="hours", level=3, same_day=True, fee=2000,
        fee_note="2.000 đồng/trang; từ trang thứ ba 1.000 đồng/trang; tối đa 200.000 đồng/bản",
        legal=ND_CHUNG_THUC,
        documents=[
            ("Bản chính giấy tờ, văn bản cần chứng thực", "Xuất trình bản chính", True),
            ("Bản sao cần chứng thực (nếu tự chuẩn bị)", "Theo số bản cần chứng thực", False),
        ],
        steps=[
            ("Tiếp nhận, đối chiếu giấy tờ", R, "", "officer", 40),
            ("Đối chiếu bản sao với bản chính, ký và đóng dấu", R, "", "deputy", 50),
            ("Trả kết quả, thu phí", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "CT-02", "Chứng thực chữ ký trong giấy tờ, văn bản", "Certification of a signature", CHUNGTHUC,
        authority="ward", time=2, unit="hours", level=2, same_day=True, fee=10000,
        fee_note="10.000 đồng/trường hợp", legal=ND_CHUNG_THUC,
        documents=[
            ("Giấy tờ, văn bản cần chứng thực chữ ký", "Theo số bản cần chứng thực", True),
            ID_PAPERS,
        ],
        steps=[
            ("Tiếp nhận, đối chiếu giấy tờ", R, "", "officer", 40),
            ("Người yêu cầu ký trước mặt người thực hiện chứng thực; ký chứng thực", R, "", "deputy", 50),
            ("Trả kết quả, thu phí", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "CT-03", "Chứng thực hợp đồng, giao dịch liên quan đến nhà ở", "Certification of a housing contract", CHUNGTHUC,
        authority="ward", time=2, level=2, fee=50000, fee_note="50.000 đồng/hợp đồng, giao dịch",
        legal=ND_CHUNG_THUC,
        documents=[
            ("Dự thảo hợp đồng, giao dịch", "Theo số bản cần chứng thực", True),
            ("Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở", "01 bản sao", True),
            ("Giấy tờ tùy thân của các bên tham gia hợp đồng", "Xuất trình bản chính", True),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ", R, "", "officer", 25),
            ("Kiểm tra năng lực hành vi dân sự và nội dung hợp đồng", R, "", "officer", 40),
            ("Các bên ký trước mặt người chứng thực; ký chứng thực", R, "", "deputy", 25),
            ("Trả kết quả, thu phí", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "CT-04", "Chứng thực di chúc", "Certification of a will", CHUNGTHUC,
        authority="ward", time=2, level=2, fee=50000, fee_note="50.000 đồng/di chúc", legal=ND_CHUNG_THUC,
        documents=[
            ("Dự thảo di chúc", "01 bản chính", True),
            ("Giấy tờ chứng minh quyền sở hữu, quyền sử dụng tài sản", "01 bản sao", True),
            ID_PAPERS,
        ],
        steps=[
            ("Tiếp nhận, đối chiếu giấy tờ", R, "", "officer", 40),
            ("Kiểm tra, người lập di chúc ký trước mặt người chứng thực; ký chứng thực", R, "", "deputy", 50),
            ("Trả kết quả, thu phí", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "KD-01", "Đăng ký thành lập hộ kinh doanh", "Household business registration", KINHDOANH,
        authority="ward", time=3, level=4, fee=100000, legal=ND_DKKD,
        documents=[
            ("Giấy đề nghị đăng ký hộ kinh doanh (theo mẫu)", "01 bản chính", True),
            ("Biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh", "01 bản sao", False),
            ("Hợp đồng thuê hoặc giấy tờ về quyền sử dụng địa điểm kinh doanh", "01 bản sao", False),
            ID_PAPERS,
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ tại Bộ phận Một cửa", R, "", "officer", 15),
            ("Kiểm tra tính hợp lệ, nhập thông tin vào hệ thống đăng ký hộ kinh doanh", R, "", "officer", 55),
            ("Xem xét, ký kết quả", R, "", "deputy", 20),
            ("Trả kết quả, lưu hồ sơ", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "KD-02", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", "Change of household business registration", KINHDOANH,
        authority="ward", time=3, level=4, fee=50000, legal=ND_DKKD,
        documents=[
            ("Thông báo thay đổi nội dung đăng ký hộ kinh doanh (theo mẫu)", "01 bản chính", True),
            ("Giấy chứng nhận đăng ký hộ kinh doanh đã được cấp", "01 bản chính", True),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ tại Bộ phận Một cửa", R, "", "officer", 15),
            ("Kiểm tra, cập nhật thông tin đăng ký hộ kinh doanh", R, "", "officer", 55),
            ("Xem xét, ký kết quả", R, "", "deputy", 20),
            ("Trả kết quả, lưu hồ sơ", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "KD-03", "Thông báo tạm ngừng kinh doanh của hộ kinh doanh", "Temporary suspension of a household business", KINHDOANH,
        authority="ward", time=3, level=4, legal=ND_DKKD,
        documents=[
            ("Thông báo tạm ngừng kinh doanh (theo mẫu)", "01 bản chính", True),
            ("Giấy ủy quyền (khi người khác nộp thay chủ hộ kinh doanh)", "01 bản chính", False),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ tại Bộ phận Một cửa", R, "", "officer", 15),
            ("Kiểm tra, cập nhật tình trạng hộ kinh doanh", R, "", "officer", 55),
            ("Xem xét, ký kết quả", R, "", "deputy", 20),
            ("Trả kết quả, lưu hồ sơ", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "TM-01", "Cấp Giấy phép bán buôn rượu", "Liquor wholesale licence", CONGTHUONG,
        authority="department", department="SCT", time=15, level=3, fee=2200000,
        fee_note="Phí thẩm định tại thành phố trực thuộc trung ương",
        legal="Nghị định 105/2017/NĐ-CP về kinh doanh rượu",
        documents=[
            ("Đơn đề nghị cấp Giấy phép bán buôn rượu (theo mẫu)", "01 bản chính", True),
            ("Giấy chứng nhận đăng ký doanh nghiệp", "01 bản sao", True),
            ("Hợp đồng, văn bản giới thiệu của nhà sản xuất hoặc nhà cung cấp rượu", "01 bản sao", True),
            ("Giấy tờ chứng minh quyền sử dụng kho hàng", "01 bản sao", True),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ", R, "", "officer", 10),
            ("Thẩm định hồ sơ, kiểm tra điều kiện kinh doanh", R, "", "officer", 60),
            ("Lãnh đạo phòng chuyên môn xem xét, trình ký", R, "", "deputy", 20),
            ("Lãnh đạo Sở ký kết quả", R, "", "head", 5),
            ("Trả kết quả", M, "", "officer", 5),
        ],
    ),
    DemoProcedure(
        "TM-02", "Cấp Giấy chứng nhận cửa hàng đủ điều kiện bán lẻ xăng dầu", "Certificate of a petrol retail station", CONGTHUONG,
        authority="department", department="SCT", time=15, level=3, fee=1200000, fee_note="Phí thẩm định",
        legal="Nghị định 83/2014/NĐ-CP về kinh doanh xăng dầu",
        documents=[
            ("Đơn đề nghị cấp Giấy chứng nhận (theo mẫu)", "01 bản chính", True),
            ("Bản kê trang thiết bị của cửa hàng bán lẻ xăng dầu", "01 bản chính", True),
            ("Giấy tờ về phòng cháy, chữa cháy và bảo vệ môi trường của cửa hàng", "01 bản sao", True),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ", R, "", "officer", 10),
            ("Thẩm định hồ sơ", R, "", "officer", 35),
            ("Kiểm tra thực tế cửa hàng", R, "", "officer", 30),
            ("Lãnh đạo Sở ký Giấy chứng nhận", R, "", "head", 20),
            ("Trả kết quả", M, "", "officer", 5),
        ],
    ),
    DemoProcedure(
        "XD-01", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Construction permit for a detached house", XAYDUNG,
        authority="ward", time=15, level=3, fee=75000, legal=LUAT_XAY_DUNG,
        documents=[
            ("Đơn đề nghị cấp giấy phép xây dựng (theo mẫu)", "01 bản chính", True),
            ("Giấy tờ hợp pháp về quyền sử dụng đất", "01 bản sao", True),
            ("Bản vẽ thiết kế xây dựng (mặt bằng, mặt cắt, mặt đứng, móng)", "02 bộ", True),
            ("Bản cam kết bảo đảm an toàn cho công trình liền kề", "01 bản chính", False),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ tại Bộ phận Một cửa", R, "", "officer", 5),
            ("Công chức Địa chính – Xây dựng kiểm tra thực địa, thẩm định hồ sơ", R, "", "officer", 60),
            ("Phó Chủ tịch UBND xem xét, trình ký", R, "", "deputy", 15),
            ("Chủ tịch UBND ký giấy phép xây dựng", R, "", "head", 15),
            ("Trả kết quả", M, "", "officer", 5),
        ],
    ),
    DemoProcedure(
        "XD-02", "Cấp giấy phép xây dựng công trình cấp II, cấp III", "Construction permit for a grade II or III works", XAYDUNG,
        authority="department", department="SXD", time=20, level=3, fee=150000, legal=LUAT_XAY_DUNG,
        documents=[
            ("Đơn đề nghị cấp giấy phép xây dựng (theo mẫu)", "01 bản chính", True),
            ("Giấy tờ hợp pháp về quyền sử dụng đất", "01 bản sao", True),
            ("Quyết định phê duyệt dự án và văn bản thẩm định thiết kế", "01 bản sao", True),
            ("Hồ sơ thiết kế xây dựng", "02 bộ", True),
            ("Văn bản thẩm duyệt thiết kế về phòng cháy, chữa cháy", "01 bản sao", True),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ", R, "", "officer", 10),
            ("Phòng Cấp phép xây dựng thẩm định hồ sơ, kiểm tra thực địa", R, "", "officer", 60),
            ("Lãnh đạo phòng chuyên môn xem xét, trình ký", R, "", "deputy", 20),
            ("Lãnh đạo Sở ký kết quả", R, "", "head", 5),
            ("Trả kết quả", M, "", "officer", 5),
        ],
    ),
    DemoProcedure(
        "XD-03", "Gia hạn giấy phép xây dựng", "Extension of a construction permit", XAYDUNG,
        authority="ward", time=5, level=3, fee=15000, legal=LUAT_XAY_DUNG,
        documents=[
            ("Đơn đề nghị gia hạn giấy phép xây dựng (theo mẫu)", "01 bản chính", True),
            ("Bản chính giấy phép xây dựng đã được cấp", "01 bản chính", True),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ tại Bộ phận Một cửa", R, "", "officer", 15),
            ("Kiểm tra lý do gia hạn, tình trạng thi công", R, "", "officer", 50),
            ("Xem xét, ký kết quả", R, "", "head", 25),
            ("Trả kết quả, lưu hồ sơ", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "DD-01", "Chuyển mục đích sử dụng đất của hộ gia đình, cá nhân", "Change of land-use purpose (households, individuals)", DATDAI,
        authority="city", department="SNNMT", time=15, level=3,
        fee_note="Tiền sử dụng đất nộp theo thông báo của cơ quan thuế", legal=LUAT_DAT_DAI,
        documents=[
            ("Đơn xin chuyển mục đích sử dụng đất (theo mẫu)", "01 bản chính", True),
            ("Giấy chứng nhận quyền sử dụng đất", "01 bản chính", True),
            ("Trích lục hoặc trích đo bản đồ địa chính thửa đất", "01 bản chính", False),
        ],
        steps=[
            ("Tiếp nhận hồ sơ tại Bộ phận Một cửa phường", R, "", "officer", 5),
            ("Văn phòng đăng ký đất đai kiểm tra hồ sơ, trích lục bản đồ, xác định nghĩa vụ tài chính", D, "SNNMT", "officer", 40),
            ("Sở Nông nghiệp và Môi trường thẩm định, trình UBND Thành phố", D, "SNNMT", "head", 25),
            ("UBND Thành phố quyết định cho phép chuyển mục đích sử dụng đất", C, "", "leader", 25),
            ("Trả kết quả tại Bộ phận Một cửa phường", M, "", "officer", 5),
        ],
    ),
    DemoProcedure(
        "DD-02", "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu", "First registration and certificate of land-use rights", DATDAI,
        authority="ward", time=20, level=3, fee=100000,
        fee_note="Lệ phí cấp Giấy chứng nhận; chưa gồm nghĩa vụ tài chính về đất", legal=LUAT_DAT_DAI,
        documents=[
            ("Đơn đăng ký đất đai, tài sản gắn liền với đất (theo mẫu)", "01 bản chính", True),
            ("Giấy tờ về quyền sử dụng đất (nếu có)", "01 bản sao", False),
            ("Mảnh trích đo bản đồ địa chính thửa đất", "01 bản chính", False),
            ("Chứng từ thực hiện nghĩa vụ tài chính", "01 bản sao", False),
        ],
        steps=[
            ("Tiếp nhận hồ sơ tại Bộ phận Một cửa phường", R, "", "officer", 5),
            ("Xác nhận nguồn gốc, hiện trạng sử dụng đất; niêm yết công khai", R, "", "officer", 30),
            ("Văn phòng đăng ký đất đai kiểm tra, đo đạc, cập nhật cơ sở dữ liệu đất đai", D, "SNNMT", "officer", 40),
            ("Chủ tịch UBND phường ký Giấy chứng nhận", R, "", "head", 20),
            ("Trả kết quả", M, "", "officer", 5),
        ],
    ),
    DemoProcedure(
        "DD-03", "Đăng ký biến động quyền sử dụng đất do chuyển nhượng, tặng cho, thừa kế", "Registration of a land transfer, gift or inheritance", DATDAI,
        authority="department", department="SNNMT", time=10, level=3, fee=50000,
        fee_note="Lệ phí đăng ký biến động; chưa gồm thuế, lệ phí trước bạ", legal=LUAT_DAT_DAI,
        documents=[
            ("Đơn đăng ký biến động đất đai, tài sản gắn liền với đất (theo mẫu)", "01 bản chính", True),
            ("Hợp đồng, văn bản chuyển nhượng, tặng cho hoặc thừa kế đã công chứng, chứng thực", "01 bản chính", True),
            ("Giấy chứng nhận quyền sử dụng đất đã cấp", "01 bản chính", True),
            ("Tờ khai thuế thu nhập cá nhân và lệ phí trước bạ", "01 bản chính", True),
        ],
        steps=[
            ("Tiếp nhận hồ sơ tại Bộ phận Một cửa phường", R, "", "officer", 5),
            ("Văn phòng đăng ký đất đai kiểm tra, chuyển thông tin sang cơ quan thuế", D, "SNNMT", "officer", 60),
            ("Lãnh đạo Văn phòng đăng ký đất đai xác nhận biến động", D, "SNNMT", "deputy", 25),
            ("Trả kết quả tại Bộ phận Một cửa phường", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "DD-04", "Cấp lại Giấy chứng nhận quyền sử dụng đất do bị mất", "Reissue of a lost land-use right certificate", DATDAI,
        authority="department", department="SNNMT", time=10, level=3, fee=50000, legal=LUAT_DAT_DAI,
        documents=[
            ("Đơn đề nghị cấp lại Giấy chứng nhận (theo mẫu)", "01 bản chính", True),
            ("Giấy xác nhận của UBND cấp xã về việc đã niêm yết thông báo mất giấy", "01 bản chính", True),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ", R, "", "officer", 10),
            ("Văn phòng đăng ký đất đai kiểm tra hồ sơ, cập nhật cơ sở dữ liệu", R, "", "officer", 60),
            ("Lãnh đạo phòng chuyên môn xem xét, trình ký", R, "", "deputy", 20),
            ("Lãnh đạo Sở ký kết quả", R, "", "head", 5),
            ("Trả kết quả", M, "", "officer", 5),
        ],
    ),
    DemoProcedure(
        "MT-01", "Cấp giấy phép môi trường (thẩm quyền cấp thành phố)", "Environmental permit (city level)", MOITRUONG,
        authority="city", department="SNNMT", time=20, level=3,
        fee_note="Phí thẩm định theo quy định của HĐND thành phố", legal="Luật Bảo vệ môi trường 2020",
        documents=[
            ("Văn bản đề nghị cấp giấy phép môi trường (theo mẫu)", "01 bản chính", True),
            ("Báo cáo đề xuất cấp giấy phép môi trường", "01 bản chính", True),
            ("Báo cáo nghiên cứu khả thi hoặc tài liệu tương đương của dự án", "01 bản sao", True),
        ],
        steps=[
            ("Tiếp nhận hồ sơ tại Sở Nông nghiệp và Môi trường", D, "SNNMT", "officer", 5),
            ("Thẩm định hồ sơ, kiểm tra thực tế cơ sở", D, "SNNMT", "officer", 55),
            ("Lãnh đạo Sở xem xét, trình UBND Thành phố", D, "SNNMT", "head", 15),
            ("UBND Thành phố cấp giấy phép môi trường", C, "", "leader", 20),
            ("Trả kết quả", D, "SNNMT", "officer", 5),
        ],
    ),
    DemoProcedure(
        "XH-01", "Trợ cấp xã hội hằng tháng đối với đối tượng bảo trợ xã hội", "Monthly social allowance", XAHOI,
        authority="ward", time=15, level=3,
        legal="Nghị định 20/2021/NĐ-CP về chính sách trợ giúp xã hội đối với đối tượng bảo trợ xã hội",
        documents=[
            ("Tờ khai đề nghị trợ giúp xã hội (theo mẫu)", "01 bản chính", True),
            ("Giấy xác nhận khuyết tật hoặc giấy tờ chứng minh thuộc diện bảo trợ xã hội", "01 bản sao", False),
            ID_PAPERS,
        ],
        steps=[
            ("Tiếp nhận hồ sơ tại Bộ phận Một cửa", R, "", "officer", 10),
            ("Hội đồng xét duyệt trợ giúp xã hội xem xét, niêm yết công khai", R, "", "officer", 50),
            ("Chủ tịch UBND quyết định trợ cấp", R, "", "head", 30),
            ("Trả kết quả", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "XH-02", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "Funeral cost support", XAHOI,
        authority="ward", time=3, level=3,
        legal="Nghị định 20/2021/NĐ-CP về chính sách trợ giúp xã hội đối với đối tượng bảo trợ xã hội",
        documents=[
            ("Tờ khai đề nghị hỗ trợ chi phí mai táng (theo mẫu)", "01 bản chính", True),
            ("Giấy báo tử hoặc trích lục khai tử", "01 bản sao", True),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ tại Bộ phận Một cửa", R, "", "officer", 15),
            ("Kiểm tra đối tượng, lập danh sách chi trả", R, "", "officer", 50),
            ("Xem xét, ký kết quả", R, "", "head", 25),
            ("Trả kết quả, lưu hồ sơ", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "XH-03", "Cấp giấy phép lao động cho người lao động nước ngoài", "Work permit for a foreign worker", XAHOI,
        authority="department", department="SNV", time=5, level=4, fee=600000,
        documents=[
            ("Văn bản đề nghị cấp giấy phép lao động của người sử dụng lao động (theo mẫu)", "01 bản chính", True),
            ("Giấy chứng nhận sức khỏe", "01 bản chính", True),
            ("Phiếu lý lịch tư pháp", "01 bản chính", True),
            ("Văn bằng, giấy tờ chứng minh trình độ chuyên môn, kinh nghiệm", "01 bản sao", True),
            ("Hộ chiếu", "01 bản sao", True),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ", R, "", "officer", 10),
            ("Kiểm tra hồ sơ, đối chiếu văn bản chấp thuận nhu cầu sử dụng lao động", R, "", "officer", 60),
            ("Lãnh đạo phòng chuyên môn xem xét, trình ký", R, "", "deputy", 20),
            ("Lãnh đạo Sở ký kết quả", R, "", "head", 5),
            ("Trả kết quả", M, "", "officer", 5),
        ],
    ),
    DemoProcedure(
        "YT-01", "Cấp giấy phép hành nghề khám bệnh, chữa bệnh", "Licence to practise medicine", YTE,
        authority="department", department="SYT", time=20, level=3, fee=360000, fee_note="Phí thẩm định",
        legal="Luật Khám bệnh, chữa bệnh 2023",
        documents=[
            ("Đơn đề nghị cấp giấy phép hành nghề (theo mẫu)", "01 bản chính", True),
            ("Văn bằng chuyên môn", "01 bản sao", True),
            ("Giấy chứng nhận đủ sức khỏe hành nghề", "01 bản chính", True),
            ("Giấy xác nhận kết quả đánh giá năng lực hành nghề", "01 bản sao", True),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ", R, "", "officer", 10),
            ("Phòng Nghiệp vụ Y thẩm định hồ sơ", R, "", "officer", 60),
            ("Lãnh đạo phòng chuyên môn xem xét, trình ký", R, "", "deputy", 20),
            ("Lãnh đạo Sở ký kết quả", R, "", "head", 5),
            ("Trả kết quả", M, "", "officer", 5),
        ],
    ),
    DemoProcedure(
        "YT-02", "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "Food safety certificate for a food business", YTE,
        authority="department", department="SYT", time=20, level=3, fee=500000,
        fee_note="Cơ sở kinh doanh dịch vụ ăn uống", legal="Luật An toàn thực phẩm 2010",
        documents=[
            ("Đơn đề nghị cấp Giấy chứng nhận (theo mẫu)", "01 bản chính", True),
            ("Bản thuyết minh về cơ sở vật chất, trang thiết bị, dụng cụ", "01 bản chính", True),
            ("Giấy xác nhận đủ sức khỏe và tập huấn kiến thức an toàn thực phẩm của chủ cơ sở và người trực tiếp chế biến", "01 bản sao", True),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ", R, "", "officer", 10),
            ("Thẩm định hồ sơ", R, "", "officer", 30),
            ("Đoàn thẩm định kiểm tra thực tế tại cơ sở", R, "", "officer", 35),
            ("Lãnh đạo Sở ký Giấy chứng nhận", R, "", "deputy", 20),
            ("Trả kết quả", M, "", "officer", 5),
        ],
    ),
    DemoProcedure(
        "YT-03", "Cấp chứng chỉ hành nghề dược", "Pharmacy practice certificate", YTE,
        authority="department", department="SYT", time=20, level=3, fee=500000, fee_note="Phí thẩm định",
        legal="Luật Dược 2016",
        documents=[
            ("Đơn đề nghị cấp chứng chỉ hành nghề dược (theo mẫu)", "01 bản chính", True),
            ("Văn bằng chuyên môn", "01 bản sao", True),
            ("Giấy xác nhận thời gian thực hành chuyên môn", "01 bản chính", True),
            ("Giấy chứng nhận đủ sức khỏe hành nghề", "01 bản chính", True),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ", R, "", "officer", 10),
            ("Hội đồng tư vấn cấp chứng chỉ hành nghề dược xem xét hồ sơ", R, "", "officer", 60),
            ("Lãnh đạo phòng chuyên môn xem xét, trình ký", R, "", "deputy", 20),
            ("Lãnh đạo Sở ký kết quả", R, "", "head", 5),
            ("Trả kết quả", M, "", "officer", 5),
        ],
    ),
    DemoProcedure(
        "GD-01", "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", "Copy of a diploma from the master register", GIAODUC,
        authority="department", department="SGDDT", time=1, level=4, same_day=True, legal=ND_CHUNG_THUC,
        documents=[
            ("Đơn đề nghị cấp bản sao từ sổ gốc (theo mẫu)", "01 bản chính", True),
            ID_PAPERS,
        ],
        steps=[
            ("Tiếp nhận, tra cứu sổ gốc", R, "", "officer", 40),
            ("Lãnh đạo phòng ký bản sao", R, "", "deputy", 50),
            ("Trả kết quả", M, "", "officer", 10),
        ],
    ),
    DemoProcedure(
        "GD-02", "Chuyển trường đối với học sinh trung học phổ thông", "Transfer of an upper-secondary pupil", GIAODUC,
        authority="department", department="SGDDT", time=3, level=4,
        documents=[
            ("Đơn xin chuyển trường của cha mẹ hoặc người giám hộ (theo mẫu)", "01 bản chính", True),
            ("Học bạ", "01 bản chính", True),
            ("Giấy giới thiệu chuyển trường của trường nơi đi", "01 bản chính", True),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ", R, "", "officer", 10),
            ("Kiểm tra hồ sơ, xác định trường tiếp nhận", R, "", "officer", 60),
            ("Lãnh đạo phòng chuyên môn xem xét, trình ký", R, "", "deputy", 20),
            ("Lãnh đạo Sở ký kết quả", R, "", "head", 5),
            ("Trả kết quả", M, "", "officer", 5),
        ],
    ),
    DemoProcedure(
        "NV-01", "Cho phép thành lập hội có phạm vi hoạt động trong thành phố", "Permission to found an association (city-wide)", NOIVU,
        authority="city", department="SNV", time=30, level=2,
        documents=[
            ("Đơn xin phép thành lập hội", "01 bản chính", True),
            ("Dự thảo điều lệ hội", "01 bản chính", True),
            ("Danh sách ban vận động thành lập hội", "01 bản chính", True),
            ("Văn bản xác nhận nơi dự kiến đặt trụ sở của hội", "01 bản sao", True),
        ],
        steps=[
            ("Tiếp nhận hồ sơ tại Sở Nội vụ", D, "SNV", "officer", 5),
            ("Thẩm định hồ sơ, lấy ý kiến các cơ quan liên quan", D, "SNV", "officer", 55),
            ("Giám đốc Sở Nội vụ trình UBND Thành phố", D, "SNV", "head", 15),
            ("UBND Thành phố quyết định cho phép thành lập hội", C, "", "leader", 20),
            ("Trả kết quả", D, "SNV", "officer", 5),
        ],
    ),
    DemoProcedure(
        "TP-01", "Cấp Phiếu lý lịch tư pháp", "Criminal record certificate", TUPHAP,
        authority="department", department="STP", time=10, level=4, fee=200000,
        fee_note="Sinh viên, người có công với cách mạng: 100.000 đồng/lần",
        legal="Luật Lý lịch tư pháp 2009",
        documents=[
            ("Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (theo mẫu)", "01 bản chính", True),
            ("Căn cước của người yêu cầu", "01 bản sao", True),
        ],
        steps=[
            ("Tiếp nhận, kiểm tra hồ sơ", R, "", "officer", 10),
            ("Tra cứu, xác minh thông tin lý lịch tư pháp", R, "", "officer", 60),
            ("Lãnh đạo phòng chuyên môn xem xét, trình ký", R, "", "deputy", 20),
            ("Lãnh đạo Sở ký kết quả", R, "", "head", 5),
            ("Trả kết quả", M, "", "officer", 5),
        ],
    ),
]
# fmt: on


def demo_sheets() -> dict[str, Rows]:
    """The demo catalog in the import's row form (row numbers count from 1 in each sheet)."""
    procedures: Rows = []
    documents: Rows = []
    steps: Rows = []
    for p in PROCEDURES:
        values = {
            "code": p.code,
            "name": p.name,
            "name_en": p.name_en,
            "field": p.field,
            "field_en": english.FIELDS[p.field],
            "authority": p.authority,
            "department_code": p.department,
            "fee": p.fee,
            "fee_note": p.fee_note,
            "processing_time": p.time,
            "time_unit": p.unit,
            "service_level": p.level,
            "same_day": p.same_day,
            "legal_basis": p.legal,
            "is_active": True,
        }
        procedures.append((len(procedures) + 1, values))
        for position, (name, copies, required) in enumerate(p.documents, start=1):
            doc = {"procedure_code": p.code, "position": position, "name": name, "copies": copies}
            documents.append(
                (len(documents) + 1, {**doc, "name_en": english.PAPERS[name], "required": required})
            )
        for position, (name, performer, department, role, share) in enumerate(p.steps, start=1):
            step = {"procedure_code": p.code, "position": position, "name": name, "performer": performer}
            more = {"name_en": english.STEPS[name], "department_code": department, "role": role}
            steps.append((len(steps) + 1, {**step, **more, "share": share}))
    return {SHEET_PROCEDURES: procedures, SHEET_DOCUMENTS: documents, SHEET_STEPS: steps}


def seed_procedures() -> int:
    """Load the demo procedures that are missing (a deleted one comes back); idempotent. Procedures
    already in the catalog are left as they are: an administrator's edits (fee, name, process) are
    never reverted by running the demo again; only the English names they lack are filled in
    (`fill_english_names`). Returns the number of demo procedures."""
    from citydesk.dossiers.models import Procedure

    fill_english_names()
    existing = set(Procedure.objects.values_list("code", flat=True))
    sheets = {
        sheet: [
            (n, row)
            for n, row in rows
            if row["code" if sheet == SHEET_PROCEDURES else "procedure_code"] not in existing
        ]
        for sheet, rows in demo_sheets().items()
    }
    if sheets[SHEET_PROCEDURES]:
        result = catalog_load(sheets, actor=Actor.system("seed-demo"))
        if not result.ok:  # the demo data itself is wrong: a programming error; say where
            raise DomainError("; ".join(str(e) for e in result.errors[:5]), field="demo_catalog")
    return len(PROCEDURES)


@transaction.atomic
def fill_english_names() -> list[str]:
    """Give the demo procedures already in the catalog the English names of their field, papers and
    steps that they lack (a catalog loaded before these names existed). Only an empty English name is
    filled, and only where the Vietnamese text is still the demo's: an administrator's wording is kept.
    One audit row for the whole change. Returns the codes of the procedures changed."""
    from citydesk.dossiers.catalog import procedure_snapshot
    from citydesk.dossiers.models import Procedure, ProcedureDocument, ProcedureStep

    demo = {p.code: p for p in PROCEDURES}
    lacking = Q(field_en="") | Q(documents__name_en="") | Q(steps__name_en="")
    candidates = Procedure.objects.filter(lacking, code__in=demo).values_list("pk", flat=True).distinct()
    procedures = Procedure.objects.filter(pk__in=list(candidates)).prefetch_related("documents", "steps")
    before: dict[str, Any] = {}
    changed: list[str] = []
    fields: list[Procedure] = []
    papers: list[ProcedureDocument] = []
    steps: list[ProcedureStep] = []
    for procedure in procedures:
        p = demo[procedure.code]
        snapshot = procedure_snapshot(procedure)
        count = len(fields) + len(papers) + len(steps)
        if not procedure.field_en and procedure.field == p.field:
            procedure.field_en = english.FIELDS[p.field]
            fields.append(procedure)
        names = {position: name for position, (name, *_r) in enumerate(p.documents, start=1)}
        for paper in procedure.documents.all():
            if not paper.name_en and names.get(paper.position) == paper.name:
                paper.name_en = english.PAPERS[paper.name]
                papers.append(paper)
        names = {position: name for position, (name, *_r) in enumerate(p.steps, start=1)}
        for step in procedure.steps.all():
            if not step.name_en and names.get(step.position) == step.name:
                step.name_en = english.STEPS[step.name]
                steps.append(step)
        if len(fields) + len(papers) + len(steps) > count:
            before[procedure.code] = snapshot
            changed.append(procedure.code)
    if not changed:
        return []
    Procedure.objects.bulk_update(fields, ["field_en"])
    ProcedureDocument.objects.bulk_update(papers, ["name_en"])
    ProcedureStep.objects.bulk_update(steps, ["name_en"])
    Procedure.objects.filter(code__in=changed).update(updated_at=timezone.now())
    fresh = Procedure.objects.filter(code__in=changed).prefetch_related("documents", "steps")
    audit_record(
        actor=Actor.system("seed-demo"),
        action="procedure_catalog.english_names",
        object_type="procedure_catalog",
        object_id="catalog",
        before=before,
        after={p.code: procedure_snapshot(p) for p in fresh},
    )
    return sorted(changed)
