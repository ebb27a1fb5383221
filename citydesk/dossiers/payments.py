"""Fee payment: online (level-4 procedures) through a registry of payment adapters and the two payment
services, or at the one-stop desk (`payment_record_at_desk`).

A real provider (a bank, the national payment platform) is an adapter registered here; the built-in one,
`SandboxAdapter` ("sandbox"), takes no money: its confirmation page only records the outcome. Whatever the
adapter, `payment_confirm` is the one place a payment becomes paid or failed — atomic and idempotent: a
provider calling back twice, or a citizen pressing twice, changes nothing the second time.

A fee is paid once per dossier, however many gateway tabs are open: `payment_start` hands back the pending
payment the dossier already has (same provider, same amount) rather than opening a second one, and
cancels any other; `payment_confirm` refuses (409) to mark a payment paid once the dossier's fee is paid
by another one, or the dossier has ended (`payment_refusal`). Only level-4 procedures are paid online: a
level-3 dossier's fee is paid at the desk (`pays_online`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.audit import Actor, audit_record
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


# The key of a checkout link handed to the applicant's app (`checkout_link`): it opens the sandbox
# gateway's page of that one payment, in a web view that has no session of the applicant's.
PAYMENT_TOKEN_SALT = "citydesk.dossiers.payment-link"
PAYMENT_LINK_HOURS = 24


def payment_token(payment: Payment) -> str:
    return signing.dumps(payment.reference, salt=PAYMENT_TOKEN_SALT)


def payment_token_valid(payment: Payment, token: str) -> bool:
    """Does `token` open the gateway page of `payment` (its key, not expired)?"""
    if not token:
        return False
    try:
        reference = signing.loads(token, salt=PAYMENT_TOKEN_SALT, max_age=PAYMENT_LINK_HOURS * 3600)
    except signing.BadSignature:  # also SignatureExpired
        return False
    return reference == payment.reference


def checkout_link(payment: Payment) -> str:
    """Where the applicant's app sends the payer to pay `payment`: the gateway's own page, as a real
    gateway answers it (an absolute address of its own). The built-in gateway's page is one of the
    platform's: given with the platform's public address and the key that opens it without a session."""
    url = adapter_for(payment.provider).checkout_url(payment)
    if url.startswith("/"):
        url = f"{settings.CITYDESK_PUBLIC_URL}{url}?{urlencode({'k': payment_token(payment)})}"
    return url


# Statuses in which nothing is paid any more: refused or withdrawn (no result to pay for), or the result
# handed over (“finished”). A dossier whose result is ready is still paid: it is handed over once it is.
CLOSED_STATUSES = (Status.REFUSED, Status.WITHDRAWN, Status.RETURNED)
ONLINE_LEVEL = (
    4  # the online service level whose fee is paid online (level 3: filed online, paid at the desk)
)


def needs_payment(dossier: Dossier) -> bool:
    return dossier.fee > 0 and dossier.paid_at is None and dossier.status not in CLOSED_STATUSES


def pays_online(dossier: Dossier) -> bool:
    """Is the dossier's fee paid through the gateway now: a level-4 procedure's fee, due and unpaid. A
    level-3 procedure is filed online but its fee is paid at the one-stop desk."""
    return dossier.procedure.service_level >= ONLINE_LEVEL and needs_payment(dossier)


def payment_refusal(dossier: Dossier) -> Conflict | None:
    """Why no payment of `dossier`'s fee may start or be confirmed now (a 409), or None: it is paid
    already, or the dossier ended."""
    if dossier.paid_at is not None:
        return Conflict(
            _("The fee of dossier %(code)s is already paid.") % {"code": dossier.code}, field="payment"
        )
    if dossier.status in CLOSED_STATUSES:
        return Conflict(
            _("Dossier %(code)s is closed: nothing to pay.") % {"code": dossier.code}, field="payment"
        )
    return None


def _snapshot(payment: Payment) -> dict[str, object]:
    return {
        "dossier": payment.dossier.code,
        "provider": payment.provider,
        "amount": payment.amount,
        "state": payment.state,
        "paid_at": payment.paid_at.isoformat() if payment.paid_at else None,
    }


def _cancel(payment: Payment, actor: Actor, reason: str, **extra: object) -> None:
    """A pending payment that will never be paid: failed (no money was taken through it), audited."""
    before = _snapshot(payment)
    payment.state = Payment.State.FAILED
    payment.save(update_fields=["state"])
    audit_record(
        actor=actor,
        action=f"payment.{Payment.State.FAILED}",
        object_type="payment",
        object_id=payment.reference,
        before=before,
        after={**_snapshot(payment), "reason": reason, **extra},
    )


@transaction.atomic
def payment_start(*, dossier: Dossier, user: User | None = None, provider: str = DEFAULT_PROVIDER) -> Payment:
    """The pending payment of the dossier's fee: the one already started through this provider for this
    amount (a second tab, or “Pay” pressed again, lands on the same payment, so the fee cannot be paid
    twice), else a new one with a unique reference; any other pending payment of the dossier (another
    provider, an older amount) is cancelled. Level-4 procedures only; 409 once paid or closed."""
    adapter = adapter_for(provider)
    locked = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure")
        .filter(pk=dossier.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("No dossier %(code)s.") % {"code": dossier.code}, field="code")
    if locked.fee <= 0:
        raise DomainError(_("Dossier %(code)s has no fee to pay.") % {"code": locked.code}, field="payment")
    refusal = payment_refusal(locked)
    if refusal is not None:
        raise refusal
    if locked.procedure.service_level < ONLINE_LEVEL:
        raise DomainError(
            _("The fee of dossier %(code)s is paid at the one-stop desk, not online.")
            % {"code": locked.code},
            field="payment",
        )
    actor = common.actor_for(user, locked.applicant_name)
    pending = list(
        Payment.objects.select_for_update().filter(dossier=locked, state=Payment.State.PENDING).order_by("pk")
    )
    reused = next((p for p in pending if p.provider == adapter.name and p.amount == locked.fee), None)
    for other in pending:
        if other is not reused:
            _cancel(other, actor, "replaced", replaced_by=reused.reference if reused else None)
    if reused is not None:
        return reused
    reference = f"{locked.code}-{secrets.token_hex(8).upper()}"
    payment = Payment.objects.create(
        dossier=locked,
        provider=adapter.name,
        amount=locked.fee,
        reference=reference,
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="payment.start",
        object_type="payment",
        object_id=payment.reference,
        after=_snapshot(payment),
    )
    return payment


def payment_confirm(*, reference: str, outcome: str, user: User | None = None) -> Payment:
    """Mark a pending payment paid (the dossier's fee is then paid) or failed. Idempotent: a payment
    already settled is answered as it is. Once the dossier's fee is paid (by another payment, at the desk)
    or the dossier ended, a pending payment is not paid: it is cancelled and the confirmation refused
    (409, field `payment`)."""
    if outcome not in (Payment.State.PAID, Payment.State.FAILED):
        raise DomainError(_("Unknown payment outcome “%(o)s”.") % {"o": outcome}, field="outcome")
    with transaction.atomic():  # the cancellation is kept; the refusal is raised after it is stored
        payment, refusal = _settle((reference or "").strip(), outcome, user)
    if refusal is not None:
        raise refusal
    return payment


def _settle(reference: str, outcome: str, user: User | None) -> tuple[Payment, Conflict | None]:
    found = Payment.objects.filter(reference=reference).values_list("dossier_id", flat=True).first()
    if found is None:
        raise NotFound(_("No payment %(ref)s.") % {"ref": reference}, field="reference")
    # The dossier first, then its payment: the order `payment_start` locks them in.
    dossier = Dossier.objects.select_for_update().get(pk=found)
    payment = Payment.objects.select_for_update(of=("self",)).get(reference=reference)
    payment.dossier = dossier
    if payment.state != Payment.State.PENDING:
        return payment, None  # already settled: a second confirmation changes nothing
    actor = common.actor_for(user, dossier.applicant_name)
    refusal = payment_refusal(dossier) if outcome == Payment.State.PAID else None
    if refusal is not None:
        _cancel(payment, actor, "refused", detail=refusal.message)
        return payment, refusal
    before = _snapshot(payment)
    now = timezone.now()
    payment.state = outcome
    if outcome == Payment.State.PAID:
        payment.paid_at = now
        payment.save(update_fields=["state", "paid_at"])
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
    return payment, None


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
    refusal = payment_refusal(dossier)
    if refusal is not None:
        raise refusal
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
