"""Writes and authority checks of the platform core. Keyword-only, typed, atomic, audited."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import date, timedelta

from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor, audit_record
from citydesk.core.calendar import check_in_range
from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.core.models import (
    ApiToken,
    AuditEntry,
    Delegation,
    Membership,
    Organisation,
    User,
    membership_misfit,
)
from citydesk.core.powers import NON_DELEGABLE, ROLE_POWERS, ROLES_RECEIVING_UNIT_DELEGATION, Power, Role
from citydesk.core.validators import normalize_phone, organisation_root
from citydesk.lib.text import nfc

TOKEN_PREFIX = "cd_"


# --- Authority ------------------------------------------------------------------------------------


def _own_roles(user: User, organisation: Organisation) -> list[str]:
    """The roles `user` holds in `organisation` or a unit above it.

    Every authenticated request asks this at least once, so it is one plain SELECT of the role column:
    the ORM's compilation of the same query cost ten times its execution."""
    ids = organisation.ancestor_ids()
    sql = (
        f"SELECT role FROM {Membership._meta.db_table} WHERE user_id = %s AND is_active = %s "
        f"AND organisation_id IN ({', '.join(['%s'] * len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, True, *ids])
        return [row[0] for row in cursor.fetchall()]


def holds_own(user: User, power: str, organisation: Organisation) -> bool:
    """Does `user` hold `power` over `organisation` through a role in it or in a unit above it?"""
    if not user.is_active:
        return False
    return any(power in ROLE_POWERS[role] for role in _own_roles(user, organisation))


def authorize(
    user: User,
    power: str,
    organisation: Organisation,
    *,
    on: date | None = None,
    covers: Callable[[Delegation], bool] | None = None,
) -> Actor:
    """Return the Actor (own right or by delegation) allowed to use `power` over `organisation`.

    Raises NotAllowed naming the power. Non-delegable powers are accepted only in one's own right,
    which excludes deputies because the role table gives them none of those powers.
    """
    label = user.full_name or user.username
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed(_("You must log in to do this."))
    if holds_own(user, power, organisation):
        return Actor(user_id=user.pk, label=label, right=AuditEntry.Right.OWN)
    if power in NON_DELEGABLE:
        raise NotAllowed(
            _("“%(power)s” can only be exercised by the head of the unit in person, never by delegation.")
            % {"power": Power(power).label}
        )
    delegation = active_delegation_for(user, power, organisation, on=on, covers=covers)
    if delegation is not None:
        giver = delegation.delegator
        return Actor(
            user_id=user.pk,
            label=label,
            right=AuditEntry.Right.DELEGATED,
            delegation_id=delegation.pk,
            on_behalf_of=giver.full_name or giver.username,
        )
    raise NotAllowed(
        _("You do not have the power “%(power)s” in %(org)s.")
        % {"power": Power(power).label, "org": organisation.name}
    )


def active_delegation_for(
    user: User,
    power: str,
    organisation: Organisation,
    *,
    on: date | None = None,
    covers: Callable[[Delegation], bool] | None = None,
) -> Delegation | None:
    """The delegation in force that lets `user` use `power` over `organisation` (the newest first), or
    None; `covers` narrows it to those that reach the case at hand (a delegation to a unit reaches that
    unit's own dossiers only): an older one that does is found behind a newer one that does not."""
    day = on or timezone.localdate()
    head_of = Membership.objects.filter(
        user=user, is_active=True, role__in=ROLES_RECEIVING_UNIT_DELEGATION
    ).values("organisation_id")
    candidates = (
        Delegation.objects.filter(
            organisation_id__in=organisation.ancestor_ids(),
            start_date__lte=day,
            end_date__gte=day,
            revoked_at__isnull=True,
        )
        .filter(Q(delegate_user=user) | Q(delegate_organisation_id__in=head_of))
        .select_related("delegator", "organisation")
        .order_by("-start_date", "pk")
    )
    for delegation in candidates:
        # The giver must still hold the power in their own right: a delegation ends with the office.
        if (
            power in delegation.powers
            and (covers is None or covers(delegation))
            and holds_own(delegation.delegator, power, delegation.organisation)
        ):
            return delegation
    return None


def holds_anywhere(user: User, power: str) -> Membership | None:
    for membership in Membership.objects.filter(user=user, is_active=True).select_related("organisation"):
        if power in ROLE_POWERS[membership.role]:
            return membership
    return None


def actor_for_system_power(user: User, power: str) -> Actor:
    """System-wide powers (calendar, boundaries, users): held through a role with that power."""
    if user.is_superuser:
        return Actor(user_id=user.pk, label=user.full_name or user.username)
    if holds_anywhere(user, power) is None:
        raise NotAllowed(_("You do not have the power “%(power)s”.") % {"power": Power(power).label})
    return Actor(user_id=user.pk, label=user.full_name or user.username)


# --- Users and tokens -----------------------------------------------------------------------------


def _organisation_by_code(code: str) -> Organisation:
    try:
        return Organisation.objects.get(code=code.strip())
    except Organisation.DoesNotExist:
        raise NotFound(_("Unknown organisation code “%(code)s”.") % {"code": code}, field="unit") from None


ADMIN_GROUP = "Quản trị hệ thống"
# Apps whose models a system administrator manages in the back office besides CityDesk's own: groups,
# log-in lock-outs (to unlock an officer) and background task results.
_ADMIN_GROUP_EXTRA_APPS = ("auth", "axes", "django_tasks_database")


def admin_group_ensure() -> Group:
    """The back office group of system administrators, holding every permission of CityDesk's apps,
    of groups, log-in lock-outs and task results. Idempotent: run on each administrator's creation, it also adds the permissions
    of models added since."""
    labels = [config.label for config in django_apps.get_app_configs() if config.name.startswith("citydesk.")]
    group, _created = Group.objects.get_or_create(name=ADMIN_GROUP)
    permissions = Permission.objects.filter(content_type__app_label__in=[*labels, *_ADMIN_GROUP_EXTRA_APPS])
    group.permissions.add(*permissions)
    return group


def holds_admin_role(user: User) -> bool:
    """Does `user` hold the system administrator's role (an active membership with it) anywhere?"""
    return Membership.objects.filter(user=user, role=Role.ADMIN, is_active=True).exists()


def admin_rights_sync(user: User, *, had_role: bool) -> dict[str, object]:
    """Staff status and the administrators' group follow the system administrator's role, wherever the
    role was granted (`citydesk create-user --role admin`, a membership in the back office): holding it
    gives both; losing it (`had_role` and no longer held) takes both away, staff status excepted for a
    superuser. A user who never held the role keeps the rights given by hand.

    Returns the user's rights that changed, as they are now ({} when none did); the caller audits them
    with the change that caused them (the back office records them in the user's own row)."""
    changed: dict[str, object] = {}
    if holds_admin_role(user):
        group = admin_group_ensure()
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            changed["is_staff"] = True
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
            changed["groups"] = sorted(user.groups.values_list("name", flat=True))
    elif had_role:
        if user.is_staff and not user.is_superuser:
            user.is_staff = False
            user.save(update_fields=["is_staff"])
            changed["is_staff"] = False
        group = Group.objects.filter(name=ADMIN_GROUP).first()
        if group is not None and user.groups.filter(pk=group.pk).exists():
            user.groups.remove(group)
            changed["groups"] = sorted(user.groups.values_list("name", flat=True))
    return changed


def _check_username(username: str) -> None:
    field = User._meta.get_field("username")
    try:
        for validator in field.validators:
            validator(username)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="username") from None


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)  # the validators of settings.AUTH_PASSWORD_VALIDATORS
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password") from None


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    role: str,
    unit_code: str | None = None,
    full_name: str = "",
    email: str = "",
    phone: str = "",
    password: str | None = None,
    title: str = "",
) -> User:
    username = nfc(username)
    if not username:
        raise DomainError(_("A username is required."), field="username")
    _check_username(username)
    # Compared without case, as the back office's form does: "Officer" beside "officer" is one name to people.
    taken = User.objects.filter(username__iexact=username).values_list("username", flat=True).first()
    if taken == username:
        raise DomainError(_("The username “%(u)s” is taken.") % {"u": username}, field="username")
    if taken is not None:
        raise DomainError(
            _("The username “%(u)s” is taken: “%(other)s” differs from it only in capital letters.")
            % {"u": username, "other": taken},
            field="username",
        )
    if role != "citizen" and role not in Role.values:
        raise DomainError(
            _("Unknown role “%(role)s”; choose one of: %(roles)s.")
            % {"role": role, "roles": ", ".join(["citizen", *Role.values])},
            field="role",
        )
    organisation = None
    if role == "citizen":
        if unit_code:
            raise DomainError(
                _("A citizen belongs to no organisation: leave out the organisation code (--unit)."),
                field="unit",
            )
    else:
        if not unit_code:
            raise DomainError(_("An officer needs an organisation code (--unit)."), field="unit")
        organisation = _organisation_by_code(unit_code)
        misfit = membership_misfit(role, organisation)
        if misfit:
            raise DomainError(misfit, field="unit")
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(_("“%(e)s” is not an e-mail address.") % {"e": email}, field="email") from None
    phone = normalize_phone(phone.strip(), field="phone")
    if phone and User.objects.filter(phone=phone).exists():
        raise DomainError(_("The phone number %(p)s belongs to another user.") % {"p": phone}, field="phone")
    user = User(username=username, full_name=nfc(full_name), email=email, phone=phone)
    if password:
        _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    if organisation is not None:
        Membership.objects.create(user=user, organisation=organisation, role=role, title=nfc(title))
    admin_rights_sync(user, had_role=False)  # the administrator's role gives staff status and the group
    audit_record(
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.pk,
        after={"username": user.username, "role": role, "organisation": organisation and organisation.code},
    )
    return user


