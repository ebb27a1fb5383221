"""Fee payment: the adapter registry, `payment_start` and the idempotent `payment_confirm`; and the online
filing pages that lead to it (level 4: file, then pay through the sandbox gateway)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from citydesk.core.errors import Conflict, DomainError, NotFound
from citydesk.core.models import AuditEntry
from citydesk.dossiers import payments
from citydesk.dossiers.models import Dossier, DossierDocument, DossierEvent, DossierMonth, Payment
from citydesk.dossiers.services import dossier_transition

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a small test file\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def html(response: Any) -> str:
    return response.content.decode()


def has_field_error(response: Any, field: str) -> bool:
    return f'data-field="{field}"' in html(response)


def nothing_received() -> bool:
    return (
        not Dossier.objects.exists()
        and not DossierMonth.objects.exists()
        and not AuditEntry.objects.filter(action="dossier.receive").exists()
    )


def test_registry_has_the_sandbox_and_refuses_unknown_providers():
    sandbox = payments.adapter_for("sandbox")
    assert isinstance(sandbox, payments.SandboxAdapter) and str(sandbox.label)
    with pytest.raises(DomainError) as exc:
        payments.adapter_for("bank-x")
    assert exc.value.field == "provider"


def test_another_adapter_can_be_registered(monkeypatch, catalog, receive):
    class Bank:
        name = "bank-x"
        label = "Bank X"

        def checkout_url(self, payment: Payment) -> str:
            return f"https://bank.example/pay/{payment.reference}"

    monkeypatch.setattr(payments, "ADAPTERS", dict(payments.ADAPTERS))
    payments.register(Bank())
    dossier = receive(catalog.land)
    payment = payments.payment_start(dossier=dossier, provider="bank-x")
    assert payment.provider == "bank-x"
    assert payments.adapter_for("bank-x").checkout_url(payment).endswith(payment.reference)


def test_start_creates_one_pending_payment_with_a_unique_reference(personas, catalog, receive):
    dossier = receive(catalog.land)
    first = payments.payment_start(dossier=dossier)
    assert first.reference.startswith(dossier.code)
    assert (first.state, first.amount) == (Payment.State.PENDING, 100_000)
    assert AuditEntry.objects.filter(action="payment.start").count() == 1
    # A second press (another tab) is the same payment: a fee is never taken twice.
    second = payments.payment_start(dossier=dossier)
    assert second.pk == first.pk and Payment.objects.filter(dossier=dossier).count() == 1
    other = receive(catalog.land)
    assert payments.payment_start(dossier=other).reference != first.reference


def test_start_refuses_a_dossier_without_fee_or_already_paid_or_closed(personas, catalog, receive):
    free = receive()
    with pytest.raises(DomainError) as exc:
        payments.payment_start(dossier=free)
    assert exc.value.field == "payment"
    dossier = receive(catalog.land)
    payments.payment_confirm(reference=payments.payment_start(dossier=dossier).reference, outcome="paid")
    with pytest.raises(Conflict):
        payments.payment_start(dossier=Dossier.objects.get(pk=dossier.pk))
    closed = receive(catalog.land)
    dossier_transition(user=None, code=closed.code, action="withdraw", token=closed.citizen_token)
    with pytest.raises(Conflict):
        payments.payment_start(dossier=Dossier.objects.get(pk=closed.pk))
    assert Payment.objects.count() == 1


def test_confirm_paid_is_idempotent(personas, catalog, receive):
    dossier = receive(catalog.land)
    payment = payments.payment_start(dossier=dossier)
    confirmed = payments.payment_confirm(reference=payment.reference, outcome="paid")
    dossier.refresh_from_db()
    assert confirmed.state == Payment.State.PAID and confirmed.paid_at is not None
    assert dossier.paid_at == confirmed.paid_at
    event = DossierEvent.objects.get(dossier=dossier, kind=DossierEvent.Kind.PAID)
    assert payment.reference in event.display_note and "100.000 đ" in event.display_note
    audits = AuditEntry.objects.count()
    for outcome in ("paid", "failed"):
        again = payments.payment_confirm(reference=payment.reference, outcome=outcome)
        assert again.state == Payment.State.PAID and again.paid_at == confirmed.paid_at
    dossier.refresh_from_db()
    assert dossier.paid_at == confirmed.paid_at
    assert DossierEvent.objects.filter(kind=DossierEvent.Kind.PAID).count() == 1
    assert AuditEntry.objects.count() == audits


def test_confirm_failed_leaves_the_fee_unpaid(personas, catalog, receive):
    dossier = receive(catalog.land)
    payment = payments.payment_start(dossier=dossier)
    failed = payments.payment_confirm(reference=payment.reference, outcome="failed")
    assert failed.state == Payment.State.FAILED and failed.paid_at is None
    assert payments.payment_confirm(reference=payment.reference, outcome="paid").state == Payment.State.FAILED
    dossier.refresh_from_db()
    assert dossier.paid_at is None and payments.needs_payment(dossier)
    assert not DossierEvent.objects.filter(kind=DossierEvent.Kind.PAID).exists()
    assert AuditEntry.objects.filter(action="payment.failed", object_id=payment.reference).count() == 1


def test_confirm_refuses_unknown_references_and_outcomes(personas, catalog, receive):
    dossier = receive(catalog.land)
    payment = payments.payment_start(dossier=dossier)
    with pytest.raises(NotFound) as exc:
        payments.payment_confirm(reference="HS-XX", outcome="paid")
    assert exc.value.field == "reference"
    with pytest.raises(DomainError) as exc:
        payments.payment_confirm(reference=payment.reference, outcome="refunded")
    assert exc.value.field == "outcome"
    assert Payment.objects.get().state == Payment.State.PENDING


def test_vnd_format():
    assert payments.vnd(100_000) == "100.000 đ"
    assert payments.vnd(1_250_500) == "1.250.500 đ"
    assert payments.vnd(0) == "0 đ"


# --- Online filing --------------------------------------------------------------------------------


def _online(catalog: Any, personas: Any, procedure: Any = None, **overrides: Any) -> dict[str, Any]:
    procedure = procedure or catalog.land
    data: dict[str, Any] = {
        "unit": "phuong ben thanh",  # typed without accents
        "applicant_name": "Ngô Thị Mai",
        "applicant_phone": "0903000111",
        "consent": "on",
    }
    for document in procedure.documents.all():
        if document.required:
            data[f"doc_{document.pk}"] = SimpleUploadedFile(
                "to-khai.pdf", PDF, content_type="application/pdf"
            )
    data.update(overrides)
    return data


def test_online_form_pages(client, personas, catalog):
    response = client.get("/ho-so/nop/DD-01/")
    page = html(response)
    assert response.status_code == 200
    assert personas.ward.name in page and personas.department.name in page  # communes and the department
    assert personas.other_ward.name in page
    page = html(client.get("/ho-so/nop/HT-01/"))
    assert personas.ward.name in page and personas.department.name not in page
    assert client.get("/ho-so/nop/CT-01/").status_code == 400  # level 2: at the desk only
    assert client.get("/ho-so/nop/XX-99/").status_code == 404


def test_online_filing_without_fee_goes_to_the_confirmation(client, personas, catalog):
    response = client.post("/ho-so/nop/HT-01/", _online(catalog, personas, catalog.birth))
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ho-so/da-nop/{dossier.code}/"
    assert (dossier.channel, dossier.unit_id, dossier.applicant_id) == ("online", personas.ward.pk, None)
    page = html(client.get(response["Location"]))
    assert dossier.code in page and f"?t={dossier.citizen_token}" in page
    assert not Payment.objects.exists()
    # Another browser does not get the confirmation (nor the token): it is sent to the public page.
    other = type(client)()
    response = other.get(f"/ho-so/da-nop/{dossier.code}/")
    assert response.status_code == 302 and response["Location"] == f"/ho-so/tra-cuu/{dossier.code}/"


def test_online_filing_of_a_logged_in_citizen_is_theirs(client, personas, catalog):
    login(client, personas.citizen)
    assert 'value="Ngô Thị Mai"' in html(client.get("/ho-so/nop/HT-01/"))
    client.post("/ho-so/nop/HT-01/", _online(catalog, personas, catalog.birth))
    dossier = Dossier.objects.get()
    assert dossier.applicant_id == personas.citizen.pk
    page = html(client.get(f"/ho-so/tra-cuu/{dossier.code}/"))
    assert 'data-testid="personal"' in page and "0903000111" in page


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"consent": ""}, 400, "consent"),
        ({"unit": "phuong khong co"}, 400, "unit"),
        ({"unit": ""}, 400, "unit"),
        ({"applicant_name": ""}, 400, "applicant_name"),
        ({"applicant_phone": ""}, 400, "applicant_phone"),  # online: a phone or an e-mail is needed
        ({"applicant_phone": "abc", "applicant_email": "mai@example.vn"}, 400, "applicant_phone"),
        (
            {"doc_REQUIRED": SimpleUploadedFile("a.pdf", b"MZ\x90 exe", content_type="application/pdf")},
            400,
            "documents",
        ),
        (
            {"doc_REQUIRED": SimpleUploadedFile("a.gif", b"GIF89a....", content_type="image/gif")},
            400,
            "documents",
        ),
        ({"doc_REQUIRED": ""}, 400, "documents"),  # a required paper missing
    ],
)
def test_online_bad_input_is_refused_and_stores_nothing(
    client, personas, catalog, settings, overrides, status, field
):
    required = catalog.land.documents.get(required=True)
    overrides = {k.replace("REQUIRED", str(required.pk)): v for k, v in overrides.items()}
    data = _online(catalog, personas, **overrides)
    data = {k: v for k, v in data.items() if v != ""}
    response = client.post("/ho-so/nop/DD-01/", data)
    assert response.status_code == status
    assert has_field_error(response, field)
    assert nothing_received() and not Payment.objects.exists() and not DossierDocument.objects.exists()
    media = settings.MEDIA_ROOT
    stored = [p.relative_to(media) for p in media.rglob("*") if p.is_file()] if media.exists() else []
    # No paper is stored; a file that passed its own checks is only kept (staged) for the next try.
    assert all(p.parts[:2] == ("staged-uploads", "dossiers") for p in stored)
    assert len(stored) == (0 if field == "documents" else 1)


def test_online_paper_of_another_procedure_is_refused(client, personas, catalog):
    other = catalog.birth.documents.first()
    data = _online(catalog, personas)
    data[f"doc_{other.pk}"] = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    response = client.post("/ho-so/nop/DD-01/", data)
    assert response.status_code == 400 and has_field_error(response, "documents")
    assert nothing_received()


def test_level_4_filing_goes_through_the_sandbox_payment(client, personas, catalog):
    response = client.post("/ho-so/nop/DD-01/", _online(catalog, personas))
    dossier = Dossier.objects.get()
    payment = Payment.objects.get()
    assert (payment.state, payment.amount, payment.provider) == ("pending", 100_000, "sandbox")
    assert response.status_code == 302 and response["Location"] == f"/ho-so/thanh-toan/{payment.reference}/"
    page = html(client.get(response["Location"]))
    assert "100.000 đ" in page and payment.reference in page
    assert 'data-testid="gateway"' in page
    # The gateway says the dossier is filed, and that cancelling the payment does not withdraw it.
    assert f"Hồ sơ {dossier.code} đã được nộp" in page and 'data-testid="cancel-hint"' in page
    # Another browser cannot pay or cancel it.
    other = type(client)()
    assert other.post(response["Location"], {"outcome": "failed"}).status_code == 403
    assert Payment.objects.get().state == "pending"
    response = client.post(f"/ho-so/thanh-toan/{payment.reference}/", {"outcome": "paid"})
    assert response.status_code == 302 and response["Location"] == f"/ho-so/da-nop/{dossier.code}/"
    dossier.refresh_from_db()
    paid_at = dossier.paid_at
    assert paid_at is not None
    assert DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.PAID).count() == 1
    assert AuditEntry.objects.filter(action="payment.paid", object_id=payment.reference).count() == 1
    # Pressing again changes nothing.
    response = client.post(f"/ho-so/thanh-toan/{payment.reference}/", {"outcome": "failed"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.paid_at == paid_at and Payment.objects.get().state == "paid"
    assert DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.PAID).count() == 1
    assert AuditEntry.objects.filter(action__startswith="payment.").count() == 2  # start + paid
    assert client.post(f"/ho-so/thanh-toan/{payment.reference}/", {"outcome": "maybe"}).status_code == 400
    assert client.get("/ho-so/thanh-toan/NOPE/").status_code == 404


def test_cancelled_payment_can_be_retried(client, personas, catalog):
    client.post("/ho-so/nop/DD-01/", _online(catalog, personas))
    dossier = Dossier.objects.get()
    first = Payment.objects.get()
    client.post(f"/ho-so/thanh-toan/{first.reference}/", {"outcome": "failed"})
    dossier.refresh_from_db()
    assert dossier.paid_at is None and Payment.objects.get().state == "failed"
    assert f"/ho-so/da-nop/{dossier.code}/thanh-toan/" in html(client.get(f"/ho-so/da-nop/{dossier.code}/"))
    # The tracking page says the fee is not paid yet (it said the amount alone).
    assert re.search(
        r'data-testid="fee">100\.000 đ · chưa nộp<', html(client.get(f"/ho-so/tra-cuu/{dossier.code}/"))
    )
    response = client.post(f"/ho-so/da-nop/{dossier.code}/thanh-toan/")
    second = Payment.objects.exclude(pk=first.pk).get()
    assert response["Location"] == f"/ho-so/thanh-toan/{second.reference}/"
    client.post(response["Location"], {"outcome": "paid"})
    dossier.refresh_from_db()
    assert dossier.paid_at is not None
    assert re.search(
        r'data-testid="fee">100\.000 đ · đã nộp<', html(client.get(f"/ho-so/tra-cuu/{dossier.code}/"))
    )
    assert type(client)().post(f"/ho-so/da-nop/{dossier.code}/thanh-toan/").status_code == 403


def test_the_back_office_names_the_provider_and_writes_the_amount(staff, personas, catalog, receive):
    from citydesk.dossiers.models import Payment

    dossier = receive(catalog.land)
    Payment.objects.create(
        dossier=dossier, provider="desk_cash", amount=600_000, reference="TEST-1", state="paid"
    )
    page = staff.get("/quan-tri/dossiers/payment/").content.decode()
    assert "600.000" in page and ">desk_cash<" not in page


def test_an_unknown_or_desk_only_procedure_leads_back_to_the_catalog(client, catalog):
    missing = client.get("/ho-so/nop/ZZ-99/")
    assert missing.status_code == 404 and 'data-testid="catalog-link"' in html(missing)
    desk_only = client.get(f"/ho-so/nop/{catalog.copy.code}/")  # online level 2: filed at the desk
    assert desk_only.status_code == 400
    assert f'href="/thu-tuc/{catalog.copy.code}/" data-testid="procedure-link"' in html(desk_only)
    assert 'data-testid="levels-legend"' in html(client.get("/thu-tuc/"))
