"""The demo catalog's blank forms (.docx): what they hold, when they are attached, how they download."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from citydesk.core.models import AuditEntry
from citydesk.dossiers.demo_catalog import PROCEDURES, seed_procedures
from citydesk.dossiers.demo_forms import attach_demo_forms, form_file_name, form_paragraphs, form_title
from citydesk.dossiers.models import ProcedureDocument
from citydesk.lib.docx import Paragraph, docx_bytes

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def paragraphs_of(data: bytes) -> list[str]:
    """The text of each paragraph of a .docx, after checking every part of the package is well-formed XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        assert {"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml"} <= names
        for name in names:
            ElementTree.fromstring(archive.read(name))
        document = ElementTree.fromstring(archive.read("word/document.xml"))
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in document.iter(f"{W}p")]


def test_a_docx_holds_its_paragraphs_escaped_and_is_the_same_file_each_time():
    paragraphs = [
        Paragraph("TỜ KHAI <mẫu> & “thử”", bold=True, align="center"),
        Paragraph("Họ tên: ", dotted=True),
    ]
    data = docx_bytes(paragraphs, title="Tờ khai")
    assert paragraphs_of(data) == ["TỜ KHAI <mẫu> & “thử”", "Họ tên: "]
    assert docx_bytes(paragraphs, title="Tờ khai") == data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode()
        assert 'w:leader="dot"' in xml and "<w:tab/>" in xml  # the dotted answer line
        assert "<dc:title>Tờ khai</dc:title>" in archive.read("docProps/core.xml").decode()