def _user_named(username: str) -> User:
    username = nfc(username or "").strip()
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound(_("Unknown user “%(u)s”.") % {"u": username}, field="username")
    return user


@transaction.atomic
def user_set_password(*, actor: Actor, username: str, password: str) -> User:
    """A new log-in password for a user, checked as create-user checks one; audited (never the password)."""
    user = _user_named(username)
    if not password:
        raise DomainError(_("Give the new password."), field="password")
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=actor,
        action="user.password",
        object_type="user",
        object_id=user.pk,
        before={"password": "(previous)"},
        after={"password": "(changed)"},
    )
    return user


def another_active_administrator(user: User) -> bool:
    """Whether someone other than `user` can still run the back office: an active superuser with staff
    access. The last one is never deactivated, demoted or deleted (command line and back office alike)."""
    return User.objects.filter(is_superuser=True, is_active=True, is_staff=True).exclude(pk=user.pk).exists()


@transaction.atomic
def user_set_active(*, actor: Actor, username: str, active: bool) -> User:
    """Deactivate (or reactivate) an account: a deactivated one can neither log in nor use its API tokens;
    its history stays. Audited."""
    user = _user_named(username)
    if user.is_active == active:
        return user
    if not active and user.is_superuser and not another_active_administrator(user):
        raise DomainError(
            _("“%(u)s” is the last active system administrator: make another one first.")
            % {"u": user.username},
            field="username",
        )
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        object_type="user",
        object_id=user.pk,
        before={"is_active": not active},
        after={"is_active": active},
    )
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(*, actor: Actor, user: User, name: str = "") -> str:
    """Create a token and return it in clear; only its hash is kept."""
    secret = secrets.token_urlsafe(32)
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secret}"
    record = ApiToken.objects.create(user=user, name=nfc(name), prefix=prefix, key_hash=_hash_token(token))
    audit_record(
        actor=actor,
        action="api_token.create",
        object_type="api_token",
        object_id=record.pk,
        after={"user": user.username, "prefix": prefix},
    )
    return token


