"""The desk: an officer opens a transaction for the kiosk beside them; the citizen rates it once there."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import Conflict, DomainError, NotAllowed, NotFound
from citydesk.core.models import AuditEntry, Membership, Organisation, User
from citydesk.core.powers import Power
from citydesk.core.selectors import descendant_ids
from citydesk.core.services import authorize
from citydesk.dossiers.models import Dossier, Procedure
from citydesk.ratings.models import Channel, DeskTransaction, Kiosk, Rating
from citydesk.ratings.services.common import (
    _HEX_NEXT,
    AlreadyRated,
    RateLimited,
    _address_of,
    check_kiosk_interval,
    check_level,
    clean_comment,
    month_count_add,
)
from citydesk.ratings.services.kiosks import (  # noqa: F401  (KIOSK_ID: re-exported, as before)
    KIOSK_ID,
    is_live,
    kiosk_problem,
    normalize_kiosk,
)
from citydesk.ratings.services.online import works_for

# Ratings by a transaction's code (no tablet) from one network address in an hour
# (CITYDESK_RATING_CODE_ADDRESS_LIMIT_PER_HOUR): a citizen rates a visit or two, not dozens; an officer
# who gives themselves the codes from their own phone is held back. Raise it for a desk hall whose
# visitors rate on its shared Wi-Fi.
CODE_ADDRESS_LIMIT_PER_HOUR = 20
KIOSK_WINDOW_MINUTES = 30  # a transaction can be rated for this long (CITYDESK_KIOSK_WINDOW_MINUTES)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed without doubt
CODE_LENGTH = 8
# What people put between the groups of a code read aloud or copied: spaces, hyphens and dashes, dots.
CODE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.·]+")


def kiosk_is_live(code: str) -> bool:
    """Whether kiosk `code` exists and its tablet is showing the kiosk page now."""
    kiosk = Kiosk.objects.filter(code=code).first()
    return kiosk is not None and is_live(kiosk)


def on_the_tablet() -> str:
    """The refusal of a rating by code of a visit opened for a kiosk (rated on that tablet only)."""
    return _("This visit is rated on the desk's tablet, not here.")


TRANSACTION_KINDS = {
    "receive": gettext_lazy("Receiving a dossier"),
    "return": gettext_lazy("Returning a result"),
    "supplement": gettext_lazy("Additional papers"),
    "advice": gettext_lazy("Advice and guidance"),
    "other": gettext_lazy("Other desk service"),
}


def kiosk_window() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "CITYDESK_KIOSK_WINDOW_MINUTES", KIOSK_WINDOW_MINUTES)))


def normalize_transaction_code(typed: str) -> str:
    """A transaction code as stored, from the way it was typed: “dzy3 3c89”, “DZY3-3C89” or a code in
    full-width letters all become “DZY33C89” (the separators go, the letters are capitals)."""
    text = unicodedata.normalize("NFKC", typed or "")
    return CODE_SEPARATORS.sub("", text).upper()


def code_address_limit_per_hour() -> int:
    return int(getattr(settings, "CITYDESK_RATING_CODE_ADDRESS_LIMIT_PER_HOUR", CODE_ADDRESS_LIMIT_PER_HOUR))


def check_code_address_limit(device: str, now: datetime) -> None:
    """At most N ratings by code an hour from one network address (whatever X-Device-Id it sends), counted
    on one range of the (device, created_at) index as the web and app limits are. A tablet's ratings (its
    device is the kiosk's code) are not counted: the one-per-transaction rule and its pace hold it."""
    prefix = _address_of(device or "")
    if prefix is None:
        return
    limit = code_address_limit_per_hour()
    recent = Rating.objects.filter(
        device__gte=prefix,
        device__lt=prefix[:-1] + _HEX_NEXT[prefix[-1]],
        created_at__gte=now - timedelta(hours=1),
        channel=Channel.KIOSK,
    ).count()
    if recent >= limit:
        raise RateLimited(
            _(
                "Too many desk ratings by code from this network address: at most %(n)s an hour. "
                "Please try again later."
            )
            % {"n": limit},
            field="device",
        )


