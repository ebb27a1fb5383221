"""The receipt handed to the applicant at the desk (giấy tiếp nhận hồ sơ và hẹn trả kết quả), as a PDF.

What it says depends on how the dossier came in (`RECEPTIONS`, one entry per channel): at the desk the
officer who received it signs next to the applicant; by post the officer registered it, the applicant
was not there; online the system received it and the receipt is issued electronically, with no
signature. How the result is handed over (`DELIVERIES`, one entry per result method) is the dossier's
stored `result_method`, the one value the messages and the lookup page follow too: set at receipt
(online for a level-4 online filing, by post for a dossier that came by post, else at the desk) and
changed only when the desk hands the result over another way.

The receipt carries the applicant's private link (`private_url`: the lookup address with the dossier's
citizen token) in words and as its QR code, as the pages and messages promise: an applicant who gave no
phone number or e-mail address opens the dossier's details, rates and withdraws with it. The public
lookup address and the code are printed too (the code alone shows the public progress).

The QR code (the applicant's private link) is drawn by the `qrcode` package as an inline SVG: no
file, no network. The PDF is made by WeasyPrint like the operations center's brief, with the same fetcher
that refuses every URL but CityDesk's static files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.core.models import AuditEntry
from citydesk.dossiers.models import Channel, Dossier, DossierDocument, ProcedureDocument, ResultMethod
from citydesk.dossiers.payments import vnd
from citydesk.ioc.exports import PdfUnavailable, load_weasyprint, url_fetcher

__all__ = ["PdfUnavailable", "lookup_url", "private_url", "qr_svg", "receipt_html", "receipt_pdf"]


def lookup_url(dossier: Dossier) -> str:
    return f"{settings.CITYDESK_PUBLIC_URL.rstrip('/')}/ho-so/tra-cuu/{dossier.code}/"


def private_url(dossier: Dossier) -> str:
    """The applicant's own link (the lookup address with `?t=` the citizen token, as the receipt's message
    carries it): it opens the dossier's details, papers, rating and withdrawal. The public lookup address
    for a dossier without a token."""
    if not dossier.citizen_token:
        return lookup_url(dossier)
    return f"{lookup_url(dossier)}?{urlencode({'t': dossier.citizen_token})}"


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


# --- The wording by channel and by result method ---------------------------------------------------


def _officer(dossier: Dossier) -> str:
    user = dossier.received_by
    return (user.full_name or user.username) if user is not None else ""


def received_on_behalf_of(dossier: Dossier) -> str:
    """Whose name the receiving officer acted in when they received the dossier under a delegation (ủy
    quyền), as the audit trail recorded it; "" in their own right."""
    if not dossier.received_by_id:
        return ""
    giver = (
        AuditEntry.objects.filter(
            object_type="dossier",
            object_id=dossier.code,
            action="dossier.receive",
            right=AuditEntry.Right.DELEGATED,
        )
        .values_list("on_behalf_of", flat=True)
        .first()
    )
    return giver or ""


@dataclass(frozen=True)
class Reception:
    """How a channel's dossier was received, as its receipt says it."""

    received_by: Callable[[Dossier], str]
    signatures: tuple[str, ...]  # who signs: "applicant", "officer"
    note: Callable[[Dossier], str]


RECEPTIONS: dict[str, Reception] = {
    Channel.DESK: Reception(
        received_by=lambda d: _officer(d) or _("The one-stop desk of %(unit)s") % {"unit": d.unit.name},
        signatures=("applicant", "officer"),
        note=lambda d: "",
    ),
    Channel.POST: Reception(
        received_by=lambda d: (
            _("%(officer)s (the dossier came by post)") % {"officer": _officer(d)}
            if d.received_by_id
            else _("The one-stop desk of %(unit)s (the dossier came by post)") % {"unit": d.unit.name}
        ),
        signatures=("officer",),
        note=lambda d: _("The dossier came by post; this receipt is sent to the applicant."),
    ),
    Channel.ONLINE: Reception(
        received_by=lambda d: _("Received online by the system"),
        signatures=(),
        note=lambda d: _(
            "The dossier was filed online and received by the online public service system; this "
            "receipt is issued electronically and needs no signature."
        ),
    ),
}

