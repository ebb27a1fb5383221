"""Review of online filing and payment: the per-address and per-phone limits of online filing, a fee paid
once per dossier, only level 4 paid online, the API's template links and queue, the applicant's private
link on the printed receipt, and the API documentation's payment, supplement and 409 texts."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from citydesk.core.errors import Conflict, DomainError
from citydesk.dossiers import payments, selectors, workflow
from citydesk.dossiers.models import (
    Dossier,
    DossierEvent,
    IdempotencyKey,
    Payment,
    ServiceLevel,
    Status,
)
from citydesk.dossiers.receipt import qr_svg, receipt_context, receipt_html
from citydesk.dossiers.services import Applicant, dossier_transition
from citydesk.dossiers.services import common as service_common
from citydesk.dossiers.views.citizen import (
    ONLINE_ADDRESS_SCOPE,
    online_address_limit_per_hour,
    online_phone_limit_per_day,
)
from tests.dossiers.conftest import make_procedure

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a small test file\n"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "dossiers-api.md"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("to-khai.pdf", PDF, content_type="application/pdf")


def web_form(procedure: Any, phone: str = "0903000111", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "unit": "phuong ben thanh",
        "applicant_name": "Ngô Thị Mai",
        "applicant_phone": phone,
        "consent": "on",
    }
    for document in procedure.documents.filter(required=True):
        data[f"doc_{document.pk}"] = _pdf()
    data.update(overrides)
    return data


def api_form(procedure: Any, personas: Any, phone: str = "0903000111") -> dict[str, Any]:
    data: dict[str, Any] = {
        "procedure": procedure.code,
        "unit": personas.ward.code,
        "applicant_name": "Ngô Thị Mai",
        "applicant_phone": phone,
    }
    for document in procedure.documents.filter(required=True):
        data[f"doc_{document.pk}"] = _pdf()
    return data


def html(response: Any) -> str:
    return response.content.decode()


# --- 1. Online filing is limited per network address and per phone number ---------------------------


def test_the_limits_default_to_what_a_family_never_reaches():
    assert online_address_limit_per_hour() == 20
    assert online_phone_limit_per_day() == 5


def test_the_web_form_refuses_past_the_address_limit_storing_nothing(client, settings, personas, catalog):
    settings.CITYDESK_DOSSIER_ONLINE_ADDRESS_LIMIT_PER_HOUR = 2
    for n in range(2):
        response = client.post("/ho-so/nop/HT-01/", web_form(catalog.birth, phone=f"090300011{n}"))
        assert response.status_code == 302, html(response)
    response = client.post("/ho-so/nop/HT-01/", web_form(catalog.birth, phone="0903000119"))
    assert response.status_code == 429
    with translation.override("vi"):
        said = _(
            "Too many dossiers were filed online from this network address: at most %(n)s an hour. "
            "Please try again later, or file at the one-stop desk."
        ) % {"n": 2}
    assert 'data-testid="error-summary"' in html(response) and escape(said) in html(response)
    assert Dossier.objects.count() == 2
    assert IdempotencyKey.objects.filter(scope__startswith=ONLINE_ADDRESS_SCOPE).count() == 2
    # Another address files; an hour later the first one files again.
    other = client.post(
        "/ho-so/nop/HT-01/", web_form(catalog.birth, phone="0903000118"), REMOTE_ADDR="10.1.2.3"
    )
    assert other.status_code == 302
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=1, minutes=1))
    assert client.post("/ho-so/nop/HT-01/", web_form(catalog.birth, phone="0903000117")).status_code == 302
    # No address is stored, only a keyed hash of it.
    assert not IdempotencyKey.objects.filter(scope__contains="127.0.0.1").exists()


def test_the_api_refuses_past_the_address_limit_signed_in_or_not(client, bearer, settings, personas, catalog):
    settings.CITYDESK_DOSSIER_ONLINE_ADDRESS_LIMIT_PER_HOUR = 2
    first = client.post("/api/v1/dossiers/online", api_form(catalog.birth, personas, "0903000110"))
    assert first.status_code == 201, first.content
    signed_in = client.post(
        "/api/v1/dossiers/online", api_form(catalog.birth, personas, "0903000111"), **bearer(personas.citizen)
    )
    assert signed_in.status_code == 201
    for headers in ({}, bearer(personas.citizen)):
        refused = client.post(
            "/api/v1/dossiers/online", api_form(catalog.birth, personas, "0903000112"), **headers
        )
        assert refused.status_code == 429 and "2" in refused.json()["detail"]
    assert Dossier.objects.count() == 2


def test_a_retry_with_its_key_still_answers_past_the_limit(client, settings, personas, catalog):
    settings.CITYDESK_DOSSIER_ONLINE_ADDRESS_LIMIT_PER_HOUR = 1
    first = client.post(
        "/api/v1/dossiers/online", api_form(catalog.birth, personas), HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = client.post(
        "/api/v1/dossiers/online", api_form(catalog.birth, personas), HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["code"] == first.json()["code"]
    other = client.post(
        "/api/v1/dossiers/online", api_form(catalog.birth, personas), HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert other.status_code == 429 and Dossier.objects.count() == 1


def test_one_phone_number_is_given_in_a_few_online_dossiers_a_day(client, settings, personas, catalog):
    settings.CITYDESK_DOSSIER_ONLINE_PHONE_LIMIT_PER_DAY = 2
    addresses = iter(f"10.0.0.{n}" for n in range(1, 20))  # not the address limit: the phone's
    for _n in range(2):
        response = client.post("/ho-so/nop/HT-01/", web_form(catalog.birth), REMOTE_ADDR=next(addresses))
        assert response.status_code == 302
    # The same number written otherwise is the same number.
    response = client.post(
        "/ho-so/nop/HT-01/", web_form(catalog.birth, phone="+84 903 000 111"), REMOTE_ADDR=next(addresses)
    )
    assert response.status_code == 429
    assert 'data-field="applicant_phone"' in html(response) and "0903000111" in html(response)
    api = client.post(
        "/api/v1/dossiers/online",
        api_form(catalog.birth, personas, "0903.000.111"),
        REMOTE_ADDR=next(addresses),
    )
    assert api.status_code == 429 and api.json()["field"] == "applicant_phone"
    assert Dossier.objects.count() == 2
    # Another number files; a day later the first one does again.
    other = client.post(
        "/ho-so/nop/HT-01/", web_form(catalog.birth, phone="0903000222"), REMOTE_ADDR=next(addresses)
    )
    assert other.status_code == 302
    Dossier.objects.update(received_at=timezone.now() - dt.timedelta(days=1, minutes=1))
    assert (
        client.post("/ho-so/nop/HT-01/", web_form(catalog.birth), REMOTE_ADDR=next(addresses)).status_code
        == 302
    )


def test_desk_dossiers_do_not_count_against_the_phone(client, settings, personas, catalog, receive):
    settings.CITYDESK_DOSSIER_ONLINE_PHONE_LIMIT_PER_DAY = 1
    for _n in range(3):
        receive(applicant=Applicant(name="Ngô Thị Mai", phone="0903000111"), when=timezone.now())
    assert client.post("/ho-so/nop/HT-01/", web_form(catalog.birth)).status_code == 302


# --- 2. A fee is paid once; a closed dossier takes no payment ------------------------------------------


def _pay_page(client: Any, payment: Payment, outcome: str | None = None) -> Any:
    if outcome is None:
        return client.get(f"/ho-so/thanh-toan/{payment.reference}/")
    return client.post(f"/ho-so/thanh-toan/{payment.reference}/", {"outcome": outcome})


def _as_applicant(client: Any, dossier: Dossier) -> Any:
    """The applicant's browser: opened their private link (full access in the session)."""
    client.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": dossier.citizen_token})
    return client


