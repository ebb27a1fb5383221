"""Exports of the overview: the Excel workbook and the PDF brief state the same figures as the page,
for the same filters and the same scope, behind the same door."""

import re
import sys
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from citydesk.ioc import exports
from citydesk.reports.models import Report
from citydesk.reports.services import report_rate, report_transition
from tests.reports.conftest import submit_report

pytestmark = pytest.mark.django_db
PAGE = "/dieu-hanh/"
XLSX = "/dieu-hanh/xuat.xlsx"
PDF = "/dieu-hanh/ban-tin.pdf"
SHEETS = [
    "Bộ lọc",
    "Tổng quan",
    "Theo lĩnh vực",
    "Theo kênh",
    "Theo trạng thái",
    "Xu hướng",
    "Quá hạn theo đơn vị",
    "Hài lòng theo đơn vị",
    "Xếp hạng đơn vị",
    "Bản đồ phường xã",
]
TITLE = "Trung tâm điều hành: phản ánh, kiến nghị"


@pytest.fixture
def reports(personas, categories):
    now = timezone.now()
    for days in (1, 2, 3, 40, 400):
        submit_report(when=now - timedelta(days=days))
    submit_report(category="street_lighting", channel="app", when=now - timedelta(days=2))
    code = submit_report(when=now - timedelta(days=5), channel="hotline").code
    report_transition(user=personas.head, code=code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=code, action="resolve", resolution="Đã vá")
    return personas


def _page_received(client, query: str) -> int:
    html = client.get(f"{PAGE}?{query}").content.decode()
    match = re.search(r'data-testid="value-received">([^<]+)<', html)
    assert match
    return int(match.group(1).strip().replace(".", ""))


def _workbook(client, query: str) -> openpyxl.Workbook:
    response = client.get(f"{XLSX}?{query}")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == exports.XLSX_TYPE
    return openpyxl.load_workbook(BytesIO(response.content))


def _pairs(sheet) -> dict[str, object]:
    """First column to second column: the filters sheet, the cards sheet's current figures."""
    return {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0] is not None}