def desk_staff(user: User, unit: Organisation) -> bool:
    """Is `user` staff of `unit`: an active member of it, of a unit above it or of a unit below it (its
    one-stop desk), or an active delegate there? Its staff do not rate its desk."""
    if works_for(user, unit):
        return True
    below = descendant_ids({unit.pk}) - {unit.pk}
    return (
        bool(below)
        and Membership.objects.filter(user=user, is_active=True, organisation_id__in=below).exists()
    )


def _rater(user: User | None, desk: DeskTransaction) -> Actor:
    """Who records a desk rating, for the audit trail: the signed-in user who rates by code (refused if
    they are the unit's staff), else the tablet or the anonymous citizen with the code."""
    if user is not None and user.is_authenticated:
        if user.pk == desk.officer_id:
            raise NotAllowed(
                _(
                    "You opened transaction %(code)s: you cannot rate it yourself. The citizen you served "
                    "rates it with its code, on their own phone."
                )
                % {"code": desk.code},
                field="transaction",
            )
        if desk_staff(user, desk.unit):
            raise NotAllowed(
                _(
                    "You work for %(unit)s: its staff do not rate its desk. The citizen served rates "
                    "transaction %(code)s with its code, on their own phone."
                )
                % {"unit": desk.unit.name, "code": desk.code},
                field="transaction",
            )
        return Actor(user_id=user.pk, label=user.full_name or user.username, right=AuditEntry.Right.OWN)
    return Actor(
        user_id=None, label=f"kiosk {desk.kiosk}" if desk.kiosk else "kiosk", right=AuditEntry.Right.SYSTEM
    )


def _new_code() -> str:
    for _attempt in range(20):
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        if not DeskTransaction.objects.filter(code=code).exists():
            return code
    raise RuntimeError("no free transaction code after 20 attempts")  # 32^8 codes: never in practice


def _related(unit: Organisation, other: Organisation) -> bool:
    return other.pk in unit.ancestor_ids() or unit.pk in other.ancestor_ids()


def dossier_problem(unit: Organisation, dossier: Dossier, procedure: Procedure | None) -> DomainError | None:
    """Why `dossier` cannot be named in a transaction of `unit` about `procedure` (None if it can): it
    belongs to another unit, or it is a dossier of another procedure (its rating would count there)."""
    if not _related(unit, dossier.unit):
        return DomainError(
            _("Dossier %(code)s belongs to another unit.") % {"code": dossier.code}, field="dossier"
        )
    if procedure is not None and procedure.pk != dossier.procedure_id:
        return DomainError(
            _(
                "Dossier %(code)s is a dossier of procedure %(own)s, not %(other)s: leave the procedure "
                "empty, or give the dossier's own."
            )
            % {"code": dossier.code, "own": dossier.procedure.code, "other": procedure.code},
            field="procedure",
        )
    return None


@dataclass
class DeskInputs:
    """A desk transaction's inputs as typed, looked up, with every problem found (not the first only)."""

    unit: Organisation | None = None
    dossier: Dossier | None = None
    procedure: Procedure | None = None
    kiosk: str = ""
    problems: list[DomainError] = field(default_factory=list)