def test_paragraph_properties_come_in_the_schemas_order():
    # Word reports a file whose properties are out of the schema's order as damaged.
    order = [f"{W}tabs", f"{W}spacing", f"{W}ind", f"{W}jc"]
    data = docx_bytes(form_paragraphs("Tờ khai đăng ký khai sinh (theo mẫu)", "ward"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        document = ElementTree.fromstring(archive.read("word/document.xml"))
    seen = set()
    for properties in document.iter(f"{W}pPr"):
        tags = [child.tag for child in properties]
        assert tags == sorted(tags, key=order.index)
        seen.update(tags)
    assert seen == set(order)  # each kind was checked at least once


@pytest.mark.parametrize(
    ("paper", "authority", "expected", "addressee"),
    [
        ("Tờ khai đăng ký khai sinh (theo mẫu)", "ward", "Họ, chữ đệm, tên người cha: ", "xã/phường"),
        ("Tờ khai đăng ký khai tử (theo mẫu)", "ward", "Nơi chết: ", "xã/phường"),
        ("Đơn đề nghị cấp giấy phép xây dựng (theo mẫu)", "department", "Tổng diện tích sàn (m²): ", "Sở"),
        (
            "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (theo mẫu)",
            "department",
            "Mục đích sử dụng Phiếu: ",
            "Sở",
        ),
        ("Đơn đề nghị cấp Giấy phép bán buôn rượu (theo mẫu)", "department", "Lý do: ", "Sở"),
    ],
)
def test_each_form_asks_what_its_request_needs(paper, authority, expected, addressee):
    texts = [p.text for p in form_paragraphs(paper, authority)]
    assert texts[:3] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        form_title(paper),
    ]
    assert "(THEO MẪU)" not in texts[2] and texts[2] == texts[2].upper()
    assert expected in texts
    assert texts[3].startswith("Kính gửi:") and addressee in texts[3]
    assert "Họ, chữ đệm, tên người yêu cầu: " in texts
    assert any(t.startswith("Tôi cam đoan") for t in texts) and "(Ký, ghi rõ họ, chữ đệm, tên)" in texts
    assert texts[-1].startswith("Mẫu minh họa")  # says the official form replaces it


def test_a_request_by_an_employer_asks_for_the_organisation():
    texts = [
        p.text for p in form_paragraphs("Văn bản đề nghị cấp giấy phép lao động (theo mẫu)", "department")
    ]
    assert "Tên tổ chức, cá nhân đề nghị: " in texts and "Họ, chữ đệm, tên người yêu cầu: " not in texts


def test_words_match_whole_words_only():
    # "tử" of a death registration is not found inside another word's letters, nor "đất" inside "đạt".
    texts = [p.text for p in form_paragraphs("Đơn đề nghị đánh giá đạt chuẩn (theo mẫu)", "ward")]
    assert "Thửa đất số, tờ bản đồ số: " not in texts and "Nội dung: " in texts


def test_file_names_are_ascii_and_name_the_procedure():
    name = form_file_name("HT-01", "Tờ khai đăng ký khai sinh (theo mẫu)")
    assert name == "HT-01-to-khai-dang-ky-khai-sinh.docx" and name.isascii()


def test_every_paper_filed_on_a_form_gets_one_once_and_an_uploaded_template_is_kept(personas):
    seed_procedures()
    demo = {p.code for p in PROCEDURES}
    on_form = ProcedureDocument.objects.filter(procedure__code__in=demo, name__contains="(theo mẫu)")
    total = on_form.count()
    # An administrator's own template, and a paper they renamed, are not the demo's to fill.
    own = on_form.get(procedure__code="HT-02", position=1)
    own.template.save("to-khai-khai-tu-2025.docx", SimpleUploadedFile("x.docx", b"official"), save=True)
    renamed = on_form.get(procedure__code="HT-03", position=1)
    renamed.name = "Tờ khai đăng ký kết hôn (mẫu của Bộ Tư pháp, theo mẫu)"
    renamed.save()
    audits = AuditEntry.objects.filter(action="procedure_catalog.demo_forms").count()

    given = attach_demo_forms()

    assert "HT-01/1" in given and "HT-02/1" not in given and "HT-03/1" not in given
    assert len(given) == total - 2 >= 25
    own.refresh_from_db()
    assert own.template.read() == b"official"
    renamed.refresh_from_db()
    assert not renamed.template
    birth = on_form.get(procedure__code="HT-01", position=1)
    assert birth.template.name == "procedure_templates/HT-01-to-khai-dang-ky-khai-sinh.docx"
    with birth.template.open("rb") as handle:
        assert "TỜ KHAI ĐĂNG KÝ KHAI SINH" in paragraphs_of(handle.read())
    assert (
        not ProcedureDocument.objects.filter(procedure__code__in=demo)
        .exclude(name__contains="(theo mẫu)")
        .exclude(template="")
        .exists()
    )
    assert AuditEntry.objects.filter(action="procedure_catalog.demo_forms").count() == audits + 1
    assert attach_demo_forms() == []  # nothing left: no change, no audit row
    assert AuditEntry.objects.filter(action="procedure_catalog.demo_forms").count() == audits + 1


def test_the_catalog_page_offers_the_form_and_it_downloads(personas):
    seed_procedures()
    attach_demo_forms()
    client = Client()
    page = client.get("/thu-tuc/HT-01/").content.decode()
    assert 'href="/thu-tuc/HT-01/mau/1/"' in page
    response = client.get("/thu-tuc/HT-01/mau/1/")
    assert response.status_code == 200 and response["Content-Type"] == DOCX_TYPE
    assert 'filename="HT-01-to-khai-dang-ky-khai-sinh.docx"' in response["Content-Disposition"]
    assert "TỜ KHAI ĐĂNG KÝ KHAI SINH" in paragraphs_of(b"".join(response.streaming_content))
    assert client.get("/thu-tuc/HT-01/mau/2/").status_code == 404  # the birth certificate has no form
    # The online form offers it beside its paper too (it was only on the catalog page).
    filing = client.get("/ho-so/nop/HT-01/").content.decode()
    assert filing.count('href="/thu-tuc/HT-01/mau/1/"') == 1 and "/thu-tuc/HT-01/mau/2/" not in filing
    api = client.get("/api/v1/procedures/HT-01").json()
    assert api["documents"][0]["template_url"] == "/thu-tuc/HT-01/mau/1/"  # the address that serves it


def test_seed_catalog_attaches_the_forms(personas, capsys):
    call_command("seed-catalog")
    assert ProcedureDocument.objects.filter(procedure__code="HT-01", position=1).exclude(template="").exists()
    assert "mẫu" in capsys.readouterr().out