def test_two_gateway_tabs_pay_the_fee_once(client, personas, catalog, receive):
    dossier = receive(catalog.land)
    first = payments.payment_start(dossier=dossier)
    second = payments.payment_start(dossier=dossier)  # “Pay the fee” in a second tab
    assert second.pk == first.pk and Payment.objects.count() == 1
    _as_applicant(client, dossier)
    assert 'data-testid="pay-once-hint"' in html(_pay_page(client, first))
    assert _pay_page(client, first, "paid").status_code == 302
    assert _pay_page(client, second, "paid").status_code == 302  # the other tab: the same payment, paid
    assert Payment.objects.filter(state=Payment.State.PAID).count() == 1
    assert DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.PAID).count() == 1


def test_a_second_pending_payment_through_another_gateway_cancels_the_first(
    monkeypatch, personas, catalog, receive
):
    class Bank:
        name = "bank-x"
        label = "Bank X"

        def checkout_url(self, payment: Payment) -> str:
            return f"https://bank.example/pay/{payment.reference}"

    monkeypatch.setattr(payments, "ADAPTERS", dict(payments.ADAPTERS))
    payments.register(Bank())
    dossier = receive(catalog.land)
    sandbox = payments.payment_start(dossier=dossier)
    bank = payments.payment_start(dossier=dossier, provider="bank-x")
    sandbox.refresh_from_db()
    assert (sandbox.state, bank.state) == (Payment.State.FAILED, Payment.State.PENDING)
    assert payments.payment_confirm(reference=sandbox.reference, outcome="paid").state == Payment.State.FAILED
    assert payments.payment_confirm(reference=bank.reference, outcome="paid").state == Payment.State.PAID