def desk_inputs(
    *, unit_code: str, dossier_code: str = "", procedure_code: str = "", kiosk: str = ""
) -> DeskInputs:
    """Look up what an officer typed to open a transaction, and say every problem at once: an unknown
    unit, dossier or procedure, a bad kiosk id or one that is not a paired kiosk of the unit, a dossier
    of another unit or procedure. The service
    checks them again (and the officer's power) when the transaction is opened."""
    found = DeskInputs()
    try:
        found.kiosk = normalize_kiosk(kiosk)
    except DomainError as exc:
        found.problems.append(exc)
    found.unit = Organisation.objects.filter(code=(unit_code or "").strip()).first()
    if found.unit is None:
        found.problems.append(DomainError(_("Choose your unit."), field="unit"))
    code = (dossier_code or "").strip().upper()
    if code:
        found.dossier = Dossier.objects.select_related("procedure", "unit").filter(code=code).first()
        if found.dossier is None:
            found.problems.append(DomainError(_("No dossier %(code)s.") % {"code": code}, field="dossier"))
    typed = (procedure_code or "").strip()
    if typed:
        found.procedure = Procedure.objects.filter(code=typed).first()
        if found.procedure is None:
            found.problems.append(
                DomainError(_("Unknown procedure code “%(c)s”.") % {"c": typed}, field="procedure")
            )
    if found.unit is not None and found.dossier is not None:
        problem = dossier_problem(found.unit, found.dossier, found.procedure)
        if problem is not None:
            found.problems.append(problem)
    if found.unit is not None and found.kiosk:
        problem = kiosk_problem(found.unit, found.kiosk)
        if problem is not None:
            found.problems.append(problem)
    return found


@transaction.atomic
def desk_transaction_open(
    *,
    user: User,
    unit: Organisation,
    dossier: Dossier | None = None,
    procedure: Procedure | None = None,
    kind: str = "receive",
    kiosk: str = "",
) -> DeskTransaction:
    """Open a desk transaction that the citizen can rate once, at `kiosk`, for a limited time.

    `kiosk` is empty (no tablet: the citizen rates with the transaction's code) or a paired, active kiosk
    of `unit` (the desk pages offer and accept only a live one: `kiosk_problem`; a transaction of a kiosk
    whose tablet is not live is rated by its code). Any earlier transaction still waiting at the same kiosk is closed: the kiosk rates the
    citizen in front of it, never the one before."""
    actor = authorize(user, Power.DOSSIER_RECEIVE, unit)
    if kind not in TRANSACTION_KINDS:
        raise DomainError(
            _("Unknown transaction kind “%(k)s”; choose one of: %(kinds)s.")
            % {"k": kind, "kinds": ", ".join(TRANSACTION_KINDS)},
            field="kind",
        )
    kiosk = normalize_kiosk(kiosk)
    if kiosk:
        problem = kiosk_problem(unit, kiosk, live=False)  # the desk pages asked for a live one
        if problem is not None:
            raise problem
    if dossier is not None:
        problem = dossier_problem(unit, dossier, procedure)
        if problem is not None:
            raise problem
        procedure = dossier.procedure  # a dossier's transaction counts for the dossier's own procedure
    now = timezone.now()
    if kiosk:
        DeskTransaction.objects.filter(kiosk=kiosk, expires_at__gt=now, rating__isnull=True).update(
            expires_at=now
        )
    desk = DeskTransaction.objects.create(
        code=_new_code(),
        unit=unit,
        officer=user,
        dossier=dossier,
        procedure=procedure,
        kind=kind,
        kiosk=kiosk,
        created_at=now,
        expires_at=now + kiosk_window(),
    )
    audit_record(
        actor=actor,
        action="desk_transaction.open",
        object_type="desk_transaction",
        object_id=desk.code,
        after={
            "unit": unit.code,
            "kind": kind,
            "kiosk": kiosk,
            "dossier": dossier.code if dossier else None,
            "procedure": procedure.code if procedure else None,
            "expires_at": desk.expires_at.isoformat(),
        },
    )
    return desk


