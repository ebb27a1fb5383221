"""Online ratings: the applicant rates the service of a finished dossier (web); a resident rates their
commune-level People's Committee once a month (the citizen app)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import Conflict, DomainError, NotAllowed, NotFound
from citydesk.core.models import (
    AuditEntry,
    Delegation,
    DivisionLevel,
    Membership,
    Organisation,
    OrgKind,
    User,
)
from citydesk.dossiers.models import FINISHED_STATUSES, Dossier, Status
from citydesk.dossiers.services.common import rating_token_valid
from citydesk.ratings.models import Channel, Rating
from citydesk.ratings.services.common import (
    AlreadyRated,
    check_device_limit,
    check_level,
    clean_comment,
    month_count_add,
)

RATEABLE_STATUSES = tuple(s for s in FINISHED_STATUSES if s != Status.WITHDRAWN)


def resident_key(user: User) -> str:
    """A keyed hash of the resident's account: the same person each month, without storing who."""
    secret = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(secret, f"resident:{user.pk}".encode(), hashlib.sha256).hexdigest()


def period_of(moment: object = None) -> str:
    day = timezone.localdate(moment) if moment is not None else timezone.localdate()
    return f"{day:%Y-%m}"


def _applicant_may_rate(dossier: Dossier, user: User | None, token: str) -> bool:
    if user is not None and user.is_authenticated and dossier.applicant_id == user.pk:
        return True
    if not token:
        return False
    if dossier.citizen_token and secrets.compare_digest(token, dossier.citizen_token):
        return True  # the receipt's key (links sent before the rating key existed)
    return rating_token_valid(dossier, token)  # the key of the rating link in the result message


def _citizen(user: User | None, channel: str) -> Actor:
    if user is not None and user.is_authenticated:
        return Actor(user_id=user.pk, label=user.full_name or user.username, right=AuditEntry.Right.OWN)
    return Actor(user_id=None, label=f"citizen ({channel})", right=AuditEntry.Right.OWN)


def dossier_rating(dossier: Dossier) -> Rating | None:
    return Rating.objects.filter(channel=Channel.WEB, dossier=dossier).first()


def dossier_for_rating(*, dossier_code: str, user: User | None = None, token: str = "") -> Dossier:
    """The dossier the caller may rate (or may see the rating page of). Raises NotFound / NotAllowed."""
    code = (dossier_code or "").strip().upper()
    dossier = Dossier.objects.select_related("procedure", "unit").filter(code=code).first() if code else None
    if dossier is None:
        raise NotFound(_("No dossier %(code)s.") % {"code": code}, field="code")
    if not _applicant_may_rate(dossier, user, token):
        raise NotAllowed(
            _("Only the applicant can rate this dossier (log in, or open the link you were sent).")
        )
    return dossier


@transaction.atomic
def rating_submit_web(
    *,
    dossier_code: str,
    level: str,
    comment: str = "",
    user: User | None = None,
    token: str = "",
    device: str = "",
) -> Rating:
    """The applicant rates the online service once the dossier is finished: one rating per dossier."""
    found = dossier_for_rating(dossier_code=dossier_code, user=user, token=token)
    dossier = Dossier.objects.select_for_update(of=("self",)).select_related("unit").get(pk=found.pk)
    level = check_level(level)
    comment = clean_comment(comment)
    if dossier.status == Status.WITHDRAWN:
        raise Conflict(
            _(
                "This dossier was withdrawn, so it cannot be rated: "
                "only dossiers processed to the end can be rated."
            ),
            field="code",
        )
    if dossier.status not in RATEABLE_STATUSES:
        raise Conflict(_("The dossier can be rated once it is finished."), field="code")
    if Rating.objects.filter(channel=Channel.WEB, dossier=dossier).exists():
        raise AlreadyRated(_("This dossier has already been rated. Thank you."), field="code")
    now = timezone.now()
    check_device_limit(device, now)
    rating = Rating(
        channel=Channel.WEB,
        level=level,
        comment=comment,
        unit=dossier.unit,
        procedure_id=dossier.procedure_id,
        dossier=dossier,
        device=device[:64],
        created_at=now,
    )
    try:
        with transaction.atomic():
            rating.save(force_insert=True)
    except IntegrityError:
        raise AlreadyRated(_("This dossier has already been rated. Thank you."), field="code") from None
    month_count_add(rating)
    audit_record(
        actor=_citizen(user, Channel.WEB),
        action="rating.submit",
        object_type="rating",
        object_id=rating.pk,
        after={"channel": Channel.WEB, "level": level, "unit": dossier.unit.code, "dossier": dossier.code},
    )
    return rating


