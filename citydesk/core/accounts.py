"""Citizens' own accounts: sign-up and password recovery with a 6-digit code, and log-in by user name,
e-mail address or phone number.

SPEC S0: "Citizens have accounts (phone or e-mail)". A visitor signs up with a full name, ONE of an e-mail
address or a Vietnamese mobile number, a password and their consent to the processing of their personal data
(Decree 13/2023/NĐ-CP); a 6-digit code goes to the address, and the account (a citizen: no memberships) is
made only when the code comes back, so no one opens an account on another person's mailbox or phone. A
forgotten password is replaced the same way: a code to the account's e-mail or phone, then the new password.

The codes are done as the report follow codes are (reports.services.citizen), and as strictly: only a keyed
hash of a code is kept (`AccountCode`); a code is valid `CODE_VALID` (15 minutes: it opens an account or
changes a password, so it lives shorter than a follow code's 24 hours) and takes `CODE_TRIES` tries.
`REQUESTS_PER_ADDRESS_PER_HOUR` requests come from one network address an hour (an IPv6 address counted by
its /64), and every limit answers 429 with how long to wait.

Anyone may ask for a code to anyone's address, so no stranger may spend the owner's chance to get one: the
codes of a sign-up and those of a password reset are counted apart; one network address gets
`CODES_PER_CONTACT_PER_DAY` codes of a kind to one address a day (a stranger who used them up is refused,
the owner asking from another network is not); `MESSAGES_PER_CONTACT_PER_DAY` of a kind go to one address a
day in all (what a mailbox or a phone receives stays bounded however many networks ask); and a new code does
not replace the codes sent before: every code of the last 15 minutes works, so a stranger's request cannot
void the one the owner is typing (a try is counted on each of them).

Nothing tells a visitor whether an address has an account: a sign-up with an address an account already uses
answers as any other, and the address is sent a message saying so (log in, or reset the password) instead of
a code; a reset for an address without an active account answers as any other and sends nothing. A row is
written either way, so the limits count the same too.
"""

from __future__ import annotations

import contextlib
import ipaddress
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import Conflict, DomainError, DomainErrors
from citydesk.core.models import AccountCode, User
from citydesk.core.validators import normalize_phone, refuse_both_addresses
from citydesk.lib.text import nfc

CODE_VALID = timedelta(minutes=15)
CODE_TRIES = 5  # wrong codes before a new one must be asked for
CODES_PER_CONTACT_PER_DAY = 3  # codes of one kind to one e-mail address or phone, asked from one network
# Codes of one kind to one e-mail address or phone a day, whoever asks: what a mailbox or a phone receives
# stays bounded. High enough that blocking the owner takes ten separate networks (an IPv6 site, /48, is one).
MESSAGES_PER_CONTACT_PER_DAY = 30
REQUESTS_PER_ADDRESS_PER_HOUR = 20  # generous: many phones share one carrier address
KEEP_ROWS = timedelta(days=2)  # longer than the daily count looks back
CONSENT = "Decree 13/2023/NĐ-CP"  # what the audit trail records the consent under
USERNAME_PREFIX = "nd-"  # người dân: the user names of the accounts opened here
_USERNAME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_CODE_SALT = "citydesk.core.account-code"
_CLIENT_SALT = "citydesk.core.account-client"
# The longest e-mail address kept: the account's column, the code's and the outbox's are all 254.
EMAIL_LIMIT = min(
    int(User._meta.get_field("email").max_length),
    int(AccountCode._meta.get_field("email").max_length),
)
FULL_NAME_LIMIT = int(User._meta.get_field("full_name").max_length)


