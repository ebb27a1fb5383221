"""Fee payment: online (level-4 procedures) through a registry of payment adapters and the two payment
services, or at the one-stop desk (`payment_record_at_desk`).

A real provider (a bank, the national payment platform) is an adapter registered here; the built-in one,
`SandboxAdapter` ("sandbox"), takes no money: its confirmation page only records the outcome. Whatever the
adapter, `payment_confirm` is the one place a payment becomes paid or failed — atomic and idempotent: a
provider calling back twice, or a citizen pressing twice, changes nothing the second time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.audit import audit_record
from citydesk.core.errors import Conflict, DomainError, NotAuthenticated, NotFound
from citydesk.core.models import User
from citydesk.core.powers import Power
from citydesk.core.services import authorize
from citydesk.dossiers.models import Dossier, DossierEvent, Payment, Status
from citydesk.dossiers.services import common
from citydesk.dossiers.system_notes import PAID_AT_DESK, PAID_ONLINE, system_note


class PaymentAdapter(Protocol):
    name: str
    label: str

    def checkout_url(self, payment: Payment) -> str:
        """Where the payer is sent to pay `payment`."""
        ...


@dataclass(frozen=True)
class SandboxAdapter:
    """Records a payment without taking money: for demonstrations, tests and training."""

    name: str = "sandbox"
    label: str = gettext_lazy("Sandbox payment gateway — no real money is taken")  # type: ignore[assignment]

    def checkout_url(self, payment: Payment) -> str:
        return reverse("dossiers:pay", args=[payment.reference])


ADAPTERS: dict[str, PaymentAdapter] = {}


def register(adapter: PaymentAdapter) -> PaymentAdapter:
    ADAPTERS[adapter.name] = adapter
    return adapter


register(SandboxAdapter())
DEFAULT_PROVIDER = "sandbox"


def adapter_for(name: str) -> PaymentAdapter:
    adapter = ADAPTERS.get(name)
    if adapter is None:
        raise DomainError(_("Unknown payment provider “%(p)s”.") % {"p": name}, field="provider")
    return adapter


def needs_payment(dossier: Dossier) -> bool:
    return (
        dossier.fee > 0
        and dossier.paid_at is None
        and dossier.status
        not in (
            Status.REFUSED,
            Status.WITHDRAWN,
        )
    )


def _snapshot(payment: Payment) -> dict[str, object]:
    return {
        "dossier": payment.dossier.code,
        "provider": payment.provider,
        "amount": payment.amount,
        "state": payment.state,
        "paid_at": payment.paid_at.isoformat() if payment.paid_at else None,
    }


@transaction.atomic
def payment_start(*, dossier: Dossier, user: User | None = None, provider: str = DEFAULT_PROVIDER) -> Payment:
    """Create a pending payment of the dossier's fee with a unique reference."""
    adapter = adapter_for(provider)
    locked = Dossier.objects.select_for_update().filter(pk=dossier.pk).first()
    if locked is None:
        raise NotFound(_("No dossier %(code)s.") % {"code": dossier.code}, field="code")
    if locked.fee <= 0:
        raise DomainError(_("Dossier %(code)s has no fee to pay.") % {"code": locked.code}, field="payment")
    if locked.paid_at is not None:
        raise Conflict(
            _("The fee of dossier %(code)s is already paid.") % {"code": locked.code}, field="payment"
        )
    if locked.status in (Status.REFUSED, Status.WITHDRAWN):
        raise Conflict(
            _("Dossier %(code)s is closed: nothing to pay.") % {"code": locked.code}, field="payment"
        )
    reference = f"{locked.code}-{secrets.token_hex(8).upper()}"
    payment = Payment.objects.create(
        dossier=locked,
        provider=adapter.name,
        amount=locked.fee,
        reference=reference,
        created_at=timezone.now(),
    )
    audit_record(
        actor=common.actor_for(user, locked.applicant_name),
        action="payment.start",
        object_type="payment",
        object_id=payment.reference,
        after=_snapshot(payment),
    )
    return payment


