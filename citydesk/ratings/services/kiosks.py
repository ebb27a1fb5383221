"""Kiosk devices: a tablet is paired with a desk of a unit by an officer signed in on it, and from then on
only that tablet (holding the secret given at pairing) opens the kiosk page and records ratings there.

A kiosk code is registered (a new code, or a kiosk moved to another unit) only by the head of the unit (or
of a unit above it: a city's leader) or an administrator; a one-stop desk officer pairs a tablet only as a
kiosk already registered for their unit. Every pairing is audited, and the unit's head is told in-app."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import DomainError, NotAllowed
from citydesk.core.models import Membership, Organisation, User
from citydesk.core.powers import ROLE_POWERS, Power, Role
from citydesk.core.selectors import descendant_ids
from citydesk.core.services import authorize
from citydesk.lib.text import nfc, sort_key
from citydesk.ratings.models import DeskTransaction, Kiosk

KIOSK_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SEEN_EVERY_SECONDS = 60  # last_seen_at is written at most this often (the tablet polls every few seconds)
# A kiosk is live when its tablet was seen this recently: five of the minute-long steps in which its
# polling (every 3 seconds) notes it, so a missed write or a short network cut does not take it off the
# desk's list, while a tablet that is off, asleep or showing another page drops off within minutes.
LIVE_SECONDS = 5 * SEEN_EVERY_SECONDS
LABEL_MAX = 100
# The roles that register a new kiosk code for a unit (in it or in a unit above it), besides administrators:
# its head, and a city's leader. A desk officer or a deputy pairs only a kiosk already registered (a kiosk
# code is a desk of the unit: whoever makes one can open visits for it and rate them on their own phone).
REGISTER_ROLES = (Role.HEAD, Role.LEADER)


def normalize_kiosk(kiosk: str) -> str:
    """A kiosk code as stored: 1–64 letters, digits, dots, dashes or underscores ("" stays "")."""
    kiosk = (kiosk or "").strip()
    if kiosk and not KIOSK_ID.match(kiosk):
        raise DomainError(
            _("A kiosk id has 1–64 letters, digits, dots, dashes or underscores (e.g. “BT-QUAY-1”)."),
            field="kiosk",
        )
    return kiosk


def secret_hash(secret: str) -> str:
    """What is stored of a device secret: its SHA-256 (the secret is random, 256 bits: no slow hash needed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def is_administrator(user: User) -> bool:
    """A superuser or a system administrator (an active membership with the administrator role)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        bool(user.is_superuser)
        or Membership.objects.filter(user=user, is_active=True, role=Role.ADMIN).exists()
    )


def desk_units(user: User) -> list[Organisation]:
    """The active units where `user` holds the desk's receiving power through a role of their own."""
    if not user.is_authenticated or not user.is_active:
        return []
    memberships = Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
    units = {
        m.organisation.pk: m.organisation
        for m in memberships.select_related("organisation")
        if Power.DOSSIER_RECEIVE in ROLE_POWERS.get(m.role, frozenset())
    }
    return sorted(units.values(), key=lambda unit: sort_key(unit.name))


def _may_pair_for(user: User, unit: Organisation) -> Actor | None:
    """The actor pairing a kiosk of `unit` (a desk officer or head of it, or an administrator), or None."""
    try:
        return authorize(user, Power.DOSSIER_RECEIVE, unit)
    except NotAllowed:
        if is_administrator(user):
            return Actor(user_id=user.pk, label=user.full_name or user.username)
        return None


def _may_register_for(user: User, unit: Organisation) -> Actor | None:
    """The actor registering a kiosk for `unit` (a new code, or a kiosk moved there): its head or a head
    or leader of a unit above it, in their own right, or an administrator; else None."""
    if not user.is_authenticated or not user.is_active:
        return None
    label = user.full_name or user.username
    if Membership.objects.filter(
        user=user, is_active=True, role__in=REGISTER_ROLES, organisation_id__in=unit.ancestor_ids()
    ).exists() or is_administrator(user):
        return Actor(user_id=user.pk, label=label)
    return None


def register_units(user: User) -> list[Organisation]:
    """The active units `user` may register a new kiosk for, by name: every unit for an administrator, else
    those where they are head (or leader) and the units below them (a ward's one-stop desk, the wards of a
    city), as `_may_register_for` allows."""
    if not user.is_authenticated or not user.is_active:
        return []
    if is_administrator(user):
        units = list(Organisation.objects.filter(is_active=True))
    else:
        own = Membership.objects.filter(
            user=user, is_active=True, role__in=REGISTER_ROLES, organisation__is_active=True
        ).values_list("organisation_id", flat=True)
        units = list(Organisation.objects.filter(is_active=True, pk__in=descendant_ids(own)))
    return sorted(units, key=lambda unit: sort_key(unit.name))


def _not_yours(kiosk: Kiosk) -> NotAllowed:
    return NotAllowed(
        _(
            "Kiosk %(kiosk)s belongs to %(unit)s: only a one-stop desk officer of that unit, its head or an "
            "administrator can pair a tablet as this kiosk."
        )
        % {"kiosk": kiosk.code, "unit": kiosk.unit.name},
        field="kiosk",
    )


def who_registers() -> str:
    return _(
        "Only the head of the unit (or a leader above it) or an administrator registers a new desk tablet: "
        "they sign in on the tablet and open this same link."
    )


def _not_registered(code: str, units: list[Organisation]) -> NotAllowed:
    """A desk officer (or deputy) opening the pairing link of a kiosk code no unit has: who registers one,
    and the kiosks already registered for their units (the code may be mistyped)."""
    known = list(Kiosk.objects.filter(unit__in=units).order_by("code").values_list("code", flat=True)[:10])
    said = [_("Kiosk %(kiosk)s is not registered for any unit.") % {"kiosk": code}, who_registers()]
    if known:
        said.append(
            _("You can pair a tablet as a kiosk already registered for your unit: %(kiosks)s.")
            % {"kiosks": ", ".join(known)}
        )
    return NotAllowed(" ".join(said), field="kiosk")


def _not_registrar(kiosk: Kiosk | None, code: str, unit: Organisation) -> NotAllowed:
    """Pairing refused because it would register kiosk `code` for `unit` (a new code, or a move)."""
    if kiosk is None:
        said = _("Kiosk %(kiosk)s is not registered for any unit.") % {"kiosk": code}
    else:
        said = _(
            "Kiosk %(kiosk)s is registered for %(current)s: pairing it for %(unit)s would move it there."
        ) % {"kiosk": code, "current": kiosk.unit.name, "unit": unit.name}
    return NotAllowed(f"{said} {who_registers()}", field="kiosk" if kiosk is None else "unit")


@dataclass
class PairChoice:
    """What the pairing page offers `user` for one kiosk code: the units and the kiosk as it is now."""

    code: str
    units: list[Organisation] = field(default_factory=list)
    kiosk: Kiosk | None = None


def kiosk_pair_choice(*, user: User, code: str) -> PairChoice:
    """The units `user` may pair the kiosk `code` with; NotAllowed when they may pair none: the kiosk
    belongs to a unit they do not work for (an officer of another unit never takes it over), or it is not
    registered and they may not register it (only a unit's head, a leader or an administrator do).

    A registered kiosk is paired again for its own unit (its head, a leader or an administrator may also
    move it to a unit they may register kiosks for); a new code is offered the units where `user` may
    register one."""
    code = normalize_kiosk(code)
    admin = is_administrator(user)
    units = desk_units(user)
    if not units and not admin:
        raise NotAllowed(
            _(
                "Only one-stop desk officers, the head of their unit or an administrator pair a tablet as a kiosk."
            )
        )
    kiosk = Kiosk.objects.select_related("unit", "paired_by").filter(code=code).first()
    if kiosk is not None and _may_pair_for(user, kiosk.unit) is None:
        raise _not_yours(kiosk)
    registrable = register_units(user)
    if kiosk is None:
        if not registrable:
            raise _not_registered(code, units)
        return PairChoice(code=code, units=registrable, kiosk=None)
    offered = [kiosk.unit] + [unit for unit in registrable if unit.pk != kiosk.unit_id]
    return PairChoice(code=code, units=offered, kiosk=kiosk)


@dataclass
class Pairing:
    kiosk: Kiosk
    secret: str  # given once to the tablet (in its cookie); never stored


def _close_waiting(code: str, now: datetime) -> None:
    """The transactions still waiting at a kiosk can no longer be rated there."""
    DeskTransaction.objects.filter(kiosk=code, expires_at__gt=now, rating__isnull=True).update(expires_at=now)


def _snapshot(kiosk: Kiosk) -> dict[str, object]:
    return {
        "unit": kiosk.unit.code,
        "label": kiosk.label,
        "active": kiosk.is_active,
        "paired_at": kiosk.paired_at.isoformat() if kiosk.paired_at else None,
    }


def _clean_label(label: str) -> str:
    label = nfc(label or "").strip()
    if "\x00" in label:
        raise DomainError(_("Null characters are not allowed."), field="label")
    if len(label) > LABEL_MAX:
        raise DomainError(
            _("Too long: at most %(n)s characters (got %(got)s).") % {"n": LABEL_MAX, "got": len(label)},
            field="label",
        )
    return label


def _pair(*, actor: Actor, user: User | None, code: str, unit: Organisation, label: str) -> Pairing:
    now = timezone.now()
    kiosk = Kiosk.objects.select_for_update().select_related("unit").filter(code=code).first()
    before = _snapshot(kiosk) if kiosk is not None else None
    if kiosk is None:
        kiosk = Kiosk(code=code, unit=unit)
    elif kiosk.unit_id != unit.pk:
        _close_waiting(code, now)  # the transactions of the unit it leaves
        kiosk.unit = unit
    secret = secrets.token_urlsafe(32)
    kiosk.label = label
    kiosk.secret_hash = secret_hash(secret)  # a new secret: the tablet paired before stops working
    kiosk.paired_at = now
    kiosk.paired_by = user
    kiosk.last_seen_at = None
    kiosk.is_active = True
    kiosk.save()
    audit_record(
        actor=actor,
        action="kiosk.pair",
        object_type="kiosk",
        object_id=kiosk.code,
        before=before,
        after=_snapshot(kiosk),
    )
    return Pairing(kiosk=kiosk, secret=secret)


def unit_heads(unit: Organisation) -> list[User]:
    """The active heads of `unit`, or, when it has none (a one-stop desk below a ward), of the nearest unit
    above it that has one."""
    ids = unit.ancestor_ids()
    rows = list(
        Membership.objects.filter(
            organisation_id__in=ids, role=Role.HEAD, is_active=True, user__is_active=True
        ).values_list("organisation_id", "user_id")
    )
    for org_id in ids:
        people = sorted({user_id for org, user_id in rows if org == org_id})
        if people:
            return list(User.objects.filter(pk__in=people).order_by("pk"))
    return []


def heads_told(
    kiosk: Kiosk,
    *,
    by: User,
    previous_unit: Organisation | None = None,
    new: bool = False,
) -> int:
    """Tell the heads of the kiosk's unit (and of the unit it left) in-app who paired a tablet as which
    kiosk, when, and the tablet's label; not the head who did it. Returns how many were told."""
    from citydesk.notifications.models import Channel as NotificationChannel
    from citydesk.notifications.services import message_language, notification_queue

    people = unit_heads(kiosk.unit)
    if previous_unit is not None and previous_unit.pk != kiosk.unit_id:
        people += [p for p in unit_heads(previous_unit) if all(p.pk != q.pk for q in people)]
    sent = 0
    for person in people:
        if person.pk == by.pk:
            continue
        with translation.override(message_language(person)):
            subject, body = _pairing_message(kiosk, by=by, previous_unit=previous_unit, new=new)
        notification_queue(channel=NotificationChannel.IN_APP, recipient=person, subject=subject, body=body)
        sent += 1
    return sent


def _pairing_message(
    kiosk: Kiosk, *, by: User, previous_unit: Organisation | None, new: bool
) -> tuple[str, str]:
    values = {
        "kiosk": kiosk.code,
        "unit": kiosk.unit.name,
        "who": f"{by.full_name or by.username} ({by.username})",
        "at": timezone.localtime(kiosk.paired_at).strftime("%d/%m/%Y %H:%M"),
        "label": kiosk.label or _("no label"),
        "previous": previous_unit.name if previous_unit is not None else "",
    }
    subject = _("A tablet was paired as kiosk %(kiosk)s") % values
    if new:
        what = _(
            "%(who)s registered the new kiosk %(kiosk)s for %(unit)s and paired a tablet as it on %(at)s "
            "(label: %(label)s)."
        )
    elif previous_unit is not None and previous_unit.pk != kiosk.unit_id:
        what = _(
            "%(who)s moved kiosk %(kiosk)s from %(previous)s to %(unit)s and paired a tablet as it on %(at)s "
            "(label: %(label)s)."
        )
    else:
        what = _(
            "%(who)s paired a tablet again as kiosk %(kiosk)s of %(unit)s on %(at)s (label: %(label)s). "
            "The tablet paired before as this kiosk stopped working."
        )
    lines = [what % values]
    lines.append(
        _(
            "Only the paired tablet records ratings as this kiosk. If you did not expect this pairing, "
            "unpair the kiosk in the back office (Rating kiosks) and ask who paired it."
        )
    )
    return subject, "\n".join(lines)


@transaction.atomic
def kiosk_pair(*, user: User, code: str, unit: Organisation, label: str = "") -> Pairing:
    """Pair the tablet in front of `user` as kiosk `code` of `unit` (or pair it again: a new secret, the
    tablet paired before stops working). Returns the secret, to be given to the tablet only.

    A desk officer of the kiosk's unit pairs a registered kiosk again; registering a new code, or moving a
    kiosk to another unit, takes the head of `unit` (or a leader above it) or an administrator. The unit's
    head is told (in-app) unless they paired it themselves."""
    code = normalize_kiosk(code)
    if not code:
        raise DomainError(_("The kiosk code is missing."), field="kiosk")
    label = _clean_label(label)
    current = Kiosk.objects.select_related("unit").filter(code=code).first()
    if current is not None and _may_pair_for(user, current.unit) is None:
        raise _not_yours(current)
    if current is None or current.unit_id != unit.pk:
        actor = _may_register_for(user, unit)
        if actor is None and _may_pair_for(user, unit) is not None:
            raise _not_registrar(current, code, unit)
    else:
        actor = _may_pair_for(user, unit)
    if actor is None:
        if not user.is_authenticated:
            raise NotAllowed(_("You must log in to do this."))
        raise NotAllowed(
            _("You cannot pair a kiosk of %(unit)s: you are not a one-stop desk officer there.")
            % {"unit": unit.name},
            field="unit",
        )
    before = current.unit if current is not None else None
    pairing = _pair(actor=actor, user=user, code=code, unit=unit, label=label)
    heads_told(pairing.kiosk, by=user, previous_unit=before, new=current is None)
    return pairing


@transaction.atomic
def kiosk_register(*, actor: Actor, code: str, unit: Organisation, label: str = "") -> Pairing:
    """Pair a kiosk without a tablet in front (the demo, a command): its secret is returned once, and a
    desk officer pairs a real tablet as this kiosk later (which replaces the secret)."""
    code = normalize_kiosk(code)
    if not code:
        raise DomainError(_("The kiosk code is missing."), field="kiosk")
    return _pair(actor=actor, user=None, code=code, unit=unit, label=_clean_label(label))


@transaction.atomic
def kiosk_unpair(*, actor: Actor, kiosk: Kiosk) -> Kiosk:
    """Revoke a kiosk: its tablet stops working at once, its waiting transaction can no longer be rated.
    It keeps its code and unit; a desk officer of the unit pairs a tablet again when needed."""
    kiosk = Kiosk.objects.select_for_update().select_related("unit").get(pk=kiosk.pk)
    before = _snapshot(kiosk)
    kiosk.is_active = False
    kiosk.secret_hash = ""
    kiosk.save(update_fields=["is_active", "secret_hash"])
    _close_waiting(kiosk.code, timezone.now())
    audit_record(
        actor=actor,
        action="kiosk.unpair",
        object_type="kiosk",
        object_id=kiosk.code,
        before=before,
        after=_snapshot(kiosk),
    )
    return kiosk


def kiosk_authenticate(*, code: str, secret: str) -> Kiosk | None:
    """The active kiosk `code` if `secret` is its device secret, else None (compared as hashes, in
    constant time)."""
    given = secret_hash(secret) if secret else ""
    kiosk = Kiosk.objects.select_related("unit").filter(code=code, is_active=True).first()
    if kiosk is None or not kiosk.secret_hash or not given:
        return None
    if not hmac.compare_digest(kiosk.secret_hash.encode(), given.encode()):
        return None
    return kiosk


def kiosk_seen(kiosk: Kiosk, *, now: datetime | None = None) -> None:
    """Note that the kiosk's tablet is alive: one write a minute at most, not one per poll."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=SEEN_EVERY_SECONDS)
    if kiosk.last_seen_at is not None and kiosk.last_seen_at >= stale:
        return
    Kiosk.objects.filter(pk=kiosk.pk).filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=stale)).update(
        last_seen_at=now
    )
    kiosk.last_seen_at = now


def live_since(now: datetime | None = None) -> datetime:
    """Kiosks seen at or after this moment are live (their tablet shows the kiosk page)."""
    return (now or timezone.now()) - timedelta(seconds=LIVE_SECONDS)


def is_live(kiosk: Kiosk, now: datetime | None = None) -> bool:
    """Whether the kiosk's tablet is showing the kiosk page now: seen within LIVE_SECONDS, or paired within
    them and not seen since (pairing sends the tablet to the kiosk page at once: its first poll follows)."""
    if not kiosk.is_active:
        return False
    since = live_since(now)
    if kiosk.last_seen_at is not None:
        return kiosk.last_seen_at >= since
    return kiosk.paired_at is not None and kiosk.paired_at >= since


def live_minutes() -> int:
    return LIVE_SECONDS // 60


def not_live_message(kiosk: Kiosk) -> str:
    """Why a transaction is not opened for a kiosk whose tablet is not showing it."""
    if kiosk.last_seen_at is None:
        said = _("No tablet has opened kiosk %(kiosk)s yet.")
    else:
        said = _(
            "The tablet of kiosk %(kiosk)s has not been seen for more than %(n)s minutes (last seen %(at)s)."
        )
    said %= {
        "kiosk": kiosk.code,
        "n": live_minutes(),
        "at": timezone.localtime(kiosk.last_seen_at).strftime("%d/%m/%Y %H:%M") if kiosk.last_seen_at else "",
    }
    return " ".join(
        [
            said,
            _(
                "Turn the tablet on and open the kiosk page on it (%(path)s; pair it first if it was never "
                "paired: %(pair)s), or choose no kiosk: the citizen then rates with the transaction code."
            )
            % {"path": kiosk_path(kiosk.code), "pair": pair_path(kiosk.code)},
        ]
    )


def kiosk_problem(
    unit: Organisation, code: str, *, live: bool = True, now: datetime | None = None
) -> DomainError | None:
    """Why a desk transaction of `unit` cannot be opened for kiosk `code` (None if it can): no tablet is
    paired as that kiosk, it was unpaired, it is a kiosk of another unit, or — with `live`, as the desk
    pages ask (the ratings desk, the dossier desk) — its tablet is not showing the kiosk page (never opened
    there, or not seen for LIVE_SECONDS: nobody could rate on it). The service itself opens a transaction
    for any paired kiosk of the unit (`live=False`); one whose tablet is not live is rated by its code."""
    kiosk = Kiosk.objects.select_related("unit").filter(code=code).first()
    if kiosk is None:
        return DomainError(
            _(
                "No kiosk %(kiosk)s is registered. The head of the unit or an administrator registers it: "
                "they sign in on the tablet and open %(path)s. Or leave the kiosk empty (the citizen rates "
                "with the transaction code)."
            )
            % {"kiosk": code, "path": pair_path(code)},
            field="kiosk",
        )
    if not kiosk.is_active:
        return DomainError(
            _(
                "Kiosk %(kiosk)s has been unpaired. Pair its tablet again (open %(path)s on it) or choose another."
            )
            % {"kiosk": code, "path": pair_path(code)},
            field="kiosk",
        )
    if kiosk.unit_id != unit.pk:
        return DomainError(
            _("Kiosk %(kiosk)s is a kiosk of %(other)s, not of %(unit)s.")
            % {"kiosk": code, "other": kiosk.unit.name, "unit": unit.name},
            field="kiosk",
        )
    if live and not is_live(kiosk, now):
        return DomainError(not_live_message(kiosk), field="kiosk")
    return None


def pair_path(code: str) -> str:
    from django.urls import reverse

    return reverse("ratings:kiosk_pair", args=[code])


def kiosk_path(code: str) -> str:
    from django.urls import reverse

    return reverse("ratings:kiosk", args=[code])