class AccountLimited(DomainError):
    """Too many codes to one address, requests from one network address, or wrong codes: 429.
    `retry_after`: seconds until a new request can pass (None: ask for a new code now)."""

    status = 429

    def __init__(self, message: str, *, field: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


@dataclass(frozen=True)
class CodeSent:
    """Where a sign-up or reset request sent its message (the page and the API say it masked)."""

    email: str = ""
    phone: str = ""

    @property
    def field(self) -> str:
        return "email" if self.email else "phone"

    @property
    def sent_to(self) -> str:
        return mask_contact(self.email, self.phone)


def mask_contact(email: str, phone: str) -> str:
    if email:
        name, _at, domain = email.partition("@")
        return f"{name[:2]}***@{domain}"
    return f"{phone[:3]}****{phone[-3:]}" if len(phone) >= 7 else "*" * len(phone)


def codes_per_contact() -> int:
    return int(getattr(settings, "CITYDESK_ACCOUNT_CODES_PER_CONTACT_PER_DAY", CODES_PER_CONTACT_PER_DAY))


def messages_per_contact() -> int:
    return int(
        getattr(settings, "CITYDESK_ACCOUNT_MESSAGES_PER_CONTACT_PER_DAY", MESSAGES_PER_CONTACT_PER_DAY)
    )


def requests_per_address() -> int:
    return int(
        getattr(settings, "CITYDESK_ACCOUNT_REQUESTS_PER_ADDRESS_PER_HOUR", REQUESTS_PER_ADDRESS_PER_HOUR)
    )


def network_of(address: str) -> str:
    """What the per-network limits count: an IPv4 address, or an IPv6 address's /48 (one site: a home or an
    office is given a /48 or a /56 and may use any address in it; counted apart, they would lift every
    limit)."""
    text = (address or "").strip()
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        return text
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/48", strict=False))
    return str(parsed)


def client_key(address: str) -> str:
    """A network address as a code request stores it: a keyed hash of its network (`network_of`), never the
    address itself."""
    return salted_hmac(_CLIENT_SALT, network_of(address) or "unknown", algorithm="sha256").hexdigest()


def _code_hash(purpose: str, contact: str, pin: str) -> str:
    return salted_hmac(_CODE_SALT, f"{purpose}:{contact}:{pin}", algorithm="sha256").hexdigest()


def _never_matches() -> str:
    """A stored hash no code gives: the row of a request that sent no code (an address an account already
    uses, a reset without an account) refuses every code, as a wrong code is refused."""
    return "-" + secrets.token_hex(31)


# --- The address -------------------------------------------------------------------------------------


def normal_email(email: str) -> str:
    """An e-mail address as it is compared and stored: lower-cased; "" for none."""
    email = unicodedata.normalize("NFKC", email or "").strip()
    if not email:
        return ""
    if len(email) > EMAIL_LIMIT:
        raise DomainError(_("Too long (at most %(n)s characters).") % {"n": EMAIL_LIMIT}, field="email")
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(_("“%(e)s” is not an e-mail address.") % {"e": email[:80]}, field="email") from None
    return email.lower()


def contact_of(email: str, phone: str) -> tuple[str, str]:
    """(e-mail, phone) normalised, exactly one of them: a code goes to one address. Both are refused naming
    both fields, none naming the e-mail; a landline or another country's number (no SMS reaches it,
    notifications.channels.sms_unreachable) is refused naming the phone."""
    from citydesk.notifications.channels import sms_unreachable

    refuse_both_addresses(email, phone)
    email = normal_email(email)
    if email:
        return email, ""
    phone = normalize_phone(phone, field="phone")
    if not phone:
        raise DomainError(_("Give your e-mail address or your mobile phone number."), field="email")
    if sms_unreachable(phone):
        raise DomainError(
            _(
                "%(phone)s is not a mobile number: it cannot receive the code by SMS. Give a mobile number or "
                "an e-mail address."
            )
            % {"phone": phone},
            field="phone",
        )
    return "", phone


def _accounts_at(email: str, phone: str) -> list[User]:
    """The accounts an address is the e-mail or the phone of (at most a few: officers' e-mails repeat)."""
    if email:
        return list(User.objects.filter(email__iexact=email).order_by("pk")[:5])
    return list(User.objects.filter(phone=phone).order_by("pk")[:5])


# --- Limits --------------------------------------------------------------------------------------------


def _wait_seconds(oldest: datetime | None, window: timedelta, now: datetime) -> int:
    if oldest is None:
        return 60
    return max(1, int((oldest + window - now).total_seconds()) + 1)


def _limit_refusal(
    *, purpose: str, email: str, phone: str, client: str, now: datetime, field: str
) -> AccountLimited | None:
    """The refusal (429) of one more code of `purpose` to this e-mail or phone asked from this network
    address, None when it may go; with the seconds until the oldest counted request leaves its window.

    In turn: this network address asked too often this hour (whatever the address: no input is at fault,
    no field is named); it had its codes of the kind for this address today; the address got its codes of
    the kind today from all networks together. Every request counts, whether an account has the address
    or not: the answers tell nobody which addresses have one."""
    hour = AccountCode.objects.filter(client=client, created_at__gte=now - timedelta(hours=1))
    limit = requests_per_address()
    if hour.count() >= limit:
        oldest = hour.order_by("created_at").values_list("created_at", flat=True).first()
        return AccountLimited(
            _("Too many requests from this network address: at most %(n)s an hour. Please try again later.")
            % {"n": limit},
            retry_after=_wait_seconds(oldest, timedelta(hours=1), now),
        )
    day = AccountCode.objects.filter(
        purpose=purpose, email=email, phone=phone, created_at__gte=now - timedelta(days=1)
    )
    for counted, limit in ((day.filter(client=client), codes_per_contact()), (day, messages_per_contact())):
        if counted.count() < limit:
            continue
        oldest = counted.order_by("created_at").values_list("created_at", flat=True).first()
        if email:
            message = _(
                "Too many codes were sent to this e-mail address today (at most %(n)s a day). Please try "
                "again tomorrow."
            )
        else:
            message = _(
                "Too many codes were sent to this phone number today (at most %(n)s a day). Please try "
                "again tomorrow."
            )
        return AccountLimited(
            message % {"n": limit}, field=field, retry_after=_wait_seconds(oldest, timedelta(days=1), now)
        )
    return None


def _check_limits(*, purpose: str, email: str, phone: str, client: str, now: datetime, field: str) -> None:
    refusal = _limit_refusal(purpose=purpose, email=email, phone=phone, client=client, now=now, field=field)
    if refusal is not None:
        raise refusal


def _new_code_wait(*, purpose: str, email: str, phone: str, client: str) -> int:
    """Seconds until this network address may ask for a new code of `purpose` to this address (0: now)."""
    now = timezone.now()
    refusal = _limit_refusal(purpose=purpose, email=email, phone=phone, client=client, now=now, field="")
    return (refusal.retry_after or 0) if refusal is not None else 0


def _tidy(now: datetime) -> None:
    """Rows past the daily count go; a sign-up whose code expired forgets its password's hash."""
    AccountCode.objects.filter(created_at__lt=now - KEEP_ROWS).delete()
    AccountCode.objects.filter(
        purpose=AccountCode.Purpose.SIGNUP, created_at__lt=now - CODE_VALID, password__gt=""
    ).update(password="")


def _new_pin() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _public(name: str) -> str:
    return f"{settings.CITYDESK_PUBLIC_URL}{reverse(name)}"


def _minutes() -> int:
    return int(CODE_VALID.total_seconds() // 60)


def _send(*, email: str, phone: str, subject: str, email_lines: list[str], sms: str) -> None:
    from citydesk.notifications.services import notification_queue

    if email:
        notification_queue(channel="email", address=email, subject=subject, body="\n".join(email_lines))
    else:
        notification_queue(channel="sms", address=phone, subject=subject, body=sms)


# --- Sign-up ---------------------------------------------------------------------------------------------


def _check_password(password: str, password2: str | None, candidate: User) -> list[DomainError]:
    problems = []
    if not password:
        problems.append(DomainError(_("Choose a password."), field="password"))
    else:
        try:
            validate_password(password, candidate)  # settings.AUTH_PASSWORD_VALIDATORS
        except ValidationError as exc:
            problems.append(DomainError(" ".join(exc.messages), field="password"))
    if password2 is not None and password and password != password2:
        problems.append(
            DomainError(
                _("The two passwords are not the same: type the same password twice."), field="password2"
            )
        )
    return problems


def _field_problems(check: Any) -> list[DomainError]:
    """The problems a check raised, as a list (none: it passed)."""
    try:
        check()
    except DomainErrors as exc:
        return list(exc.problems)
    except DomainError as exc:
        return [exc]
    return []


def signup_request(
    *,
    full_name: str,
    email: str = "",
    phone: str = "",
    password: str,
    password2: str | None = None,
    consent: bool,
    client: str = "",
) -> CodeSent:
    """A visitor asks for an account: every field is checked (all the problems at once), then the limits;
    the address is sent a 6-digit code (an address an account already uses: a message saying so instead),
    in the visitor's language. `client` is the requester's network address (REMOTE_ADDR). Nothing is made
    until `signup_confirm`."""
    name = nfc(full_name or "")
    contact: list[tuple[str, str]] = []
    problems: list[DomainError] = []
    if not name:
        problems.append(DomainError(_("Give your full name."), field="full_name"))
    elif len(name) > FULL_NAME_LIMIT:
        problems.append(
            DomainError(_("Too long (at most %(n)s characters).") % {"n": FULL_NAME_LIMIT}, field="full_name")
        )
    problems += _field_problems(lambda: contact.append(contact_of(email, phone)))
    found_email, found_phone = contact[0] if contact else ("", "")
    # The validators compare the password with the person's own details (the name, the e-mail).
    candidate = User(username="", first_name=name, email=found_email, phone=found_phone)
    problems += _check_password(password or "", password2, candidate)
    if not consent:
        problems.append(
            DomainError(
                _("Agree to the processing of your personal data to open an account."), field="consent"
            )
        )
    if problems:
        raise DomainErrors(problems) if len(problems) > 1 else problems[0]
    sent = CodeSent(email=found_email, phone=found_phone)
    now = timezone.now()
    client = client_key(client)
    _tidy(now)
    _check_limits(
        purpose=AccountCode.Purpose.SIGNUP,
        email=sent.email,
        phone=sent.phone,
        client=client,
        now=now,
        field=sent.field,
    )
    language = translation.get_language() or settings.LANGUAGE_CODE
    owners = _accounts_at(sent.email, sent.phone)
    taken = bool(owners)
    hashed = make_password(password)  # made either way: the answer takes as long whether the address is free
    pin = _new_pin()
    with transaction.atomic():
        AccountCode.objects.create(
            purpose=AccountCode.Purpose.SIGNUP,
            email=sent.email,
            phone=sent.phone,
            code_hash=_never_matches() if taken else _code_hash("signup", sent.email or sent.phone, pin),
            client=client,
            created_at=now,
            full_name="" if taken else name,
            password="" if taken else hashed,
            language=language,
            consented_at=None if taken else now,
        )
        if taken:
            _send_already_there(sent, owners[0])
        else:
            _send_signup_code(sent, pin)
    return sent


def signup_resend(*, email: str = "", phone: str = "", client: str = "") -> CodeSent:
    """A new code for the sign-up this network address asked for today to this address (the confirmation
    page's "send a new code": nothing is typed again), with the name, password and consent given then;
    under the same limits as `signup_request`."""
    email, phone = contact_of(email, phone)
    sent = CodeSent(email=email, phone=phone)
    now = timezone.now()
    client = client_key(client)
    _tidy(now)  # an expired sign-up has forgotten its password: it is not revived here
    earlier = (
        AccountCode.objects.filter(
            purpose=AccountCode.Purpose.SIGNUP,
            email=email,
            phone=phone,
            client=client,
            created_at__gte=now - CODE_VALID,
            used_at__isnull=True,
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if earlier is None:
        raise DomainError(
            _("This sign-up has expired (or was made elsewhere): fill in the sign-up form again.")
        )
    _check_limits(
        purpose=AccountCode.Purpose.SIGNUP, email=email, phone=phone, client=client, now=now, field=sent.field
    )
    owners = _accounts_at(email, phone)
    taken = bool(owners) or not earlier.password
    pin = _new_pin()
    with transaction.atomic():
        AccountCode.objects.create(
            purpose=AccountCode.Purpose.SIGNUP,
            email=email,
            phone=phone,
            code_hash=_never_matches() if taken else _code_hash("signup", email or phone, pin),
            client=client,
            created_at=now,
            full_name="" if taken else earlier.full_name,
            password="" if taken else earlier.password,
            language=earlier.language,
            consented_at=None if taken else earlier.consented_at,
        )
        if owners:
            _send_already_there(sent, owners[0])
        elif not taken:
            _send_signup_code(sent, pin)
    return sent


def _send_signup_code(sent: CodeSent, pin: str) -> None:
    minutes = _minutes()
    subject = _("Your CityDesk sign-up code")
    _send(
        email=sent.email,
        phone=sent.phone,
        subject=subject,
        email_lines=[
            _("Your code to open your CityDesk account is %(pin)s (valid %(m)s minutes).")
            % {"pin": pin, "m": minutes},
            _("Enter it on the sign-up page: %(link)s") % {"link": _public("web:signup_confirm")},
            "",
            _("If you did not ask for it, ignore this e-mail: no account is opened without the code."),
        ],
        sms=_("%(pin)s (valid %(m)s minutes). If you did not ask for it, ignore this message.")
        % {"pin": pin, "m": minutes},
    )


def _send_already_there(sent: CodeSent, owner: User) -> None:
    """Someone signed up with an address an account already uses: no code, but its owner learns how to log
    in or to choose a new password (the page said to this visitor what it says to everyone). Written for
    the owner, in the account's language (`message_language`), not in the language of whoever asked."""
    from citydesk.notifications.services import message_language

    with translation.override(message_language(owner)):
        _write_already_there(sent)


def _write_already_there(sent: CodeSent) -> None:
    subject = _("Someone tried to open a CityDesk account with this address")
    links = {"login": _public("web:login"), "reset": _public("web:password_reset")}
    _send(
        email=sent.email,
        phone=sent.phone,
        subject=subject,
        email_lines=[
            _(
                "Someone asked to open a CityDesk account with this e-mail address, which an account "
                "already uses, so no new account was opened."
            ),
            _(
                "If it was you, log in with your user name, this e-mail address or your phone number: %(login)s"
            )
            % links,
            _("Forgot your password? Choose a new one here: %(reset)s") % links,
            "",
            _("If it was not you, ignore this e-mail: nothing was changed."),
        ],
        sms=_(
            "This phone number already has an account. Log in: %(login)s. Forgot your password: %(reset)s. "
            "Not you? Ignore this message."
        )
        % links,
    )


def _live_codes(purpose: str, email: str, phone: str, now: datetime) -> list[AccountCode]:
    """The codes that work for this address now, newest first, among those of `purpose` sent in the last
    CODE_VALID and not used. A reset code carries nothing but the right to choose a password: each of them
    works (a code a stranger asked for later does not void the owner's). A sign-up code carries the name and
    password of whoever asked for it: only the latest works, or the owner typing the first code in their
    mailbox could open the account with a stranger's password."""
    codes = AccountCode.objects.filter(
        purpose=purpose, email=email, phone=phone, created_at__gte=now - CODE_VALID, used_at__isnull=True
    ).order_by("-created_at", "-pk")
    limit = 1 if purpose == AccountCode.Purpose.SIGNUP else max(messages_per_contact(), 1)
    return list(codes[:limit])


def _read_pin(pin: str) -> str:
    pin = "".join((unicodedata.normalize("NFKC", pin or "")).split())
    if not (len(pin) == 6 and pin.isascii() and pin.isdigit()):
        raise DomainError(_("Enter the 6-digit code you received."), field="code")
    return pin


def _spend_try(*, purpose: str, email: str, phone: str, pin: str, client: str) -> AccountCode:
    """The code of this address that `pin` is, among its live codes (`_live_codes`). A try uses one of the
    CODE_TRIES of every live code (claimed in its own statement, kept when the code is wrong: two tries at
    once cannot both take the last one), so that several codes at once give no more guesses than one.
    `client` is the requester's network address: a code spent by wrong tries says how long until a new one
    can be asked for from there (Retry-After)."""
    now = timezone.now()
    live = _live_codes(purpose, email, phone, now)
    if not live:
        raise DomainError(
            _("No code is waiting for this address, or it has expired: ask for a new one."), field="code"
        )
    wanted = _code_hash(str(purpose), email or phone, pin)
    found: AccountCode | None = None
    tried = False
    left = 0
    for code in live:
        if not AccountCode.objects.filter(pk=code.pk, attempts__lt=CODE_TRIES, used_at__isnull=True).update(
            attempts=F("attempts") + 1
        ):
            continue  # spent by wrong tries (or used) meanwhile
        tried = True
        matches = constant_time_compare(code.code_hash, wanted)
        if matches and found is None:
            found = code
        left = max(left, CODE_TRIES - code.attempts - 1)
    if found is not None:
        return found
    if not tried or left <= 0:
        wait = _new_code_wait(purpose=purpose, email=email, phone=phone, client=client_key(client))
        if not tried:
            raise AccountLimited(
                _("Too many wrong codes: ask for a new code."), field="code", retry_after=wait
            )
        raise AccountLimited(
            _("This is not the code we sent, and no tries are left: ask for a new code."),
            field="code",
            retry_after=wait,
        )
    raise DomainError(
        ngettext(
            "This is not the code we sent (%(n)s try left).",
            "This is not the code we sent (%(n)s tries left).",
            left,
        )
        % {"n": left},
        field="code",
    )


def _claim(pending: AccountCode, now: datetime) -> None:
    """The code is used once: a second confirmation (twice the button, two tabs) finds it spent."""
    if not AccountCode.objects.filter(pk=pending.pk, used_at__isnull=True).update(used_at=now, password=""):
        raise DomainError(
            _("No code is waiting for this address, or it has expired: ask for a new one."), field="code"
        )


def _new_username() -> str:
    while True:
        name = USERNAME_PREFIX + "".join(secrets.choice(_USERNAME_ALPHABET) for _ in range(8))
        if not User.objects.filter(username=name).exists():
            return name


def _taken_meanwhile(field: str) -> Conflict:
    return Conflict(
        _("An account already uses this address: log in, or choose a new password if you forgot it."),
        field=field,
    )


def _refuse_crossed_signups(email: str, phone: str) -> None:
    """Sign-ups asked for this address from two networks within CODE_VALID: the owner cannot tell which code
    in their mailbox is theirs, and the other one would open the account with a stranger's name and
    password. None of them is honoured (all are spent); the owner asks for a new code."""
    now = timezone.now()
    live = AccountCode.objects.filter(
        purpose=AccountCode.Purpose.SIGNUP,
        email=email,
        phone=phone,
        created_at__gte=now - CODE_VALID,
        used_at__isnull=True,
    )
    if live.values("client").distinct().count() > 1:
        live.update(used_at=now, password="")
        raise DomainError(
            _(
                "This address was also given in a sign-up from elsewhere in the last few minutes, so for "
                "your safety none of the codes sent can be used: ask for a new code."
            ),
            field="code",
        )


def signup_confirm(*, email: str = "", phone: str = "", pin: str, client: str = "") -> User:
    """A code sent by `signup_request` comes back: the citizen's account is made (no memberships), with
    a user name of its own ("nd-…"), the name, the address and the password given with that code; the
    address's other sign-up codes are spent. Audited as the account's creation by its owner, with the
    consent given. `client`: the requester's network address (REMOTE_ADDR)."""
    email, phone = contact_of(email, phone)
    field = "email" if email else "phone"
    pin = _read_pin(pin)
    _refuse_crossed_signups(email, phone)
    pending = _spend_try(purpose=AccountCode.Purpose.SIGNUP, email=email, phone=phone, pin=pin, client=client)
    now = timezone.now()
    with transaction.atomic():
        _claim(pending, now)
        AccountCode.objects.filter(
            purpose=AccountCode.Purpose.SIGNUP, email=email, phone=phone, used_at__isnull=True
        ).update(used_at=now, password="")
        if _accounts_at(email, phone):  # opened meanwhile with the same address (a second code)
            raise _taken_meanwhile(field)
        user = User(
            username=_new_username(),
            full_name=pending.full_name,
            email=email,
            phone=phone,
            language=pending.language if pending.language in dict(settings.LANGUAGES) else "",
        )
        user.password = pending.password  # the hash made when the password was given
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # the same phone number, at the same moment
            raise _taken_meanwhile(field) from None
        audit_record(
            actor=Actor(user_id=user.pk, label=user.full_name or user.username),
            action="user.create",
            object_type="user",
            object_id=user.pk,
            after={
                "username": user.username,
                "role": "citizen",
                "organisation": None,
                "via": "sign-up",
                "contact": field,
                "consent": CONSENT,
                "consented_at": (pending.consented_at or now).isoformat(),
            },
        )
    return user


# --- Password recovery ---------------------------------------------------------------------------------


def _resettable(accounts: list[User]) -> list[User]:
    """The accounts a code may reset: active, with a password (Django's own reset leaves out the others:
    an account made without one logs in another way, or not at all)."""
    return [u for u in accounts if u.is_active and u.has_usable_password()]


def reset_request(*, email: str = "", phone: str = "", client: str = "") -> CodeSent:
    """A visitor forgot their password: the active account of this e-mail or phone is sent a 6-digit code
    (in the visitor's language). The answer is the same whether there is one or not; without one nothing is
    sent, and an e-mail shared by several accounts (officers' may be) is told to ask for help instead."""
    sent = CodeSent(*contact_of(email, phone))
    now = timezone.now()
    client = client_key(client)
    _tidy(now)
    _check_limits(
        purpose=AccountCode.Purpose.RESET,
        email=sent.email,
        phone=sent.phone,
        client=client,
        now=now,
        field=sent.field,
    )
    accounts = _accounts_at(sent.email, sent.phone)
    resettable = _resettable(accounts)
    account = resettable[0] if len(accounts) == 1 and resettable else None
    pin = _new_pin()
    with transaction.atomic():
        AccountCode.objects.create(
            purpose=AccountCode.Purpose.RESET,
            email=sent.email,
            phone=sent.phone,
            code_hash=_code_hash("reset", sent.email or sent.phone, pin) if account else _never_matches(),
            client=client,
            created_at=now,
            language=translation.get_language() or "",
            user=account,
        )
        if account is not None:
            _send_reset_code(sent, pin, account)
        elif len(accounts) > 1 and sent.email:  # a phone number is one account's only
            _send_shared_address(sent)
    return sent


def _send_reset_code(sent: CodeSent, pin: str, account: User) -> None:
    minutes = _minutes()
    subject = _("Your CityDesk password code")
    _send(
        email=sent.email,
        phone=sent.phone,
        subject=subject,
        email_lines=[
            _("Someone asked to choose a new password for your CityDesk account (user name: %(u)s).")
            % {"u": account.username},
            _("Your code is %(pin)s (valid %(m)s minutes). Enter it with your new password here: %(link)s")
            % {"pin": pin, "m": minutes, "link": _public("web:password_reset_confirm")},
            "",
            _("If you did not ask for it, ignore this e-mail: your password stays as it is."),
        ],
        sms=_(
            "%(pin)s (valid %(m)s minutes). If you did not ask for it, ignore this message: your password "
            "stays as it is."
        )
        % {"pin": pin, "m": minutes},
    )


def _send_shared_address(sent: CodeSent) -> None:
    from citydesk.notifications.services import notification_queue

    notification_queue(
        channel="email",
        address=sent.email,
        subject=_("Your CityDesk password code"),
        body="\n".join(
            [
                _(
                    "Someone asked to choose a new password for the CityDesk account of this e-mail address, "
                    "but several accounts use it, so no code was sent."
                ),
                _(
                    "Ask the system administrator of your unit to set a new password, or use your phone number "
                    "if your account has one."
                ),
            ]
        ),
    )


def reset_confirm(
    *,
    email: str = "",
    phone: str = "",
    pin: str,
    password: str,
    password2: str | None = None,
    client: str = "",
) -> User:
    """A code sent by `reset_request` comes back with the new password: it is set (checked by
    settings.AUTH_PASSWORD_VALIDATORS). Setting it ends the account's other sessions (Django checks a
    session against the password it was opened with) and its app tokens (User.save); its log-in lock-outs
    are lifted and its other codes spent. Audited as the owner's change of the password. `client`: the
    requester's network address (REMOTE_ADDR)."""
    email, phone = contact_of(email, phone)
    field = "email" if email else "phone"
    pin = _read_pin(pin)
    if not password:
        raise DomainError(_("Choose a new password."), field="password")
    if password2 is not None and password != password2:
        raise DomainError(
            _("The two passwords are not the same: type the same password twice."), field="password2"
        )
    pending = _spend_try(purpose=AccountCode.Purpose.RESET, email=email, phone=phone, pin=pin, client=client)
    user = User.objects.filter(pk=pending.user_id, is_active=True).first() if pending.user_id else None
    if user is None:  # deactivated since the code was sent
        raise DomainError(
            _("No code is waiting for this address, or it has expired: ask for a new one."), field="code"
        )
    problems = _check_password(password, None, user)
    if problems:  # the code stays valid: the person tries another password
        raise problems[0]
    now = timezone.now()
    with transaction.atomic():
        _claim(pending, now)
        AccountCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
        AccountCode.objects.filter(
            purpose=AccountCode.Purpose.RESET, email=email, phone=phone, used_at__isnull=True
        ).update(used_at=now)
        user.set_password(password)
        user.save(update_fields=["password"])  # ends the app tokens (User.save)
        audit_record(
            actor=Actor(user_id=user.pk, label=user.full_name or user.username),
            action="user.password",
            object_type="user",
            object_id=user.pk,
            before={"password": "(previous)"},
            after={"password": "(changed)", "via": "reset code", "contact": field},
        )
    from axes.utils import reset as axes_reset

    axes_reset(username=user.username)  # the owner proved who they are: no lock-out stays on the account
    return user


# --- Log-in by user name, e-mail or phone ----------------------------------------------------------------


def typed_identifier(value: Any) -> str:
    """What was typed in the log-in field, as the form reads a user name: NFKC, no surrounding spaces."""
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def accounts_for_identifier(identifier: str) -> list[User]:
    """The accounts a log-in name names: the account of that user name; else those of that e-mail address
    (in any case; more than one when an e-mail is shared); else the account of that phone number, however
    it is written ("0912 000 555", "+84912000555")."""
    identifier = typed_identifier(identifier)
    if not identifier:
        return []
    own = User.objects.filter(username=identifier).first()
    if own is not None:
        return [own]
    if "@" in identifier:
        return list(User.objects.filter(email__iexact=identifier).order_by("pk")[:5])
    try:
        phone = normalize_phone(identifier)
    except DomainError:
        return []
    return list(User.objects.filter(phone=phone)[:1]) if phone else []


AMBIGUOUS_FLAG = "citydesk_login_ambiguous"


class IdentifierBackend(ModelBackend):
    """Django's model backend, with the e-mail address or the phone number of the account in place of its
    user name. Placed after axes' backend and the address guard (settings.AUTHENTICATION_BACKENDS): their
    lock-outs apply first, and counted per account (`axes_username`).

    An e-mail address shared by several accounts (officers' may be) logs in none of them: the page asks for
    the user name instead (`AMBIGUOUS_FLAG` on the request, set only when the password is one of theirs, so
    that it tells nobody else that the address is shared)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        found = accounts_for_identifier(username)
        if not found:
            User().set_password(password)  # as long as a wrong password: no timing tells unknown names
            return None
        if len(found) > 1:
            if request is not None and any(
                u.check_password(password) and self.user_can_authenticate(u) for u in found
            ):
                setattr(request, AMBIGUOUS_FLAG, True)
            return None
        user = found[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str | None:
    """django-axes' name for a log-in attempt (AXES_USERNAME_CALLABLE): the account's user name whatever
    names it (user name, e-mail or phone), so that its lock-out counts the wrong passwords of all three
    together; an identifier naming no single account counts as typed (an e-mail lower-cased, a phone
    number in its stored form)."""
    if credentials:
        typed = credentials.get("username")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", None) or {}
        typed = data.get("username") if hasattr(data, "get") else None
    if typed is None:
        return None
    typed = typed_identifier(typed)
    remembered = getattr(request, "_citydesk_axes_names", None) if request is not None else None
    if remembered is not None and typed in remembered:
        return remembered[typed]
    found = accounts_for_identifier(typed)
    if len(found) == 1:
        name = found[0].username
    elif "@" in typed:
        name = typed.lower()
    else:
        try:
            name = normalize_phone(typed) or typed
        except DomainError:
            name = typed
    if request is not None:
        with contextlib.suppress(AttributeError):  # an object that takes no attribute: asked again next time
            request._citydesk_axes_names = {**(remembered or {}), typed: name}  # type: ignore[union-attr]
    return name