@transaction.atomic
def api_token_issue(*, actor: Actor, username: str, name: str = "") -> str:
    """A new token for an existing, active user (the old ones keep working until revoked); in clear."""
    username = nfc(username).strip()
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound(_("Unknown user “%(u)s”.") % {"u": username}, field="username")
    if not user.is_active:
        raise DomainError(
            _("The user “%(u)s” is deactivated: a token would not work. Reactivate the account first.")
            % {"u": username},
            field="username",
        )
    name = nfc(name).strip()
    limit = ApiToken._meta.get_field("name").max_length or 0
    if len(name) > limit:
        raise DomainError(
            _("Too long: at most %(n)s characters (got %(got)s).") % {"n": limit, "got": len(name)},
            field="name",
        )
    return api_token_create(actor=actor, user=user, name=name)


def api_token_user(token: str) -> User | None:
    """The active user behind a bearer token, or None. Updates last use at most once a minute."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    # A raw query (the user's columns, the token's id, and whether its last use is older than a
    # minute): every API request authenticates, and compiling the equivalent ORM query cost three
    # times as much as running it.
    found = list(
        User.objects.raw(
            f"SELECT u.*, t.id AS token_id, CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s "
            f"THEN 1 ELSE 0 END AS token_stale FROM {ApiToken._meta.db_table} t "
            f"JOIN {User._meta.db_table} u ON u.id = t.user_id "
            "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active = %s",
            [connection.ops.adapt_datetimefield_value(now - timedelta(seconds=60)), _hash_token(token), True],
        )
    )
    if not found:
        return None
    user = found[0]
    if user.token_stale:
        ApiToken.objects.filter(pk=user.token_id).update(last_used_at=now)
    return user


# --- Delegation -----------------------------------------------------------------------------------


@transaction.atomic
def delegation_grant(
    *,
    user: User,
    organisation: Organisation,
    powers: Iterable[str],
    start_date: date,
    end_date: date,
    delegate_user: User | None = None,
    delegate_organisation: Organisation | None = None,
    reason: str = "",
) -> Delegation:
    """A head delegates named powers they hold in `organisation` for a date range."""
    powers = sorted(set(powers))
    check_in_range(start_date, "start_date")
    check_in_range(end_date, "end_date")
    if end_date < start_date:
        raise DomainError(_("The end date precedes the start date."), field="end_date")
    if end_date < timezone.localdate():
        raise DomainError(
            _("The delegation would end before today: a delegation cannot be granted for the past."),
            field="end_date",
        )
    if (delegate_user is None) == (delegate_organisation is None):
        raise DomainError(_("Name exactly one delegate: a person or a unit."), field="delegate")
    if not powers:
        raise DomainError(_("Name at least one power to delegate."), field="powers")
    unknown = [p for p in powers if p not in Power.values]
    if unknown:
        raise DomainError(_("Unknown power: %(p)s.") % {"p": ", ".join(unknown)}, field="powers")
    refused = [p for p in powers if p in NON_DELEGABLE]
    if refused:
        raise DomainError(
            _("These powers can never be delegated: %(p)s.")
            % {"p": ", ".join(str(Power(p).label) for p in refused)},
            field="powers",
        )
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed(_("You must log in to do this."))
    # Checked before `authorize`, whose answer for a missing (non-delegable) DELEGATE power would be
    # that it "cannot be exercised by delegation": the point is that the user does not hold it.
    not_held = [p for p in powers if not holds_own(user, p, organisation)]
    if not_held:
        raise NotAllowed(
            _("You cannot delegate powers you do not hold yourself: %(p)s.")
            % {"p": ", ".join(str(Power(p).label) for p in not_held)},
            field="powers",
        )
    if not holds_own(user, Power.DELEGATE, organisation):
        raise NotAllowed(
            _("You do not have the power “%(power)s” in %(org)s.")
            % {"power": Power.DELEGATE.label, "org": organisation.name},
            field="organisation",
        )
    actor = authorize(user, Power.DELEGATE, organisation)
    if delegate_user is not None and delegate_user.pk == user.pk:
        raise DomainError(_("You cannot delegate to yourself."), field="delegate")
    _check_delegate(organisation, delegate_user, delegate_organisation)
    delegation = Delegation.objects.create(
        delegator=user,
        organisation=organisation,
        powers=powers,
        delegate_user=delegate_user,
        delegate_organisation=delegate_organisation,
        start_date=start_date,
        end_date=end_date,
        reason=nfc(reason),
    )
    audit_record(
        actor=actor,
        action="delegation.grant",
        object_type="delegation",
        object_id=delegation.pk,
        after=delegation_snapshot(delegation),
    )
    return delegation


def _check_delegate(
    organisation: Organisation, delegate_user: User | None, delegate_organisation: Organisation | None
) -> None:
    """Powers go to officers of the same government (the delegating unit's tree: the city or province
    and its units), never to a citizen, an inactive account or a unit of another city."""
    root = organisation_root(organisation)
    if delegate_organisation is not None:
        if not delegate_organisation.is_active or organisation_root(delegate_organisation).pk != root.pk:
            raise DomainError(
                _("%(unit)s is not an active unit of %(root)s: powers can only be delegated within it.")
                % {"unit": delegate_organisation.name, "root": root.name},
                field="delegate",
            )
        return
    assert delegate_user is not None
    memberships = Membership.objects.filter(
        user=delegate_user, is_active=True, organisation__is_active=True
    ).select_related("organisation")
    officer = delegate_user.is_active and any(
        organisation_root(m.organisation).pk == root.pk for m in memberships
    )
    if not officer:
        raise DomainError(
            _(
                "%(person)s is not an officer of %(root)s: powers can only be delegated to a person with "
                "an active role in one of its units."
            )
            % {"person": delegate_user.full_name or delegate_user.username, "root": root.name},
            field="delegate",
        )


def delegation_snapshot(delegation: Delegation) -> dict[str, object]:
    return {
        "delegator": delegation.delegator.username,
        "organisation": delegation.organisation.code,
        "powers": delegation.powers,
        "delegate_user": delegation.delegate_user.username if delegation.delegate_user else None,
        "delegate_organisation": delegation.delegate_organisation.code
        if delegation.delegate_organisation
        else None,
        "start_date": delegation.start_date.isoformat(),
        "end_date": delegation.end_date.isoformat(),
        "revoked_at": delegation.revoked_at.isoformat() if delegation.revoked_at else None,
    }


@transaction.atomic
def delegation_revoke(*, user: User, delegation_id: int) -> Delegation:
    delegation = (
        Delegation.objects.select_for_update()
        .select_related("organisation", "delegator")
        .filter(pk=delegation_id)
        .first()
    )
    if delegation is None:
        raise NotFound(_("No delegation #%(id)s.") % {"id": delegation_id}, field="delegation_id")
    if not holds_own(user, Power.DELEGATE, delegation.organisation):
        raise NotAllowed(
            _("You may not revoke this delegation: only the head of %(org)s or of a unit above it may.")
            % {"org": delegation.organisation.name},
            field="delegation_id",
        )
    actor = authorize(user, Power.DELEGATE, delegation.organisation)
    if delegation.revoked_at is not None:
        raise DomainError(_("This delegation was already revoked."), field="delegation_id")
    before = delegation_snapshot(delegation)
    delegation.revoked_at = timezone.now()
    delegation.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="delegation.revoke",
        object_type="delegation",
        object_id=delegation.pk,
        before=before,
        after=delegation_snapshot(delegation),
    )
    return delegation


# --- API tokens -----------------------------------------------------------------------------------


@transaction.atomic
def api_tokens_end(user: User, *, reason: str = "password changed") -> int:
    """Revoke every live token of `user`, whose password has just changed or who was deactivated
    (`User.save`); how many. Audited once, when there were any."""
    prefixes = list(
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).values_list("prefix", flat=True)
    )
    if not prefixes:
        return 0
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(
        actor=Actor.system("password change" if reason == "password changed" else "account deactivation"),
        action="api_token.revoke",
        object_type="user",
        object_id=user.pk,
        before={"user": user.username, "prefixes": prefixes, "revoked": False},
        after={"user": user.username, "prefixes": prefixes, "revoked": True, "reason": reason},
    )
    return len(prefixes)


def api_token_revoke(*, actor: Actor, token: ApiToken) -> bool:
    """Revoke a token (no more requests with it); False when it already was. Audited."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if not updated:
        return False
    audit_record(
        actor=actor,
        action="api_token.revoke",
        object_type="api_token",
        object_id=token.pk,
        before={"user": token.user.username, "prefix": token.prefix, "revoked": False},
        after={"user": token.user.username, "prefix": token.prefix, "revoked": True},
    )
    return True
