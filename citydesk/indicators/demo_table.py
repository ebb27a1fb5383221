"""The demo catalog as a table (20 groups, 110 indicators of a Vietnamese city), parsed by `demo.py`.

Indicator columns: code | group | level | periodicity | over units | over time | direction | unit of
measure | base | trend | season | noise | extras | Vietnamese name | English name.

- level: W = the city's wards, D:<suffix> = a department ("79.SYT"), C = the city's People's Committee.
- over units/time: s sum, a average, w population-weighted, r ratio of two sums, l last value.
- direction: u higher is better, d lower is better, n neither.
- base: the usual value of one unit for one period in HCMC (Hanoi is scaled); for `of=PARENT` the share of
  the parent's value. trend: % a year, or "+x pp" (added per year). season: see `demo.SEASONS`.
- extras: int, min=, max=, of=PARENT, w=WEIGHT, n=NUMERATOR, d=DENOMINATOR, s=SCALE, p=platform key,
  f=formula (last, may contain commas).
"""

GROUPS = """
KT|Tăng trưởng kinh tế|Economic growth
NS|Thu, chi ngân sách|State budget
DT|Đầu tư|Investment
TM|Thương mại, dịch vụ|Trade and services
GC|Giá cả|Prices
XNK|Xuất khẩu, nhập khẩu|Exports and imports
DN|Phát triển doanh nghiệp|Enterprise development
CN|Công nghiệp|Industry
NN|Nông nghiệp, thủy sản|Agriculture and fisheries
DL|Du lịch|Tourism
GT|Giao thông vận tải|Transport
XD|Xây dựng, quản lý đô thị|Construction and urban management
LD|Lao động, việc làm|Labour and employment
ASXH|Dân số, an sinh xã hội, giảm nghèo|Population, social welfare and poverty reduction
GD|Giáo dục, đào tạo|Education and training
YT|Y tế|Health
MT|Tài nguyên, môi trường|Natural resources and environment
ANTT|An ninh trật tự, an toàn xã hội|Public order and safety
CCHC|Cải cách hành chính, dịch vụ công|Administrative reform and public services
PA|Tiếp nhận, xử lý phản ánh (1022)|Citizen reports (1022)
"""

