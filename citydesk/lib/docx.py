"""A small writer of Word documents (.docx, Office Open XML): paragraphs of text, nothing more.

Enough for the blank forms of the procedure catalog: centred headings, labels followed by a dotted line
to the right margin (where the applicant writes by hand), italic notes. The page follows the layout of
Vietnamese administrative papers (Nghị định 30/2020/NĐ-CP): A4, Times New Roman 13 pt, margins of
2 cm top and bottom, 3 cm left, 1.5 cm right.

The output is the same bytes for the same paragraphs (fixed timestamps in the archive), so a form
generated twice is one file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

# Twentieths of a point. A4 is 210 × 297 mm.
PAGE_WIDTH, PAGE_HEIGHT = 11906, 16838
MARGIN_TOP = MARGIN_BOTTOM = 1134  # 2 cm
MARGIN_LEFT, MARGIN_RIGHT = 1701, 850  # 3 cm, 1.5 cm
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
HALF = TEXT_WIDTH // 2

Align = Literal["left", "center", "right", "both"]

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_FIXED_TIME = (2026, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Paragraph:
    """One paragraph. `dotted` draws a dotted line from the end of the text to the right margin."""

    text: str = ""
    bold: bool = False
    italic: bool = False
    align: Align = "left"
    size: float = 13  # points
    dotted: bool = False
    indent: int = 0  # left indent, twentieths of a point
    space_after: int = 60


def _run(text: str, p: Paragraph) -> str:
    props = ""
    if p.bold:
        props += "<w:b/>"
    if p.italic:
        props += "<w:i/>"
    if p.size != 13:
        props += f'<w:sz w:val="{round(p.size * 2)}"/><w:szCs w:val="{round(p.size * 2)}"/>'
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _paragraph(p: Paragraph) -> str:
    # The schema fixes the order of a paragraph's properties (tabs, spacing, ind, jc); Word refuses others.
    ppr = f'<w:spacing w:after="{p.space_after}"/>'
    if p.indent:
        ppr += f'<w:ind w:left="{p.indent}"/>'
    ppr += f'<w:jc w:val="{p.align}"/>'
    runs = _run(p.text, p) if p.text else ""
    if p.dotted:
        ppr = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{TEXT_WIDTH}"/></w:tabs>' + ppr
        runs += "<w:r><w:tab/></w:r>"
    return f"<w:p><w:pPr>{ppr}</w:pPr>{runs}</w:p>"


def _document(paragraphs: Iterable[Paragraph]) -> str:
    body = "".join(_paragraph(p) for p in paragraphs)
    section = (
        f'<w:sectPr><w:pgSz w:w="{PAGE_WIDTH}" w:h="{PAGE_HEIGHT}"/>'
        f'<w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" w:bottom="{MARGIN_BOTTOM}" '
        f'w:left="{MARGIN_LEFT}" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr>'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_W}" xmlns:r="{_R}"><w:body>{body}{section}</w:body></w:document>'
    )


_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<w:styles xmlns:w="{_W}"><w:docDefaults><w:rPrDefault><w:rPr>'
    '<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="Times New Roman" '
    'w:cs="Times New Roman"/><w:sz w:val="26"/><w:szCs w:val="26"/><w:lang w:val="vi-VN"/>'
    '</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="60" w:line="288" w:lineRule="auto"/>'
    "</w:pPr></w:pPrDefault></w:docDefaults>"
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
    "</w:styles>"
)

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/'
    'vnd.openxmlformats-package.core-properties+xml"/>'
    "</Types>"
)

_PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Relationships xmlns="{_PKG}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
    'metadata/core-properties" Target="docProps/core.xml"/>'
    "</Relationships>"
)

_DOCUMENT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Relationships xmlns="{_PKG}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'styles" Target="styles.xml"/>'
    "</Relationships>"
)


def _core(title: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{escape(title)}</dc:title><dc:language>vi-VN</dc:language>"
        "</cp:coreProperties>"
    )


def docx_bytes(paragraphs: Iterable[Paragraph], *, title: str = "") -> bytes:
    """A complete .docx file holding `paragraphs`, with `title` in the document's properties."""
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _PACKAGE_RELS,
        "docProps/core.xml": _core(title),
        "word/_rels/document.xml.rels": _DOCUMENT_RELS,
        "word/styles.xml": _STYLES,
        "word/document.xml": _document(paragraphs),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()