def is_commune_committee(unit: Organisation) -> bool:
    """Is the unit a commune-level (ward, commune, special zone) People's Committee, the only kind of
    unit residents rate (channel `app`)? Wants `admin_unit` loaded."""
    return (
        unit.kind == OrgKind.PEOPLES_COMMITTEE
        and unit.admin_unit is not None
        and unit.admin_unit.level == DivisionLevel.WARD
        and unit.is_active
    )


def not_commune_message(unit: Organisation) -> str:
    return _("Residents rate a commune-level People's Committee; %(name)s is not one.") % {"name": unit.name}


def commune_unit(unit_code: str) -> Organisation:
    """A commune-level People's Committee by its code (the unit residents rate)."""
    code = (unit_code or "").strip()
    if not code:
        raise DomainError(_("Choose the ward or commune to rate."), field="unit")
    unit = Organisation.objects.select_related("admin_unit").filter(code=code).first()
    if unit is None:
        raise NotFound(_("Unknown organisation code “%(code)s”.") % {"code": code}, field="unit")
    if not is_commune_committee(unit):
        raise DomainError(not_commune_message(unit), field="unit")
    return unit


def works_for(user: User, unit: Organisation) -> bool:
    """Is `user` staff of `unit`: an active member of it or of a unit above it (whose staff direct it),
    or an active delegate of one of them?"""
    units = unit.ancestor_ids()
    if Membership.objects.filter(user=user, is_active=True, organisation_id__in=units).exists():
        return True
    today = timezone.localdate()
    return Delegation.objects.filter(
        delegate_user=user,
        organisation_id__in=units,
        start_date__lte=today,
        end_date__gte=today,
        revoked_at__isnull=True,
    ).exists()


@transaction.atomic
def rating_submit_resident(
    *, user: User, unit_code: str, level: str, comment: str = "", device: str = ""
) -> Rating:
    """A resident rates where they live: one ward or commune, once per calendar month (an account that
    rated one ward this month rates no other; the refusal names the ward it rated)."""
    if user is None or not user.is_authenticated:
        raise NotAllowed(_("Log in to rate your ward or commune."))
    unit = commune_unit(unit_code)
    if works_for(user, unit):
        raise NotAllowed(
            _(
                "You work for %(name)s or a unit above it: its own staff do not rate it as residents. "
                "Its residents rate it."
            )
            % {"name": unit.name},
            field="unit",
        )
    level = check_level(level)
    comment = clean_comment(comment)
    now = timezone.now()
    period = period_of(now)
    key = resident_key(user)
    # The account's row is locked while its month is checked and written: two ratings sent at once for
    # two wards cannot both pass (the unique key holds one rating per ward, not per month).
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    taken = (
        Rating.objects.filter(channel=Channel.APP, resident_key=key, period=period)
        .select_related("unit")
        .order_by("created_at", "pk")
        .first()
    )
    if taken is not None:
        if taken.unit_id == unit.pk:
            message = _("You have already rated %(name)s this month; you can rate it again next month.")
        else:
            message = _(
                "This account has already rated %(name)s this month: a resident rates one ward or "
                "commune a month. It can rate again next month."
            )
        raise Conflict(message % {"name": taken.unit.name}, field="unit")
    check_device_limit(device, now)
    rating = Rating(
        channel=Channel.APP,
        level=level,
        comment=comment,
        unit=unit,
        resident_key=key,
        period=period,
        device=device[:64],
        created_at=now,
    )
    try:
        with transaction.atomic():
            rating.save(force_insert=True)
    except IntegrityError:  # the same resident, twice at once
        raise Conflict(
            _("You have already rated %(name)s this month.") % {"name": unit.name}, field="unit"
        ) from None
    month_count_add(rating)
    audit_record(  # anonymous: the trail must not undo the keyed hash of the resident
        actor=_citizen(None, Channel.APP),
        action="rating.submit",
        object_type="rating",
        object_id=rating.pk,
        after={"channel": Channel.APP, "level": level, "unit": unit.code, "period": period},
    )
    return rating