def test_the_workbook_has_a_sheet_per_panel_and_states_the_filters(client, reports):
    client.force_login(reports.leader)
    response = client.get(f"{XLSX}?period=30d&channel=hotline")
    today = timezone.localdate()
    start = today - timedelta(days=29)
    assert response["Content-Disposition"] == (
        f'attachment; filename="dieu-hanh-{start.isoformat()}_{today.isoformat()}.xlsx"'
    )
    book = openpyxl.load_workbook(BytesIO(response.content))
    assert book.sheetnames == SHEETS
    stated = _pairs(book["Bộ lọc"])
    assert f"{start:%d/%m/%Y} – {today:%d/%m/%Y}" in stated["Kỳ"]
    assert "30 ngày qua" in stated["Kỳ"]
    assert stated["Kênh tiếp nhận"] == "Tổng đài 1022"
    assert stated["Lĩnh vực"] == "Tất cả lĩnh vực"
    assert stated["Trạng thái"] == "Tất cả"
    generated = next(v for v in stated.values() if re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", str(v)))
    at = datetime.strptime(generated, "%d/%m/%Y %H:%M").replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert abs(at - timezone.now()) < timedelta(minutes=2)
    for sheet in book.worksheets[1:]:  # every panel sheet: a bold header row
        assert all(cell.font.bold for cell in sheet[1] if cell.value), sheet.title


@pytest.mark.parametrize("query", ["period=30d", "period=30d&channel=hotline", "period=year", ""])
def test_the_workbook_counts_what_the_page_shows(client, reports, query):
    client.force_login(reports.leader)
    shown = _page_received(client, query)
    book = _workbook(client, query)
    assert _pairs(book["Tổng quan"])["Đã tiếp nhận"] == shown
    categories = [row for row in book["Theo lĩnh vực"].iter_rows(min_row=2, values_only=True)]
    assert sum(row[2] for row in categories) == shown
    channels = [row for row in book["Theo kênh"].iter_rows(min_row=2, values_only=True)]
    assert sum(row[1] for row in channels) == shown
    assert sum(row[2] for row in channels) == pytest.approx(1.0)
    trend = [row for row in book["Xu hướng"].iter_rows(min_row=2, values_only=True)]
    assert sum(row[2] for row in trend) == shown


def test_numbers_are_numbers_with_formats(client, reports):
    client.force_login(reports.leader)
    cards = _workbook(client, "period=30d")["Tổng quan"]
    rows = {row[0].value: row for row in cards.iter_rows(min_row=2)}
    received = rows["Đã tiếp nhận"]
    assert isinstance(received[1].value, int) and received[1].number_format == "#,##0"
    on_time = rows["Giải quyết đúng hạn"][1]
    assert isinstance(on_time.value, (int, float)) and 0 <= on_time.value <= 1  # a fraction, shown as %
    assert on_time.number_format == "0.0%"


def test_satisfaction_and_league_sheets_carry_the_units_figures(client, reports):
    resolved = Report.objects.get(status="resolved")
    report_rate(code=resolved.code, level="satisfied", token=resolved.citizen_token, reopen=False)
    client.force_login(reports.leader)
    book = _workbook(client, "period=30d")
    satisfaction = list(book["Hài lòng theo đơn vị"].iter_rows(min_row=2, values_only=True))
    assert satisfaction == [(reports.ward.name, reports.ward.code, 1, 1)]  # 100 %, of 1 rating
    league = list(book["Xếp hạng đơn vị"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[1], row[4], row[5]) for row in league] == [(1, reports.ward.name, 4, 1)]


def test_a_ward_head_exports_their_ward_only(client, reports):
    client.force_login(reports.head)
    book = _workbook(client, "period=30d")
    assert _pairs(book["Tổng quan"])["Đã tiếp nhận"] == 4  # as on their page: not the department's report
    assert reports.ward.name in _pairs(book["Bộ lọc"]).values()  # the scope, stated


def _pdf_text(pdf: bytes, html: str) -> str:
    """The PDF's text: read by pypdf when it is installed, else laid out again by WeasyPrint from the
    very HTML the PDF was made of."""
    try:
        import pypdf
    except ImportError:
        import weasyprint

        def texts(box):
            if getattr(box, "text", None):
                yield box.text
            for child in getattr(box, "children", None) or []:
                yield from texts(child)

        document = weasyprint.HTML(string=html).render()
        return " ".join(t for page in document.pages for t in texts(page._page_box))
    return " ".join(page.extract_text() for page in pypdf.PdfReader(BytesIO(pdf)).pages)


def test_the_pdf_brief_is_in_vietnamese_with_the_filters_and_figures(client, reports, monkeypatch):
    made = []
    brief_html = exports.brief_html
    monkeypatch.setattr(exports, "brief_html", lambda *a, **k: made.append(brief_html(*a, **k)) or made[-1])
    client.force_login(reports.leader)
    response = client.get(f"{PDF}?period=30d&channel=hotline")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('.pdf"')
    assert response.content.startswith(b"%PDF")
    assert len(made) == 1
    html = made[0]
    text = re.sub(r"\s+", " ", _pdf_text(response.content, html))
    today = timezone.localdate()
    assert TITLE in text
    assert f"{today - timedelta(days=29):%d/%m/%Y} – {today:%d/%m/%Y}" in text
    assert "Tổng đài 1022" in text  # the channel filter, in words
    assert re.search(
        r'data-testid="brief-card-received">\s*<th scope="row">Đã tiếp nhận</th>\s*<td><strong>1<', html
    )
    assert 'data-testid="brief-category"' in html and "<svg" in html  # the page's charts, reused
    assert "http://" not in re.sub(r'(href|xmlns)="http[^"]*"', "", html)  # nothing to fetch


def test_the_pdf_brief_is_a_503_without_weasyprint_libraries(client, reports, monkeypatch):
    def missing():
        raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")

    monkeypatch.setattr(exports, "_import_weasyprint", missing)
    client.force_login(reports.leader)
    response = client.get(PDF)
    assert response.status_code == 503
    assert "libpango-1.0-0" in response.content.decode()


def test_the_pdf_brief_is_a_503_without_the_weasyprint_package(client, reports, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` now fails
    client.force_login(reports.leader)
    response = client.get(PDF)
    assert response.status_code == 503
    assert "weasyprint" in response.content.decode()


@pytest.mark.parametrize(
    "error, package",
    [
        ("cannot load library 'libpangoft2-1.0-0': …", "libpangoft2-1.0-0"),
        ("cannot load library 'libpango-1.0-0': …", "libpango-1.0-0"),
        ("cannot load library 'libgobject-2.0-0': …", "libglib2.0-0"),
        ("something else", "libpango-1.0-0 libpangoft2-1.0-0"),
    ],
)
def test_the_503_names_the_debian_package(error, package):
    assert exports._missing_package(error) == package


def test_the_brief_fetches_nothing_but_static_files():
    import weasyprint

    fetch = exports.url_fetcher(weasyprint)
    css = Path(finders.find("ioc/brief.css"))
    fetched = fetch(css.as_uri())
    body = fetched.read() if hasattr(fetched, "read") else fetched.get("string") or fetched["file_obj"].read()
    assert b"@page" in (body if isinstance(body, bytes) else body.encode())
    for url in ("http://example.com/x.css", "https://example.com/x.png", "file:///etc/passwd", "data:,x"):
        with pytest.raises(ValueError):
            fetch(url)


@pytest.mark.parametrize("url", [XLSX, PDF])
@pytest.mark.parametrize("role", ["citizen", "officer", "operator"])
def test_others_are_refused(client, reports, url, role):
    client.force_login(getattr(reports, role))
    response = client.get(url)
    assert response.status_code == 403
    assert 'data-testid="forbidden"' in response.content.decode()


@pytest.mark.parametrize("url", [XLSX, PDF])
@pytest.mark.parametrize(
    "query, field",
    [
        ("start=2026-03-01&end=2026-02-01", "end"),
        ("start=hôm-qua&end=2026-01-01", "start"),
        ("category=khong-co", "category"),
        ("unit=26740", "unit"),  # another ward: not the ward head's
        ("channel=fax", "channel"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field(client, reports, url, query, field):
    client.force_login(reports.head)
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert re.search(
        rf"^[^:\n]+ \({field}\): ", response.content.decode(), re.M
    )  # its label and its parameter


@pytest.mark.parametrize("url", [XLSX, PDF])
def test_anonymous_is_sent_to_log_in(client, reports, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/dang-nhap/" in response["Location"] or "login" in response["Location"]


def test_the_page_offers_both_exports_of_the_current_view(client, reports):
    client.force_login(reports.leader)
    html = client.get(f"{PAGE}?period=30d&channel=hotline").content.decode()
    assert 'href="/dieu-hanh/xuat.xlsx?period=30d&amp;channel=hotline"' in html
    assert 'href="/dieu-hanh/ban-tin.pdf?period=30d&amp;channel=hotline"' in html
    bad = client.get(f"{PAGE}?channel=fax").content.decode()
    assert 'data-testid="exports"' not in bad  # no export of filters that do not hold
