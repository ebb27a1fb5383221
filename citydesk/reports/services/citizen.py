"""What the citizen does: rate (and reopen), follow (confirming an e-mail or phone), stop following."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import Conflict, DomainError, NotAllowed, NotFound
from citydesk.core.history_notes import role
from citydesk.core.models import User
from citydesk.core.validators import is_mobile_phone, refuse_both_addresses
from citydesk.notifications.models import Notification
from citydesk.notifications.services import message_language, notification_queue
from citydesk.reports.models import (
    Follower,
    FollowRequest,
    Rating,
    RejectReason,
    Report,
    ReportEvent,
    Status,
)
from citydesk.reports.services.cases import tell_the_unit_reopened
from citydesk.reports.services.common import (
    _bounded,
    _due_times,
    _event,
    _locked,
    local_time,
    mask_phone,
    normalize_phone,
    notify_followers_reporter_reopened,
    read_unfollow_key,
    reopen_until,
)
from citydesk.reports.system_notes import RATED, RATED_EARLIER, RATING_COMMENT, system_note

MAX_RATING_COMMENT = 2000
_REPORTER = role("reporter")  # the reporter acting through their link, shown in the reader's language


def _citizen_may_act(report: Report, user: User | None, token: str) -> bool:
    if user is not None and user.is_authenticated and report.reporter_id == user.pk:
        return True
    return bool(token) and bool(report.citizen_token) and secrets.compare_digest(token, report.citizen_token)


# --- Rating ---------------------------------------------------------------------------------------


def rating_superseded(report: Report, rating: Rating | None) -> bool:
    """Was the report resolved again after this rating (it was reopened)? That resolution is unrated."""
    return rating is not None and report.resolved_at is not None and rating.created_at < report.resolved_at


def rating_open(report: Report, rating: Rating | None) -> bool:
    """May the reporter rate now? One rating per resolution: the first, or again after a new one."""
    if report.status not in (Status.RESOLVED, Status.CLOSED):
        return False
    return rating is None or rating_superseded(report, rating)


@transaction.atomic
def report_rate(
    *,
    code: str,
    level: str,
    comment: str = "",
    reopen: bool = False,
    user: User | None = None,
    token: str = "",
) -> Report:
    """The reporter rates the result; unsatisfied may reopen within the window; otherwise it closes.

    One rating per resolution: after a reopening and a new resolution the reporter rates again, which
    replaces the rating row (the operations center counts a report's latest rating) and keeps the earlier
    one in the report's history. The comment is for the handling unit: the public sees the level only.
    """
    report = _locked(code)
    if not _citizen_may_act(report, user, token):
        raise NotAllowed(_("Only the person who reported it can rate this report."), field="token")
    if level not in Rating.Level.values:
        raise DomainError(_("Choose satisfied, normal or unsatisfied."), field="level")
    if report.status not in (Status.RESOLVED, Status.CLOSED):
        raise Conflict(_("The report can be rated once it is resolved."), field="level")
    rating = Rating.objects.filter(report=report).first()
    if not rating_open(report, rating):
        raise Conflict(_("This report was already rated."), field="level")
    comment = _bounded(comment, "comment", MAX_RATING_COMMENT)
    now = timezone.now()
    if reopen and level != Rating.Level.UNSATISFIED:
        # Ticked without "unsatisfied" (a browser without the script that hides the box): ask, do not
        # close a report its reporter wanted reopened.
        raise DomainError(
            _("Only an unsatisfied rating reopens the report: choose “unsatisfied”, or untick reopening."),
            field="reopen",
        )
    reopening = level == Rating.Level.UNSATISFIED and reopen
    until = reopen_until(report)
    if reopening and (until is None or now > until):
        raise Conflict(_("The time to reopen this report has passed."), field="reopen")
    actor = Actor(user_id=user.pk if user and user.is_authenticated else None, label=_REPORTER, right="own")
    earlier = None
    # The history stores codes and the reporter's words; each reader reads it in their own language.
    if rating is None:
        rating = Rating.objects.create(report=report, level=level, comment=comment, created_at=now)
    else:
        earlier = {"level": rating.level, "at": rating.created_at.isoformat()}
        before = system_note(RATED_EARLIER, at=rating.created_at, level=rating.level, comment=rating.comment)
        _event(report, actor, ReportEvent.Kind.RATING, **before, public=False)
        rating.level, rating.comment, rating.created_at = level, comment, now
        rating.save(update_fields=["level", "comment", "created_at"])  # the roll-up triggers follow
    _event(report, actor, ReportEvent.Kind.RATING, **system_note(RATED, level=level))
    if comment:  # for the handling unit: the public history shows the level only
        _event(
            report, actor, ReportEvent.Kind.RATING, **system_note(RATING_COMMENT, text=comment), public=False
        )
    old = report.status
    if reopening:
        report.status = Status.REOPENED
        report.reopen_count += 1
        report.resolved_at = None
        report.closed_at = None
        report.triage_due_at, report.due_at = _due_times(report.category, now)
        report.warned_at = report.escalated_at = None
    elif report.status == Status.RESOLVED:
        report.status = Status.CLOSED
        report.closed_at = now
    report.version += 1
    report.updated_at = now
    report.save()
    if report.status != old:
        _event(report, actor, ReportEvent.Kind.STATUS, from_status=old, to_status=report.status)
    audit_record(
        actor=actor,
        action="report.rate",
        object_type="report",
        object_id=report.code,
        before={"status": old, "rating": earlier},
        after={"status": report.status, "rating": level},
    )
    if reopening:
        _tell_the_unit(report, comment)
        notify_followers_reporter_reopened(report)
    return report


def _tell_the_unit(report: Report, comment: str) -> None:
    """A reopened report goes back to its officer (or, without one, to the unit's heads), in-app."""

    def lines() -> list[str]:
        said = [
            _("The reporter is not satisfied with the result and reopened the report. New due time: %(due)s.")
            % {"due": local_time(report.due_at) if report.due_at else "—"}
        ]
        if comment:
            said.append(_("Reporter's comment: %(c)s") % {"c": comment})
        return said

    tell_the_unit_reopened(
        report, lambda: _("Report %(code)s was reopened by the reporter") % {"code": report.code}, lines
    )


# --- Following ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowOutcome:
    follower: Follower
    created: bool  # False: the same person (account, e-mail or phone) already followed the report


# A follower's e-mail address is stored with its code, then as a follower, and is where the updates go: the
# shortest of those columns holds it (`validate_email` allows 320 characters; PostgreSQL would refuse them).
FOLLOW_EMAIL_LIMIT = min(
    int(FollowRequest._meta.get_field("email").max_length),
    int(Follower._meta.get_field("email").max_length),
    int(Notification._meta.get_field("address").max_length),
)


def _normal_email(email: str) -> str:
    """E-mail addresses are compared and stored lower-cased: BINH.LE@… and binh.le@… are one mailbox."""
    email = (email or "").strip()
    if not email:
        return ""
    if len(email) > FOLLOW_EMAIL_LIMIT:
        raise DomainError(
            _("Too long (at most %(n)s characters).") % {"n": FOLLOW_EMAIL_LIMIT}, field="email"
        )
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(_("“%(e)s” is not an e-mail address.") % {"e": email}, field="email") from None
    return email.lower()


def follow_refusal(report: Report) -> str:
    """Why following this report would bring nothing ('' when it would): a merged duplicate's updates come
    from the report it was merged into; a closed or rejected report has none to come."""
    if report.duplicate_of_id:
        return _(
            "Report %(code)s was merged into %(master)s, which handles the same problem: follow %(master)s."
        ) % {"code": report.code, "master": report.duplicate_of.code}
    if report.status == Status.CLOSED:
        return _(
            "Report %(code)s is closed: it will have no more updates. If the problem is back, send a new report."
        ) % {"code": report.code}
    if report.status == Status.REJECTED:
        return _("Report %(code)s was not accepted for handling: it will have no updates.") % {
            "code": report.code
        }
    return ""


@transaction.atomic
def report_follow_outcome(
    *, code: str, user: User | None = None, email: str = "", phone: str = ""
) -> FollowOutcome:
    """Follow a report at once; following it again (same account, e-mail in any case, or phone) changes
    nothing. A closed or rejected report is not followed (`follow_refusal`: nothing more will come).

    No confirmation is asked here: the API and the pages call `report_follow_request`, which comes here
    only for an account or its own address, and `report_follow_confirm` once a code came back."""
    report = _followable(code, user)
    signed_in = user is not None and user.is_authenticated
    if signed_in:
        existing = Follower.objects.filter(report=report, user=user).first()
        if existing is not None:
            return FollowOutcome(existing, False)
        if user.email:  # followed by e-mail before signing in: that follow becomes the account's
            by_email = Follower.objects.filter(
                report=report, user__isnull=True, email__iexact=user.email
            ).first()
            if by_email is not None:
                by_email.user, by_email.email = user, ""
                by_email.save(update_fields=["user", "email"])
                return FollowOutcome(by_email, False)
        return _create_follower(report, Q(user=user), user=user)
    email = _normal_email(email)
    if email:
        return _create_follower(report, Q(email__iexact=email) | Q(user__email__iexact=email), email=email)
    phone = normalize_phone(phone, field="phone")
    if not phone:
        raise DomainError(_("Log in, or give an e-mail address or a phone number."), field="email")
    return _create_follower(report, Q(phone=phone), phone=phone)


def _followable(code: str, user: User | None) -> Report:
    """The report `user` may follow now, or the refusal: unknown or not readable by them (private, or
    rejected as spam: the same 404 as reading it), or nothing more to come (`follow_refusal`, 409)."""
    report = Report.objects.select_related("duplicate_of").filter(code=code).first()
    signed_in = user is not None and user.is_authenticated
    if report is None or (not report.shown_to_public and not (signed_in and report.reporter_id == user.pk)):
        raise NotFound(_("No report %(code)s.") % {"code": code}, field="code")
    refusal = follow_refusal(report)
    if refusal:
        raise Conflict(refusal, field="code")
    return report


def _create_follower(
    report: Report, same: Q, *, user: User | None = None, email: str = "", phone: str = ""
) -> FollowOutcome:
    existing = Follower.objects.filter(same, report=report).order_by("pk").first()
    if existing is not None:
        return FollowOutcome(existing, False)
    try:
        with transaction.atomic():  # a concurrent identical follow loses on the unique constraint
            return FollowOutcome(
                Follower.objects.create(report=report, user=user, email=email, phone=phone), True
            )
    except IntegrityError:
        existing = Follower.objects.filter(same, report=report).order_by("pk").first()
        if existing is None:
            raise
        return FollowOutcome(existing, False)


def report_follow(*, code: str, user: User | None = None, email: str = "", phone: str = "") -> Follower:
    """Follow a report (idempotent): the follower, new or the one that was there."""
    return report_follow_outcome(code=code, user=user, email=email, phone=phone).follower


# --- Confirming a follow by e-mail or phone --------------------------------------------------------
#
# Anyone may ask to follow a public report, but an e-mail address or a phone number gets its updates only
# once the person there gives back the code sent to it: no one signs a stranger up for messages (an SMS
# costs the city money). The codes sent to one address, and the requests from one network address, are
# limited (429).

FOLLOW_CODE_VALID = timedelta(hours=24)
FOLLOW_CODE_TRIES = 5  # wrong codes before a new one must be asked for
FOLLOW_CODES_PER_CONTACT_PER_DAY = 3  # across all reports
FOLLOW_REQUESTS_PER_ADDRESS_PER_HOUR = 20  # generous: many phones share one carrier address
_CODE_SALT = "citydesk.reports.follow-code"
_CLIENT_SALT = "citydesk.reports.follow-client"
_LINK_SALT = "citydesk.reports.follow-link"
CONFIRM_LINK_PARAMETER = "xac-nhan"  # the tracking page's query parameter of the e-mail's link


class FollowLimited(DomainError):
    """Too many confirmation codes to one address, or follow requests from one network address: 429, with
    the seconds until one more is taken (`retry_after`, the API's Retry-After)."""

    status = 429

    def __init__(self, message: str, *, field: str | None = None, retry_after: int = 0) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


def _wait(oldest: datetime | None, window: timedelta, now: datetime) -> int:
    if oldest is None:
        return 0
    return max(1, int((oldest + window - now).total_seconds()) + 1)


@dataclass(frozen=True)
class FollowAsked:
    """What a follow request did: `outcome` when the follow is in place (an account, or its own address);
    else a code was sent to `email` or `phone` (an address that already follows too)."""

    outcome: FollowOutcome | None
    email: str = ""
    phone: str = ""

    @property
    def sent_to(self) -> str:
        """Where the code went, masked as the page and the API say it."""
        if self.email:
            name, _at, domain = self.email.partition("@")
            return f"{name[:2]}***@{domain}"
        return mask_phone(self.phone)


def follow_codes_per_contact() -> int:
    return int(
        getattr(settings, "CITYDESK_FOLLOW_CODES_PER_CONTACT_PER_DAY", FOLLOW_CODES_PER_CONTACT_PER_DAY)
    )


def follow_requests_per_address() -> int:
    return int(
        getattr(
            settings, "CITYDESK_FOLLOW_REQUESTS_PER_ADDRESS_PER_HOUR", FOLLOW_REQUESTS_PER_ADDRESS_PER_HOUR
        )
    )


def client_key(address: str) -> str:
    """A network address as a follow request stores it: keyed hash, never the address itself."""
    return salted_hmac(_CLIENT_SALT, address or "unknown", algorithm="sha256").hexdigest()


def _code_hash(report: Report, contact: str, code: str) -> str:
    return salted_hmac(_CODE_SALT, f"{report.pk}:{contact}:{code}", algorithm="sha256").hexdigest()


def _same_contact(email: str, phone: str) -> Q:
    """The followers an address already is (an account's e-mail counts as that e-mail)."""
    if email:
        return Q(email__iexact=email) | Q(user__email__iexact=email)
    return Q(phone=phone)


def _contact(email: str, phone: str) -> tuple[str, str]:
    """(e-mail, phone) normalised: the one given; both "" when none was. Both at once are refused, naming
    both fields: a code goes to one address, and the other would be silently left out."""
    refuse_both_addresses(email, phone)
    email = _normal_email(email)
    if email:
        return email, ""
    phone = normalize_phone(phone, field="phone")
    if phone and not is_mobile_phone(phone):  # a landline or a foreign number: no SMS (no code) reaches it
        raise DomainError(
            _(
                "%(phone)s is not a mobile number: it cannot receive the code or the updates by SMS. Give a "
                "mobile number or an e-mail address."
            )
            % {"phone": phone},
            field="phone",
        )
    return "", phone


def _own_phone(user: User, phone: str) -> bool:
    try:
        return bool(phone) and normalize_phone(user.phone or "", field="phone") == phone
    except DomainError:  # an account's phone stored in an old form: not matched, a code is sent
        return False


def report_follow_request(
    *, code: str, user: User | None = None, email: str = "", phone: str = "", client: str = ""
) -> FollowAsked:
    """Follow a report as a visitor asks on the tracking page or through the API.

    A signed-in `user` who gives no address, or their account's own e-mail or phone, follows at once (the
    account is who they are). Any other e-mail or phone is only sent a 6-digit code (an e-mail also a
    link): it follows once the code comes back (`report_follow_confirm`), and so is one that already
    follows (its owner learns nothing new by confirming; a stranger learns nothing at all). `client` is the
    requester's network address (REMOTE_ADDR).
    """
    report = _followable(code, user)
    signed_in = user is not None and user.is_authenticated
    email, phone = _contact(email, phone)
    if signed_in and (not (email or phone) or (email and email == (user.email or "").lower())):
        return FollowAsked(report_follow_outcome(code=code, user=user))
    if signed_in and _own_phone(user, phone):
        return FollowAsked(report_follow_outcome(code=code, phone=phone))
    if not (email or phone):
        raise DomainError(_("Log in, or give an e-mail address or a phone number."), field="email")
    # An address that already follows is sent a code like any other: answering "already follows" here
    # would tell anyone who knows a number that it follows the report, and hand them its "stop" link.
    field = "email" if email else "phone"
    now = timezone.now()
    client = client_key(client)
    limit = follow_requests_per_address()
    hour = FollowRequest.objects.filter(client=client, created_at__gte=now - timedelta(hours=1))
    if hour.count() >= limit:
        oldest = hour.order_by("created_at").values_list("created_at", flat=True).first()
        raise FollowLimited(  # the sender's limit: no field is at fault
            _(
                "Too many follow requests from this network address: at most %(n)s an hour. Please try again later."
            )
            % {"n": limit},
            retry_after=_wait(oldest, timedelta(hours=1), now),
        )
    limit = follow_codes_per_contact()
    sent = FollowRequest.objects.filter(email=email, phone=phone, created_at__gte=now - timedelta(days=1))
    if sent.count() >= limit:
        if email:
            message = _(
                "Too many confirmation codes were sent to this e-mail address today (at most %(n)s a day). "
                "Please try again tomorrow, or log in to follow with your account."
            )
        else:
            message = _(
                "Too many confirmation codes were sent to this phone number today (at most %(n)s a day). "
                "Please try again tomorrow, or log in to follow with your account."
            )
        oldest = sent.order_by("created_at").values_list("created_at", flat=True).first()
        raise FollowLimited(
            message % {"n": limit}, field=field, retry_after=_wait(oldest, timedelta(days=1), now)
        )
    given = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        FollowRequest.objects.create(
            report=report,
            email=email,
            phone=phone,
            code_hash=_code_hash(report, email or phone, given),
            client=client,
            created_at=now,
        )
        _send_code(report, given, email=email, phone=phone)
    return FollowAsked(None, email=email, phone=phone)


def confirm_link(report: Report, email: str, given: str) -> str:
    """The e-mail's link: the report's tracking page with the confirmation form filled in (opening it
    changes nothing: mail scanners open links; the visitor presses the button)."""
    token = signing.dumps([report.code, email, given], salt=_LINK_SALT, compress=True)
    path = reverse("reports:track", args=[report.code])
    return f"{settings.CITYDESK_PUBLIC_URL}{path}?{urlencode({CONFIRM_LINK_PARAMETER: token})}#follow"


def read_confirm_link(token: str, code: str) -> tuple[str, str] | None:
    """(e-mail, code) of a confirmation link of report `code` still valid, else None."""
    try:
        value = signing.loads(token, salt=_LINK_SALT, max_age=FOLLOW_CODE_VALID)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(value, list) and len(value) == 3 and value[0] == code):
        return None
    return str(value[1]), str(value[2])


def _send_code(report: Report, given: str, *, email: str, phone: str) -> None:
    hours = int(FOLLOW_CODE_VALID.total_seconds() // 3600)
    with translation.override(message_language(None)):
        subject = _("Confirm following report %(code)s") % {"code": report.code}
        if phone:
            body = _(
                "CityDesk: your code to follow report %(code)s is %(pin)s (valid %(h)s hours). Enter it on "
                "the report's page: %(link)s. If you did not ask for it, ignore this message."
            ) % {"code": report.code, "pin": given, "h": hours, "link": _track_page(report)}
            notification_queue(channel="sms", address=phone, subject=subject, body=body)
            return
        lines = [
            _("Someone asked to send the updates of report %(code)s to this e-mail address.")
            % {"code": report.code},
            _("To receive them, open this link and press “Confirm” (valid %(h)s hours):") % {"h": hours},
            confirm_link(report, email, given),
            _("Or enter the code %(pin)s on the report's page.") % {"pin": given},
            "",
            _("If you did not ask for it, ignore this e-mail: nothing will be sent to you."),
        ]
        notification_queue(channel="email", address=email, subject=subject, body="\n".join(lines))


def _track_page(report: Report) -> str:
    return f"{settings.CITYDESK_PUBLIC_URL}{reverse('reports:track', args=[report.code])}"


def report_follow_confirm(*, code: str, pin: str, email: str = "", phone: str = "") -> FollowOutcome:
    """The code sent to an e-mail or phone comes back: that address follows the report from now on.

    Only the latest code of the address for the report counts, for FOLLOW_CODE_VALID; each try uses one of
    its FOLLOW_CODE_TRIES (then 429: ask for a new code). Confirming again changes nothing (200)."""
    report = _followable(code, None)
    email, phone = _contact(email, phone)
    if not (email or phone):
        raise DomainError(
            _("Give the e-mail address or the phone number the code was sent to."), field="email"
        )
    pin = re.sub(r"\s", "", pin or "")
    if not re.fullmatch(r"\d{6}", pin):
        raise DomainError(_("Enter the 6-digit code you received."), field="code")
    pending = (
        FollowRequest.objects.filter(
            report=report,
            email=email,
            phone=phone,
            created_at__gte=timezone.now() - FOLLOW_CODE_VALID,
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if pending is None or pending.confirmed_at is not None:
        existing = Follower.objects.filter(_same_contact(email, phone), report=report).order_by("pk").first()
        if existing is not None:  # confirmed already (the link opened twice), or followed meanwhile
            return FollowOutcome(existing, False)
        raise DomainError(
            _("No code is waiting for this address on %(code)s, or it has expired: ask for a new one.")
            % {"code": report.code},
            field="code",
        )
    # Each try uses one, claimed in its own statement (kept when the code is wrong; two tries at once
    # cannot both take the last one).
    if not FollowRequest.objects.filter(pk=pending.pk, attempts__lt=FOLLOW_CODE_TRIES).update(
        attempts=F("attempts") + 1
    ):
        raise FollowLimited(_("Too many wrong codes: ask for a new code."), field="code")
    if not constant_time_compare(pending.code_hash, _code_hash(report, email or phone, pin)):
        left = FOLLOW_CODE_TRIES - pending.attempts - 1
        if left <= 0:
            raise FollowLimited(
                _("This is not the code we sent, and no tries are left: ask for a new code."), field="code"
            )
        raise DomainError(_("This is not the code we sent (%(n)s tries left).") % {"n": left}, field="code")
    with transaction.atomic():
        FollowRequest.objects.filter(pk=pending.pk).update(confirmed_at=timezone.now())
        return _create_follower(report, _same_contact(email, phone), email=email, phone=phone)


def follower_for_key(key: str) -> Follower | None:
    """The follower a signed "stop following" link names, if it still follows."""
    parsed = read_unfollow_key(key)
    if parsed is None:
        return None
    code, follower_id = parsed
    return Follower.objects.select_related("report", "user").filter(pk=follower_id, report__code=code).first()


@transaction.atomic
def report_unfollow(*, key: str) -> str:
    """Stop following, from the signed link of an update (no login). Returns the report's code; a link
    used twice changes nothing the second time."""
    parsed = read_unfollow_key(key)
    if parsed is None:
        raise NotFound(_("This link is not valid."), field="key")
    code, follower_id = parsed
    deleted, _counts = Follower.objects.filter(pk=follower_id, report__code=code).delete()
    if deleted:
        audit_record(
            actor=Actor(user_id=None, label=_("follower"), right="own"),
            action="report.unfollow",
            object_type="report",
            object_id=code,
            before={"follower": follower_id},
        )
    return code


# --- An account's follows (the app's list, and stopping one) ----------------------------------------
#
# An account follows a report as itself (`Follower.user`), and also by its own e-mail address (a follow by
# that address made before, or without, signing in) or its own phone number (`report_follow_request`
# stores a follow with the account's own phone as that phone, with no code asked). All of them are the
# account's: listed together, and all stopped together. The reports it sent are not among them: their
# updates come to the reporter as such (`GET /me/reports`), as the tracking page offers no follow to its
# reporter.


def account_follows(user: User) -> Q:
    """The follow rows that are `user`'s: as the account, by its e-mail address, or by its phone."""
    mine = Q(user=user)
    if user.email:
        mine |= Q(user__isnull=True, email__iexact=user.email)
    try:
        phone = normalize_phone(user.phone or "", field="phone")
    except DomainError:  # an account's phone stored in an old form: its follows are its account's
        phone = ""
    if phone:
        mine |= Q(user__isnull=True, email="", phone=phone)
    return mine


def followed_reports(user: User) -> QuerySet[Report]:
    """The reports `user` follows and did not send, that anyone may read (a report rejected as spam is
    no longer shown), the latest followed first; each with `followed_at`."""
    mine = Follower.objects.filter(account_follows(user))
    latest = mine.filter(report=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    spam = Q(status=Status.REJECTED, reject_reason=RejectReason.SPAM)
    return (
        Report.objects.filter(pk__in=mine.values("report_id"), is_public=True)
        .exclude(spam)
        .exclude(reporter=user)
        .select_related("category", "unit", "duplicate_of")
        .annotate(followed_at=Subquery(latest))
        .order_by("-followed_at", "-pk")
    )


@transaction.atomic
def report_unfollow_account(*, code: str, user: User) -> int:
    """`user` stops following report `code`: every follow row of theirs on it (`account_follows`) is
    deleted; returns how many. NotFound (field `code`) when they do not follow it, and Conflict when they
    sent it: the reporter's updates are not a follow (the tracking page offers none to its reporter)."""
    report = Report.objects.filter(code=code).only("pk", "code", "reporter_id").first()
    if report is not None and report.reporter_id == user.pk:
        raise Conflict(
            _("You sent report %(code)s: its updates come to you as its reporter, not as a follower.")
            % {"code": report.code},
            field="code",
        )
    rows = list(
        Follower.objects.filter(account_follows(user), report=report).values_list("pk", flat=True)
        if report is not None
        else []
    )
    if not rows:
        raise NotFound(_("You do not follow report %(code)s.") % {"code": code}, field="code")
    Follower.objects.filter(pk__in=rows).delete()
    audit_record(
        actor=Actor(user_id=user.pk, label=user.full_name or user.username, right="own"),
        action="report.unfollow",
        object_type="report",
        object_id=report.code,
        before={"follower": rows[0] if len(rows) == 1 else rows},
    )
    return len(rows)
