"""English names of the demo catalog (`demo_catalog.py`): its fields, papers and process steps, by their
official Vietnamese text. Shown on English pages; the Vietnamese stays the official text everywhere else.

The terms follow the usual English of Vietnamese administration: Ủy ban nhân dân (UBND) "People's
Committee", Sở "department", Bộ phận Một cửa "one-stop desk", hộ tịch "civil status", chứng thực
"certification", trích lục "extract", "(theo mẫu)" "(official template)".
"""

from __future__ import annotations

FIELDS: dict[str, str] = {
    "Hộ tịch": "Civil status",
    "Chứng thực": "Certification",
    "Đăng ký kinh doanh": "Business registration",
    "Công Thương": "Industry and trade",
    "Xây dựng": "Construction",
    "Đất đai": "Land",
    "Môi trường": "Environment",
    "Lao động – Thương binh và Xã hội": "Labour, invalids and social affairs",
    "Y tế": "Health",
    "Giáo dục và Đào tạo": "Education and training",
    "Nội vụ": "Home affairs",
    "Lý lịch tư pháp": "Judicial records",
}

PAPERS: dict[str, str] = {
    # Civil status
    "Tờ khai đăng ký khai sinh (theo mẫu)": "Birth registration declaration form (official template)",
    "Giấy chứng sinh": "Birth certificate issued by the hospital",
    "Giấy chứng nhận kết hôn của cha mẹ": "Parents' marriage certificate",
    "Giấy tờ tùy thân của người nộp (căn cước hoặc hộ chiếu)": (
        "Applicant's identity document (ID card or passport)"
    ),
    "Tờ khai đăng ký khai tử (theo mẫu)": "Death registration declaration form (official template)",
    "Giấy báo tử hoặc giấy tờ thay thế Giấy báo tử": "Death notice, or a document accepted in its place",
    "Tờ khai đăng ký kết hôn (theo mẫu)": "Marriage registration declaration form (official template)",
    "Giấy xác nhận tình trạng hôn nhân (khi đăng ký tại nơi không thường trú)": (
        "Certificate of marital status (when registering outside the place of permanent residence)"
    ),
    "Giấy tờ tùy thân của hai bên nam, nữ": "Identity documents of both partners",
    "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (theo mẫu)": (
        "Application form for a certificate of marital status (official template)"
    ),
    "Bản án, quyết định ly hôn hoặc giấy chứng tử của vợ, chồng (nếu có)": (
        "Divorce judgment or decision, or the former spouse's death certificate (if any)"
    ),
    "Tờ khai cấp bản sao trích lục hộ tịch (theo mẫu)": (
        "Application form for a copy of a civil status extract (official template)"
    ),
    "Tờ khai thay đổi, cải chính, bổ sung thông tin hộ tịch (theo mẫu)": (
        "Declaration form for changing, correcting or completing civil status details (official template)"
    ),
    "Giấy khai sinh hoặc trích lục hộ tịch cần cải chính": (
        "Birth certificate or civil status extract to be corrected"
    ),
    "Giấy tờ chứng minh nội dung cần thay đổi, cải chính": (
        "Documents proving the details to be changed or corrected"
    ),
    "Tờ khai đăng ký nhận cha, mẹ, con (theo mẫu)": (
        "Declaration form for registering the recognition of a parent or child (official template)"
    ),
    "Giấy tờ, đồ vật hoặc chứng cứ chứng minh quan hệ cha, mẹ, con": (
        "Documents, objects or other evidence of the parent–child relationship"
    ),
    # Certification
    "Bản chính giấy tờ, văn bản cần chứng thực": "Original of the paper or document to be certified",
    "Bản sao cần chứng thực (nếu tự chuẩn bị)": "Copies to be certified (if you bring your own)",
    "Giấy tờ, văn bản cần chứng thực chữ ký": "Paper or document bearing the signature to be certified",
    "Dự thảo hợp đồng, giao dịch": "Draft contract or transaction",
    "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở": (
        "Certificate of land-use rights and house ownership"
    ),
    "Giấy tờ tùy thân của các bên tham gia hợp đồng": "Identity documents of the parties to the contract",
    "Dự thảo di chúc": "Draft will",
    "Giấy tờ chứng minh quyền sở hữu, quyền sử dụng tài sản": (
        "Documents proving ownership or use rights of the property"
    ),
    # Business registration
    "Giấy đề nghị đăng ký hộ kinh doanh (theo mẫu)": (
        "Application form for household business registration (official template)"
    ),
    "Biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh": (
        "Minutes of the household members' meeting on setting up the household business"
    ),
    "Hợp đồng thuê hoặc giấy tờ về quyền sử dụng địa điểm kinh doanh": (
        "Lease, or documents on the right to use the business premises"
    ),
    "Thông báo thay đổi nội dung đăng ký hộ kinh doanh (theo mẫu)": (
        "Notice of changes to the household business registration (official template)"
    ),
    "Giấy chứng nhận đăng ký hộ kinh doanh đã được cấp": "Household business registration certificate issued",
    "Thông báo tạm ngừng kinh doanh (theo mẫu)": "Notice of temporary suspension of business (official template)",
    "Giấy ủy quyền (khi người khác nộp thay chủ hộ kinh doanh)": (
        "Power of attorney (when someone files on behalf of the household business owner)"
    ),
    # Industry and trade
    "Đơn đề nghị cấp Giấy phép bán buôn rượu (theo mẫu)": (
        "Application form for a liquor wholesale licence (official template)"
    ),
    "Giấy chứng nhận đăng ký doanh nghiệp": "Enterprise registration certificate",
    "Hợp đồng, văn bản giới thiệu của nhà sản xuất hoặc nhà cung cấp rượu": (
        "Contracts or letters of introduction from the liquor producers or suppliers"
    ),
    "Giấy tờ chứng minh quyền sử dụng kho hàng": "Documents proving the right to use the warehouse",
    "Đơn đề nghị cấp Giấy chứng nhận (theo mẫu)": "Application form for the certificate (official template)",
    "Bản kê trang thiết bị của cửa hàng bán lẻ xăng dầu": "List of the petrol station's equipment",
    "Giấy tờ về phòng cháy, chữa cháy và bảo vệ môi trường của cửa hàng": (
        "Fire safety and environmental protection documents of the station"
    ),
    # Construction
    "Đơn đề nghị cấp giấy phép xây dựng (theo mẫu)": (
        "Application form for a construction permit (official template)"
    ),
    "Giấy tờ hợp pháp về quyền sử dụng đất": "Legal documents on the land-use rights",
    "Bản vẽ thiết kế xây dựng (mặt bằng, mặt cắt, mặt đứng, móng)": (
        "Construction design drawings (floor plans, sections, elevations, foundations)"
    ),
    "Bản cam kết bảo đảm an toàn cho công trình liền kề": (
        "Written undertaking to keep the adjoining buildings safe"
    ),
    "Quyết định phê duyệt dự án và văn bản thẩm định thiết kế": (
        "Project approval decision and design appraisal report"
    ),
    "Hồ sơ thiết kế xây dựng": "Construction design documents",
    "Văn bản thẩm duyệt thiết kế về phòng cháy, chữa cháy": "Fire safety design approval",
    "Đơn đề nghị gia hạn giấy phép xây dựng (theo mẫu)": (
        "Application form for extending a construction permit (official template)"
    ),
    "Bản chính giấy phép xây dựng đã được cấp": "Original of the construction permit issued",
    # Land
    "Đơn xin chuyển mục đích sử dụng đất (theo mẫu)": (
        "Application form for a change of land-use purpose (official template)"
    ),
    "Giấy chứng nhận quyền sử dụng đất": "Land-use right certificate",
    "Trích lục hoặc trích đo bản đồ địa chính thửa đất": (
        "Cadastral map extract or cadastral survey of the land plot"
    ),
    "Đơn đăng ký đất đai, tài sản gắn liền với đất (theo mẫu)": (
        "Application form for registering land and assets attached to land (official template)"
    ),
    "Giấy tờ về quyền sử dụng đất (nếu có)": "Documents on the land-use rights (if any)",
    "Mảnh trích đo bản đồ địa chính thửa đất": "Cadastral survey of the land plot",
    "Chứng từ thực hiện nghĩa vụ tài chính": "Receipts for the financial obligations paid",
    "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất (theo mẫu)": (
        "Application form for registering changes to land and assets attached to land (official template)"
    ),
    "Hợp đồng, văn bản chuyển nhượng, tặng cho hoặc thừa kế đã công chứng, chứng thực": (
        "Notarised or certified contract or deed of transfer, gift or inheritance"
    ),
    "Giấy chứng nhận quyền sử dụng đất đã cấp": "Land-use right certificate issued",
    "Tờ khai thuế thu nhập cá nhân và lệ phí trước bạ": (
        "Personal income tax and registration fee declarations"
    ),
    "Đơn đề nghị cấp lại Giấy chứng nhận (theo mẫu)": (
        "Application form for reissuing the certificate (official template)"
    ),
    "Giấy xác nhận của UBND cấp xã về việc đã niêm yết thông báo mất giấy": (
        "Confirmation by the commune-level People's Committee that the notice of loss was posted"
    ),
    # Environment
    "Văn bản đề nghị cấp giấy phép môi trường (theo mẫu)": (
        "Application for an environmental permit (official template)"
    ),
    "Báo cáo đề xuất cấp giấy phép môi trường": "Environmental permit application report",
    "Báo cáo nghiên cứu khả thi hoặc tài liệu tương đương của dự án": (
        "Feasibility study report of the project, or an equivalent document"
    ),
    # Labour, invalids and social affairs
    "Tờ khai đề nghị trợ giúp xã hội (theo mẫu)": "Application form for social assistance (official template)",
    "Giấy xác nhận khuyết tật hoặc giấy tờ chứng minh thuộc diện bảo trợ xã hội": (
        "Disability certificate, or documents proving eligibility for social protection"
    ),
    "Tờ khai đề nghị hỗ trợ chi phí mai táng (theo mẫu)": (
        "Application form for funeral cost support (official template)"
    ),
    "Giấy báo tử hoặc trích lục khai tử": "Death notice or death registration extract",
    "Văn bản đề nghị cấp giấy phép lao động của người sử dụng lao động (theo mẫu)": (
        "Employer's application for a work permit (official template)"
    ),
    "Giấy chứng nhận sức khỏe": "Health certificate",
    "Phiếu lý lịch tư pháp": "Criminal record certificate",
    "Văn bằng, giấy tờ chứng minh trình độ chuyên môn, kinh nghiệm": (
        "Diplomas and documents proving professional qualifications and experience"
    ),
    "Hộ chiếu": "Passport",
    # Health
    "Đơn đề nghị cấp giấy phép hành nghề (theo mẫu)": (
        "Application form for a licence to practise (official template)"
    ),
    "Văn bằng chuyên môn": "Professional diploma",
    "Giấy chứng nhận đủ sức khỏe hành nghề": "Medical certificate of fitness to practise",
    "Giấy xác nhận kết quả đánh giá năng lực hành nghề": (
        "Confirmation of the result of the professional competence assessment"
    ),
    "Bản thuyết minh về cơ sở vật chất, trang thiết bị, dụng cụ": (
        "Description of the premises, equipment and utensils"
    ),
    "Giấy xác nhận đủ sức khỏe và tập huấn kiến thức an toàn thực phẩm của chủ cơ sở và người trực tiếp chế biến": (
        "Health certificates and food safety training certificates of the owner and the food handlers"
    ),
    "Đơn đề nghị cấp chứng chỉ hành nghề dược (theo mẫu)": (
        "Application form for a pharmacy practice certificate (official template)"
    ),
    "Giấy xác nhận thời gian thực hành chuyên môn": "Confirmation of the period of professional practice",
    # Education and training
    "Đơn đề nghị cấp bản sao từ sổ gốc (theo mẫu)": (
        "Application form for a copy from the master register (official template)"
    ),
    "Đơn xin chuyển trường của cha mẹ hoặc người giám hộ (theo mẫu)": (
        "Parent's or guardian's application for a school transfer (official template)"
    ),
    "Học bạ": "School record book",
    "Giấy giới thiệu chuyển trường của trường nơi đi": "Transfer letter from the current school",
    # Home affairs
    "Đơn xin phép thành lập hội": "Application for permission to found the association",
    "Dự thảo điều lệ hội": "Draft charter of the association",
    "Danh sách ban vận động thành lập hội": "List of the members of the founding committee",
    "Văn bản xác nhận nơi dự kiến đặt trụ sở của hội": (
        "Confirmation of the premises intended for the association's head office"
    ),
    # Criminal records
    "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (theo mẫu)": (
        "Application form for a criminal record certificate (official template)"
    ),
    "Căn cước của người yêu cầu": "Applicant's ID card",
}