@transaction.atomic
def payment_confirm(*, reference: str, outcome: str, user: User | None = None) -> Payment:
    """Mark a pending payment paid (the dossier's fee is then paid) or failed. Idempotent."""
    if outcome not in (Payment.State.PAID, Payment.State.FAILED):
        raise DomainError(_("Unknown payment outcome “%(o)s”.") % {"o": outcome}, field="outcome")
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("dossier")
        .filter(reference=(reference or "").strip())
        .first()
    )
    if payment is None:
        raise NotFound(_("No payment %(ref)s.") % {"ref": reference}, field="reference")
    if payment.state != Payment.State.PENDING:
        return payment  # already settled: a second confirmation changes nothing
    dossier = Dossier.objects.select_for_update().get(pk=payment.dossier_id)
    actor = common.actor_for(user, dossier.applicant_name)
    before = _snapshot(payment)
    now = timezone.now()
    payment.state = outcome
    if outcome == Payment.State.PAID:
        payment.paid_at = now
        payment.save(update_fields=["state", "paid_at"])
        if dossier.paid_at is None:
            dossier.paid_at = now
            dossier.updated_at = now
            dossier.save(update_fields=["paid_at", "updated_at"])
            common.event(
                dossier,
                actor,
                DossierEvent.Kind.PAID,
                **system_note(
                    PAID_ONLINE, amount=payment.amount, provider=payment.provider, ref=payment.reference
                ),
            )
    else:
        payment.save(update_fields=["state"])
    audit_record(
        actor=actor,
        action=f"payment.{outcome}",
        object_type="payment",
        object_id=payment.reference,
        before=before,
        after=_snapshot(payment),
    )
    return payment


vnd = common.vnd  # 100000 → “100.000 đ”


# --- A fee paid at the one-stop desk ----------------------------------------------------------------

# How a fee is paid at the desk; the Payment's provider is "desk_<method>".
DESK_METHODS = {
    "cash": gettext_lazy("Cash at the desk"),
    "transfer": gettext_lazy("Bank transfer, checked at the desk"),
}
DESK_PREFIX = "desk_"
# The receipt (biên lai) number is kept in the payment's reference, after the dossier's code.
RECEIPT_LIMIT = common.column_limit(Payment, "reference") - common.column_limit(Dossier, "code") - 1


def provider_label(provider: str) -> str:
    """A payment's provider as people read it: a gateway's label, or how it was paid at the desk."""
    if provider.startswith(DESK_PREFIX) and provider[len(DESK_PREFIX) :] in DESK_METHODS:
        return str(DESK_METHODS[provider[len(DESK_PREFIX) :]])
    adapter = ADAPTERS.get(provider)
    return str(adapter.label) if adapter is not None else provider


def receipt_number(payment: Payment) -> str:
    """The desk receipt number of a payment recorded at the desk ("" for a gateway's payment)."""
    if not payment.provider.startswith(DESK_PREFIX):
        return ""
    return payment.reference.split("/", 1)[1] if "/" in payment.reference else ""


@transaction.atomic
def payment_record_at_desk(
    *,
    user: User | None,
    code: str,
    method: str,
    receipt: str,
    version: int | None = None,
) -> Payment:
    """Record the dossier's fee as paid at the desk (cash, or a transfer the desk checked), with the
    number of the receipt given to the applicant. Officers of the receiving unit; audited."""
    if user is None or not user.is_authenticated:
        raise NotAuthenticated(_("You must log in to do this."))
    dossier = common.locked(code)
    common.check_version(dossier, version)
    actor = authorize(user, Power.DOSSIER_RECEIVE, dossier.unit)
    if dossier.fee <= 0:
        raise DomainError(_("Dossier %(code)s has no fee to pay.") % {"code": dossier.code}, field="payment")
    if dossier.paid_at is not None:
        raise Conflict(
            _("The fee of dossier %(code)s is already paid.") % {"code": dossier.code}, field="payment"
        )
    if dossier.status in (Status.REFUSED, Status.WITHDRAWN):
        raise Conflict(
            _("Dossier %(code)s is closed: nothing to pay.") % {"code": dossier.code}, field="payment"
        )
    if method not in DESK_METHODS:
        raise DomainError(_("Choose how the fee was paid: cash or transfer."), field="payment_method")
    number = common.bounded(receipt, RECEIPT_LIMIT, "receipt_number")
    if not number:
        raise DomainError(_("Enter the number of the fee receipt."), field="receipt_number")
    now = timezone.now()
    before = common.snapshot(dossier)
    payment = Payment.objects.create(
        dossier=dossier,
        provider=f"{DESK_PREFIX}{method}",
        amount=dossier.fee,
        reference=f"{dossier.code}/{number}",
        state=Payment.State.PAID,
        created_at=now,
        paid_at=now,
    )
    dossier.paid_at = now
    dossier.version += 1
    dossier.updated_at = now
    dossier.save(update_fields=["paid_at", "version", "updated_at"])
    common.event(  # written out in each reader's language
        dossier,
        actor,
        DossierEvent.Kind.PAID,
        **system_note(PAID_AT_DESK, amount=payment.amount, method=method, receipt=number),
    )
    audit_record(
        actor=actor,
        action="dossier.record_payment",
        object_type="dossier",
        object_id=dossier.code,
        before={**before, "paid_at": None},
        after={
            **common.snapshot(dossier),
            "paid_at": now.isoformat(),
            "amount": payment.amount,
            "method": method,
            "receipt": number,
        },
    )
    return payment