INDICATORS = """
GRDP_GROWTH|KT|C|Q|a|a|u|%|7.2|0|walk|0.06|min=-100,max=30|Tốc độ tăng trưởng GRDP (so với cùng kỳ)|GRDP growth rate (year on year)
GRDP_CUR|KT|C|Q|s|s|u|tỷ đồng|420000|9|flat|0.03|min=0|Tổng sản phẩm trên địa bàn (GRDP) theo giá hiện hành|Gross regional domestic product (GRDP) at current prices
POP_CITY|KT|C|Y|s|l|n|người|14000000|1.5|flat|0.002|int,min=0|Dân số trung bình|Average population
GRDP_PC|KT|C|Y|r|r|u|triệu đồng/người|0|0|flat|0|n=GRDP_CUR,d=POP_CITY,s=1000,f=GRDP_CUR * 1000 / POP_CITY|GRDP bình quân đầu người|GRDP per capita
SERV_SHARE|KT|C|Y|a|a|u|%|60.5|+0.4pp|flat|0.005|min=0,max=100|Tỷ trọng khu vực dịch vụ trong GRDP|Services share of GRDP
DIGI_ECON|KT|C|Y|a|a|u|%|22|+1.5pp|flat|0.01|min=0,max=100|Tỷ trọng kinh tế số trong GRDP|Digital economy share of GRDP
BUD_REV|NS|C|M|s|s|u|tỷ đồng|42000|7|budget|0.06|min=0|Tổng thu ngân sách nhà nước trên địa bàn|State budget revenue collected in the city
BUD_REV_DOM|NS|C|M|s|s|u|tỷ đồng|0.74|+0.005pp|flat|0.02|of=BUD_REV,min=0|Thu nội địa|Domestic revenue
BUD_REV_XNK|NS|C|M|s|s|u|tỷ đồng|0.2|0|flat|0.04|of=BUD_REV,min=0|Thu từ hoạt động xuất khẩu, nhập khẩu|Revenue from imports and exports
BUD_EXP|NS|C|M|s|s|n|tỷ đồng|15000|6|yearend|0.07|min=0|Tổng chi ngân sách địa phương|Local budget expenditure
PUB_INV_DISB|NS|C|M|s|s|u|tỷ đồng|5200|10|yearend|0.12|min=0|Vốn đầu tư công đã giải ngân|Public investment disbursed
PUB_INV_PCT|NS|C|M|a|l|u|%|95|0|cum|0.03|min=0,max=100|Tỷ lệ giải ngân vốn đầu tư công lũy kế|Cumulative public investment disbursement rate
WARD_REV|NS|W|M|s|s|u|tỷ đồng|14|6|budget|0.1|min=0|Thu ngân sách trên địa bàn phường, xã|Budget revenue collected in the ward
FDI_REG|DT|C|M|s|s|u|triệu USD|620|5|flat|0.3|min=0|Vốn FDI đăng ký (cấp mới, điều chỉnh, góp vốn)|Registered FDI (new, adjusted, capital contributions)
FDI_PROJ|DT|C|M|s|s|u|dự án|105|3|tet_dip|0.15|int,min=0|Số dự án FDI được cấp mới|New FDI projects licensed
FDI_DISB|DT|C|M|s|s|u|triệu USD|260|6|tet_dip|0.12|min=0|Vốn FDI thực hiện|FDI disbursed
SOC_INV|DT|C|Q|s|s|u|tỷ đồng|115000|8|flat|0.06|min=0|Vốn đầu tư thực hiện toàn xã hội|Total social investment
RETAIL|TM|W|M|s|s|u|tỷ đồng|950|9|retail|0.04|min=0|Tổng mức bán lẻ hàng hóa và doanh thu dịch vụ tiêu dùng|Retail sales of goods and consumer services
RETAIL_GOODS|TM|W|M|s|s|u|tỷ đồng|0.62|0|flat|0.02|of=RETAIL,min=0|Doanh thu bán lẻ hàng hóa|Retail sales of goods
ACCOM_FOOD|TM|W|M|s|s|u|tỷ đồng|0.13|0|flat|0.03|of=RETAIL,min=0|Doanh thu dịch vụ lưu trú, ăn uống|Accommodation and food services revenue
MARKETS|TM|W|Y|s|l|n|chợ|4|0|flat|0|int,min=0|Số chợ truyền thống đang hoạt động|Traditional markets in operation
ECOM_SHARE|TM|C|Q|a|a|u|%|11|+1.2pp|flat|0.03|min=0,max=100|Tỷ trọng doanh thu thương mại điện tử trong tổng mức bán lẻ|E-commerce share of retail sales
CPI|GC|C|M|a|a|d|%|103.3|0|walk|0.004|min=50,max=200|Chỉ số giá tiêu dùng (CPI) so với cùng kỳ năm trước|Consumer price index (CPI), year on year
CPI_MOM|GC|C|M|a|a|d|%|100.25|0|cpi|0.002|min=50,max=200|Chỉ số giá tiêu dùng so với tháng trước|Consumer price index, month on month
CORE_INF|GC|C|M|a|a|d|%|2.8|0|walk|0.04|min=-100,max=100|Lạm phát cơ bản|Core inflation
GOLD_IDX|GC|C|M|a|a|n|%|112|0|walk|0.03|min=0,max=1000|Chỉ số giá vàng so với cùng kỳ năm trước|Gold price index, year on year
USD_IDX|GC|C|M|a|a|n|%|103.5|0|walk|0.01|min=0,max=1000|Chỉ số giá đô la Mỹ so với cùng kỳ năm trước|US dollar price index, year on year
EXPORT|XNK|C|M|s|s|u|triệu USD|4300|6|tet_dip|0.05|min=0|Kim ngạch xuất khẩu hàng hóa|Goods exports
EXPORT_DOM|XNK|C|M|s|s|u|triệu USD|0.36|+0.005pp|flat|0.03|of=EXPORT,min=0|Kim ngạch xuất khẩu của khu vực kinh tế trong nước|Exports by domestic enterprises
IMPORT|XNK|C|M|s|s|n|triệu USD|4700|6|tet_dip|0.05|min=0|Kim ngạch nhập khẩu hàng hóa|Goods imports
TRADE_BAL|XNK|C|M|s|s|u|triệu USD|0|0|flat|0|f=EXPORT - IMPORT|Cán cân thương mại hàng hóa|Goods trade balance
EXPORT_DOM_PCT|XNK|C|M|r|r|u|%|0|0|flat|0|min=0,max=100,n=EXPORT_DOM,d=EXPORT,s=100,f=EXPORT_DOM / EXPORT * 100|Tỷ trọng xuất khẩu của khu vực kinh tế trong nước|Domestic sector share of exports
ENT_NEW|DN|C|M|s|s|u|doanh nghiệp|3700|5|tet_dip|0.07|int,min=0|Doanh nghiệp thành lập mới|Newly established enterprises
ENT_CAP|DN|C|M|s|s|u|tỷ đồng|42000|4|tet_dip|0.15|min=0|Vốn đăng ký của doanh nghiệp thành lập mới|Registered capital of new enterprises
ENT_RESUME|DN|C|M|s|s|u|doanh nghiệp|1400|3|after_tet|0.12|int,min=0|Doanh nghiệp quay trở lại hoạt động|Enterprises resuming operations
ENT_SUSPEND|DN|C|M|s|s|d|doanh nghiệp|2000|2|pre_tet|0.12|int,min=0|Doanh nghiệp đăng ký tạm ngừng kinh doanh|Enterprises suspending operations
ENT_DISSOLVED|DN|C|M|s|s|d|doanh nghiệp|560|2|flat|0.12|int,min=0|Doanh nghiệp hoàn tất thủ tục giải thể|Enterprises dissolved
HH_BIZ_NEW|DN|W|M|s|s|u|hộ kinh doanh|28|4|after_tet|0.15|int,min=0|Hộ kinh doanh đăng ký mới|New household businesses registered
IIP|CN|D:SCT|M|a|a|u|%|106.5|0|walk|0.02|min=0,max=1000|Chỉ số sản xuất công nghiệp (IIP) so với cùng kỳ|Index of industrial production (IIP), year on year
IND_MANUF|CN|D:SCT|M|a|a|u|%|107|0|walk|0.02|min=0,max=1000|Chỉ số sản xuất ngành chế biến, chế tạo|Manufacturing production index
ELEC|CN|D:SCT|M|s|s|n|triệu kWh|2600|5|hot|0.03|min=0|Sản lượng điện thương phẩm|Commercial electricity sold
IND_INVENTORY|CN|D:SCT|M|a|l|d|%|104|0|walk|0.03|min=0,max=1000|Chỉ số tồn kho ngành chế biến, chế tạo|Manufacturing inventory index
AGR_OUTPUT|NN|D:SNNMT|Q|s|s|u|tỷ đồng|6200|3|flat|0.05|min=0|Giá trị sản xuất nông, lâm nghiệp và thủy sản|Agriculture, forestry and fisheries output
RICE_AREA|NN|D:SNNMT|Q|s|s|n|ha|4200|-4|flat|0.08|min=0|Diện tích gieo trồng lúa|Rice planted area
FISH_OUTPUT|NN|D:SNNMT|M|s|s|u|tấn|6100|2|flat|0.08|min=0|Sản lượng thủy sản|Fisheries output
PIG_HERD|NN|D:SNNMT|Q|s|l|n|con|250000|-2|flat|0.03|int,min=0|Tổng đàn heo|Pig herd
ANIMAL_DISEASE|NN|D:SNNMT|M|s|s|d|ổ dịch|3|0|rain|0|int,min=0|Số ổ dịch bệnh trên đàn vật nuôi|Animal disease outbreaks
TOUR_INTL|DL|C|M|s|s|u|lượt khách|620000|12|tourism|0.05|int,min=0|Lượt khách quốc tế đến|International visitor arrivals
TOUR_DOM|DL|C|M|s|s|u|lượt khách|3100000|6|summer|0.05|int,min=0|Lượt khách du lịch nội địa|Domestic tourist visits
TOUR_REV|DL|C|M|s|s|u|tỷ đồng|17500|10|summer|0.06|min=0|Tổng thu từ du lịch|Tourism revenue
HOTEL_OCC|DL|C|M|a|a|u|%|64|+1pp|tourism|0.03|min=0,max=100|Công suất sử dụng phòng khách sạn|Hotel room occupancy
TOUR_SPEND|DL|C|M|a|a|u|triệu đồng/lượt|0|0|flat|0|f=TOUR_REV * 1000 / (TOUR_INTL + TOUR_DOM)|Chi tiêu bình quân một lượt khách|Average spending per visit
TRANS_PASS|GT|D:SXD|M|s|s|u|triệu lượt|118|5|tet_peak|0.04|min=0|Số lượt hành khách vận chuyển|Passengers carried
TRANS_FREIGHT|GT|D:SXD|M|s|s|u|nghìn tấn|41000|5|tet_dip|0.04|min=0|Khối lượng hàng hóa vận chuyển|Freight carried
BUS_PASS|GT|D:SXD|M|s|s|u|nghìn lượt|18500|2|tet_dip|0.05|min=0|Lượt hành khách đi xe buýt|Bus passengers
METRO_PASS|GT|D:SXD|M|s|s|u|nghìn lượt|1500|25|tet_peak|0.06|min=0|Lượt hành khách đi đường sắt đô thị (metro)|Urban railway (metro) passengers
BUILD_PERMIT|XD|W|M|s|s|u|giấy phép|22|3|pre_tet|0.15|int,min=0|Giấy phép xây dựng được cấp|Construction permits issued
ILLEGAL_CONST|XD|W|M|s|s|d|công trình|2|-8|flat|0|int,min=0|Công trình vi phạm trật tự xây dựng|Construction order violations
HOUSING_AREA|XD|D:SXD|Q|s|s|u|m² sàn|1500000|4|flat|0.08|min=0|Diện tích sàn nhà ở hoàn thành|Housing floor area completed
SOCIAL_HOUSING|XD|D:SXD|Q|s|s|u|căn hộ|800|20|flat|0.3|int,min=0|Căn hộ nhà ở xã hội hoàn thành|Social housing apartments completed
FLOOD_SPOTS|XD|D:SXD|M|s|s|d|điểm|9|-10|rain|0|int,min=0|Số điểm ngập do mưa|Rain flooding spots
GREEN_AREA|XD|C|Y|a|l|u|m²/người|0.62|+0.03pp|flat|0.01|min=0|Diện tích cây xanh công cộng bình quân đầu người|Public green space per inhabitant
JOBS_PLACED|LD|W|M|s|s|u|người|130|3|jobs|0.12|int,min=0|Số lao động được giải quyết việc làm|Workers placed in jobs
LABOR_FORCE|LD|W|Q|s|l|n|người|23000|1|flat|0.01|int,min=0|Lực lượng lao động từ 15 tuổi trở lên|Labour force aged 15 and over
UNEMP|LD|W|Q|w|a|d|%|2.6|-0.1pp|flat|0.08|min=0,max=100,w=LABOR_FORCE|Tỷ lệ thất nghiệp|Unemployment rate
TRAINED_LABOR|LD|C|Y|a|a|u|%|86|+0.8pp|flat|0.005|min=0,max=100|Tỷ lệ lao động qua đào tạo|Share of workers with training
UI_CLAIMS|LD|D:SNV|M|s|s|d|người|9000|3|after_tet|0.08|int,min=0|Người nộp hồ sơ hưởng trợ cấp thất nghiệp|Unemployment benefit claims
POP|ASXH|W|M|s|l|n|người|42000|1.2|flat|0.002|int,min=0|Dân số (thường trú và tạm trú)|Population (permanent and temporary residents)
HOUSEHOLDS|ASXH|W|Y|s|l|n|hộ|12500|1.5|flat|0.005|int,min=0|Tổng số hộ dân cư|Households
POOR_HH|ASXH|W|Y|s|l|d|hộ|0.0065|-0.0012pp|flat|0.1|of=HOUSEHOLDS,int,min=0|Số hộ nghèo|Poor households
NEAR_POOR_HH|ASXH|W|Y|s|l|d|hộ|0.011|-0.0015pp|flat|0.1|of=HOUSEHOLDS,int,min=0|Số hộ cận nghèo|Near-poor households
POOR_RATE|ASXH|W|Y|r|r|d|%|0|0|flat|0|min=0,max=100,n=POOR_HH,d=HOUSEHOLDS,s=100,f=POOR_HH / HOUSEHOLDS * 100|Tỷ lệ hộ nghèo|Poor household rate
SOCIAL_ALLOW|ASXH|W|M|s|l|n|người|720|2|flat|0.01|int,min=0|Người hưởng trợ cấp xã hội hằng tháng|People receiving a monthly social allowance
HEALTH_INS|ASXH|W|Q|w|a|u|%|93|+0.6pp|flat|0.01|min=0,max=100,w=POP|Tỷ lệ dân số tham gia bảo hiểm y tế|Health insurance coverage
ENROL_GRADE1|GD|W|Y|w|a|u|%|99.6|0|flat|0.002|min=0,max=100,w=POP|Tỷ lệ huy động trẻ 6 tuổi vào lớp 1|Enrolment of six-year-olds in grade 1
ENROL_PRESCHOOL|GD|W|Y|w|a|u|%|96|+0.4pp|flat|0.01|min=0,max=100,w=POP|Tỷ lệ huy động trẻ mẫu giáo đến trường|Kindergarten enrolment rate
PUPILS|GD|W|Y|s|l|n|học sinh|9200|1|flat|0.01|int,min=0|Số học sinh phổ thông|School pupils
SCHOOLS_STD|GD|D:SGDDT|Y|a|a|u|%|68|+2pp|flat|0.01|min=0,max=100|Tỷ lệ trường đạt chuẩn quốc gia|Schools meeting national standards
GRAD_RATE|GD|D:SGDDT|Y|a|a|u|%|99.2|0|flat|0.003|min=0,max=100|Tỷ lệ tốt nghiệp trung học phổ thông|Upper secondary graduation rate
CLASS_SIZE|GD|D:SGDDT|Y|a|a|d|học sinh/lớp|42|-0.5pp|flat|0.01|min=0|Sĩ số học sinh bình quân một lớp|Average pupils per class
HOSP_BEDS|YT|C|Y|s|l|u|giường|46000|3|flat|0.01|int,min=0|Số giường bệnh|Hospital beds
BEDS_10K|YT|C|Y|r|r|u|giường/vạn dân|0|0|flat|0|n=HOSP_BEDS,d=POP_CITY,s=10000,f=HOSP_BEDS * 10000 / POP_CITY|Số giường bệnh trên vạn dân|Hospital beds per 10,000 people
DENGUE|YT|W|M|s|s|d|ca|14|-5|rain|0|int,min=0|Số ca mắc sốt xuất huyết|Dengue fever cases
HFMD|YT|W|M|s|s|d|ca|7|-3|hfmd|0|int,min=0|Số ca mắc tay chân miệng|Hand, foot and mouth disease cases
VACC_RATE|YT|W|M|w|a|u|%|96|+0.2pp|flat|0.01|min=0,max=100,w=POP|Tỷ lệ trẻ dưới 1 tuổi được tiêm chủng đầy đủ|Full immunisation of children under one
HOSP_VISITS|YT|D:SYT|M|s|s|n|nghìn lượt|4600|3|tet_dip|0.04|min=0|Lượt khám, chữa bệnh|Medical consultations and treatments
FOOD_POISON|YT|D:SYT|M|s|s|d|vụ|1|0|flat|0|int,min=0|Số vụ ngộ độc thực phẩm|Food poisoning incidents
WASTE|MT|W|M|s|s|n|tấn|950|2|tet_peak|0.04|min=0|Khối lượng chất thải rắn sinh hoạt được thu gom|Household solid waste collected
WASTE_TREATED|MT|D:SNNMT|M|a|a|u|%|97.5|+0.3pp|flat|0.004|min=0,max=100|Tỷ lệ chất thải rắn sinh hoạt được xử lý đúng quy định|Household solid waste treated to standard
AQI_GOOD_DAYS|MT|D:SNNMT|M|a|s|u|ngày|24|0|dry_bad|0.06|int,min=0,max=31|Số ngày có chất lượng không khí tốt và trung bình|Days with good or moderate air quality
CLEAN_WATER|MT|W|Y|w|a|u|%|99.3|+0.1pp|flat|0.003|min=0,max=100,w=HOUSEHOLDS|Tỷ lệ hộ dân sử dụng nước sạch|Households using clean water
ENV_VIOLATIONS|MT|D:SNNMT|M|s|s|n|vụ|25|0|flat|0|int,min=0|Số vụ vi phạm pháp luật về môi trường bị xử lý|Environmental violations sanctioned
TRAFFIC_ACC|ANTT|W|M|s|s|d|vụ|3|-4|tet_peak|0|int,min=0|Số vụ tai nạn giao thông|Traffic accidents
TRAFFIC_DEATHS|ANTT|C|M|s|s|d|người|12|-5|tet_peak|0|int,min=0|Số người chết do tai nạn giao thông|Road traffic deaths
FIRES|ANTT|W|M|s|s|d|vụ|1.2|0|dry|0|int,min=0|Số vụ cháy|Fires
CRIMES|ANTT|W|M|s|s|d|vụ|6|-3|tet_peak|0|int,min=0|Số vụ phạm pháp hình sự|Criminal offences
DOS_RECEIVED|CCHC|W|M|s|s|n|hồ sơ|1150|4|tet_dip|0.06|int,min=0,p=dossiers.received|Hồ sơ thủ tục hành chính tiếp nhận|Administrative dossiers received
DOS_ONLINE|CCHC|W|M|s|s|u|hồ sơ|0.55|+0.06pp|flat|0.03|of=DOS_RECEIVED,int,min=0,p=dossiers.online|Hồ sơ nộp trực tuyến|Dossiers submitted online
DOS_ONLINE_PCT|CCHC|W|M|r|r|u|%|0|0|flat|0|min=0,n=DOS_ONLINE,d=DOS_RECEIVED,s=100,max=100,p=dossiers.online_pct|Tỷ lệ hồ sơ nộp trực tuyến|Share of dossiers submitted online
DOS_RESOLVED|CCHC|W|M|s|s|u|hồ sơ|0.97|0|flat|0.02|of=DOS_RECEIVED,int,min=0,p=dossiers.resolved|Hồ sơ đã giải quyết|Dossiers resolved
DOS_ONTIME|CCHC|W|M|s|s|u|hồ sơ|0.95|+0.01pp|flat|0.015|of=DOS_RESOLVED,int,min=0,p=dossiers.on_time|Hồ sơ giải quyết đúng hạn|Dossiers resolved on time
DOS_ONTIME_PCT|CCHC|W|M|r|r|u|%|0|0|flat|0|min=0,n=DOS_ONTIME,d=DOS_RESOLVED,s=100,max=100,p=dossiers.on_time_pct|Tỷ lệ hồ sơ giải quyết đúng hạn|Share of dossiers resolved on time
RATINGS|CCHC|W|M|s|s|n|lượt|420|8|tet_dip|0.1|int,min=0,p=ratings.count|Lượt đánh giá mức độ hài lòng|Satisfaction ratings received
RATINGS_SAT|CCHC|W|M|s|s|u|lượt|0.88|+0.01pp|flat|0.02|of=RATINGS,int,min=0,p=ratings.satisfied|Lượt đánh giá hài lòng và rất hài lòng|Satisfied and very satisfied ratings
SATISFIED_PCT|CCHC|W|M|r|r|u|%|0|0|flat|0|min=0,n=RATINGS_SAT,d=RATINGS,s=100,max=100,p=ratings.satisfied_pct|Tỷ lệ người dân hài lòng|Citizen satisfaction rate
REP_RECEIVED|PA|W|M|s|s|n|phản ánh|45|6|rain_small|0.08|int,min=0,p=reports.received|Phản ánh 1022 tiếp nhận|1022 reports received
REP_RESOLVED|PA|W|M|s|s|u|phản ánh|0.93|0|flat|0.02|of=REP_RECEIVED,int,min=0,p=reports.resolved|Phản ánh 1022 đã giải quyết|1022 reports resolved
REP_ONTIME|PA|W|M|s|s|u|phản ánh|0.88|+0.02pp|flat|0.03|of=REP_RESOLVED,int,min=0,p=reports.on_time|Phản ánh 1022 giải quyết đúng hạn|1022 reports resolved on time
REP_ONTIME_PCT|PA|W|M|r|r|u|%|0|0|flat|0|min=0,n=REP_ONTIME,d=REP_RESOLVED,s=100,max=100,p=reports.on_time_pct|Tỷ lệ phản ánh 1022 giải quyết đúng hạn|Share of 1022 reports resolved on time
REP_PER_10K|PA|W|M|r|s|n|phản ánh/vạn dân|0|0|flat|0|n=REP_RECEIVED,d=POP,s=10000,f=REP_RECEIVED * 10000 / POP|Số phản ánh 1022 trên vạn dân|1022 reports per 10,000 residents
"""