STEPS: dict[str, str] = {
    # Reception and hand-over
    "Tiếp nhận, kiểm tra hồ sơ tại Bộ phận Một cửa": "Receive and check the dossier at the one-stop desk",
    "Tiếp nhận hồ sơ tại Bộ phận Một cửa": "Receive the dossier at the one-stop desk",
    "Tiếp nhận hồ sơ tại Bộ phận Một cửa phường": "Receive the dossier at the ward's one-stop desk",
    "Tiếp nhận hồ sơ tại Sở Nông nghiệp và Môi trường": (
        "Receive the dossier at the Department of Agriculture and Environment"
    ),
    "Tiếp nhận hồ sơ tại Sở Nội vụ": "Receive the dossier at the Department of Home Affairs",
    "Tiếp nhận, kiểm tra hồ sơ": "Receive and check the dossier",
    "Tiếp nhận, đối chiếu giấy tờ": "Receive the papers and check them against the originals",
    "Tiếp nhận, tra cứu sổ gốc": "Receive the request and look up the master register",
    "Trả kết quả": "Hand over the result",
    "Trả kết quả, lưu hồ sơ": "Hand over the result and file the dossier",
    "Trả kết quả, thu phí": "Hand over the result and collect the fee",
    "Trả kết quả tại Bộ phận Một cửa phường": "Hand over the result at the ward's one-stop desk",
    # Review and signature
    "Xem xét, ký kết quả": "Review and sign the result",
    "Lãnh đạo phòng chuyên môn xem xét, trình ký": (
        "The head of the specialised division reviews and submits for signature"
    ),
    "Lãnh đạo Sở ký kết quả": "The department's leadership signs the result",
    "Lãnh đạo Sở ký Giấy chứng nhận": "The department's leadership signs the certificate",
    "Lãnh đạo Sở xem xét, trình UBND Thành phố": (
        "The department's leadership reviews and submits to the City People's Committee"
    ),
    "Lãnh đạo phòng ký bản sao": "The head of the division signs the copy",
    "Phó Chủ tịch UBND xem xét, trình ký": (
        "The Vice-Chairperson of the People's Committee reviews and submits for signature"
    ),
    "Chủ tịch UBND ký giấy phép xây dựng": "The Chairperson of the People's Committee signs the construction permit",
    "Chủ tịch UBND phường ký Giấy chứng nhận": (
        "The Chairperson of the ward People's Committee signs the certificate"
    ),
    "Chủ tịch UBND quyết định trợ cấp": "The Chairperson of the People's Committee decides on the allowance",
    # Civil status
    "Kiểm tra, ghi sổ hộ tịch, in Giấy khai sinh": (
        "Check, enter in the civil status register and print the birth certificate"
    ),
    "Kiểm tra, ghi sổ hộ tịch, in Trích lục khai tử": (
        "Check, enter in the civil status register and print the death registration extract"
    ),
    "Kiểm tra điều kiện kết hôn, ghi sổ hộ tịch": (
        "Check the conditions for marriage and enter in the civil status register"
    ),
    "Chủ tịch hoặc Phó Chủ tịch UBND ký Giấy chứng nhận kết hôn": (
        "The Chairperson or a Vice-Chairperson of the People's Committee signs the marriage certificate"
    ),
    "Hai bên nam, nữ ký sổ và nhận Giấy chứng nhận kết hôn": (
        "The couple sign the register and receive the marriage certificate"
    ),
    "Kiểm tra, xác minh tình trạng hôn nhân trên cơ sở dữ liệu hộ tịch": (
        "Check and verify the marital status in the civil status database"
    ),
    "Tra cứu sổ hộ tịch, ký bản sao trích lục": (
        "Look up the civil status register and sign the copy of the extract"
    ),
    "Kiểm tra căn cứ thay đổi, cải chính; ghi sổ hộ tịch": (
        "Check the grounds for the change or correction; enter in the civil status register"
    ),
    "Kiểm tra, niêm yết, xác minh quan hệ cha, mẹ, con": (
        "Check, post a public notice and verify the parent–child relationship"
    ),
    # Certification
    "Đối chiếu bản sao với bản chính, ký và đóng dấu": "Compare the copy with the original, sign and stamp it",
    "Người yêu cầu ký trước mặt người thực hiện chứng thực; ký chứng thực": (
        "The requester signs in front of the certifying official, who certifies the signature"
    ),
    "Kiểm tra năng lực hành vi dân sự và nội dung hợp đồng": (
        "Check the parties' legal capacity and the content of the contract"
    ),
    "Các bên ký trước mặt người chứng thực; ký chứng thực": (
        "The parties sign in front of the certifying official, who certifies the contract"
    ),
    "Kiểm tra, người lập di chúc ký trước mặt người chứng thực; ký chứng thực": (
        "Check; the testator signs in front of the certifying official, who certifies the will"
    ),
    # Business registration, industry and trade
    "Kiểm tra tính hợp lệ, nhập thông tin vào hệ thống đăng ký hộ kinh doanh": (
        "Check that the dossier is valid and enter it in the household business registration system"
    ),
    "Kiểm tra, cập nhật thông tin đăng ký hộ kinh doanh": (
        "Check and update the household business registration details"
    ),
    "Kiểm tra, cập nhật tình trạng hộ kinh doanh": "Check and update the status of the household business",
    "Thẩm định hồ sơ, kiểm tra điều kiện kinh doanh": (
        "Appraise the dossier and check the business conditions"
    ),
    "Thẩm định hồ sơ": "Appraise the dossier",
    "Kiểm tra thực tế cửa hàng": "Inspect the station on site",
    # Construction
    "Công chức Địa chính – Xây dựng kiểm tra thực địa, thẩm định hồ sơ": (
        "The land administration and construction officer inspects the site and appraises the dossier"
    ),
    "Phòng Cấp phép xây dựng thẩm định hồ sơ, kiểm tra thực địa": (
        "The Construction Licensing Division appraises the dossier and inspects the site"
    ),
    "Kiểm tra lý do gia hạn, tình trạng thi công": (
        "Check the reason for the extension and the progress of the works"
    ),
    # Land and environment
    "Văn phòng đăng ký đất đai kiểm tra hồ sơ, trích lục bản đồ, xác định nghĩa vụ tài chính": (
        "The Land Registration Office checks the dossier, extracts the cadastral map and determines the "
        "financial obligations"
    ),
    "Sở Nông nghiệp và Môi trường thẩm định, trình UBND Thành phố": (
        "The Department of Agriculture and Environment appraises and submits to the City People's Committee"
    ),
    "UBND Thành phố quyết định cho phép chuyển mục đích sử dụng đất": (
        "The City People's Committee decides on the change of land-use purpose"
    ),
    "Xác nhận nguồn gốc, hiện trạng sử dụng đất; niêm yết công khai": (
        "Confirm the origin and current use of the land; post a public notice"
    ),
    "Văn phòng đăng ký đất đai kiểm tra, đo đạc, cập nhật cơ sở dữ liệu đất đai": (
        "The Land Registration Office checks, surveys and updates the land database"
    ),
    "Văn phòng đăng ký đất đai kiểm tra, chuyển thông tin sang cơ quan thuế": (
        "The Land Registration Office checks the dossier and sends the details to the tax authority"
    ),
    "Lãnh đạo Văn phòng đăng ký đất đai xác nhận biến động": (
        "The leadership of the Land Registration Office certifies the change"
    ),
    "Văn phòng đăng ký đất đai kiểm tra hồ sơ, cập nhật cơ sở dữ liệu": (
        "The Land Registration Office checks the dossier and updates the database"
    ),
    "Thẩm định hồ sơ, kiểm tra thực tế cơ sở": "Appraise the dossier and inspect the facility on site",
    "UBND Thành phố cấp giấy phép môi trường": "The City People's Committee issues the environmental permit",
    # Social affairs and labour
    "Hội đồng xét duyệt trợ giúp xã hội xem xét, niêm yết công khai": (
        "The social assistance review council considers the case and posts a public notice"
    ),
    "Kiểm tra đối tượng, lập danh sách chi trả": "Check eligibility and draw up the payment list",
    "Kiểm tra hồ sơ, đối chiếu văn bản chấp thuận nhu cầu sử dụng lao động": (
        "Check the dossier against the approval of the employer's demand for foreign workers"
    ),
    # Health
    "Phòng Nghiệp vụ Y thẩm định hồ sơ": "The Medical Affairs Division appraises the dossier",
    "Đoàn thẩm định kiểm tra thực tế tại cơ sở": "The appraisal team inspects the premises",
    "Hội đồng tư vấn cấp chứng chỉ hành nghề dược xem xét hồ sơ": (
        "The advisory council on pharmacy practice certificates reviews the dossier"
    ),
    # Education and training, home affairs, criminal records
    "Kiểm tra hồ sơ, xác định trường tiếp nhận": "Check the dossier and determine the receiving school",
    "Thẩm định hồ sơ, lấy ý kiến các cơ quan liên quan": (
        "Appraise the dossier and consult the agencies concerned"
    ),
    "Giám đốc Sở Nội vụ trình UBND Thành phố": (
        "The Director of the Department of Home Affairs submits to the City People's Committee"
    ),
    "UBND Thành phố quyết định cho phép thành lập hội": (
        "The City People's Committee decides on permission to found the association"
    ),
    "Tra cứu, xác minh thông tin lý lịch tư pháp": "Search and verify the judicial record information",
}