DELIVERIES: dict[str, Callable[[Dossier], str]] = {
    ResultMethod.DESK: lambda d: (
        _(
            "Bring this receipt (or the dossier code) and your citizen ID card when you collect the result "
            "at the one-stop desk of %(unit)s."
        )
        % {"unit": d.unit.name}
    ),
    ResultMethod.POST: lambda d: _("The result will be sent by post to the address given in the dossier."),
    ResultMethod.ONLINE: lambda d: _(
        "The result will be sent to you online: you are told when it is ready, and can follow the "
        "dossier at the address on this receipt. No need to come to the desk."
    ),
}


def result_method_of(dossier: Dossier) -> str:
    """How the result is (or will be) handed over: the stored method, as the messages and pages say it."""
    return dossier.result_method


def receipt_wording(dossier: Dossier) -> dict[str, Any]:
    reception = RECEPTIONS.get(dossier.channel, RECEPTIONS[Channel.DESK])
    method = result_method_of(dossier)
    return {
        "received_by": reception.received_by(dossier),
        "signatures": reception.signatures,
        "reception_note": reception.note(dossier),
        "result_method": ResultMethod(method).label if method in ResultMethod.values else method,
        "delivery_note": DELIVERIES[method](dossier) if method in DELIVERIES else "",
    }


def fee_text(dossier: Dossier) -> str:
    """The fee as the receipt says it: the amount and whether it is paid (and when), since the result is
    handed over only once it is; or that there is none."""
    if not dossier.fee:
        return _("No fee")
    if dossier.paid_at is None:
        return _("%(fee)s, not paid yet") % {"fee": vnd(dossier.fee)}
    return _("%(fee)s, paid on %(date)s") % {
        "fee": vnd(dossier.fee),
        "date": f"{timezone.localtime(dossier.paid_at):%d/%m/%Y}",
    }


def papers_in_checklist_order(papers: list[DossierDocument]) -> list[DossierDocument]:
    """The papers received, in the order of the procedure's checklist (the desk ticked them off in it),
    each with the copies the checklist asks for (`copies`); a paper with no requirement left last."""
    checklist = ProcedureDocument.objects.in_bulk({p.requirement_id for p in papers if p.requirement_id})
    for paper in papers:
        requirement = checklist.get(paper.requirement_id) if paper.requirement_id else None
        paper.copies = requirement.copies if requirement is not None else ""  # type: ignore[attr-defined]
        paper.checklist_position = (  # type: ignore[attr-defined]
            (0, requirement.position) if requirement is not None else (1, 0)
        )
    return sorted(papers, key=lambda p: (p.checklist_position, p.pk or 0))  # type: ignore[attr-defined]


def receipt_context(
    dossier: Dossier, papers: list[DossierDocument], *, with_private: bool = True
) -> dict[str, Any]:
    """`with_private`: the applicant's private link (and its QR code) on the paper, for the copy handed to
    the applicant; a reprint by other staff carries the public lookup address only."""
    private = private_url(dossier) if with_private else lookup_url(dossier)
    return {
        "dossier": dossier,
        "papers": papers_in_checklist_order(list(papers)),
        "lookup_url": lookup_url(dossier),
        "private_url": private if dossier.citizen_token and with_private else "",
        "qr_url": private,
        "qr_svg": qr_svg(private),
        "fee_text": fee_text(dossier),
        "printed_at": timezone.now(),
        "wording": receipt_wording(dossier),
        "officer_name": _officer(dossier),
        "on_behalf_of": received_on_behalf_of(dossier),
    }


def receipt_html(
    dossier: Dossier,
    papers: list[DossierDocument],
    request: HttpRequest | None = None,
    *,
    with_private: bool = True,
) -> str:
    context = receipt_context(dossier, papers, with_private=with_private)
    return render_to_string("dossiers/receipt.html", context, request=request)


def receipt_pdf(
    dossier: Dossier,
    papers: list[DossierDocument],
    request: HttpRequest | None = None,
    *,
    with_private: bool = True,
) -> bytes:
    """The receipt as an A4 PDF. Raises PdfUnavailable without WeasyPrint's libraries."""
    weasyprint = load_weasyprint()
    html = weasyprint.HTML(
        string=receipt_html(dossier, papers, request, with_private=with_private),
        url_fetcher=url_fetcher(weasyprint),
    )
    return html.write_pdf()