def waiting_transaction(kiosk: str) -> DeskTransaction | None:
    """The newest transaction of a kiosk still open for rating (not expired, not rated), if any."""
    if not kiosk:
        return None
    return (
        DeskTransaction.objects.filter(kiosk=kiosk, expires_at__gt=timezone.now(), rating__isnull=True)
        .select_related("officer", "unit", "procedure", "dossier")
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def rating_submit_kiosk(
    *,
    transaction_code: str,
    level: str,
    comment: str = "",
    device: str = "",
    kiosk: str | None = None,
    user: User | None = None,
) -> Rating:
    """The citizen at the desk rates the officer and the desk: once per transaction, before it expires
    (or the next citizen is served at its kiosk).

    `kiosk` is the code of the paired tablet the rating comes from (the caller checked the tablet's
    secret): it must be the transaction's kiosk, still active and of the transaction's unit. Without it
    (a rating by the transaction's code) a transaction opened for a kiosk is refused while that tablet is
    live (it is rated there); once the tablet is not seen any more, the code rates it. By code, `user` is
    the signed-in user, if any: the unit's own staff (above all the transaction's officer) may not rate
    it (403), anyone else is named in the audit trail; and one address rates at most
    `code_address_limit_per_hour()` visits an hour. Only a paired tablet is held to one rating every
    `kiosk_min_interval()` seconds."""
    code = normalize_transaction_code(transaction_code)
    if not code:
        raise DomainError(_("The transaction code is missing."), field="transaction")
    desk = (
        DeskTransaction.objects.select_for_update(of=("self",))
        .filter(code=code)
        .select_related("unit", "dossier")
        .first()
    )
    if desk is None or (kiosk is not None and desk.kiosk != kiosk):
        raise NotFound(_("No desk transaction “%(code)s”.") % {"code": code}, field="transaction")
    if kiosk is None and desk.kiosk and kiosk_is_live(desk.kiosk):
        # Its tablet shows the code: rated there only. A tablet that is off, asleep or was never opened
        # shows nothing, and the citizen rates with the code the officer gives them.
        raise NotAllowed(on_the_tablet(), field="kiosk")
    if (
        kiosk is not None
        and not Kiosk.objects.filter(code=kiosk, unit_id=desk.unit_id, is_active=True).exists()
    ):
        raise NotAllowed(
            _("This device is not paired with desk %(kiosk)s.") % {"kiosk": kiosk}, field="kiosk"
        )
    actor = _rater(user if kiosk is None else None, desk)
    level = check_level(level)
    comment = clean_comment(comment)
    now = timezone.now()
    if Rating.objects.filter(transaction=desk).exists():
        raise AlreadyRated(_("This transaction has already been rated. Thank you."), field="transaction")
    if desk.expires_at <= now:
        raise Conflict(
            _("This transaction can no longer be rated: its time is over or the next citizen is served."),
            field="transaction",
        )
    device = (device or desk.kiosk or "")[:64]
    if kiosk is not None:
        # A paired tablet records one rating every few seconds at most (a finger drumming on its buttons).
        # Not a rating by code: its device is the network address, which citizens on one Wi-Fi share; the
        # one rating per transaction and the hourly limit per address hold those.
        check_kiosk_interval(device, now)
    else:
        check_code_address_limit(device, now)
    rating = Rating(
        channel=Channel.KIOSK,
        level=level,
        comment=comment,
        unit=desk.unit,
        officer=desk.officer,
        # A dossier's rating counts for its own procedure, whatever the transaction said.
        procedure_id=desk.dossier.procedure_id if desk.dossier is not None else desk.procedure_id,
        dossier=desk.dossier,
        transaction=desk,
        device=device,
        created_at=now,
    )
    try:
        with transaction.atomic():
            rating.save(force_insert=True)
    except IntegrityError:  # a simultaneous tap on a second tablet
        raise AlreadyRated(
            _("This transaction has already been rated. Thank you."), field="transaction"
        ) from None
    month_count_add(rating)
    audit_record(
        actor=actor,
        action="rating.submit",
        object_type="rating",
        object_id=rating.pk,
        after={"channel": rating.channel, "level": level, "unit": desk.unit.code, "transaction": desk.code},
    )
    return rating