def test_a_pending_payment_is_not_confirmed_once_the_desk_recorded_the_fee(
    client, personas, catalog, receive
):
    dossier = receive(catalog.land)
    payment = payments.payment_start(dossier=dossier)
    payments.payment_record_at_desk(user=personas.officer, code=dossier.code, method="cash", receipt="0001")
    _as_applicant(client, dossier)
    page = _pay_page(client, payment)
    assert 'data-testid="pay-closed"' in html(page) and 'value="paid"' not in html(page)
    response = _pay_page(client, payment, "paid")
    assert response.status_code == 409 and 'data-testid="pay-error"' in html(response)
    with translation.override("vi"):
        assert _("The fee of dossier %(code)s is already paid.") % {"code": dossier.code} in html(response)
    payment.refresh_from_db()
    assert payment.state == Payment.State.FAILED and payment.paid_at is None
    with pytest.raises(Conflict):  # and again, through the service: still refused, nothing changes
        other = Payment.objects.create(
            dossier=dossier, provider="sandbox", amount=dossier.fee, reference="X-1"
        )
        payments.payment_confirm(reference=other.reference, outcome="paid")
    assert DossierEvent.objects.filter(dossier=dossier, kind=DossierEvent.Kind.PAID).count() == 1


@pytest.mark.parametrize("ending", ["withdraw", "refuse", "returned"])
def test_an_ended_dossier_takes_no_payment(personas, catalog, receive, ending):
    dossier = receive(catalog.land)
    payment = payments.payment_start(dossier=dossier)
    if ending == "withdraw":
        dossier_transition(user=None, code=dossier.code, action="withdraw", token=dossier.citizen_token)
    elif ending == "refuse":
        dossier_transition(user=personas.officer, code=dossier.code, action="refuse", note="Thiếu bản vẽ")
    else:  # its result handed over (as an older record could be, unpaid)
        Dossier.objects.filter(pk=dossier.pk).update(status=Status.RETURNED, current_step=None)
    dossier.refresh_from_db()
    assert not payments.needs_payment(dossier)
    with pytest.raises(Conflict) as exc:
        payments.payment_confirm(reference=payment.reference, outcome="paid")
    assert exc.value.field == "payment"
    with pytest.raises(Conflict):
        payments.payment_start(dossier=dossier)
    dossier.refresh_from_db()
    assert dossier.paid_at is None
    assert Payment.objects.get().state == Payment.State.FAILED


def test_cancelling_a_pending_payment_of_a_closed_dossier_is_no_conflict(personas, catalog, receive):
    dossier = receive(catalog.land)
    payment = payments.payment_start(dossier=dossier)
    dossier_transition(user=None, code=dossier.code, action="withdraw", token=dossier.citizen_token)
    assert (
        payments.payment_confirm(reference=payment.reference, outcome="failed").state == Payment.State.FAILED
    )


# --- 3. Only level 4 is paid online ---------------------------------------------------------------------


