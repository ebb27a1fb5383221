"""Online fee payment (level-4 procedures): a registry of payment adapters and the two payment services.

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
from citydesk.core.errors import Conflict, DomainError, NotFound
from citydesk.core.models import User
from citydesk.dossiers.models import Dossier, DossierEvent, Payment, Status
from citydesk.dossiers.services import common


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
                note=_("%(amount)s paid through %(provider)s (%(ref)s).")
                % {
                    "amount": vnd(payment.amount),
                    "provider": adapter_for(payment.provider).label,
                    "ref": payment.reference,
                },
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


def vnd(amount: int) -> str:
    """100000 → “100.000 đ” (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".") + " đ"
