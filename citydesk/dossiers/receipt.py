"""The receipt handed to the applicant at the desk (giấy tiếp nhận hồ sơ và hẹn trả kết quả), as a PDF.

The QR code (the lookup address of the dossier) is drawn by the `qrcode` package as an inline SVG: no
file, no network. The PDF is made by WeasyPrint like the operations center's brief, with the same fetcher
that refuses every URL but CityDesk's static files.
"""

from __future__ import annotations

from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from citydesk.dossiers.models import Dossier, DossierDocument
from citydesk.dossiers.payments import vnd
from citydesk.ioc.exports import PdfUnavailable, load_weasyprint, url_fetcher

__all__ = ["PdfUnavailable", "lookup_url", "qr_svg", "receipt_html", "receipt_pdf"]


def lookup_url(dossier: Dossier) -> str:
    return f"{settings.CITYDESK_PUBLIC_URL.rstrip('/')}/ho-so/tra-cuu/{dossier.code}/"


def qr_svg(text: str) -> str:
    """`text` as a QR code: an SVG element to embed in the page (medium error correction)."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    code.add_data(text)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    return svg.split("?>", 1)[-1].strip()  # no XML declaration inside HTML


def receipt_context(dossier: Dossier, papers: list[DossierDocument]) -> dict[str, Any]:
    url = lookup_url(dossier)
    return {
        "dossier": dossier,
        "papers": papers,
        "lookup_url": url,
        "qr_svg": qr_svg(url),
        "fee_text": vnd(dossier.fee) if dossier.fee else "",
        "printed_at": timezone.now(),
    }


def receipt_html(dossier: Dossier, papers: list[DossierDocument], request: HttpRequest | None = None) -> str:
    return render_to_string("dossiers/receipt.html", receipt_context(dossier, papers), request=request)


def receipt_pdf(dossier: Dossier, papers: list[DossierDocument], request: HttpRequest | None = None) -> bytes:
    """The receipt as an A4 PDF. Raises PdfUnavailable without WeasyPrint's libraries."""
    weasyprint = load_weasyprint()
    html = weasyprint.HTML(string=receipt_html(dossier, papers, request), url_fetcher=url_fetcher(weasyprint))
    return html.write_pdf()