def test_a_level_3_fee_is_not_sent_to_the_gateway(client, personas, catalog):
    level_3 = make_procedure("HT-03", "Đăng ký kết hôn", level=ServiceLevel.LEVEL_3, fee=50_000)
    response = client.post("/ho-so/nop/HT-03/", web_form(level_3))
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ho-so/da-nop/{dossier.code}/"
    assert not Payment.objects.exists()
    assert "/thanh-toan/" not in html(client.get(response["Location"]))
    page = html(client.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": dossier.citizen_token}))
    assert "/thanh-toan/" not in page
    client.post(f"/ho-so/da-nop/{dossier.code}/thanh-toan/")
    assert not Payment.objects.exists()
    with pytest.raises(DomainError) as exc:
        payments.payment_start(dossier=dossier)
    assert exc.value.field == "payment" and not payments.pays_online(dossier)


# --- 4. The API's template link is the catalog's download --------------------------------------------


def test_the_api_template_url_downloads_the_form(client, personas, catalog):
    paper = catalog.birth.documents.get(position=1)
    paper.template.save("to-khai.docx", ContentFile(b"PK\x03\x04 a form"), save=True)
    documents = client.get("/api/v1/procedures/HT-01").json()["documents"]
    url = documents[0]["template_url"]
    assert url == "/thu-tuc/HT-01/mau/1/" and documents[1]["template_url"] is None
    assert client.get(url).status_code == 200


# --- 5. The printed receipt carries the applicant's private link ----------------------------------------


def test_the_receipt_carries_the_private_link_and_the_public_code(client, personas, catalog, receive):
    dossier = receive(applicant=Applicant(name="Lê Văn Tư"))  # no phone, no e-mail: the receipt is all
    private = f"/ho-so/tra-cuu/{dossier.code}/?t={dossier.citizen_token}"
    context = receipt_context(dossier, [])
    assert context["private_url"].endswith(private) and context["qr_svg"] == qr_svg(context["private_url"])
    page = receipt_html(dossier, [])
    assert private in page
    assert dossier.code in page and context["lookup_url"] in page
    # The link opens the dossier in full: its details and the withdrawal.
    opened = html(client.get(private))
    assert 'data-testid="personal"' in opened and f"/ho-so/tra-cuu/{dossier.code}/rut/" in opened


# --- 6. The API queue lists what the queue page lists --------------------------------------------------


def _finished(personas: Any, dossier: Dossier) -> Dossier:
    for action in ("forward", "forward"):
        dossier_transition(user=personas.officer, code=dossier.code, action=action)
    return dossier_transition(user=personas.head, code=dossier.code, action="finish", note="Giấy khai sinh")


def test_the_api_queue_lists_the_results_ready_as_the_page_does(client, bearer, personas, catalog, receive):
    ready = _finished(personas, receive())
    assert ready.status == Status.RESULT_READY
    working = receive()
    headers = bearer(personas.officer)
    queue = client.get("/api/v1/dossiers", **headers).json()
    codes = {i["code"] for i in queue["items"]}
    page = selectors.queue(selectors.working_units(personas.officer), selectors.QueueFilters())
    assert codes == set(page.values_list("code", flat=True)) == {ready.code, working.code}
    assert queue["count"] == 2
    item = next(i for i in queue["items"] if i["code"] == ready.code)
    assert item["step"] is None and item["status"] == "result_ready" and item["overdue"] is False
    only = client.get("/api/v1/dossiers", {"status": "result_ready"}, **headers).json()
    assert [i["code"] for i in only["items"]] == [ready.code] and only["count"] == 1
    at_step = client.get("/api/v1/dossiers", {"status": "received"}, **headers).json()
    assert [i["code"] for i in at_step["items"]] == [working.code]
    assert client.get("/api/v1/dossiers", {"overdue": "true"}, **headers).json()["count"] <= 1
    # Paged across both: the step first, then the result ready.
    pages = [client.get("/api/v1/dossiers", {"limit": 1, "offset": n}, **headers).json() for n in (0, 1, 2)]
    assert [[i["code"] for i in p["items"]] for p in pages] == [[working.code], [ready.code], []]
    wrong = client.get("/api/v1/dossiers", {"status": "lost"}, **headers)
    assert wrong.status_code == 400 and wrong.json()["field"] == "status"


def test_the_queue_says_what_the_desk_can_do_with_a_result_ready(client, bearer, personas, catalog, receive):
    land = receive(catalog.land)
    dossier_transition(user=personas.officer, code=land.code, action="forward")
    dossier_transition(user=catalog.department_officer, code=land.code, action="forward")
    dossier_transition(user=personas.leader, code=land.code, action="finish", note="Quyết định")
    item = client.get("/api/v1/dossiers", {"status": "result_ready"}, **bearer(personas.officer)).json()[
        "items"
    ][0]
    assert item["code"] == land.code and "record_payment" in item["allowed_actions"]
    assert "return_result" not in item["allowed_actions"]  # the fee is not recorded yet


# --- 7. The API documentation -------------------------------------------------------------------------


def _docs() -> str:
    """The documentation as one line: its code comments' continuation marks and line breaks gone."""
    return re.sub(r"\s+", " ", re.sub(r"\n#\s*", " ", DOCS.read_text()))


def test_the_docs_describe_record_payment_and_the_supplement_upload():
    docs = DOCS.read_text()
    for text in (
        "`record_payment`",
        "`payment_method`",
        "`receipt_number`",
        "| POST | `/dossiers/{code}/supplement` |",
    ):
        assert text in docs, text
    assert "`POST /dossiers/{code}/supplement`, a multipart form" in docs
    assert "`return_result` answers `409`" in docs
    assert "`status`" in docs and "result_ready" in docs and "`429`" in docs


def test_the_documented_409_texts_are_the_apis(client, bearer, personas, catalog, receive):
    """Every 409 text the docs show is what the API answers (in Vietnamese, for a dossier HS-26-000001)."""
    docs = _docs()
    code = "HS-26-000001"
    with translation.override("vi"):
        expected = [
            _(
                "Dossier %(code)s has changed since this page was opened (by a colleague, or in another tab). "
                "Reload it to see the change, then try again."
            )
            % {"code": code},
            _("Dossier %(code)s is “%(status)s”: “%(action)s” is not possible now.")
            % {
                "code": code,
                "status": Status(Status.RESULT_READY).label,
                "action": workflow.action_label("forward"),
            },
            _(
                "The fee of dossier %(code)s (%(fee)s) is not paid: record the payment before handing over "
                "the result."
            )
            % {"code": code, "fee": service_common.vnd(100_000)},
            _("The fee of dossier %(code)s is already paid.") % {"code": code},
            _("Dossier %(code)s is closed: nothing to pay.") % {"code": code},
        ]
    for text in expected:
        assert text in docs, text
    # …and the API says them so: a dossier moved since the version sent.
    land = receive(catalog.land)
    headers = bearer(personas.officer)
    dossier_transition(user=personas.officer, code=land.code, action="forward")
    overtaken = client.post(
        f"/api/v1/dossiers/{land.code}/actions",
        {"action": "forward", "version": 1},
        content_type="application/json",
        **headers,
    )
    assert overtaken.status_code == 409
    assert overtaken.json()["detail"] == expected[0].replace(code, land.code)


def test_a_private_link_with_a_non_ascii_key_is_refused_not_a_server_error(
    client, personas, catalog, receive
):
    dossier = receive()
    r = client.get(f"/ho-so/tra-cuu/{dossier.code}/", {"t": "khóa-sai"})
    assert r.status_code in (200, 403, 404) and dossier.citizen_token not in r.content.decode()


def test_the_procedures_api_searches_word_by_word_like_the_catalog(client, personas, catalog):
    def codes(q: str) -> list[str]:
        r = client.get("/api/v1/procedures", {"q": q})
        assert r.status_code == 200, r.content
        return [p["code"] for p in r.json()["items"]]

    assert catalog.birth.code in codes("đăng kí khai sinh")  # "kí" and "ký" alike
    assert catalog.birth.code in codes("làm giấy khai sinh")  # filler words need not match
    assert codes("khai sinh")[0] == catalog.birth.code
    assert codes("sinh khai") and not codes("khaisinh")  # whole words, in any order


def test_only_the_applicant_and_the_receiving_desk_that_day_print_the_private_link(
    client, personas, catalog, receive
):
    """The key opens the applicant's details, rating and withdrawal: a reprint by another officer (the
    head, a later day) carries the public lookup address only."""
    from django.test import RequestFactory

    from citydesk.dossiers.views.desk import _hands_over_the_key

    dossier = receive(applicant=Applicant(name="Lê Văn Tư"))  # received by personas.officer, now
    factory = RequestFactory()

    def hands_over(user: Any, access: str = "") -> bool:
        request = factory.get("/")
        request.user = user
        return _hands_over_the_key(request, dossier, access)

    Dossier.objects.filter(pk=dossier.pk).update(received_at=timezone.now())  # received today
    dossier.refresh_from_db()
    assert dossier.received_by == personas.officer
    assert hands_over(personas.officer) and hands_over(personas.citizen, access="full")
    assert not hands_over(personas.head)
    Dossier.objects.filter(pk=dossier.pk).update(received_at=timezone.now() - dt.timedelta(days=2))
    dossier.refresh_from_db()
    assert not hands_over(personas.officer)  # a reprint days later
    page = receipt_html(dossier, [], with_private=False)
    assert dossier.citizen_token not in page and f"/ho-so/tra-cuu/{dossier.code}/" in page
